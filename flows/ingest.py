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
from flows.extracts import EXTRACT_SUFFIXES, ExtractError, file_sha256, read_extract
from flows.store import load_delivery
from schemas.headers import alias_lookup, normalize_header
from schemas.kinds import KINDS, Rules
from schemas.rows import split_summary_rows

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
    rows_summary: int = 0  # 合计/备注 lines: not data, kept aside
    replaced: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
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
    if path is None:  # the township list alone (全民参保: the population comes with the data)
        names = list(campaign.township_names)
        return pd.DataFrame(
            {"township": names, "position": range(1, len(names) + 1), "base": None}
        ), []
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
        "select file_sha256, township, delivered_on, rows_read, rows_loaded, rows_rejected,"
        " rows_summary from deliveries where campaign = ?",
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
    """Read, check and load one file unless this exact file was loaded before."""
    kind = KINDS[campaign.input_kind]
    township = township_from_name(path.stem, campaign)
    digest = file_sha256(path) if path.is_file() else ""
    if digest in known:  # the same bytes again: nothing to read, nothing counted twice
        township, delivered_on, read, loaded, rejected, summary = known[digest]
        return FileResult(
            path.name, digest, "already_loaded", township, delivered_on,
            read, loaded, rejected, summary,
        )  # fmt: skip
    try:
        extract = read_extract(
            path,
            alias_lookup(campaign.column_aliases, kind.headers),
            campaign.sheet,
            key=kind.header_key,
            required=kind.required,
        )
        if "township" not in extract.frame and township is None:
            raise ExtractError(
                f"文件 {path.name} 无法确定所属乡镇：文件名中没有乡镇名称，表中也没有乡镇列"
            )
    except ExtractError as exc:
        return FileResult(path.name, digest, "file_error", township, error=str(exc))
    data, summary = split_summary_rows(extract.frame)
    rules = Rules(
        township_aliases=campaign.township_aliases,
        townships=list(campaign.township_names),
        window_start=campaign.window_start,
        window_end=campaign.deadline,
        township=township,
    )
    checked = kind.check(data, summary, rules)
    valid, rejects = checked.valid, checked.rejects
    notes = list(checked.warnings)
    if "id_upgraded" in valid and valid["id_upgraded"].any():
        rows = valid.loc[valid["id_upgraded"], "source_row"].astype(str).tolist()
        shown = "、".join(rows[:10]) + ("等" if len(rows) > 10 else "")
        notes.append(f"{len(rows)} 个15位旧身份证号已按规则转换为18位（第{shown}行），请核对")
    if township is None and not valid.empty:
        township = valid["township"].mode().iloc[0]
    delivered_on = date_from_name(path.stem)
    if delivered_on is None:
        dates = valid.get("bought_on", valid.get("paid_on"))
        has_dates = dates is not None and dates.notna().any()
        delivered_on = dates.max().date() if has_dates else campaign.window_start
    archive_dir.mkdir(parents=True, exist_ok=True)
    archived = archive_dir / f"{digest}{path.suffix.lower()}"
    if not archived.exists():
        shutil.copyfile(path, archived)
    result = FileResult(
        file_name=path.name,
        sha256=digest,
        status="loaded",
        township=township,
        delivered_on=delivered_on,
        rows_read=len(data),
        rows_loaded=len(valid),
        rows_rejected=int(rejects["source_row"].nunique()),
        rows_summary=len(summary),
        warnings=[f"文件 {path.name}：{w}" for w in notes],
    )
    result.check_accounting()
    result.replaced = load_delivery(
        con,
        kind.table,
        {
            "campaign": campaign.name,
            "file_sha256": digest,
            "file_name": path.name,
            "archived_as": archived.name,
            "township": township,
            "delivered_on": delivered_on,
            "sheet": extract.sheet,
            "encoding": extract.encoding,
            "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded,
            "rows_rejected": result.rows_rejected,
            "rows_summary": result.rows_summary,
            "warnings": "\n".join(result.warnings),
        },
        valid,
        rejects.assign(value=rejects["value"].astype("string")),
    )
    known[digest] = (
        township, delivered_on, result.rows_read, result.rows_loaded, result.rows_rejected,
        result.rows_summary,
    )  # fmt: skip
    return result
