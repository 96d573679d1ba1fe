"""The line under each person in a follow-up list: their own numbers, in one short sentence."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from flows.continuity import continuity_phrases

BASE = {
    "exemption": None,
    "payment": "missing",
    "paid_on": pd.NaT,
    "consecutive_years": 0,
    "rewards_earned": 0.0,
    "reward_at_risk": False,
    "reward_at_risk_yuan": 0.0,
    "break_years": 0,
    "benefits_from": pd.NaT,
    "period_now": "window",
    "waiting_if_paid_now": 0,
    "waiting_next_year": 3,
    "repair_1_months": None,
    "repair_1_cost": None,
    "window_closes_on": pd.Timestamp("2025-12-31"),
    "extension_closes_on": pd.Timestamp("2026-02-28"),
}


def phrases(*rows: dict) -> list[str]:
    frame = pd.DataFrame([{**BASE, **row} for row in rows])
    return continuity_phrases(frame).tolist()


@pytest.mark.parametrize(
    ("row", "phrase"),
    [
        (
            {"consecutive_years": 5, "rewards_earned": 3000.0, "reward_at_risk": True,
             "reward_at_risk_yuan": 3000.0},
            "连续参保5年，已累计提高大病保险限额3000元；12月31日前缴费可再提高3000元，"
            "断缴后再参保需等待3个月",
        ),
        (
            {"consecutive_years": 2, "waiting_next_year": 4},
            "连续参保2年；12月31日前缴费次年1月1日起享受待遇，断缴后再参保需等待4个月",
        ),
        (
            {"break_years": 2, "waiting_if_paid_now": 4, "repair_1_months": 1,
             "repair_1_cost": 400.0},
            "已断保2年；12月31日前缴费需等待4个月，补缴1年可少等1个月（400元）",
        ),
        (
            {"break_years": 1, "waiting_if_paid_now": 3, "repair_1_months": 0,
             "repair_1_cost": 380.5},
            "已断保1年；12月31日前缴费需等待3个月",
        ),
        (
            {"consecutive_years": 3, "period_now": "extension"},
            "连续参保3年；2月28日前缴费从缴费之日起享受待遇，断缴后再参保需等待3个月",
        ),
        (
            {"break_years": 3, "period_now": "extension", "waiting_if_paid_now": 2,
             "repair_1_months": 1, "repair_1_cost": 400.0},
            "已断保3年；2月28日前缴费需等待2个月，补缴1年可少等1个月（400元）",
        ),
        (
            {"consecutive_years": 1, "period_now": "late", "waiting_if_paid_now": 3},
            "连续参保1年；现在缴费需等待3个月，断缴后再参保需等待3个月",
        ),
        (
            {"consecutive_years": 6, "rewards_earned": 9000.0, "payment": "window",
             "benefits_from": pd.Timestamp("2026-01-01")},
            "连续参保6年，已累计提高大病保险限额9000元；已缴费，2026年1月1日起享受待遇",
        ),
        (
            {"break_years": 4, "payment": "extension",
             "benefits_from": pd.Timestamp("2026-08-10")},
            "已断保4年；已缴费，2026年8月10日起享受待遇",
        ),
        ({"payment": "employee"}, "本年参加职工医保"),
        ({"payment": "exempt", "exemption": "新生儿", "break_years": 2},
         "属新生儿，缴费后不设待遇等待期"),
        ({"payment": "late", "rewards_earned": 3000.0,
          "benefits_from": pd.Timestamp("2026-06-01")},
         "已累计提高大病保险限额3000元；已缴费，2026年6月1日起享受待遇"),
    ],
)  # fmt: skip
def test_each_standing_has_its_sentence(row, phrase):
    assert phrases(row) == [phrase]


def test_the_longest_sentences_fit_under_a_list_line():
    """The longest combinations, with large numbers: still within 60 characters."""
    longest = phrases(
        {"consecutive_years": 12, "rewards_earned": 60000.0, "reward_at_risk": True,
         "reward_at_risk_yuan": 3000.0, "waiting_next_year": 3},
        {"break_years": 10, "waiting_if_paid_now": 12, "repair_1_months": 1,
         "repair_1_cost": 1400.0, "rewards_earned": 45000.0},
        {"consecutive_years": 12, "rewards_earned": 60000.0, "period_now": "extension",
         "waiting_next_year": 3},
    )  # fmt: skip
    assert all(len(phrase) <= 60 for phrase in longest), [len(p) for p in longest]


def test_tens_of_thousands_of_people_at_once():
    """Whole columns at a time: a county's follow-up lists in well under a second or two."""
    kinds = [
        {"consecutive_years": 5, "rewards_earned": 3000.0, "reward_at_risk": True,
         "reward_at_risk_yuan": 3000.0},
        {"break_years": 2, "waiting_if_paid_now": 4, "repair_1_months": 1,
         "repair_1_cost": 400.0},
        {"payment": "window", "benefits_from": pd.Timestamp("2026-01-01")},
    ]  # fmt: skip
    frame = pd.DataFrame([{**BASE, **kinds[n % 3]} for n in range(3)] * 20_000)
    started = time.perf_counter()
    result = continuity_phrases(frame)
    assert time.perf_counter() - started < 5
    assert len(result) == 60_000 and result.iloc[-1] == "已缴费，2026年1月1日起享受待遇"
    assert result.index.equals(frame.index)
