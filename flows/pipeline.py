"""The campaign flow: ingest → validate → compute → render → write, as Prefect tasks.

No `from __future__ import annotations` here: Prefect validates flow parameters from
the real annotations (a string "date" fails when a scheduled run starts).
"""

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from flows import store
from flows.assessment import assessment_outputs
from flows.config import Campaign, load_campaign
from flows.ingest import FileResult, ingest_file, known_hashes, read_base_table, survey_drop_zone
from flows.lists import Lists, read_lists, replace_lists
from flows.outputs import (
    followup_dates,
    followup_lists,
    headline,
    write_manifest,
    write_tables_of,
)
from flows.results import Results, run_results, with_units
from flows.settings import Settings, get_settings
from flows.text import one_line
from schemas.lists import LISTS


@dataclass
class RunSummary:
    campaign: str
    as_of: date
    out_dir: Path
    status: str  # complete | partial
    files: list[FileResult] = field(default_factory=list)
    county: dict = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)
    doc_number: str | None = None


@task(cache_policy=NO_CACHE)
def read_campaign(name: str) -> Campaign:
    """Load campaigns/<name>.toml."""
    return load_campaign(name, get_settings())


@task(cache_policy=NO_CACHE)
def load_bases(campaign: Campaign) -> list[str]:
    """Read the base table and replace the campaign's bases in DuckDB."""
    table = read_base_table(campaign)
    with store.connect(get_settings()) as con:
        store.replace_bases(con, campaign.name, with_units(campaign, table.bases))
    for warning in table.warnings:
        get_run_logger().warning(warning)
    return table.warnings


@task(cache_policy=NO_CACHE)
def load_lists(campaign: Campaign, as_of: date) -> Lists:
    """Read the lists beside the rosters (units' staff, families, the hardship list) in
    force on the as-of date and replace the campaign's in DuckDB."""
    settings = get_settings()
    logger = get_run_logger()
    lists = read_lists(campaign, settings.raw_dir / campaign.name, as_of)
    with store.connect(settings) as con:
        replace_lists(con, campaign.name, lists)
    for entry in lists.files:
        label = LISTS[entry.kind].label
        if entry.status == "loaded":
            logger.info(
                "%s %s：读取 %d 行，有效 %d 行，剔除 %d 行",
                label,
                one_line(entry.file_name),
                entry.rows_read,
                entry.rows_loaded,
                entry.rows_rejected,
            )
        elif entry.status == "replaced":
            logger.info("%s %s：已被后报送的名单替换", label, one_line(entry.file_name))
    for warning in lists.warnings:
        logger.warning(one_line(warning))
    return lists


@task(cache_policy=NO_CACHE)
def ingest_extracts(campaign: Campaign) -> list[FileResult]:
    """Load every new extract in the drop zone, one transaction per file."""
    settings = get_settings()
    logger = get_run_logger()
    today = default_as_of(campaign.timezone, 0)  # file names dated later are typos
    zone = survey_drop_zone(settings.raw_dir / campaign.name)
    paths = zone.extracts
    logger.info("发现 %d 个乡镇报送文件（%s）", len(paths), settings.raw_dir / campaign.name)
    for entry in zone.skipped:
        logger.info("未读取：%s", entry.reason)
    results = []
    with store.connect(settings) as con, store.transaction(con):
        known = known_hashes(con, campaign.name)
        for number, path in enumerate(paths, start=1):
            result = ingest_file(
                con, campaign, path, settings.archive_dir / campaign.name, known, today
            )
            results.append(result)
            if result.status == "file_error":
                logger.warning("[%d/%d] %s", number, len(paths), one_line(result.error or ""))
            elif result.status == "loaded":
                replaced = "".join(
                    f"，替换此前文件 {one_line(r['file_name'])}" for r in result.replaced
                )
                logger.info(
                    "[%d/%d] %s：读取 %d 行，入库 %d 行，剔除 %d 行%s",
                    number,
                    len(paths),
                    one_line(path.name),
                    result.rows_read,
                    result.rows_loaded,
                    result.rows_rejected,
                    replaced,
                )
                for warning in result.warnings:
                    logger.warning(one_line(warning))
    skipped = sum(r.status == "already_loaded" for r in results)
    if skipped:
        logger.info("%d 个文件此前已入库且内容未变，本次不重复计入", skipped)
    return results + zone.skipped


@task(cache_policy=NO_CACHE)
def compute_coverage(
    campaign: Campaign,
    as_of: date,
    files: list[FileResult],
    circular: bool,
    base_notes: list[str],
) -> Results:
    """Run the campaign's SQL models, keep the snapshot, number the circular if one is due."""
    file_errors = [
        {"township": f.township, "file_name": f.file_name, "error": f.error}
        for f in files
        if f.status == "file_error"
    ]
    with store.connect(get_settings()) as con:
        return run_results(
            con,
            get_settings(),
            campaign,
            as_of,
            circular=circular,
            base_notes=base_notes,
            file_errors=file_errors,
        )


@dataclass
class Renders:
    """The PDFs a run wrote, and per kind how many were rendered and how many reused."""

    paths: list[Path]
    counts: dict[str, int]


