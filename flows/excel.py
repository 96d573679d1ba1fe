"""Excel workbooks for officials who work in Excel: styled header, frozen, widths that fit,
and ready to print as they are: A4, one page wide (landscape when the columns are many), the
header row on every page, page numbers at the foot; rates as 12.34%, counts as whole numbers.

xlsxwriter writes them: fast, no Excel needed, and its files are byte-stable when the
creation date is fixed (we use the as-of date, as for the PDFs).
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd
import xlsxwriter

A4 = 9  # Excel's paper code
# Columns (in Excel's character units) that fit A4 portrait between 0.4 inch margins at 100%;
# a wider sheet prints landscape, and either way is scaled to one page wide.
PORTRAIT_WIDTH = 100
FOOTER = "&C第 &P 页，共 &N 页"
INTEGER_FORMAT = "0"
PERCENT_FORMAT = "0.00%"


@dataclass
class Sheet:
    name: str
    frame: pd.DataFrame
    percent_columns: tuple[str, ...] = ()
    title: str | None = None
    notes: list[str] = field(default_factory=list)


def display_width(value: object) -> int:
    """Columns as Excel measures them: a Chinese character is two wide."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def is_whole_number_column(values: pd.Series) -> bool:
    """Counts, ranks, row numbers: every value a whole number (bool is not a number here)."""
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_integer_dtype(values):
        return True
    present = values.dropna()
    if present.empty:
        return False
    if pd.api.types.is_float_dtype(present):
        return bool((present == present.round()).all())
    if present.dtype == object:
        return all(
            isinstance(v, int | Decimal) and not isinstance(v, bool) and v == int(v)
            for v in present
        )
    return False


def set_print_layout(ws, *, header_row: int, last_row: int, last_col: int, width: float) -> None:
    """Print as an office would set it up by hand: A4, landscape when ``width`` (the columns'
    total, in Excel's units) does not fit portrait, scaled to one page wide, the header row
    repeated on every page, "第 1 页，共 3 页" at the foot, the used range as print area."""
    ws.set_paper(A4)
    if width > PORTRAIT_WIDTH:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.repeat_rows(header_row)
    ws.print_area(0, 0, max(last_row, header_row), last_col)
    ws.set_footer(FOOTER)


def write_note(ws, row: int, note: str, fmt, last_col: int, width: float) -> None:
    """A note under the table, wrapped across the table's width, so that it prints whole
    inside the print area instead of running past its right edge."""
    if last_col <= 0:
        ws.write_string(row, 0, note, fmt)
        return
    lines = -(-display_width(note) // max(int(width) - 2, 1))
    ws.set_row(row, 15 * max(lines, 1))
    ws.merge_range(row, 0, row, last_col, note, fmt)


def write_cell(ws, row: int, col: int, value: object, fmt) -> None:
    """Numbers and dates as such, every other value as text: ``ws.write`` would turn a
    township's "=HYPERLINK(...)" into a live formula (formula injection)."""
    if hasattr(value, "item") and not isinstance(value, datetime.date):
        value = value.item()  # numpy scalars
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float | Decimal):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, datetime.date):
        ws.write_datetime(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def write_workbook(path: Path, sheets: list[Sheet], *, as_of: datetime.date) -> Path:
    """One workbook, one formatted sheet per frame.

    Written row by row in xlsxwriter's constant_memory mode: each row goes to disk as it is
    written, so that 200,000 rejected rows take seconds and little memory."""
    partial = path.with_name(path.name + ".part")
    book = xlsxwriter.Workbook(str(partial), {"nan_inf_to_errors": True, "constant_memory": True})
    book.set_properties({"created": datetime.datetime.combine(as_of, datetime.time())})
    header = book.add_format(
        {"bold": True, "bg_color": "#DDE6F0", "border": 1, "align": "center", "valign": "vcenter",
         "text_wrap": True, "font_name": "宋体"}
    )  # fmt: skip
    title_format = book.add_format({"bold": True, "font_size": 14, "font_name": "宋体"})
    cell = book.add_format({"border": 1, "font_name": "宋体"})
    percent = book.add_format({"border": 1, "num_format": PERCENT_FORMAT, "font_name": "宋体"})
    integer = book.add_format({"border": 1, "num_format": INTEGER_FORMAT, "font_name": "宋体"})
    note_format = book.add_format({"text_wrap": True, "valign": "top", "font_name": "宋体"})
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        top = 0
        if sheet.title:
            ws.write_string(0, 0, sheet.title, title_format)
            top = 2
        columns = list(sheet.frame.columns)
        formats = [
            percent
            if name in sheet.percent_columns
            else integer
            if is_whole_number_column(sheet.frame[name])
            else cell
            for name in columns
        ]
        widths = []
        for col, name in enumerate(columns):
            ws.write_string(top, col, str(name), header)
            shown = sheet.frame[name].head(2000)
            if formats[col] is not cell:  # as the number format shows it: 38.46%, 4861
                shown = shown.map(
                    lambda v, f=formats[col]: v if not isinstance(v, int | float) or pd.isna(v)
                    else f"{v:.2%}" if f is percent else f"{v:.0f}"
                )  # fmt: skip
            widest = max([display_width(name), *(display_width(v) for v in shown)])
            widths.append(min(max(widest + 2, 6), 60))
            ws.set_column(col, col, widths[-1])
        for row, values in enumerate(sheet.frame.itertuples(index=False, name=None), start=top + 1):
            for col, value in enumerate(values):
                if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                    ws.write_blank(row, col, None, formats[col])
                else:
                    write_cell(ws, row, col, value, formats[col])
        ws.freeze_panes(top + 1, 0)
        if len(sheet.frame):
            ws.autofilter(top, 0, top + len(sheet.frame), len(columns) - 1)
        last_row = top + len(sheet.frame)
        for offset, note in enumerate(sheet.notes, start=last_row + 2):
            write_note(ws, offset, note, note_format, len(columns) - 1, sum(widths))
            last_row = offset
        set_print_layout(
            ws,
            header_row=top,
            last_row=last_row,
            last_col=max(len(columns) - 1, 0),
            width=sum(widths),
        )
    book.close()
    partial.replace(path)
    return path
