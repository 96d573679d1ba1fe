"""End-to-end tests of flows.render for a 惠民保 campaign (Qingliu): the run's Results come
from the SQL models (tests/report/puhui_data.py); render the PDFs and read them back as PDFs."""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
import subprocess
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from flows.render import OUTPUT_FILES, render_documents
from flows.render.pdf import Rendered
from flows.settings import get_settings
from tests.pdf import need, pdf_fonts, pdf_text, squeeze
from tests.report.puhui_data import (
    AS_OF,
    ASSIGNMENTS,
    ENROLLED,
    FILE_ERROR,
    FILE_ERROR_NAME,
    FILE_ERROR_TEXT,
    NOT_REPORTING,
    TIME_PROGRESS,
    build_results,
    qingliu,
)

A4 = (595, 842)
DOCUMENT_OF = {file_name: document for document, file_name in OUTPUT_FILES.items()}


def by_document(rendered: list[Rendered]) -> dict[str, Path]:
    """render_documents' paths by document name (assignment_table, ranking, ...)."""
    return {DOCUMENT_OF[done.path.name]: done.path for done in rendered}


def render(campaign, results, out_dir: Path) -> dict[str, Path]:
    return by_document(render_documents(campaign, AS_OF, results, out_dir, get_settings()))


@pytest.fixture(scope="module")
def campaign():
    return qingliu()


@pytest.fixture(scope="module")
def results(campaign):
    return build_results(campaign)


@pytest.fixture(scope="module")
def rendered(campaign, results, tmp_path_factory) -> dict[str, Path]:
    return render(campaign, results, tmp_path_factory.mktemp("reports"))


def test_results_reproduce_the_scenario(results):
    coverage = results.coverage.set_index("township")
    assert coverage["enrolled"].to_dict() == ENROLLED
    assert coverage.loc[NOT_REPORTING, "status"] == "未报送"
    assert coverage.loc[FILE_ERROR, "status"] == "文件错误"
    assert results.county["time_progress"] == pytest.approx(TIME_PROGRESS)
    # numbered by the calendar: 11月13日 is the window's 6th cadence day (every 5th from 10-15)
    assert results.doc_number == "清医保〔2024〕6号"


def test_render_writes_the_kinds_documents_and_the_quality_report(campaign, results, tmp_path):
    paths = [
        done.path for done in render_documents(campaign, AS_OF, results, tmp_path, get_settings())
    ]
    assert [path.name for path in paths] == [
        "任务表.pdf", "排名表.pdf", "排名表.png", "通报.pdf", "数据质量.pdf",
        "通报.png", "通报.docx",
    ]  # fmt: skip
    for path in paths:
        assert path.parent == tmp_path
        magic = {".pdf": b"%PDF-", ".png": b"\x89PNG", ".docx": b"PK\x03\x04"}[path.suffix]
        assert path.read_bytes().startswith(magic)


@pytest.mark.parametrize("document", ["assignment_table", "ranking", "circular"])
def test_every_township_and_the_office_come_back(rendered, document, campaign):
    text = squeeze(pdf_text(rendered[document]))
    for township, *_ in ASSIGNMENTS:
        assert township in text, f"{township} missing from {document}"
    assert campaign.office.issuing_office in text


def test_assignment_table_shows_the_total_and_levels(rendered, results):
    text = pdf_text(rendered["assignment_table"], layout=True)
    total_line = next(line for line in text.splitlines() if "合计" in line)
    assert total_line.split()[1:] == ["112300", "22467", "33695"]
    total = results.targets.set_index("township").loc["合计"]
    assert [total["base"], total["target_floor"], total["target_stretch"]] == [
        112300,
        22467,
        33695,
    ]
    flat = squeeze(pdf_text(rendered["assignment_table"]))
    assert "2025年度清流县“三明普惠医联保”参保任务表" in flat
    assert "目标任务数（20%）" in flat
    assert "力争任务数（30%）" in flat
    # Townships appear in the configured order, 合计 last.
    positions = [flat.index(township) for township, *_ in ASSIGNMENTS]
    assert positions == sorted(positions)
    assert flat.index("合计") > positions[-1]


def test_ranking_shows_rates_and_status(rendered, results):
    text = squeeze(pdf_text(rendered["ranking"]))
    county = results.county
    assert "22467" in text
    assert f"{county['rate'] * 100:.2f}%" in text
    top = results.coverage.iloc[0]
    assert f"{top['rate'] * 100:.2f}%" in text
    assert "未报送" in text
    assert "文件错误" in text


