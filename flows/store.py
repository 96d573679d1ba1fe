"""The DuckDB file: schema, transactional loads, and the SQL models in sql/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

from flows.settings import Settings

# Models of each campaign kind, upstream first; each becomes a temp table named after its file.
MODELS = {
    "puhui": (
        "stg_bases",
        "stg_enrollments",
        "int_persons_deduplicated",
        "int_township_targets_computed",
        "mart_targets",
        "mart_township_coverage",
        "mart_township_progress",
        "mart_trend",
        "mart_county_total",
        "mart_rejects",
        "mart_conflicts",
        "mart_delivery_quality",
    ),
    "basic": (
        "stg_bases",
        "stg_latest_deliveries",
        "stg_basic_village_counts",
        "stg_basic_persons",
        "int_basic_villages_counted",
        "mart_basic_township_coverage",
        "mart_basic_village_coverage",
        "mart_basic_county_total",
        "mart_followup",
        "mart_rejects",
        "mart_delivery_quality",
    ),
}
_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")


def read_sql(settings: Settings, name: str) -> str:
    return (settings.sql_dir / f"{name}.sql").read_text(encoding="utf-8")


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
        con.execute(read_sql(settings, "schema"))
        con.execute(read_sql(settings, "macros"))
        yield con
    finally:
        con.close()


def execute(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> duckdb.DuckDBPyConnection:
    """Run SQL with the named parameters it uses (DuckDB rejects unused ones)."""
    used = set(_PARAMETER.findall(sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in used})


def build_models(
    con: duckdb.DuckDBPyConnection, settings: Settings, params: dict, models: tuple[str, ...]
) -> None:
    """Materialise the models of sql/ as temp tables, upstream first."""
    for name in models:
        sql = read_sql(settings, name)
        execute(con, f"create or replace temp table {name} as {sql}", params)


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
            "insert into bases select ?, township, position, base from incoming_bases", [campaign]
        )
        con.unregister("incoming_bases")


DATA_TABLES = ("enrollments", "basic_village_counts", "basic_persons", "rejects")


def load_delivery(
    con: duckdb.DuckDBPyConnection,
    table: str,
    delivery: dict,
    rows: pd.DataFrame,
    rejects: pd.DataFrame,
) -> list[dict]:
    """Load one delivery; an earlier file for the same township and day is replaced.

    Call it inside `transaction`: the whole run's loads commit together.
    Returns the deliveries it replaced (file_name, sha256).
    """
    campaign = delivery["campaign"]
    try:
        replaced = [
            {"file_name": name, "sha256": sha}
            for sha, name in con.execute(
                "select file_sha256, file_name from deliveries where campaign = ? and township = ?"
                " and delivered_on = ? and status = 'loaded' and file_sha256 <> ?",
                [campaign, delivery["township"], delivery["delivered_on"], delivery["file_sha256"]],
            ).fetchall()
        ]
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
        con.register("incoming_rows", rows)
        con.execute(
            f"insert into {table} by name"
            " select ? as campaign, ? as file_sha256, * from incoming_rows",
            [campaign, delivery["file_sha256"]],
        )
        con.register("incoming_rejects", rejects)
        con.execute(
            "insert into rejects select ?, ?, source_row, column_name, value, reason"
            " from incoming_rejects",
            [campaign, delivery["file_sha256"]],
        )
    finally:
        for view in ("incoming_rows", "incoming_rejects"):
            con.unregister(view)
    return replaced


SNAPSHOT_SOURCES = {
    # kind -> (coverage table, denominator column, target column)
    "puhui": ("mart_township_coverage", "base", "target_floor"),
    "basic": ("mart_basic_township_coverage", "registered", "target"),
}


def save_snapshot(con: duckdb.DuckDBPyConnection, kind: str, campaign: str, as_of) -> None:
    """Keep this run's township results by as-of date; a rerun of the date replaces them."""
    table, denominator, target = SNAPSHOT_SOURCES[kind]
    with transaction(con):
        con.execute("delete from snapshots where campaign = ? and as_of = ?", [campaign, as_of])
        con.execute(
            f"insert into snapshots select ?, ?::date, township, rank, {denominator}, {target},"
            f" enrolled, rate, status from {table}",
            [campaign, as_of],
        )


def circular_number(
    con: duckdb.DuckDBPyConnection, campaign: str, as_of, prefix: str, first: int
) -> str:
    """The document number of the circular for this date: kept if issued before, else the next."""
    with transaction(con):
        row = con.execute(
            "select doc_number from circulars where campaign = ? and as_of = ?", [campaign, as_of]
        ).fetchone()
        if row:
            return row[0]
        (last,) = con.execute(
            "select max(number) from circulars where campaign = ?", [campaign]
        ).fetchone()
        number = first if last is None else last + 1
        doc_number = f"{prefix}〔{as_of.year}〕{number}号"
        con.execute(
            "insert into circulars values (?, ?, ?, ?)", [campaign, as_of, number, doc_number]
        )
    return doc_number


def delivery_notes(con: duckdb.DuckDBPyConnection, campaign: str, as_of) -> list[str]:
    """Warnings recorded with the deliveries known on the as-of date, in delivery order."""
    rows = con.execute(
        "select warnings from deliveries where campaign = ? and status = 'loaded'"
        " and delivered_on <= ? and coalesce(warnings, '') <> ''"
        " order by delivered_on, file_name",
        [campaign, as_of],
    ).fetchall()
    return [line for (text,) in rows for line in text.split("\n")]
