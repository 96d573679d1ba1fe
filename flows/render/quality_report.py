"""数据质量 (quality_report.html): what each township must fix and resend."""

from __future__ import annotations

import datetime

from flows.config import Campaign
from flows.render.context import common_context, frame_rows, program_name
from flows.results import Results

# Rows printed per township; the rest are in 数据质量.xlsx. A file of 20,000 bad rows
# printed whole was 1,668 pages and minutes of layout; the counts by reason say what to fix.
QUALITY_ROWS_PER_TOWNSHIP = 50


def quality_context(campaign: Campaign, as_of: datetime.date, results: Results) -> dict:
    """数据质量: per township the rows set aside counted by reason (mart_reject_summary) and
    the first of them (personal data already masked), files that could not be read, people
    reported twice, and what officials should check (a stated 合计 off the sum of its rows,
    upgraded 15-digit numbers)."""
    title = f"{campaign.year}年{campaign.county}{program_name(campaign)}报送数据质量报告"
    first_rows = results.rejects.groupby("township", sort=False, dropna=False).head(
        QUALITY_ROWS_PER_TOWNSHIP
    )
    rows_by_township: dict[str, list[dict]] = {}
    for row in frame_rows(first_rows):
        rows_by_township.setdefault(row["township"], []).append(row)
    reasons_by_township: dict[str, list[dict]] = {}
    for reason in frame_rows(results.reject_summary):
        reasons_by_township.setdefault(reason["township"], []).append(reason)
    groups = [
        {
            "township": township,
            "rejects": reasons[0]["township_rejects"],
            "reasons": reasons,
            "rows": rows_by_township.get(township, []),
            "more": reasons[0]["township_rejects"] - len(rows_by_township.get(township, [])),
        }
        for township, reasons in reasons_by_township.items()
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