def test_circular_sentences(rendered, results, campaign):
    text = squeeze(pdf_text(rendered["circular"]))
    county = results.county
    completion = math.floor(county["completion_floor"] * 10000 + 0.5) / 100
    assert (
        f"截至11月13日，全县共有{county['enrolled']}人参保普惠医联保，"
        f"较上期通报增加{county['increase_since_circular']}人，"
        f"完成目标任务（22467人）的{completion:.2f}%" in text
    )
    assert results.doc_number in text
    assert "各乡（镇）人民政府，县直各有关单位：" in text
    assert "2024年11月13日" in text
    assert "附件：" in text
    assert campaign.requirements
    for requirement in campaign.requirements:
        assert squeeze(requirement) in text


def test_circular_names_every_township_below_floor(rendered, results):
    text = squeeze(pdf_text(rendered["circular"]))
    coverage = results.coverage
    below = coverage.loc[coverage["gap_floor"] > 0, "township"].tolist()
    assert len(below) >= 3
    sentence = "、".join(below) + f"等{len(below)}个乡（镇）尚未完成目标任务"
    assert sentence in text
    # the townships that reached it are named in the circular's own sentence, and only there
    reached = coverage.loc[
        (coverage["gap_floor"] == 0) & coverage["rank"].notna(), "township"
    ].tolist()
    done = (
        "、".join(reached)
        + f"{'等' if len(reached) > 1 else ''}{len(reached)}个乡（镇）已完成目标任务"
    )
    assert done in text
    assert not set(reached) & set(below)


def test_circular_states_the_time_progress_of_the_campaign_window(tmp_path):
    # The window 10-15 .. 12-13 has 60 days: the as-of date 11-13 is day 30 of them.
    campaign = qingliu(deadline=datetime.date(2024, 12, 13))
    results = build_results(campaign)
    assert results.county["time_progress"] == pytest.approx(0.5)
    paths = render(campaign, results, tmp_path)
    text = squeeze(pdf_text(paths["circular"]))
    assert "时序进度为50.00%" in text


@pytest.mark.parametrize("document", ["assignment_table", "ranking", "circular"])
def test_fonts_are_embedded_and_cjk(rendered, document):
    fonts = pdf_fonts(rendered[document])
    assert fonts, "no fonts listed"
    assert all(font["emb"] == "yes" for font in fonts), fonts
    # The fast TrueType faces from fonts.css carry the text; no slow CFF fallback (Noto).
    names = {font["name"].split("+")[-1] for font in fonts}
    assert "canbao-fangsong" in names, names
    assert not any("Noto" in name for name in names), names
    assert cjk_font_names(rendered[document]), "no embedded font maps to CJK characters"


def cjk_font_names(path: Path) -> list[str]:
    """Embedded fonts whose ToUnicode map covers CJK ideographs (U+4E00-U+9FFF)."""
    found = []
    for page in PdfReader(path).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            to_unicode = font.get("/ToUnicode")
            if to_unicode is None:
                continue
            cmap = to_unicode.get_object().get_data().decode("latin-1")
            codes = [int(code, 16) for code in re.findall(r"<([0-9a-fA-F]{4})>", cmap)]
            if any(0x4E00 <= code <= 0x9FFF for code in codes):
                found.append(str(font["/BaseFont"]))
    return found


def test_page_counts_and_sizes(rendered):
    assignment = PdfReader(rendered["assignment_table"])
    assert len(assignment.pages) == 1
    assert page_size(assignment.pages[0]) == A4

    ranking = PdfReader(rendered["ranking"])
    assert len(ranking.pages) >= 2  # table, then the chart on its own page
    assert page_size(ranking.pages[0]) == A4[::-1]

    circular = PdfReader(rendered["circular"])
    assert len(circular.pages) >= 2
    assert page_size(circular.pages[0]) == A4
    attachment_pages = [p for p in circular.pages if "附件" in squeeze(p.extract_text() or "")[:4]]
    assert attachment_pages, "the attachment does not start a page"
    assert page_size(attachment_pages[0]) == A4[::-1]


def test_circular_page_numbers(rendered):
    circular = PdfReader(rendered["circular"])
    pages = pdf_text(rendered["circular"], layout=True).split("\f")
    for number in range(1, len(circular.pages) + 1):
        assert f"—{number}—" in squeeze(pages[number - 1])


