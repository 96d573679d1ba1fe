"""Formula injection: a township's text never becomes a live formula in our XLSX or CSV."""

from __future__ import annotations

import datetime
import zipfile

import pandas as pd

from flows.excel import Sheet, write_workbook
from flows.outputs import _write_csv

HYPERLINK = '=HYPERLINK("http://x","y")'
FORMULAS = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as book:
        return book.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_workbook_writes_text_that_looks_like_a_formula_as_text(tmp_path):
    frame = pd.DataFrame({"内容": FORMULAS, "行号": range(len(FORMULAS))})
    path = write_workbook(
        tmp_path / "x.xlsx", [Sheet("剔除明细", frame)], as_of=datetime.date(2024, 11, 13)
    )
    xml = sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml
    assert f"<t>{HYPERLINK}</t>" in xml  # an inline string (the workbook streams its rows)
    assert '<c r="B3" s="3"><v>1</v></c>' in xml  # numbers stay numbers


def test_csv_prefixes_formula_text_and_leaves_numbers(tmp_path):
    frame = pd.DataFrame(
        {"value": FORMULAS, "gap": [-5, -1, 0, 1, 2, 3], "text": ["-", "龙津镇", "a", "b", "", "x"]}
    )
    path = _write_csv(frame, tmp_path / "x.csv")
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    assert lines[1] == '"\'=HYPERLINK(""http://x"",""y"")",-5,\'-'
    assert lines[2] == "'+1+1,-1,龙津镇"
    assert lines[3] == "'-2+3,0,a"
    assert lines[4] == "'@SUM(A1),1,b"
    assert lines[5].startswith("'\tcmd,2,")
