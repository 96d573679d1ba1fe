"""Workbooks an office can print as they come: A4, one page wide, the header row on every
page, frozen under the header, rates as 12.34% and counts as whole numbers; read back from the
XLSX's own XML, and opened by LibreOffice where it is installed."""

from __future__ import annotations

import datetime
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from pypdf import PdfReader

from flows.assessment_form import write_form
from flows.excel import Sheet, write_workbook
from flows.outputs import write_ranking_workbook
from tests.office import convert_to_pdf
from tests.pdf import pdf_text, squeeze
from tests.report.assessment_data import computed_for
from tests.report.puhui_data import AS_OF, NAMES, build_results, qingliu

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
INTEGER, PERCENT, GENERAL = "0", "0.00%", "General"
# Excel's built-in number formats by id (the rest are written out in styles.xml)
BUILT_IN = {"0": GENERAL, "1": INTEGER, "10": PERCENT}


class Book:
    """An XLSX read back as XML: sheets by name, their cells' number formats, defined names."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as book:
            self.zip = {name: book.read(name) for name in book.namelist()}
        workbook = ElementTree.fromstring(self.zip["xl/workbook.xml"])
        rels = ElementTree.fromstring(self.zip["xl/_rels/workbook.xml.rels"])
        targets = {rel.get("Id"): rel.get("Target") for rel in rels}
        self.sheets = {
            sheet.get("name"): ElementTree.fromstring(
                self.zip["xl/" + targets[sheet.get(f"{REL}id")]]
            )
            for sheet in workbook.iter(f"{MAIN}sheet")
        }
        # sheet names quoted or not, as the writer chose: '排名'!$3:$3 and 排名!$3:$3 are one
        self.names = {
            (name.get("name"), name.get("localSheetId")): name.text.replace("'", "")
            for name in workbook.iter(f"{MAIN}definedName")
        }
        styles = ElementTree.fromstring(self.zip["xl/styles.xml"])
        codes = dict(BUILT_IN)
        codes.update(
            (fmt.get("numFmtId"), fmt.get("formatCode")) for fmt in styles.iter(f"{MAIN}numFmt")
        )
        self.number_formats = [
            codes[xf.get("numFmtId", "0")] for xf in styles.find(f"{MAIN}cellXfs")
        ]

    def page_setup(self, sheet: str) -> dict[str, str]:
        return dict(self.sheets[sheet].find(f"{MAIN}pageSetup").attrib)

    def fits_to_page(self, sheet: str) -> bool:
        setup = self.sheets[sheet].find(f"{MAIN}sheetPr/{MAIN}pageSetUpPr")
        return setup is not None and setup.get("fitToPage") == "1"

    def frozen_at(self, sheet: str) -> str | None:
        pane = self.sheets[sheet].find(f"{MAIN}sheetViews/{MAIN}sheetView/{MAIN}pane")
        return (
            pane.get("topLeftCell") if pane is not None and pane.get("state") == "frozen" else None
        )

    def number_format(self, sheet: str, cell: str) -> str:
        found = next(c for c in self.sheets[sheet].iter(f"{MAIN}c") if c.get("r") == cell)
        return self.number_formats[int(found.get("s", 0))]

    def footer(self, sheet: str) -> str:
        return self.sheets[sheet].find(f"{MAIN}headerFooter/{MAIN}oddFooter").text


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@pytest.fixture(scope="module")
def ranking_book(tmp_path_factory) -> Path:
    campaign = qingliu()
    return write_ranking_workbook(
        campaign, build_results(campaign), tmp_path_factory.mktemp("book"), AS_OF
    )


def test_every_sheet_prints_on_a4_one_page_wide_with_its_header_on_every_page(ranking_book):
    book = Book(ranking_book)
    assert list(book.sheets)[:3] == ["排名", "参保人数趋势", "参保率趋势"]
    for index, sheet in enumerate(book.sheets):
        setup = book.page_setup(sheet)
        assert setup["paperSize"] == "9", sheet  # A4
        assert setup.get("fitToWidth", "1") == "1" and setup["fitToHeight"] == "0", sheet
        assert book.fits_to_page(sheet), sheet
        assert "第 &P 页，共 &N 页" in book.footer(sheet)
        header = 3 if sheet == "排名" else 1  # the ranking has its title above the header
        assert book.names[("_xlnm.Print_Titles", str(index))] == f"{sheet}!${header}:${header}"
        assert book.names[("_xlnm.Print_Area", str(index))].startswith(f"{sheet}!$A$1:")
        assert book.frozen_at(sheet) == f"A{header + 1}", sheet
    # fifteen columns print landscape, a two-column sheet portrait
    assert book.page_setup("排名")["orientation"] == "landscape"
    assert book.page_setup("剔除明细")["orientation"] == "portrait"


def test_rates_show_two_decimals_and_counts_no_decimals(ranking_book):
    book = Book(ranking_book)
    header = [
        cell.findtext(f"{MAIN}is/{MAIN}t")
        for cell in book.sheets["排名"].iter(f"{MAIN}c")
        if cell.get("r").endswith("3") and re.fullmatch(r"[A-Z]+3", cell.get("r"))
    ]
    first_row = 4

    def cell(heading: str) -> str:
        return f"{column_letter(header.index(heading))}{first_row}"

    for heading in ("参保率", "目标任务完成率", "时序进度"):
        assert book.number_format("排名", cell(heading)) == PERCENT, heading
    for heading in ("排名", "已参保人数", "目标任务数", "距目标任务差额"):
        assert book.number_format("排名", cell(heading)) == INTEGER, heading
    assert book.number_format("排名", cell("乡（镇）")) == GENERAL  # text
    assert book.number_format("参保率趋势", "B2") == PERCENT
    assert book.number_format("参保人数趋势", "B2") == INTEGER


def test_a_long_note_wraps_across_the_table_inside_the_print_area(tmp_path):
    frame = pd.DataFrame({"乡（镇）": ["龙津镇", "温郊乡"], "剔除行数": [3, 0], "原因": ["", ""]})
    note = "身份证号只显示前6位和后4位，姓名只显示姓；行号为原文件中的行号（含标题行）。" * 2
    book = Book(
        write_workbook(
            tmp_path / "x.xlsx",
            [Sheet("汇总", frame, notes=[note])],
            as_of=datetime.date(2024, 11, 13),
        )
    )
    merged = [m.get("ref") for m in book.sheets["汇总"].iter(f"{MAIN}mergeCell")]
    assert merged == ["A5:C5"]
    assert book.names[("_xlnm.Print_Area", "0")] == "汇总!$A$1:$C$5"
    row = next(r for r in book.sheets["汇总"].iter(f"{MAIN}row") if r.get("r") == "5")
    assert float(row.get("ht")) >= 30  # two lines or more
    assert book.number_format("汇总", "B2") == INTEGER


def test_the_assessors_form_prints_landscape_one_page_wide(tmp_path):
    campaign = qingliu()
    computed = computed_for(campaign.assessment)
    form = write_form(tmp_path / "评分表.xlsx", campaign, computed, as_of=AS_OF)
    book = Book(form)
    setup = book.page_setup("考核评分表")
    assert setup["paperSize"] == "9" and setup.get("fitToWidth", "1") == "1"
    assert book.names[("_xlnm.Print_Titles", "0")] == "考核评分表!$3:$3"
    assert book.frozen_at("考核评分表") == "D4"


def test_libreoffice_opens_the_ranking_workbook_and_prints_it_one_page_wide(ranking_book, tmp_path):
    pdf = convert_to_pdf(ranking_book, tmp_path)
    pages = PdfReader(pdf).pages
    first = squeeze(pages[0].extract_text())
    # the whole ranking, first column to last, on its first page
    assert "参保进度排名" in first
    assert all(township in first for township in NAMES)
    assert "排名变化" in first and "报送状态" in first
    assert "38.46%" in squeeze(pdf_text(pdf))  # 时序进度 30/78, as the number format shows it
