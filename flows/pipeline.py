"""The campaign flow: ingest → validate → compute → render → write, as Prefect tasks.

No `from __future__ import annotations` here: Prefect validates flow parameters from
the real annotations (a string "date" fails when a scheduled run starts).
"""

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
    conflicts_for_people,
    followup_lists,
    headline,
    rejects_for_people,
    write_basic_coverage_csv,
    write_conflicts_csv,
    write_coverage_csv,
    write_followup_workbook,
    write_manifest,
    write_quality_workbook,
    write_ranking_workbook,
    write_rejects_csv,
    write_targets_csv,
    write_villages_csv,
)
from flows.settings import Settings, get_settings


@dataclass
class Results:
    """What the SQL marts say on the as-of date, township names as officials print them."""

    marts: dict[str, pd.DataFrame]
    county: dict
    file_errors: list[dict]
    doc_number: str | None  # set when this run issues a circular (通报)
    notes: list[str]  # what a township should check: 合计 mismatches, upgraded 15-digit numbers

    @property
    def coverage(self) -> pd.DataFrame:
        for name in ("mart_township_progress", "mart_basic_township_coverage"):
            if name in self.marts:
                return self.marts[name]
        raise KeyError("no coverage mart")

    @property
    def conflicts(self) -> pd.DataFrame | None:
        """People reported by several townships, masked (惠民保 rosters only)."""
        if "mart_conflicts" not in self.marts:
            return None
        return conflicts_for_people(self.marts["mart_conflicts"])

    @property
    def rejects(self) -> pd.DataFrame:
        """Rejected rows as people read them: labels in Chinese, identity numbers masked."""
        return rejects_for_people(self.marts["mart_rejects"])


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
        store.replace_bases(con, campaign.name, table.bases)
    for warning in table.warnings:
        get_run_logger().warning(warning)
    return table.warnings


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
                for warning in result.warnings:
                    logger.warning(warning)
    skipped = sum(r.status == "already_loaded" for r in results)
    if skipped:
        logger.info("%d 个文件此前已入库且内容未变，本次不重复计入", skipped)
    return results


@task(cache_policy=NO_CACHE)
def compute_coverage(
    campaign: Campaign, as_of: date, files: list[FileResult], circular: bool
) -> Results:
    """Run the campaign kind's SQL models, keep the snapshot, number the circular if one is due."""
    settings = get_settings()
    errors = pd.DataFrame(
        {
            "township": [f.township for f in files if f.status == "file_error"],
            "file_name": [f.file_name for f in files if f.status == "file_error"],
        },
        dtype="string",
    )
    levels = {f"{level.key}_rate": str(level.rate) for level in campaign.levels}
    params = {
        "campaign": campaign.name,
        "as_of": as_of,
        "rounding": campaign.rounding,
        "total_rule": campaign.total_rule,
        "window_start": campaign.window_start,
        "deadline": campaign.deadline,
        **levels,
    }
    models = store.MODELS[campaign.kind]
    with store.connect(settings) as con:
        con.register("run_file_error_rows", errors)
        con.execute("create or replace temp table run_file_errors as from run_file_error_rows")
        store.build_models(con, settings, params, models)
        marts = {name: store.table(con, name) for name in models if name.startswith("mart_")}
        notes = store.delivery_notes(con, campaign.name, as_of)
        store.save_snapshot(con, campaign.kind, campaign.name, as_of)
        doc_number = None
        if circular:
            prefix = campaign.raw["office"].get("doc_number_prefix", "")
            doc_number = store.circular_number(
                con, campaign.name, as_of, prefix, campaign.circular_first_number
            )
    for frame in marts.values():
        if "township" in frame:
            frame["township"] = frame["township"].map(campaign.display_name)
    county_table = "mart_county_total" if campaign.kind == "puhui" else "mart_basic_county_total"
    county = marts[county_table].to_dict("records")[0]
    if "mart_township_progress" in marts:
        progress = marts["mart_township_progress"]
        county["time_progress"] = float(progress["time_progress"].iloc[0])
        for column in ("increase_since_previous", "increase_since_circular"):
            known = progress[column].dropna()
            county[column] = int(known.sum()) if len(known) else None
    return Results(
        marts=marts,
        doc_number=doc_number,
        notes=notes,
        county=county,
        file_errors=[
            {"township": f.township, "file_name": f.file_name, "error": f.error}
            for f in files
            if f.status == "file_error"
        ],
    )


