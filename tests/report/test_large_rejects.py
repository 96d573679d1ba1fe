"""20,000 rejected rows: 数据质量.pdf prints counts by reason and the first rows of each
township, 数据质量.xlsx holds every row."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from flows.outputs import write_quality_workbook
from flows.render import QUALITY_TEMPLATE
from flows.render.pdf import get_renderer, write_pdf
from flows.render.quality_report import QUALITY_ROWS_PER_TOWNSHIP, quality_context
from flows.settings import get_settings
from tests.pdf import pdf_text, squeeze
from tests.report.puhui_data import AS_OF
from tests.report.rejects_data import TOWNSHIPS, many_rejects, results_with_rejects

REJECTS = 20_000


@pytest.fixture(scope="module")
def results():
    return results_with_rejects(many_rejects(REJECTS))


def test_the_quality_report_summarises_and_stays_short(results, tmp_path):
    settings = get_settings()
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    context = quality_context(results.campaign, AS_OF, results)
    pdf = write_pdf(renderer, QUALITY_TEMPLATE, context, tmp_path / "数据质量.pdf")
    assert len(PdfReader(pdf).pages) <= 20
    text = squeeze(pdf_text(pdf))
    per_township = REJECTS // len(TOWNSHIPS)
    for group in context["groups"]:
        assert len(group["rows"]) == QUALITY_ROWS_PER_TOWNSHIP
        assert group["rejects"] in (per_township, per_township + 1)
        more = group["rejects"] - QUALITY_ROWS_PER_TOWNSHIP
        assert f"{group['township']}：剔除{group['rejects']}条" in text
        assert f"另有{more}条见数据质量.xlsx" in text
    # counts by reason: one kind of fault once, whatever value it quotes
    reasons = {(r["column"], r["reason"]) for g in context["groups"] for r in g["reasons"]}
    assert ("乡镇", "乡镇不在本县乡镇名录中") in reasons and len(reasons) == 3


def test_the_quality_workbook_holds_every_row(results, tmp_path):
    path = write_quality_workbook(results.campaign, results, tmp_path, AS_OF)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("剔除明细").to_python()
    data = [row for row in rows[1:] if isinstance(row[3], int | float) and row[3] != ""]
    assert len(data) == REJECTS
