"""数据质量 (quality_report.html): what each township must fix and resend."""

from __future__ import annotations

import datetime

import pandas as pd

from flows.render.context import common_context, frame_rows, program_name


def quality_context(
    campaign: dict,
    as_of: datetime.date,
    summary: pd.DataFrame,
    rejects: pd.DataFrame,
    file_errors: list[dict],
    conflicts: pd.DataFrame | None = None,
    notes: list[str] | None = None,
) -> dict:
    """数据质量: per township the rows set aside (identity numbers already masked)."""
    info = campaign["campaign"]
    title = f"{info['year']}年{info['county']}{program_name(campaign)}报送数据质量报告"
    rows = frame_rows(rejects)
    groups = [
        {"township": township, "rows": [r for r in rows if r["township"] == township]}
        for township in dict.fromkeys(r["township"] for r in rows)
    ]
    context = common_context(campaign, as_of, title)
    context.update(
        title=title,
        summary=frame_rows(summary),
        groups=groups,
        file_errors=file_errors,
        conflicts=frame_rows(conflicts) if conflicts is not None else [],
        notes=notes or [],
    )
    return context
