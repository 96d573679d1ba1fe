"""Base tables as counties send them: read like township extracts, faults named all at once."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
import xlsxwriter

from flows.config import Campaign, CampaignError, load_campaign
from flows.ingest import BaseTable, parse_count, read_base_table
from tests.conftest import QINGLIU, REFERENCE

# (township as written, base as written): seven of Qingliu's thirteen, some in short form
ROWS = [
    ("龙津镇", "20642"),
    ("温郊乡", "3432"),
    ("赖坊", "7949"),
    ("余朋乡", "4717"),
    ("林畲镇", "5506"),
    ("嵩口镇", "13816"),
    ("长校镇", "10084"),
]
ROW_SUM = sum(int(b) for _, b in ROWS)


@pytest.fixture
def campaign(home) -> Campaign:
    return load_campaign(QINGLIU, home)


def pointed_at(campaign: Campaign, path: Path, township: str = "乡镇", base: str = "") -> Campaign:
    return dataclasses.replace(
        campaign, base_file=path, base_township_column=township, base_column=base
    )


def write_csv(path: Path, lines: list[list[str]], encoding: str = "utf-8", sep: str = ",") -> Path:
    text = "\r\n".join(sep.join(cells) for cells in lines) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def total_lines(table) -> list[str]:
    """The warnings about a stated 合计 (a partial table also says who has no base)."""
    return [line for line in table.warnings if "合计行为" in line]


def faults(campaign: Campaign) -> list[str]:
    with pytest.raises(CampaignError) as caught:
        read_base_table(campaign)
    return str(caught.value).split("\n")


def test_the_bundled_qingliu_table_reads_as_before(campaign):
    with (REFERENCE / "qingliu_2025_puhui_assignments.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    expected = [(r["township"], int(r["base_2025"])) for r in rows if r["township"] != "合计"]
    stated = next(int(r["base_2025"]) for r in rows if r["township"] == "合计")

    table = read_base_table(campaign)

    assert isinstance(table, BaseTable) and table.file_name == campaign.base_file.name
    assert list(zip(table.bases["township"], table.bases["base"], strict=True)) == expected
    assert len(table.bases) == 13 and table.bases["position"].tolist() == list(range(1, 14))
    assert str(table.bases["base"].dtype) == "int64"
    assert table.summed_total == sum(b for _, b in expected) == stated == table.stated_total
    assert not table.total_mismatch and table.warnings == []


def test_gbk_with_a_title_row_and_a_wrong_total(tmp_path, campaign):
    stated = ROW_SUM + 1234
    path = write_csv(
        tmp_path / "基数表.csv",
        [
            ["2025年清流县基本医保参保人数", "", ""],
            ["序号", "乡镇名称", "基本医保参保人数"],
            *([str(i), t, b] for i, (t, b) in enumerate(ROWS, start=1)),
            ["", "", ""],
            ["合计", "", str(stated)],
        ],
        encoding="gbk",
    )
    table = read_base_table(pointed_at(campaign, path))  # no UnicodeDecodeError
    assert table.bases["township"].tolist()[:3] == ["龙津镇", "温郊乡", "赖坊镇"]
    assert table.bases["base"].tolist() == [int(b) for _, b in ROWS]
    assert (table.stated_total, table.summed_total) == (stated, ROW_SUM)
    assert table.total_mismatch
    assert total_lines(table) == [
        f"基数表 基数表.csv 的合计行为 {stated}，各乡镇之和为 {ROW_SUM}，以各乡镇之和为准"
    ]


def test_a_gbk_file_with_faults_says_so_in_chinese(tmp_path, campaign):
    path = write_csv(tmp_path / "b.csv", [["乡镇", "基数"], ["龙津区", "100"]], encoding="gbk")
    (line,) = faults(pointed_at(campaign, path))
    assert line == "基数表 b.csv 第2行的乡镇“龙津区”不在清流县乡镇名录中，是否为“龙津镇”？"


def test_tab_separated_gb18030_with_subtotals_and_spaces(tmp_path, campaign):
    path = write_csv(
        tmp_path / "c.txt",
        [
            ["清流县参保基数（㐀）", ""],  # a character GBK does not have
            ["乡(镇)", "参保人数"],
            *([" ".join(t), b] for t, b in ROWS[:3]),  # "龙 津 镇"
            ["小计", "32023"],
            *ROWS[3:],
            ["总计", str(ROW_SUM)],
            ["备注：数据截至2024年9月", ""],
        ],
        encoding="gb18030",
        sep="\t",
    )
    table = read_base_table(pointed_at(campaign, path))
    assert table.bases["township"].tolist()[:2] == ["龙津镇", "温郊乡"]
    assert table.bases["position"].tolist() == list(range(1, 8))
    assert table.stated_total == table.summed_total == ROW_SUM and total_lines(table) == []


def test_xlsx_with_a_title_row(tmp_path, campaign):
    path = tmp_path / "d.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("基数")
    sheet.merge_range(0, 0, 0, 2, "2025年清流县普惠医联保任务基数")
    sheet.write_row(1, 0, ["单位：人"])
    sheet.write_row(2, 0, ["序号", "乡镇（街道）", "基数"])
    for i, (township, base) in enumerate(ROWS, start=1):
        sheet.write_row(2 + i, 0, [i, township, int(base)])
    sheet.write_row(len(ROWS) + 4, 0, ["合计", "", ROW_SUM])
    book.close()
    table = read_base_table(pointed_at(campaign, path))
    assert table.bases["base"].tolist() == [int(b) for _, b in ROWS]
    assert table.stated_total == ROW_SUM and not table.total_mismatch


def test_xlsx_faults_name_the_rows_of_the_sheet(tmp_path, campaign):
    path = tmp_path / "e.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write(0, 0, "基数表")
    sheet.write_row(1, 0, ["乡镇", "基数"])
    sheet.write_row(2, 0, ["龙津镇", 20642.5])
    book.close()
    (line,) = faults(pointed_at(campaign, path))
    assert line == "基数表 e.xlsx 第3行（龙津镇）的基数“20642.5”不是正整数"


def test_thousands_separators(tmp_path, campaign):
    path = write_csv(
        tmp_path / "f.csv",
        [
            ["乡镇", "基数"],
            ["龙津镇", '"20,642"'],
            ["温郊乡", "３，４３２"],  # full-width digits and comma
            ["赖坊镇", " 7949 "],
            ["合计", '"32,023"'],
        ],
    )
    table = read_base_table(pointed_at(campaign, path))
    assert table.bases["base"].tolist() == [20642, 3432, 7949]
    assert table.stated_total == 32023 and total_lines(table) == []


def test_an_unquoted_thousands_separator_is_not_read_as_a_smaller_number(tmp_path, campaign):
    lines = [["乡镇", "基数"], ["龙津镇", "20,642"], ["温郊乡", "3432"]]
    path = write_csv(tmp_path / "g.csv", lines)
    assert faults(pointed_at(campaign, path)) == [
        "基数表 g.csv 第2行的列数多于表头（多出“642”）："
        "CSV 中带逗号的数字（如 12,345）须加引号，或去掉逗号"
    ]


@pytest.mark.parametrize(
    ("base", "fault"),
    [
        ("0", "第3行（温郊乡）的基数“0”不是正整数"),
        ("-5", "第3行（温郊乡）的基数“-5”不是正整数"),
        ("约3千", "第3行（温郊乡）的基数“约3千”不是正整数"),
        ("3432.5", "第3行（温郊乡）的基数“3432.5”不是正整数"),
        ("", "第3行（温郊乡）的基数为空"),
    ],
)
def test_a_base_that_is_not_a_positive_integer(tmp_path, campaign, base, fault):
    path = write_csv(tmp_path / "h.csv", [["乡镇", "基数"], ["龙津镇", "20642"], ["温郊乡", base]])
    assert faults(pointed_at(campaign, path)) == [f"基数表 h.csv {fault}"]


@pytest.mark.parametrize(
    ("lines", "fault"),
    [
        (
            [["乡镇", "基数"], ["龙津县", "100"]],
            "基数表 i.csv 第2行的乡镇“龙津县”不在清流县乡镇名录中，是否为“龙津镇”？",
        ),
        (
            [["乡镇", "基数"], ["龙津镇", "100"], ["温郊乡", "200"], ["龙津", "300"]],
            "基数表 i.csv 中乡镇“龙津镇”出现了2次：第2行、第4行",
        ),
        ([["乡镇", "基数"], ["", "100"]], "基数表 i.csv 第2行缺少乡镇名称（基数为“100”）"),
        (
            [["名称", "数量"], ["龙津镇", "100"]],
            "基数表 i.csv 前15行中找不到表头（应含“乡镇”等列）",
        ),
        ([["乡镇", "人数"], ["龙津镇", "100"]], "基数表 i.csv 第1行表头缺少必需列：基数"),
        ([["乡镇", "基数"], ["合计", "0"]], "基数表 i.csv 中没有任何乡镇的基数"),
    ],
)
def test_each_fault_is_one_chinese_line_naming_the_file(tmp_path, campaign, lines, fault):
    path = write_csv(tmp_path / "i.csv", lines)
    assert faults(pointed_at(campaign, path)) == [fault]


def test_a_missing_file(tmp_path, campaign):
    (line,) = faults(pointed_at(campaign, tmp_path / "nope.csv"))
    assert line.startswith("找不到基数表") and "nope.csv" in line


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02garbage\xff\xfe\x80\x80"])
def test_an_unreadable_file(tmp_path, campaign, content):
    path = tmp_path / "j.csv"
    path.write_bytes(content)
    (line,) = faults(pointed_at(campaign, path))
    assert line.startswith("基数表 j.csv ")


def test_a_corrupt_workbook(tmp_path, campaign):
    path = tmp_path / "k.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    (line,) = faults(pointed_at(campaign, path))
    assert line.startswith("基数表 k.xlsx 无法读取")


def test_every_fault_of_the_file_at_once(tmp_path, campaign):
    path = write_csv(
        tmp_path / "l.csv",
        [["乡镇", "基数"], ["龙津镇", "20642"], ["温郊", "abc"], ["桃城镇", "500"], ["龙津", "1"]],
        encoding="gbk",
    )
    assert faults(pointed_at(campaign, path)) == [
        "基数表 l.csv 第3行（温郊）的基数“abc”不是正整数",
        "基数表 l.csv 第4行的乡镇“桃城镇”不在清流县乡镇名录中，是否为“龙津镇”？",
        "基数表 l.csv 中乡镇“龙津镇”出现了2次：第2行、第5行",
    ]


def test_short_township_names_resolve_through_the_campaign_aliases(tmp_path, campaign):
    assert campaign.township_aliases["龙津"] == "龙津镇"
    path = write_csv(tmp_path / "m.csv", [["乡镇", "基数"], ["龙津", "100"], ["温郊", "200"]])
    table = read_base_table(pointed_at(campaign, path))
    assert table.bases["township"].tolist() == ["龙津镇", "温郊乡"]
    assert table.stated_total is None and table.summed_total == 300 and not table.total_mismatch


def test_the_campaign_column_names_win_over_the_usual_aliases(tmp_path, campaign):
    path = write_csv(
        tmp_path / "n.csv",
        [["乡镇", "参保人数", "township", "base_2025"], ["龙津镇", "1", "龙津镇", "20642"]],
    )
    table = read_base_table(pointed_at(campaign, path, "township", "base_2025"))
    assert table.bases["base"].tolist() == [20642]


def test_a_missing_column_recalls_the_configured_names(tmp_path, campaign):
    path = write_csv(tmp_path / "o.csv", [["township", "base_2024"], ["龙津镇", "100"]])
    (line,) = faults(pointed_at(campaign, path, "township", "base_2025"))
    assert line == ("基数表 o.csv 第1行表头缺少必需列：基数；活动配置文件中的基数列为“base_2025”")


def test_without_a_base_file_the_township_list_alone(campaign):
    table = read_base_table(dataclasses.replace(campaign, base_file=None))
    assert table.bases["township"].tolist() == list(campaign.township_names)
    assert table.bases["base"].isna().all() and table.warnings == []
    assert table.file_name is None and table.stated_total is None and not table.total_mismatch


@pytest.mark.parametrize(
    ("text", "count"),
    [("12,345", 12345), ("１２，３４５", 12345), (" 12345.0 ", 12345), ("12.5", None), ("", None)],
)
def test_parse_count(text, count):
    assert parse_count(text) == count


def test_townships_left_out_of_the_base_table_are_named(tmp_path, campaign):
    path = write_csv(tmp_path / "p.csv", [["乡镇", "基数"], ["龙津镇", "100"], ["温郊乡", "50"]])
    table = read_base_table(pointed_at(campaign, path))
    (line,) = table.warnings
    assert line.startswith("基数表 p.csv 中没有嵩溪镇、嵩口镇") and "沙芜乡" in line
    assert line.endswith("的基数：未下达任务，不参与排名")
