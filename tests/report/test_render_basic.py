"""End-to-end tests of the basic-insurance (基本医保全民参保) PDFs: 排名表, 通报, 随访名单.

Inputs come from the real Yongchun table (data/reference/yongchun_2023_basic_coverage.csv,
22 townships as of 2023-06-03) with made-up lapsed counts and villages; one township sends
nothing. The PDFs are read back as PDFs.
"""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from flows.render import render_basic_reports, render_followup_list
from flows.settings import PROJECT_ROOT, get_settings
from tests.pdf import pdf_fonts, pdf_text, squeeze

REFERENCE = PROJECT_ROOT / "data" / "reference" / "yongchun_2023_basic_coverage.csv"
AS_OF = datetime.date(2023, 6, 3)
A4 = (595, 842)
NOT_REPORTING = "横口"
FOLLOWUP_TOWNSHIP = "桂洋镇"
FOLLOWUP_VILLAGES = ["桂洋村", "陈坂村", "上村村", "茂霞村", "美莲村"]
FULL_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")

CAMPAIGN = {
    "campaign": {
        "kind": "basic",
        "title": "2023年永春县基本医疗保险全民参保",
        "short_title": "基本医保",
        "year": 2023,
        "county": "永春县",
        "county_code": "350525",
    },
    "office": {
        "issuing_office": "永春县医疗保障局",
        "doc_number_prefix": "永医保",
        "recipients": "各乡镇人民政府，县直有关单位",
        "signature": "永春县医疗保障局",
    },
    "circular": {
        "requirements": [
            "各乡镇要对照扩面目标任务，逐村逐户核实未参保和断缴人员，做到应保尽保。",
            "参保率低于全县平均水平的乡镇要分析原因，落实包村包户责任，加快工作进度。",
        ],
    },
}


def reference_rows() -> pd.DataFrame:
    """The 22 township rows of the Yongchun table (合计 dropped), counts as integers."""
    table = pd.read_csv(REFERENCE, dtype={"township": str})
    table = table[table["rank"] != "合计"].copy()
    counts = ["registered", "enrolled_local", "enrolled_elsewhere", "enrolled", "unenrolled"]
    table[counts] = table[counts].astype(int)
    # Made up: 断缴 (paid last year, not this year) about 40% of the unenrolled.
    table["lapsed"] = table["unenrolled"] * 2 // 5 + table["registered"] % 37
    return table[["township", *counts, "lapsed"]].reset_index(drop=True)


def build_coverage() -> pd.DataFrame:
    table = reference_rows()
    table["rate"] = table["enrolled"] / table["registered"]
    table["unenrolled_rate"] = table["unenrolled"] / table["registered"]
    table["target"] = table["unenrolled"] + table["lapsed"]
    table["status"] = "已报送"
    silent = table["township"] == NOT_REPORTING
    table.loc[silent, "status"] = "未报送"
    for column in ["enrolled_local", "enrolled_elsewhere", "enrolled", "unenrolled", "lapsed"]:
        table[column] = table[column].astype("Int64")
        table.loc[silent, column] = pd.NA
    for column in ["rate", "unenrolled_rate"]:
        table.loc[silent, column] = float("nan")
    table["target"] = table["target"].astype("Int64")
    table.loc[silent, "target"] = pd.NA
    table = table.assign(reported=table["status"] == "已报送")
    table = table.sort_values(["reported", "rate"], ascending=[False, False]).drop(
        columns="reported"
    )
    ranks = [i + 1 if s == "已报送" else pd.NA for i, s in enumerate(table["status"])]
    table.insert(0, "rank", pd.array(ranks, dtype="Int64"))
    return table.reset_index(drop=True)


def build_county() -> dict:
    """The county row as published (all 22 townships; 578096 / 542626 / 93.86%)."""
    table = reference_rows()
    totals = {column: int(table[column].sum()) for column in table.columns if column != "township"}
    totals["rate"] = totals["enrolled"] / totals["registered"]
    totals["unenrolled_rate"] = totals["unenrolled"] / totals["registered"]
    totals["target"] = totals["unenrolled"] + totals["lapsed"]
    return totals


