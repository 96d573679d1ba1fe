"""Ingest: base tables and township extracts into DuckDB, every row accounted for."""

from __future__ import annotations

import csv
import difflib
import io
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from flows.assessment import FORM_FOLDER
from flows.config import Campaign, CampaignError
from flows.extracts import (
    EXTRACT_SUFFIXES,
    HEADER_SCAN_ROWS,
    Extract,
    ExtractError,
    file_sha256,
    read_extract,
)
from flows.store import load_delivery, same_day_deliveries, shared_people
from schemas.headers import (
    BASE_HEADERS,
    BASE_REQUIRED,
    CANONICAL_LABELS,
    alias_lookup,
    normalize_header,
)
from schemas.kinds import KINDS, DeliveryKind, Rules, check_in_duckdb
from schemas.lists import LISTS
from schemas.persons import PersonSpec, checked_tables, memory_connection
from schemas.rows import ROW_KEYS, split_summary_rows

_DATE_IN_NAME = re.compile(r"(20\d{2})[-_.年]?(\d{1,2})[-_.月]?(\d{1,2})")


@dataclass
class FileResult:
    """What happened to one input file in one run (one manifest entry)."""

    file_name: str
    sha256: str
    status: str  # loaded | already_loaded | file_error | skipped (not an extract: see reason)
    township: str | None = None
    delivered_on: date | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_summary: int = 0  # 合计/备注 lines: not data, kept aside
    replaced: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    reason: str | None = None  # why a skipped entry of the drop zone was not read

    def check_accounting(self) -> None:
        if self.status != "file_error" and self.rows_read != self.rows_loaded + self.rows_rejected:
            raise RuntimeError(
                f"文件 {self.file_name} 行数不平：读取 {self.rows_read} 行，"
                f"入库 {self.rows_loaded} 行 + 剔除 {self.rows_rejected} 行"
            )


# the folders of the lists beside the rosters (flows/lists.py): 单位职工/ -> 单位职工名册
# and the assessors' filled 考核评分表 (flows/assessment.py)
LIST_FOLDERS = {spec.folder: spec.label for spec in LISTS.values()} | {FORM_FOLDER: "考核评分表"}

# Files the system makes beside a township's own: Excel's lock file while a workbook is open
# (~$…), LibreOffice's (.~lock.…#), macOS's resource forks (._…) and folder caches.
_LOCK_PREFIXES = ("~$", ".~lock.")
_SYSTEM_PREFIXES = ("._",)
_SYSTEM_NAMES = (".ds_store", "thumbs.db", "desktop.ini")


@dataclass
class DropZone:
    """Every entry of a campaign's drop zone: the extracts to read, and the rest with why not."""

    extracts: list[Path]
    skipped: list[FileResult]


def skip_reason(path: Path) -> str | None:
    """Why an entry of the drop zone is not read (None: it is an extract).

    A leading dot does not hide a township's file: on the offices' Windows PCs it is only
    part of the name (“..龙津镇_2024-11-13.csv”), so such a file is read like any other.
    """
    name = path.name
    if path.is_dir() and name in LIST_FOLDERS:
        return f"是{LIST_FOLDERS[name]}的文件夹，其中的名单另行读取"
    if path.is_dir():
        return "是文件夹，其中的文件不读取；请把报送文件直接放在报送目录中"
    if name.startswith(_LOCK_PREFIXES):
        return "是 Excel/WPS 打开文件时生成的临时锁定文件，不是报送数据，已忽略"
    if name.startswith(_SYSTEM_PREFIXES) or name.lower() in _SYSTEM_NAMES:
        return "是操作系统生成的隐藏文件，不是报送数据，已忽略"
    if not path.is_file():
        return "不是普通文件，未读取"
    if path.suffix.lower() not in EXTRACT_SUFFIXES:
        return "的格式不受支持（应为 CSV 或 XLSX），未读取；请另存为 CSV 或 XLSX 后重新报送"
    return None


def survey_drop_zone(raw_dir: Path) -> DropZone:
    """Extract files in the drop zone, in arrival order (then by name), and every other entry
    with the reason it is not read: nothing there goes unmentioned in the manifest."""
    if not raw_dir.is_dir():
        return DropZone([], [])
    extracts, skipped = [], []
    for path in sorted(raw_dir.iterdir(), key=lambda p: p.name):
        reason = skip_reason(path)
        if reason is None:
            extracts.append(path)
            continue
        digest = file_sha256(path) if path.is_file() else ""
        entry = FileResult(path.name, digest, "skipped", reason=f"{path.name} {reason}")
        own = path.name.startswith(_LOCK_PREFIXES + _SYSTEM_PREFIXES) or path.name in LIST_FOLDERS
        if not own:
            entry.warnings.append(entry.reason)  # the township may have meant to send it
        skipped.append(entry)
    extracts.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
    return DropZone(extracts, skipped)


def discover_extracts(raw_dir: Path) -> list[Path]:
    """Extract files in the drop zone, in arrival order (then by name)."""
    return survey_drop_zone(raw_dir).extracts


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
        if column not in ROW_KEYS and text:
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


