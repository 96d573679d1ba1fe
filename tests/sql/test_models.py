"""Golden rows for the SQL models: given these rows, expect these rows."""

import dataclasses
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from flows import store
from flows.campaign_kinds import CAMPAIGN_KINDS
from flows.config import TargetLevel, load_campaign
from flows.results import compute_marts, widen_levels
from flows.settings import get_settings
from tests.conftest import QINGLIU, REFERENCE
from tests.deliveries import load_clean_delivery

AS_OF = date(2024, 11, 13)
FLOOR_AND_STRETCH = (
    TargetLevel("floor", "目标任务", Decimal("0.20")),
    TargetLevel("stretch", "力争任务", Decimal("0.30")),
)


@pytest.fixture
def con():
    with store.connect(get_settings(), ":memory:") as connection:
        yield connection


def campaign_for_test(**changes):
    """Qingliu's campaign file as the test's campaign "c" (window 10-15 .. 12-31)."""
    campaign = load_campaign(QINGLIU, get_settings())
    return dataclasses.replace(campaign, **{"name": "c", "levels": FLOOR_AND_STRETCH, **changes})


def given_bases(con, bases: list[tuple[str, int]], groups: dict[str, str] | None = None) -> None:
    frame = pd.DataFrame(bases, columns=["township", "base"])
    frame.insert(1, "position", range(1, len(frame) + 1))
    groups = groups or {}
    frame["unit_type"] = frame["township"].map(lambda t: groups.get(t, "乡镇"))
    frame["rank_group"] = frame["unit_type"]
    store.replace_bases(con, "c", frame)


def given_delivery(con, sha: str, township: str, delivered_on: date, people: list[tuple]) -> None:
    rows = pd.DataFrame(people, columns=["id_number", "township", "bought_on"])
    rows = rows.assign(
        source_row=range(2, 2 + len(rows)),
        id_upgraded=False,
        name="某某",
        village=None,
        channel=None,
        bought_on=pd.to_datetime(rows["bought_on"]),
    )
    load_clean_delivery(con, "c", "enrollments", f"{sha}.csv", township, delivered_on, rows)


def build(con, as_of: date = AS_OF, **changes) -> None:
    """Every mart of a 惠民保 campaign on rosters, as a run builds them."""
    marts = (*CAMPAIGN_KINDS["puhui"].all_marts, "mart_conflicts")
    compute_marts(con, get_settings(), campaign_for_test(**changes), as_of, marts)


def wide(con, name: str, levels=FLOOR_AND_STRETCH, values=("target",)) -> pd.DataFrame:
    """A mart of one row per township and level, as one row per township."""
    long = store.table(con, name)
    return widen_levels(long, levels, values)


def wide_targets(con, levels=FLOOR_AND_STRETCH) -> pd.DataFrame:
    long = store.table(con, "mart_targets")
    bases = long[["township", "base"]].drop_duplicates("township")
    return bases.merge(widen_levels(long, levels, ("target",)), on="township")


def test_targets_reproduce_the_qingliu_table(con):
    reference = pd.read_csv(REFERENCE / "qingliu_2025_puhui_assignments.csv")
    towns = reference[reference["township"] != "合计"]
    given_bases(con, list(zip(towns["township"], towns["base_2025"], strict=True)))
    build(con)
    targets = wide_targets(con)
    expected = reference.rename(
        columns={
            "base_2025": "base",
            "target_floor_20pct": "target_floor",
            "target_stretch_30pct": "target_stretch",
        }
    )
    pd.testing.assert_frame_equal(targets, expected, check_dtype=False)
    assert targets.iloc[-1].tolist() == ["合计", 112300, 22467, 33695]


