"""排名表 of a 基本医保全民参保 campaign (basic_ranking_report.html): the Yongchun-style table
of rates of the registered population, a chart against the county rate, villages."""

from __future__ import annotations

import datetime
import math

import pandas as pd

from flows.config import Campaign
from flows.render.charts import chart_geometry
from flows.render.context import frame_rows
from flows.render.filters import format_percent
from flows.render.ranking_report import progress_context
from flows.results import Results

BASIC_COUNTS = (
    "registered",
    "enrolled_local",
    "enrolled_elsewhere",
    "enrolled",
    "unenrolled",
    "lapsed",
)


def village_groups(villages: pd.DataFrame, order: list[str], county_rate: float) -> list[dict]:
    """Villages grouped by township (in ranking order), each group with its 小计 row."""
    if villages.empty:
        return []
    rows = frame_rows(villages)
    for row in rows:
        row["target"] = (row["unenrolled"] or 0) + (row["lapsed"] or 0)
        row["below"] = row["rate"] is not None and row["rate"] < county_rate
    by_township: dict[str, list[dict]] = {}
    for row in rows:
        by_township.setdefault(row["township"], []).append(row)
    groups = []
    for township in [t for t in order if t in by_township] + [
        t for t in by_township if t not in order
    ]:
        members = by_township[township]
        total = {key: sum(row[key] or 0 for row in members) for key in BASIC_COUNTS}
        total["target"] = total["unenrolled"] + total["lapsed"]
        total["rate"] = total["enrolled"] / total["registered"] if total["registered"] else None
        groups.append({"township": township, "villages": members, "total": total})
    return groups


def basic_ranking_context(campaign: Campaign, as_of: datetime.date, results: Results) -> dict:
    """排名表 (basic): the Yongchun-style table with change since the last run and time
    progress, a chart against the county rate, the trend charts, villages."""
    title = f"{campaign.title}进度排名表"
    context = progress_context(campaign, as_of, results, title)
    county_rate = context["county"]["rate"]
    below = {row["township"] for row in context["named"].get("below_county", [])}
    for row in context["all_rows"]:
        row["below"] = row["township"] in below
    rows = context["rows"]
    county_line = {"rate": county_rate, "label": "全县", "rate_label": format_percent(county_rate)}
    # a township whose file held no valid row is ranked but has no rate: no bar to fit
    rates = [row["rate"] for row in rows if row["rate"] is not None] + [county_rate or 0.0]
    # Rates sit close together (90%-97%): start the axis at a 5-point mark below the lowest.
    axis_min = max(0.0, math.floor((min(rates) - 0.01) * 20) / 20)
    chart = chart_geometry(
        rows,
        [county_line] if county_rate is not None else [],
        ["低于全县参保率", "达到或高于全县参保率"],
        step=0.01 if 1 - axis_min <= 0.2 else 0.05,
        axis_min=axis_min,
        ceiling=1.0,
    )
    villages = results.marts.get("mart_village_coverage", pd.DataFrame())
    context.update(
        chart=chart,
        county_line=[county_line] if county_rate is not None else [],
        village_groups=village_groups(
            villages, [row["township"] for row in context["all_rows"]], county_rate or 0.0
        ),
        file_errors=context["named"].get("file_error", []),
    )
    return context
