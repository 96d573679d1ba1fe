"""考核评分 end to end: the mart from the real SQL, the assessors' form written and read back
as XLSX, the scorecard as PDF and workbook read back as such."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from flows.assessment import (
    BLANK_FORM,
    FORM_FOLDER,
    SCORECARD_PDF,
    SCORECARD_WORKBOOK,
    assessment_outputs,
)
from flows.assessment_form import read_form, write_form
from flows.config import load_campaign
from flows.settings import get_settings
from tests.conftest import QINGLIU
from tests.pdf import need, pdf_fonts, pdf_text, squeeze
from tests.report.assessment_data import AS_OF, ENTITIES, computed_for

HEADINGS = [
    "序号", "单位名称", "类型", "组织领导（0-20分）", "宣传发动（0-30分）", "任务完成（0-50分）",
    "困难群体资助到位（加分，0-10）", "职工家属参保率达80%（加分，0-10）",
    "参保率超20%加分（加分，0-20）", "发生负面舆情（扣分，0-10）",
]  # fmt: skip
# what the assessors enter; 县教育局's 组织领导 left blank (待评)
ENTERED = pd.DataFrame(
    [
        *[("龙津镇", k, v) for k, v in (("organisation", 18), ("publicity", 25), ("incident", 0))],
        *[("嵩溪镇", k, v) for k, v in (("organisation", 20), ("publicity", 28), ("incident", 10))],
        *[("温郊乡", k, v) for k, v in (("organisation", 15), ("publicity", 22), ("incident", 0))],
        *[("沙芜乡", k, v) for k, v in (("organisation", 16), ("publicity", 24), ("incident", 0))],
        *[
            ("县财政局", k, v)
            for k, v in (("organisation", 17), ("publicity", 26), ("incident", 0))
        ],
        *[("县教育局", k, v) for k, v in (("publicity", 20), ("incident", 0))],
    ],
    columns=["entity", "item_key", "points"],
).astype({"points": "float64"})
# base (entered + 任务完成), bonus, deduction, total, rank, status
EXPECTED = {
    "龙津镇": (93.0, 30.0, 0.0, 123.0, 1, ""),  # rate bonus (31% − 20%) × 2 = 22, capped at 20
    "县财政局": (93.0, 10.0, 0.0, 103.0, 2, ""),
    "嵩溪镇": (94.75, 14.6, 10.0, 99.35, 3, ""),  # 3 of 12 not funded: no hardship bonus
    "沙芜乡": (85.0, 10.0, 0.0, 95.0, 4, "部分待评"),  # no hardship list: 待评
    "温郊乡": (77.0, 10.0, 0.0, 87.0, 5, ""),  # nobody on the list: funded
    "县教育局": (55.0, 0.0, 0.0, 55.0, 6, "部分待评"),  # 组织领导 left blank
}


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(QINGLIU, get_settings())


@pytest.fixture(scope="module")
def computed(campaign):
    return computed_for(campaign.assessment)


def sheet_rows(path: Path, sheet: str | None = None) -> list[list]:
    book = CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_name(sheet or book.sheet_names[0]).to_python(skip_empty_area=False)


MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def cell_styles(path: Path) -> tuple[bool, dict[str, tuple[bool, str | None]]]:
    """Whether the first sheet is protected, and per cell: locked, and its fill colour."""
    with zipfile.ZipFile(path) as book:
        styles = ElementTree.fromstring(book.read("xl/styles.xml"))
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    fills = []
    for fill in styles.find(f"{MAIN}fills"):
        colour = fill.find(f"{MAIN}patternFill/{MAIN}fgColor")
        fills.append(colour.get("rgb") if colour is not None else None)
    formats = []
    for xf in styles.find(f"{MAIN}cellXfs"):
        protection = xf.find(f"{MAIN}protection")
        locked = protection is None or protection.get("locked") != "0"
        formats.append((locked, fills[int(xf.get("fillId", 0))]))
    cells = {c.get("r"): formats[int(c.get("s", 0))] for c in sheet.iter(f"{MAIN}c")}
    return sheet.find(f"{MAIN}sheetProtection") is not None, cells


def drop_form(raw_dir: Path, source: Path, name: str = "评分表.xlsx") -> Path:
    folder = raw_dir / FORM_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_bytes(source.read_bytes())
    return target


def test_the_blank_form_fills_and_locks_computed_items_and_greys_what_does_not_apply(
    campaign, computed, tmp_path
):
    path = write_form(tmp_path / BLANK_FORM, campaign, computed, as_of=AS_OF)
    rows = sheet_rows(path)
    assert rows[0][0] == "2025年度“三明普惠医联保”参保工作考核评分表"
    assert rows[1][0].startswith("填表说明：请在白色单元格中填写考核组评分")
    assert rows[2] == HEADINGS
    by_name = {row[1]: row for row in rows[3:]}
    assert list(by_name) == ENTITIES["entity"].tolist()
    assert by_name["嵩溪镇"][3:] == ["", "", 46.75, 0.0, "", 14.6, ""]
    assert by_name["沙芜乡"][6] == "待评"  # computed, but no hardship list was delivered
    assert by_name["县财政局"][3:] == ["", "", 50.0, "", 10.0, "", ""]
    protected, cells = cell_styles(path)
    grey, blue = "FFBFBFBF", "FFE3EEF9"
    assert protected
    assert cells["D4"] == (False, None)  # 龙津镇 组织领导: entered, open
    assert cells["J4"] == (False, None)  # 龙津镇 负面舆情
    assert cells["F4"] == (True, blue)  # 龙津镇 任务完成: computed, locked
    assert cells["H4"] == (True, grey)  # 龙津镇 职工家属: units only
    assert cells["H8"] == (True, blue)  # 县财政局 职工家属
    assert cells["G8"] == (True, grey)  # 县财政局 困难群体: townships only
    assert cells["B4"][0]  # names locked
    # stamped with the as-of date: the same form, the same bytes
    again = write_form(tmp_path / "again.xlsx", campaign, computed, as_of=AS_OF)
    assert again.read_bytes() == path.read_bytes()


def test_a_filled_form_is_read_back_and_scored(campaign, computed, tmp_path):
    form = write_form(tmp_path / "filled.xlsx", campaign, computed, entered=ENTERED, as_of=AS_OF)
    entered, faults = read_form(form, campaign, ENTITIES)
    assert faults == []
    pd.testing.assert_frame_equal(entered, ENTERED)
    raw, out = tmp_path / "raw", tmp_path / "out"
    drop_form(raw, form)
    paths, warnings = assessment_outputs(campaign, computed, raw, out, AS_OF, get_settings())
    assert warnings == []
    assert [p.name for p in paths] == [BLANK_FORM, SCORECARD_PDF, SCORECARD_WORKBOOK]
    rows = sheet_rows(out / SCORECARD_WORKBOOK, "考核得分")
    header = rows[2]
    assert header[-5:] == ["基础分小计", "加分", "扣分", "总分", "状态"]
    got = {row[1]: (*row[-5:-1], int(row[0]), row[-1]) for row in rows[3 : 3 + len(EXPECTED)]}
    assert got == EXPECTED
    assert list(got) == list(EXPECTED)  # in rank order
    education = next(row for row in rows if row[1] == "县教育局")
    assert education[3] == "待评" and education[7] == 0.0 and education[6] == "—"
    basis = sheet_rows(out / SCORECARD_WORKBOOK, "计算依据")
    assert ["嵩溪镇", "乡镇", "困难群体资助到位", 0.0, "名单 12 人，3 人未资助"] in basis


def test_a_form_with_a_fault_is_refused_line_by_line_and_nothing_from_it_is_used(
    campaign, computed, tmp_path
):
    # 嵩溪镇's 组织领导 out of bounds, 温郊乡 renamed 温郊镇, 县教育局's row deleted
    entered = ENTERED.copy()
    entered.loc[
        (entered["entity"] == "嵩溪镇") & (entered["item_key"] == "organisation"), "points"
    ] = 25
    entered["entity"] = entered["entity"].replace({"温郊乡": "温郊镇"})
    damaged = computed.assign(entity=computed["entity"].replace({"温郊乡": "温郊镇"}))
    damaged = damaged[damaged["entity"] != "县教育局"]
    form = write_form(tmp_path / "评分表.xlsx", campaign, damaged, entered=entered, as_of=AS_OF)
    scores, faults = read_form(form, campaign, ENTITIES)
    assert scores is None
    assert faults == [
        "考核评分表 评分表.xlsx 第5行（嵩溪镇）“组织领导”为 25，超过满分 20",
        "考核评分表 评分表.xlsx 第6行的“温郊镇”不在考核名单中，是否为“温郊乡”？",
        "考核评分表 评分表.xlsx 缺少“温郊乡”一行（请勿删除行；未评的项目留空即可）",
        "考核评分表 评分表.xlsx 缺少“县教育局”一行（请勿删除行；未评的项目留空即可）",
    ]
    raw, out = tmp_path / "raw", tmp_path / "out"
    drop_form(raw, form)
    _, warnings = assessment_outputs(campaign, computed, raw, out, AS_OF, get_settings())
    assert warnings == [
        *faults,
        "考核评分表 评分表.xlsx 有 4 处错误，本次未采用，考核组评分项目均为待评：请改正后重新放入",
    ]
    rows = sheet_rows(out / SCORECARD_WORKBOOK, "考核得分")[3:9]
    # nothing from the form: not even 龙津镇's right scores
    assert (
        {row[3] for row in rows} == {row[4] for row in rows} == {row[9] for row in rows} == {"待评"}
    )
    assert {row[-1] for row in rows} == {"部分待评"}
    assert "考核评分表评分表.xlsx有误未采用" in squeeze(pdf_text(out / SCORECARD_PDF))


def test_scores_typed_by_hand_are_read_and_each_mistake_named(campaign, tmp_path):
    """A form the county made itself: its own title, headings retyped without the bounds'
    full form, full-width digits; blanks are 待评, not faults."""
    path = tmp_path / "县里自制.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sheet1")
    rows = [
        ["清流县考核评分"],
        [],
        ["序号", "单位名称", "类型", "组织领导（20分）", "宣传发动", "发生负面舆情（扣分）"],
        [1, "龙津镇", "乡镇", "１８分", 25, 0],
        [2, "嵩溪镇", "乡镇", "优秀", None, 12],
        [3, "温郊乡", "乡镇", -2, 22, None],
        [4, "沙芜乡", "乡镇", 16, 24, 0],
        [5, "县财政局", "单位", 17.5, 26, 0],
        [6, "县教育局", "单位", None, None, None],
        [7, "龙津镇", "乡镇", 18, 25, 0],
        [None, None, None, 10, None, None],
    ]
    for number, row in enumerate(rows):
        for col, value in enumerate(row):
            if value is not None:
                sheet.write(number, col, value)
    book.close()
    scores, faults = read_form(path, campaign, ENTITIES)
    assert scores is None
    assert faults == [
        "考核评分表 县里自制.xlsx 第5行（嵩溪镇）“组织领导”为“优秀”，应填 0 到 20 之间的数",
        "考核评分表 县里自制.xlsx 第5行（嵩溪镇）“发生负面舆情”为 12，超过最多扣分 10",
        "考核评分表 县里自制.xlsx 第6行（温郊乡）“组织领导”为 -2，不能为负数",
        "考核评分表 县里自制.xlsx 第10行的“龙津镇”与第4行重复",
        "考核评分表 县里自制.xlsx 第11行没有单位名称，但填有评分",
    ]
    del rows[4:6], rows[-2:]  # the faulty rows gone: 嵩溪镇 and 温郊乡 missing
    scores, faults = read_form(write_rows(tmp_path / "b.xlsx", rows), campaign, ENTITIES)
    assert faults == [
        "考核评分表 b.xlsx 缺少“嵩溪镇”一行（请勿删除行；未评的项目留空即可）",
        "考核评分表 b.xlsx 缺少“温郊乡”一行（请勿删除行；未评的项目留空即可）",
    ]
    rows.insert(4, [2, "嵩溪镇", "乡镇", None, None, 10])
    rows.insert(5, [3, "温郊乡", "乡镇", 15, 22, None])
    scores, faults = read_form(write_rows(tmp_path / "c.xlsx", rows), campaign, ENTITIES)
    assert faults == []
    assert scores[scores["entity"] == "龙津镇"]["points"].tolist() == [18.0, 25.0, 0.0]
    assert len(scores) == 12  # 18 cells, six of them blank: 待评


def write_rows(path: Path, rows: list[list]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for number, row in enumerate(rows):
        for col, value in enumerate(row):
            if value is not None:
                sheet.write(number, col, value)
    book.close()
    return path


def test_the_latest_form_is_read_and_a_missing_one_is_said(campaign, computed, tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    _, warnings = assessment_outputs(campaign, computed, raw, out, AS_OF, get_settings())
    assert len(warnings) == 1 and "中没有考核评分表，考核组评分项目均为待评" in warnings[0]
    good = write_form(tmp_path / "good.xlsx", campaign, computed, entered=ENTERED, as_of=AS_OF)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    older = drop_form(raw, broken, "评分表（旧）.xlsx")
    newer = drop_form(raw, good, "评分表（改）.xlsx")
    (raw / FORM_FOLDER / "~$评分表（改）.xlsx").write_bytes(b"lock")  # Excel's lock file
    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_700_000_100, 1_700_000_100))
    _, warnings = assessment_outputs(campaign, computed, raw, out, AS_OF, get_settings())
    assert warnings == []
    os.utime(older, (1_700_000_200, 1_700_000_200))  # the broken one is now the latest
    _, warnings = assessment_outputs(campaign, computed, raw, out, AS_OF, get_settings())
    assert warnings[0] == (
        "考核评分表文件 评分表（旧）.xlsx 无法读取："
        "不是有效的 XLSX 文件（可能已损坏或实为其他格式）"
    )


# --- The PDF, read back -------------------------------------------------------------------


def pdf_words(path: Path) -> list[tuple[int, float, float, float, str]]:
    """Every word of the PDF: page, x, y (its centre), font size (its height), text."""
    result = subprocess.run(
        [need("pdftotext"), "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    )
    words = []
    for number, page in enumerate(result.stdout.split("<page ")[1:], start=1):
        for x0, y0, x1, y1, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            page,
        ):
            x0, y0, x1, y1 = map(float, (x0, y0, x1, y1))
            words.append((number, (x0 + x1) / 2, (y0 + y1) / 2, y1 - y0, text))
    return words


def table_rows(path: Path) -> list[list[str]]:
    """The scorecard's rows as printed: the 9 pt words of each row, left to right (the
    basis of a computed score and 部分待评 are 7 pt, under what they qualify)."""
    words = pdf_words(path)
    # the table ends where the 说明 begins
    notes = next(w for w in words if w[4].startswith("说明"))
    words = [w for w in words if w[3] > 8.5 and (w[0], w[2]) < (notes[0], notes[2])]
    ranks = [w for w in words if w[1] < 75 and w[4].isdigit()]  # the 排名 column
    rows: dict[tuple[int, float], list] = {(r[0], r[2]): [] for r in ranks}
    for page, x, y, _, text in words:
        on_page = [key for key in rows if key[0] == page]
        if not on_page:
            continue
        nearest = min(on_page, key=lambda key: abs(key[1] - y))
        if abs(nearest[1] - y) < 12:
            rows[nearest].append((x, text))
    return [[text for _, text in sorted(cells)] for cells in rows.values()]


def test_the_pdf_totals_are_the_sums_of_its_items(campaign, computed, tmp_path):
    form = write_form(tmp_path / "filled.xlsx", campaign, computed, entered=ENTERED, as_of=AS_OF)
    raw, out = tmp_path / "raw", tmp_path / "out"
    drop_form(raw, form)
    assessment_outputs(campaign, computed, raw, out, AS_OF, get_settings())
    pdf = out / SCORECARD_PDF
    parts = [item.part for item in campaign.assessment.items]
    printed = {}
    for row in table_rows(pdf):
        rank, entity, _type, *cells = row
        items, (base, bonus, deduction, total) = cells[: len(parts)], cells[len(parts) :]
        assert len(cells) == len(parts) + 4, row

        def summed(part: str, items=items) -> Decimal:
            return sum(
                (
                    Decimal(v)
                    for v, p in zip(items, parts, strict=True)
                    if p == part and v[0].isdigit()
                ),
                Decimal(0),
            )

        assert Decimal(base) == summed("base"), row
        assert Decimal(bonus) == summed("bonus"), row
        assert Decimal(deduction) == summed("deduction"), row
        assert Decimal(total) == Decimal(base) + Decimal(bonus) - Decimal(deduction), row
        printed[entity] = (float(base), float(bonus), float(deduction), float(total), int(rank))
    assert printed == {entity: values[:5] for entity, values in EXPECTED.items()}
    text = squeeze(pdf_text(pdf))
    assert text.count("部分待评") >= 2 + 1  # 沙芜乡, 县教育局, and the rule saying what it means
    assert "2025年度“三明普惠医联保”参保工作考核得分表" in text
    assert "嵩溪镇" in text and "名单12人，3人未资助" in text and "未报送救助对象名单" in text
    assert "每超过1个百分点加2分，最多加20分" in text
    assert "救助对象名单中特困供养、低保、孤儿、五老人员全部经“政府资助”渠道参保" in text
    assert all(font["emb"] == "yes" for font in pdf_fonts(pdf))
    from pypdf import PdfReader

    box = PdfReader(pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape


def test_another_countys_rubric_changes_the_scores_without_a_code_change(
    campaign, computed, tmp_path
):
    rubric = campaign.assessment
    steps = ((Decimal("1"), Decimal("40")), (Decimal("0.9"), Decimal("30")))

    def changed(item):
        if item.key == "completion":
            return dataclasses.replace(item, points=Decimal("40"), rule="steps", steps=steps)
        if item.key == "rate_bonus":
            return dataclasses.replace(
                item, above=Decimal("0.25"), per_point=Decimal("1"), points=Decimal("5")
            )
        return item

    other = dataclasses.replace(
        rubric,
        title="2025年度某县参保工作考核",
        items=tuple(changed(item) for item in rubric.items if item.key != "publicity"),
    )
    county = dataclasses.replace(campaign, assessment=other)
    theirs = computed_for(other)
    entered = ENTERED[ENTERED["item_key"] != "publicity"]
    form = write_form(tmp_path / "f.xlsx", county, theirs, entered=entered, as_of=AS_OF)
    raw, out = tmp_path / "raw", tmp_path / "out"
    drop_form(raw, form)
    _, warnings = assessment_outputs(county, theirs, raw, out, AS_OF, get_settings())
    assert warnings == []
    rows = sheet_rows(out / SCORECARD_WORKBOOK, "考核得分")
    assert rows[0][0].startswith("2025年度某县参保工作考核得分表")
    assert rows[2][3:8] == [
        "组织领导（0-20分）", "任务完成（0-40分）", "困难群体资助到位（加分，0-10）",
        "职工家属参保率达80%（加分，0-10）", "参保率超20%加分（加分，0-5）",
    ]  # fmt: skip
    totals = {row[1]: row[-2] for row in rows[3:9]}
    # 龙津镇: 18 + 40 (105%: top step) + 10 + 5 (31% − 25% = 6 points, capped at 5)
    # 嵩溪镇: 20 + 30 (93.5%) + 0 + 2.3 − 10; 温郊乡: 15 + 0 (80%: below the steps) + 10
    assert totals == {
        "龙津镇": 73.0, "县财政局": 67.0, "沙芜乡": 46.0, "嵩溪镇": 42.3, "温郊乡": 25.0,
        "县教育局": 0.0,
    }  # fmt: skip
    text = squeeze(pdf_text(out / SCORECARD_PDF))
    assert "按完成率分档计分：达到100%得40分，达到90%得30分，低于90%不得分" in text
    assert "每超过1个百分点加1分，最多加5分" in text
    blank = sheet_rows(out / BLANK_FORM)
    assert "宣传发动（0-30分）" not in blank[2] and "任务完成（0-40分）" in blank[2]
