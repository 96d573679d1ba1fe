"""End-to-end tests of flows.render: render the three PDFs and read them back as PDFs."""

from __future__ import annotations

import datetime
import math
import re
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from flows.render import render_reports
from flows.settings import PROJECT_ROOT, get_settings
from tests.pdf import pdf_fonts, pdf_text, squeeze

CAMPAIGN_FILE = PROJECT_ROOT / "campaigns" / "qingliu_2025_puhui.toml"
AS_OF = datetime.date(2024, 11, 13)
A4 = (595, 842)

# Qingliu's 2025 assignment table (base and targets as published, rounded up).
ASSIGNMENTS = [
    ("龙津镇", 20642, 4129, 6193),
    ("温郊乡", 3432, 687, 1030),
    ("赖坊镇", 7949, 1590, 2385),
    ("余朋乡", 4717, 944, 1416),
    ("林畲镇", 5506, 1102, 1652),
    ("嵩口镇", 13816, 2764, 4145),
    ("长校镇", 10084, 2017, 3026),
    ("里田乡", 5103, 1021, 1531),
    ("嵩溪镇", 13561, 2713, 4069),
    ("田源乡", 5132, 1027, 1540),
    ("李家乡", 8706, 1742, 2612),
    ("灵地镇", 10059, 2012, 3018),
    ("沙芜乡", 3593, 719, 1078),
]
# Made-up enrolment counts; 沙芜乡 sent nothing, 温郊乡 sent a broken file.
ENROLLED = {
    "龙津镇": 4861,
    "温郊乡": None,
    "赖坊镇": 1702,
    "余朋乡": 1502,
    "林畲镇": 802,
    "嵩口镇": 2911,
    "长校镇": 1800,
    "里田乡": 1350,
    "嵩溪镇": 2150,
    "田源乡": 1106,
    "李家乡": 1207,
    "灵地镇": 2500,
    "沙芜乡": None,
}
STATUS = {"温郊乡": "文件错误", "沙芜乡": "未报送"}


def build_targets() -> pd.DataFrame:
    rows = [
        {"township": t, "base": b, "target_floor": f, "target_stretch": s}
        for t, b, f, s in ASSIGNMENTS
    ]
    rows.append(
        {
            "township": "合计",
            "base": sum(r["base"] for r in rows),
            "target_floor": sum(r["target_floor"] for r in rows),
            "target_stretch": sum(r["target_stretch"] for r in rows),
        }
    )
    return pd.DataFrame(rows)


def build_coverage() -> pd.DataFrame:
    rows = []
    for township, base, floor, stretch in ASSIGNMENTS:
        enrolled = ENROLLED[township] or 0
        rows.append(
            {
                "township": township,
                "base": base,
                "target_floor": floor,
                "target_stretch": stretch,
                "enrolled": enrolled,
                "rate": enrolled / base,
                "gap_floor": max(floor - enrolled, 0),
                "gap_stretch": max(stretch - enrolled, 0),
                "status": STATUS.get(township, "已报送"),
            }
        )
    frame = pd.DataFrame(rows)
    frame["reported"] = frame["status"] == "已报送"
    frame = frame.sort_values(["reported", "rate"], ascending=[False, False]).reset_index(drop=True)
    ranks = [i + 1 if ok else pd.NA for i, ok in enumerate(frame["reported"])]
    frame.insert(0, "rank", pd.array(ranks, dtype="Int64"))
    return frame.drop(columns="reported")


def build_county(coverage: pd.DataFrame) -> dict:
    base = int(coverage["base"].sum())
    floor = int(coverage["target_floor"].sum())
    stretch = int(coverage["target_stretch"].sum())
    enrolled = int(coverage["enrolled"].sum())
    return {
        "base": base,
        "target_floor": floor,
        "target_stretch": stretch,
        "enrolled": enrolled,
        "rate": enrolled / base,
        "gap_floor": max(floor - enrolled, 0),
        "gap_stretch": max(stretch - enrolled, 0),
        "completion_floor": enrolled / floor,
        "completion_stretch": enrolled / stretch,
    }


@pytest.fixture(scope="module")
def campaign() -> dict:
    with CAMPAIGN_FILE.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def inputs(campaign):
    coverage = build_coverage()
    return {
        "campaign": campaign,
        "as_of": AS_OF,
        "coverage": coverage,
        "targets": build_targets(),
        "county": build_county(coverage),
        "settings": get_settings(),
        "doc_number": "清医保〔2024〕12号",
    }


@pytest.fixture(scope="module")
def rendered(inputs, tmp_path_factory) -> dict[str, Path]:
    out_dir = tmp_path_factory.mktemp("reports")
    return render_reports(out_dir=out_dir, **inputs)