@pytest.mark.parametrize(
    ("rounding", "total_rule", "expected"),
    [
        ("ceil", "sum_of_townships", [(1001, 1501), (2, 3), (1000, 1500), (2003, 3004)]),
        ("half_up", "sum_of_townships", [(1001, 1501), (1, 2), (1000, 1500), (2002, 3003)]),
        ("floor", "sum_of_townships", [(1000, 1500), (1, 2), (1000, 1500), (2001, 3002)]),
        ("ceil", "from_total_base", [(1001, 1501), (2, 3), (1000, 1500), (2002, 3003)]),
        ("floor", "from_total_base", [(1000, 1500), (1, 2), (1000, 1500), (2002, 3003)]),
    ],
)
def test_rounding_and_total_rules(con, rounding, total_rule, expected):
    # 5003 × 0.2 = 1000.6, 5003 × 0.3 = 1500.9; 7 × 0.2 = 1.4, 7 × 0.3 = 2.1;
    # 5000 × 0.2 is exactly 1000 (DECIMAL arithmetic: never 1000.0000000001 → 1001)
    given_bases(con, [("甲镇", 5003), ("乙乡", 7), ("丙镇", 5000)])
    build(con, rounding=rounding, total_rule=total_rule)
    targets = wide_targets(con)
    assert list(zip(targets["target_floor"], targets["target_stretch"], strict=True)) == expected


def test_coverage_ranks_by_exact_rate_and_counts_each_person_once(con):
    # 五里街 and 吾峰 both round to 95.42%; 吾峰's exact rate is lower (Yongchun 2023 table)
    given_bases(con, [("吾峰镇", 19964), ("五里街镇", 36077), ("桃城镇", 10), ("外山乡", 5)])
    people_wufeng = [(f"A{i}", "吾峰镇", "2024-10-20") for i in range(19049)]
    people_wulijie = [(f"B{i}", "五里街镇", "2024-10-20") for i in range(34424)]
    given_delivery(con, "h1", "吾峰镇", date(2024, 10, 20), people_wufeng)
    given_delivery(con, "h2", "五里街镇", date(2024, 10, 20), people_wulijie)
    # B0 also appears in 桃城's later file: counted once, in the first township that reported
    given_delivery(
        con,
        "h3",
        "桃城镇",
        date(2024, 10, 21),
        [("B0", "桃城镇", "2024-10-21"), ("C1", "桃城镇", "2024-10-21")],
    )
    build(con)
    coverage = store.table(con, "mart_township_coverage")
    ranked = coverage[["rank", "township", "enrolled", "status"]].astype(object)
    assert ranked.where(ranked.notna(), None).values.tolist() == [
        [1, "五里街镇", 34424, "已报送"],
        [2, "吾峰镇", 19049, "已报送"],
        [3, "桃城镇", 1, "已报送"],
        [None, "外山乡", 0, "未报送"],
    ]
    assert coverage["rate"].iloc[0] == pytest.approx(34424 / 36077)
    gaps = wide(con, "mart_township_levels", values=("gap",)).set_index("township")
    assert gaps.loc[coverage["township"], "gap_floor"].tolist() == [0, 0, 1, 1]
    county = store.table(con, "mart_county_total").iloc[0]
    assert county["enrolled"] == 34424 + 19049 + 1


def test_as_of_excludes_later_purchases_and_later_deliveries(con):
    given_bases(con, [("甲镇", 100)])
    given_delivery(con, "h1", "甲镇", date(2024, 10, 20), [("A", "甲镇", "2024-10-19")])
    given_delivery(con, "h2", "甲镇", date(2024, 10, 25), [("B", "甲镇", "2024-10-22")])
    enrolled = {}
    for as_of in (date(2024, 10, 19), date(2024, 10, 22), date(2024, 10, 25)):
        build(con, as_of=as_of)
        enrolled[as_of.day] = store.table(con, "mart_township_coverage")["enrolled"].iloc[0]
    assert enrolled == {19: 0, 22: 1, 25: 2}


def test_a_corrected_file_replaces_the_earlier_one_for_that_day(con):
    given_bases(con, [("甲镇", 100)])
    given_delivery(con, "old", "甲镇", date(2024, 10, 20), [("A", "甲镇", "2024-10-19")] * 1)
    given_delivery(
        con,
        "new",
        "甲镇",
        date(2024, 10, 20),
        [("A", "甲镇", "2024-10-19"), ("B", "甲镇", "2024-10-19")],
    )
    build(con)
    assert store.table(con, "mart_township_coverage")["enrolled"].iloc[0] == 2
    archived = con.execute(
        "select file_sha256, status, replaced_by from deliveries order by 1"
    ).fetchall()
    assert archived == [("new", "loaded", None), ("old", "replaced", "new")]


