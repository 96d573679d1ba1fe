"""The DuckDB file: schema, transactional loads, and the SQL models in sql/."""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from flows.settings import Settings

if TYPE_CHECKING:
    from flows.config import Campaign

_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_REFERENCE = re.compile(r"\b(?:from|join)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)
_COMMENT = re.compile(r"--[^\n]*")
LAYERS = {"stg": "staging", "int": "intermediate", "mart": "marts"}


def read_sql(settings: Settings, name: str) -> str:
    """A file of sql/ by its path without .sql: "ddl/schema", "macros/round_target"."""
    return (settings.sql_dir / f"{name}.sql").read_text(encoding="utf-8")


def model_path(settings: Settings, name: str, kind: str) -> Path | None:
    """sql/<layer>/<kind>/<name>.sql where the campaign kind brings its own, else
    sql/<layer>/<name>.sql; None for anything that is not a model (a table, a CTE)."""
    layer = LAYERS.get(name.split("_", 1)[0])
    if layer is None:
        return None
    for folder in (settings.sql_dir / layer / kind, settings.sql_dir / layer):
        path = folder / f"{name}.sql"
        if path.is_file():
            return path
    return None


def model_sql(settings: Settings, name: str, kind: str) -> str:
    path = model_path(settings, name, kind)
    if path is None:
        raise KeyError(f"no SQL model {name} for campaign kind {kind}")
    return path.read_text(encoding="utf-8")


def references(sql: str) -> list[str]:
    """Names after from/join, in order of appearance (comments left out)."""
    return list(dict.fromkeys(_REFERENCE.findall(_COMMENT.sub("", sql))))


def build_order(settings: Settings, targets: tuple[str, ...], kind: str) -> list[str]:
    """The models ``targets`` need, each after the models it reads: the order follows from
    the models' own from/join clauses, as in dbt."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise ValueError(f"SQL models reference each other in a cycle: {name}")
        visiting.add(name)
        for ref in references(model_sql(settings, name, kind)):
            if ref != name and model_path(settings, ref, kind) is not None:
                visit(ref)
        visiting.discard(name)
        order.append(name)

    for target in targets:
        visit(target)
    return order


@contextmanager
def connect(
    settings: Settings, database: Path | str | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database file (or ":memory:"), creating the schema and macros if needed."""
    path = database or settings.database
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        for folder in ("ddl", "macros"):
            for path in sorted((settings.sql_dir / folder).glob("*.sql")):
                con.execute(path.read_text(encoding="utf-8"))
        yield con
    finally:
        con.close()


class RunBusy(Exception):
    """Another run held the database for longer than a run waits; the message is Chinese."""


@contextmanager
def run_lock(settings: Settings, on_wait: Callable[[str], None]) -> Iterator[None]:
    """One run at a time on a database: a lock file beside it (data/canbao.lock), held for
    the whole run. A second run waits for the first, saying so through ``on_wait``, at most
    settings.run_lock_wait seconds, then gives up with RunBusy.

    DuckDB lets one process write a database file; without the lock a second run failed
    with DuckDB's own English error. The operating system releases the lock of a process
    that dies, so a killed run never leaves it behind."""
    path = Path(settings.database).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="ascii") as lock:
        deadline = time.monotonic() + settings.run_lock_wait
        said = False
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                lock.seek(0)
                holder = lock.read().strip() or "未知"
                if time.monotonic() >= deadline:
                    raise RunBusy(
                        f"另一次运行（PID {holder}）等待 {settings.run_lock_wait:g} 秒后仍未结束，"
                        "本次未运行；请在其结束后重新运行"
                    ) from None
                if not said:
                    on_wait(
                        f"另一次运行正在进行（PID {holder}），等待其结束"
                        f"（最多 {settings.run_lock_wait:g} 秒）……"
                    )
                    said = True
                time.sleep(0.5)
        try:
            lock.seek(0)
            lock.truncate()
            lock.write(str(os.getpid()))
            lock.flush()
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> duckdb.DuckDBPyConnection:
    """Run SQL with the named parameters it uses (DuckDB rejects unused ones)."""
    used = set(_PARAMETER.findall(sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in used})


