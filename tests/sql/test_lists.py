"""Golden rows for the lists beside the rosters: units' staff, families, funding channels,
the hardship list, and the facts the 考核 scorecard reads."""

import dataclasses
from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from flows import store
from flows.config import StaffRules
from flows.lists import Lists, replace_lists
from flows.results import compute_marts, lists_marts
from flows.settings import get_settings
from tests.sql.test_models import campaign_for_test, given_bases, given_delivery

AS_OF = date(2024, 11, 13)
A, B, C, D, E = (f"3504231980010100{k}" for k in range(1, 6))
UNITS = ("县财政局", "县教育局", "县民政局")


@pytest.fixture
def con():
    with store.connect(get_settings(), ":memory:") as connection:
        yield connection


def campaign(**changes):
    staff = StaffRules(Decimal("0.80"), Decimal("0.80"), UNITS)
    return campaign_for_test(staff=staff, **changes)


def given_lists(con, staff=(), family=(), hardship=()) -> None:
    """Rows of the lists in force, as flows/lists would load them."""

    def frame(rows, columns):
        data = pd.DataFrame(list(rows), columns=columns)
        return data.assign(source_row=range(2, 2 + len(data)), sheet=None, file_name="名单.csv")

    lists = Lists(
        rows={
            "staff": frame(staff, ["unit", "id_number", "name", "staff_type"]),
            "family": frame(family, ["unit", "staff_id", "id_number", "name", "relation"]),
            "hardship": frame(hardship, ["township", "village", "id_number", "name", "category"]),
        },
        rejects=pd.DataFrame(
            columns=[
                *("list_kind", "file_name", "sheet", "source_row"),
                *("column_name", "value", "reason"),
            ]
        ),
    )
    replace_lists(con, "c", lists)


def given_roster(con, people: list[tuple[str, str, str | None]]) -> None:
    """(id, township, channel as written) bought on 2024-10-20, delivered the next day."""
    rows = [(pid, town, "2024-10-20") for pid, town, _ in people]
    given_delivery(con, "r1", "嵩溪镇", date(2024, 10, 21), rows)
    channels = {pid: channel for pid, _, channel in people}
    for pid, channel in channels.items():
        con.execute("update enrollments set channel = ? where id_number = ?", [channel, pid])


def build(con, the_campaign=None) -> dict[str, pd.DataFrame]:
    the_campaign = the_campaign or campaign()
    marts = (*lists_marts(the_campaign), "int_assessment_facts")
    return compute_marts(con, get_settings(), the_campaign, AS_OF, marts)


def units_of(con, **changes) -> pd.DataFrame:
    return build(con, campaign(**changes))["mart_unit_coverage"].set_index("unit")


def test_staff_enrolled_through_a_township_roster_count_for_their_unit(con):
    given_bases(con, [("嵩溪镇", 1000), ("龙津镇", 2000)])
    given_roster(con, [(A, "嵩溪镇", "个人缴费"), (B, "龙津镇", "单位团体")])
    given_lists(
        con,
        staff=[
            ("县财政局", A, "甲", "在编在岗"),
            ("县财政局", B, "乙", "临聘"),
            ("县财政局", C, "丙", None),
            ("县教育局", D, "丁", "退休"),
        ],
    )
    units = units_of(con)
    finance = units.loc["县财政局"]
    assert (finance["staff"], finance["covered"], finance["target"], finance["gap"]) == (3, 2, 3, 1)
    assert finance["rate"] == pytest.approx(2 / 3)
    assert finance["status"] == "未达标" and finance["rank"] == 1
    education = units.loc["县教育局"]
    assert (education["covered"], education["rate"], education["rank"]) == (0, 0.0, 2)
    # a unit of [staff] that sent no roster is named, unranked
    welfare = units.loc["县民政局"]
    assert welfare["status"] == "未报送" and pd.isna(welfare["rank"]) and welfare["staff"] == 0
    assert list(units.index) == ["县财政局", "县教育局", "县民政局"]


