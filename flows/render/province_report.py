"""The province's 排名表 (province_ranking_report.html) and 通报 (province_circular.html): the
counties ranked with their 设区市, the 设区市 summary and its rate chart; the 通报 in the
GB/T 9704 frame every 通报 shares (circular_base.html, flows/render/circular.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from flows.render.charts import chart_geometry
from flows.render.circular import circular_frame
from flows.render.context import frame_rows, program_name, to_python
from flows.render.filters import format_percent
from flows.render.pdf import get_renderer, write_pdf
from flows.settings import Settings

if TYPE_CHECKING:
    from flows.province_config import Province
    from flows.province_rollup import RollUp

OUTPUT_FILES = {"ranking": "排名表.pdf", "circular": "通报.pdf"}


def province_ranking_context(province: Province, as_of: datetime.date, rolled: RollUp) -> dict:
    """排名表: every county in ranking order, then the 设区市 and their rate chart."""
    title = f"{province.year}年{province.province}{program_name(province)}参保进度排名表"
    rows = frame_rows(rolled.counties)
    for row in rows:
        row["reported"] = row["status"] != "未汇总"
    cities = frame_rows(rolled.cities)
    total = {key: to_python(value) for key, value in rolled.province_row.items()}
    rate = total.get("rate")
    city_rows = [
        {"township": c["city"], "rate": c["rate"], "reported": c["rate"] is not None, "status": ""}
        for c in cities
    ]
    lines = [] if rate is None else [
        {"rate": rate, "label": "全省", "rate_label": format_percent(rate)}
    ]  # fmt: skip
    by_campaign = {c.campaign: c for c in province.counties}
    stamp = as_of.isoformat()
    return {
        "campaign": province,
        "office": province.office,
        "program": program_name(province),
        "as_of": as_of,
        "doc_title": title,
        "title": title,
        "meta": {"created": stamp, "modified": stamp, "author": province.office.issuing_office},
        "label": province.target_label,
        "rows": rows,
        "cities": cities,
        "total": total,
        "time_progress": total.get("time_progress"),
        "previous_date": rolled.previous_as_of,
        "missing": [
            {"city": by_campaign[k].city, "county": by_campaign[k].county, "reason": reason}
            for k, reason in rolled.missing.items()
        ],
        "city_rows": city_rows,
        "lines": lines,
        "chart": chart_geometry(city_rows, lines, ["低于全省参保率", "达到或高于全省参保率"]),
    }


def province_circular_context(province: Province, as_of: datetime.date, rolled: RollUp) -> dict:
    """通报: the ranking context, the frame, and who the circular names."""
    context = province_ranking_context(province, as_of, rolled)
    context.update(circular_frame(province, as_of, rolled.doc_number, context["title"]))
    ranked = [row for row in context["rows"] if row["reported"]]
    count = province.top_count
    total = context["total"]
    lead = None
    if total.get("time_progress") is not None and total.get("completion") is not None:
        lead = Decimal(str(total["completion"])) - Decimal(str(total["time_progress"]))
    context.update(
        top=ranked[:count],
        bottom=ranked[max(count, len(ranked) - count) :][::-1],  # never one named twice
        reached=[row for row in ranked if row["progress_class"] == "已完成"],
        behind=[row for row in ranked if row["progress_class"] == "落后时序"],
        time_lead=None if lead is None else abs(lead),
        time_ahead=None if lead is None else lead >= 0,
    )
    return context


def render_province_documents(
    province: Province,
    as_of: datetime.date,
    rolled: RollUp,
    out_dir: Path,
    settings: Settings,
) -> list[Path]:
    """排名表.pdf, and 通报.pdf when this run issues one (``rolled.doc_number``)."""
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    paths = [
        write_pdf(
            renderer,
            "province_ranking_report.html",
            province_ranking_context(province, as_of, rolled),
            out_dir / OUTPUT_FILES["ranking"],
        )
    ]
    if rolled.doc_number is not None:
        paths.append(
            write_pdf(
                renderer,
                "province_circular.html",
                province_circular_context(province, as_of, rolled),
                out_dir / OUTPUT_FILES["circular"],
            )
        )
    return paths
