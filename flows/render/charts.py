"""The 排名表 charts as pixel geometry for the SVG macros (macros.html): the rate bar chart
of both kinds and the trend charts of both kinds."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

import pandas as pd

from flows.render.context import TOTAL_LABEL, frame_rows
from flows.render.filters import format_date_short

CHART_BAR_COLOURS = ["#bfbfbf", "#5b9bd5", "#2e75b6", "#1f4e79", "#10304f"]
# Plot height the chart may use (px at 96 dpi) so that it fits one landscape page.
CHART_PLOT_HEIGHT = 460
# The bar chart's box and type sizes in SVG units (px at 96 dpi) on a landscape page: the
# plot between the townships' names (left) and the rate after the longest bar (right).
PAGE_CHART_FRAME = {
    "width": 960, "left": 110, "right": 90, "top": 46, "font": 13, "name_font": 14,
    "legend_step": 200, "legend_per_row": 4, "tick_label_every": 1,
}  # fmt: skip
# On a phone the chart is drawn half as wide and shown at about two thirds of its size
# (90 mm page, flows/render/phone.py): type at 18-19 units reads as 9 pt, as the table does.
PHONE_CHART_FRAME = {
    "width": 480, "left": 88, "right": 68, "top": 60, "font": 18, "name_font": 19,
}  # fmt: skip
PHONE_CHART_PITCH = 36


def chart_geometry(
    rows: list[dict],
    lines: list[dict],
    legend: list[str],
    step: float = 0.1,
    axis_min: float = 0.0,
    ceiling: float | None = None,
) -> dict:
    """Axis, row pitch, bar colours and legend for the rate bar chart (rates as fractions).

    ``lines`` are the reference lines (each with a ``rate``); a bar takes the colour of the
    number of lines it reaches. The axis runs from ``axis_min`` in ``step`` steps up to the
    first step above the highest rate, with room for the value label after the bar.
    """
    highest = max(
        [row["rate"] or 0 for row in rows if row["reported"]] + [lv["rate"] for lv in lines],
        default=0.0,  # nothing sent yet and no line: an empty axis, not a failed run
    )
    steps = round(1 / step)
    axis_max = max(step, math.ceil(highest * steps + 1e-9) / steps)
    if axis_max - highest < 0.02:
        axis_max += step
    if ceiling is not None:
        axis_max = min(axis_max, ceiling)
    ticks = [
        round(k / steps, 4) for k in range(round(axis_min * steps), round(axis_max * steps) + 1)
    ]
    pitch = min(32, CHART_PLOT_HEIGHT // max(len(rows), 1))
    return {
        "axis_min": axis_min,
        "axis_max": axis_max,
        "ticks": ticks,
        **bar_rows(pitch, PAGE_CHART_FRAME),
        "bar_colours": CHART_BAR_COLOURS[: len(legend)],
        "legend": legend,
        "frame": PAGE_CHART_FRAME,
    }


def bar_rows(pitch: int, frame: dict) -> dict:
    """Row pitch, bar height and the baseline of a name label centred on its bar."""
    bar = pitch * 5 // 8
    return {"pitch": pitch, "bar": bar, "label_dy": bar // 2 + frame["name_font"] // 2}


def phone_chart(chart: dict) -> dict:
    """The same chart (axis, lines, colours) in a phone's frame: rows never squeezed, since a
    phone's page is as long as it needs, and only as many tick labels as fit side by side."""
    frame = dict(PHONE_CHART_FRAME)
    plot_w = frame["width"] - frame["left"] - frame["right"]
    label_w = 2.4 * frame["font"]  # "100%" and a gap
    frame["tick_label_every"] = max(1, math.ceil(len(chart["ticks"]) * label_w / plot_w))
    # legend entries side by side while they fit, else one under the other
    entry_w = 30 + frame["font"] * max((len(text) for text in chart["legend"]), default=0)
    frame["legend_step"] = entry_w
    frame["legend_per_row"] = max(1, (frame["width"] - frame["left"]) // entry_w)
    return {**chart, **bar_rows(PHONE_CHART_PITCH, frame), "frame": frame}


def level_chart(rows: list[dict], levels: list[dict]) -> dict:
    """Chart of a campaign with target levels: 0-based axis in 10-point steps, one reference
    line per level, a bar coloured by the highest level it reached."""
    legend = [f"未完成{levels[0]['label']}"] + [f"已完成{level['label']}" for level in levels]
    return chart_geometry(rows, levels, legend)


# --- Trend charts (排名表): enrolled by run date against the floor-target line -----------------


@dataclass(frozen=True)
class TrendSize:
    """Pixel box of one trend chart (96 dpi) and how many date labels its x axis can hold."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font: int
    date_labels: int


# The county chart fills a landscape page; 4 x 4 township charts fit one landscape page.
COUNTY_TREND = TrendSize(960, 430, 90, 150, 30, 50, 14, 10)
TOWNSHIP_TREND = TrendSize(232, 120, 44, 10, 14, 20, 10, 2)


def trend_series(trend: pd.DataFrame, order: list[str]) -> dict:
    """mart_trend as chart series: the run dates with their time progress, the county (合计)
    and each township in ``order``, each with its (date, enrolled) points and latest target
    of the first level."""
    frame = trend.copy()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    rows = frame_rows(frame.sort_values(["township", "as_of"], kind="stable"))
    dates = sorted({row["as_of"] for row in rows})
    progress = {row["as_of"]: row["time_progress"] for row in rows}
    by_township: dict[str, list[dict]] = {}
    for row in rows:
        by_township.setdefault(row["township"], []).append(row)

    def one(township: str, label: str) -> dict:
        points = by_township.get(township, [])
        targets = [p["target"] for p in points if p.get("target") is not None]
        return {
            "township": label,
            "points": [
                {"as_of": p["as_of"], "enrolled": p["enrolled"]}
                for p in points
                if p["enrolled"] is not None
            ],
            "target": targets[-1] if targets else None,
        }

    return {
        "dates": dates,
        "time_progress": progress,
        "county": one(TOTAL_LABEL, "全县"),
        "townships": [one(township, township) for township in order],
    }


def nice_step(span: float, count: int) -> float:
    """A 1-2-2.5-5 step that cuts ``span`` into at most about ``count`` intervals."""
    raw = max(span, 1) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= raw:
            return max(1, multiple * magnitude)
    return 10 * magnitude


def date_ticks(dates: list[datetime.date], count: int) -> list[datetime.date]:
    """At most ``count`` dates to label, evenly picked, always the first and the last."""
    if len(dates) <= count:
        return list(dates)
    if count <= 2:
        return [dates[0], dates[-1]]
    picks = {round(k * (len(dates) - 1) / (count - 1)) for k in range(count)}
    return [dates[k] for k in sorted(picks)]


def trend_chart(
    series: dict, dates: list[datetime.date], time_progress: dict, size: TrendSize
) -> dict:
    """Pixel geometry of one trend chart: dates on x (by calendar day), enrolled on y from 0,
    the floor target as a horizontal line, the time-progress pace as a dashed line."""
    plot_w = size.width - size.left - size.right
    plot_h = size.height - size.top - size.bottom
    target = series["target"]
    pace = []
    if target is not None and dates:
        # where time progress (时序进度, mart_trend) puts the enrolled count: target x elapsed
        pace = [(day, target * time_progress[day]) for day in (dates[0], dates[-1])]
    values = [p["enrolled"] for p in series["points"]] + ([target] if target else [])
    values += [value for _, value in pace]
    highest = max([*values, 1])
    step = nice_step(highest * 1.08, 4 if size.height < 200 else 6)
    y_max = math.ceil(highest * 1.08 / step) * step
    first, last = (dates[0], dates[-1]) if dates else (None, None)
    days = (last - first).days if dates else 0

    def x_of(day: datetime.date) -> float:
        if not days:
            return size.left + plot_w / 2
        return size.left + plot_w * (day - first).days / days

    def y_of(value: float) -> float:
        return size.top + plot_h * (1 - value / y_max)

    points = [
        {"x": round(x_of(p["as_of"]), 1), "y": round(y_of(p["enrolled"]), 1), **p}
        for p in series["points"]
    ]
    ticks = []
    value = 0.0
    while value <= y_max + 1e-9:
        ticks.append({"value": int(value), "y": round(y_of(value), 1)})
        value += step
    return {
        **series,
        "size": size,
        "plot_w": plot_w,
        "plot_h": plot_h,
        "points": points,
        "polyline": " ".join(f"{p['x']:.1f},{p['y']:.1f}" for p in points),
        "last": points[-1] if points else None,
        "target_y": round(y_of(target), 1) if target is not None else None,
        "pace": [{"x": round(x_of(day), 1), "y": round(y_of(v), 1)} for day, v in pace]
        if len(dates) > 1
        else [],
        "y_ticks": ticks,
        "x_ticks": [
            {"x": round(x_of(day), 1), "label": format_date_short(day)}
            for day in date_ticks(dates, size.date_labels)
        ],
    }
