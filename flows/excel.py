"""Excel workbooks for officials who work in Excel: styled header, frozen, widths that fit.

xlsxwriter writes them: fast, no Excel needed, and its files are byte-stable when the
creation date is fixed (we use the as-of date, as for the PDFs).
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field
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


def write_workbook(path: Path, sheets: list[Sheet], *, as_of: datetime.date) -> Path:
    """One workbook, one formatted sheet per frame."""
    partial = path.with_name(path.name + ".part")
    book = xlsxwriter.Workbook(str(partial), {"nan_inf_to_errors": True})
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
            ws.write(0, 0, sheet.title, title_format)
            top = 2
        columns = list(sheet.frame.columns)
        ws.write_row(top, 0, columns, header)
        for col, name in enumerate(columns):
            values = sheet.frame[name]
            fmt = percent if name in sheet.percent_columns else cell
            for row, value in enumerate(values.tolist(), start=top + 1):
                if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
                    ws.write_blank(row, col, None, fmt)
                elif hasattr(value, "item"):
                    ws.write(row, col, value.item(), fmt)
                else:
                    ws.write(row, col, value, fmt)
            widest = max([display_width(name), *(display_width(v) for v in values.head(2000))])
            ws.set_column(col, col, min(max(widest + 2, 6), 60))
        ws.freeze_panes(top + 1, 0)
        if len(sheet.frame):
            ws.autofilter(top, 0, top + len(sheet.frame), len(columns) - 1)
        for offset, note in enumerate(sheet.notes, start=top + len(sheet.frame) + 2):
            ws.write(offset, 0, note)
    book.close()
    partial.replace(path)
    return path
