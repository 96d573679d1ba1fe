"""One township file into an in-memory DuckDB: a bad value is a reject, a bad file a 文件错误."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flows import store
from flows.config import load_campaign
from flows.ingest import ingest_file, read_base_table
from flows.results import compute_marts, with_units
from schemas import basic

COUNTS = "yongchun_2023_basic"
COUNTS_HEADER = "村(居),户籍人口,本地参保,异地参保,断缴"


@pytest.fixture
def con(home):
    with store.connect(home, ":memory:") as connection:
        yield connection


def ingest(con, home, path: Path, campaign: str = COUNTS):
    result = ingest_file(con, load_campaign(campaign, home), path, home.archive_dir, {})
    result.check_accounting()
    return result


def write(path: Path, *lines: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_counts_too_large_for_the_database_are_rejected_rows(con, home):
    path = write(
        home.raw_dir / "桃城镇_2023-06-03_村级汇总.csv",
        COUNTS_HEADER,
        "桃东社区,1200,1100,50,3",
        "桃西社区,3000000000,1100,50,3",
        "东关村,100000000000000000000,1100,50,3",
        "西关村,１００,９０,５,０",
    )
    result = ingest(con, home, path)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "loaded",
        4,
        2,
        2,
    )
    loaded = con.execute("select village, registered from basic_village_counts order by 1")
    assert loaded.fetchall() == [("桃东社区", 1200), ("西关村", 100)]
    reasons = con.execute("select source_row, reason from rejects order by 1").fetchall()
    assert reasons == [(3, basic.REASON_COUNT_TOO_LARGE), (4, basic.REASON_COUNT_TOO_LARGE)]


def test_a_counts_file_named_without_its_township_takes_it_from_its_column(con, home):
    path = write(
        home.raw_dir / "村级汇总_2023-06-03.csv",
        f"乡镇,{COUNTS_HEADER}",
        "桃城镇,桃东社区,1200,1100,50,3",
        "桃城,桃西社区,800,700,50,3",
    )
    result = ingest(con, home, path)
    assert (result.status, result.township, result.rows_loaded) == ("loaded", "桃城镇", 2)
    rows = con.execute("select distinct township from basic_village_counts").fetchall()
    assert rows == [("桃城镇",)]


def test_a_counts_file_whose_every_township_is_unknown_is_a_delivery_of_rejects(con, home):
    path = write(
        home.raw_dir / "村级汇总_2023-06-03.csv",
        f"乡镇,{COUNTS_HEADER}",
        "桃成镇,桃东社区,1200,1100,50,3",
    )
    result = ingest(con, home, path)
    assert (result.status, result.township, result.rows_rejected) == ("loaded", None, 1)
    (reason,) = con.execute("select reason from rejects").fetchone()
    assert reason == "乡镇“桃成镇”不在本县乡镇名录中，是否为“桃城镇”？"
    # a delivery of no known township makes no township 已报送
    campaign = load_campaign(COUNTS, home)
    store.replace_bases(con, COUNTS, with_units(campaign, read_base_table(campaign).bases))
    marts = compute_marts(con, home, campaign, date(2023, 6, 3), ("mart_township_coverage",))
    assert set(marts["mart_township_coverage"]["status"]) == {"未报送"}


def test_a_file_the_process_may_not_read_is_its_townships_file_error(con, home, monkeypatch):
    path = write(home.raw_dir / "桃城镇_2023-06-03_村级汇总.csv", COUNTS_HEADER, "桃东社区,1,1,0,0")
    opened = Path.open

    def denied(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    result = ingest(con, home, path)
    assert (result.status, result.township) == ("file_error", "桃城镇")
    assert result.error == (
        "文件 桃城镇_2023-06-03_村级汇总.csv 无法读取："
        "没有读取权限（请检查文件权限，或文件是否正被其他程序占用）"
    )


@pytest.mark.parametrize(
    ("campaign", "file_name", "header"),
    [
        (COUNTS, "桃城镇_2023-06-03_村级汇总.csv", COUNTS_HEADER),
        (
            "yongchun_2023_basic_register",
            "桃城镇_2023-06-03_花名册.csv",
            "身份证号,姓名,乡镇,村(居),险种,参保地,缴费日期,上年是否缴费",
        ),
        ("qingliu_2025_puhui", "龙津镇_2024-11-13.csv", "身份证号,姓名,乡镇,投保日期"),
    ],
)
def test_a_header_without_rows_is_a_delivery_of_no_rows(con, home, campaign, file_name, header):
    path = write(home.raw_dir / file_name, header)  # "nothing sold today"
    result = ingest(con, home, path, campaign)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_rejected) == (
        "loaded",
        0,
        0,
        0,
    )
    assert result.township == file_name.split("_")[0]
    assert con.execute("select count(*) from deliveries").fetchone() == (1,)
