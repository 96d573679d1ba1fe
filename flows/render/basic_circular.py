"""通报 of a 基本医保全民参保 campaign (basic_circular.html)."""

from __future__ import annotations

import datetime

from flows.config import Campaign
from flows.render.basic_ranking_report import basic_ranking_context
from flows.render.circular import circular_frame, circular_sentences
from flows.results import Results


def basic_circular_context(campaign: Campaign, as_of: datetime.date, results: Results) -> dict:
    """通报 (basic): county totals against time and the last circular, townships below the
    county rate, the most unenrolled (how many: circular.top_unenrolled)."""
    context = basic_ranking_context(campaign, as_of, results)
    context.update(circular_frame(campaign, as_of, results.doc_number, context["title"]))
    context.update(circular_sentences(context))
    most = context["most_unenrolled"]
    county_unenrolled = context["county"]["unenrolled"] or 0
    context["most_unenrolled_share"] = (
        sum(row["unenrolled"] or 0 for row in most) / county_unenrolled
        if county_unenrolled
        else None
    )
    return context