@dataclass(frozen=True)
class CheckedRows:
    """A file's rows checked: loadable rows and rejects, each with its sheet and row."""

    valid: pd.DataFrame
    rejects: pd.DataFrame
    warnings: list[str]
    rows_read: int  # rows that are data (loaded + rejected)
    rows_summary: int  # 合计/备注 lines set aside


def check_sheets(kind: DeliveryKind, frame: pd.DataFrame, rules: Rules) -> CheckedRows:
    """Check each sheet of a file as a table of its own (its 合计 against its own rows), in
    pandas: village counts. (Rosters and registers are checked in DuckDB, schemas/persons.)"""
    if "sheet" not in frame:
        frame = frame.assign(sheet=pd.Series(pd.NA, index=frame.index, dtype="string"))
    sheets = list(dict.fromkeys(frame["sheet"].tolist())) or [pd.NA]
    valid, rejects, warnings, rows_read, rows_summary = [], [], [], 0, 0
    for sheet in sheets:
        rows = frame[frame["sheet"] == sheet] if len(sheets) > 1 else frame
        data, summary = split_summary_rows(rows.drop(columns="sheet"))
        checked = kind.check(data, summary, rules)
        valid.append(checked.valid.assign(sheet=sheet).astype({"sheet": "string"}))
        rejects.append(checked.rejects.assign(sheet=sheet).astype({"sheet": "string"}))
        where = f"工作表“{sheet}”：" if len(sheets) > 1 else ""
        warnings.extend(where + w for w in checked.warnings)
        rows_read, rows_summary = rows_read + len(data), rows_summary + len(summary)
    valid_rows = pd.concat(valid, ignore_index=True)
    reject_rows = pd.concat(rejects, ignore_index=True)
    return CheckedRows(valid_rows, reject_rows, warnings, rows_read, rows_summary)


# a file dated this far outside the campaign window is taken for a typo in its name
NAME_DATE_SLACK_DAYS = 30
_CORRECTION_WORDS = ("更正", "修正", "更改", "订正")
# a same-day file with at least this share of its people in an earlier one corrects it
CORRECTION_OVERLAP = 0.5


def name_date_warnings(delivered_on: date, campaign: Campaign, today: date) -> list[str]:
    """A date in a file's name that cannot be a delivery date: it is kept, and said."""
    shown = delivered_on.isoformat()
    if delivered_on > today:
        return [
            f"文件名中的日期 {shown} 晚于今天（{today.isoformat()}），在该日期之前本文件不计入"
            "参保人数；请核对文件名中的年份和日期"
        ]
    slack = timedelta(days=NAME_DATE_SLACK_DAYS)
    if not campaign.window_start - slack <= delivered_on <= campaign.deadline + slack:
        return [
            f"文件名中的日期 {shown} 远在本次参保活动期（{campaign.window_start.isoformat()}"
            f" 至 {campaign.deadline.isoformat()}）之外；请核对文件名中的年份和日期"
        ]
    return []


def same_day_batches(
    con: duckdb.DuckDBPyConnection,
    kind: DeliveryKind,
    campaign: str,
    township: str | None,
    delivered_on: date,
    digest: str,
    file_name: str,
    rows: CheckedFile,
) -> tuple[list[dict], list[str]]:
    """Which earlier files of the same township and day this one replaces, and what to say.

    A snapshot (village counts, a register) is the township as of its day: the newest file
    of the day replaces the earlier ones. A roster is a batch of people: a second batch of the
    day adds up, unless it corrects an earlier file (its name says 更正/修正, or at least half
    of its people were in that file).
    """
    earlier = same_day_deliveries(con, campaign, township, delivered_on, digest)
    if not earlier:
        return [], []
    names = "、".join(e["file_name"] for e in earlier)
    if kind.snapshot or not isinstance(rows, PersonRows):
        return earlier, [f"{kind.label}以当日最新的文件为准：替换同日较早报送的 {names}"]
    if any(word in file_name for word in _CORRECTION_WORDS):
        return earlier, [f"文件名标明为更正：替换同日报送的 {names}"]
    (people,) = con.execute("select count(distinct id_number) from incoming_valid").fetchone()
    replacing, notes = [], []
    for entry in earlier:
        shared = shared_people(con, kind.table, campaign, entry["sha256"], "incoming_valid")
        counted = f"本文件 {people} 人中有 {shared} 人在同日报送的 {entry['file_name']} 中"
        if people and shared >= CORRECTION_OVERLAP * people:
            replacing.append(entry)
            notes.append(f"{counted}，视为对该文件的更正：替换该文件")
        else:
            notes.append(f"{counted}，视为同日的另一批：两批合计计入")
    return replacing, notes