def test_renders_are_byte_identical(campaign, results, rendered, tmp_path, monkeypatch):
    # A later run (the clock three days on) must give the same bytes: no clock in the PDF.
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3 * 86400)
    again = render(campaign, results, tmp_path)
    assert set(again) == set(rendered)
    for name, path in rendered.items():
        assert again[name].read_bytes() == path.read_bytes(), f"{name} differs between renders"


def test_rerender_into_same_folder_keeps_files(campaign, results, tmp_path):
    first = render(campaign, results, tmp_path)
    stamps = {name: path.stat().st_mtime_ns for name, path in first.items()}
    second = render(campaign, results, tmp_path)
    assert {name: path.stat().st_mtime_ns for name, path in second.items()} == stamps


def test_pdf_dates_come_from_as_of(rendered):
    info = PdfReader(rendered["circular"]).metadata
    assert info["/CreationDate"].startswith("D:20241113")
    assert info["/ModDate"].startswith("D:20241113")


def page_size(page) -> tuple[int, int]:
    box = page.mediabox
    return round(float(box.width)), round(float(box.height))


# --- Progress against time, the trend, and runs without a circular -------------------------


def circular_pages(path: Path) -> list[str]:
    """Squeezed text of each page of a circular."""
    return [squeeze(page) for page in pdf_text(path).split("\f")]


def circular_body(path: Path) -> str:
    """The circular up to its attachment (the body officials read, not the table)."""
    pages = circular_pages(path)
    return "".join(page for page in pages if not page.startswith("附件"))


def circular_attachment(path: Path) -> str:
    return "".join(page for page in circular_pages(path) if page.startswith("附件"))


def test_doc_number_on_the_first_page_between_office_and_title(rendered, results, campaign):
    first = circular_pages(rendered["circular"])[0]
    number = results.doc_number
    assert number in first
    office = campaign.office.issuing_office
    assert first.index(office) < first.index(number) < first.index("关于")


def test_circular_states_time_progress(rendered, results):
    body = circular_body(rendered["circular"])
    percent = f"{TIME_PROGRESS * 100:.2f}%"
    assert f"时序进度为{percent}" in body
    county = results.county
    assert county["time_progress"] == pytest.approx(TIME_PROGRESS)
    lead = (county["completion_floor"] - TIME_PROGRESS) * 100
    assert f"超出时序进度{lead:.2f}个百分点" in body
    # the attachment's 进度 column states it too
    attachment = circular_attachment(rendered["circular"])
    assert f"时序{percent}" in attachment
    for heading in ("排名变化", "较上期通报增加", "进度"):
        assert heading in attachment


def test_circular_names_every_township_behind_time(rendered, results):
    body = circular_body(rendered["circular"])
    coverage = results.coverage
    behind = coverage.loc[coverage["progress_class"] == "落后时序", "township"].tolist()
    assert len(behind) == 3
    for township in behind:
        assert township in body
    assert "、".join(behind) + f"等{len(behind)}个乡（镇）落后于时序进度" in body


def test_circular_names_townships_that_completed(rendered, results):
    body = circular_body(rendered["circular"])
    coverage = results.coverage
    done = coverage.loc[coverage["progress_class"] == "已完成", "township"].tolist()
    assert "、".join(done) + f"等{len(done)}个乡（镇）已完成目标任务" in body
    assert "参保率排名前三位的是：余朋乡（31.84%）、里田乡（26.46%）、灵地镇（24.85%）" in body


def test_circular_headings_use_heiti_and_kaiti(rendered):
    body = circular_body(rendered["circular"])
    for heading in (
        "一、总体进展",
        "二、各乡（镇）进展情况",
        "（一）进度排名。",
        "三、下一步工作要求",
    ):
        assert heading in body
    names = {font["name"].split("+")[-1] for font in pdf_fonts(rendered["circular"])}
    assert {"canbao-heiti", "canbao-kaiti"} <= names


def test_circular_page_numbers_alternate_sides(rendered):
    """ "— N —" 7 mm under the text block, one character in: right on odd, left on even."""
    result = subprocess.run(
        [need("pdftotext"), "-bbox", str(rendered["circular"]), "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    pages = re.findall(
        r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', result.stdout, re.S
    )
    assert len(pages) >= 3
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]*)</word>')
    for number, (width, height, words) in enumerate(pages, start=1):
        found = [(float(x0), float(y0), float(x1)) for x0, y0, x1, text in word.findall(words)
                 if text == str(number)]  # fmt: skip
        x0, y0, x1 = max(found, key=lambda box: box[1])  # the lowest: the page number
        if float(width) < float(height):  # portrait body pages: 7 mm under the 225 mm block
            assert abs(y0 - (37 + 225 + 7) * MM) < 2
        centre = (x0 + x1) / 2
        if number % 2:
            assert centre > float(width) * 0.75, f"page {number} number not on the right"
        else:
            assert centre < float(width) * 0.25, f"page {number} number not on the left"


