"""考核评分 (the assessment scorecard): the county's rubric as run tables for SQL.

The rubric is the campaign file's [assessment] (flows/config.Rubric): which items there are,
their points, and where the points come from: the data (computed in SQL) or the assessors
(entered in the form). Another county's rubric is another file, never other code.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pandas as pd

from flows.config import ASSESSED, Rubric

TOWNSHIP, UNIT = ASSESSED  # 乡镇, 单位: who an item applies to


# --- The rubric as run tables -----------------------------------------------------------


def rubric_frames(rubric: Rubric | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """run_assessment_items (one row per item, in the file's order) and run_assessment_steps
    (one row per step of a completion item scored in steps); empty without a rubric, so
    that the SQL models always find them."""
    items = rubric.items if rubric is not None else ()

    def number(value: Decimal | None) -> float | None:
        return None if value is None else float(value)

    frame = pd.DataFrame(
        {
            "item_key": pd.array([i.key for i in items], dtype="string"),
            "item_label": pd.array([i.label for i in items], dtype="string"),
            "part": pd.array([i.part for i in items], dtype="string"),
            "points": pd.array([number(i.points) for i in items], dtype="Float64"),
            "source": pd.array([i.source for i in items], dtype="string"),
            "applies_township": pd.array([TOWNSHIP in i.applies_to for i in items], "boolean"),
            "applies_unit": pd.array([UNIT in i.applies_to for i in items], dtype="boolean"),
            "rule": pd.array([i.rule for i in items], dtype="string"),
            "above": pd.array([number(i.above) for i in items], dtype="Float64"),
            "per_point": pd.array([number(i.per_point) for i in items], dtype="Float64"),
            "threshold": pd.array([number(i.threshold) for i in items], dtype="Float64"),
            "item_position": pd.array(range(1, len(items) + 1), dtype="Int64"),
        }
    )
    steps = [
        (item.key, float(at_least), float(points))
        for item in items
        if item.source == "completion" and item.rule == "steps"
        for at_least, points in item.steps
    ]
    step_frame = pd.DataFrame(
        {
            "item_key": pd.array([s[0] for s in steps], dtype="string"),
            "at_least": pd.array([s[1] for s in steps], dtype="Float64"),
            "points": pd.array([s[2] for s in steps], dtype="Float64"),
        }
    )
    return frame, step_frame


def register_rubric(con: duckdb.DuckDBPyConnection, rubric: Rubric | None) -> None:
    """The rubric as the temp tables run_assessment_items and run_assessment_steps."""
    for table, frame in zip(
        ("run_assessment_items", "run_assessment_steps"), rubric_frames(rubric), strict=True
    ):
        con.register(f"{table}_frame", frame)
        con.execute(f"create or replace temp table {table} as from {table}_frame")
        con.unregister(f"{table}_frame")
