"""排名表 of a 基本医保全民参保 campaign (basic_ranking_report.html): the Yongchun-style table
of rates of the registered population, a chart against the county rate, villages."""

from __future__ import annotations

import datetime
import math

import pandas as pd

from flows.render.charts import chart_geometry
from flows.render.context import FILE_ERROR, common_context, frame_rows, to_python
from flows.render.filters import format_percent

BASIC_COUNTS = (
    "registered",
    "enrolled_local",
    "enrolled_elsewhere",
    "enrolled",
    "unenrolled",
    "lapsed",
)


def basic_rows(coverage: pd.DataFrame, county_rate: float) -> list[dict]:
    """Coverage rows for the basic ranking: a township has data unless it sent nothing."""
    rows = []
    for row in frame_rows(coverage):
        row["reported"] = row["rank"] is not None and row["rate"] is not None
        row["below"] = row["reported"] and row["rate"] < county_rate
        rows.append(row)
    return rows


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


def basic_ranking_context(
    campaign: dict,
    as_of: datetime.date,
    coverage: pd.DataFrame,
    villages: pd.DataFrame,
    county: dict,
) -> dict:
    """排名表 (basic): the Yongchun-style table, a chart against the county rate, villages."""
    title = f"{campaign['campaign']['title']}进度排名表"
    county_row = {key: to_python(value) for key, value in county.items()}
    county_rate = county_row["rate"]
    rows = basic_rows(coverage, county_rate)
    county_line = {"rate": county_rate, "label": "全县", "rate_label": format_percent(county_rate)}
    rates = [row["rate"] for row in rows if row["reported"]] + [county_rate]
    # Rates sit close together (90%-97%): start the axis at a 5-point mark below the lowest.
    axis_min = max(0.0, math.floor((min(rates) - 0.01) * 20) / 20)
    chart = chart_geometry(
        rows,
        [county_line],
        ["低于全县参保率", "达到或高于全县参保率"],
        step=0.01 if 1 - axis_min <= 0.2 else 0.05,
        axis_min=axis_min,
        ceiling=1.0,
    )
    context = common_context(campaign, as_of, title)
    context.update(
        title=title,
        rows=rows,
        county=county_row,
        chart=chart,
        county_line=[county_line],
        village_groups=village_groups(villages, [row["township"] for row in rows], county_rate),
        file_errors=[row for row in rows if row["status"] == FILE_ERROR],
    )
    return context
