"""通报.docx: the circular as offices edit it, in the GB/T 9704 layout, from the words of
通报.pdf. Read back as a Word document (python-docx and its XML), and opened by a real client:
LibreOffice converts it to PDF, which is compared with canbao's own."""

from __future__ import annotations

import dataclasses
import datetime
import re
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import docx
import numpy
import pypdfium2
import pytest
from docx.shared import Mm, Pt
from pypdf import PdfReader

from flows.config import DocxFonts
from flows.render import render_documents
from flows.render.circular_docx import ORDER
from flows.settings import get_settings
from tests.office import convert_to_pdf
from tests.pdf import need, pdf_text, squeeze
from tests.report import basic_data, puhui_data

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RED = "E60012"


def render(campaign, results, as_of, out: Path) -> Path:
    render_documents(campaign, as_of, results, out, get_settings())
    return out


@pytest.fixture(scope="module")
def puhui(tmp_path_factory) -> tuple:
    campaign = puhui_data.qingliu()
    results = puhui_data.build_results(campaign)
    out = render(campaign, results, puhui_data.AS_OF, tmp_path_factory.mktemp("puhui"))
    return campaign, results, out


@pytest.fixture(scope="module")
def basic(tmp_path_factory) -> tuple:
    campaign = basic_data.yongchun()
    results = basic_data.build_results(campaign)
    out = render(campaign, results, basic_data.AS_OF, tmp_path_factory.mktemp("basic"))
    return campaign, results, out


def mm(length: int) -> float:
    """A length in mm, to a tenth (Word keeps twentieths of a point)."""
    return round(length / Mm(1), 1)


def paragraphs(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text.strip()]


def test_the_docx_says_what_the_pdf_says_paragraph_by_paragraph(puhui):
    campaign, _, out = puhui
    document = docx.Document(out / "通报.docx")
    shown = paragraphs(document)
    pdf = squeeze(pdf_text(out / "通报.pdf"))
    assert shown[:4] == [
        "清流县医疗保障局",
        "清医保〔2024〕6号",
        "关于2025年清流县“三明普惠医联保”\n参保缴费工作进展情况的通报",
        "各乡（镇）人民政府，县直各有关单位：",
    ]
    # every paragraph of the body, word for word, in the PDF's order
    position = 0
    for text in shown[3:]:
        found = pdf.find(squeeze(text), position)
        assert found >= 0, text
        position = found
    for requirement in campaign.requirements:
        assert any(squeeze(requirement) in squeeze(text) for text in shown)
    note = shown.index("附件：2025年清流县“三明普惠医联保”参保进度排名表")
    assert shown[note + 1 : note + 4] == ["清流县医疗保障局", "2024年11月13日", "附件"]
    # the headings keep their faces: 一、 in 黑体, （一） run in as 楷体
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert styles["一、总体进展"] == "一级标题"
    runs = [
        run.text
        for p in document.paragraphs
        for run in p.runs
        if run.style is not None and run.style.name == "二级标题"
    ]
    assert runs[:2] == ["（一）进度排名。", "（二）完成目标任务情况。"]


def test_the_attachment_is_the_ranking_table_on_a_landscape_section(puhui):
    _, results, out = puhui
    document = docx.Document(out / "通报.docx")
    first, attachment = document.sections
    assert (mm(first.page_width), mm(first.page_height)) == (210, 297)
    assert (mm(attachment.page_width), mm(attachment.page_height)) == (297, 210)
    table = document.tables[0]
    header = [cell.text for cell in table.rows[0].cells]
    assert header[:3] == ["排名", "排名\n变化", "乡（镇）"]
    names = [row.cells[2].text for row in table.rows[1:]]
    coverage = results.coverage
    assert names[:-1] == [
        name + ("（文件错误）" if status == "文件错误" else "")
        for name, status in zip(coverage["township"], coverage["status"], strict=True)
    ]
    assert names[-1] == "全县合计"
    header_row = table.rows[0]._tr
    assert header_row.find(f"{W}trPr/{W}tblHeader") is not None  # repeated on every page
    # 林畲镇 lags: its rate in red
    row = next(row for row in table.rows if row.cells[2].text == "林畲镇")
    rate = row.cells[header.index("参保率")].paragraphs[0].runs[0]
    assert str(rate.font.color.rgb) == RED


