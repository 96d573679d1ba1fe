"""Golden rows for mart_assessment_computed: given these facts and this rubric, these points."""

import dataclasses
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from flows import store
from flows.assessment import register_rubric
from flows.config import Rubric, load_campaign
from flows.results import compute_marts
from flows.settings import get_settings
from tests.conftest import QINGLIU

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
# the models the mart reads, built one by one: int_assessment_facts is the test's own table
MODELS = ("stg_assessment_items", "stg_assessment_steps", "mart_assessment_computed")


@pytest.fixture
def con():
    with store.connect(get_settings(), ":memory:") as connection:
        yield connection


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    """Qingliu's rubric: 组织领导 20, 宣传发动 30 (entered), 任务完成 50 (proportional),
    困难群体 +10 (乡镇), 家属 ≥ 80% +10 (单位), +2 per point above 20% up to +20 (乡镇),
    负面舆情 −10 (entered)."""
    return load_campaign(QINGLIU, get_settings()).assessment


def given_facts(con, rows: list[tuple]) -> None:
    """int_assessment_facts as the intermediate model leaves it, one row per entity."""
    frame = pd.DataFrame(rows, columns=list(FACT_TYPES)).astype(FACT_TYPES)
    con.register("fact_rows", frame)
    con.execute("create or replace temp table int_assessment_facts as from fact_rows")


def computed(con, rubric: Rubric | None) -> pd.DataFrame:
    register_rubric(con, rubric)
    for name in MODELS:
        sql = store.model_sql(get_settings(), name, "puhui")
        store.execute(con, f"create or replace temp table {name} as {sql}", {})
    return store.table(con, "mart_assessment_computed")


def scored(frame: pd.DataFrame) -> list[tuple]:
    """The computed rows as (entity, item_key, points, basis); None for 待评."""
    rows = frame[frame["source"] != "entered"]
    return [
        (entity, key, None if pd.isna(points) else points, basis)
        for entity, key, points, basis in rows[
            ["entity", "item_key", "points", "basis"]
        ].itertuples(index=False)
    ]


def fact(entity, entity_type, position, completion=None, rate=None, hardship=(None, None),
         family=(None, None, None)) -> tuple:  # fmt: skip
    return (entity, entity_type, position, completion, rate, *hardship, *family)


def test_each_rule_as_configured_with_its_basis(con, rubric):
    given_facts(
        con,
        [
            fact("嵩溪镇", "乡镇", 1, completion=0.935, rate=0.273, hardship=(12, 12)),
            # over the target: full points, not more; the rate bonus capped at 20
            fact("龙津镇", "乡镇", 2, completion=1.2, rate=0.35, hardship=(12, 9)),
            # no target and no hardship list delivered: 待评; a rate below 20% earns nothing
            fact("沙芜乡", "乡镇", 3, completion=None, rate=0.15),
            # no one on the list in a fully-funded category: funded
            fact("温郊乡", "乡镇", 4, completion=0.5, rate=0.2, hardship=(0, 0)),
            fact("县医疗保障局", "单位", 5, completion=0.9, rate=0.72, family=(10, 8, 0.8)),
            fact("县财政局", "单位", 6, completion=1.0, rate=0.8),
            fact("县教育局", "单位", 7, completion=0.6, rate=0.6, family=(100, 79, 0.79)),
        ],
    )
    assert scored(computed(con, rubric)) == [
        ("嵩溪镇", "completion", 46.75, "完成率 93.5%"),
        ("嵩溪镇", "hardship", 10.0, "名单 12 人，全部资助到位"),
        ("嵩溪镇", "rate_bonus", 14.6, "参保率 27.3%"),
        ("龙津镇", "completion", 50.0, "完成率 120.0%"),
        ("龙津镇", "hardship", 0.0, "名单 12 人，3 人未资助"),
        ("龙津镇", "rate_bonus", 20.0, "参保率 35.0%"),
        ("沙芜乡", "completion", None, "无目标任务"),
        ("沙芜乡", "hardship", None, "未报送救助对象名单"),
        ("沙芜乡", "rate_bonus", 0.0, "参保率 15.0%"),
        ("温郊乡", "completion", 25.0, "完成率 50.0%"),
        ("温郊乡", "hardship", 10.0, "名单中无全额资助对象"),
        ("温郊乡", "rate_bonus", 0.0, "参保率 20.0%"),
        ("县医疗保障局", "completion", 45.0, "完成率 90.0%"),
        ("县医疗保障局", "family", 10.0, "家属参保率 80.0%"),
        ("县财政局", "completion", 50.0, "完成率 100.0%"),
        ("县财政局", "family", 0.0, "未申报家属"),
        ("县教育局", "completion", 30.0, "完成率 60.0%"),
        ("县教育局", "family", 0.0, "家属参保率 79.0%"),
    ]


