"""Render what officials read as PDF: 任务表, 排名表, 通报 (progress circular), 随访名单.

Two campaign kinds: 惠民保 ("puhui": targets as a share of a base, ``render_reports``) and
基本医保全民参保 ("basic": rate of the registered population, ``render_basic_reports`` and
``render_followup_list``). Both 通报 extend one GB/T 9704 frame (circular_base.html).

Templates live in report_templates/ (one per document, CSS split into fonts / variables /
page rules / style). This module only builds the Jinja contexts and calls WeasyPrint.
Output is deterministic: PDF dates come from ``as_of``, never from the clock.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import math
import multiprocessing
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import weasyprint
from weasyprint.text.fonts import FontConfiguration

from flows.settings import Settings

OUTPUT_FILES = {
    "assignment_table": "任务表.pdf",
    "ranking": "排名表.pdf",
    "circular": "通报.pdf",
    "quality": "数据质量.pdf",
}
TEMPLATES = {
    "assignment_table": "assignment_table.html",
    "ranking": "ranking_report.html",
    "circular": "circular.html",
    "quality": "quality_report.html",
}
BASIC_TEMPLATES = {
    "ranking": "basic_ranking_report.html",
    "circular": "basic_circular.html",
}
FOLLOWUP_TEMPLATE = "followup_list.html"
FOLLOWUP_FILE = "随访名单_{township}.pdf"
REPORTED = "已报送"
NOT_REPORTED = "未报送"
FILE_ERROR = "文件错误"
TOTAL_LABEL = "合计"
TOP_COUNT = 3
# 通报 (basic kind): how many townships with the most unenrolled people are named;
# a campaign may override it with circular.top_unenrolled.
TOP_UNENROLLED = 3


# --- Jinja filters -----------------------------------------------------------------------


def format_percent(fraction: Any, digits: int = 2) -> str:
    """0.23456 -> '23.46%' (half up on the shown digit, as officials compute by hand)."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return "—"
    if fraction is pd.NA:
        return "—"
    value = Decimal(str(fraction)) * 100
    quantum = Decimal(1).scaleb(-digits)
    return f"{value.quantize(quantum, rounding='ROUND_HALF_UP')}%"


def format_count(value: Any) -> str:
    """Integer counts without thousands separators (government tables don't use them)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return str(int(value))


def format_rate_label(rate: Any) -> str:
    """Configured rate '0.20' -> '20%' (no trailing zeros)."""
    value = Decimal(str(rate)) * 100
    text = format(value.normalize(), "f")
    return f"{text}%"


def format_date_full(day: datetime.date) -> str:
    """2024-11-13 -> '2024年11月13日' (Arabic numerals, no zero padding, GB/T 9704-2012)."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_date_short(day: datetime.date) -> str:
    """2024-11-13 -> '11月13日'."""
    return f"{day.month}月{day.day}日"


CHINESE_DIGITS = "零一二三四五六七八九"


def format_chinese_number(value: int) -> str:
    """1..99 -> '一'..'九十九' (counts in running text: 前三位, （一）); larger stay Arabic."""
    value = int(value)
    if not 0 < value < 100:
        return str(value)
    tens, units = divmod(value, 10)
    text = "" if tens == 0 else ("十" if tens == 1 else CHINESE_DIGITS[tens] + "十")
    return text + (CHINESE_DIGITS[units] if units else "")


def join_names(names: list[str]) -> str:
    """['甲', '乙'] -> '甲、乙'."""
    return "、".join(names)


FILTERS = {
    "pct": format_percent,
    "count": format_count,
    "rate_label": format_rate_label,
    "date_full": format_date_full,
    "date_short": format_date_short,
    "join_names": join_names,
    "cn_num": format_chinese_number,
}


# --- Environment: templates, fonts, stylesheets (built once per folder pair) ----------------


@dataclass(frozen=True)
class Renderer:
    env: jinja2.Environment
    font_config: FontConfiguration
    fonts_css: weasyprint.CSS
    base_url: str