def build_models(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    params: dict,
    targets: tuple[str, ...],
    kind: str,
) -> list[str]:
    """Materialise ``targets`` and what they read as temp tables, upstream first; returns
    the models built, in order."""
    order = build_order(settings, targets, kind)
    for name in order:
        sql = model_sql(settings, name, kind)
        execute(con, f"create or replace temp table {name} as {sql}", params)
    return order


def temp_table(con: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame) -> None:
    """``frame`` as the temp table ``name`` (the run's own facts the SQL models read)."""
    con.register(f"{name}_frame", frame)
    con.execute(f"create or replace temp table {name} as from {name}_frame")
    con.unregister(f"{name}_frame")


def table(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    return con.execute(f"select * from {name}").df()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a failure, or a killed process, leaves the database as it was."""
    con.execute("begin")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def replace_bases(con: duckdb.DuckDBPyConnection, campaign: str, bases: pd.DataFrame) -> None:
    """The base table is re-read on every run: delete-then-insert in one transaction."""
    with transaction(con):
        con.execute("delete from bases where campaign = ?", [campaign])
        con.register("incoming_bases", bases)
        con.execute(
            "insert into bases by name select ? as campaign, township, position, base,"
            " unit_type, rank_group from incoming_bases",
            [campaign],
        )
        con.unregister("incoming_bases")


DATA_TABLES = (
    "enrollments",
    "basic_village_counts",
    "basic_persons",
    "person_years",
    "person_exemptions",
    "rejects",
)


def same_day_deliveries(
    con: duckdb.DuckDBPyConnection, campaign: str, township: str | None, day, sha256: str
) -> list[dict]:
    """The township's other loaded files of that day (file_name, sha256), oldest first."""
    return [
        {"file_name": name, "sha256": sha}
        for sha, name in con.execute(
            "select file_sha256, file_name from deliveries where campaign = ? and township = ?"
            " and delivered_on = ? and status = 'loaded' and file_sha256 <> ?"
            " order by rowid",
            [campaign, township, day, sha256],
        ).fetchall()
    ]


def shared_people(
    con: duckdb.DuckDBPyConnection, table: str, campaign: str, sha256: str, people: str
) -> int:
    """How many people of the relation ``people`` (its id_number) a loaded delivery holds."""
    (count,) = con.execute(
        f"select count(distinct id_number) from {table} where campaign = ?"
        f" and file_sha256 = ? and id_number in (select id_number from {people})",
        [campaign, sha256],
    ).fetchone()
    return int(count)


def load_delivery(
    con: duckdb.DuckDBPyConnection,
    table: str,
    delivery: dict,
    rows: pd.DataFrame | str,
    rejects: pd.DataFrame | str,
    replacing: list[dict] | None = None,
) -> list[dict]:
    """Load one delivery, replacing the earlier deliveries ``replacing`` names (file_name,
    sha256); by default every earlier file of the same township and day.

    ``rows`` and ``rejects`` are frames, or relations of the connection (checked in DuckDB).

    Call it inside `transaction`: the whole run's loads commit together.
    Returns the deliveries it replaced.
    """
    campaign = delivery["campaign"]
    frames = {
        name: frame
        for name, frame in (("incoming_rows", rows), ("incoming_reject_frame", rejects))
        if not isinstance(frame, str)
    }
    try:
        replaced = (
            same_day_deliveries(
                con, campaign, delivery["township"], delivery["delivered_on"],
                delivery["file_sha256"],
            )
            if replacing is None
            else replacing
        )  # fmt: skip
        for old in (r["sha256"] for r in replaced):
            for data_table in DATA_TABLES:
                con.execute(
                    f"delete from {data_table} where campaign = ? and file_sha256 = ?",
                    [campaign, old],
                )
            con.execute(
                "update deliveries set status = 'replaced', replaced_by = ?"
                " where campaign = ? and file_sha256 = ?",
                [delivery["file_sha256"], campaign, old],
            )
        execute(
            con,
            "insert into deliveries by name select * from (select"
            " $campaign as campaign, $file_sha256 as file_sha256, $file_name as file_name,"
            " $archived_as as archived_as, $township as township,"
            " $delivered_on::date as delivered_on, $sheet as sheet, $encoding as encoding,"
            " $rows_read as rows_read, $rows_loaded as rows_loaded,"
            " $rows_rejected as rows_rejected, $rows_summary as rows_summary,"
            " $warnings as warnings, 'loaded' as status, null as replaced_by)",
            delivery,
        )
        for name, frame in frames.items():
            con.register(name, frame)
        row_source = rows if isinstance(rows, str) else "incoming_rows"
        reject_source = rejects if isinstance(rejects, str) else "incoming_reject_frame"
        for target, source in ((table, row_source), ("rejects", reject_source)):
            con.execute(
                f"insert into {target} by name"
                f" select ? as campaign, ? as file_sha256, * from {source}",
                [campaign, delivery["file_sha256"]],
            )
    finally:
        for name in frames:
            con.unregister(name)
    return replaced


def save_snapshot(con: duckdb.DuckDBPyConnection, campaign: str, as_of) -> None:
    """Keep this run's township results by as-of date; a rerun of the date replaces them."""
    with transaction(con):
        con.execute("delete from snapshots where campaign = ? and as_of = ?", [campaign, as_of])
        con.execute(
            "insert into snapshots select ?, ?::date, township, rank, denominator, first_target,"
            " enrolled, rate, status from mart_township_progress",
            [campaign, as_of],
        )


def circular_number(con: duckdb.DuckDBPyConnection, campaign: Campaign, as_of) -> str:
    """The document number of the campaign's circular for this date.

    Numbers follow the calendar, not the order runs happen in: a circular on a cadence day
    is first_number + the cadence days of the window before it, plus the off-cadence
    circulars (`--circular`) already issued for earlier dates; an off-cadence circular is
    numbered by the same rule, so that issued in date order every circular follows the one
    before it. A date issued before keeps its number. Should the number be held already
    by another date (an off-cadence circular issued for a date before circulars already
    numbered), the circular takes the next number after the highest issued, so that no
    two circulars share one.
    """
    with transaction(con):
        row = con.execute(
            "select doc_number from circulars where campaign = ? and as_of = ?",
            [campaign.name, as_of],
        ).fetchone()
        if row:
            return row[0]
        issued = dict(
            con.execute(
                "select as_of, number from circulars where campaign = ?", [campaign.name]
            ).fetchall()
        )
        off_cadence_before = sum(
            1 for day in issued if day < as_of and not campaign.is_circular_day(day)
        )
        number = (
            campaign.circular_first_number
            + campaign.circular_days_before(as_of)
            + off_cadence_before
        )
        if number in issued.values():
            number = max(issued.values()) + 1
        doc_number = f"{campaign.office.doc_number_prefix}〔{as_of.year}〕{number}号"
        con.execute(
            "insert into circulars values (?, ?, ?, ?)", [campaign.name, as_of, number, doc_number]
        )
    return doc_number


def delivery_notes(
    con: duckdb.DuckDBPyConnection, campaign: str, as_of, window_end=None
) -> list[str]:
    """Warnings recorded with the deliveries known on the as-of date, in delivery order; and
    those of files dated after the campaign's end (``window_end``), which no report of the
    campaign would otherwise show: their rows never count, and the name needs correcting."""
    rows = con.execute(
        "select warnings from deliveries where campaign = ? and status = 'loaded'"
        " and (delivered_on <= ? or delivered_on > coalesce(?::date, date '9999-12-31'))"
        " and coalesce(warnings, '') <> ''"
        " order by delivered_on, file_name",
        [campaign, as_of, window_end],
    ).fetchall()
    return [line for (text,) in rows for line in text.split("\n")]
