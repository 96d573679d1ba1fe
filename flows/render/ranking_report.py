"""排名表 (ranking_report.html, and what the other rankings and circulars share): the
townships ranked with targets, enrolled, rates, gaps and progress against time, by ranking
group; the county row; the trend charts; and who a circular names (mart_circular_mentions).

The numbers and the rules come from the SQL marts (flows/results.Results); this module only
arranges them for the templates."""

from __future__ import annotations

import datetime

from flows.config import TOWNSHIP_GROUP, Campaign
from flows.render.charts import (
    COUNTY_TREND,
    TOWNSHIP_TREND,
    level_chart,
    trend_chart,
    trend_series,
)
from flows.render.context import common_context, frame_rows, program_name, to_python
from flows.results import Results


def progress_context(
    campaign: Campaign, as_of: datetime.date, results: Results, title: str
) -> dict:
    """What every kind's 排名表 and 通报 show: the rows of each ranking group (townships
    first), the county row, time progress, the trend charts, and who a circular names."""
    levels = common_context(campaign, as_of, title)["levels"]
    rows = frame_rows(results.coverage)
    for row in rows:
        row["reported"] = row["rank"] is not None  # ranked: it sent data (文件错误 too)
    by_name = {row["township"]: row for row in rows}
    groups = [
        {"name": group, "rows": [row for row in rows if row["rank_group"] == group]}
        for group in dict.fromkeys([TOWNSHIP_GROUP, *(row["rank_group"] for row in rows)])
    ]
    county = {key: to_python(value) for key, value in results.county.items()}
    series = trend_series(results.marts["mart_trend"], [row["township"] for row in rows])
    dates, progress = series["dates"], series["time_progress"]
    context = common_context(campaign, as_of, title)
    context.update(
        title=title,
        rows=groups[0]["rows"],
        all_rows=rows,
        separate_groups=[group for group in groups[1:] if group["rows"]],
        county=county,
        floor=levels[0] if levels else None,
        stretch=levels[-1] if levels else None,
        time_progress=county["time_progress"],
        trend_dates=dates,
        previous_date=dates[-2] if len(dates) > 1 else None,
        county_trend=trend_chart(series["county"], dates, progress, COUNTY_TREND),
        township_trends=[
            trend_chart(one, dates, progress, TOWNSHIP_TREND) for one in series["townships"]
        ],
        named={
            mention: [by_name[name] for name in names]
            for mention, names in results.mentions.items()
        },
    )
    return context


def ranking_context(campaign: Campaign, as_of: datetime.date, results: Results) -> dict:
    """排名表 of a campaign with target levels: the rate chart with a line per level."""
    title = f"{campaign.year}年{campaign.county}{program_name(campaign)}参保进度排名表"
    context = progress_context(campaign, as_of, results, title)
    context["chart"] = level_chart(context["rows"], context["levels"])
    return context