MM = 72 / 25.4


def test_without_history_the_increase_clause_is_omitted(campaign, tmp_path):
    results = build_results(campaign, history=False)
    county = results.county
    assert county["increase_since_circular"] is None
    assert results.doc_number == "清医保〔2024〕6号"  # the 6th cadence day, as with history
    paths = render(campaign, results, tmp_path)
    body = circular_body(paths["circular"])
    assert f"全县共有{county['enrolled']}人参保普惠医联保，完成目标任务（22467人）" in body
    assert "较上期通报增加" not in body
    assert "排名上升" not in body
    # a single run date: every trend chart still renders, one point each
    titles = trend_titles(paths["ranking"])
    for township, *_ in ASSIGNMENTS:
        assert titles.count(township) == 1, f"no trend chart titled {township}"
    assert "本期为首次统计" in squeeze(pdf_text(paths["ranking"]))


def test_without_a_circular_no_circular_is_written(campaign, results, tmp_path):
    # the same marts on a day that issues no circular (通报): no document number
    paths = render(campaign, dataclasses.replace(results, doc_number=None), tmp_path)
    assert set(paths) == {"assignment_table", "ranking", "ranking_phone", "quality"}
    assert not (tmp_path / "通报.pdf").exists()
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["任务表.pdf", "排名表.pdf", "排名表.png", "数据质量.pdf"]


def trend_titles(path: Path) -> list[str]:
    """Lines standing alone on the township trend pages: the chart titles (and axis labels)."""
    pages = pdf_text(path).split("\f")
    first = next(i for i, page in enumerate(pages) if "各乡（镇）参保人数变化趋势" in squeeze(page))
    return [line.strip() for page in pages[first:] for line in page.splitlines()]


def test_ranking_has_trend_charts_titled_by_township(rendered, results):
    text = squeeze(pdf_text(rendered["ranking"]))
    assert "全县“三明普惠医联保”参保人数变化趋势（11月3日—11月13日）" in text
    assert "共4次统计" in text
    titles = trend_titles(rendered["ranking"])
    for township in results.coverage["township"]:
        assert titles.count(township) == 1, f"no trend chart titled {township}"


def test_ranking_table_has_progress_columns(rendered, results):
    text = squeeze(pdf_text(rendered["ranking"]))
    for heading in ("排名变化", "较上期增加", "进度", "时序38.46%"):
        assert heading in text
    lines = pdf_text(rendered["ranking"], layout=True).splitlines()
    row = next(line for line in lines if "田源乡" in line).split()
    coverage = results.coverage.set_index("township")
    assert row[:3] == ["5", "↑2", "田源乡"]
    assert [coverage.loc["田源乡", "rank"], coverage.loc["田源乡", "rank_change"]] == [5, "↑2"]
    assert str(coverage.loc["田源乡", "increase_since_previous"]) in row
    assert "已完成" in row
    behind = next(line for line in lines if "李家乡" in line).split()
    assert "↓1" in behind and "落后时序" in behind


def test_a_file_error_township_shows_its_loaded_numbers_marked(rendered, results):
    loaded = results.coverage.set_index("township").loc[FILE_ERROR]
    assert loaded["status"] == "文件错误" and loaded["enrolled"] == ENROLLED[FILE_ERROR]
    shown = [
        str(loaded["rank"]),
        f"{FILE_ERROR}（文件错误）",
        str(loaded["enrolled"]),
        f"{loaded['rate'] * 100:.2f}%",
        "落后时序",
    ]
    ranking = squeeze(pdf_text(rendered["ranking"], layout=True))
    attachment = circular_attachment(rendered["circular"])
    for text in (ranking, attachment):
        assert f"{FILE_ERROR}（文件错误）" in text
    lines = pdf_text(rendered["ranking"], layout=True).splitlines()
    row = squeeze(next(line for line in lines if FILE_ERROR in line))
    position = 0
    for value in shown:  # in this order along the row
        position = row.index(value, position) + len(value)
    body = circular_body(rendered["circular"])
    assert f"{FILE_ERROR}报送的文件无法读取" in body
    quality = squeeze(pdf_text(rendered["quality"]))
    assert FILE_ERROR_NAME in quality and squeeze(FILE_ERROR_TEXT) in quality