def build_villages() -> pd.DataFrame:
    """Each reporting township split into three made-up villages that add up to it."""
    rows = []
    for record in reference_rows().to_dict(orient="records"):
        if record["township"] == NOT_REPORTING:
            continue
        shares = [0.5, 0.3, 0.2]
        names = [f"{record['township']}{suffix}" for suffix in ("社区", "一村", "二村")]
        left = {key: record[key] for key in ("registered", "enrolled_local", "enrolled_elsewhere")}
        left["lapsed"] = record["lapsed"]
        for index, (name, share) in enumerate(zip(names, shares, strict=True)):
            last = index == len(names) - 1
            part = {
                key: value if last else round(record[key] * share) for key, value in left.items()
            }
            for key in left:
                left[key] -= part[key]
            enrolled = part["enrolled_local"] + part["enrolled_elsewhere"]
            rows.append(
                {
                    "township": record["township"],
                    "village": name,
                    "registered": part["registered"],
                    "enrolled_local": part["enrolled_local"],
                    "enrolled_elsewhere": part["enrolled_elsewhere"],
                    "enrolled": enrolled,
                    "rate": enrolled / part["registered"],
                    "unenrolled": part["registered"] - enrolled,
                    "lapsed": part["lapsed"],
                }
            )
    return pd.DataFrame(rows)


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


@pytest.fixture(scope="module")
def inputs():
    return {
        "campaign": CAMPAIGN,
        "as_of": AS_OF,
        "coverage": build_coverage(),
        "villages": build_villages(),
        "county": build_county(),
        "settings": get_settings(),
        "doc_number": "永医保〔2023〕21号",
    }


@pytest.fixture(scope="module")
def rendered(inputs, tmp_path_factory) -> dict[str, Path]:
    return render_basic_reports(out_dir=tmp_path_factory.mktemp("basic"), **inputs)


@pytest.fixture(scope="module")
def followup(tmp_path_factory) -> Path:
    return render_followup_list(
        CAMPAIGN,
        AS_OF,
        FOLLOWUP_TOWNSHIP,
        build_people(300),
        tmp_path_factory.mktemp("followup"),
        get_settings(),
    )


def test_inputs_reproduce_the_reference_totals(inputs):
    county = inputs["county"]
    assert (county["registered"], county["enrolled"]) == (578096, 542626)
    assert len(inputs["coverage"]) == 22


def test_render_returns_the_two_files(rendered):
    assert set(rendered) == {"ranking", "circular"}
    assert rendered["ranking"].name == "排名表.pdf"
    assert rendered["circular"].name == "通报.pdf"


@pytest.mark.parametrize("document", ["ranking", "circular"])
def test_every_township_total_and_office_come_back(rendered, document, inputs):
    text = squeeze(pdf_text(rendered[document]))
    for township in inputs["coverage"]["township"]:
        assert township in text, f"{township} missing from {document}"
    for number in ("578096", "542626", "503478", "39148", "35470", "93.86%", "6.14%"):
        assert number in text, f"{number} missing from {document}"
    assert "永春县医疗保障局" in text
    assert "未报送" in text


def test_ranking_table_rows_in_the_yongchun_layout(rendered, inputs):
    lines = pdf_text(rendered["ranking"], layout=True).splitlines()
    top = next(line for line in lines if "桃城" in line).split()
    lapsed = int(inputs["coverage"].loc[0, "lapsed"])
    row = ["1", "桃城", "66812", "61031", "3388", "64419", "96.42%", "2393", "3.58%"]
    assert top == [*row, str(lapsed), str(2393 + lapsed)]
    total = next(line for line in lines if line.split()[:1] == ["合计"]).split()
    assert total[:8] == ["合计", "578096", "503478", "39148", "542626", "93.86%", "35470", "6.14%"]
    # 五里街 and 吾峰 both show 95.42%: the exact rate orders them.
    flat = squeeze("\n".join(lines))
    assert flat.index("五里街") < flat.index("吾峰")
    headers = [
        "区域户籍人口数",
        "本地参保人数",
        "异地参保人数",
        "未参保率",
        "断缴人数",
        "扩面目标任务",
    ]
    for header in headers:
        assert header in flat


