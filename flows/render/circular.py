"""通报 of a 惠民保 campaign (circular.html), and what circular_base.html, the GB/T 9704 frame
both kinds' 通报 extend, needs besides the body (``circular_frame``)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from flows.config import Campaign
from flows.render.ranking_report import ranking_context
from flows.results import Results


def circular_context(campaign: Campaign, as_of: datetime.date, results: Results) -> dict:
    """通报: the ranking context plus the sentences of a real circular; who it names comes
    from mart_circular_mentions."""
    context = ranking_context(campaign, as_of, results)
    context.update(circular_frame(campaign, as_of, results.doc_number, context["title"]))
    context.update(circular_sentences(context))
    return context


def circular_sentences(context: dict) -> dict:
    """The named townships of every kind's circular, and how far the county is from time
    progress (时序进度) on its first target level."""
    named = context["named"]
    county = context["county"]
    time_progress, completion = context["time_progress"], county.get("completion")
    lead = None
    if time_progress is not None and completion is not None:
        lead = Decimal(str(completion)) - Decimal(str(time_progress))
    return {
        "top": named.get("top", []),
        "below_floor": named.get("below_first", []),
        "reached_floor": named.get("reached_first", []),
        "behind_time": named.get("behind_time", []),
        "ahead_time": named.get("ahead_time", []),
        "rank_up": named.get("rank_up", []),
        "rank_down": named.get("rank_down", []),
        "below": named.get("below_county", []),
        "lowest": (named.get("lowest") or [None])[0],
        "most_unenrolled": named.get("most_unenrolled", []),
        "not_reported": named.get("not_reported", []),
        "file_errors": named.get("file_error", []),
        "increase": county.get("increase_since_circular"),
        "time_lead": None if lead is None else abs(lead),
        "time_ahead": None if lead is None else lead >= 0,
    }


def circular_frame(
    campaign: Campaign, as_of: datetime.date, doc_number: str | None, attachment_title: str
) -> dict:
    """What circular_base.html needs besides the body: title, number, requirements, date."""
    circular_title = campaign.circular_title or f"关于{campaign.title}工作进展情况的通报"
    return {
        "circular_title": circular_title,
        "title_parts": title_parts(circular_title),
        "attachment_title": attachment_title,
        "doc_number": doc_number,
        "requirements": list(campaign.requirements),
        "requirement_items": [requirement_parts(text) for text in campaign.requirements],
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