def test_the_unit_target_is_at_least_its_share_of_staff(con):
    given_bases(con, [("嵩溪镇", 1000)])
    people = [f"3504231990010100{k}" for k in range(0, 10)][:7]
    given_roster(con, [(p, "嵩溪镇", None) for p in people[:6]])
    given_lists(con, staff=[("县财政局", p, "某", None) for p in people])
    finance = units_of(con).loc["县财政局"]
    # 80% of 7 is 5.6: six people, and six are covered
    assert (finance["target"], finance["covered"], finance["gap"]) == (6, 6, 0)
    assert finance["status"] == "已达标"
    assert finance["completion"] == pytest.approx((6 / 7) / 0.8)


def test_a_person_listed_by_two_units_counts_for_both_and_is_named(con):
    given_bases(con, [("嵩溪镇", 1000)])
    given_roster(con, [(A, "嵩溪镇", None)])
    given_lists(con, staff=[("县财政局", A, "甲", None), ("县教育局", A, "甲", None)])
    built = build(con)
    units = built["mart_unit_coverage"].set_index("unit")
    assert units.loc["县财政局", "covered"] == 1 and units.loc["县教育局", "covered"] == 1
    assert units.loc["县财政局", "staff_in_several_units"] == 1
    several = built["mart_staff_in_several_units"]
    assert several[["id_number", "unit_count", "units"]].values.tolist() == [
        [A, 2, "县教育局、县财政局"]
    ]


def test_family_members_covered_against_the_family_target(con):
    given_bases(con, [("嵩溪镇", 1000)])
    given_roster(con, [(A, "嵩溪镇", None), (C, "嵩溪镇", "共济账户"), (D, "嵩溪镇", "个账")])
    given_lists(
        con,
        staff=[("县财政局", A, "甲", None), ("县教育局", B, "乙", None)],
        family=[
            ("县财政局", A, C, "丙", "父亲"),
            ("县财政局", A, D, "丁", "母亲"),
            ("县教育局", B, E, "戊", "配偶"),
        ],
    )
    units = units_of(con)
    assert units.loc["县财政局", ["family_declared", "family_covered"]].tolist() == [2, 2]
    assert bool(units.loc["县财政局", "family_reached"]) is True
    assert units.loc["县教育局", "family_rate"] == 0.0
    assert bool(units.loc["县教育局", "family_reached"]) is False
    assert pd.isna(units.loc["县民政局", "family_rate"])


def test_channels_are_counted_by_their_names_in_the_campaign_file(con):
    given_bases(con, [("嵩溪镇", 1000), ("龙津镇", 2000)])
    given_roster(
        con,
        [
            (A, "嵩溪镇", "个账"),
            (B, "嵩溪镇", "共济账户"),
            (C, "龙津镇", " 财政资助 "),
            (D, "龙津镇", None),
            (E, "龙津镇", "扫码"),
        ],
    )
    given_lists(con)
    built = build(con)
    channels = built["mart_channels"]
    people = channels.set_index(["township", "channel"])["people"]
    assert people[("嵩溪镇", "共济账户")] == 2
    assert people[("龙津镇", "政府资助")] == 1
    assert people[("龙津镇", "未注明")] == 1 and people[("龙津镇", "其他")] == 1
    assert people[("嵩溪镇", "个人缴费")] == 0  # every channel of the file, zeros included
    # the campaign file's order, then 未注明 and 其他
    order = channels.drop_duplicates("channel")["channel"].tolist()
    assert order[:2] == ["个人缴费", "共济账户"] and order[-2:] == ["未注明", "其他"]
    unknown = built["mart_unrecognised_channels"]
    assert unknown.values.tolist() == [["扫码", 1]]