@lru_cache(maxsize=4)
def get_renderer(templates_dir: Path, fonts_dir: Path) -> Renderer:
    """Jinja environment plus a FontConfiguration with the @font-face rules loaded once."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    font_config = FontConfiguration()
    # fonts.css is a template: the generated TrueType faces sit in settings.fonts_dir,
    # which deployments may move (CANBAO_FONTS), so their URL is filled in here.
    fonts_css_text = env.get_template("css/fonts.css").render(
        fonts_url=Path(fonts_dir).resolve().as_uri()
    )
    fonts_css = weasyprint.CSS(
        string=fonts_css_text, base_url=str(templates_dir) + "/", font_config=font_config
    )
    return Renderer(env, font_config, fonts_css, str(templates_dir) + "/")


# --- Contexts -------------------------------------------------------------------------------


def program_name(campaign: dict) -> str:
    """The quoted programme name from the title ('“三明普惠医联保”'), else the short title."""
    info = campaign["campaign"]
    match = re.search(r"“[^”]+”", info.get("title", ""))
    return match.group(0) if match else info.get("short_title", "")


def target_levels(campaign: dict) -> list[dict]:
    """Configured target levels with column names and labels ('目标任务数（20%）')."""
    levels = []
    for level in campaign.get("targets", {}).get("levels", []):
        rate_label = format_rate_label(level["rate"])
        levels.append(
            {
                "key": level["key"],
                "label": level["label"],
                "rate": float(Decimal(str(level["rate"]))),
                "rate_label": rate_label,
                "column": f"target_{level['key']}",
                "gap_column": f"gap_{level['key']}",
                "heading": f"{level['label']}数（{rate_label}）",
            }
        )
    return levels


def to_python(value: Any) -> Any:
    """Numpy/pandas scalars -> plain Python (None for NA) so templates see ints and floats."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def frame_rows(frame: pd.DataFrame) -> list[dict]:
    """DataFrame -> list of plain dicts, in frame order."""
    return [
        {key: to_python(value) for key, value in record.items()}
        for record in frame.to_dict(orient="records")
    ]


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


def common_context(campaign: dict, as_of: datetime.date, doc_title: str) -> dict:
    """What every document shows: campaign, office, date, levels and PDF metadata."""
    info = campaign["campaign"]
    stamp = as_of.isoformat()
    return {
        "campaign": info,
        "office": campaign["office"],
        "program": program_name(campaign),
        "as_of": as_of,
        "levels": target_levels(campaign),
        "doc_title": doc_title,
        "meta": {
            "created": stamp,
            "modified": stamp,
            "author": campaign["office"]["issuing_office"],
        },
    }


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


CHART_BAR_COLOURS = ["#bfbfbf", "#5b9bd5", "#2e75b6"]
# Plot height the chart may use (px at 96 dpi) so that it fits one landscape page.
CHART_PLOT_HEIGHT = 460


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
        [row["rate"] or 0 for row in rows if row["reported"]] + [lv["rate"] for lv in lines]
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
    bar = pitch * 5 // 8
    return {
        "axis_min": axis_min,
        "axis_max": axis_max,
        "ticks": ticks,
        "pitch": pitch,
        "bar": bar,
        "label_dy": bar // 2 + 7,  # baseline of a 14 px label centred on the bar
        "bar_colours": CHART_BAR_COLOURS[: len(legend)],
        "legend": legend,
    }


def level_chart(rows: list[dict], levels: list[dict]) -> dict:
    """惠民保 chart: 0-based axis in 10-point steps, one reference line per target level."""
    legend = [f"未完成{levels[0]['label']}", f"已完成{levels[0]['label']}"]
    legend.append(f"已完成{levels[-1]['label']}")
    return chart_geometry(rows, levels, legend)


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