def test_ranking_has_chart_and_villages_on_later_pages(rendered, inputs):
    reader = PdfReader(rendered["ranking"])
    pages = [squeeze(page.extract_text() or "") for page in reader.pages]
    assert all(
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) == A4[::-1]
        for p in reader.pages
    )
    chart_page = next(i for i, text in enumerate(pages) if "参保率（截至" in text)
    assert "全县93.86%" in pages[chart_page]  # the reference line's label
    village_page = next(i for i, text in enumerate(pages) if "分村（居）参保情况" in text)
    assert 0 < chart_page < village_page
    villages = squeeze(pdf_text(rendered["ranking"]).split("分村（居）参保情况", 1)[1])
    for name in inputs["villages"]["village"]:
        assert name in villages, name
    assert "桃城小计" in villages
    assert f"{NOT_REPORTING}小计" not in villages


def test_circular_sentences(rendered, inputs):
    text = squeeze(pdf_text(rendered["circular"]))
    county = inputs["county"]
    assert (
        "截至6月3日，全县户籍人口578096人，已参保542626人（其中本地参保503478人、"
        "异地参保39148人），参保率93.86%，未参保35470人" in text
    )
    assert f"断缴）{county['lapsed']}人" in text
    assert "关于2023年永春县基本医疗保险全民参保工作进展情况的通报" in text
    assert "永医保〔2023〕21号" in text
    assert "各乡镇人民政府，县直有关单位：" in text
    assert "参保率排名前三位的是：桃城（96.42%）、东平（96.17%）、介福（95.70%）" in text
    assert f"{NOT_REPORTING}未按时报送参保数据" in text
    for requirement in CAMPAIGN["circular"]["requirements"]:
        assert squeeze(requirement) in text
    assert "2023年6月3日" in text


def test_circular_names_every_township_below_the_county_rate(rendered, inputs):
    text = squeeze(pdf_text(rendered["circular"]))
    coverage, county = inputs["coverage"], inputs["county"]
    below = coverage.loc[coverage["rate"] < county["rate"], "township"].tolist()
    assert len(below) == 10
    sentence = "、".join(below) + f"等{len(below)}个乡镇参保率低于全县平均水平（93.86%）"
    assert sentence in text
    assert "呈祥" not in sentence  # 93.88% is above 93.86%


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
    assert "桂洋镇基本医保未参保及断缴人员随访名单（截至6月3日）" in text
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


def test_followup_list_renders_fast(tmp_path):
    people = build_people(2000, [f"第{i}村" for i in range(1, 9)])
    started = time.perf_counter()
    render_followup_list(CAMPAIGN, AS_OF, "达埔镇", people, tmp_path, get_settings())
    assert time.perf_counter() - started < 15


def all_pdfs(rendered: dict[str, Path], followup: Path) -> list[Path]:
    return [*rendered.values(), followup]


@pytest.mark.parametrize("document", ["ranking", "circular", "followup"])
def test_fonts_are_embedded(rendered, followup, document):
    path = followup if document == "followup" else rendered[document]
    fonts = pdf_fonts(path)
    assert fonts
    assert all(font["emb"] == "yes" for font in fonts), fonts
    names = {font["name"].split("+")[-1] for font in fonts}
    assert "canbao-fangsong" in names or "canbao-heiti" in names, names
    assert not any("Noto" in name for name in names), names


def test_renders_are_byte_identical(inputs, rendered, followup, tmp_path, monkeypatch):
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3 * 86400)
    again = render_basic_reports(out_dir=tmp_path, **inputs)
    for name, path in rendered.items():
        assert again[name].read_bytes() == path.read_bytes(), f"{name} differs"
    list_again = render_followup_list(
        CAMPAIGN, AS_OF, FOLLOWUP_TOWNSHIP, build_people(300), tmp_path, get_settings()
    )
    assert list_again.read_bytes() == followup.read_bytes()


def test_without_villages_the_ranking_stops_after_the_chart(inputs, tmp_path):
    paths = render_basic_reports(out_dir=tmp_path, **dict(inputs, villages=pd.DataFrame()))
    assert "分村（居）" not in squeeze(pdf_text(paths["ranking"]))


def test_with_circular_false_writes_only_the_ranking(inputs, tmp_path):
    paths = render_basic_reports(out_dir=tmp_path, **dict(inputs, with_circular=False))
    assert set(paths) == {"ranking"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["排名表.pdf"]