def test_a_person_in_two_townships_is_listed_for_both(con):
    given_bases(con, [("甲镇", 100), ("乙乡", 100)])
    given_delivery(con, "h1", "甲镇", date(2024, 10, 20), [("A", "甲镇", "2024-10-19")])
    given_delivery(
        con,
        "h2",
        "乙乡",
        date(2024, 10, 21),
        [("A", "乙乡", "2024-10-18"), ("B", "乙乡", "2024-10-18")],
    )
    build(con)
    conflicts = store.table(con, "mart_conflicts")
    assert conflicts[["id_number", "township", "counted_in"]].values.tolist() == [
        ["A", "乙乡", "乙乡"],
        ["A", "甲镇", "乙乡"],
    ]
    enrolled = store.table(con, "mart_township_coverage").set_index("township")["enrolled"]
    assert enrolled.to_dict() == {"乙乡": 2, "甲镇": 0}


def test_progress_against_the_previous_run_the_last_circular_and_time(con):
    given_bases(con, [("甲镇", 100), ("乙乡", 100)])  # floor targets 20 each
    given_delivery(
        con, "h1", "甲镇", date(2024, 10, 16), [(f"A{i}", "甲镇", "2024-10-16") for i in range(10)]
    )
    given_delivery(
        con, "h2", "乙乡", date(2024, 10, 16), [(f"B{i}", "乙乡", "2024-10-16") for i in range(5)]
    )
    build(con, as_of=date(2024, 10, 19))
    store.save_snapshot(con, "c", date(2024, 10, 19))
    from_seven = campaign_for_test(circular_first_number=7)
    assert store.circular_number(con, from_seven, date(2024, 10, 19)) == "清医保〔2024〕7号"
    given_delivery(
        con, "h3", "乙乡", date(2024, 10, 21), [(f"C{i}", "乙乡", "2024-10-20") for i in range(8)]
    )
    build(con, as_of=date(2024, 10, 20))
    store.save_snapshot(con, "c", date(2024, 10, 20))
    build(con, as_of=date(2024, 10, 24))  # window 10-15..12-31: day 10 of 78
    progress = store.table(con, "mart_township_progress").set_index("township")
    assert progress["time_progress"].iloc[0] == pytest.approx(10 / 78)
    assert progress.loc["乙乡", "enrolled"] == 13
    assert progress.loc["乙乡", "increase_since_previous"] == 8  # vs the 10-20 run
    assert progress.loc["乙乡", "increase_since_circular"] == 8  # vs the 10-19 circular
    assert progress.loc["乙乡", "rank_change"] == "↑1"
    assert progress.loc["甲镇", "rank_change"] == "↓1"
    # 乙乡 13/20 = 65% ahead of time, 甲镇 10/20 = 50% ahead too; neither done
    assert progress["progress_class"].tolist() == ["超时序", "超时序"]
    # a rerun of an issued date keeps its number; a new date takes the next one
    assert store.circular_number(con, from_seven, date(2024, 10, 19)) == "清医保〔2024〕7号"
    assert store.circular_number(con, from_seven, date(2024, 10, 24)) == "清医保〔2024〕8号"
    trend = store.table(con, "mart_trend")
    county = trend[trend["township"] == "合计"]
    assert county["enrolled"].tolist() == [15, 15, 23]


def test_circular_numbers_follow_the_cadence_dates_not_the_order_of_runs(con):
    every_fifth_day = campaign_for_test()  # window from 10-15: circulars 10-19, 10-24, …

    def number(day):
        return store.circular_number(con, every_fifth_day, day)

    assert number(date(2024, 11, 13)) == "清医保〔2024〕6号"  # day 30: five cadence days before
    assert number(date(2024, 10, 19)) == "清医保〔2024〕1号"  # run later, numbered first
    assert number(date(2024, 11, 13)) == "清医保〔2024〕6号"  # a rerun keeps its number
    # an off-cadence circular (--circular) takes the number after the circulars dated before
    # it, and the cadence circulars after it follow on
    assert number(date(2024, 10, 21)) == "清医保〔2024〕2号"
    assert number(date(2024, 10, 24)) == "清医保〔2024〕3号"
    assert number(date(2024, 10, 29)) == "清医保〔2024〕4号"
    # off-cadence, but before circulars already numbered: the next free number, never twice
    assert number(date(2024, 10, 22)) == "清医保〔2024〕7号"
    issued = con.execute("select as_of, number from circulars order by as_of").fetchall()
    assert [n for _, n in issued] == [1, 2, 7, 3, 4, 6]