def trend_series(
    trend: pd.DataFrame | None,
    as_of: datetime.date,
    coverage: pd.DataFrame,
    county: dict,
    floor: dict,
) -> dict:
    """mart_trend as chart series: the run dates, the county (合计) and each township in the
    ranking order, each with its (date, enrolled) points and latest floor target. Without a
    trend, the as-of coverage alone (one point per chart)."""
    if trend is None or trend.empty:
        rows = [
            {"as_of": as_of, "township": row["township"], "enrolled": row["enrolled"],
             "target": row.get(floor["column"]), "reported": row["status"] != NOT_REPORTED}
            for row in frame_rows(coverage)
        ]  # fmt: skip
        rows.append(
            {"as_of": as_of, "township": TOTAL_LABEL, "enrolled": county.get("enrolled"),
             "target": county.get(floor["column"]), "reported": True}
        )  # fmt: skip
    else:
        frame = trend.copy()
        frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
        frame = frame[frame["as_of"] <= as_of].sort_values(["township", "as_of"], kind="stable")
        rows = frame_rows(frame)
        for row in rows:
            row["reported"] = True
    dates = sorted({row["as_of"] for row in rows})
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
                if p["enrolled"] is not None and p["reported"]
            ],
            "target": targets[-1] if targets else None,
        }

    order = [row["township"] for row in frame_rows(coverage)]
    return {
        "dates": dates,
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


def pace_target(campaign: dict, day: datetime.date, target: float) -> float | None:
    """Where time progress (时序进度) puts the enrolled count on ``day``: target x elapsed."""
    window = campaign.get("window") or {}
    start, deadline = window.get("start"), window.get("deadline")
    if not isinstance(start, datetime.date) or not isinstance(deadline, datetime.date):
        return None
    share = ((day - start).days + 1) / ((deadline - start).days + 1)
    return target * min(max(share, 0.0), 1.0)


def trend_chart(series: dict, dates: list[datetime.date], campaign: dict, size: TrendSize) -> dict:
    """Pixel geometry of one trend chart: dates on x (by calendar day), enrolled on y from 0,
    the floor target as a horizontal line, the time-progress pace as a dashed line."""
    plot_w = size.width - size.left - size.right
    plot_h = size.height - size.top - size.bottom
    target = series["target"]
    pace = []
    if target is not None and dates:
        pace = [(day, pace_target(campaign, day, target)) for day in (dates[0], dates[-1])]
        pace = [] if pace[0][1] is None else pace
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


def circular_context(
    campaign: dict,
    as_of: datetime.date,
    coverage: pd.DataFrame,
    county: dict,
    doc_number: str | None,
) -> dict:
    """通报: the ranking context plus the sentences of a real circular."""
    context = ranking_context(campaign, as_of, coverage, county)
    rows = context["rows"]
    county_row = context["county"]
    floor_key = context["floor"]["key"]
    reported = [row for row in rows if row["reported"]]
    below_floor = [row for row in rows if (row.get(f"gap_{floor_key}") or 0) > 0]
    reached_floor = [row for row in reported if (row.get(f"gap_{floor_key}") or 0) == 0]
    time_progress = context["time_progress"]
    completion = county_row.get(f"completion_{floor_key}")
    lead = None
    if time_progress is not None and completion is not None:
        lead = Decimal(str(completion)) - Decimal(str(time_progress))
    context.update(circular_frame(campaign, as_of, doc_number, context["title"]))
    context.update(
        top=reported[:TOP_COUNT],
        below_floor=below_floor,
        reached_floor=reached_floor,
        behind_time=[row for row in rows if row["progress_class"] == BEHIND_TIME],
        ahead_time=[
            row
            for row in reported
            if row["progress_class"] not in (BEHIND_TIME, COMPLETED, None)
            and (row.get(f"gap_{floor_key}") or 0) > 0
        ],
        rank_up=[row for row in reported if str(row["rank_change"] or "").startswith("↑")],
        rank_down=[row for row in reported if str(row["rank_change"] or "").startswith("↓")],
        not_reported=[row for row in rows if row["status"] == NOT_REPORTED],
        file_errors=[row for row in rows if row["status"] == FILE_ERROR],
        increase=county_row.get("increase_since_circular"),
        time_lead=None if lead is None else abs(lead),
        time_ahead=None if lead is None else lead >= 0,
    )
    return context


def circular_frame(
    campaign: dict, as_of: datetime.date, doc_number: str | None, attachment_title: str
) -> dict:
    """What circular_base.html needs besides the body: title, number, requirements, date."""
    settings = campaign.get("circular", {})
    circular_title = (
        settings.get("title") or f"关于{campaign['campaign']['title']}工作进展情况的通报"
    )
    return {
        "circular_title": circular_title,
        "title_parts": title_parts(circular_title),
        "attachment_title": attachment_title,
        "doc_number": doc_number,
        "requirements": settings.get("requirements", []),
        "requirement_items": [requirement_parts(text) for text in settings.get("requirements", [])],
        "issue_date": as_of,
    }


REQUIREMENT_HEADING_MAX = 16  # characters of a lead phrase set as a 楷体 heading ("压实责任。")


def requirement_parts(text: str) -> dict:
    """'压实责任。各乡镇要……' -> heading '压实责任。' and the rest; no short lead, no heading."""
    text = str(text).strip()
    cut = text.find("。") + 1
    if 0 < cut <= REQUIREMENT_HEADING_MAX and "，" not in text[:cut] and cut < len(text):
        return {"heading": text[:cut], "text": text[cut:]}
    return {"heading": "", "text": text}


def title_parts(title: str) -> list[str]:
    """Split a long title between phrases: after its quoted programme name, else before 工作."""
    cut = title.rfind("”") + 1
    if not 0 < cut < len(title):
        cut = title.rfind("工作进展")
    if 0 < cut < len(title):
        return [title[:cut], title[cut:]]
    return [title]


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


# --- Basic insurance (基本医保全民参保) -----------------------------------------------------


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


def basic_circular_context(
    campaign: dict,
    as_of: datetime.date,
    coverage: pd.DataFrame,
    county: dict,
    doc_number: str | None,
) -> dict:
    """通报 (basic): county totals, townships below the county rate, the most unenrolled."""
    empty_villages = pd.DataFrame()
    context = basic_ranking_context(campaign, as_of, coverage, empty_villages, county)
    rows = context["rows"]
    reported = [row for row in rows if row["reported"]]
    top_unenrolled = campaign.get("circular", {}).get("top_unenrolled", TOP_UNENROLLED)
    most_unenrolled = sorted(reported, key=lambda row: -(row["unenrolled"] or 0))[:top_unenrolled]
    county_unenrolled = context["county"]["unenrolled"] or 0
    context.update(circular_frame(campaign, as_of, doc_number, context["title"]))
    context.update(
        top=reported[:TOP_COUNT],
        below=[row for row in rows if row["below"]],
        lowest=reported[-1] if reported else None,
        most_unenrolled=most_unenrolled,
        most_unenrolled_share=(
            sum(row["unenrolled"] or 0 for row in most_unenrolled) / county_unenrolled
            if county_unenrolled
            else None
        ),
        not_reported=[row for row in rows if row["status"] == NOT_REPORTED],
    )
    return context


# 随访名单 pagination. WeasyPrint lays out thousands of table cells slowly (8,000 people as
# one cell each: ~50 s), so the list is paginated here and each page's people are one
# block of text, a line per person, its fields at tab stops (tab-size: one column width in
# style.css, table.followup-list): a few seconds for 8,000. Every field fits one column except
# the identity number, which is fixed-width and spans two, so one tab always lands on the next
# column. Rows per page fit A4 portrait with the 7 mm rule of table.followup-list.
FOLLOWUP_ROWS_FIRST_PAGE = 31  # under the village heading
FOLLOWUP_ROWS_PER_PAGE = 33
FOLLOWUP_NAME_MAX = 4  # characters that fit one tab column; longer masked names are cut


def followup_line(number: int, person: dict) -> str:
    """One person as tab-separated fields: 序号, 姓名, 身份证号, 状态, 上年缴费情况."""
    name = str(person["name_masked"])
    if len(name) > FOLLOWUP_NAME_MAX:
        name = name[0] + "*" * (FOLLOWUP_NAME_MAX - 1)
    fields = [str(number), name, person["id_masked"], person["status"], person["last_year"]]
    return "\t".join(str(field).replace("\t", " ") for field in fields)


def followup_pages(members: pd.DataFrame) -> list[dict]:
    """One village's people cut into pages, each page's lines as one newline-joined text."""
    people = members[["name_masked", "id_masked", "status", "last_year"]].to_dict("records")
    pages = []
    start = 0
    while start < len(people):
        size = FOLLOWUP_ROWS_PER_PAGE if pages else FOLLOWUP_ROWS_FIRST_PAGE
        chunk = people[start : start + size]
        text = "\n".join(
            followup_line(start + offset + 1, person) for offset, person in enumerate(chunk)
        )
        pages.append({"first": not pages, "text": text})
        start += size
    return pages


def followup_context(
    campaign: dict, as_of: datetime.date, township: str, people: pd.DataFrame
) -> dict:
    """随访名单: per village the masked people to visit, with counts by status."""
    title = f"{township}基本医保未参保及断缴人员随访名单"
    groups = []
    for village, members in people.groupby("village", sort=False):
        counts = members["status"].value_counts()
        groups.append(
            {
                "village": village,
                "people": len(members),
                "unenrolled": int(counts.get("未参保", 0)),
                "lapsed": int(counts.get("断缴", 0)),
                "pages": followup_pages(members),
            }
        )
    context = common_context(campaign, as_of, f"{title}（截至{format_date_short(as_of)}）")
    context.update(
        title=title,
        township=township,
        groups=groups,
        total={
            "unenrolled": sum(group["unenrolled"] for group in groups),
            "lapsed": sum(group["lapsed"] for group in groups),
            "people": len(people),
        },
    )
    return context


# --- Rendering ------------------------------------------------------------------------------


@contextmanager
def source_date_epoch(day: datetime.date) -> Iterator[None]:
    """Pin SOURCE_DATE_EPOCH to ``day`` while rendering.

    fontTools stamps every font subset it saves (head.modified) with the current time
    unless SOURCE_DATE_EPOCH is set; without this, each render's PDF bytes would differ.
    """
    stamp = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(stamp.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def write_pdf(renderer: Renderer, template: str, context: dict, target: Path) -> Path:
    """Render one template to ``target``; rewrite the file only when its bytes change."""
    html = renderer.env.get_template(template).render(**context)
    with source_date_epoch(context["as_of"]):
        pdf = weasyprint.HTML(string=html, base_url=renderer.base_url).write_pdf(
            stylesheets=[renderer.fonts_css], font_config=renderer.font_config
        )
    if not (target.exists() and target.read_bytes() == pdf):
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(pdf)
        partial.replace(target)
    return target


def render_reports(
    campaign: dict,
    as_of: datetime.date,
    coverage: pd.DataFrame,
    targets: pd.DataFrame,
    county: dict,
    out_dir: Path,
    settings: Settings,
    doc_number: str | None = None,
    trend: pd.DataFrame | None = None,
    with_circular: bool = True,
) -> dict[str, Path]:
    """Write 任务表.pdf, 排名表.pdf and (``with_circular``) 通报.pdf into ``out_dir``; return
    their paths. ``trend`` (mart_trend) feeds the 排名表's trend charts; without it they show
    the as-of date alone. No 通报 means none is written: an earlier one is left alone."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    contexts = {
        "assignment_table": assignment_context(campaign, as_of, targets),
        "ranking": ranking_context(campaign, as_of, coverage, county, trend),
    }
    if with_circular:
        contexts["circular"] = circular_context(campaign, as_of, coverage, county, doc_number)
    return {
        name: write_pdf(renderer, TEMPLATES[name], context, out_dir / OUTPUT_FILES[name])
        for name, context in contexts.items()
    }


def render_quality_report(
    campaign: dict,
    as_of: datetime.date,
    summary: pd.DataFrame,
    rejects: pd.DataFrame,
    file_errors: list[dict],
    out_dir: Path,
    settings: Settings,
    conflicts: pd.DataFrame | None = None,
    notes: list[str] | None = None,
) -> Path:
    """Write 数据质量.pdf: what each township must fix and resend."""
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    context = quality_context(campaign, as_of, summary, rejects, file_errors, conflicts, notes)
    return write_pdf(
        renderer, TEMPLATES["quality"], context, Path(out_dir) / OUTPUT_FILES["quality"]
    )


def render_basic_reports(
    campaign: dict,
    as_of: datetime.date,
    coverage: pd.DataFrame,
    villages: pd.DataFrame,
    county: dict,
    out_dir: Path,
    settings: Settings,
    doc_number: str | None = None,
    with_circular: bool = True,
) -> dict[str, Path]:
    """Write 排名表.pdf and (``with_circular``) 通报.pdf of a basic-insurance campaign; return
    their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    contexts = {"ranking": basic_ranking_context(campaign, as_of, coverage, villages, county)}
    if with_circular:
        contexts["circular"] = basic_circular_context(campaign, as_of, coverage, county, doc_number)
    return {
        name: write_pdf(renderer, BASIC_TEMPLATES[name], context, out_dir / OUTPUT_FILES[name])
        for name, context in contexts.items()
    }


def render_followup_list(
    campaign: dict,
    as_of: datetime.date,
    township: str,
    people: pd.DataFrame,
    out_dir: Path,
    settings: Settings,
) -> Path:
    """Write 随访名单_<township>.pdf: the masked people village cadres visit, by village."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    context = followup_context(campaign, as_of, township, people)
    target = out_dir / FOLLOWUP_FILE.format(township=township)
    return write_pdf(renderer, FOLLOWUP_TEMPLATE, context, target)


def render_followup_lists(
    campaign: dict,
    as_of: datetime.date,
    lists: dict[str, pd.DataFrame],
    out_dir: Path,
    settings: Settings,
) -> Iterator[Path]:
    """Every township's follow-up list, one process per core; yields paths as they finish.

    Rendering is CPU-bound and WeasyPrint holds the GIL, so threads would not help; fresh
    (spawned) processes share nothing with the flow's own threads.
    """
    workers = min(len(lists), os.cpu_count() or 1)
    if workers <= 1:
        for township, people in lists.items():
            yield render_followup_list(campaign, as_of, township, people, out_dir, settings)
        return
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        # biggest lists first, so that no core is left with a long one at the end
        order = sorted(lists, key=lambda township: -len(lists[township]))
        futures = [
            pool.submit(
                render_followup_list, campaign, as_of, township, lists[township], out_dir, settings
            )
            for township in order
        ]
        for future in concurrent.futures.as_completed(futures):
            yield future.result()
