"""End-to-end tests of the basic-insurance (基本医保全民参保) PDFs: 排名表, 通报, 随访名单.

The run's Results come from the SQL models on village counts made from the real Yongchun
table (tests/report/basic_data.py: 22 townships as of 2023-06-03, made-up lapsed counts and
villages, an earlier run with a circular on 5月29日); 横口 sends nothing. The PDFs are read
back as PDFs.
"""

from __future__ import annotations

import dataclasses
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from flows.render import OUTPUT_FILES, render_documents, render_followup_list
from flows.settings import get_settings
from tests.pdf import pdf_fonts, pdf_text, squeeze
from tests.report.basic_data import (
    AS_OF,
    COUNTS,
    NOT_REPORTING,
    build_results,
    build_results_before_any_delivery,
    build_villages,
    reference_rows,
    reference_total,
    yongchun,
)

A4 = (595, 842)
FOLLOWUP_TOWNSHIP = "桂洋镇"
FOLLOWUP_VILLAGES = ["桂洋村", "陈坂村", "上村村", "茂霞村", "美莲村"]
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
DOCUMENT_OF = {file_name: document for document, file_name in OUTPUT_FILES.items()}


def percent(fraction: float) -> str:
    return f"{fraction * 100:.2f}%"


SURNAMES = "陈林黄郑李王张刘吴周徐颜"


