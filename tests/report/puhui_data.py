"""Inputs for the 惠民保 (puhui) render tests: Qingliu's 2025 campaign file and assignment
table, with made-up rosters from each township, run through the SQL models as the flow runs
them (flows/pipeline.py, compute_coverage).

Runs on 11月3日, 8日 (a circular), 12日 and the as-of date 11月13日; the campaign window
2024-10-15 .. 2024-12-31 gives a time progress of 30 / 78 on the as-of date.
"""

from __future__ import annotations

import dataclasses
import datetime

import duckdb
import pandas as pd

from flows import store
from flows.config import Campaign, load_campaign
from flows.ingest import read_base_table
from flows.results import Results, with_units
from flows.settings import get_settings
from tests.deliveries import load_clean_delivery
from tests.report.runs import run_results

CAMPAIGN = "qingliu_2025_puhui"
AS_OF = datetime.date(2024, 11, 13)
TIME_PROGRESS = 30 / 78
PREVIOUS_RUN = datetime.date(2024, 11, 12)
PREVIOUS_CIRCULAR = datetime.date(2024, 11, 8)
# Share of the as-of enrolment each township had on each earlier run date.
EARLIER = {
    datetime.date(2024, 11, 3): 0.55,
    PREVIOUS_CIRCULAR: 0.8,
    PREVIOUS_RUN: 0.95,
}
RUN_DATES = [*EARLIER, AS_OF]

# Qingliu's 2025 assignment table (base and targets as published, rounded up), the order of
# data/reference/qingliu_2025_puhui_assignments.csv.
ASSIGNMENTS = [
    ("龙津镇", 20642, 4129, 6193),
    ("温郊乡", 3432, 687, 1030),
    ("赖坊镇", 7949, 1590, 2385),
    ("余朋乡", 4717, 944, 1416),
    ("林畲镇", 5506, 1102, 1652),
    ("嵩口镇", 13816, 2764, 4145),
    ("长校镇", 10084, 2017, 3026),
    ("里田乡", 5103, 1021, 1531),
    ("嵩溪镇", 13561, 2713, 4069),
    ("田源乡", 5132, 1027, 1540),
    ("李家乡", 8706, 1742, 2612),
    ("灵地镇", 10059, 2012, 3018),
    ("沙芜乡", 3593, 719, 1078),
]
NOT_REPORTING = "沙芜乡"  # sent nothing
# Its 11月13日 file cannot be read: it stands at what it had sent by 11月12日.
FILE_ERROR = "温郊乡"
FILE_ERROR_NAME = "温郊乡_20241113.xlsx"
FILE_ERROR_TEXT = "文件无法读取：不是有效的 Excel 文件"
# Made-up enrolment counts on the as-of date; 林畲镇 and 李家乡 lag behind time progress,
# and so does 温郊乡 on what it loaded before its broken file.
ENROLLED = {
    "龙津镇": 4861,
    "温郊乡": 150,
    "赖坊镇": 1702,
    "余朋乡": 1502,
    "林畲镇": 402,
    "嵩口镇": 2911,
    "长校镇": 1800,
    "里田乡": 1350,
    "嵩溪镇": 2150,
    "田源乡": 1106,
    "李家乡": 607,
    "灵地镇": 2500,
    "沙芜乡": 0,
}
NAMES = [township for township, *_ in ASSIGNMENTS]


def enrolled_on(township: str, day: datetime.date) -> int:
    """People of ``township`` enrolled and delivered by ``day`` (a run date)."""
    now = ENROLLED[township]
    if day == AS_OF or (township == FILE_ERROR and day == PREVIOUS_RUN):
        return now
    # Townships grow at different paces, so ranks move between runs.
    pace = 1 + 0.4 * (NAMES.index(township) % 5 - 2)
    return int(now * EARLIER[day] ** pace)


def deliveries() -> list[tuple[str, datetime.date, int]]:
    """(township, delivered_on, new people) of every roster that loads: one per township
    and run date, the people bought that day; none from 沙芜乡, no readable one from 温郊乡
    on the as-of date."""
    found = []
    for township in NAMES:
        if township == NOT_REPORTING:
            continue
        before = 0
        for day in RUN_DATES:
            if township == FILE_ERROR and day == AS_OF:
                continue
            now = enrolled_on(township, day)
            found.append((township, day, now - before))
            before = now
    return found


def load_roster(
    con: duckdb.DuckDBPyConnection, campaign: Campaign, township: str, day: datetime.date, new: int
) -> None:
    """One township's roster delivered on ``day``: ``new`` people who bought that day."""
    stem = f"{township}_{day:%Y%m%d}"
    rows = pd.DataFrame(
        {
            "id_number": [f"{stem}_{number:05d}" for number in range(new)],
            "township": township,
            "bought_on": pd.Timestamp(day),
            "source_row": range(2, 2 + new),
            "id_upgraded": False,
            "name": "某某",
            "village": None,
            "channel": None,
        }
    )
    load_clean_delivery(con, campaign.name, "enrollments", f"{stem}.xlsx", township, day, rows)


def load_campaign_data(con: duckdb.DuckDBPyConnection, campaign: Campaign) -> list[str]:
    """Bases from the campaign's assignment table and every township's rosters; returns the
    base table's warnings."""
    table = read_base_table(campaign)
    store.replace_bases(con, campaign.name, with_units(campaign, table.bases))
    for township, day, new in deliveries():
        load_roster(con, campaign, township, day, new)
    return table.warnings


def qingliu(**changes) -> Campaign:
    """Qingliu's campaign file, with ``changes`` (e.g. another deadline)."""
    return dataclasses.replace(load_campaign(CAMPAIGN, get_settings()), **changes)


def build_results(campaign: Campaign | None = None, *, history: bool = True) -> Results:
    """The as-of date's Results, with a circular (通报): earlier runs on 11月3日, 8日 (a
    circular) and 12日 first unless ``history`` is off (the as-of date is then the first
    run)."""
    settings = get_settings()
    campaign = campaign or qingliu()
    with store.connect(settings, ":memory:") as con:
        base_notes = load_campaign_data(con, campaign)
        if history:
            for day in EARLIER:
                run_results(
                    con,
                    settings,
                    campaign,
                    day,
                    circular=day == PREVIOUS_CIRCULAR,
                    base_notes=base_notes,
                )
        error = {"township": FILE_ERROR, "file_name": FILE_ERROR_NAME, "error": FILE_ERROR_TEXT}
        return run_results(
            con,
            settings,
            campaign,
            AS_OF,
            circular=True,
            base_notes=base_notes,
            file_errors=(error,),
        )
