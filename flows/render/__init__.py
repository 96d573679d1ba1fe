"""Render what officials read as PDF: 任务表, 排名表, 通报 (progress circular), 随访名单.

Two campaign kinds: 惠民保 ("puhui": targets as a share of a base, ``render_reports``) and
基本医保全民参保 ("basic": rate of the registered population, ``render_basic_reports`` and
``render_followup_list``). Both 通报 extend one GB/T 9704 frame (circular_base.html).

Templates live in report_templates/ (one per document, CSS split into fonts / variables /
page rules / style). This package only builds the Jinja contexts and calls WeasyPrint: one
module per document, named after its template, builds that document's context
(assignment_table, ranking_report, basic_ranking_report, circular, basic_circular,
quality_report, followup_list) from the shared context, charts and filters modules; pdf turns
a template and a context into a PDF file. The entry points here choose the documents and
their file names. Output is deterministic: PDF dates come from ``as_of``, never from the clock.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from flows.render.assignment_table import assignment_context
from flows.render.basic_circular import basic_circular_context
from flows.render.basic_ranking_report import basic_ranking_context
from flows.render.circular import circular_context
from flows.render.followup_list import followup_context
from flows.render.pdf import get_renderer, write_pdf
from flows.render.quality_report import quality_context
from flows.render.ranking_report import ranking_context
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