def build_people(count: int, villages: list[str] = FOLLOWUP_VILLAGES) -> pd.DataFrame:
    """``count`` made-up people to visit, already masked and sorted by village."""
    rows = []
    for index in range(count):
        lapsed = index % 3 == 0
        rows.append(
            {
                "village": villages[index * len(villages) // count],
                "id_masked": f"350525********{(index * 7919) % 10000:04d}",
                "name_masked": SURNAMES[index % len(SURNAMES)] + "*" * (1 + index % 2),
                "status": "断缴" if lapsed else "未参保",
                "last_year": "已缴费" if lapsed else "未缴费",
            }
        )
    return pd.DataFrame(rows)


def render(campaign, results, out_dir: Path) -> dict[str, Path]:
    rendered = render_documents(campaign, AS_OF, results, out_dir, get_settings())
    return {DOCUMENT_OF[done.path.name]: done.path for done in rendered}


@pytest.fixture(scope="module")
def campaign():
    return yongchun()


@pytest.fixture(scope="module")
def results(campaign):
    return build_results(campaign)


@pytest.fixture(scope="module")
def rendered(campaign, results, tmp_path_factory) -> dict[str, Path]:
    return render(campaign, results, tmp_path_factory.mktemp("basic"))


@pytest.fixture(scope="module")
def followup(campaign, tmp_path_factory) -> Path:
    return render_followup_list(
        campaign,
        AS_OF,
        FOLLOWUP_TOWNSHIP,
        build_people(300),
        tmp_path_factory.mktemp("followup"),
        get_settings(),
    )


def document_text(path: Path) -> str:
    """Squeezed text of a document without its page numbers ("— N —" closing each page of a
    circular), so that a sentence running on to the next page reads as one."""
    pages = []
    for number, page in enumerate(pdf_text(path).split("\f"), start=1):
        text = squeeze(page)
        mark = text.rfind(f"—{number}—")
        pages.append(text[:mark] + text[mark + len(f"—{number}—") :] if mark >= 0 else text)
    return "".join(pages)


def test_results_reproduce_the_reference_table(results):
    coverage = results.coverage.set_index("township")
    assert len(coverage) == 22
    reference = reference_rows().set_index("township")
    reporting = reference.drop(index=NOT_REPORTING)
    pd.testing.assert_frame_equal(
        coverage.loc[reporting.index, COUNTS], reporting[COUNTS], check_dtype=False
    )
    assert coverage.loc[NOT_REPORTING, "status"] == "未报送"
    # the county is the published 合计 without the township that sent nothing
    silent = reference.loc[NOT_REPORTING]
    published = reference_total()
    assert (published["registered"], published["enrolled"]) == (578096, 542626)
    county = results.county
    for column in COUNTS:
        assert county[column] == published[column] - silent[column], column
    # by the calendar: 55 cadence days (every 5th from 2022-09-01) before 6月3日, and the
    # off-cadence circular of 5月29日
    assert results.doc_number == "永医保〔2023〕57号"


def test_render_returns_the_documents(rendered):
    assert list(rendered) == [
        "ranking", "ranking_phone", "circular", "quality", "circular_picture", "circular_docx",
    ]  # fmt: skip
    assert rendered["ranking_phone"].name == "排名表.png"
    assert rendered["circular_picture"].name == "通报.png"
    assert rendered["ranking"].name == "排名表.pdf"
    assert rendered["circular"].name == "通报.pdf"
    assert rendered["quality"].name == "数据质量.pdf"


@pytest.mark.parametrize("document", ["ranking", "circular"])
def test_every_township_total_and_office_come_back(rendered, document, results):
    text = squeeze(pdf_text(rendered[document]))
    for township in results.coverage["township"]:
        assert township in text, f"{township} missing from {document}"
    county = results.county
    numbers = [
        str(county[column])
        for column in ("registered", "enrolled", "enrolled_local", "enrolled_elsewhere")
    ]
    numbers += [str(county["unenrolled"]), percent(county["rate"])]
    numbers += [percent(county["unenrolled_rate"])]
    for number in numbers:
        assert number in text, f"{number} missing from {document}"
    assert "永春县医疗保障局" in text
    assert "未报送" in text


@pytest.mark.parametrize("document", ["ranking", "circular"])
def test_time_progress_and_change_since_the_last_run(rendered, document, results):
    text = document_text(rendered[document])
    time_progress = percent(results.county["time_progress"])
    assert results.county["time_progress"] == pytest.approx(276 / 303)  # 2022-09-01 .. 06-30
    if document == "ranking":
        assert f"时序进度{time_progress}" in text
        assert "较上期增加" in text and "排名变化" in text
        assert "较上期增加、排名变化均与5月29日统计数相比" in text
    else:
        assert f"时序进度为{time_progress}" in text
        increase = results.county["increase_since_circular"]
        assert increase > 0
        assert f"与上期通报相比，全县参保人数增加{increase}人" in text
        attachment = text[text.rindex("附件") :]
        assert "较上期通报增加" in attachment and "排名变化" in attachment
        assert str(increase) in attachment


def test_ranking_rows_show_change_since_the_last_run(rendered, results):
    lines = pdf_text(rendered["ranking"], layout=True).splitlines()
    for record in results.coverage.dropna(subset=["rank"]).to_dict("records"):
        row = next(line for line in lines if f" {record['township']} " in line).split()
        assert row[:3] == [str(record["rank"]), record["rank_change"], record["township"]]
        assert row[7] == str(record["increase_since_previous"])
    moved = results.coverage["rank_change"] != "—"
    assert moved.any()


def test_ranking_has_trend_charts(rendered, results):
    text = squeeze(pdf_text(rendered["ranking"]))
    assert "全县基本医疗保险参保人数变化趋势（5月29日—6月3日）" in text
    assert "共2次统计" in text
    pages = pdf_text(rendered["ranking"]).split("\f")
    first = next(i for i, page in enumerate(pages) if "各乡镇参保人数变化趋势" in squeeze(page))
    titles = [line.strip() for page in pages[first:] for line in page.splitlines()]
    for township in results.coverage["township"]:
        assert titles.count(township) == 1, f"no trend chart titled {township}"


def test_ranking_table_rows_in_the_yongchun_layout(rendered, results):
    lines = pdf_text(rendered["ranking"], layout=True).splitlines()
    top = next(line for line in lines if "桃城" in line).split()
    first = results.coverage.iloc[0]
    lapsed = int(first["lapsed"])
    increase = str(first["increase_since_previous"])
    assert top == [
        "1",
        first["rank_change"],
        "桃城",
        "66812",
        "61031",
        "3388",
        "64419",
        increase,
        "96.42%",
        "2393",
        "3.58%",
        str(lapsed),
        str(2393 + lapsed),
    ]
    total = next(line for line in lines if line.split()[:1] == ["合计"]).split()
    county = results.county
    assert total[:9] == [
        "合计",
        str(county["registered"]),
        str(county["enrolled_local"]),
        str(county["enrolled_elsewhere"]),
        str(county["enrolled"]),
        str(county["increase_since_previous"]),
        percent(county["rate"]),
        str(county["unenrolled"]),
        percent(county["unenrolled_rate"]),
    ]
    # 五里街 and 吾峰 both show 95.42%: the exact rate orders them.
    flat = squeeze("\n".join(lines))
    assert flat.index("五里街") < flat.index("吾峰")
    headers = [
        "区域户籍人口数",
        "本地参保人数",
        "异地参保人数",
        "较上期增加",
        "未参保率",
        "断缴人数",
        "扩面目标任务",
    ]
    for header in headers:
        assert header in flat


def test_ranking_has_chart_and_villages_on_later_pages(rendered, results):
    reader = PdfReader(rendered["ranking"])
    pages = [squeeze(page.extract_text() or "") for page in reader.pages]
    assert all(
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) == A4[::-1]
        for p in reader.pages
    )
    chart_page = next(i for i, text in enumerate(pages) if "参保率（截至" in text)
    assert f"全县{percent(results.county['rate'])}" in pages[chart_page]  # the reference line
    village_page = next(i for i, text in enumerate(pages) if "分村（居）参保情况" in text)
    assert 0 < chart_page < village_page
    villages = squeeze(pdf_text(rendered["ranking"]).split("分村（居）参保情况", 1)[1])
    for name in build_villages()["village"]:
        assert name in villages, name
    assert "桃城小计" in villages
    assert f"{NOT_REPORTING}小计" not in villages


