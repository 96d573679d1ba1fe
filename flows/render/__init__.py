"""Render what officials read as PDF: 任务表, 排名表, 通报 (progress circular), 数据质量, 随访名单;
as pictures for phones (phone): 排名表.png, and 通报.png of the circular's first page; and the
通报 as a Word document an office edits before it is stamped (circular_docx): 通报.docx.

A campaign's kind names its documents and their templates (flows/campaign_kinds); each
template has a module here, named after it, that builds its context from the Campaign and
the run's Results (flows/results): assignment_table, ranking_report (and the progress
context every ranking and circular shares), basic_ranking_report, circular, basic_circular,
quality_report, followup_list; charts, filters and context are shared; pdf turns a template
and a context into a PDF file. Both 通报 extend one GB/T 9704 frame (circular_base.html).
The 考核得分表 (assessment_report) is built from the scorecard, not the Results, and is
written by flows/assessment.assessment_outputs.

Templates live in report_templates/ (one per document, CSS split into fonts / variables /
page rules / style). Output is deterministic: PDF dates come from ``as_of``, never from the
clock. With a RenderCache (flows/render/cache.py), a document whose HTML, templates, fonts and
date are those of one rendered before is copied from the cache instead of rendered again; a
follow-up list shows the date of the register it is built from, so an unchanged township's
list is the same document night after night.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flows.config import Campaign
from flows.render.assignment_table import assignment_context
from flows.render.basic_circular import basic_circular_context
from flows.render.basic_ranking_report import basic_ranking_context
from flows.render.cache import RenderCache
from flows.render.circular import circular_context
from flows.render.circular_docx import render_docx
from flows.render.followup_list import followup_context
from flows.render.lists_context import hardship_followup, lists_context, unit_followup_lists
from flows.render.pdf import Rendered, get_renderer, html_of, render_html, render_pdf
from flows.render.person_list import hardship_list_context, unit_followup_context
from flows.render.phone import (
    basic_phone_ranking_context,
    phone_ranking_context,
    render_first_page,
    render_png,
)
from flows.render.quality_report import quality_context
from flows.render.ranking_report import ranking_context
from flows.results import Results
from flows.settings import Settings

OUTPUT_FILES = {
    "assignment_table": "任务表.pdf",
    "ranking": "排名表.pdf",
    "ranking_phone": "排名表.png",
    "circular": "通报.pdf",
    "circular_picture": "通报.png",
    "circular_docx": "通报.docx",
    "quality": "数据质量.pdf",
}
# picture for phones -> the document whose first page it shows, written when that one is
FIRST_PAGE_PICTURES = {"circular_picture": "circular"}
# editable document -> the document whose template and context it is written from
EDITABLE_DOCUMENTS = {"circular_docx": "circular"}
QUALITY_TEMPLATE = "quality_report.html"
# template -> the function that builds its context from (campaign, as_of, results)
CONTEXTS = {
    "assignment_table.html": assignment_context,
    "ranking_report.html": ranking_context,
    "circular.html": circular_context,
    "basic_ranking_report.html": basic_ranking_context,
    "basic_circular.html": basic_circular_context,
    "ranking_phone.html": phone_ranking_context,
    "basic_ranking_phone.html": basic_phone_ranking_context,
    QUALITY_TEMPLATE: quality_context,
}
PERSON_LIST_TEMPLATE = "person_list.html"
UNIT_FOLLOWUP_FILE = "单位未参保职工名单/未参保职工名单_{unit}.pdf"
HARDSHIP_LIST_FILE = "救助对象参保核查名单.pdf"
FOLLOWUP_TEMPLATE = "followup_list.html"
FOLLOWUP_FILE = "随访名单_{township}.pdf"


def render_documents(
    campaign: Campaign,
    as_of: datetime.date,
    results: Results,
    out_dir: Path,
    settings: Settings,
    cache: RenderCache | None = None,
) -> list[Rendered]:
    """Write the documents the campaign's kind names (flows/campaign_kinds) and 数据质量.pdf
    into ``out_dir``, PDFs and pictures for phones; the 通报 (and its picture) only when this
    run issues one (``results.doc_number``): an earlier one is then left alone. County-wide
    documents change with every date; ``cache`` still spares a rerun of a date rendering them
    again."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    documents = {**campaign.spec.documents, "quality": QUALITY_TEMPLATE}
    if results.doc_number is None:
        documents.pop("circular", None)
    extra = lists_context(campaign, results)  # units, channels, the hardship list
    rendered, contexts = [], {}
    for name, template in documents.items():
        target = out_dir / OUTPUT_FILES[name]
        write = render_png if target.suffix == ".png" else render_pdf
        contexts[name] = {**CONTEXTS[template](campaign, as_of, results), **extra}
        rendered.append(write(renderer, template, contexts[name], target, cache))
    for picture, name in FIRST_PAGE_PICTURES.items():
        if name in documents:
            pdf = out_dir / OUTPUT_FILES[name]
            rendered.append(render_first_page(pdf, out_dir / OUTPUT_FILES[picture], cache))
    for editable, name in EDITABLE_DOCUMENTS.items():
        if name in documents:
            template, context = documents[name], contexts[name]
            html = html_of(renderer, template, context)
            target = out_dir / OUTPUT_FILES[editable]
            fonts = campaign.docx_fonts
            rendered.append(render_docx(template, html, context, fonts, target, cache))
    return rendered


