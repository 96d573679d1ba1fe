"""The kinds of delivery a township sends, each with its headers, checks and table.

A campaign's config names its kind of delivery ([input] kind); nothing else in the
pipeline needs to know which one it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from schemas import basic, roster
from schemas.headers import (
    COUNTS_HEADERS,
    COUNTS_REQUIRED,
    REGISTER_HEADERS,
    REGISTER_REQUIRED,
    ROSTER_HEADERS,
    ROSTER_REQUIRED,
)


@dataclass(frozen=True)
class Rules:
    """What a delivery is checked against: the campaign's townships and window."""

    township_aliases: dict[str, str]
    townships: list[str]
    window_start: date
    window_end: date
    township: str | None  # from the file name, for files without a 乡镇 column


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


def _check_roster(data: pd.DataFrame, summary: pd.DataFrame, rules: Rules) -> CheckResult:
    prepared = roster.prepare_roster(data, rules.township_aliases)
    valid, rejects = roster.validate_roster(
        prepared,
        window_start=rules.window_start,
        window_end=rules.window_end,
        townships=rules.townships,
    )
    return CheckResult(valid, rejects, [])


def _check_counts(data: pd.DataFrame, summary: pd.DataFrame, rules: Rules) -> CheckResult:
    prepared = basic.prepare_counts(data, rules.township_aliases, rules.township)
    valid, rejects = basic.validate_counts(prepared, rules.townships)
    return CheckResult(valid, rejects, basic.reconcile_total(valid, summary))


def _check_register(data: pd.DataFrame, summary: pd.DataFrame, rules: Rules) -> CheckResult:
    prepared = basic.prepare_register(data, rules.township_aliases)
    valid, rejects = basic.validate_register(
        prepared, window_end=rules.window_end, townships=rules.townships
    )
    if rules.township is not None:
        # A township's register is its own registered population: a row naming another
        # township would count there as if that township had reported. Set it aside.
        elsewhere = valid["township"] != rules.township
        moved = valid.loc[elsewhere]
        rejects = pd.concat(
            [
                rejects,
                pd.DataFrame(
                    {
                        "source_row": moved["source_row"],
                        "column_name": "township",
                        "value": moved["township"],
                        "reason": [
                            f"此行乡镇为“{name}”，本文件为{rules.township}的名册：请列入{name}的名册"
                            for name in moved["township"]
                        ],
                    }
                ),
            ],
            ignore_index=True,
        )
        valid = valid.loc[~elsewhere].reset_index(drop=True)
    return CheckResult(valid, rejects, [])


KINDS = {
    "roster": DeliveryKind(
        "roster", "参保花名册", ROSTER_HEADERS, ROSTER_REQUIRED, "id_number", "enrollments",
        snapshot=False, check=_check_roster, marts=("mart_conflicts",),
    ),
    "counts": DeliveryKind(
        "counts", "村级汇总表", COUNTS_HEADERS, COUNTS_REQUIRED, "registered",
        "basic_village_counts", snapshot=True, check=_check_counts,
    ),
    "register": DeliveryKind(
        "register", "户籍人员参保名册", REGISTER_HEADERS, REGISTER_REQUIRED, "id_number",
        "basic_persons", snapshot=True, check=_check_register,
        marts=("mart_followup", "mart_conflicts"),
    ),
}  # fmt: skip
