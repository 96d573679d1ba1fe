"""任务表 (assignment_table.html): each township's base and its target at every level."""

from __future__ import annotations

import datetime

from flows.config import Campaign
from flows.render.context import TOTAL_LABEL, common_context, frame_rows, program_name
from flows.results import Results


def assignment_context(campaign: Campaign, as_of: datetime.date, results: Results) -> dict:
    """任务表: one row per township in the base table's order, the 合计 row last, and what
    the base table's own 合计 row said when it was off the sum of its rows."""
    title = f"{campaign.year}年度{campaign.county}{program_name(campaign)}参保任务表"
    rows = frame_rows(results.targets)
    total = [row for row in rows if row["township"] == TOTAL_LABEL]
    townships = [row for row in rows if row["township"] != TOTAL_LABEL]
    context = common_context(campaign, as_of, title)
    context.update(
        title=title,
        base_heading=campaign.base_label,
        rows=townships,
        total=total[0] if total else None,
        notes=results.base_notes,
    )
    return context
