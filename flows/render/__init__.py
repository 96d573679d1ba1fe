"""Render what officials read as PDF: 任务表, 排名表, 通报 (progress circular), 数据质量, 随访名单.

A campaign's kind names its documents and their templates (flows/campaign_kinds); each
template has a module here, named after it, that builds its context from the Campaign and
the run's Results (flows/results): assignment_table, ranking_report (and the progress
context every ranking and circular shares), basic_ranking_report, circular, basic_circular,
quality_report, followup_list; charts, filters and context are shared; pdf turns a template
and a context into a PDF file. Both 通报 extend one GB/T 9704 frame (circular_base.html).

Templates live in report_templates/ (one per document, CSS split into fonts / variables /
page rules / style). Output is deterministic: PDF dates come from ``as_of``, never from the
clock.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from flows.config import Campaign
from flows.render.assignment_table import assignment_context
from flows.render.basic_circular import basic_circular_context
from flows.render.basic_ranking_report import basic_ranking_context
from flows.render.circular import circular_context
from flows.render.followup_list import followup_context
from flows.render.pdf import get_renderer, write_pdf
from flows.render.quality_report import quality_context
from flows.render.ranking_report import ranking_context
from flows.results import Results
from flows.settings import Settings

OUTPUT_FILES = {
    "assignment_table": "任务表.pdf",
    "ranking": "排名表.pdf",
    "circular": "通报.pdf",
    "quality": "数据质量.pdf",
}
QUALITY_TEMPLATE = "quality_report.html"
# template -> the function that builds its context from (campaign, as_of, results)
CONTEXTS = {
    "assignment_table.html": assignment_context,
    "ranking_report.html": ranking_context,
    "circular.html": circular_context,
    "basic_ranking_report.html": basic_ranking_context,
    "basic_circular.html": basic_circular_context,
    QUALITY_TEMPLATE: quality_context,
}
FOLLOWUP_TEMPLATE = "followup_list.html"
FOLLOWUP_FILE = "随访名单_{township}.pdf"


def render_documents(
    campaign: Campaign,
    as_of: datetime.date,
    results: Results,
    out_dir: Path,
    settings: Settings,
) -> list[Path]:
    """Write the documents the campaign's kind names (flows/campaign_kinds) and 数据质量.pdf
    into ``out_dir``; the 通报 only when this run issues one (``results.doc_number``): an
    earlier one is then left alone."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    documents = {**campaign.spec.documents, "quality": QUALITY_TEMPLATE}
    if results.doc_number is None:
        documents.pop("circular", None)
    return [
        write_pdf(
            renderer,
            template,
            CONTEXTS[template](campaign, as_of, results),
            out_dir / OUTPUT_FILES[name],
        )
        for name, template in documents.items()
    ]


def render_followup_list(
    campaign: Campaign,
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
    campaign: Campaign,
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