@task(cache_policy=NO_CACHE)
def render_pdfs(campaign: Campaign, as_of: date, results: Results, out_dir: Path) -> list[Path]:
    """Render the campaign kind's PDFs and the 数据质量 report."""
    from flows import render

    settings = get_settings()
    marts = results.marts
    if campaign.kind == "puhui":
        paths = render.render_reports(
            campaign.raw, as_of, results.coverage, marts["mart_targets"], results.county,
            out_dir, settings, doc_number=results.doc_number, trend=marts["mart_trend"],
            with_circular=results.doc_number is not None,
        )  # fmt: skip
    else:
        paths = render.render_basic_reports(
            campaign.raw, as_of, results.coverage, marts["mart_basic_village_coverage"],
            results.county, out_dir, settings, doc_number=results.doc_number,
            with_circular=results.doc_number is not None,
        )  # fmt: skip
    quality = render.render_quality_report(
        campaign.raw, as_of, marts["mart_delivery_quality"], results.rejects, results.file_errors,
        out_dir, settings, conflicts=results.conflicts, notes=results.notes,
    )  # fmt: skip
    followups = []
    if campaign.input_kind == "register":
        lists = followup_lists(marts["mart_followup"])
        logger = get_run_logger()
        for number, path in enumerate(
            render.render_followup_lists(
                campaign.raw, as_of, lists, out_dir / "随访名单", settings
            ),
            start=1,
        ):
            logger.info("[%d/%d] 随访名单：%s", number, len(lists), path.name)
            followups.append(path)
    return [*paths.values(), quality, *sorted(followups)]


@task(cache_policy=NO_CACHE)
def write_tables(campaign: Campaign, results: Results, as_of: date, out_dir: Path) -> list[Path]:
    """Write the CSV files and workbooks beside the PDFs."""
    marts = results.marts
    written = [
        write_rejects_csv(results.rejects, out_dir),
        write_quality_workbook(results.rejects, marts["mart_delivery_quality"], out_dir, as_of),
    ]
    if campaign.kind == "puhui":
        written += [
            write_coverage_csv(results.coverage, out_dir),
            write_targets_csv(marts["mart_targets"], out_dir),
            write_conflicts_csv(results.conflicts, out_dir),
            write_ranking_workbook(
                results.coverage, marts["mart_trend"], results.rejects, out_dir, as_of
            ),
        ]
    else:
        written += [
            write_basic_coverage_csv(results.coverage, results.county, out_dir),
            write_villages_csv(marts["mart_basic_village_coverage"], out_dir),
        ]
    if campaign.input_kind == "register":
        for township, people in followup_lists(marts["mart_followup"]).items():
            written.append(write_followup_workbook(township, people, out_dir / "随访名单", as_of))
    return written


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
    """
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
    if circular is None:
        circular = campaign.is_circular_day(as_of)
    results = timed("compute_coverage", compute_coverage, campaign, as_of, files, circular)
    out_dir = run_dir(get_settings(), campaign.name, as_of)
    pdfs = timed("render_pdfs", render_pdfs, campaign, as_of, results, out_dir)
    tables = timed("write_tables", write_tables, campaign, results, as_of, out_dir)
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
        warnings=warnings + [w for f in files for w in f.warnings] + [f.error for f in failed],
    )
    get_run_logger().info("%s；结果在 %s", headline(as_of, results.county), out_dir)
    return RunSummary(
        campaign.name, as_of, out_dir, status, files, results.county, clock, results.doc_number
    )