def test_render_returns_the_three_files(rendered):
    assert set(rendered) == {"assignment_table", "ranking", "circular"}
    assert rendered["assignment_table"].name == "任务表.pdf"
    assert rendered["ranking"].name == "排名表.pdf"
    assert rendered["circular"].name == "通报.pdf"
    for path in rendered.values():
        assert path.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("document", ["assignment_table", "ranking", "circular"])
def test_every_township_and_the_office_come_back(rendered, document, campaign):
    text = squeeze(pdf_text(rendered[document]))
    for township, *_ in ASSIGNMENTS:
        assert township in text, f"{township} missing from {document}"
    assert campaign["office"]["issuing_office"] in text


def test_assignment_table_shows_the_total_and_levels(rendered):
    text = pdf_text(rendered["assignment_table"], layout=True)
    total_line = next(line for line in text.splitlines() if "合计" in line)
    assert total_line.split()[1:] == ["112300", "22467", "33695"]
    flat = squeeze(pdf_text(rendered["assignment_table"]))
    assert "2025年度清流县“三明普惠医联保”参保任务表" in flat
    assert "目标任务数（20%）" in flat
    assert "力争任务数（30%）" in flat
    # Townships appear in the configured order, 合计 last.
    positions = [flat.index(township) for township, *_ in ASSIGNMENTS]
    assert positions == sorted(positions)
    assert flat.index("合计") > positions[-1]


def test_ranking_shows_rates_and_status(rendered, inputs):
    text = squeeze(pdf_text(rendered["ranking"]))
    county = inputs["county"]
    assert "22467" in text
    assert f"{county['rate'] * 100:.2f}%" in text
    top = inputs["coverage"].iloc[0]
    assert f"{top['rate'] * 100:.2f}%" in text
    assert "未报送" in text
    assert "文件错误" in text


def test_circular_sentences(rendered, inputs):
    text = squeeze(pdf_text(rendered["circular"]))
    county = inputs["county"]
    completion = math.floor(county["completion_floor"] * 10000 + 0.5) / 100
    assert (
        f"截至11月13日，全县共有{county['enrolled']}人参保普惠医联保，"
        f"完成目标任务（22467人）的{completion:.2f}%" in text
    )
    assert "清医保〔2024〕12号" in text
    assert "各乡（镇）人民政府，县直各有关单位：" in text
    assert "2024年11月13日" in text
    assert "附件：" in text
    for requirement in inputs["campaign"]["circular"]["requirements"]:
        assert squeeze(requirement) in text
    assert "时序进度" not in text  # county has no time_progress in this fixture


def test_circular_names_every_township_below_floor(rendered, inputs):
    text = squeeze(pdf_text(rendered["circular"]))
    coverage = inputs["coverage"]
    below = coverage.loc[coverage["gap_floor"] > 0, "township"].tolist()
    assert len(below) >= 3
    sentence = "、".join(below) + f"等{len(below)}个乡（镇）尚未完成目标任务"
    assert sentence in text
    reached = coverage.loc[coverage["gap_floor"] == 0, "township"].tolist()
    for township in reached:
        assert township not in sentence


def test_circular_without_doc_number_and_with_time_progress(inputs, tmp_path):
    county = dict(inputs["county"], time_progress=0.5)
    paths = render_reports(out_dir=tmp_path, **dict(inputs, county=county, doc_number=None))
    text = squeeze(pdf_text(paths["circular"]))
    assert "清医保" not in text
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


def test_renders_are_byte_identical(inputs, rendered, tmp_path, monkeypatch):
    # A later run (the clock three days on) must give the same bytes: no clock in the PDF.
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3 * 86400)
    again = render_reports(out_dir=tmp_path, **inputs)
    for name, path in rendered.items():
        assert again[name].read_bytes() == path.read_bytes(), f"{name} differs between renders"


def test_rerender_into_same_folder_keeps_files(inputs, tmp_path):
    first = render_reports(out_dir=tmp_path, **inputs)
    stamps = {name: path.stat().st_mtime_ns for name, path in first.items()}
    second = render_reports(out_dir=tmp_path, **inputs)
    assert {name: path.stat().st_mtime_ns for name, path in second.items()} == stamps


def test_pdf_dates_come_from_as_of(rendered):
    info = PdfReader(rendered["circular"]).metadata
    assert info["/CreationDate"].startswith("D:20241113")
    assert info["/ModDate"].startswith("D:20241113")


def page_size(page) -> tuple[int, int]:
    box = page.mediabox
    return round(float(box.width)), round(float(box.height))