def test_circular_sentences(rendered, results, campaign):
    text = document_text(rendered["circular"])
    county = results.county
    assert (
        f"截至6月3日，全县户籍人口{county['registered']}人，已参保{county['enrolled']}人"
        f"（其中本地参保{county['enrolled_local']}人、异地参保{county['enrolled_elsewhere']}人），"
        f"参保率{percent(county['rate'])}，未参保{county['unenrolled']}人" in text
    )
    assert f"断缴）{county['lapsed']}人" in text
    assert "关于2023年永春县基本医疗保险全民参保工作进展情况的通报" in text
    assert results.doc_number in text
    assert "各乡镇人民政府，县直有关单位：" in text
    assert "参保率排名前三位的是：桃城（96.42%）、东平（96.17%）、介福（95.70%）" in text
    assert f"{NOT_REPORTING}未按时报送参保数据" in text
    assert campaign.requirements
    for requirement in campaign.requirements:
        assert squeeze(requirement) in text
    assert "2023年6月3日" in text


def test_circular_names_every_township_below_the_county_rate(rendered, results):
    text = document_text(rendered["circular"])
    coverage, county = results.coverage, results.county
    below = coverage.loc[coverage["rate"] < county["rate"], "township"].tolist()
    assert len(below) == 11
    rate = percent(county["rate"])
    sentence = "、".join(below) + f"等{len(below)}个乡镇参保率低于全县平均水平（{rate}）"
    assert sentence in text
    # 呈祥 shows 93.88%, as the county does, yet its exact rate (93.877%) is below the
    # county's (93.880%): the exact rate decides.
    chengxiang = coverage.set_index("township").loc["呈祥", "rate"]
    assert percent(chengxiang) == rate
    assert "呈祥" in sentence


def test_circular_names_the_townships_with_most_unenrolled(rendered):
    text = squeeze(pdf_text(rendered["circular"]))
    assert "未参保人数较多的乡镇是：达埔（6175人）、蓬壶（5311人）、石鼓（2435人）" in text


