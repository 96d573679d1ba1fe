"""Ingest: base tables and township extracts into DuckDB, every row accounted for."""

from __future__ import annotations

import csv
import difflib
import io
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from flows.config import Campaign, CampaignError
from flows.extracts import (
    EXTRACT_SUFFIXES,
    HEADER_SCAN_ROWS,
    Extract,
    ExtractError,
    file_sha256,
    read_extract,
)
from flows.store import load_delivery
from schemas.headers import (
    BASE_HEADERS,
    BASE_REQUIRED,
    CANONICAL_LABELS,
    alias_lookup,
    normalize_header,
)
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


@dataclass(frozen=True)
class BaseTable:
    """The campaign's base table as read: one row per township, and what its 合计 row said."""

    bases: pd.DataFrame  # township, position (1..n in file order), base (int64)
    stated_total: int | None  # the 合计/总计 row's base as written, if the file has one
    summed_total: int
    file_name: str | None
    warnings: list[str] = field(default_factory=list)

    @property
    def total_mismatch(self) -> bool:
        return self.stated_total is not None and self.stated_total != self.summed_total


_COUNT = re.compile(r"[0-9]+(?:\.0*)?")
_TOTAL_WORDS = ("合计", "总计")


def parse_count(text: object) -> int | None:
    """A count as typed: "12,345", "１２，３４５" or "12345.0" is 12345; anything else None."""
    if text is None or text is pd.NA:
        return None
    cleaned = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(text))).replace(",", "")
    return int(cleaned.split(".")[0]) if _COUNT.fullmatch(cleaned) else None


def read_base_table(campaign: Campaign) -> BaseTable:
    """The campaign's base table, read like a township extract (encodings, title rows, 合计).

    Every fault of the file is reported at once: one Chinese line each, in one CampaignError.
    """
    path = campaign.base_file
    if path is None:  # the township list alone (全民参保: the population comes with the data)
        names = list(campaign.township_names)
        bases = pd.DataFrame(
            {"township": names, "position": range(1, len(names) + 1), "base": None}
        )
        return BaseTable(bases, stated_total=None, summed_total=0, file_name=None)
    if not path.is_file():
        raise CampaignError(f"找不到基数表 {path}")
    extract = _read_base_extract(campaign, path)
    data, summary = split_summary_rows(extract.frame)
    label = f"基数表 {path.name}"
    overlong = _overlong_rows(path, extract)
    faults: list[str] = []
    rows: list[tuple[int, str, int]] = []  # source row, township, base
    seen: dict[str, list[int]] = {}
    for record in data.itertuples(index=False):
        row, written = int(record.source_row), _text(record.township)
        name, count_text = re.sub(r"\s", "", written), _text(record.base)
        if not name and not count_text:  # an unused numbered line of a template
            continue
        township = campaign.township_aliases.get(name)
        if not name:
            faults.append(f"{label} 第{row}行缺少乡镇名称（基数为“{count_text}”）")
        elif township is None:
            close = difflib.get_close_matches(name, campaign.township_names, n=1, cutoff=0.3)
            hint = f"，是否为“{close[0]}”？" if close else ""
            faults.append(
                f"{label} 第{row}行的乡镇“{written}”不在{campaign.county}乡镇名录中{hint}"
            )
        else:
            seen.setdefault(township, []).append(row)
        count = parse_count(count_text)
        if row in overlong:
            faults.append(
                f"{label} 第{row}行的列数多于表头（多出“{overlong[row]}”）："
                "CSV 中带逗号的数字（如 12,345）须加引号，或去掉逗号"
            )
        elif not count_text:
            faults.append(f"{label} 第{row}行（{written}）的基数为空")
        elif count is None or count <= 0:
            faults.append(f"{label} 第{row}行（{written}）的基数“{count_text}”不是正整数")
        elif township is not None:
            rows.append((row, township, count))
    for township, where in seen.items():
        if len(where) > 1:
            shown = "、".join(f"第{r}行" for r in where)
            faults.append(f"{label} 中乡镇“{township}”出现了{len(where)}次：{shown}")
    stated_total = None
    totals = summary[summary.apply(_is_total_row, axis=1)] if not summary.empty else summary
    if not totals.empty:
        first = totals.iloc[0]
        if int(first["source_row"]) in overlong:
            row = int(first["source_row"])
            faults.append(
                f"{label} 第{row}行（合计）的列数多于表头（多出“{overlong[row]}”）："
                "CSV 中带逗号的数字（如 12,345）须加引号，或去掉逗号"
            )
        stated_total = parse_count(_text(first["base"]))
    if not faults and not rows:
        faults.append(f"{label} 中没有任何乡镇的基数")
    if faults:
        raise CampaignError("\n".join(faults))
    bases = pd.DataFrame(
        {
            "township": [t for _, t, _ in rows],
            "position": range(1, len(rows) + 1),
            "base": pd.Series([c for _, _, c in rows], dtype="int64"),
        }
    )
    table = BaseTable(bases, stated_total, int(bases["base"].sum()), path.name)
    if table.total_mismatch:
        table.warnings.append(
            f"{label} 的合计行为 {stated_total}，各乡镇之和为 {table.summed_total}，"
            "以各乡镇之和为准"
        )
    missing = [name for name in campaign.township_names if name not in set(bases["township"])]
    if missing:  # listed, but given no base: it has no target and appears in no ranking
        table.warnings.append(f"{label} 中没有{'、'.join(missing)}的基数：未下达任务，不参与排名")
    return table


