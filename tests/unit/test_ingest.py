"""Ingest: every entry of the drop zone and every delivery of a day is accounted for."""

from __future__ import annotations

import pandas as pd
import pytest
import xlsxwriter

from flows import store
from flows.config import load_campaign
from flows.extracts import read_extract
from flows.ingest import discover_extracts, ingest_file, survey_drop_zone
from schemas import identity
from schemas.headers import alias_lookup
from tests.conftest import QINGLIU


def test_every_entry_of_the_drop_zone_is_read_or_named_with_why(tmp_path):
    for name in (
        "龙津镇_2024-11-13.csv",
        "..嵩溪镇_2024-11-13.csv",  # a leading dot is part of the name on a Windows PC
        "~$温郊乡_2024-11-13.xlsx",
        "._龙津镇_2024-11-13.csv",
        ".DS_Store",
        "灵地镇_2024-11-13.pdf",
    ):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "旧文件").mkdir()
    zone = survey_drop_zone(tmp_path)
    assert sorted(p.name for p in zone.extracts) == [
        "..嵩溪镇_2024-11-13.csv",
        "龙津镇_2024-11-13.csv",
    ]
    assert discover_extracts(tmp_path) == zone.extracts
    skipped = {entry.file_name: entry for entry in zone.skipped}
    assert sorted(skipped) == sorted(
        [".DS_Store", "._龙津镇_2024-11-13.csv", "~$温郊乡_2024-11-13.xlsx", "旧文件",
         "灵地镇_2024-11-13.pdf"]
    )  # fmt: skip
    assert {entry.status for entry in zone.skipped} == {"skipped"}
    assert "临时锁定文件" in skipped["~$温郊乡_2024-11-13.xlsx"].reason
    assert "格式不受支持" in skipped["灵地镇_2024-11-13.pdf"].reason
    assert "文件夹" in skipped["旧文件"].reason
    # what a township may have meant to send is a warning; Excel's own lock file is not
    assert skipped["灵地镇_2024-11-13.pdf"].warnings == [skipped["灵地镇_2024-11-13.pdf"].reason]
    assert skipped["~$温郊乡_2024-11-13.xlsx"].warnings == []
    assert skipped["~$温郊乡_2024-11-13.xlsx"].error is None


QINGLIU_HEADER = ["序号", "身份证号码", "姓名", "乡镇", "村(居)", "投保日期"]


def person(number: int, name: str) -> list:
    return [
        number,
        valid_id(f"35042319900307{number:03d}"),
        name,
        "龙津镇",
        "城关社区",
        "2024-10-16",
    ]


def valid_id(first17: str) -> str:
    return identity.with_check_char(pd.Series([first17])).iloc[0]


def workbook(path, sheets: list[tuple[str, list[list], bool]]):
    """sheets: (name, rows under the header or None for a notes sheet, hidden)."""
    book = xlsxwriter.Workbook(path)
    for index, (name, rows, hidden) in enumerate(sheets):
        sheet = book.add_worksheet(name)
        if rows is None:
            sheet.write(0, 0, "填表说明：身份证号请设为文本格式")
        else:
            sheet.write_row(0, 0, QINGLIU_HEADER)
            for offset, row in enumerate(rows, start=1):
                sheet.write_row(offset, 0, row)
        if hidden:
            sheet.hide()
        elif not any(h for _, _, h in sheets[:index]) or index == len(sheets) - 1:
            sheet.activate()  # a hidden sheet cannot be the active one
    book.close()
    return path


@pytest.fixture
def campaign(home):
    return load_campaign(QINGLIU, home)


def ingest(home, campaign, path, con):
    return ingest_file(con, campaign, path, home.archive_dir, {})


def test_every_visible_sheet_is_read_and_a_hidden_one_is_named(home, campaign, tmp_path):
    path = workbook(
        tmp_path / "龙津镇_2024-10-20.xlsx",
        [
            ("旧名单", [person(1, "旧甲"), person(2, "旧乙")], True),
            ("说明", None, False),
            ("第一批", [person(3, "张三"), person(4, "李四")], False),
            ("第二批", [person(5, "王五"), person(3, "张三")], False),
        ],
    )
    with store.connect(home, ":memory:") as con:
        result = ingest(home, campaign, path, con)
        loaded = con.execute(
            "select sheet, source_row, name from enrollments order by sheet = '第二批', source_row"
        ).fetchall()
        rejected = con.execute("select sheet, source_row, reason from rejects").fetchall()
    assert loaded == [("第一批", 2, "张三"), ("第一批", 3, "李四"), ("第二批", 2, "王五")]
    # the same person on two sheets counts once, and the reject says where it was first
    assert rejected == [
        ("第二批", 3, "同一人在本文件中重复出现，只计一次（首次出现在工作表“第一批”第2行）")
    ]
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 3, 1)
    assert any("“旧名单”是隐藏工作表" in w for w in result.warnings)
    assert any("“说明”" in w and "没有表头" in w for w in result.warnings)


def test_a_campaign_sheet_restricts_reading_to_it(home, campaign, tmp_path):
    path = workbook(
        tmp_path / "龙津镇_2024-10-20.xlsx",
        [("第一批", [person(3, "张三")], False), ("花名册", [person(5, "王五")], False)],
    )
    extract = read_extract(path, alias_lookup(), sheet="花名册")
    assert extract.frame["name"].tolist() == ["王五"]
    assert extract.skipped_sheets == ["工作表“第一批”未读取：活动配置指定只读取工作表“花名册”"]