def test_circular_pages_and_attachment(rendered):
    reader = PdfReader(rendered["circular"])
    sizes = [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages
    ]
    assert sizes[0] == A4
    texts = [squeeze(page.extract_text() or "") for page in reader.pages]
    attachment = [i for i, text in enumerate(texts) if text.startswith("附件")]
    assert attachment == [len(reader.pages) - 1], "the attachment is not one page, last"
    assert sizes[-1] == A4[::-1]
    assert "锦斗" in texts[-1] and "合计" in texts[-1]
    pages = pdf_text(rendered["circular"], layout=True).split("\f")
    for number in range(1, len(reader.pages) + 1):
        assert f"—{number}—" in squeeze(pages[number - 1])


def test_followup_list_is_masked_and_complete(followup):
    assert followup.name == f"随访名单_{FOLLOWUP_TOWNSHIP}.pdf"
    raw = pdf_text(followup)
    assert not FULL_ID.search(raw)
    text = squeeze(raw)
    assert "桂洋镇基本医保未参保及断缴人员随访名单（数据截至6月3日）" in text
    for village in FOLLOWUP_VILLAGES:
        assert text.count(village) >= 2, village  # summary row and the village's heading
    assert "350525********0000" in text
    assert "本名单含个人信息，仅限村（居）工作人员入户核实使用，不得外传。" in text
    for header in ("序号", "姓名", "身份证号", "状态", "上年缴费情况", "走访情况", "备注"):
        assert header in text
    people = build_people(300)
    assert (
        f"合计{(people['status'] == '未参保').sum()}{(people['status'] == '断缴').sum()}300" in text
    )


def test_followup_list_pages(followup):
    reader = PdfReader(followup)
    assert len(reader.pages) > 1
    assert all(
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) == A4
        for p in reader.pages
    )
    pages = pdf_text(followup).split("\f")
    total = len(reader.pages)
    for number in range(1, total + 1):
        assert f"第{number}页共{total}页" in squeeze(pages[number - 1])
    # The table head repeats on every list page.
    assert all("身份证号" in squeeze(page) for page in pages[1:total])


@pytest.mark.parametrize("document", ["ranking", "circular", "followup"])
def test_fonts_are_embedded(rendered, followup, document):
    path = followup if document == "followup" else rendered[document]
    fonts = pdf_fonts(path)
    assert fonts
    assert all(font["emb"] == "yes" for font in fonts), fonts
    names = {font["name"].split("+")[-1] for font in fonts}
    assert "canbao-fangsong" in names or "canbao-heiti" in names, names
    assert not any("Noto" in name for name in names), names


def test_renders_are_byte_identical(campaign, results, rendered, followup, tmp_path, monkeypatch):
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3 * 86400)
    again = render(campaign, results, tmp_path)
    assert set(again) == set(rendered)
    for name, path in rendered.items():
        assert again[name].read_bytes() == path.read_bytes(), f"{name} differs"
    list_again = render_followup_list(
        campaign, AS_OF, FOLLOWUP_TOWNSHIP, build_people(300), tmp_path, get_settings()
    )
    assert list_again.read_bytes() == followup.read_bytes()


def test_before_any_delivery_the_ranking_stops_after_the_chart(campaign, tmp_path):
    # No township has sent anything yet: no village counts, so no village pages.
    results = build_results_before_any_delivery(campaign)
    assert results.marts["mart_village_coverage"].empty
    assert set(results.coverage["status"]) == {"未报送"}
    paths = render(campaign, results, tmp_path)
    text = squeeze(pdf_text(paths["ranking"]))
    assert "分村（居）" not in text
    assert "各乡镇基本医疗保险参保率" in text
    assert text.count("未报送") >= len(results.coverage)  # every township, none left out


def test_without_a_circular_writes_the_ranking_and_the_quality_report(campaign, results, tmp_path):
    # the same marts on a day that issues no circular (通报): no document number
    paths = render(campaign, dataclasses.replace(results, doc_number=None), tmp_path)
    assert set(paths) == {"ranking", "ranking_phone", "quality"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "排名表.pdf",
        "排名表.png",
        "数据质量.pdf",
    ]