@task(cache_policy=NO_CACHE)
def render_pdfs(campaign: Campaign, as_of: date, results: Results, out_dir: Path) -> Renders:
    """Render the campaign kind's documents, the 数据质量 report and any follow-up lists; a
    document the render cache holds (the same content rendered before) is copied from it."""
    from flows import render
    from flows.render.cache import RenderCache

    settings = get_settings()
    logger = get_run_logger()
    cache = RenderCache.open(
        settings.cache_dir / "renders", settings.templates_dir, settings.fonts_dir
    )
    documents: list = []
    counts: dict[str, int] = {}

    def render_documents() -> None:
        documents.extend(
            render.render_documents(campaign, as_of, results, out_dir, settings, cache)
            + render.render_list_documents(campaign, as_of, results, out_dir, settings, cache)
        )
        reused = sum(d.reused for d in documents)
        counts.update(documents_rendered=len(documents) - reused, documents_reused=reused)
        logger.info(
            "文书 %d 份：新生成 %d 份，内容未变沿用 %d 份",
            len(documents),
            len(documents) - reused,
            reused,
        )

    followups = []
    if "mart_followup" not in results.marts:
        render_documents()
    else:  # the documents are rendered here while other processes lay out the lists
        followup = results.marts["mart_followup"]
        lists = followup_lists(followup, campaign.followup_names)
        started = time.perf_counter()
        for number, done in enumerate(
            render.render_followup_lists(
                campaign,
                as_of,
                lists,
                out_dir / "随访名单",
                settings,
                dates=followup_dates(followup),
                cache=cache,
                meanwhile=render_documents,
            ),
            start=1,
        ):
            note = "（内容未变，沿用）" if done.reused else ""
            logger.info("[%d/%d] 随访名单：%s%s", number, len(lists), done.path.name, note)
            followups.append(done)
        reused = sum(f.reused for f in followups)
        counts.update(followup_rendered=len(followups) - reused, followup_reused=reused)
        logger.info(
            "随访名单 %d 份：新生成 %d 份，内容未变沿用 %d 份，用时 %.1f 秒",
            len(followups),
            len(followups) - reused,
            reused,
            time.perf_counter() - started,
        )
    paths = [d.path for d in documents] + sorted(f.path for f in followups)
    return Renders(paths, counts)


@task(cache_policy=NO_CACHE)
def write_tables(campaign: Campaign, results: Results, as_of: date, out_dir: Path) -> list[Path]:
    """Write the CSV files and workbooks beside the PDFs."""
    return write_tables_of(campaign, results, as_of, out_dir)


@task(cache_policy=NO_CACHE)
def score_assessment(
    campaign: Campaign, results: Results, as_of: date, out_dir: Path
) -> tuple[list[Path], list[str]]:
    """考核评分: the blank form, the filled form read back, the scorecard (PDF, workbook)."""
    settings = get_settings()
    paths, warnings = assessment_outputs(
        campaign,
        results.marts["mart_assessment_computed"],
        settings.raw_dir / campaign.name,
        out_dir,
        as_of,
        settings,
    )
    for warning in warnings:
        get_run_logger().warning(one_line(warning))
    return paths, warnings


def run_dir(settings: Settings, campaign: str, as_of: date) -> Path:
    path = settings.out_dir / campaign / as_of.isoformat()
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_as_of(timezone: str, days_back: int) -> date:
    """Today, or days_back days before, in the campaign's own time zone."""
    return datetime.now(ZoneInfo(timezone)).date() - timedelta(days=days_back)


@flow(name="canbao-campaign", log_prints=False)
def run_campaign(
    campaign_name: str,
    as_of: date | None = None,
    days_back: int = 0,
    circular: bool | None = None,
) -> RunSummary:
    """One run of a campaign for one as-of date (default: today in the campaign's time zone).

    A circular (通报) is issued on the days the campaign's cadence calls for, or when asked.
    Runs on one database take turns: a run waits for the one before it (store.run_lock).
    """
    try:
        with store.run_lock(get_settings(), on_wait=get_run_logger().warning):
            return run_steps(campaign_name, as_of, days_back, circular)
    except store.RunBusy as busy:
        return Failed(message=str(busy))  # one line for the official, not a traceback


def run_steps(
    campaign_name: str, as_of: date | None, days_back: int, circular: bool | None
) -> RunSummary:
    """The flow's tasks in order, each timed for the manifest."""
    clock: dict[str, float] = {}

    def timed(step: str, fn, *args):
        started = time.perf_counter()
        value = fn(*args)
        clock[step] = time.perf_counter() - started
        return value

    campaign = timed("read_campaign", read_campaign, campaign_name)
    as_of = as_of or default_as_of(campaign.timezone, days_back)
    warnings = timed("load_bases", load_bases, campaign)
    files = timed("ingest_extracts", ingest_extracts, campaign)
    lists = timed("load_lists", load_lists, campaign, as_of)
    if circular is None:
        circular = campaign.is_circular_day(as_of)
    results = timed(
        "compute_coverage", compute_coverage, campaign, as_of, files, circular, warnings
    )
    out_dir = run_dir(get_settings(), campaign.name, as_of)
    renders = timed("render_pdfs", render_pdfs, campaign, as_of, results, out_dir)
    tables = timed("write_tables", write_tables, campaign, results, as_of, out_dir)
    scored, score_notes = [], []
    if campaign.assessment is not None:
        scored, score_notes = timed(
            "score_assessment", score_assessment, campaign, results, as_of, out_dir
        )
    failed = [f for f in files if f.status == "file_error"]
    status = "partial" if failed else "complete"
    write_manifest(
        out_dir,
        campaign=campaign.name,
        as_of=as_of,
        status=status,
        inputs=files,
        outputs=tables + renders.paths + scored,
        step_seconds=clock,
        step_counts={"render_pdfs": renders.counts},
        warnings=warnings
        + [w for f in files for w in f.warnings]
        + [f.error for f in failed]
        + lists.warnings
        + score_notes,
        lists=[entry.manifest_entry for entry in lists.files],
    )
    get_run_logger().info("%s；结果在 %s", headline(as_of, results.county), out_dir)
    return RunSummary(
        campaign.name, as_of, out_dir, status, files, results.county, clock, results.doc_number
    )
