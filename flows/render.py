"""Render the documents officials read: 任务表, 排名表 and 通报 (progress circular) as PDF.

Templates live in report_templates/ (one per document, CSS split into fonts / variables /
page rules / style). This module only builds the Jinja contexts and calls WeasyPrint.
Output is deterministic: PDF dates come from ``as_of``, never from the clock.
"""

from __future__ import annotations

import datetime
import math
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
REPORTED = "已报送"
TOTAL_LABEL = "合计"
TOP_COUNT = 3


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
    for level in campaign["targets"]["levels"]:
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


def township_rows(coverage: pd.DataFrame, levels: list[dict]) -> list[dict]:
    """Coverage rows for the ranking tables, with completion of each target level."""
    rows = []
    for row in frame_rows(coverage):
        row["reported"] = row["status"] == REPORTED
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
    campaign: dict, as_of: datetime.date, coverage: pd.DataFrame, county: dict
) -> dict:
    """排名表: every township with rank, targets, enrolled, rate and gaps; the county total."""
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
    context = common_context(campaign, as_of, title)
    context.update(
        title=title,
        rows=rows,
        county=county_row,
        floor=levels[0],
        stretch=levels[-1],
        chart=chart_geometry(rows, levels),
    )
    return context


def chart_geometry(rows: list[dict], levels: list[dict]) -> dict:
    """Axis maximum and ticks for the rate bar chart (fractions; 10-point steps)."""
    highest = max(
        [row["rate"] or 0 for row in rows if row["reported"]] + [lv["rate"] for lv in levels]
    )
    axis_max = max(0.1, math.ceil(highest * 10 + 1e-9) / 10)
    if axis_max - highest < 0.02:
        axis_max += 0.1
    ticks = [round(step / 10, 1) for step in range(0, round(axis_max * 10) + 1)]
    return {"axis_max": axis_max, "ticks": ticks}


def circular_context(
    campaign: dict,
    as_of: datetime.date,
    coverage: pd.DataFrame,
    county: dict,
    doc_number: str | None,
) -> dict:
    """通报: the ranking context plus the sentences of a real circular."""
    context = ranking_context(campaign, as_of, coverage, county)
    info = campaign["campaign"]
    settings = campaign.get("circular", {})
    rows = context["rows"]
    floor_key = context["floor"]["key"]
    reported = [row for row in rows if row["reported"]]
    below_floor = [row for row in rows if (row.get(f"gap_{floor_key}") or 0) > 0]
    reached_floor = [row for row in reported if (row.get(f"gap_{floor_key}") or 0) == 0]
    circular_title = settings.get("title") or f"关于{info['title']}工作进展情况的通报"
    context.update(
        circular_title=circular_title,
        title_parts=title_parts(circular_title),
        attachment_title=context["title"],
        doc_number=doc_number,
        top=reported[:TOP_COUNT],
        below_floor=below_floor,
        reached_floor=reached_floor,
        not_reported=[row for row in rows if row["status"] == "未报送"],
        file_errors=[row for row in rows if row["status"] == "文件错误"],
        requirements=settings.get("requirements", []),
        time_progress=to_python(county.get("time_progress")),
        issue_date=as_of,
    )
    return context


def title_parts(title: str) -> list[str]:
    """Split a long title after its quoted programme name so lines break between phrases."""
    cut = title.rfind("”") + 1
    if 0 < cut < len(title):
        return [title[:cut], title[cut:]]
    return [title]


def quality_context(
    campaign: dict,
    as_of: datetime.date,
    summary: pd.DataFrame,
    rejects: pd.DataFrame,
    file_errors: list[dict],
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
    context.update(title=title, summary=frame_rows(summary), groups=groups, file_errors=file_errors)
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
) -> dict[str, Path]:
    """Write 任务表.pdf, 排名表.pdf and 通报.pdf into ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    contexts = {
        "assignment_table": assignment_context(campaign, as_of, targets),
        "ranking": ranking_context(campaign, as_of, coverage, county),
        "circular": circular_context(campaign, as_of, coverage, county, doc_number),
    }
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
) -> Path:
    """Write 数据质量.pdf: what each township must fix and resend."""
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    context = quality_context(campaign, as_of, summary, rejects, file_errors)
    return write_pdf(
        renderer, TEMPLATES["quality"], context, Path(out_dir) / OUTPUT_FILES["quality"]
    )
