"""Golden rows for Fujian's long-term mechanism: given these registers and these years, expect
these people and these townships (mart_continuity_people, mart_continuity_townships)."""

import dataclasses
from datetime import date

import pandas as pd
import pytest

from flows import store
from flows.config import load_campaign
from flows.continuity import continuity_marts, continuity_phrases
from flows.results import compute_marts
from flows.settings import get_settings
from tests.sql.test_models import given_bases, given_register

AS_OF = date(2025, 11, 20)  # in the central window for 2026


@pytest.fixture
def con():
    with store.connect(get_settings(), ":memory:") as connection:
        yield connection


@pytest.fixture(scope="module")
def campaign():
    """The 2026 demo campaign, years counted from 2021 so that a history can be long."""
    demo = load_campaign("yongchun_2026_basic_register", get_settings())
    rules = dataclasses.replace(demo.continuity, history_from=2021)
    return dataclasses.replace(demo, name="c", continuity=rules)


def given_years(con, sha: str, rows: list[tuple]) -> None:
    """person_years of a register file: (id_number, year, scheme, claimed)."""
    frame = pd.DataFrame(rows, columns=["id_number", "year", "scheme", "claimed"])
    con.register("years_frame", frame.astype({"claimed": "boolean"}))
    con.execute("insert into person_years select 'c', ?, * from years_frame", [sha])
    con.unregister("years_frame")


def given_exemptions(con, sha: str, rows: list[tuple]) -> None:
    frame = pd.DataFrame(rows, columns=["id_number", "exemption"])
    con.register("exemption_frame", frame)
    con.execute("insert into person_exemptions select 'c', ?, * from exemption_frame", [sha])
    con.unregister("exemption_frame")


def resident(who: str, years, claimed=None) -> list[tuple]:
    return [(who, year, "居民", claimed) for year in years]


@pytest.fixture
def registers(con):
    """桃城镇 sent two registers (the later one counts), 五里街镇 one, 石鼓镇 none."""
    given_bases(con, [("桃城镇", None), ("五里街镇", None), ("石鼓镇", None)])
    given_register(con, "old", "桃城镇", date(2025, 10, 1), [
        ("P3", "桃城镇", "花石村", None, False),
    ])  # fmt: skip
    # the older file said P3 was insured 2023-2025 and a newborn: the later file replaces it
    given_years(con, "old", resident("P3", range(2023, 2026)))
    given_exemptions(con, "old", [("P3", "新生儿")])
    given_register(con, "new", "桃城镇", date(2025, 11, 1), [
        ("P1", "桃城镇", "花石村", None, True),
        ("P2", "桃城镇", "花石村", "2025-10-08", True),
        ("P3", "桃城镇", "花石村", None, False),
        ("P4", "桃城镇", "美寨村", None, False),
        ("P5", "桃城镇", "美寨村", "2025-12-01", True),  # paid after the as-of date
    ])  # fmt: skip
    given_years(con, "new", [
        *resident("P1", range(2021, 2025)), ("P1", 2025, "居民", False),
        *resident("P2", range(2022, 2026)),
        *resident("P3", [2021, 2022]),
        *resident("P5", [2025]),
    ])  # fmt: skip
    given_exemptions(con, "new", [("P4", "新生儿")])
    given_register(con, "wlj", "五里街镇", date(2025, 11, 2), [
        ("Q1", "五里街镇", "大羽村", None, False),
        ("Q2", "五里街镇", "大羽村", "2025-09-10", True),
    ])  # fmt: skip
    given_years(con, "wlj", resident("Q2", [2025]))


def build(con, campaign, as_of=AS_OF) -> dict[str, pd.DataFrame]:
    return compute_marts(con, get_settings(), campaign, as_of, continuity_marts(campaign))


