"""Fujian's long-term mechanism on tiny inline histories: int_person_continuity built on the
test's own rows for the models it reads (the register's people, their insured years and
special groups), with the rules of the demo campaign file or changes to them."""

from __future__ import annotations

import dataclasses
import functools
from datetime import date

import pandas as pd

from flows import store
from flows.config import Campaign, load_campaign
from flows.continuity import continuity_tables
from flows.settings import get_settings

DEMO = "yongchun_2026_basic_register"
# built one by one: the register's people and their years are the test's own tables
MODELS = (
    "stg_exempt_groups",
    "stg_contributions",
    "stg_continuity_rules",
    "int_person_continuity",
)
PERSON_COLUMNS = ["id_number", "township", "village", "scheme", "place", "paid_on"]


@functools.cache
def demo_campaign() -> Campaign:
    return load_campaign(DEMO, get_settings())


def campaign_for(year: int = 2030, **rules) -> Campaign:
    """The demo campaign for cover in ``year``, its [continuity] changed by ``rules``
    (contributions for every year from 2020, so that any year paid back has its price;
    years counted from the mechanism's start, the document's own reading, unless a test
    says otherwise: the demo county counts from 2021)."""
    campaign = demo_campaign()
    contributions = {y: campaign.continuity.contributions.get(y, 400) for y in range(2020, 2035)}
    start = campaign.continuity.start_year
    changes = {"contributions": contributions, "history_from": start, **rules}
    continuity = dataclasses.replace(campaign.continuity, **changes)
    return dataclasses.replace(campaign, name="c", year=year, continuity=continuity)


def person(id_number: str, paid_on: str | None = None, township: str = "桃城镇", **extra):
    """A register row: paid this year on ``paid_on`` (本地), or not insured yet."""
    row = {
        "id_number": id_number,
        "township": township,
        "village": "花石村",
        "scheme": "居民医保",
        "place": None if paid_on is None else "本地",
        "paid_on": paid_on,
    }
    return {**row, **extra}


def resident(id_number: str, years, claimed: bool | None = None) -> list[tuple]:
    """Rows of person_years: resident (居民) cover in each of ``years``."""
    return [(id_number, year, "居民", claimed) for year in years]


def employee(id_number: str, years) -> list[tuple]:
    return [(id_number, year, "职工", None) for year in years]


def standing(
    con,
    people: list[dict],
    years: list[tuple] = (),
    exemptions: list[tuple] = (),
    *,
    as_of: date,
    campaign: Campaign | None = None,
) -> pd.DataFrame:
    """int_person_continuity for ``people``, indexed by id_number."""
    campaign = campaign or campaign_for()
    frame = pd.DataFrame(people, columns=PERSON_COLUMNS).assign(
        name="某某", paid_last_year=False, reported_by_several_townships=False
    )
    frame["paid_on"] = pd.to_datetime(frame["paid_on"])
    history = pd.DataFrame(list(years), columns=["id_number", "year", "scheme", "claimed"])
    history = history.astype({"year": "int64", "claimed": "boolean"})
    groups = pd.DataFrame(list(exemptions), columns=["id_number", "exemption"], dtype="string")
    given = {
        "int_register_persons_deduplicated": frame,
        "stg_person_years": history,
        "stg_person_exemptions": groups,
        **continuity_tables(campaign),
    }
    for name, table in given.items():
        store.temp_table(con, name, table)
    params = {"campaign": campaign.name, "as_of": as_of, "campaign_year": campaign.year}
    for name in MODELS:
        sql = store.model_sql(get_settings(), name, campaign.kind)
        store.execute(con, f"create or replace temp table {name} as {sql}", params)
    return store.table(con, "int_person_continuity").set_index("id_number")