class FrameRows:
    """A file's rows checked in pandas (village counts): frames in memory."""

    years = None  # village counts carry no earlier years

    def __init__(self, checked: CheckedRows):
        self.checked = checked
        self.valid = checked.valid
        self.rejects = checked.rejects.assign(value=checked.rejects["value"].astype("string"))
        self.warnings = checked.warnings
        self.rows_read = checked.rows_read
        self.rows_summary = checked.rows_summary
        self.rows_loaded = len(self.valid)
        self.rows_rejected = len(self.rejects[["sheet", "source_row"]].drop_duplicates())

    def upgraded_rows(self) -> list[int]:
        return []

    def release(self) -> None:
        """Nothing to free: the frames go with this object."""

    def commonest_township(self) -> str | None:
        townships = self.valid.get("township")
        return None if townships is None or townships.empty else townships.mode().iloc[0]

    def latest_date(self) -> date | None:
        return None


class PersonRows:
    """A file's rows checked in DuckDB (rosters, registers), in a database of their own: the
    run's transaction would keep every temporary table of every file in memory until it
    commits. The valid rows and rejects come over as Arrow tables, registered in the run's
    connection (incoming_valid, incoming_valid_rows, incoming_reject_rows) until loaded."""

    VIEWS = ("incoming_valid", "incoming_valid_rows", "incoming_reject_rows", "incoming_years")

    def __init__(
        self, con: duckdb.DuckDBPyConnection, extract: Extract, spec: PersonSpec, rules: Rules
    ):
        with memory_connection() as scratch:
            checked = check_in_duckdb(scratch, spec, extract.table, rules)
            valid, rejects = checked_tables(scratch)
            # the years of insurance before this one, of the people loaded (registers)
            years = scratch.execute(
                "select v.id_number, h.year, h.scheme, h.claimed from incoming_history h"
                " join incoming_valid v using (pos)"
                " where h.scheme in ('居民', '职工') order by h.pos, h.year"
            ).to_arrow_table()
        self.con = con
        self.warnings: list[str] = []
        self.rows_read = checked.rows_read
        self.rows_summary = checked.rows_summary
        self.rows_loaded = checked.rows_loaded
        self.rows_rejected = checked.rows_rejected
        self.columns = valid.column_names
        con.register("incoming_valid", valid)
        con.register("incoming_valid_rows", valid.drop_columns(["pos"]))
        con.register("incoming_reject_rows", rejects)
        con.register("incoming_years", years)
        self.valid, self.rejects = "incoming_valid_rows", "incoming_reject_rows"
        self.years = "incoming_years" if spec.history else None

    def release(self) -> None:
        for view in self.VIEWS:
            self.con.unregister(view)

    def upgraded_rows(self) -> list[int]:
        found = self.con.execute(
            "select source_row from incoming_valid where id_upgraded order by pos"
        ).fetchall()
        return [row for (row,) in found]

    def commonest_township(self) -> str | None:
        found = self.con.execute(
            "select township from incoming_valid group by township"
            " order by count(*) desc, township limit 1"
        ).fetchone()
        return found[0] if found else None

    def latest_date(self) -> date | None:
        day = next((c for c in ("bought_on", "paid_on") if c in self.columns), None)
        if day is None:
            return None
        (latest,) = self.con.execute(f"select max({day}) from incoming_valid").fetchone()
        return latest


CheckedFile = FrameRows | PersonRows


def ingest_file(
    con: duckdb.DuckDBPyConnection,
    campaign: Campaign,
    path: Path,
    archive_dir: Path,
    known: dict[str, tuple],
    today: date | None = None,
) -> FileResult:
    """Read, check and load one file unless this exact file was loaded before.

    ``today``: the date a file's name is checked against (default: the system's date).
    """
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
    rules = Rules(
        township_aliases=campaign.township_aliases,
        townships=list(campaign.township_names),
        window_start=campaign.window_start,
        window_end=campaign.deadline,
        township=township,
        year=campaign.year,
    )
    if kind.persons is not None:  # checked in DuckDB
        rows = PersonRows(con, extract, kind.persons, rules)
    else:
        rows = FrameRows(check_sheets(kind, extract.frame, rules))
    notes = [*extract.skipped_sheets, *rows.warnings]
    upgraded = rows.upgraded_rows()
    if upgraded:
        shown = "、".join(str(r) for r in upgraded[:10]) + ("等" if len(upgraded) > 10 else "")
        notes.append(f"{len(upgraded)} 个15位旧身份证号已按规则转换为18位（第{shown}行），请核对")
    if township is None:
        township = rows.commonest_township()
    delivered_on = date_from_name(path.stem)
    if delivered_on is None:
        delivered_on = rows.latest_date() or campaign.window_start
    else:
        notes.extend(name_date_warnings(delivered_on, campaign, today or date.today()))
    replacing, batch_notes = same_day_batches(
        con, kind, campaign.name, township, delivered_on, digest, path.name, rows
    )
    notes.extend(batch_notes)
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
        rows_read=rows.rows_read,
        rows_loaded=rows.rows_loaded,
        rows_rejected=rows.rows_rejected,
        rows_summary=rows.rows_summary,
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
        rows.valid,
        rows.rejects,
        replacing=replacing,
        years=rows.years,
    )
    rows.release()
    known[digest] = (
        township, delivered_on, result.rows_read, result.rows_loaded, result.rows_rejected,
        result.rows_summary,
    )  # fmt: skip
    return result
