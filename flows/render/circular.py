"""通报 of a 惠民保 campaign (circular.html), and what circular_base.html, the GB/T 9704 frame
both kinds' 通报 extend, needs besides the body (``circular_frame``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pandas as pd

from flows.render.context import FILE_ERROR, NOT_REPORTED
from flows.render.ranking_report import BEHIND_TIME, COMPLETED, ranking_context

TOP_COUNT = 3


def circular_context(
    campaign: dict,
    as_of: datetime.date,
    coverage: pd.DataFrame,
    county: dict,
    doc_number: str | None,
) -> dict:
    """通报: the ranking context plus the sentences of a real circular."""
    context = ranking_context(campaign, as_of, coverage, county)
    rows = context["rows"]
    county_row = context["county"]
    floor_key = context["floor"]["key"]
    reported = [row for row in rows if row["reported"]]
    below_floor = [row for row in rows if (row.get(f"gap_{floor_key}") or 0) > 0]
    reached_floor = [row for row in reported if (row.get(f"gap_{floor_key}") or 0) == 0]
    time_progress = context["time_progress"]
    completion = county_row.get(f"completion_{floor_key}")
    lead = None
    if time_progress is not None and completion is not None:
        lead = Decimal(str(completion)) - Decimal(str(time_progress))
    context.update(circular_frame(campaign, as_of, doc_number, context["title"]))
    context.update(
        top=reported[:TOP_COUNT],
        below_floor=below_floor,
        reached_floor=reached_floor,
        behind_time=[row for row in rows if row["progress_class"] == BEHIND_TIME],
        ahead_time=[
            row
            for row in reported
            if row["progress_class"] not in (BEHIND_TIME, COMPLETED, None)
            and (row.get(f"gap_{floor_key}") or 0) > 0
        ],
        rank_up=[row for row in reported if str(row["rank_change"] or "").startswith("↑")],
        rank_down=[row for row in reported if str(row["rank_change"] or "").startswith("↓")],
        not_reported=[row for row in rows if row["status"] == NOT_REPORTED],
        file_errors=[row for row in rows if row["status"] == FILE_ERROR],
        increase=county_row.get("increase_since_circular"),
        time_lead=None if lead is None else abs(lead),
        time_ahead=None if lead is None else lead >= 0,
    )
    return context


def circular_frame(
    campaign: dict, as_of: datetime.date, doc_number: str | None, attachment_title: str
) -> dict:
    """What circular_base.html needs besides the body: title, number, requirements, date."""
    settings = campaign.get("circular", {})
    circular_title = (
        settings.get("title") or f"关于{campaign['campaign']['title']}工作进展情况的通报"
    )
    return {
        "circular_title": circular_title,
        "title_parts": title_parts(circular_title),
        "attachment_title": attachment_title,
        "doc_number": doc_number,
        "requirements": settings.get("requirements", []),
        "requirement_items": [requirement_parts(text) for text in settings.get("requirements", [])],
        "issue_date": as_of,
    }


REQUIREMENT_HEADING_MAX = 16  # characters of a lead phrase set as a 楷体 heading ("压实责任。")


def requirement_parts(text: str) -> dict:
    """'压实责任。各乡镇要……' -> heading '压实责任。' and the rest; no short lead, no heading."""
    text = str(text).strip()
    cut = text.find("。") + 1
    if 0 < cut <= REQUIREMENT_HEADING_MAX and "，" not in text[:cut] and cut < len(text):
        return {"heading": text[:cut], "text": text[cut:]}
    return {"heading": "", "text": text}


def title_parts(title: str) -> list[str]:
    """Split a long title between phrases: after its quoted programme name, else before 工作."""
    cut = title.rfind("”") + 1
    if not 0 < cut < len(title):
        cut = title.rfind("工作进展")
    if 0 < cut < len(title):
        return [title[:cut], title[cut:]]
    return [title]
