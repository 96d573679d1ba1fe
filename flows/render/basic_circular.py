"""通报 of a 基本医保全民参保 campaign (basic_circular.html)."""

from __future__ import annotations

import datetime

import pandas as pd

from flows.render.basic_ranking_report import basic_ranking_context
from flows.render.circular import TOP_COUNT, circular_frame
from flows.render.context import NOT_REPORTED

# 通报 (basic kind): how many townships with the most unenrolled people are named;
# a campaign may override it with circular.top_unenrolled.
TOP_UNENROLLED = 3


def basic_circular_context(
    campaign: dict,
    as_of: datetime.date,
    coverage: pd.DataFrame,
    county: dict,
    doc_number: str | None,
) -> dict:
    """通报 (basic): county totals, townships below the county rate, the most unenrolled."""
    empty_villages = pd.DataFrame()
    context = basic_ranking_context(campaign, as_of, coverage, empty_villages, county)
    rows = context["rows"]
    reported = [row for row in rows if row["reported"]]
    top_unenrolled = campaign.get("circular", {}).get("top_unenrolled", TOP_UNENROLLED)
    most_unenrolled = sorted(reported, key=lambda row: -(row["unenrolled"] or 0))[:top_unenrolled]
    county_unenrolled = context["county"]["unenrolled"] or 0
    context.update(circular_frame(campaign, as_of, doc_number, context["title"]))
    context.update(
        top=reported[:TOP_COUNT],
        below=[row for row in rows if row["below"]],
        lowest=reported[-1] if reported else None,
        most_unenrolled=most_unenrolled,
        most_unenrolled_share=(
            sum(row["unenrolled"] or 0 for row in most_unenrolled) / county_unenrolled
            if county_unenrolled
            else None
        ),
        not_reported=[row for row in rows if row["status"] == NOT_REPORTED],
    )
    return context
