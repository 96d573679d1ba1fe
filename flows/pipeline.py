"""The campaign flow: ingest → validate → compute → render → write, as Prefect tasks."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import store
from flows.config import Campaign, load_campaign
from flows.ingest import FileResult, discover_extracts, ingest_file, known_hashes, read_base_table
from flows.outputs import (
    percent,
    rejects_for_people,
    write_conflicts_csv,
    write_coverage_csv,
    write_manifest,
    write_quality_workbook,
    write_rejects_csv,
    write_targets_csv,
)
from flows.settings import Settings, get_settings


@dataclass
class Results:
    """What the SQL marts say on the as-of date."""

    targets: pd.DataFrame
    coverage: pd.DataFrame
    county: dict
    rejects: pd.DataFrame  # as people read them: labels in Chinese, identity numbers masked
    conflicts: pd.DataFrame
    quality: pd.DataFrame
    file_errors: list[dict]


@dataclass
class RunSummary:
    campaign: str
    as_of: date
    out_dir: Path
    status: str  # complete | partial
    files: list[FileResult] = field(default_factory=list)
    county: dict = field(default_factory=dict)
    step_seconds: dict[str, float] = field(default_factory=dict)


@task(cache_policy=NO_CACHE)
def read_campaign(name: str) -> Campaign:
    """Load campaigns/<name>.toml."""
    return load_campaign(name, get_settings())


@task(cache_policy=NO_CACHE)
def load_bases(campaign: Campaign) -> list[str]:
    """Read the base table and replace the campaign's bases in DuckDB."""
    bases, warnings = read_base_table(campaign)
    with store.connect(get_settings()) as con:
        store.replace_bases(con, campaign.name, bases)
    for warning in warnings:
        get_run_logger().warning(warning)
    return warnings


@task(cache_policy=NO_CACHE)
def ingest_extracts(campaign: Campaign) -> list[FileResult]:
    """Load every new extract in the drop zone, one transaction per file."""
    settings = get_settings()
    logger = get_run_logger()
    paths = discover_extracts(settings.raw_dir / campaign.name)
    logger.info("发现 %d 个乡镇报送文件（%s）", len(paths), settings.raw_dir / campaign.name)
    results = []
    with store.connect(settings) as con, store.transaction(con):
        known = known_hashes(con, campaign.name)
        for number, path in enumerate(paths, start=1):
            result = ingest_file(con, campaign, path, settings.archive_dir / campaign.name, known)
            results.append(result)
            if result.status == "file_error":
                logger.warning("[%d/%d] %s", number, len(paths), result.error)
            elif result.status == "loaded":
                replaced = "".join(f"，替换此前文件 {r['file_name']}" for r in result.replaced)
                logger.info(
                    "[%d/%d] %s：读取 %d 行，入库 %d 行，剔除 %d 行%s",
                    number,
                    len(paths),
                    path.name,
                    result.rows_read,
                    result.rows_loaded,
                    result.rows_rejected,
                    replaced,
                )
    skipped = sum(r.status == "already_loaded" for r in results)
    if skipped:
        logger.info("%d 个文件此前已入库且内容未变，本次不重复计入", skipped)
    return results


@task(cache_policy=NO_CACHE)
def compute_coverage(campaign: Campaign, as_of: date, files: list[FileResult]) -> Results:
    """Run the SQL models for the as-of date and read the marts."""
    settings = get_settings()
    errors = pd.DataFrame(
        {
            "township": [f.township for f in files if f.status == "file_error"],
            "file_name": [f.file_name for f in files if f.status == "file_error"],
        },
        dtype="string",
    )
    floor, stretch = campaign.levels
    params = {
        "campaign": campaign.name,
        "as_of": as_of,
        "floor_rate": str(floor.rate),
        "stretch_rate": str(stretch.rate),
        "rounding": campaign.rounding,
        "total_rule": campaign.total_rule,
    }
    with store.connect(settings) as con:
        con.register("run_file_error_rows", errors)
        con.execute("create or replace temp table run_file_errors as from run_file_error_rows")
        store.build_models(con, settings, params)
        county = store.table(con, "mart_county_total").to_dict("records")[0]
        return Results(
            targets=store.table(con, "mart_targets"),
            coverage=store.table(con, "mart_township_coverage"),
            county={k: (v.item() if hasattr(v, "item") else v) for k, v in county.items()},
            rejects=rejects_for_people(store.table(con, "mart_rejects")),
            conflicts=store.table(con, "mart_conflicts"),
            quality=store.table(con, "mart_delivery_quality"),
            file_errors=[
                {"township": f.township, "file_name": f.file_name, "error": f.error}
                for f in files
                if f.status == "file_error"
            ],
        )


@task(cache_policy=NO_CACHE)
def render_pdfs(campaign: Campaign, as_of: date, results: Results, out_dir: Path) -> list[Path]:
    """Render the 任务表, 排名表, 通报 and 数据质量 PDFs."""
    from flows.render import render_quality_report, render_reports

    settings = get_settings()
    paths = render_reports(
        campaign.raw, as_of, results.coverage, results.targets, results.county, out_dir, settings
    )
    quality = render_quality_report(
        campaign.raw,
        as_of,
        results.quality,
        results.rejects,
        results.file_errors,
        out_dir,
        settings,
    )
    return [*paths.values(), quality]


@task(cache_policy=NO_CACHE)
def write_tables(results: Results, as_of: date, out_dir: Path) -> list[Path]:
    """Write coverage.csv, targets.csv, rejects.csv, conflicts.csv and 数据质量.xlsx."""
    return [
        write_coverage_csv(results.coverage, out_dir),
        write_targets_csv(results.targets, out_dir),
        write_rejects_csv(results.rejects, out_dir),
        write_conflicts_csv(results.conflicts, out_dir),
        write_quality_workbook(results.rejects, results.quality, out_dir, as_of),
    ]


def run_dir(settings: Settings, campaign: str, as_of: date) -> Path:
    path = settings.out_dir / campaign / as_of.isoformat()
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_as_of(timezone: str, days_back: int) -> date:
    """Today, or days_back days before, in the campaign's own time zone."""
    return datetime.now(ZoneInfo(timezone)).date() - timedelta(days=days_back)


@flow(name="canbao-campaign", log_prints=False)
def run_campaign(campaign_name: str, as_of: date | None = None, days_back: int = 0) -> RunSummary:
    """One run of a campaign for one as-of date (default: today in the campaign's time zone)."""
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
    results = timed("compute_coverage", compute_coverage, campaign, as_of, files)
    out_dir = run_dir(get_settings(), campaign.name, as_of)
    pdfs = timed("render_pdfs", render_pdfs, campaign, as_of, results, out_dir)
    tables = timed("write_tables", write_tables, results, as_of, out_dir)
    failed = [f for f in files if f.status == "file_error"]
    status = "partial" if failed else "complete"
    write_manifest(
        out_dir,
        campaign=campaign.name,
        as_of=as_of,
        status=status,
        inputs=files,
        outputs=tables + pdfs,
        step_seconds=clock,
        warnings=warnings + [f.error for f in failed],
    )
    county = results.county
    get_run_logger().info(
        "截至%s，全县参保 %d 人，参保率 %s，完成目标任务的 %s；结果在 %s",
        f"{as_of.month}月{as_of.day}日",
        county["enrolled"],
        percent(county["rate"]),
        percent(county["completion_floor"]),
        out_dir,
    )
    return RunSummary(campaign.name, as_of, out_dir, status, files, county, clock)
