"""数据质量 (quality_report.html): what each township must fix and resend."""

from __future__ import annotations

import datetime

from flows.config import Campaign
from flows.render.context import common_context, frame_rows, program_name
from flows.results import Results


def quality_context(campaign: Campaign, as_of: datetime.date, results: Results) -> dict:
    """数据质量: per township the rows set aside (identity numbers already masked), files
    that could not be read, people reported twice, and what officials should check (a
    stated 合计 off the sum of its rows, upgraded 15-digit numbers)."""
    title = f"{campaign.year}年{campaign.county}{program_name(campaign)}报送数据质量报告"
    rows = frame_rows(results.rejects)
    groups = [
        {"township": township, "rows": [r for r in rows if r["township"] == township]}
        for township in dict.fromkeys(r["township"] for r in rows)
    ]
    conflicts = results.conflicts
    context = common_context(campaign, as_of, title)
    context.update(
        title=title,
        summary=frame_rows(results.marts["mart_delivery_quality"]),
        groups=groups,
        file_errors=results.file_errors,
        conflicts=frame_rows(conflicts) if conflicts is not None else [],
        notes=results.notes,
    )
    return context
