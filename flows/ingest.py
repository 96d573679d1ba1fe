"""Ingest: base tables and township extracts into DuckDB, every row accounted for."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from flows.config import Campaign, CampaignError
from flows.extracts import EXTRACT_SUFFIXES, ExtractError, read_extract
from flows.store import load_delivery
from schemas.headers import alias_lookup, normalize_header
from schemas.roster import prepare_roster, validate_roster

_DATE_IN_NAME = re.compile(r"(20\d{2})[-_.年]?(\d{1,2})[-_.月]?(\d{1,2})")


@dataclass
class FileResult:
    """What happened to one input file in one run (one manifest entry)."""

    file_name: str
    sha256: str
    status: str  # loaded | already_loaded | file_error
    township: str | None = None
    delivered_on: date | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    replaced: list[dict] = field(default_factory=list)
    error: str | None = None

    def check_accounting(self) -> None:
        if self.status != "file_error" and self.rows_read != self.rows_loaded + self.rows_rejected:
            raise RuntimeError(
                f"文件 {self.file_name} 行数不平：读取 {self.rows_read} 行，"
                f"入库 {self.rows_loaded} 行 + 剔除 {self.rows_rejected} 行"
            )


def discover_extracts(raw_dir: Path) -> list[Path]:
    """Extract files in the drop zone, in arrival order (then by name)."""
    if not raw_dir.is_dir():
        return []
    files = [
        p
        for p in raw_dir.iterdir()
        if p.is_file()
        and p.suffix.lower() in EXTRACT_SUFFIXES
        and not p.name.startswith((".", "~$"))
    ]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


def read_base_table(campaign: Campaign) -> tuple[pd.DataFrame, list[str]]:
    """The campaign's base table: (township, position, base) plus warnings about its 合计 row."""
    path = campaign.base_file
    if not path.is_file():
        raise CampaignError(f"找不到基数表 {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raw = pd.read_excel(path, dtype=str, engine="calamine")
    else:
        raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    raw.columns = [normalize_header(c) for c in raw.columns]
    township_col = normalize_header(campaign.base_township_column)
    base_col = normalize_header(campaign.base_column)
    for column in (township_col, base_col):
        if column not in raw.columns:
            raise CampaignError(f"基数表 {path.name} 缺少列“{column}”")
    names = raw[township_col].fillna("").str.replace(r"\s", "", regex=True)
    counts = pd.to_numeric(raw[base_col].str.replace(",", "", regex=False), errors="coerce")
    is_total = names.isin(["合计", "总计", "小计"])
    warnings = []
    bad = ~is_total & (counts.isna() | (counts <= 0))
    if bad.any():
        raise CampaignError(
            f"基数表 {path.name} 中以下乡镇的基数不是正整数：{'、'.join(names[bad])}"
        )
    resolved = names[~is_total].map(campaign.township_aliases)
    unknown = names[~is_total][resolved.isna()]
    if not unknown.empty:
        raise CampaignError(
            f"基数表 {path.name} 中有不在本县乡镇名录中的乡镇：{'、'.join(unknown)}"
        )
    bases = pd.DataFrame(
        {
            "township": resolved.to_numpy(),
            "position": range(1, int((~is_total).sum()) + 1),
            "base": counts[~is_total].astype("int64").to_numpy(),
        }
    )
    stated = counts[is_total]
    if not stated.empty and int(stated.iloc[0]) != int(bases["base"].sum()):
        warnings.append(
            f"基数表合计行为 {int(stated.iloc[0])}，各乡镇之和为 {int(bases['base'].sum())}，"
            "以各乡镇之和为准"
        )
    return bases, warnings


def known_hashes(con: duckdb.DuckDBPyConnection, campaign: str) -> dict[str, tuple]:
    rows = con.execute(
        "select file_sha256, township, delivered_on, rows_read, rows_loaded, rows_rejected"
        " from deliveries where campaign = ?",
        [campaign],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def township_from_name(stem: str, campaign: Campaign) -> str | None:
    for alias in sorted(campaign.township_aliases, key=len, reverse=True):
        if alias in stem:
            return campaign.township_aliases[alias]
    return None


def date_from_name(stem: str) -> date | None:
    match = _DATE_IN_NAME.search(stem)
    if not match:
        return None
    try:
        return date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    campaign: Campaign,
    path: Path,
    archive_dir: Path,
    known: dict[str, tuple],
) -> FileResult:
    """Read, validate and load one file unless this exact file was loaded before."""
    try:
        extract = read_extract(path, alias_lookup(campaign.column_aliases), campaign.sheet)
    except ExtractError as exc:
        from flows.extracts import file_sha256

        digest = file_sha256(path) if path.is_file() else ""
        return FileResult(
            path.name, digest, "file_error", township_from_name(path.stem, campaign), error=str(exc)
        )
    if extract.sha256 in known:
        township, delivered_on, read, loaded, rejected = known[extract.sha256]
        return FileResult(
            path.name,
            extract.sha256,
            "already_loaded",
            township,
            delivered_on,
            read,
            loaded,
            rejected,
        )
    prepared = prepare_roster(extract.frame, campaign.township_aliases)
    valid, rejects = validate_roster(
        prepared,
        window_start=campaign.window_start,
        window_end=campaign.deadline,
        townships=list(campaign.township_names),
    )
    township = township_from_name(path.stem, campaign)
    if township is None and not valid.empty:
        township = valid["township"].mode().iloc[0]
    delivered_on = date_from_name(path.stem)
    if delivered_on is None:
        delivered_on = valid["bought_on"].max().date() if not valid.empty else campaign.window_start
    archive_dir.mkdir(parents=True, exist_ok=True)
    archived = archive_dir / f"{extract.sha256}{path.suffix.lower()}"
    if not archived.exists():
        shutil.copyfile(path, archived)
    result = FileResult(
        file_name=path.name,
        sha256=extract.sha256,
        status="loaded",
        township=township,
        delivered_on=delivered_on,
        rows_read=len(extract.frame),
        rows_loaded=len(valid),
        rows_rejected=int(rejects["source_row"].nunique()),
    )
    result.check_accounting()
    rejects = rejects.assign(value=rejects["value"].astype("string"))
    result.replaced = load_delivery(
        con,
        {
            "campaign": campaign.name,
            "file_sha256": extract.sha256,
            "file_name": path.name,
            "archived_as": archived.name,
            "township": township,
            "delivered_on": delivered_on,
            "sheet": extract.sheet,
            "encoding": extract.encoding,
            "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded,
            "rows_rejected": result.rows_rejected,
        },
        valid,
        rejects,
    )
    known[extract.sha256] = (
        township,
        delivered_on,
        *[result.rows_read, result.rows_loaded, result.rows_rejected],
    )
    return result
