"""Excel workbooks for officials who work in Excel: styled header, frozen, widths that fit.

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
    percent = book.add_format({"border": 1, "num_format": "0.00%", "font_name": "宋体"})
    for sheet in sheets:
        ws = book.add_worksheet(sheet.name)
        top = 0
        if sheet.title:
            ws.write_string(0, 0, sheet.title, title_format)
            top = 2
        columns = list(sheet.frame.columns)
        formats = [percent if name in sheet.percent_columns else cell for name in columns]
        for col, name in enumerate(columns):
            ws.write_string(top, col, str(name), header)
            widest = max(
                [display_width(name), *(display_width(v) for v in sheet.frame[name].head(2000))]
            )
            ws.set_column(col, col, min(max(widest + 2, 6), 60))
        for row, values in enumerate(sheet.frame.itertuples(index=False, name=None), start=top + 1):
            for col, value in enumerate(values):
                if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                    ws.write_blank(row, col, None, formats[col])
                else:
                    write_cell(ws, row, col, value, formats[col])
        ws.freeze_panes(top + 1, 0)
        if len(sheet.frame):
            ws.autofilter(top, 0, top + len(sheet.frame), len(columns) - 1)
        for offset, note in enumerate(sheet.notes, start=top + len(sheet.frame) + 2):
            ws.write_string(offset, 0, note)
    book.close()
    partial.replace(path)
    return path
