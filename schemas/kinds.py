"""The kinds of delivery a township sends, each with its headers, checks and table.

A campaign's config names its kind of delivery ([input] kind); nothing else in the
pipeline needs to know which one it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
import pyarrow as pa

from schemas import basic, roster
from schemas.headers import (
    COUNTS_HEADERS,
    COUNTS_REQUIRED,
    REGISTER_HEADERS,
    REGISTER_REQUIRED,
    ROSTER_HEADERS,
    ROSTER_REQUIRED,
)
from schemas.persons import (
    PersonCheck,
    PersonSpec,
    check_persons,
    checked_frames,
    memory_connection,
)


@dataclass(frozen=True)
class Rules:
    """What a delivery is checked against: the campaign's townships and window."""

    township_aliases: dict[str, str]
    townships: list[str]
    window_start: date
    window_end: date
    township: str | None  # from the file name, for files without a 乡镇 column
    year: int | None = None  # the campaign's year: a register's history comes before it


@dataclass(frozen=True)
class CheckResult:
    valid: pd.DataFrame
    rejects: pd.DataFrame
    warnings: list[str]


@dataclass(frozen=True)
class DeliveryKind:
    name: str
    label: str
    headers: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    header_key: str  # the column whose alias marks the header row
    table: str  # the DuckDB table valid rows go to
    snapshot: bool  # a later delivery supersedes an earlier one (counts, registers)
    check: Callable[[pd.DataFrame, pd.DataFrame, Rules], CheckResult]
    # marts only this kind of delivery can feed: people reported by two townships (rosters),
    # the people to visit (registers); the flow builds them and writes what they feed
    marts: tuple[str, ...] = ()
    # person-level kinds are checked in DuckDB where the rows lie (schemas/persons)
    persons: PersonSpec | None = None


def _check_counts(data: pd.DataFrame, summary: pd.DataFrame, rules: Rules) -> CheckResult:
    prepared = basic.prepare_counts(data, rules.township_aliases, rules.township)
    valid, rejects = basic.validate_counts(prepared, rules.townships)
    return CheckResult(valid, rejects, basic.reconcile_total(valid, summary))


def check_in_duckdb(
    con: duckdb.DuckDBPyConnection, spec: PersonSpec, text: pa.Table, rules: Rules
) -> PersonCheck:
    """A person-level file's rows checked in ``con`` (schemas/persons)."""
    return check_persons(
        con,
        spec,
        text,
        aliases=rules.township_aliases,
        townships=rules.townships,
        window_start=rules.window_start,
        window_end=rules.window_end,
        township=rules.township,
        answers=basic.LAST_YEAR_ANSWERS,
        year=rules.year,
    )


def _person_check(spec: PersonSpec) -> Callable[[pd.DataFrame, pd.DataFrame, Rules], CheckResult]:
    """The DuckDB check of a frame of rows, in a database of its own (one sheet's rows)."""

    def check(data: pd.DataFrame, summary: pd.DataFrame, rules: Rules) -> CheckResult:
        text = data.astype({c: "string" for c in data.columns if c != "source_row"})
        with memory_connection() as con:
            check_in_duckdb(con, spec, pa.Table.from_pandas(text, preserve_index=False), rules)
            valid, rejects = checked_frames(con)
        return CheckResult(valid.drop(columns="sheet"), rejects.drop(columns="sheet"), [])

    return check


KINDS = {
    "roster": DeliveryKind(
        "roster", "参保花名册", ROSTER_HEADERS, ROSTER_REQUIRED, "id_number", "enrollments",
        snapshot=False, check=_person_check(roster.ROSTER), marts=("mart_conflicts",),
        persons=roster.ROSTER,
    ),
    "counts": DeliveryKind(
        "counts", "村级汇总表", COUNTS_HEADERS, COUNTS_REQUIRED, "registered",
        "basic_village_counts", snapshot=True, check=_check_counts,
    ),
    "register": DeliveryKind(
        "register", "户籍人员参保名册", REGISTER_HEADERS, REGISTER_REQUIRED, "id_number",
        "basic_persons", snapshot=True, check=_person_check(basic.REGISTER),
        marts=("mart_followup", "mart_conflicts"), persons=basic.REGISTER,
    ),
}  # fmt: skip
