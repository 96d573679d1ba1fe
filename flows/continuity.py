"""Fujian's long-term mechanism (参保长效机制, 闽政办〔2025〕3号) per person: the campaign file's
[continuity] as run tables for SQL, the marts that compute it (sql/intermediate/
int_person_continuity.sql and the marts on it), and the one line a follow-up list prints
under each person.

The rules are numbers in the campaign file (flows/config.ContinuityRules); the arithmetic is
SQL; this module only hands the numbers over and words the result.
"""

from __future__ import annotations

import pandas as pd

from flows.config import Campaign, ContinuityRules

CONTINUITY_MARTS = ("mart_continuity_people", "mart_continuity_townships")


# what a run builds: the standing of the people it lists for a visit, not of every person
RUN_MARTS = ("mart_followup_continuity", "mart_continuity_townships")


def run_continuity_marts(campaign: Campaign) -> tuple[str, ...]:
    """The marts a run builds with [continuity]: the follow-up lists' people (their phrases)
    and the townships' counts."""
    return RUN_MARTS if campaign.continuity is not None else ()


def with_phrases(followup: pd.DataFrame, standing: pd.DataFrame) -> pd.DataFrame:
    """mart_followup with each person's phrase (their own numbers) as ``phrase``."""
    phrases = pd.Series(continuity_phrases(standing).to_numpy(), index=standing["id_number"])
    return followup.assign(phrase=followup["id_number"].map(phrases))


def continuity_marts(campaign: Campaign) -> tuple[str, ...]:
    """The marts of the mechanism when the campaign file has [continuity]: every registered
    person's standing (mart_continuity_people) and the townships' counts of those at stake
    (mart_continuity_townships)."""
    return CONTINUITY_MARTS if campaign.continuity is not None else ()


def continuity_tables(campaign: Campaign) -> dict[str, pd.DataFrame]:
    """The run tables the continuity models read: run_continuity (one row: the rules, the
    central window and the extension of the campaign year as dates), run_contributions
    (year, amount) and run_exempt_groups (the special groups, in the file's order)."""
    rules = campaign.continuity
    if rules is None:
        return {}
    return {
        "run_continuity": rules_frame(rules, campaign.year),
        "run_contributions": pd.DataFrame(
            {
                "year": pd.array(list(rules.contributions), dtype="Int64"),
                "amount": pd.array([str(a) for a in rules.contributions.values()], "string"),
            }
        ),
        "run_exempt_groups": pd.DataFrame(
            {
                "exemption": pd.array(rules.exempt, dtype="string"),
                "exemption_position": pd.array(range(1, len(rules.exempt) + 1), dtype="Int64"),
            }
        ),
    }


def rules_frame(rules: ContinuityRules, year: int) -> pd.DataFrame:
    """[continuity] as one row for cover in ``year`` (amounts as text: SQL casts them to
    DECIMAL, never through a float)."""
    opens, closes, extension_closes = rules.calendar(year)
    row = {
        "start_year": rules.start_year,
        "history_from": rules.history_from,
        "window_opens_on": pd.Timestamp(opens),
        "window_closes_on": pd.Timestamp(closes),
        "extension_closes_on": pd.Timestamp(extension_closes) if extension_closes else pd.NaT,
        "extension_keeps_variable": rules.extension_keeps_variable,
        "fixed_months": rules.fixed_months,
        "variable_months": rules.variable_months,
        "break_counting": rules.break_counting,
        "repair_months": rules.repair_months,
        "floor_after_years": rules.floor_after_years,
        "floor_months": rules.floor_months,
        "repair_price": rules.repair_price,
        "reward_after_years": rules.reward_after_years,
        "continuity_reward": str(rules.continuity_reward),
        "zero_claim_reward": str(rules.zero_claim_reward),
        "ceiling": str(rules.ceiling),
        "employee_years_bridge": rules.employee_years_bridge,
        "employee_years_count": rules.employee_years_count,
    }
    frame = pd.DataFrame([row])
    text = ["break_counting", "repair_price", "continuity_reward", "zero_claim_reward", "ceiling"]
    return frame.astype({column: "string" for column in text}).astype(
        {"extension_closes_on": "datetime64[us]"}
    )


# --- The line under each person in a follow-up list ----------------------------------------


def _number(values: pd.Series) -> pd.Series:
    """Counts and yuan as officials write them: 3000, 4, 412.5 (no trailing .0)."""
    rounded = pd.to_numeric(values, errors="coerce").astype("Float64").round(2)
    return rounded.astype("string").str.replace(r"\.0+$", "", regex=True)


