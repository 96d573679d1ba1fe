"""Reading township extracts (CSV in UTF-8/GBK/GB18030, XLSX) into string frames.

Values are kept as text exactly as the township typed them; cleaning and
checking belong to schemas/. Each row keeps its row number in the file so
that a rejected row can be found by the person who sent it.

Rows come back as an Arrow table of text (`Extract.table`), which DuckDB reads in place; the
pandas frame of the same rows (`Extract.frame`) is there for the small tables (base tables,
village counts). CSV is parsed by Arrow's multi-threaded reader, which keeps blank lines
(row numbers stay those the township sees) and decodes GB18030 as it reads; DuckDB's own
reader skips blank lines, and its encodings extension corrupted GB18030 text at a buffer
boundary in our measurements. A file Arrow will not take as it is (rows of uneven width, a
quoted value spanning lines, an encoding error) is read by pandas' C reader instead, which
handles each of those as before.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import python_calamine
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from schemas.headers import CANONICAL_LABELS, ROSTER_REQUIRED, map_headers

EXTRACT_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".xls")
HEADER_SCAN_ROWS = 15
# The first column is always read, even when unnamed: it is where 合计/备注 rows say so.
FIRST_CELL = "first_cell"
_ENCODINGS = ("utf-8-sig", "gb18030")


class ExtractError(Exception):
    """A file that cannot be read; the message says why, in Chinese."""


class NoHeaderError(ExtractError):
    """No header row in the rows scanned: in a workbook, a sheet of notes rather than data."""


@dataclass
class Extract:
    """One township file, read: canonical columns as text plus `source_row` (and, from a
    workbook, `sheet`: the rows of every sheet read, each with its sheet and row).

    Blank rows are left out and every value is trimmed; nothing else is changed."""

    path: Path
    table: pa.Table
    sheet: str | None  # the sheets read, joined with 、
    encoding: str | None
    header_row: int  # of the first sheet read
    skipped_sheets: list[str] = field(default_factory=list)  # one Chinese line each: why

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as a pandas frame: text columns of dtype "string", source_row int64."""
        return self.table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)


