"""任务表 (assignment_table.html): each township's base and its target at every level."""

from __future__ import annotations

import datetime

import pandas as pd

from flows.render.context import TOTAL_LABEL, common_context, frame_rows, program_name


def assignment_context(campaign: dict, as_of: datetime.date, targets: pd.DataFrame) -> dict:
    """任务表: one row per township in the given order, the 合计 row last."""
    info = campaign["campaign"]
    title = f"{info['year']}年度{info['county']}{program_name(campaign)}参保任务表"
    rows = frame_rows(targets)
    total = [row for row in rows if row["township"] == TOTAL_LABEL]
    townships = [row for row in rows if row["township"] != TOTAL_LABEL]
    context = common_context(campaign, as_of, title)
    context.update(
        title=title,
        base_heading=f"{info['year']}年基本医保参保人数",
        rows=townships,
        total=total[0] if total else None,
    )
    return context