def _month_day(days: pd.Series) -> pd.Series:
    """12月31日."""
    days = pd.to_datetime(days)
    month, day = (part.astype("Int64").astype("string") for part in (days.dt.month, days.dt.day))
    return month + "月" + day + "日"


def _full_date(days: pd.Series) -> pd.Series:
    """2026年1月1日."""
    days = pd.to_datetime(days)
    return days.dt.year.astype("Int64").astype("string") + "年" + _month_day(days)


def _first(index: pd.Index, *choices: tuple[pd.Series, pd.Series | str]) -> pd.Series:
    """Per row, the text of the first (condition, text) that holds; the empty string if none.
    A handful of whole-column steps, whatever the number of rows."""
    chosen = pd.Series("", index=index, dtype="string")
    for condition, text in reversed(choices):
        text = pd.Series(text, index=index, dtype="string") if isinstance(text, str) else text
        holds = condition.fillna(False).astype(bool) & text.notna()
        chosen = text.astype("string").where(holds, chosen)
    return chosen


def continuity_phrases(frame: pd.DataFrame) -> pd.Series:
    """One short Chinese sentence per row of int_person_continuity (or mart_continuity_people)
    with the person's own numbers, for the line under their name in a follow-up list, e.g.

        连续参保5年，已累计提高大病保险限额3000元；12月31日前缴费可再提高3000元，
        断缴后再参保需等待3个月

    (one line; most are shorter). Where they stand, then what paying now brings and what
    waiting costs, or how they stand this year when they have paid. Vectorised: string
    operations over whole columns, never a Python loop over rows."""
    index = frame.index
    years = frame["consecutive_years"].fillna(0).astype("int64")
    breaks = frame["break_years"].fillna(0).astype("int64")
    earned = pd.to_numeric(frame["rewards_earned"]).fillna(0)
    payment = frame["payment"].astype("string")
    period = frame["period_now"].astype("string")
    unpaid = payment == "missing"
    at_risk = frame["reward_at_risk"].fillna(False).astype(bool)
    waits_now = frame["waiting_if_paid_now"].fillna(0) > 0
    repair_months = frame["repair_1_months"].fillna(0)

    standing = _first(
        index,
        (years > 0, "连续参保" + _number(years) + "年"),
        # a special group's break (a newborn's years before birth) is nothing to tell them
        ((breaks > 0) & (payment != "exempt"), "已断保" + _number(breaks) + "年"),
    )
    rewards = _first(index, (earned > 0, "已累计提高大病保险限额" + _number(earned) + "元"))
    window_by = _month_day(frame["window_closes_on"]) + "前缴费"
    extension_by = _month_day(frame["extension_closes_on"]) + "前缴费"
    wait = "需等待" + _number(frame["waiting_if_paid_now"]) + "个月"
    group = frame["exemption"].astype("string")
    pay_now = _first(
        index,
        (unpaid & (period == "window") & at_risk,
         window_by + "可再提高" + _number(frame["reward_at_risk_yuan"]) + "元"),
        (unpaid & (period == "window") & ~waits_now, window_by + "次年1月1日起享受待遇"),
        (unpaid & (period == "window"), window_by + wait),
        (unpaid & (period == "extension") & ~waits_now, extension_by + "从缴费之日起享受待遇"),
        (unpaid & (period == "extension"), extension_by + wait),
        (unpaid, "现在缴费" + wait),
        (payment.isin(["window", "extension", "late"]),
         "已缴费，" + _full_date(frame["benefits_from"]) + "起享受待遇"),
        (payment == "employee", "本年参加职工医保"),
        (payment == "exempt", "属" + group + "，缴费后不设待遇等待期"),
    )  # fmt: skip
    otherwise = _first(
        index,
        (unpaid & (breaks == 0),
         "断缴后再参保需等待" + _number(frame["waiting_next_year"]) + "个月"),
        (unpaid & (repair_months > 0),
         "补缴1年可少等" + _number(repair_months) + "个月（" + _number(frame["repair_1_cost"])
         + "元）"),
    )  # fmt: skip
    head = _joined(standing, rewards, "，")
    tail = _joined(pay_now, otherwise, "，")
    return _joined(head, tail, "；").rename("continuity_phrase")


def _joined(left: pd.Series, right: pd.Series, separator: str) -> pd.Series:
    """left + separator + right, the separator only where both say something."""
    both = (left != "") & (right != "")
    return left + pd.Series(separator, index=left.index, dtype="string").where(both, "") + right
