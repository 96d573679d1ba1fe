"""排名表 of a 惠民保 campaign (ranking_report.html): the townships ranked with targets,
enrolled, rates, gaps and progress against time, the county row and the charts."""

from __future__ import annotations

import datetime

import pandas as pd

from flows.render.charts import (
    COUNTY_TREND,
    TOWNSHIP_TREND,
    level_chart,
    trend_chart,
    trend_series,
)
from flows.render.context import (
    REPORTED,
    common_context,
    frame_rows,
    program_name,
    target_levels,
    to_python,
)

# Columns of mart_township_progress beyond the coverage; absent ones read as unknown.
PROGRESS_COLUMNS = (
    "time_progress",
    "progress_class",
    "increase_since_previous",
    "increase_since_circular",
    "previous_rank",
    "rank_change",
)
BEHIND_TIME = "落后时序"
COMPLETED = "已完成"


def township_rows(coverage: pd.DataFrame, levels: list[dict]) -> list[dict]:
    """Coverage rows for the ranking tables, with completion of each target level."""
    rows = []
    for row in frame_rows(coverage):
        row["reported"] = row["status"] == REPORTED
        for column in PROGRESS_COLUMNS:
            row.setdefault(column, None)
        for level in levels:
            target = row.get(level["column"]) or 0
            row[f"completion_{level['key']}"] = row["enrolled"] / target if target else None
        rows.append(row)
    return rows


def ranking_context(
    campaign: dict,
    as_of: datetime.date,
    coverage: pd.DataFrame,
    county: dict,
    trend: pd.DataFrame | None = None,
) -> dict:
    """排名表: every township with rank, targets, enrolled, rate, gaps and progress against
    time; the county total; the rate chart and the trend charts (county, then townships)."""
    info = campaign["campaign"]
    levels = target_levels(campaign)
    title = f"{info['year']}年{info['county']}{program_name(campaign)}参保进度排名表"
    rows = township_rows(coverage, levels)
    county_row = {key: to_python(value) for key, value in county.items()}
    for level in levels:
        key = f"completion_{level['key']}"
        if key not in county_row:
            target = county_row.get(level["column"]) or 0
            county_row[key] = county_row["enrolled"] / target if target else None
    time_progress = county_row.get("time_progress")
    if time_progress is None:
        time_progress = next(
            (row["time_progress"] for row in rows if row["time_progress"] is not None), None
        )
    county_row["time_progress"] = time_progress
    county_row.setdefault("progress_class", county_progress(county_row, levels[0], time_progress))
    for key in ("increase_since_previous", "increase_since_circular"):
        county_row.setdefault(key, None)
    series = trend_series(trend, as_of, coverage, county_row, levels[0])
    context = common_context(campaign, as_of, title)
    context.update(
        title=title,
        rows=rows,
        county=county_row,
        floor=levels[0],
        stretch=levels[-1],
        chart=level_chart(rows, levels),
        time_progress=time_progress,
        trend_dates=series["dates"],
        previous_date=series["dates"][-2] if len(series["dates"]) > 1 else None,
        county_trend=trend_chart(series["county"], series["dates"], campaign, COUNTY_TREND),
        township_trends=[
            trend_chart(one, series["dates"], campaign, TOWNSHIP_TREND)
            for one in series["townships"]
        ],
    )
    return context


def county_progress(county: dict, floor: dict, time_progress: float | None) -> str | None:
    """The county's 进度 cell, classified as mart_township_progress classifies townships."""
    completion = county.get(f"completion_{floor['key']}")
    if completion is None:
        return None
    if completion >= 1:
        return COMPLETED
    if time_progress is None:
        return None
    return "超时序" if completion >= time_progress else BEHIND_TIME