def test_hardship_gaps_per_township_and_category(con):
    given_bases(con, [("嵩溪镇", 1000), ("龙津镇", 2000)])
    given_roster(con, [(A, "嵩溪镇", "民政资助"), (B, "嵩溪镇", "个人缴费"), (D, "龙津镇", "个人")])
    given_lists(
        con,
        hardship=[
            ("嵩溪镇", "上坊村", A, "甲", "低保"),  # covered by the government: funded
            ("嵩溪镇", "上坊村", B, "乙", "低保"),  # covered, paid by themself: a gap
            ("嵩溪镇", "下坊村", C, "丙", "特困供养"),  # not covered at all
            ("龙津镇", None, D, "丁", "残疾人"),  # encouraged, not paid in full: no gap
        ],
    )
    built = build(con)
    gaps = built["mart_hardship_gaps"].set_index(["township", "category"])
    low = gaps.loc[("嵩溪镇", "低保")]
    assert (low["listed"], low["covered"], low["funded"], low["covered_otherwise"]) == (2, 2, 1, 1)
    assert gaps.loc[("嵩溪镇", "特困供养"), "uncovered"] == 1
    assert bool(gaps.loc[("龙津镇", "残疾人"), "fully_funded"]) is False
    followup = built["mart_hardship_followup"]
    # in the campaign file's order of categories: 特困供养 before 低保
    assert followup[["id_number", "status"]].values.tolist() == [
        [C, "未参保"],
        [B, "已参保，非财政资助（个人缴费）"],
    ]


def test_assessment_facts_for_townships_and_units(con):
    given_bases(con, [("嵩溪镇", 10), ("龙津镇", 20)])
    given_roster(con, [(A, "嵩溪镇", "政府资助"), (B, "嵩溪镇", None)])
    given_lists(
        con,
        staff=[("县财政局", A, "甲", None), ("县财政局", C, "丙", None)],
        family=[("县财政局", A, B, "乙", "配偶")],
        hardship=[("嵩溪镇", None, A, "甲", "低保"), ("嵩溪镇", None, B, "乙", "残疾人")],
    )
    facts = build(con)["int_assessment_facts"].set_index("entity")
    town = facts.loc["嵩溪镇"]
    assert town["entity_type"] == "乡镇"
    assert town["rate"] == pytest.approx(2 / 10)
    assert town["completion"] == pytest.approx(2 / 2)  # target: 20% of 10
    # only the fully-funded categories count: 1 person, funded
    assert (town["hardship_people"], town["hardship_funded"]) == (1, 1)
    assert (facts.loc["龙津镇", "hardship_people"], facts.loc["龙津镇", "hardship_funded"]) == (
        0,
        0,
    )
    unit = facts.loc["县财政局"]
    assert unit["entity_type"] == "单位"
    assert unit["completion"] == pytest.approx(0.5 / 0.8)
    assert (unit["family_declared"], unit["family_covered"], unit["family_rate"]) == (1, 1, 1.0)
    assert list(facts.index[:2]) == ["嵩溪镇", "龙津镇"]


def test_without_a_hardship_list_the_hardship_facts_are_unknown(con):
    given_bases(con, [("嵩溪镇", 10)])
    given_roster(con, [(A, "嵩溪镇", None)])
    given_lists(con)
    facts = build(con)["int_assessment_facts"]
    assert facts["hardship_people"].isna().all()


def test_a_campaign_without_staff_builds_no_unit_marts():
    plain = dataclasses.replace(campaign(), staff=None)
    assert "mart_unit_coverage" not in lists_marts(plain)
    assert "mart_channels" in lists_marts(plain)


def test_a_covered_person_of_no_named_channel_is_not_called_unfunded(con):
    given_bases(con, [("嵩溪镇", 1000)])
    given_roster(con, [(A, "嵩溪镇", None)])
    given_lists(con, hardship=[("嵩溪镇", None, A, "甲", "低保")])
    built = build(con)
    gaps = built["mart_hardship_gaps"].iloc[0]
    assert (gaps["covered"], gaps["funded"], gaps["covered_otherwise"]) == (1, 0, 0)
    assert built["mart_hardship_followup"].empty