def test_the_page_is_gb_t_9704(puhui):
    _, _, out = puhui
    document = docx.Document(out / "通报.docx")
    section = document.sections[0]
    assert mm(section.top_margin) == 37 and mm(section.left_margin) == 28
    assert mm(section.page_width - section.left_margin - section.right_margin) == 156
    assert mm(section.page_height - section.top_margin - section.bottom_margin) == 225
    grid = section._sectPr.find(f"{W}docGrid")
    assert grid.get(f"{W}type") == "lines"
    assert int(grid.get(f"{W}linePitch")) * 22 == pytest.approx(Mm(225).pt * 20, abs=22)
    styles = document.styles
    body = styles["公文正文"]
    assert body.font.size == Pt(16)
    assert body.paragraph_format.line_spacing == Pt(28.95)
    # 28 characters of 16 pt condensed by 0.25 pt fit the 156 mm line
    spacing = int(body.element.rPr.find(f"{W}spacing").get(f"{W}val"))
    assert 28 * (16 + spacing / 20) <= Mm(156).pt < 28 * 16
    mark = styles["发文机关标志"]
    assert str(mark.font.color.rgb) == RED

    def face(style) -> str:
        return style.element.rPr.find(f"{W}rFonts").get(f"{W}eastAsia")

    assert face(mark) == "方正小标宋简体"
    assert face(styles["公文标题"]) == "方正小标宋简体"
    assert face(body) == "仿宋_GB2312"
    assert face(styles["一级标题"]) == "黑体"
    assert face(styles["二级标题"]) == "楷体_GB2312"
    # the red rule: the number's lower border, red
    number = next(p for p in document.paragraphs if p.style.name == "发文字号")
    border = number._p.pPr.find(f"{W}pBdr/{W}bottom")
    assert border.get(f"{W}color") == RED
    # "— 1 —": right on odd pages, left on even ones
    assert document.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.alignment == 2 and even.alignment == 0  # right, left
    for footer in (odd, even):
        assert footer.text == "— 1 —"
        assert "PAGE" in "".join(footer._p.itertext())


def test_fonts_are_named_as_configured_with_a_fallback_declared(puhui, tmp_path):
    campaign, results, _ = puhui
    fonts = DocxFonts(title="方正小标宋_GBK", body="仿宋", kai="华文楷体")
    render(dataclasses.replace(campaign, docx_fonts=fonts), results, puhui_data.AS_OF, tmp_path)
    with zipfile.ZipFile(tmp_path / "通报.docx") as book:
        table = ElementTree.fromstring(book.read("word/fontTable.xml"))
        styles = book.read("word/styles.xml").decode()
    declared = {
        font.get(f"{W}name"): (
            font.find(f"{W}altName").get(f"{W}val")
            if font.find(f"{W}altName") is not None
            else None,
            font.find(f"{W}charset").get(f"{W}val"),
        )
        for font in table
    }
    assert declared["方正小标宋_GBK"] == ("宋体", "86")
    assert declared["华文楷体"] == ("楷体", "86")  # unknown to canbao: its role's fallback
    assert declared["黑体"] == ("SimHei", "86")
    assert declared["仿宋"] == ("FangSong", "86")
    assert 'w:eastAsia="方正小标宋_GBK"' in styles and 'w:eastAsia="华文楷体"' in styles
    assert "仿宋_GB2312" not in styles


def test_a_rerun_writes_the_same_bytes_dated_by_the_as_of_date(puhui, tmp_path):
    campaign, results, out = puhui
    render(campaign, results, puhui_data.AS_OF, tmp_path)
    assert (tmp_path / "通报.docx").read_bytes() == (out / "通报.docx").read_bytes()
    with zipfile.ZipFile(out / "通报.docx") as book:
        assert {info.date_time for info in book.infolist()} == {(2024, 11, 13, 0, 0, 0)}
        assert "docProps/thumbnail.jpeg" not in book.namelist()  # the template's blank page
    properties = docx.Document(out / "通报.docx").core_properties
    midnight = datetime.datetime(2024, 11, 13, tzinfo=datetime.UTC)
    assert properties.created == properties.modified == midnight
    assert properties.author == "清流县医疗保障局"
    assert properties.title == "关于2025年清流县“三明普惠医联保”参保缴费工作进展情况的通报"
    assert properties.comments == ""


