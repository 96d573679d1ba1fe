"""Fujian's long-term mechanism, one test per rule: each quotes the sentence of 闽政办〔2025〕3号
it checks and works its example through int_person_continuity (cover in 2030, so that five
years since the mechanism began, 2025-2029, can be held or missed)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pandas as pd
import pytest

from flows import store
from flows.settings import get_settings
from tests.continuity import campaign_for, employee, person, resident, standing

WINDOW = date(2029, 11, 1)  # in the central window for 2030: 2029-09-01 .. 2029-12-31
EXTENSION = date(2030, 1, 15)  # in the extension: 2030-01-01 .. 2030-02-28
LATE = date(2030, 4, 1)  # after both
SINCE_2025 = range(2025, 2030)  # every year of the mechanism before 2030


@pytest.fixture
def con():
    with store.connect(get_settings(), ":memory:") as connection:
        yield connection


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def with_rules(**changes):
    """The demo campaign for 2030 with its [continuity] changed."""
    return campaign_for(**changes)


def test_the_central_window_covers_from_1_january(con):
    """一(一)：“集中参保期为每年9月1日至12月31日，集中参保期缴费的，次年1月1日起享受参保年度
    居民医保待遇”"""
    people = [person("A", "2029-09-01"), person("B", "2029-12-31"), person("C", "2030-01-01")]
    years = [row for who in "ABC" for row in resident(who, SINCE_2025)]
    got = standing(con, people, years, as_of=LATE)
    assert got.loc[["A", "B", "C"], "payment"].tolist() == ["window", "window", "extension"]
    assert got.loc["A", "benefits_from"] == got.loc["B", "benefits_from"] == day("2030-01-01")
    assert got.loc[["A", "B"], "waiting_months"].tolist() == [0, 0]


def test_the_extension_covers_from_the_payment_date_without_the_fixed_period(con):
    """一(一)：“参保年度1月1日至2月底为延长缴费期，延长缴费期内缴费的，从缴费之日起开始享受
    参保年度居民医保待遇”；二(三)：“在我省居民医保延长缴费期内参保缴费的，不设固定待遇等待期，
    但不享受连续参保激励”"""
    people = [
        person("IN_EXTENSION", "2030-02-28"),
        person("IN_WINDOW", "2029-12-20"),
        person("AFTER_BOTH", "2030-03-01"),
        person("BROKE_3", "2030-01-10"),
    ]
    years = [
        *resident("IN_EXTENSION", SINCE_2025),
        *resident("IN_WINDOW", SINCE_2025),
        *resident("AFTER_BOTH", SINCE_2025),
        *resident("BROKE_3", [2025, 2026]),
    ]
    got = standing(con, people, years, as_of=LATE)
    assert got.loc["IN_EXTENSION", "payment"] == "extension"
    assert got.loc["IN_EXTENSION", "waiting_months"] == 0
    assert got.loc["IN_EXTENSION", "benefits_from"] == day("2030-02-28")
    # a fifth consecutive year: 3000 yuan paid in the window, nothing in the extension
    assert got.loc["IN_WINDOW", "reward_this_year"] == 3000
    assert got.loc["IN_EXTENSION", "reward_this_year"] == 0
    assert got.loc["AFTER_BOTH", ["payment", "waiting_months"]].tolist() == ["late", 3]
    # reading: only the fixed period is waived; 3 years of break keep 2 variable months
    assert got.loc["BROKE_3", ["payment", "waiting_months"]].tolist() == ["extension", 2]
    assert got.loc["BROKE_3", "benefits_from"] == day("2030-03-10")
    rules = with_rules(extension_keeps_variable=False)
    waived = standing(con, people, years, as_of=LATE, campaign=rules)
    assert waived.loc["BROKE_3", "waiting_months"] == 0


def test_the_fixed_period_outside_the_window_or_after_a_break(con):
    """二(三)：“对居民医保未在集中参保期内参保或未连续参保的人员，设置参保后固定待遇等待期
    3个月”"""
    people = [person("CONTINUOUS"), person("MISSED_2029")]
    years = [*resident("CONTINUOUS", SINCE_2025), *resident("MISSED_2029", range(2025, 2029))]
    in_window = standing(con, people, years, as_of=WINDOW)
    assert in_window.loc["CONTINUOUS", "waiting_if_paid_now"] == 0
    assert in_window.loc["MISSED_2029", "waiting_if_paid_now"] == 3  # one year: fixed only
    in_extension = standing(con, people, years, as_of=EXTENSION)
    assert in_extension.loc["CONTINUOUS", "waiting_if_paid_now"] == 0
    late = standing(con, people, years, as_of=LATE)
    assert late.loc["CONTINUOUS", "waiting_if_paid_now"] == 3


def test_each_further_year_of_break_adds_a_month(con):
    """二(三)：“未连续参保的，每多断保1年，在固定待遇等待期基础上增加变动待遇等待期1个月”。
    Default reading (beyond_first): the first missed year brings the fixed period only."""
    people = [person("B1"), person("B2"), person("B3")]
    years = [
        *resident("B1", range(2025, 2029)),  # missed 2029
        *resident("B2", range(2025, 2028)),  # missed 2028, 2029
        *resident("B3", range(2025, 2027)),  # missed 2027-2029
    ]
    got = standing(con, people, years, as_of=WINDOW)
    assert got["break_years"].to_dict() == {"B1": 1, "B2": 2, "B3": 3}
    assert got["waiting_if_paid_now"].to_dict() == {"B1": 3, "B2": 4, "B3": 5}
    # missing 2030 as well: one more year of break, paid in next year's window
    assert got["waiting_next_year"].to_dict() == {"B1": 4, "B2": 5, "B3": 6}
    rules = with_rules(break_counting="every_year")
    every = standing(con, people, years, as_of=WINDOW, campaign=rules)
    assert every["waiting_if_paid_now"].to_dict() == {"B1": 4, "B2": 5, "B3": 6}


def test_a_break_is_the_run_of_missed_years_just_before_the_campaign_year(con):
    """二(三)：“未连续参保的” — an earlier gap followed by cover is no break now, years before
    history_from do not count, and someone never insured has missed every counted year."""
    people = [person("GAP_THEN_COVER"), person("NEVER")]
    years = resident("GAP_THEN_COVER", [2025, 2028, 2029])
    got = standing(con, people, years, as_of=WINDOW)
    assert got["break_years"].to_dict() == {"GAP_THEN_COVER": 0, "NEVER": 5}
    assert got.loc["GAP_THEN_COVER", "consecutive_years"] == 2
    since_2022 = standing(con, people, years, as_of=WINDOW, campaign=with_rules(history_from=2022))
    assert since_2022.loc["NEVER", "break_years"] == 8


def test_paying_back_years_removes_variable_months(con):
    """二(四)：“每多缴纳1年可减少1个月变动待遇等待期”；“修复变动待遇等待期的缴费标准，按修复
    当年参保地个人缴费标准执行”. Three years missed: 3 + 2 = 5 months; paying back one year
    leaves 4, two years 3; a third removes nothing more (the variable part is already 0)."""
    years = resident("B3", range(2025, 2027))
    got = standing(con, [person("B3")], years, as_of=WINDOW).loc["B3"]
    assert got["waiting_if_paid_now"] == 5
    assert [got[f"repair_{k}_months"] for k in (1, 2, 3)] == [1, 2, 2]
    assert [got[f"repair_{k}_cost"] for k in (1, 2, 3)] == [400, 800, 1200]  # 2030: 400 yuan
    prices = {2027: 380, 2028: 400, 2029: 420, 2030: 450}
    missed = with_rules(repair_price="missed_year", contributions=prices)
    got = standing(con, [person("B3")], years, as_of=WINDOW, campaign=missed).loc["B3"]
    assert [got[f"repair_{k}_cost"] for k in (1, 2, 3)] == [420, 820, 1200]  # 2029, 2028, 2027


def test_after_four_years_of_break_the_wait_stays_at_least_six_months(con):
    """二(四)：“连续断缴4年及以上的，修复后固定待遇等待期和变动待遇等待期之和不少于6个月”.
    Four years missed (2026-2029): 3 + 3 = 6; paying back 2 years would leave 3 + 1 = 4, the
    floor keeps 6: nothing removed. Under every_year: 3 + 4 = 7, paying back 2 leaves 5, kept
    at 6: one month removed."""
    years = [*resident("B4", [2025]), *resident("B3", [2025, 2026])]
    people = [person("B4"), person("B3")]
    got = standing(con, people, years, as_of=WINDOW)
    assert got.loc["B4", "waiting_if_paid_now"] == 6
    assert got.loc["B4", ["repair_1_months", "repair_2_months", "repair_3_months"]].tolist() == [
        0,
        0,
        0,
    ]
    assert got.loc["B3", "waiting_if_paid_now"] - got.loc["B3", "repair_2_months"] == 3  # < 6
    # in the extension the fixed period is waived, the floor is not
    assert got.loc["B4", "waiting_in_extension"] == 6
    rules = with_rules(break_counting="every_year")
    every = standing(con, people, years, as_of=WINDOW, campaign=rules)
    assert every.loc["B4", "waiting_if_paid_now"] == 7
    assert every.loc["B4", ["repair_1_months", "repair_2_months"]].tolist() == [1, 1]


def test_a_fifth_consecutive_year_raises_the_cap(con):
    """二(一)：“对连续参加居民医保满4年的参保人员，之后每连续参保1年，每次提高大病保险最高支付
    限额3000元”"""
    people = [person("FOUR"), person("FIVE"), person("THREE")]
    years = [
        *resident("FOUR", range(2026, 2030)),
        *resident("FIVE", SINCE_2025),
        *resident("THREE", range(2027, 2030)),
    ]
    got = standing(con, people, years, as_of=WINDOW)
    assert got["consecutive_years"].to_dict() == {"FOUR": 4, "FIVE": 5, "THREE": 3}
    assert got["continuity_earned"].to_dict() == {"FOUR": 0, "FIVE": 3000, "THREE": 0}
    # paying in the window makes 2030 one more consecutive year: the 5th, the 6th, the 4th
    assert got["reward_at_risk"].to_dict() == {"FOUR": True, "FIVE": True, "THREE": False}
    assert got["reward_at_risk_yuan"].to_dict() == {"FOUR": 3000, "FIVE": 3000, "THREE": 0}
    # once the window has closed, the extension brings no reward: nothing left at risk
    later = standing(con, people, years, as_of=EXTENSION)
    assert not later["reward_at_risk"].any() and (later["reward_at_risk_yuan"] == 0).all()


def test_a_break_restarts_the_count_and_keeps_the_reward(con):
    """二(一)：“断保之后再次参保的，连续参保年数重新计算，但原积累的连续参保激励金额保留”.
    Counting from 2019: 2019-2026 is 8 consecutive years, the 5th to 8th past the first 4;
    of those only 2025 and 2026 fall in the mechanism (“自2025年起”): 6000 yuan, kept after
    the break of 2027; 2028-2029 start a new count of 2."""
    years = [*resident("P", range(2019, 2027)), *resident("P", [2028, 2029])]
    rules = with_rules(history_from=2019)
    got = standing(con, [person("P")], years, as_of=WINDOW, campaign=rules).loc["P"]
    assert (got["consecutive_years"], got["continuity_earned"]) == (2, 6000)
    assert not got["reward_at_risk"]


def test_employee_years_bridge_a_streak_without_adding_to_it(con):
    """二(一)：“职工医保和居民医保跨制度转移接续的，可认定为连续参保，但职工医保年限不计入
    居民医保连续参保年限”；二(三)：“居民医保参保人中断参保后参加职工医保，而后又中断职工医保
    再次参加居民医保的，需按规定执行基本医保中断参保产生的待遇等待期”"""
    people = [person("BRIDGED"), person("LAPSED")]
    years = [
        *resident("BRIDGED", [2025, 2026, 2028, 2029]),
        *employee("BRIDGED", [2027]),
        *resident("LAPSED", [2025]),
        *employee("LAPSED", [2027]),  # then nothing in 2028 and 2029
    ]
    got = standing(con, people, years, as_of=WINDOW)
    assert got.loc["BRIDGED", ["consecutive_years", "bridged_by_employee"]].tolist() == [4, True]
    assert got.loc["BRIDGED", ["break_years", "waiting_if_paid_now"]].tolist() == [0, 0]
    assert got.loc["BRIDGED", "reward_at_risk_yuan"] == 3000  # 2030 would be the 5th
    assert got.loc["LAPSED", ["break_years", "waiting_if_paid_now"]].tolist() == [2, 4]
    rules = with_rules(employee_years_bridge=False)
    apart = standing(con, people, years, as_of=WINDOW, campaign=rules)
    assert apart.loc["BRIDGED", ["consecutive_years", "break_years"]].tolist() == [2, 0]
    rules = with_rules(employee_years_count=True)
    counted = standing(con, people, years, as_of=WINDOW, campaign=rules)
    # counted, 2027 makes 2029 the 5th consecutive year: a resident year, rewarded
    assert counted.loc["BRIDGED", ["consecutive_years", "continuity_earned"]].tolist() == [5, 3000]


def test_a_year_without_a_claim_raises_next_year_s_cap_until_a_claim(con):
    """二(二)：“对当年基金零报销的居民医保参保人员，次年提高大病保险最高支付限额，每次提高
    3000元”；“居民发生大病报销并使用奖励额度后，前期积累的零报销激励额度清零”"""
    people = [person("NEVER_CLAIMED"), person("CLAIMED_2027"), person("UNKNOWN")]
    claims = {2025: False, 2026: False, 2027: True, 2028: False, 2029: False}
    years = [
        *resident("NEVER_CLAIMED", SINCE_2025, claimed=False),
        *[row for y, c in claims.items() for row in resident("CLAIMED_2027", [y], claimed=c)],
        *resident("UNKNOWN", SINCE_2025, claimed=None),
        *employee("EMPLOYEE", SINCE_2025),
    ]
    got = standing(con, [*people, person("EMPLOYEE")], years, as_of=WINDOW)
    assert got["zero_claim_earned"].to_dict() == {
        "NEVER_CLAIMED": 15000,
        "CLAIMED_2027": 6000,  # 2028 and 2029, after the claim of 2027 cleared 2025-2026
        "UNKNOWN": 0,
        "EMPLOYEE": 0,  # 职工医保 years are not the resident fund's
    }
    assert got.loc["NEVER_CLAIMED", "rewards_earned"] == 15000 + 3000  # and the 5th year


def test_both_rewards_together_stay_within_a_fifth_of_the_original_cap(con):
    """二(一)(二)：“合并零报销激励累计提高总额不超过所在统筹区大病保险原封顶线的20%”.
    An original cap of 50000: at most 10000 yuan together."""
    claims = {2026: True, 2027: False, 2028: False, 2029: False}
    years = [
        *resident("FULL", SINCE_2025, claimed=False),  # 3000 + 15000 = 18000
        *[row for y, c in claims.items() for row in resident("ROOM", [y], claimed=c)],
    ]
    people = [person("FULL"), person("ROOM")]
    got = standing(con, people, years, as_of=WINDOW, campaign=with_rules(original_cap=50000))
    assert got["rewards_ceiling"].tolist() == [10000, 10000]
    assert got["rewards_earned"].to_dict() == {"FULL": 10000, "ROOM": 9000}
    assert got["reward_at_risk_yuan"].to_dict() == {"FULL": 0, "ROOM": 1000}
    assert got["reward_at_risk"].to_dict() == {"FULL": False, "ROOM": True}


def test_special_groups_have_no_waiting_period(con):
    """二(三)：“除新生儿、医疗救助对象、当年退出现役的军人等特殊群体外”"""
    people = [
        person("NEWBORN"),
        person("ASSISTED", "2030-03-01"),
        person("VETERAN"),
        person("OTHER_GROUP"),
    ]
    exemptions = [
        ("NEWBORN", "新生儿"),
        ("ASSISTED", "医疗救助对象"),
        ("VETERAN", "当年退出现役的军人"),
        ("OTHER_GROUP", "低保对象"),  # not a group the campaign file exempts
    ]
    got = standing(con, people, [], exemptions, as_of=LATE)
    assert got["payment"].to_dict() == {
        "NEWBORN": "exempt",
        "ASSISTED": "late",
        "VETERAN": "exempt",
        "OTHER_GROUP": "missing",
    }
    assert got.loc["ASSISTED", "waiting_months"] == 0
    assert got.loc[["NEWBORN", "VETERAN"], "waiting_if_paid_now"].tolist() == [0, 0]
    assert got.loc["OTHER_GROUP", "waiting_if_paid_now"] == 3 + 4  # 5 years missed, late
    assert got.loc["NEWBORN", "waiting_next_year"] == 3 + 5  # a newborn only this year


def test_this_year_in_employee_insurance_waits_for_nothing(con):
    """二(三)：“参保人因就业等个人状态变化在职工医保和居民医保间切换参保关系的，按规定衔接医保
    待遇” — someone in 职工医保 this year is not a resident paying late."""
    got = standing(con, [person("E", "2030-03-15", scheme="职工医保")], [], as_of=LATE).loc["E"]
    assert (got["payment"], got["waiting_months"]) == ("employee", 0)


# --- The campaign file's numbers change the results, not the code ---------------------------


def test_the_window_is_the_campaign_file_s(con):
    people = [person("PAID", "2029-12-15"), person("UNPAID")]
    years = [*resident("PAID", SINCE_2025), *resident("UNPAID", SINCE_2025)]
    as_of = date(2029, 12, 15)
    default = standing(con, people, years, as_of=as_of)
    assert default.loc["PAID", "payment"] == "window"
    assert default.loc["UNPAID", "period_now"] == "window"
    rules = with_rules(window_closes=(11, 30))
    shorter = standing(con, people, years, as_of=as_of, campaign=rules)
    assert shorter.loc["PAID", "payment"] == "extension"
    assert shorter.loc["UNPAID", ["period_now", "reward_at_risk"]].tolist() == ["extension", False]
    assert shorter.loc["UNPAID", "window_closes_on"] == day("2029-11-30")


def test_the_fixed_period_is_the_campaign_file_s(con):
    years = resident("MISSED_2029", range(2025, 2029))
    rules = with_rules(fixed_months=2)
    got = standing(con, [person("MISSED_2029")], years, as_of=WINDOW, campaign=rules)
    assert got.loc["MISSED_2029", "waiting_if_paid_now"] == 2


def test_the_floor_is_the_campaign_file_s(con):
    years = resident("B3", [2025, 2026])  # 3 years missed: 3 + 2 = 5
    default = standing(con, [person("B3")], years, as_of=WINDOW)
    assert default.loc["B3", "waiting_if_paid_now"] == 5
    sooner = with_rules(floor_after_years=3, floor_months=8)
    got = standing(con, [person("B3")], years, as_of=WINDOW, campaign=sooner)
    assert got.loc["B3", "waiting_if_paid_now"] == 8


def test_the_reward_amounts_are_the_campaign_file_s(con):
    years = resident("P", SINCE_2025, claimed=False)  # a 5th year, 5 years without a claim
    default = standing(con, [person("P")], years, as_of=WINDOW).loc["P"]
    assert (default["continuity_earned"], default["zero_claim_earned"]) == (3000, 15000)
    changed = with_rules(continuity_reward=5000, zero_claim_reward=1000, reward_after_years=3)
    got = standing(con, [person("P")], years, as_of=WINDOW, campaign=changed).loc["P"]
    # past the first 3 years: 2028 and 2029 at 5000 each; 5 × 1000 without a claim
    assert (got["continuity_earned"], got["zero_claim_earned"]) == (10000, 5000)
    assert got["reward_at_risk_yuan"] == 5000


def test_rules_from_dataclasses_replace_reach_the_sql():
    """Every field of the rules goes to run_continuity: none is read from anywhere else."""
    from flows.continuity import rules_frame

    campaign = campaign_for()
    frame = rules_frame(campaign.continuity, 2030)
    changed = rules_frame(dataclasses.replace(campaign.continuity, floor_months=9), 2030)
    assert frame["floor_months"].tolist() == [6] and changed["floor_months"].tolist() == [9]
