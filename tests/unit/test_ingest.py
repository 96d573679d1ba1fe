"""Ingest: every entry of the drop zone and every delivery of a day is accounted for."""

from __future__ import annotations

from datetime import date

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


def roster_csv(path, numbers: list[int]):
    lines = ["身份证号,姓名,乡镇,村居,投保日期"] + [
        f"{valid_id(f'35042319900307{n:03d}')},某{n},龙津镇,城关社区,2024-11-13" for n in numbers
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_a_file_dated_after_today_is_loaded_and_said(home, campaign, tmp_path):
    path = roster_csv(tmp_path / "龙津镇_2042-11-13.csv", [1, 2])
    with store.connect(home, ":memory:") as con:
        result = ingest_file(con, campaign, path, home.archive_dir, {}, date(2024, 11, 13))
        notes = store.delivery_notes(con, campaign.name, date(2024, 11, 13), campaign.deadline)
    assert result.status == "loaded" and result.delivered_on == date(2042, 11, 13)
    assert len(result.warnings) == 1 and "晚于今天（2024-11-13）" in result.warnings[0]
    assert notes == result.warnings  # shown in 数据质量 although it is not counted


def test_a_file_dated_far_outside_the_campaign_is_said(home, campaign, tmp_path):
    path = roster_csv(tmp_path / "龙津镇_2023-11-13.csv", [1])
    with store.connect(home, ":memory:") as con:
        result = ingest_file(con, campaign, path, home.archive_dir, {}, date(2024, 11, 13))
    assert any("远在本次参保活动期" in w for w in result.warnings)


def enrolled(con) -> list[tuple]:
    return con.execute(
        "select d.file_name, count(*) from enrollments join deliveries d using (file_sha256)"
        " where d.status = 'loaded' group by 1 order by 1"
    ).fetchall()


def test_two_batches_of_one_day_add_up(home, campaign, tmp_path):
    morning = roster_csv(tmp_path / "龙津镇_2024-11-13_上午.csv", [1, 2, 3])
    afternoon = roster_csv(tmp_path / "龙津镇_2024-11-13_下午.csv", [3, 4, 5, 6])
    with store.connect(home, ":memory:") as con:
        known: dict = {}
        ingest_file(con, campaign, morning, home.archive_dir, known, date(2024, 11, 13))
        second = ingest_file(con, campaign, afternoon, home.archive_dir, known, date(2024, 11, 13))
        assert enrolled(con) == [(morning.name, 3), (afternoon.name, 4)]
    assert second.replaced == []
    assert any("两批合计计入" in w for w in second.warnings)


def test_a_same_day_file_of_mostly_the_same_people_corrects_the_earlier(home, campaign, tmp_path):
    first = roster_csv(tmp_path / "龙津镇_2024-11-13_上午.csv", [1, 2, 3, 4])
    again = roster_csv(tmp_path / "龙津镇_2024-11-13_上午2.csv", [1, 2, 3, 7])
    named = roster_csv(tmp_path / "龙津镇_2024-11-13_更正.csv", [8])
    with store.connect(home, ":memory:") as con:
        known: dict = {}
        ingest_file(con, campaign, first, home.archive_dir, known, date(2024, 11, 13))
        second = ingest_file(con, campaign, again, home.archive_dir, known, date(2024, 11, 13))
        assert enrolled(con) == [(again.name, 4)]
        third = ingest_file(con, campaign, named, home.archive_dir, known, date(2024, 11, 13))
        assert enrolled(con) == [(named.name, 1)]
    assert [r["file_name"] for r in second.replaced] == [first.name]
    assert any("视为对该文件的更正" in w for w in second.warnings)
    assert [r["file_name"] for r in third.replaced] == [again.name]
    assert any("文件名标明为更正" in w for w in third.warnings)


def test_the_newest_village_counts_of_a_day_are_the_snapshot_and_it_is_said(home, tmp_path):
    basic = load_campaign("yongchun_2023_basic", home)
    township = basic.township_names[0]
    header = "村(居),户籍人口,本地参保,异地参保,断缴"
    paths = []
    for batch, registered in (("上午", 100), ("下午", 120)):
        path = tmp_path / f"{township}_2023-11-13_{batch}.csv"
        path.write_text(f"{header}\n东华村,{registered},90,5,2", encoding="utf-8")
        paths.append(path)
    with store.connect(home, ":memory:") as con:
        known: dict = {}
        for path in paths:
            result = ingest_file(con, basic, path, home.archive_dir, known, date(2023, 11, 13))
        loaded = con.execute("select registered from basic_village_counts").fetchall()
    assert loaded == [(120,)]
    assert [r["file_name"] for r in result.replaced] == [paths[0].name]
    assert any("以当日最新的文件为准" in w for w in result.warnings)
