"""考核评分 on tiny frames: the rubric as run tables, the scorecard's sums and ranks, headings."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pandas as pd

from flows.assessment import (
    PARTIAL,
    item_heading,
    points_text,
    rubric_frames,
    scorecard,
)
from flows.config import AssessmentItem, Rubric

RUBRIC = Rubric(
    "测试考核",
    (
        AssessmentItem("work", "工作推进", "base", Decimal("50"), "entered", ("乡镇", "单位")),
        AssessmentItem("done", "任务完成", "base", Decimal("50"), "completion", ("乡镇", "单位")),
        AssessmentItem(
            "extra",
            "参保率加分",
            "bonus",
            Decimal("5"),
            "rate_above",
            ("乡镇",),
            above=Decimal("0.2"),
            per_point=Decimal("0.5"),
        ),
        AssessmentItem(
            "fault", "负面舆情", "deduction", Decimal("10"), "entered", ("乡镇", "单位")
        ),
    ),
)


def computed_rows(rows: list[tuple]) -> pd.DataFrame:
    """mart_assessment_computed rows: entity, type, position, item, source, points."""
    frame = pd.DataFrame(
        rows, columns=["entity", "entity_type", "position", "item_key", "source", "points"]
    )
    return frame.assign(basis=None, points=frame["points"].astype("float64"))


def test_rubric_frames_carry_every_item_and_step():
    steps = ((Decimal("1"), Decimal("50")), (Decimal("0.9"), Decimal("40")))
    done = AssessmentItem("done", "任务完成", "base", Decimal("50"), "completion", ("单位",))
    items = (RUBRIC.items[0], dataclasses.replace(done, rule="steps", steps=steps))
    frame, step_frame = rubric_frames(Rubric("", items))
    assert frame[
        ["item_key", "applies_township", "applies_unit", "item_position"]
    ].values.tolist() == [
        ["work", True, True, 1],
        ["done", False, True, 2],
    ]
    assert step_frame.values.tolist() == [["done", 1.0, 50.0], ["done", 0.9, 40.0]]
    empty, empty_steps = rubric_frames(None)
    assert empty.empty and empty_steps.empty
    assert list(empty.columns) == list(frame.columns)


def test_totals_subtract_deductions_and_ties_share_a_rank():
    computed = computed_rows(
        [
            ("甲镇", "乡镇", 1, "work", "entered", None),
            ("甲镇", "乡镇", 1, "done", "completion", 45.5),
            ("甲镇", "乡镇", 1, "extra", "rate_above", 4.5),
            ("甲镇", "乡镇", 1, "fault", "entered", None),
            ("乙乡", "乡镇", 2, "work", "entered", None),
            ("乙乡", "乡镇", 2, "done", "completion", 50.0),
            ("乙乡", "乡镇", 2, "extra", "rate_above", None),  # a fact missing: 待评
            ("乙乡", "乡镇", 2, "fault", "entered", None),
            ("某局", "单位", 3, "work", "entered", None),
            ("某局", "单位", 3, "done", "completion", 40.0),
            ("某局", "单位", 3, "fault", "entered", None),
        ]
    )
    entered = pd.DataFrame(
        [
            ("甲镇", "work", 40.0), ("甲镇", "fault", 10.0),
            ("乙乡", "work", 30.0), ("乙乡", "fault", 0.0),
            ("某局", "work", 40.0), ("某局", "fault", 0.0),
            # the form cannot overwrite a computed item
            ("甲镇", "done", 50.0),
        ],
        columns=["entity", "item_key", "points"],
    )  # fmt: skip
    card = scorecard(RUBRIC, computed, entered)
    rows = card.rows.set_index("entity")
    assert rows.loc["甲镇", ["base", "bonus", "deduction", "total"]].tolist() == [85.5, 4.5, 10, 80]
    # 乙乡 80 with its rate bonus 待评, 某局 80: three ranked first, together
    assert rows["total"].tolist() == [80.0, 80.0, 80.0]
    assert rows["rank"].tolist() == [1, 1, 1]
    assert rows.index.tolist() == ["甲镇", "乙乡", "某局"]  # tied: print order
    assert rows["status"].tolist() == ["", PARTIAL, ""]
    assert pd.isna(rows.loc["某局", "extra"])  # does not apply
    card = scorecard(RUBRIC, computed, None)  # no form: every entered item 待评
    assert card.rows["status"].tolist() == [PARTIAL] * 3
    assert card.rows["entity"].tolist() == ["甲镇", "乙乡", "某局"]  # 50, 50, 40
    assert card.rows["rank"].tolist() == [1, 1, 3]


def test_headings_show_the_bounds_and_points_print_short():
    assert [item_heading(item) for item in RUBRIC.items] == [
        "工作推进（0-50分）",
        "任务完成（0-50分）",
        "参保率加分（加分，0-5）",
        "负面舆情（扣分，0-10）",
    ]
    assert [points_text(v) for v in (20.0, 46.75, 14.6, Decimal("2.50"), 0.0, None)] == [
        "20", "46.75", "14.6", "2.5", "0", "",
    ]  # fmt: skip