def test_every_registered_person_s_standing(con, campaign, registers):
    people = build(con, campaign)["mart_continuity_people"]
    columns = [
        "id_number", "payment", "consecutive_years", "continuity_earned", "zero_claim_earned",
        "rewards_earned", "reward_this_year", "reward_at_risk_yuan", "break_years",
        "waiting_months", "waiting_if_paid_now", "waiting_in_extension", "waiting_next_year",
        "repair_1_months", "repair_1_cost",
    ]  # fmt: skip
    rows = people[columns].astype(object).where(people[columns].notna(), None)
    assert rows.values.tolist() == [
        # 桃城镇 first (the base table's order), then village (美寨村 sorts before 花石村)
        ["P4", "exempt", 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 8, None, None],  # a newborn this year
        ["P5", "missing", 1, 0, 0, 0, 0, 0, 0, None, 0, 0, 3, None, None],
        # P1: 2021-2025, the 5th year (2025) raised the cap, and 2025 had no claim
        ["P1", "missing", 5, 3000, 3000, 6000, 0, 3000, 0, None, 0, 0, 3, None, None],
        # P2: paid in the window for a 5th consecutive year
        ["P2", "window", 4, 0, 0, 0, 3000, 0, 0, 0, None, None, None, None, None],
        # P3: 2023-2025 missed (the older register is not read): 3 + 2; extension 2
        ["P3", "missing", 0, 0, 0, 0, 0, 0, 3, None, 5, 2, 6, 1, 400],
        # Q1: never insured, 5 years missed since 2021: 3 + 4 = 7; the extension's 4 → 6
        ["Q1", "missing", 0, 0, 0, 0, 0, 0, 5, None, 7, 6, 8, 1, 400],
        ["Q2", "window", 1, 0, 0, 0, 0, 0, 0, 0, None, None, None, None, None],
    ]
    assert people["township"].tolist() == ["桃城镇"] * 5 + ["五里街镇"] * 2
    assert people.loc[people["id_number"] == "P2", "benefits_from"].tolist() == [
        pd.Timestamp("2026-01-01")
    ]
    assert people.loc[people["id_number"] == "P4", "exemption"].tolist() == ["新生儿"]


def test_the_townships_at_stake(con, campaign, registers):
    townships = build(con, campaign)["mart_continuity_townships"]
    assert townships.values.tolist() == [
        # township, position, not insured, waiting now, in the extension, at risk, yuan
        ["桃城镇", 1, 4, 1, 1, 1, 3000],
        ["五里街镇", 2, 1, 1, 1, 0, 0],
        ["石鼓镇", 3, 0, 0, 0, 0, 0],
    ]
    after_window = build(con, campaign, as_of=date(2026, 1, 10))["mart_continuity_townships"]
    # in the extension: P5 has paid; P1's reward can no longer be earned this year
    assert after_window.values.tolist() == [
        ["桃城镇", 1, 3, 1, 1, 0, 0],
        ["五里街镇", 2, 1, 1, 1, 0, 0],
        ["石鼓镇", 3, 0, 0, 0, 0, 0],
    ]


def test_the_phrase_under_each_person(con, campaign, registers):
    people = build(con, campaign)["mart_continuity_people"]
    phrases = dict(zip(people["id_number"], continuity_phrases(people), strict=True))
    assert phrases == {
        "P1": "连续参保5年，已累计提高大病保险限额6000元；12月31日前缴费可再提高3000元，"
        "断缴后再参保需等待3个月",
        "P2": "连续参保4年；已缴费，2026年1月1日起享受待遇",
        "P3": "已断保3年；12月31日前缴费需等待5个月，补缴1年可少等1个月（400元）",
        "P4": "属新生儿，缴费后不设待遇等待期",
        "P5": "连续参保1年；12月31日前缴费次年1月1日起享受待遇，断缴后再参保需等待3个月",
        "Q1": "已断保5年；12月31日前缴费需等待7个月，补缴1年可少等1个月（400元）",
        "Q2": "连续参保1年；已缴费，2026年1月1日起享受待遇",
    }


def test_no_continuity_section_no_continuity_marts(campaign):
    assert continuity_marts(dataclasses.replace(campaign, continuity=None)) == ()
    assert continuity_marts(campaign) == ("mart_continuity_people", "mart_continuity_townships")
