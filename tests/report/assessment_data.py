"""Inputs for the 考核 tests: Qingliu's rubric, a few of its townships and units with made-up
facts (int_assessment_facts as the intermediate model leaves it), and
mart_assessment_computed built from them by the real SQL in an in-memory DuckDB."""

from __future__ import annotations

import datetime

import pandas as pd

from flows import store
from flows.assessment import register_rubric
from flows.config import Rubric
from flows.settings import get_settings

AS_OF = datetime.date(2024, 11, 13)
FACT_TYPES = {
    "entity": "string",
    "entity_type": "string",
    "position": "Int64",
    "completion": "Float64",
    "rate": "Float64",
    "hardship_people": "Int64",
    "hardship_funded": "Int64",
    "family_declared": "Int64",
    "family_covered": "Int64",
    "family_rate": "Float64",
}
# entity, type, position, completion, rate, hardship people and funded, family declared,
# covered and rate
FACTS = [
    ("龙津镇", "乡镇", 1, 1.05, 0.31, 20, 20, None, None, None),
    ("嵩溪镇", "乡镇", 2, 0.935, 0.273, 12, 9, None, None, None),
    ("温郊乡", "乡镇", 3, 0.8, 0.16, 0, 0, None, None, None),
    ("沙芜乡", "乡镇", 4, 0.9, 0.25, None, None, None, None, None),  # no hardship list: 待评
    ("县财政局", "单位", 5, 1.0, 0.85, None, None, 10, 9, 0.9),
    ("县教育局", "单位", 6, 0.7, 0.56, None, None, 20, 10, 0.5),
]
ENTITIES = pd.DataFrame([fact[:3] for fact in FACTS], columns=["entity", "entity_type", "position"])
MODELS = ("stg_assessment_items", "stg_assessment_steps", "mart_assessment_computed")


def computed_for(rubric: Rubric, facts: list[tuple] = FACTS) -> pd.DataFrame:
    """mart_assessment_computed for ``facts`` under ``rubric``."""
    settings = get_settings()
    frame = pd.DataFrame(facts, columns=list(FACT_TYPES)).astype(FACT_TYPES)
    with store.connect(settings, ":memory:") as con:
        con.register("fact_rows", frame)
        con.execute("create temp table int_assessment_facts as from fact_rows")
        register_rubric(con, rubric)
        for name in MODELS:
            sql = store.model_sql(settings, name, "puhui")
            store.execute(con, f"create or replace temp table {name} as {sql}", {})
        return store.table(con, "mart_assessment_computed")