def file_sha256(path: Path) -> str:
    """The file's content hash; a file the process may not open is an ExtractError."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise unreadable(path, exc) from exc
    return digest.hexdigest()


def unreadable(path: Path, exc: BaseException) -> ExtractError:
    """What the system or a parser said, as one Chinese line naming the file.

    Officials act on the reason; the library's own (English) words stay in the traceback
    chained to it, for whoever maintains the pipeline.
    """
    kind = "XLS" if path.suffix.lower() == ".xls" else "XLSX"
    if isinstance(exc, PermissionError):
        reason = "没有读取权限（请检查文件权限，或文件是否正被其他程序占用）"
    elif isinstance(exc, FileNotFoundError):
        reason = "文件不存在（可能在读取时被移走或改名）"
    elif isinstance(exc, OSError):
        reason = "系统无法读取该文件（磁盘或网络共享出错），请稍后重试"
    elif isinstance(exc, UnicodeDecodeError):
        reason = "编码无法识别（应为 UTF-8 或 GBK）"
    elif isinstance(exc, pd.errors.EmptyDataError):
        reason = "文件中没有内容"
    elif isinstance(exc, pd.errors.ParserError | csv.Error):
        reason = "CSV 格式有误（如引号未闭合，或某行的列数与表头不符），请检查后重新报送"
    elif isinstance(exc, python_calamine.PasswordError):
        reason = f"{kind} 文件设有密码，请取消密码后重新报送"
    elif isinstance(exc, zipfile.BadZipFile | python_calamine.CalamineError):  # ZipError too
        reason = f"不是有效的 {kind} 文件（可能已损坏或实为其他格式）"
    else:
        reason = "文件已损坏或格式无法识别，请重新导出后报送"
    return ExtractError(f"文件 {path.name} 无法读取：{reason}")


def read_extract(
    path: Path,
    lookup: dict[str, str],
    sheet: str | None = None,
    *,
    key: str = "id_number",
    required: tuple[str, ...] = ROSTER_REQUIRED,
) -> Extract:
    """Read one extract; raise ExtractError with a Chinese reason if it cannot be read.

    The header is the first row (of the first 15) naming the `key` column.
    """
    header = HeaderRule(lookup, key, required)
    if not path.is_file() or path.stat().st_size == 0:
        raise ExtractError(f"文件 {path.name} 为空或不存在")
    suffix = path.suffix.lower()
    skipped: list[str] = []
    try:
        if suffix in (".csv", ".txt"):
            table, encoding, header_row = _read_csv(path, header)
            sheet_name = None
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            table, sheet_name, header_row, skipped = _read_workbook(path, header, sheet)
            encoding = None
        else:
            raise ExtractError(f"文件 {path.name} 的格式不受支持（应为 CSV 或 XLSX）")
    except ExtractError:
        raise
    except Exception as exc:  # any parser failure is a file the township must resend
        raise unreadable(path, exc) from exc
    return Extract(path, table, sheet_name, encoding, header_row, skipped)


@dataclass(frozen=True)
class HeaderRule:
    lookup: dict[str, str]
    key: str
    required: tuple[str, ...]


def _find_header(rows: list[list[object]], rule: HeaderRule, name: str) -> tuple[int, dict]:
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping = map_headers(list(row), rule.lookup)
        if rule.key in mapping.values():
            missing = [c for c in rule.required if c not in mapping.values()]
            if missing:
                labels = "、".join(CANONICAL_LABELS[c] for c in missing)
                raise ExtractError(f"文件 {name} 第{index + 1}行表头缺少必需列：{labels}")
            return index, mapping
    expected = CANONICAL_LABELS[rule.key]
    raise NoHeaderError(f"文件 {name} 前{HEADER_SCAN_ROWS}行中找不到表头（应含“{expected}”等列）")


def _decode_head(path: Path) -> tuple[str, str]:
    """The first 64 KiB as text, and the encoding that reads it strictly.

    A multi-byte character cut at the end of the sample is left for the incremental decoder
    to hold back; any other bad byte rules the encoding out (decoding UTF-8 leniently once let
    every GBK file over 64 KiB through as garbled UTF-8, and its header was never found).
    """
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    for encoding in _ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            return decoder.decode(head, final=len(head) < 1 << 16), encoding
        except UnicodeDecodeError:
            continue
    raise ExtractError(f"文件 {path.name} 的编码无法识别（应为 UTF-8 或 GBK）")


def _read_csv(path: Path, header: HeaderRule) -> tuple[pa.Table, str, int]:
    text, encoding = _decode_head(path)
    lines = text.splitlines()[:HEADER_SCAN_ROWS]
    delimiter = (
        "\t" if sum(x.count("\t") for x in lines) > sum(x.count(",") for x in lines) else ","
    )
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    header_index, mapping = _find_header(rows, header, path.name)
    columns = sorted({0, *mapping})
    names = {**mapping, 0: mapping.get(0, FIRST_CELL)}
    table = _read_csv_arrow(path, encoding, delimiter, header_index, len(rows[header_index]), names)
    if table is None:
        raw, encoding = _read_csv_pandas(path, encoding, delimiter, header_index, columns)
        raw = raw.rename(columns=names)
        table = pa.Table.from_pandas(raw, preserve_index=False)
    return _drop_blank(table), encoding.replace("utf-8-sig", "utf-8"), header_index + 1


def _read_csv_arrow(
    path: Path, encoding: str, delimiter: str, header_index: int, width: int, names: dict
) -> pa.Table | None:
    """The rows under the header by Arrow's reader, or None where pandas must read them."""
    positions = [f"c{i}" for i in range(width)]
    wanted = [positions[i] for i in sorted(names) if i < width]
    if len(wanted) < len(names):  # a named column beyond the header's own width
        return None
    try:
        table = pa_csv.read_csv(
            path,
            read_options=pa_csv.ReadOptions(
                skip_rows=header_index + 1,
                column_names=positions,
                encoding="utf8" if encoding == "utf-8-sig" else encoding,
            ),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                include_columns=wanted,
                column_types={name: pa.string() for name in wanted},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError, LookupError):
        return None  # uneven rows, bad bytes: pandas says which, or reads them as before
    if _line_breaks(path) > header_index + 1 + table.num_rows:
        return None  # a quoted value spans lines: pandas keeps the row numbers right
    table = table.rename_columns([names[int(name[1:])] for name in wanted])
    return table.add_column(0, "source_row", _row_numbers(header_index + 2, table.num_rows))


def _row_numbers(first: int, count: int) -> pa.Array:
    return pa.array(np.arange(first, first + count, dtype=np.int64))


