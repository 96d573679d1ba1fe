"""Person-level deliveries (rosters, registers) checked where they lie: in DuckDB.

A file's text rows come in as an Arrow table (flows/extracts). sql/ingest/persons.sql and
<kind>.sql type them, each typed column beside the text it came from, into the temporary
table `incoming`;
the kind's pandera model validates that table in place through pandera's Ibis backend, and
every failed check becomes a reject (row, column, value, reason in Chinese) in
`incoming_rejects`. Then the same person twice in a sheet, a row of another township in a
township's register, and the same person on two sheets of a workbook. What is left is
`incoming_valid`: rows go in whole or not at all, and every row read is in exactly one of
the two.

Nothing here loops over rows in Python: only the failed checks' rows come back to Python,
to be given their reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandera.api.ibis.types import IbisData
from pandera.config import ValidationDepth, config_context

from schemas.rejects import ID_RUN, mask_id_runs
from schemas.rows import summary_mask

SQL_DIR = Path(__file__).resolve().parent.parent / "sql" / "ingest"
# DuckDB's row group: the valid rows come over as Arrow batches of this many rows. In one
# batch of a million rows (DuckDB's default) the load into the database file ran on one
# thread and cost twice the CPU time (benchmarks/README.md).
ROW_GROUP = 122_880
Reason = str | Callable[[pd.Series], pd.Series]


@dataclass(frozen=True)
class PersonSpec:
    """How one kind of person-level delivery is typed, checked and loaded."""

    sql: str  # sql/ingest/<sql>.sql
    text_columns: tuple[str, ...]  # canonical columns the SQL reads (missing ones are null)
    model: Callable[[date, date], type]  # (window start, window end) -> pandera Ibis model
    reasons: Callable[[list[str]], dict[str, dict[str, Reason]]]  # townships -> reasons
    value_columns: dict[str, str]  # a failed column's reject shows this column's text
    frame_check_columns: dict[
        str, str
    ]  # a whole-row check's reason -> the column it is filed under
    load_columns: tuple[str, ...]  # what a valid row loads
    duplicate_reason: str
    own_township_only: bool = False  # a township's file holds its own people only
    # spellings the kind's SQL reads, each as the temp view incoming_<name>(spelling, value)
    lookups: dict[str, dict[str, str]] = field(default_factory=dict)
    # earlier years' insurance, one column a year (history_<year>): registers
    history: bool = False


@dataclass(frozen=True)
class PersonCheck:
    """What checking one file left in the connection (incoming_valid, incoming_rejects)."""

    rows_read: int  # data rows (loaded + rejected)
    rows_summary: int  # 合计/备注 lines set aside
    rows_loaded: int
    rows_rejected: int


def check_persons(
    con: duckdb.DuckDBPyConnection,
    spec: PersonSpec,
    text: pa.Table,
    *,
    aliases: dict[str, str],
    townships: list[str],
    window_start: date,
    window_end: date,
    township: str | None,
    answers: dict[str, bool] | None = None,
    year: int | None = None,
) -> PersonCheck:
    """Type, validate and split one file's rows; see the module's docstring. ``year``: the
    campaign's year, that a register's history must come before."""
    summary = summary_mask(text)
    rows_summary = int(pc.sum(summary).as_py() or 0)
    data = text.filter(pc.invert(summary)) if rows_summary else text
    if spec.history and "record_year" in data.column_names:
        data = _fold_years(con, data, year)
    for column in ("sheet", *spec.text_columns):
        if column not in data.column_names:
            data = data.append_column(column, pa.nulls(data.num_rows, pa.string()))
    data = data.append_column("pos", pa.array(np.arange(data.num_rows, dtype=np.int64)))
    con.register("incoming_text", data)
    con.register(
        "incoming_aliases",
        pa.table({"alias": list(aliases), "township": list(aliases.values())}),
    )
    con.register(
        "incoming_answers",
        pa.table({"answer": list(answers or {}), "paid": list((answers or {}).values())}),
    )
    lookups = {
        f"incoming_{name}": pa.table({"spelling": list(table), "value": list(table.values())})
        for name, table in spec.lookups.items()
    }
    for view, table in lookups.items():
        con.register(view, table)
    try:
        for name in ("persons", spec.sql):
            con.execute((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"))
        _type_history(con, data if spec.history else None, year)
        # a register of a row per person and year: the file rows each row stands for
        folded = "fold_rows" in data.column_names
        if folded:
            con.execute(
                "create or replace temp table incoming_folds as"
                " select pos, fold_rows, fold_reason, record_year from incoming_text"
            )
    finally:
        for view in ("incoming_text", "incoming_aliases", "incoming_answers", *lookups):
            con.unregister(view)
    if data.num_rows:  # (pandera's Ibis backend takes an empty column for a null one)
        model = spec.model(window_start, window_end)
        table = ibis.duckdb.from_connection(con).table("incoming")
        failures = failed_checks(model, table)
    else:
        failures = pd.DataFrame({"column": [], "check": [], "pos": []})
    _reject_failures(con, failures, spec.reasons(townships), spec)
    con.execute(
        "insert into incoming_rejects select pos, year || '年参保情况', raw, reason"
        " from incoming_history where reason is not null"
    )
    if folded:
        # a row of another year than the campaign's is not a person of this year's register:
        # its own reason only, the checks of one (上年是否缴费 ...) say nothing more of it
        con.execute(
            "delete from incoming_rejects where pos in"
            " (select pos from incoming_folds where fold_reason is not null);"
            " insert into incoming_rejects select pos, '年度', record_year, fold_reason"
            " from incoming_folds where fold_reason is not null"
        )
    _reject_repeats(con, spec.duplicate_reason, within_sheet=True)
    _mask_runs_of_digits(con)
    if spec.own_township_only and township is not None:
        con.execute(
            "insert into incoming_rejects select pos, 'township', township,"
            " '此行乡镇为“' || township || '”，本文件为' || $own || '的名册：请列入'"
            " || township || '的名册'"
            " from incoming anti join incoming_rejects using (pos)"
            " where township <> $own",
            {"own": township},
        )
    if data["sheet"].null_count < data.num_rows and len(pc.unique(data["sheet"])) > 1:
        _reject_repeats(con, spec.duplicate_reason, within_sheet=False)
    columns = ", ".join(spec.load_columns)
    con.execute(
        f"create or replace temp view incoming_valid as select {columns}, sheet, pos"
        " from incoming anti join incoming_rejects using (pos)"
    )
    if folded:  # every file row once: a person's earlier-year rows go where their row goes
        rows_read, rejected = con.execute(
            "select coalesce(sum(fold_rows), 0), coalesce(sum(fold_rows)"
            " filter (where pos in (select pos from incoming_rejects)), 0) from incoming_folds"
        ).fetchone()
    else:
        (rejected,) = con.execute("select count(distinct pos) from incoming_rejects").fetchone()
        rows_read = data.num_rows
    return PersonCheck(int(rows_read), rows_summary, int(rows_read - rejected), int(rejected))


def _fold_years(con: duckdb.DuckDBPyConnection, data: pa.Table, year: int | None) -> pa.Table:
    """A register of one row per person and year, as one row per person (sql/ingest/
    fold_years.sql): the campaign year's row with history_<year> columns, ``fold_rows`` (the
    file rows it stands for) and ``fold_reason`` for rows that cannot be folded."""
    texts = [c for c in data.column_names if c not in ("record_year", "source_row", "sheet")]
    con.register("fold_text", data.append_column("fold_pos", pa.array(np.arange(data.num_rows))))
    try:
        sql = (SQL_DIR / "fold_years.sql").read_text(encoding="utf-8")
        for statement in filter(str.strip, sql.split(";\n")):  # parameters: one statement each
            if "create" in statement:
                used = {"year": year if year is not None else 9999} if "$year" in statement else {}
                con.execute(statement, used)
    finally:
        con.unregister("fold_text")
    found = con.execute("select distinct fold_year from fold_history order by 1").fetchall()
    years = [y for (y,) in found]
    history = ", ".join(
        f"max(h.history) filter (where h.fold_year = {y}) as history_{y}" for y in years
    )
    present = [c for c in ("source_row", "sheet") if c in data.column_names]
    keep = ", ".join(f"c.{name}" for name in (*present, *texts))
    folded = con.execute(
        f"""
        select {keep}, {history + "," if history else ""}
            1 + coalesce(sum(h.rows_folded), 0) as fold_rows,
            cast(null as varchar) as fold_reason, c.record_year as record_year, c.fold_pos
        from fold_current c left join fold_history h on h.fold_key = c.fold_key and c.nth = 1
        group by all
        union all by name
        select {keep.replace("c.", "p.")}, 1 as fold_rows, p.fold_reason, p.record_year,
            p.fold_pos
        from fold_problems p
        order by fold_pos
        """
    ).to_arrow_table()
    return folded.drop_columns(["fold_pos"])


def _type_history(con: duckdb.DuckDBPyConnection, data: pa.Table | None, year: int | None):
    """incoming_history (pos, year, scheme, raw, reason): a register's earlier years, one row
    per person and year written (sql/ingest/history.sql); ``reason`` says why a value cannot
    be taken (unknown, both schemes in one year, a year not before the campaign's)."""
    con.execute(
        "create or replace temp table incoming_history"
        " (pos bigint, year integer, scheme varchar, claimed boolean, raw varchar,"
        " reason varchar)"
    )
    columns = [
        c for c in (data.column_names if data is not None else ()) if c.startswith("history_")
    ]
    if not columns:
        return
    names = set(data.column_names)
    empty = pa.nulls(data.num_rows, pa.string())

    def year_of(column: str) -> pa.Table:
        year = int(column.removeprefix("history_"))
        claims = f"claims_{year}"
        return pa.table(
            {
                "pos": data["pos"],
                "year": pa.array(np.full(data.num_rows, year)),
                "raw": data[column],
                "claims_raw": data[claims] if claims in names else empty,
            }
        )

    long = pa.concat_tables(year_of(column) for column in columns)
    con.register("incoming_history_text", long)
    try:
        sql = (SQL_DIR / "history.sql").read_text(encoding="utf-8")
        con.execute(sql, {"year": year if year is not None else 9999})
    finally:
        con.unregister("incoming_history_text")


def failed_checks(model: type, table: ibis.Table) -> pd.DataFrame:
    """Every (column, check, pos) of ``table`` that fails a check of the pandera ``model``.

    pandera itself validates the schema (columns, types, nothing more or less); the data
    checks, each the model's own Ibis expression, run together in one query, with pandera's
    rules for missing values (a check ignores them unless ignore_na=False). pandera's own
    lazy validation runs three queries a check and returns every row of each check to Python:
    31 s for a million rows against under a second here (benchmarks/README.md);
    tests/unit/test_persons.py checks that the two agree on every failure.
    """
    schema = model.to_schema()
    with config_context(validation_depth=ValidationDepth.SCHEMA_ONLY):
        schema.validate(table)
    sql, names = _checks_query(model, table)
    failed = table.get_backend().raw_sql(sql).to_arrow_table()
    parts = [pd.DataFrame({"column": [], "check": [], "pos": []})]
    for key, (column, check) in enumerate(names):
        positions = failed.filter(pc.invert(failed[f"f{key}"]))["pos"].to_numpy()
        parts.append(pd.DataFrame({"column": column, "check": check, "pos": positions}))
    return pd.concat(parts, ignore_index=True)


_QUERIES: dict[tuple, tuple[str, list[tuple[str | None, str]]]] = {}


def _checks_query(model: type, table: ibis.Table) -> tuple[str, list[tuple[str | None, str]]]:
    """The rows failing any check, with a flag per check, as SQL; and each flag's (column,
    check). Compiled once per model and table shape: every file of a kind has the same."""
    key = (model, table.get_name(), tuple(table.schema().items()))
    if key in _QUERIES:
        return _QUERIES[key]
    schema = model.to_schema()
    flags: dict[str, ibis.Column] = {}
    names: list[tuple[str | None, str]] = []
    for name, column in schema.columns.items():
        if not column.nullable:
            flags[f"f{len(flags)}"] = table[name].notnull()
            names.append((name, "not_nullable"))
        for check in column.checks:
            passed = check._check_fn(IbisData(table, name), **check._check_kwargs)
            if check.ignore_na:
                passed = passed | table[name].isnull()
            flags[f"f{len(flags)}"] = passed.fill_null(check.ignore_na)
            names.append((name, check.error or check.name))
    for check in schema.checks:
        passed = check._check_fn(IbisData(table, None), **check._check_kwargs)
        flags[f"f{len(flags)}"] = passed.fill_null(check.ignore_na)
        names.append((None, check.error or check.name))
    every = ibis.literal(True)
    for passed in flags.values():
        every = every & passed
    query = table.filter(~every).select("pos", **flags)
    _QUERIES[key] = (str(ibis.to_sql(query, dialect="duckdb")), names)
    return _QUERIES[key]


def _reject_failures(
    con: duckdb.DuckDBPyConnection,
    failures: pd.DataFrame,
    reasons: dict[str, dict[str, Reason]],
    spec: PersonSpec,
) -> None:
    """incoming_rejects (pos, column_name, value, reason): one row per failed check and row,
    with the text of the failed value (or of the column it was typed from)."""
    con.execute(
        "create or replace temp table incoming_rejects"
        " (pos bigint, column_name varchar, value varchar, reason varchar)"
    )
    if failures.empty:
        return
    # a whole-row check is filed under the column its reason is about
    whole_row = failures["column"].isna()
    failures = failures.assign(
        column=failures["column"].mask(whole_row, failures["check"].map(spec.frame_check_columns))
    )
    shown = {column: spec.value_columns.get(column, column) for column in failures["column"]}
    cases = " ".join(
        f"when '{column}' then cast(i.{value} as varchar)" for column, value in shown.items()
    )
    con.register("failed_checks", failures[["pos", "column", "check"]])
    try:
        found = con.execute(
            "select f.pos, f.column, f.check,"
            f" case f.column {cases} end as value"
            " from failed_checks f join incoming i using (pos) order by f.pos"
        ).df()
    finally:
        con.unregister("failed_checks")
    parts = []
    for (column, check), group in found.groupby(["column", "check"], sort=False):
        reason = reasons.get(column, {}).get(check, check)
        if callable(reason):
            reason = reason(group["value"].astype("string"))
        parts.append(group.assign(reason=reason))
    rejects = pd.concat(parts, ignore_index=True)[["pos", "column", "value", "reason"]]
    con.register("failed_rows", rejects)
    try:
        con.execute("insert into incoming_rejects select * from failed_rows")
    finally:
        con.unregister("failed_rows")


def _reject_repeats(con: duckdb.DuckDBPyConnection, reason: str, *, within_sheet: bool) -> None:
    """The same person again: the first row counts, later ones are rejects naming it.

    Within a sheet first, among rows with no other reject; then across a workbook's sheets,
    among rows still valid. The people written more than once are found by grouping, then
    their later rows by a join: half the time of numbering every row in a window.
    """
    if within_sheet:
        key, same = "sheet, id_number", "k.sheet is not distinct from f.sheet and"
        where = "'（首次出现在第' || f.first_row || '行）'"
    else:
        key, same = "id_number", ""
        where = "'（首次出现在工作表“' || f.first_sheet || '”第' || f.first_row || '行）'"
    kept = "incoming anti join incoming_rejects using (pos) where id_number is not null"
    con.execute(
        f"""
        insert into incoming_rejects
        select k.pos, 'id_number', k.id_number, $reason || {where}
        from (select pos, sheet, id_number from {kept}) k
        join (
            select {key}, min(pos) as first_pos, arg_min(source_row, pos) as first_row,
                arg_min(sheet, pos) as first_sheet
            from {kept}
            group by {key}
            having count(*) > 1
        ) f on {same} k.id_number = f.id_number
        where k.pos > f.first_pos
        """,
        {"reason": reason},
    )


def _mask_runs_of_digits(con: duckdb.DuckDBPyConnection) -> None:
    """Rows run together hold other people's identity numbers in a name or a village: the
    reject shows them masked, last four characters kept (schemas/rejects.mask_id_runs)."""
    found = con.execute(
        "select distinct value from incoming_rejects where column_name <> 'id_number'"
        " and regexp_matches(value, ?)",
        [ID_RUN.pattern],
    ).fetchall()
    if not found:
        return
    masks = pd.DataFrame({"value": [v for (v,) in found]})
    con.register("masked_values", masks.assign(masked=masks["value"].map(mask_id_runs)))
    try:
        con.execute(
            "update incoming_rejects r set value = m.masked from masked_values m"
            " where r.value = m.value and r.column_name <> 'id_number'"
        )
    finally:
        con.unregister("masked_values")


@contextmanager
def memory_connection() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database with the SQL macros the checks use (sql/macros)."""
    con = duckdb.connect()
    try:
        for path in sorted((SQL_DIR.parent / "macros").glob("*.sql")):
            con.execute(path.read_text(encoding="utf-8"))
        yield con
    finally:
        con.close()


def checked_tables(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table]:
    """(valid rows with their pos, rejects by row) as Arrow tables, in file order."""
    valid = con.execute("select * from incoming_valid order by pos").to_arrow_table(ROW_GROUP)
    rejects = con.execute(
        "select i.source_row, r.column_name, r.value, r.reason, i.sheet"
        " from incoming_rejects r join incoming i using (pos)"
        " order by r.pos, r.column_name"
    ).to_arrow_table()
    return valid, rejects


def checked_frames(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid rows, rejects) as pandas frames (for tests and the small files of a check)."""
    valid, rejects = checked_tables(con)
    frames = [
        table.to_pandas(date_as_object=False) for table in (valid.drop_columns(["pos"]), rejects)
    ]
    return frames[0], frames[1]
