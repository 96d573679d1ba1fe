"""A province campaign across machines: every county's own flow on a Dask cluster, then the
roll-up of the counties that completed.

The engine is prefect-dask's DaskTaskRunner on a ``distributed`` cluster: a scheduler, and
``dask worker`` processes on the machines where the counties' data is. Each county is one
task, ``run_county``, which runs the ordinary county flow (``run_campaign``, a nested flow
run of its own in Prefect) on whichever worker the scheduler gives it.

The shared results store (``[province] store``, a folder every machine mounts at the same
path) holds, per county, ``counties/<campaign>/``: its DuckDB file, archive and outputs, as
a county run keeps them, and ``results/<as-of>.json``, written atomically (a temporary file
renamed into place) only after the county flow completed. The roll-up reads only those
files: a worker killed half-way leaves no result file, so its county is reported missing,
never half-counted, and the next run of the province runs it again. A county whose result
file records the same inputs (campaign file, township list, base table, every delivered
file, as-of date) is not run again.

No ``from __future__ import annotations`` here: Prefect validates flow parameters from the
real annotations.
"""

import dataclasses
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from flows import store
from flows.config import load_campaign
from flows.province_config import Province, ProvinceCounty, load_province
from flows.settings import Settings, get_settings
from flows.text import one_line

RESULT_FORMAT = 1  # the result file's layout; a file of another layout is run again
SCHEDULER_ENV = "CANBAO_DASK_SCHEDULER"  # tcp://host:8786 of the cluster's scheduler
LOCAL_WORKERS = 2  # worker processes of the local cluster started when no scheduler is set


# --- The shared results store -----------------------------------------------------------


def county_home(store_dir: Path, campaign: str) -> Path:
    """counties/<campaign>/ in the store: the county's database, archive, outputs, results."""
    return Path(store_dir) / "counties" / campaign


def result_path(store_dir: Path, campaign: str, as_of: date) -> Path:
    return county_home(store_dir, campaign) / "results" / f"{as_of.isoformat()}.json"


def started_path(store_dir: Path, campaign: str, as_of: date) -> Path:
    """Written when a county run starts, removed by the result: left behind, it says the
    run was interrupted (a worker or machine stopped), and by whom."""
    return county_home(store_dir, campaign) / "results" / f"{as_of.isoformat()}.started.json"


def write_json_atomically(path: Path, payload: dict) -> Path:
    """The whole file or nothing: written beside, flushed to disk, renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    with open(partial, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    partial.replace(path)
    return path


def read_result(path: Path) -> dict | None:
    """A county's result file, or None when there is none (or not of this layout)."""
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if result.get("format") == RESULT_FORMAT else None


@contextmanager
def county_environment(home: Path) -> Iterator[None]:
    """The county flow's database, archive and outputs inside the store, for the time of its
    run. Settings come from the environment (flows/settings.py), which is one per process:
    _ONE_COUNTY keeps a worker process to one county at a time."""
    values = {
        "CANBAO_DB": str(home / "canbao.duckdb"),
        "CANBAO_ARCHIVE": str(home / "archive"),
        "CANBAO_OUT": str(home / "out"),
    }
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_ONE_COUNTY = threading.Lock()


def _feed(digest, *parts: object) -> None:
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def inputs_fingerprint(campaign_name: str, settings: Settings, as_of: date) -> str:
    """What a county run depends on: its campaign file and township list, its base table,
    every file in its drop zone (name and content), the as-of date."""
    campaign = load_campaign(campaign_name, settings)
    digest = hashlib.sha256()
    _feed(digest, RESULT_FORMAT, as_of.isoformat(), campaign.path.read_bytes())
    _feed(digest, repr(campaign.units))
    if campaign.base_file is not None:
        _feed(digest, _file_digest(campaign.base_file))
    raw = settings.raw_dir / campaign.name
    if raw.is_dir():
        for path in sorted(p for p in raw.rglob("*") if p.is_file()):
            _feed(digest, path.relative_to(raw).as_posix(), _file_digest(path))
    return digest.hexdigest()