def _line_breaks(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            count += block.count(b"\n")
    return count


def _read_csv_pandas(
    path: Path, encoding: str, delimiter: str, header_index: int, columns: list[int]
) -> tuple[pd.DataFrame, str]:
    def read(enc: str) -> pd.DataFrame:
        try:
            # Blank lines are kept so that row numbers match what the township sees.
            return pd.read_csv(
                path,
                sep=delimiter,
                encoding=enc,
                dtype=str,
                header=None,
                skiprows=header_index + 1,
                keep_default_na=False,
                skip_blank_lines=False,
                usecols=columns,
                engine="c",
            )
        except pd.errors.EmptyDataError:  # the header alone ("nothing sold today"): no rows
            return pd.DataFrame({column: pd.Series(dtype=str) for column in columns})

    try:
        raw = read(encoding)
    except UnicodeDecodeError:
        if encoding == "gb18030":
            raise ExtractError(f"文件 {path.name} 的编码无法识别（应为 UTF-8 或 GBK）") from None
        encoding = "gb18030"
        raw = read(encoding)
    first_line = pd.Series(pd.RangeIndex(header_index + 2, header_index + 2 + len(raw)))
    if path.read_bytes().count(b"\n") > header_index + 1 + len(raw):
        # a quoted field spanning lines (a stray quote) pushes every later row down the file
        spanned = raw.apply(lambda column: column.str.count("\n")).sum(axis=1)
        first_line += spanned.cumsum() - spanned
    raw.insert(0, "source_row", first_line.astype("int64"))
    return raw.astype({c: "string" for c in columns}), encoding


def _cell_text(value: object) -> str:
    """A cell as the text a person sees; long numbers keep Excel's E+ form on purpose."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15G}"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _read_workbook(
    path: Path, header: HeaderRule, sheet: str | None
) -> tuple[pa.Table, str, int, list[str]]:
    """Every visible sheet with a header row, rows together; the campaign's sheet alone if
    it names one. Every sheet not read is named with the reason."""
    workbook = CalamineWorkbook.from_path(str(path))
    names = workbook.sheet_names
    if sheet is not None and sheet not in names:
        raise ExtractError(
            f"文件 {path.name} 中没有名为“{sheet}”的工作表（有：{'、'.join(names)}）"
        )
    tables, read, header_rows, skipped = [], [], [], []
    no_header: list[NoHeaderError] = []
    for meta in workbook.sheets_metadata:
        name = meta.name
        if sheet is not None and name != sheet:
            skipped.append(f"工作表“{name}”未读取：活动配置指定只读取工作表“{sheet}”")
            continue
        if sheet is None and meta.visible != SheetVisibleEnum.Visible:
            skipped.append(f"工作表“{name}”是隐藏工作表，未读取；如其中是报送数据，请取消隐藏")
            continue
        if meta.typ != SheetTypeEnum.WorkSheet:
            skipped.append(f"工作表“{name}”不是数据表（图表等），未读取")
            continue
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        try:
            header_index, mapping = _find_header(rows, header, f"{path.name}（工作表“{name}”）")
        except NoHeaderError as exc:
            no_header.append(exc)
            expected = CANONICAL_LABELS[header.key]
            skipped.append(
                f"工作表“{name}”前{HEADER_SCAN_ROWS}行中没有表头（应含“{expected}”等列），未读取"
            )
            continue
        tables.append(_sheet_frame(rows, header_index, mapping, name))
        read.append(name)
        header_rows.append(header_index + 1)
    if not tables:
        if len(no_header) == 1 and (sheet is not None or len(skipped) == 1):
            raise no_header[0]
        raise NoHeaderError(f"文件 {path.name} 中没有可读取的工作表：{'；'.join(skipped)}")
    table = pa.concat_tables(tables, promote_options="default") if len(tables) > 1 else tables[0]
    return table, "、".join(read), header_rows[0], skipped


def _sheet_frame(
    rows: list[list[object]], header_index: int, mapping: dict[int, str], sheet: str
) -> pa.Table:
    body = rows[header_index + 1 :]
    positions = {0: mapping.get(0, FIRST_CELL), **mapping}
    columns = {"source_row": _row_numbers(header_index + 2, len(body))}
    for pos, canonical in positions.items():
        cells = [
            (value if type(value) is str else _cell_text(value))
            for value in (r[pos] if pos < len(r) else "" for r in body)
        ]
        columns[canonical] = pa.array(cells, type=pa.string())
    table = _drop_blank(pa.table(columns))
    return table.add_column(1, "sheet", pa.array([sheet] * table.num_rows, type=pa.string()))


def _drop_blank(raw: pa.Table) -> pa.Table:
    """Rows with a value in some column, every value trimmed (missing stays missing)."""
    trimmed = {  # every text column as Arrow strings (a column pandas left empty is "null")
        name: pc.utf8_trim_whitespace(raw[name].cast(pa.string()))
        if name != "source_row"
        else raw[name]
        for name in raw.column_names
    }
    texts = [column for name, column in trimmed.items() if name != "source_row"]
    if not texts or raw.num_rows == 0:
        return pa.table(trimmed)
    filled = [pc.not_equal(pc.fill_null(column, ""), "") for column in texts]
    keep = filled[0]
    for other in filled[1:]:
        keep = pc.or_(keep, other)
    table = pa.table(trimmed)
    return table if pc.all(keep).as_py() else table.filter(keep)