def render_list_documents(
    campaign: Campaign,
    as_of: datetime.date,
    results: Results,
    out_dir: Path,
    settings: Settings,
    cache: RenderCache | None = None,
) -> list[Rendered]:
    """The masked lists of the lists beside the rosters: per unit its staff not yet covered,
    and the hardship list's people to see to (only where there is someone on them)."""
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    jobs = [
        (unit_followup_context(campaign, as_of, unit, people), UNIT_FOLLOWUP_FILE.format(unit=unit))
        for unit, people in unit_followup_lists(results).items()
    ]
    hardship = hardship_followup(results)
    if hardship is not None:
        jobs.append((hardship_list_context(campaign, as_of, hardship), HARDSHIP_LIST_FILE))
    rendered = []
    for context, name in jobs:
        target = Path(out_dir) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        rendered.append(render_pdf(renderer, PERSON_LIST_TEMPLATE, context, target, cache))
    return rendered


def render_followup_list(
    campaign: Campaign,
    as_of: datetime.date,
    township: str,
    people: pd.DataFrame,
    out_dir: Path,
    settings: Settings,
    cache: RenderCache | None = None,
) -> Path:
    """Write 随访名单_<township>.pdf: the masked people village cadres visit, by village, as
    of ``as_of`` (the date of the register the list is built from)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    context = followup_context(campaign, as_of, township, people)
    target = out_dir / FOLLOWUP_FILE.format(township=township)
    return render_pdf(renderer, FOLLOWUP_TEMPLATE, context, target, cache).path


@dataclass(frozen=True)
class FollowupJob:
    """One follow-up list the cache did not hold: its HTML, date and file, sent to a worker."""

    html: str
    stamped: datetime.date
    target: Path
    key: str | None
    people: int


def render_followup_job(
    templates_dir: Path, fonts_dir: Path, job: FollowupJob, cache: RenderCache | None
) -> Rendered:
    """Render one job (in a worker process: the renderer is built once per process)."""
    renderer = get_renderer(templates_dir, fonts_dir)
    render_html(renderer, FOLLOWUP_TEMPLATE, job.html, job.stamped, job.target, cache, job.key)
    return Rendered(job.target)


def render_followup_lists(
    campaign: Campaign,
    as_of: datetime.date,
    lists: dict[str, pd.DataFrame],
    out_dir: Path,
    settings: Settings,
    *,
    dates: dict[str, datetime.date] | None = None,
    cache: RenderCache | None = None,
    workers: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[Rendered]:
    """Every township's follow-up list; yields each as it is written.

    A list shows the date ``dates`` gives its township (its register's; ``as_of`` for a
    township not named). Lists the cache holds are copied from it first, here; only the
    others are rendered, one process per core (or ``workers``), biggest first. Rendering is
    CPU-bound and WeasyPrint holds the GIL, so threads would not help; fresh (spawned)
    processes share nothing with the flow's own threads. ``meanwhile`` (the run's other
    documents) is called here once the lists are handed to the processes, so that this
    process renders while they do; before the lists when they are rendered here.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    templates_dir, fonts_dir = Path(settings.templates_dir), Path(settings.fonts_dir)
    renderer = get_renderer(templates_dir, fonts_dir)
    jobs = []
    for township, people in lists.items():
        stamped = (dates or {}).get(township, as_of)
        html = html_of(
            renderer, FOLLOWUP_TEMPLATE, followup_context(campaign, stamped, township, people)
        )
        target = out_dir / FOLLOWUP_FILE.format(township=township)
        key = cache.key(FOLLOWUP_TEMPLATE, html, stamped) if cache is not None else None
        if cache is not None and cache.fetch(key, target):
            yield Rendered(target, reused=True)
        else:
            jobs.append(FollowupJob(html, stamped, target, key, len(people)))
    # biggest lists first, so that no core is left with a long one at the end
    jobs.sort(key=lambda job: -job.people)
    workers = min(len(jobs), workers or os.cpu_count() or 1)
    if workers <= 1:
        if meanwhile is not None:
            meanwhile()
        for job in jobs:
            yield render_followup_job(templates_dir, fonts_dir, job, cache)
        return
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [
            pool.submit(render_followup_job, templates_dir, fonts_dir, job, cache) for job in jobs
        ]
        if meanwhile is not None:
            meanwhile()
        for future in concurrent.futures.as_completed(futures):
            yield future.result()