def worker_identity() -> dict:
    """Which worker ran a county: the Dask worker's name, the machine, the process."""
    try:
        from distributed import get_worker

        name = str(get_worker().name)
    except (ImportError, ValueError):
        name = "local"
    return {"worker": name, "host": socket.gethostname(), "pid": os.getpid()}


def _plain(value):
    """Numbers and text as JSON holds them (numpy scalars, NA, dates)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


# --- One county ---------------------------------------------------------------------------


@task(cache_policy=NO_CACHE, task_run_name="county-{county.campaign}")
def run_county(county: ProvinceCounty, store_dir: str, as_of: date) -> dict:
    """Run one county's flow on this worker, unless its inputs are those of its completed
    result; the result file is written only when the county flow completed."""
    # Dask ships this function by value: it names only importable functions (county_run),
    # never the process's own objects (its lock).
    return county_run(county, store_dir, as_of)


def county_run(county: ProvinceCounty, store_dir: str, as_of: date) -> dict:
    from flows.pipeline import run_campaign

    logger = get_run_logger()
    with _ONE_COUNTY:
        settings = get_settings()
        fingerprint = inputs_fingerprint(county.campaign, settings, as_of)
        path = result_path(Path(store_dir), county.campaign, as_of)
        previous = read_result(path)
        if previous is not None and previous["fingerprint"] == fingerprint:
            logger.info("%s%s：输入未变，沿用此前已完成的结果", county.city, county.county)
            return {**previous, "skipped": True}
        identity = worker_identity()
        started = started_path(Path(store_dir), county.campaign, as_of)
        write_json_atomically(started, {**identity, "campaign": county.campaign})
        home = county_home(Path(store_dir), county.campaign)
        clock = time.perf_counter()
        with county_environment(home):
            summary = run_campaign(county.campaign, as_of)
            campaign = load_campaign(county.campaign, get_settings())
        totals = {key: _plain(value) for key, value in summary.county.items()}
        first = campaign.levels[0].key if campaign.levels else None
        result = {
            "format": RESULT_FORMAT,
            "campaign": county.campaign,
            "city": county.city,
            "county": county.county,
            "kind": campaign.kind,
            "as_of": as_of.isoformat(),
            "fingerprint": fingerprint,
            "status": summary.status,
            "base": totals.get("base", totals.get("registered")),
            "enrolled": totals.get("enrolled"),
            "target": totals.get(f"target_{first}") if first else None,
            "totals": totals,
            "doc_number": summary.doc_number,
            "out_dir": Path(summary.out_dir).relative_to(Path(store_dir)).as_posix(),
            "files": len(summary.files),
            "file_errors": sum(f.status == "file_error" for f in summary.files),
            "step_seconds": {k: round(v, 3) for k, v in summary.step_seconds.items()},
            "seconds": round(time.perf_counter() - clock, 3),
            **identity,
        }
        write_json_atomically(path, result)
        started.unlink(missing_ok=True)
        logger.info(
            "%s%s：完成（%s，进程 %s）", county.city, county.county, identity["worker"], os.getpid()
        )
        return {**result, "skipped": False}


# --- The province -------------------------------------------------------------------------


@dataclass
class ProvinceSummary:
    province: str
    as_of: date
    status: str  # complete | partial
    out_dir: Path | None
    ran: list[str] = field(default_factory=list)  # county campaigns run this time
    skipped: list[str] = field(default_factory=list)  # completed before, inputs unchanged
    missing: dict[str, str] = field(default_factory=dict)  # campaign -> why, in Chinese
    workers: dict[str, str] = field(default_factory=dict)  # campaign -> worker that ran it
    step_seconds: dict[str, float] = field(default_factory=dict)
    doc_number: str | None = None
    province_row: dict = field(default_factory=dict)


def default_as_of() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def missing_reason(store_dir: Path, campaign: str, as_of: date, error: str | None) -> str:
    """Why a county has no result for the date, for the official."""
    started = read_marker(started_path(store_dir, campaign, as_of))
    if started is not None:
        where = f"{started.get('worker')}，{started.get('host')}，进程 {started.get('pid')}"
        text = f"运行中断（{where}），未计入汇总；重新运行全省汇总即可补齐"
    else:
        text = "未运行完成，未计入汇总；重新运行全省汇总即可补齐"
    return f"{text}（{one_line(error)}）" if error else text


def read_marker(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def province_lock_settings(province: Province) -> Settings:
    """One province run at a time on a store: the lock beside its province.duckdb."""
    return dataclasses.replace(get_settings(), database=province.store / "province.duckdb")


@flow(name="canbao-province", log_prints=False)
def run_province(
    province_name: str,
    as_of: date | None = None,
    circular: bool | None = None,
) -> ProvinceSummary:
    """Every county's flow on the cluster's workers, then the province roll-up of the
    counties that completed: ranking, 排名表, 通报 (circular days or when asked), tables."""
    logger = get_run_logger()
    province = load_province(province_name, get_settings())
    as_of = as_of or default_as_of()
    try:
        with store.run_lock(province_lock_settings(province), on_wait=logger.warning):
            return province_steps(province, as_of, circular)
    except store.RunBusy as busy:
        return Failed(message=str(busy))


def province_steps(province: Province, as_of: date, circular: bool | None) -> ProvinceSummary:
    from flows.province_rollup import roll_up

    logger = get_run_logger()
    clock: dict[str, float] = {}
    started = time.perf_counter()
    logger.info("%s：%d 个县（市、区）提交到各工作节点", province.title, len(province.counties))
    futures = [
        run_county.submit(county, str(province.store), as_of) for county in province.counties
    ]
    summary = ProvinceSummary(province.name, as_of, "complete", None)
    for county, future in zip(province.counties, futures, strict=True):
        try:
            outcome = future.result()
        except BaseException as exc:  # a failed county flow, a worker killed (KilledWorker)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            error = one_line(str(exc))[:200] or type(exc).__name__
            summary.missing[county.campaign] = missing_reason(
                province.store, county.campaign, as_of, error
            )
            logger.warning("%s%s：%s", county.city, county.county, summary.missing[county.campaign])
            continue
        (summary.skipped if outcome["skipped"] else summary.ran).append(county.campaign)
        summary.workers[county.campaign] = outcome["worker"]
    clock["counties"] = time.perf_counter() - started
    if circular is None:
        circular = province.is_circular_day(as_of)
    rolled = roll_up(province, as_of, circular=circular, clock=clock)
    summary.out_dir = rolled.out_dir
    summary.doc_number = rolled.doc_number
    summary.province_row = rolled.province_row
    for campaign, reason in rolled.missing.items():
        summary.missing.setdefault(campaign, reason)
    summary.status = "partial" if summary.missing else "complete"
    summary.step_seconds = {key: round(value, 3) for key, value in clock.items()}
    logger.info(
        "%s：%d 个县本次运行，%d 个县输入未变沿用结果，%d 个县未完成；结果在 %s",
        province.province,
        len(summary.ran),
        len(summary.skipped),
        len(summary.missing),
        summary.out_dir,
    )
    return summary


def task_runner(scheduler: str | None = None, workers: int = LOCAL_WORKERS):
    """The Dask task runner: the cluster at ``scheduler`` (or $CANBAO_DASK_SCHEDULER), else a
    local cluster of ``workers`` processes, one thread each (one county at a time each)."""
    from prefect_dask import DaskTaskRunner

    address = scheduler or os.environ.get(SCHEDULER_ENV)
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True}
    )


def province_flow(scheduler: str | None = None, workers: int = LOCAL_WORKERS):
    """run_province on the chosen cluster."""
    return run_province.with_options(task_runner=task_runner(scheduler, workers))
