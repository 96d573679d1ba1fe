"""考核得分表 (assessment_report.html): every assessed entity with every item of the rubric,
its subtotals, total and rank; the basis of each computed score under it; the rules of the
computed items as configured.

The scores come from flows/assessment.Scorecard; this module only arranges them."""

from __future__ import annotations

import datetime
from pathlib import Path

from flows.assessment import (
    NOT_APPLICABLE,
    PART_HEADINGS,
    PENDING,
    SCORECARD_PDF,
    Scorecard,
    cell_text,
    item_heading,
    points_text,
    rubric_title,
    rule_lines,
)
from flows.config import Campaign
from flows.render.context import common_context, frame_rows
from flows.render.pdf import get_renderer, write_pdf
from flows.settings import Settings

TEMPLATE = "assessment_report.html"


def phrases(basis: str | None) -> list[str]:
    """A basis in the pieces a narrow cell may break it into: after its commas."""
    if not basis:
        return []
    return [part + "，" for part in basis.split("，")[:-1]] + [basis.split("，")[-1]]


def assessment_context(
    campaign: Campaign, as_of: datetime.date, card: Scorecard, form_note: str
) -> dict:
    """考核得分表: the rows in rank order, each item's cell (points, 待评 or —, and the basis
    of a computed score), the subtotals by part, and the 说明 lines."""
    title = f"{rubric_title(campaign)}得分表"
    basis = {
        (cell.entity, cell.item_key): cell.basis
        for cell in card.cells.itertuples(index=False)
        if cell.source != "entered"
    }
    rows = []
    for row in frame_rows(card.rows):
        cells = []
        for item in card.items:
            text = cell_text(card, row, item)
            cells.append(
                {
                    "text": text,
                    "state": {PENDING: "pending", NOT_APPLICABLE: "absent"}.get(text, "scored"),
                    "basis": phrases(basis.get((row["entity"], item.key))),
                }
            )
        rows.append(
            {
                **row,
                "cells": cells,
                "parts": [points_text(row[part]) for part in PART_HEADINGS],
                "total_text": points_text(row["total"]),
            }
        )
    context = common_context(campaign, as_of, title)
    context.update(
        title=title,
        items=[
            {
                "label": item.label,
                "bounds": item_heading(item).removeprefix(item.label),
                "source": "entered" if item.source == "entered" else "computed",
            }
            for item in card.items
        ],
        part_headings=list(PART_HEADINGS.values()),
        rows=rows,
        notes=[form_note, *rule_lines(campaign)],
    )
    return context


def render_scorecard(
    campaign: Campaign,
    as_of: datetime.date,
    card: Scorecard,
    form_note: str,
    out_dir: Path,
    settings: Settings,
) -> Path:
    """Write 考核得分表.pdf into ``out_dir``, stamped with ``as_of``."""
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    context = assessment_context(campaign, as_of, card, form_note)
    return write_pdf(renderer, TEMPLATE, context, Path(out_dir) / SCORECARD_PDF)