def test_no_circular_no_docx(puhui, tmp_path):
    campaign, results, _ = puhui
    render(campaign, dataclasses.replace(results, doc_number=None), puhui_data.AS_OF, tmp_path)
    assert not (tmp_path / "通报.docx").exists()


@pytest.mark.parametrize("kind", ["puhui", "basic"])
def test_every_element_is_in_the_order_word_requires(kind, request):
    _, _, out = request.getfixturevalue(kind)
    with zipfile.ZipFile(out / "通报.docx") as book:
        parts = [book.read(name) for name in book.namelist() if name.startswith("word/")]
    for part in parts:
        if not part.lstrip().startswith(b"<?xml"):
            continue
        for element in ElementTree.fromstring(part).iter():
            order = ORDER.get(element.tag)
            if order is None:
                continue
            tags = [child.tag for child in element if child.tag in order]
            positions = [order.index(tag) for tag in tags]
            assert positions == sorted(positions), (element.tag, tags)


# --- Through LibreOffice ----------------------------------------------------------------


def red_rule_mm(pdf: Path) -> tuple[float, float, float]:
    """The red rule on page 1: its row from the top, its left end and its width, in mm."""
    document = pypdfium2.PdfDocument(str(pdf))
    page = document[0]
    scale = 4  # 288 dpi
    pixels = numpy.asarray(page.render(scale=scale).to_pil().convert("RGB")).astype(int)
    document.close()
    px_mm = 25.4 / (72 * scale)
    red = (pixels[..., 0] > 180) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)
    rows = numpy.flatnonzero(red.sum(axis=1) > red.shape[1] * 0.6)  # a line across the page
    assert rows.size, "no red rule on page 1"
    y = int(rows[rows.size // 2])
    columns = numpy.flatnonzero(red[y])
    return y * px_mm, columns[0] * px_mm, (columns[-1] - columns[0]) * px_mm


def page_number_x(pdf: Path, page: int) -> float:
    """Where the page number's digits stand across the page, as a share of its width."""
    bbox = subprocess.run(
        [need("pdftotext"), "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', bbox).group(1))
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', bbox)
    x = next(float(x) for x, _, word in reversed(words) if word == str(page))
    return x / width


@pytest.mark.parametrize("kind", ["puhui", "basic"])
def test_libreoffice_opens_the_docx_as_canbaos_pdf(kind, request, tmp_path):
    campaign, results, out = request.getfixturevalue(kind)
    converted = convert_to_pdf(out / "通报.docx", tmp_path / "lo", get_settings().fonts_dir)
    ours = out / "通报.pdf"
    theirs_text, ours_text = squeeze(pdf_text(converted)), squeeze(pdf_text(ours))
    for township in results.coverage["township"]:
        assert township in ours_text
        assert township in theirs_text, township
    assert results.doc_number in theirs_text
    as_of = puhui_data.AS_OF if kind == "puhui" else basic_data.AS_OF
    assert f"{as_of.year}年{as_of.month}月{as_of.day}日" in theirs_text
    assert campaign.office.issuing_office in theirs_text
    assert abs(len(PdfReader(converted).pages) - len(PdfReader(ours).pages)) <= 1
    # the red rule where canbao's PDF has it: 156 mm wide from the 28 mm margin
    rule, left, width = red_rule_mm(converted)
    their_rule, _, _ = red_rule_mm(ours)
    assert rule == pytest.approx(their_rule, abs=1)
    assert left == pytest.approx(28, abs=1.5) and width == pytest.approx(156, abs=2)
    # "— 1 —" right on page 1, "— 2 —" left on page 2
    assert page_number_x(converted, 1) > 0.7
    assert page_number_x(converted, 2) < 0.3