def _read_base_extract(campaign: Campaign, path: Path) -> Extract:
    """Read with the campaign's own two column names first, then with the usual aliases too.

    The campaign's names win: a file with both “基本医保参保人数” and the configured
    column is read by the configured one, wherever the two stand.
    """
    own = {
        canonical: (name,)
        for canonical, name in (
            ("township", campaign.base_township_column),
            ("base", campaign.base_column),
        )
        if normalize_header(name)
    }
    lookups = [alias_lookup(own, {})] if len(own) == 2 else []
    lookups.append(alias_lookup(own, BASE_HEADERS))
    for lookup in lookups:
        try:
            return read_extract(path, lookup, key="township", required=BASE_REQUIRED)
        except ExtractError as exc:
            error = exc
    message = " ".join(str(error).split())  # one line, whatever the parser said
    builtin = alias_lookup(None, BASE_HEADERS)
    configured = [
        f"{CANONICAL_LABELS[canonical]}列为“{name}”"
        for canonical, (name,) in own.items()
        if normalize_header(name) not in builtin
    ]
    if "表头" in message and configured:  # the official may be looking for the configured name
        message += f"；活动配置文件中的{'、'.join(configured)}"
    raise CampaignError(f"基数表 {message.removeprefix('文件 ')}") from None


def _overlong_rows(path: Path, extract: Extract) -> dict[int, str]:
    """CSV rows with more filled fields than the header (row -> the extra text).

    An unquoted “12,345” in a comma-separated file is two fields; the reader would keep 12.
    """
    if extract.encoding is None:  # a workbook: a cell is a cell
        return {}
    encoding = "utf-8-sig" if extract.encoding == "utf-8" else extract.encoding
    text = path.read_bytes().decode(encoding, errors="replace")
    head = text.splitlines()[:HEADER_SCAN_ROWS]
    tabs, commas = (sum(line.count(sep) for line in head) for sep in ("\t", ","))
    records = list(csv.reader(io.StringIO(text), delimiter="\t" if tabs > commas else ","))
    width = len(records[extract.header_row - 1])
    overlong = {}
    for number, record in enumerate(records[extract.header_row :], start=extract.header_row + 1):
        extra = [c.strip() for c in record[width:]]
        if any(extra):
            overlong[number] = ",".join(extra)
    return overlong


def _text(value: object) -> str:
    return "" if value is None or value is pd.NA or pd.isna(value) else str(value).strip()


def _is_total_row(row: pd.Series) -> bool:
    """A 合计/总计 row (not 小计, not 备注): its leftmost filled cell says so."""
    for column, value in row.items():
        text = re.sub(r"\s", "", _text(value))
        if column != "source_row" and text:
            return text.startswith(_TOTAL_WORDS)
    return False


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
    try:
        digest = file_sha256(path)
    except ExtractError as exc:  # not even openable: nothing to compare, nothing to archive
        return FileResult(path.name, "", "file_error", township, error=str(exc))
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