def test_any_number_of_levels_one_or_three(con):
    given_bases(con, [("甲镇", 1003), ("乙乡", 57)])
    one = (TargetLevel("goal", "目标任务", Decimal("0.20")),)
    build(con, levels=one, rounding="half_up")
    targets = wide_targets(con, one)
    # 1003 × 0.2 = 200.6 → 201; 57 × 0.2 = 11.4 → 11; 合计 = 212 (sum of the townships)
    assert targets.values.tolist() == [["甲镇", 1003, 201], ["乙乡", 57, 11], ["合计", 1060, 212]]
    assert set(store.table(con, "mart_township_levels")["level_key"]) == {"goal"}
    three = (
        TargetLevel("a", "基本任务", Decimal("0.10")),
        TargetLevel("b", "目标任务", Decimal("0.20")),
        TargetLevel("c", "力争任务", Decimal("0.35")),
    )
    build(con, levels=three, rounding="ceil", total_rule="from_total_base")
    targets = wide_targets(con, three)
    assert list(targets.columns) == ["township", "base", "target_a", "target_b", "target_c"]
    # ceil(100.3)=101, ceil(200.6)=201, ceil(351.05)=352; 57: 6, 12, 20; total 1060: 106, 212, 371
    assert targets.values.tolist() == [
        ["甲镇", 1003, 101, 201, 352],
        ["乙乡", 57, 6, 12, 20],
        ["合计", 1060, 106, 212, 371],
    ]


def test_a_unit_type_ranked_apart_has_its_own_ranks(con):
    given_bases(
        con,
        [("甲镇", 100), ("乙乡", 100), ("县直单位", 50), ("管委会", 40)],
        groups={"县直单位": "县直单位"},
    )
    given_delivery(con, "h1", "甲镇", date(2024, 10, 20), [("A", "甲镇", "2024-10-19")])
    people = [(f"U{i}", "县直单位", "2024-10-19") for i in range(30)]
    given_delivery(con, "h2", "县直单位", date(2024, 10, 20), people)
    given_delivery(con, "h3", "管委会", date(2024, 10, 20), [("M", "管委会", "2024-10-19")] * 1)
    build(con)
    ranked = store.table(con, "mart_township_progress")[["rank_group", "township", "rank"]]
    rows = ranked.astype(object).where(ranked.notna(), None).values.tolist()
    # 管委会 (2.5%) ranks with the townships, above 甲镇 (1%); 县直单位 (60%) ranks alone
    assert rows == [
        ["乡镇", "管委会", 1],
        ["乡镇", "甲镇", 2],
        ["乡镇", "乙乡", None],
        ["县直单位", "县直单位", 1],
    ]


def test_who_a_circular_names(con):
    given_bases(con, [("甲镇", 100), ("乙乡", 100), ("丙镇", 100), ("丁乡", 100)])
    given_delivery(
        con, "h1", "甲镇", date(2024, 10, 16), [(f"A{i}", "甲镇", "2024-10-16") for i in range(25)]
    )
    given_delivery(
        con, "h2", "乙乡", date(2024, 10, 16), [(f"B{i}", "乙乡", "2024-10-16") for i in range(2)]
    )
    given_delivery(
        con, "h3", "丙镇", date(2024, 10, 16), [(f"C{i}", "丙镇", "2024-10-16") for i in range(10)]
    )
    build(con, as_of=date(2024, 11, 3))  # day 20 of 78: time progress 25.6%
    mentions = store.table(con, "mart_circular_mentions")
    named = {m: g["township"].tolist() for m, g in mentions.groupby("mention")}
    assert named["top"] == ["甲镇", "丙镇", "乙乡"]
    assert named["reached_first"] == ["甲镇"]  # 25 of 20
    assert named["below_first"] == ["丙镇", "乙乡", "丁乡"]  # 丁乡 sent nothing: 0 of 20
    assert named["behind_time"] == ["乙乡"]  # 2/20 = 10% < 25.6%
    assert named["ahead_time"] == ["丙镇"]  # 10/20 = 50% ≥ 25.6%, not yet done
    assert named["not_reported"] == ["丁乡"]
    assert named["lowest"] == ["乙乡"]
    assert named["below_county"] == ["乙乡"]  # county 37/400 = 9.25%
    assert named["most_unenrolled"] == ["乙乡", "丙镇", "甲镇"]
    assert "rank_up" not in named and "file_error" not in named


