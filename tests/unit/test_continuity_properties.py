"""Fujian's long-term mechanism on random histories and random rules: what must hold whatever
a person's years and whatever numbers a campaign file sets."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import store
from flows.settings import get_settings
from tests.continuity import campaign_for, person, standing

YEAR = 2030
FIRST_DAY, LAST_DAY = date(2029, 6, 1), date(2030, 6, 30)
WAITING = ["waiting_months", "waiting_if_paid_now", "waiting_in_window", "waiting_in_extension"]
REPAIRS = ["repair_1_months", "repair_2_months", "repair_3_months"]


@pytest.fixture(scope="module")
def con():
    with store.connect(get_settings(), ":memory:") as connection:
        yield connection


days = st.integers(0, (LAST_DAY - FIRST_DAY).days).map(lambda n: FIRST_DAY + timedelta(n))
rules = st.fixed_dictionaries(
    {
        "history_from": st.integers(2018, 2025),
        "fixed_months": st.integers(0, 6),
        "variable_months": st.integers(0, 3),
        "break_counting": st.sampled_from(["beyond_first", "every_year"]),
        "repair_months": st.integers(0, 3),
        "floor_after_years": st.integers(1, 6),
        "floor_months": st.integers(0, 12),
        "extension_keeps_variable": st.booleans(),
        "reward_after_years": st.integers(0, 6),
        "continuity_reward": st.integers(0, 12).map(lambda n: n * 500),
        "zero_claim_reward": st.integers(0, 12).map(lambda n: n * 500),
        "original_cap": st.integers(0, 40).map(lambda n: n * 10000),
        "employee_years_bridge": st.booleans(),
        "employee_years_count": st.booleans(),
    }
)
histories = st.dictionaries(
    st.integers(2015, YEAR - 1),
    st.tuples(st.sampled_from(["居民", "职工"]), st.sampled_from([True, False, None])),
    max_size=15,
)
people = st.lists(
    st.tuples(
        histories,
        st.one_of(st.none(), days),  # paid this year on
        st.sampled_from([None, "新生儿", "低保对象"]),
        st.sampled_from(["居民医保", "职工医保"]),
    ),
    min_size=1,
    max_size=12,
)


def expected_years(history: dict, history_from: int, bridge: bool, count: bool) -> tuple:
    """(consecutive years, years of break) walked year by year, back from the last year."""
    counted = {y: scheme for y, (scheme, _) in history.items() if history_from <= y < YEAR}
    last = max(counted, default=history_from - 1)
    consecutive, year = 0, YEAR - 1
    while year in counted and (counted[year] == "居民" or bridge):
        consecutive += counted[year] == "居民" or count
        year -= 1
    return consecutive, max(YEAR - 1 - last, 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=rules, people=people, as_of=days)
def test_what_holds_for_any_history(con, rules, people, as_of):
    campaign = campaign_for(YEAR, **rules)
    register, years, exemptions = [], [], []
    for number, (history, paid_on, group, scheme) in enumerate(people):
        who = f"P{number}"
        paid = paid_on if paid_on is not None and paid_on <= as_of else None
        register.append(person(who, paid and paid.isoformat(), scheme=scheme))
        years += [(who, y, s, claimed) for y, (s, claimed) in history.items()]
        if group:
            exemptions.append((who, group))
    got = standing(con, register, years, exemptions, as_of=as_of, campaign=campaign)

    for column in [*WAITING, "waiting_next_year", *REPAIRS, "break_years"]:
        assert (got[column].dropna() >= 0).all(), column
    ceiling = float(campaign.continuity.ceiling)
    assert (got["rewards_ceiling"] == ceiling).all()
    assert (got["rewards_earned"] <= ceiling).all()
    assert (got["rewards_earned"] + got["reward_at_risk_yuan"] <= ceiling).all()
    assert (got["rewards_earned"] + got["reward_this_year"] <= ceiling).all()
    assert (got["reward_at_risk"] == (got["reward_at_risk_yuan"] > 0)).all()

    # the floor: after floor_after_years of break, any resident's wait but a special group's
    # (someone in 职工医保 this year is not paying for resident cover)
    floor, after = rules["floor_months"], rules["floor_after_years"]
    resident = got["exemption"].isna() & (got["payment"] != "employee")
    long_break = resident & (got["break_years"] >= after)
    for column in WAITING:
        waits = got.loc[long_break & got[column].notna(), column]
        assert (waits >= floor).all(), column
    next_year = got.loc[(got["break_years"] + 1 >= after) & got["waiting_next_year"].notna()]
    assert (next_year["waiting_next_year"] >= floor).all()
    # paying back more years never removes less, nor more than their months; no more years
    # than were missed
    for k, column in enumerate(REPAIRS, start=1):
        assert (got[column].dropna() <= k * rules["repair_months"]).all()
        assert got.loc[got["break_years"] < k, column].isna().all()
    for fewer, more in itertools.pairwise(REPAIRS):
        both = got[more].notna()
        assert (got.loc[both, more] >= got.loc[both, fewer]).all()
    # special groups wait for nothing this year
    exempt = got["exemption"].notna()
    assert (got.loc[exempt, WAITING].fillna(0) == 0).all().all()

    for number, (history, *_) in enumerate(people):
        assert tuple(got.loc[f"P{number}", ["consecutive_years", "break_years"]]) == (
            expected_years(
                history,
                rules["history_from"],
                rules["employee_years_bridge"],
                rules["employee_years_count"],
            )
        )
    assert (got.loc[got["break_years"] > 0, "consecutive_years"] == 0).all()