def test_every_item_that_applies_has_a_row_entered_ones_empty(con, rubric):
    given_facts(
        con,
        [
            fact("县财政局", "单位", 2, completion=1.0, rate=0.8),
            fact("嵩溪镇", "乡镇", 1, completion=0.935, rate=0.273, hardship=(1, 1)),
        ],
    )
    frame = computed(con, rubric)
    by_entity = frame.groupby("entity", sort=False)["item_key"].apply(list).to_dict()
    assert by_entity == {  # in print order: position, then the rubric's order
        "嵩溪镇": [
            "organisation", "publicity", "completion", "hardship", "rate_bonus", "incident",
        ],
        "县财政局": ["organisation", "publicity", "completion", "family", "incident"],
    }  # fmt: skip
    entered = frame[frame["source"] == "entered"]
    assert entered["points"].isna().all() and entered["basis"].isna().all()
    assert frame.loc[frame["item_key"] == "incident", "part"].unique().tolist() == ["deduction"]


def test_proportional_points_round_half_up_to_two_decimals(con, rubric):
    # 50 × 0.9345 = 46.725 (46.72499… as a double): 46.73 and 93.5% as counted by hand
    given_facts(
        con,
        [
            fact("嵩溪镇", "乡镇", 1, completion=0.9345, rate=0.21),
            fact("龙津镇", "乡镇", 2, completion=0.93456, rate=0.2134),
        ],
    )
    rows = computed(con, rubric)
    rows = rows[rows["item_key"].isin(["completion", "rate_bonus"])]
    assert rows[["entity", "points", "basis"]].values.tolist() == [
        ["嵩溪镇", 46.73, "完成率 93.5%"],
        ["嵩溪镇", 2.0, "参保率 21.0%"],
        ["龙津镇", 46.73, "完成率 93.5%"],
        ["龙津镇", 2.68, "参保率 21.3%"],
    ]


def with_item(rubric: Rubric, key: str, **changes) -> Rubric:
    items = tuple(
        dataclasses.replace(item, **changes) if item.key == key else item for item in rubric.items
    )
    return dataclasses.replace(rubric, items=items)


def test_completion_in_steps(con, rubric):
    steps = (
        (Decimal("1"), Decimal("50")),
        (Decimal("0.9"), Decimal("40")),
        (Decimal("0.8"), Decimal("30")),
    )
    in_steps = with_item(rubric, "completion", rule="steps", steps=steps)
    given_facts(
        con,
        [
            fact("甲镇", "乡镇", 1, completion=1.3),
            fact("乙镇", "乡镇", 2, completion=0.95),
            fact("丙镇", "乡镇", 3, completion=0.8),  # exactly on a step: reached
            fact("丁镇", "乡镇", 4, completion=0.79),  # below the lowest step
            fact("戊镇", "乡镇", 5, completion=None),
        ],
    )
    rows = computed(con, in_steps)
    points = rows[rows["item_key"] == "completion"]["points"].tolist()
    assert points[:4] == [50.0, 40.0, 30.0, 0.0] and pd.isna(points[4])


def test_another_countys_weights_change_the_scores_not_the_code(con, rubric):
    facts = [
        fact("嵩溪镇", "乡镇", 1, completion=0.935, rate=0.273, hardship=(12, 12)),
        fact("县财政局", "单位", 2, completion=0.9, family=(10, 9, 0.9)),
    ]
    given_facts(con, facts)
    qingliu = {(e, k): p for e, k, p, _ in scored(computed(con, rubric))}
    # another county: completion 40, 1 point per point above 25% up to 5, family at 95%
    other = with_item(rubric, "completion", points=Decimal("40"))
    other = with_item(other, "rate_bonus", above=Decimal("0.25"), per_point=Decimal("1"),
                      points=Decimal("5"))  # fmt: skip
    other = with_item(other, "family", threshold=Decimal("0.95"))
    other = with_item(other, "hardship", points=Decimal("5"))
    theirs = {(e, k): p for e, k, p, _ in scored(computed(con, other))}
    assert qingliu == {
        ("嵩溪镇", "completion"): 46.75,
        ("嵩溪镇", "hardship"): 10.0,
        ("嵩溪镇", "rate_bonus"): 14.6,
        ("县财政局", "completion"): 45.0,
        ("县财政局", "family"): 10.0,
    }
    assert theirs == {
        ("嵩溪镇", "completion"): 37.4,
        ("嵩溪镇", "hardship"): 5.0,
        ("嵩溪镇", "rate_bonus"): 2.3,
        ("县财政局", "completion"): 36.0,
        ("县财政局", "family"): 0.0,
    }


def test_without_a_rubric_the_mart_is_empty(con):
    given_facts(con, [fact("嵩溪镇", "乡镇", 1, completion=0.9, rate=0.3)])
    assert computed(con, None).empty


def test_compute_marts_registers_the_rubric(con, rubric):
    campaign = load_campaign(QINGLIU, get_settings())
    compute_marts(con, get_settings(), campaign, date(2024, 11, 13), ())
    items = store.table(con, "run_assessment_items")
    assert items["item_key"].tolist() == [item.key for item in rubric.items]
    assert items.loc[items["item_key"] == "rate_bonus", ["above", "per_point"]].values.tolist() == [
        [0.2, 2.0]
    ]
    compute_marts(
        con, get_settings(), dataclasses.replace(campaign, assessment=None), date(2024, 11, 13), ()
    )
    assert store.table(con, "run_assessment_items").empty
    assert store.table(con, "run_assessment_steps").empty