def test_the_build_order_follows_from_the_models_references():
    settings = get_settings()
    order = store.build_order(settings, ("mart_township_progress",), "puhui")
    for upstream, downstream in [
        ("stg_bases", "int_township_coverage"),
        ("stg_deliveries", "int_township_coverage"),
        ("int_persons_deduplicated", "int_township_coverage"),
        ("int_township_coverage", "mart_township_coverage"),
        ("mart_township_levels", "mart_township_progress"),
        ("int_time_progress", "mart_township_progress"),
    ]:
        assert order.index(upstream) < order.index(downstream)
    assert order[-1] == "mart_township_progress"
    # a kind brings its own coverage model: the basic one reads village counts and registers
    basic = store.build_order(settings, ("mart_township_progress",), "basic")
    assert "int_basic_villages_counted" in basic and "int_persons_deduplicated" not in basic
    assert store.model_path(settings, "int_township_coverage", "basic").parent.name == "basic"


def given_register(con, sha: str, township: str, delivered_on: date, people: list[tuple]) -> None:
    """A township's register: (id_number, township, village, paid_on or None, paid_last_year)."""
    rows = pd.DataFrame(
        people, columns=["id_number", "township", "village", "paid_on", "paid_last_year"]
    )
    rows = rows.assign(
        source_row=range(2, 2 + len(rows)),
        id_upgraded=False,
        name="某某",
        scheme="居民",
        place=rows["paid_on"].map(lambda paid: None if paid is None else "本地"),
        paid_on=pd.to_datetime(rows["paid_on"]),
    )
    load_clean_delivery(con, "c", "basic_persons", f"{sha}.csv", township, delivered_on, rows)


def test_a_person_in_two_registers_counts_once_and_is_listed_for_both(con):
    register = load_campaign("yongchun_2023_basic_register", get_settings())
    campaign = dataclasses.replace(register, name="c")
    given_bases(con, [("桃城镇", None), ("五里街镇", None)])
    given_register(
        con, "r1", "桃城镇", date(2023, 5, 1),
        [("P1", "桃城镇", "花石村", None, True), ("P2", "桃城镇", "花石村", "2023-01-05", True)],
    )  # fmt: skip
    given_register(
        con, "r2", "五里街镇", date(2023, 5, 2),
        [("P1", "五里街镇", "大羽村", None, True), ("P3", "五里街镇", "大羽村", None, False)],
    )  # fmt: skip
    marts = (*campaign.spec.all_marts, "mart_followup", "mart_conflicts")
    compute_marts(con, get_settings(), campaign, date(2023, 6, 3), marts)
    coverage = store.table(con, "mart_township_coverage").set_index("township")
    # P1 is in both registers: counted once, in 桃城镇 whose register came first
    assert coverage.loc["桃城镇", "registered"] == 2 and coverage.loc["五里街镇", "registered"] == 1
    assert store.table(con, "mart_county_total")["registered"].iloc[0] == 3
    followup = store.table(con, "mart_followup")
    assert sorted(zip(followup["id_number"], followup["township"], strict=True)) == [
        ("P1", "桃城镇"),
        ("P3", "五里街镇"),
    ]
    conflicts = store.table(con, "mart_conflicts")
    assert conflicts[["id_number", "township", "counted_in"]].values.tolist() == [
        ["P1", "五里街镇", "桃城镇"],
        ["P1", "桃城镇", "桃城镇"],
    ]
