"""A register's earlier years of insurance and its exemptions: read, checked, loaded."""

from __future__ import annotations

from datetime import date

import pandas as pd

from flows import store
from flows.config import load_campaign
from flows.ingest import ingest_file
from schemas import basic
from schemas.identity import with_check_char

IDS = with_check_char(
    pd.Series([f"3505251980010100{k}" for k in range(1, 8)], dtype="string")
).tolist()


def register(path, rows: list[list[str]], history_headers: list[str]) -> None:
    header = ["身份证号", "姓名", "乡镇", "村(居)", "参保地", "缴费日期", "上年是否缴费"]
    lines = [",".join([*header, *history_headers, "特殊群体"])]
    lines += [",".join(row) for row in rows]
    path.write_text("\n".join(lines), encoding="utf-8")


def test_history_columns_become_years_of_insurance_and_bad_ones_rejects(home, tmp_path):
    campaign = load_campaign("yongchun_2023_basic_register", home)
    township = campaign.township_names[0]
    path = tmp_path / f"{township}_2023-06-03_花名册.csv"
    base = [township, "东关村"]
    register(
        path,
        [
            [IDS[0], "甲", *base, "本地", "2023-01-05", "是", "居民医保", "职工", "居民", ""],
            [IDS[1], "乙", *base, "", "", "否", "未参保", "", "居民", "新生儿"],
            [IDS[2], "丙", *base, "", "", "是", "居民、职工", "居民", "居民", ""],
            [IDS[3], "丁", *base, "", "", "是", "居民", "医保", "居民", ""],
            [IDS[4], "戊", *base, "", "", "否", "", "", "", "五保户"],
        ],
        ["2020年", "2021年度参保情况", "2022年险种"],
    )
    with store.connect(home, ":memory:") as con:
        result = ingest_file(con, campaign, path, home.archive_dir, {}, date(2023, 6, 3))
        years = con.execute(
            "select id_number, year, scheme from person_years order by id_number, year"
        ).fetchall()
        exempt = con.execute("select id_number, exemption from person_exemptions").fetchall()
        rejects = con.execute(
            "select source_row, column_name, value, reason from rejects order by source_row"
        ).fetchall()
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (5, 2, 3)
    assert years == [
        (IDS[0], 2020, "居民"), (IDS[0], 2021, "职工"), (IDS[0], 2022, "居民"),
        (IDS[1], 2022, "居民"),
    ]  # fmt: skip
    assert exempt == [(IDS[1], "新生儿")]
    assert rejects == [
        (4, "2020年参保情况", "居民、职工",
         "同一年度既有职工医保又有居民医保参保记录，请核实该年度实际参保险种"),
        (5, "2021年参保情况", "医保", "2021年参保情况无法识别（应为 居民、职工 或 未参保）"),
        (6, "exemption", "五保户", basic.REASON_EXEMPTION),
    ]  # fmt: skip


def test_a_history_year_not_before_the_campaign_is_rejected_not_guessed(home, tmp_path):
    campaign = load_campaign("yongchun_2023_basic_register", home)
    township = campaign.township_names[0]
    path = tmp_path / f"{township}_2023-06-03_花名册.csv"
    base = [township, "东关村"]
    register(
        path,
        [
            [IDS[0], "甲", *base, "", "", "是", "居民", "居民", ""],
            [IDS[1], "乙", *base, "", "", "是", "居民", "", ""],
        ],
        ["2022年", "2024年"],
    )
    with store.connect(home, ":memory:") as con:
        result = ingest_file(con, campaign, path, home.archive_dir, {}, date(2023, 6, 3))
        reasons = con.execute("select source_row, reason from rejects").fetchall()
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert reasons == [
        (2, "2024年不早于本活动年度（2023年），不应列在历年参保情况中；请核对表头年份")
    ]


def test_claims_on_the_fund_a_year_are_read_beside_the_year(home, tmp_path):
    campaign = load_campaign("yongchun_2023_basic_register", home)
    township = campaign.township_names[0]
    path = tmp_path / f"{township}_2023-06-03_花名册.csv"
    base = [township, "东关村"]
    register(
        path,
        [
            [IDS[0], "甲", *base, "", "", "是", "居民", "是", "居民", "否", ""],
            [IDS[1], "乙", *base, "", "", "是", "居民", "", "居民", "不清楚", ""],
        ],
        ["2021年", "2021年是否报销", "2022年", "2022年是否报销"],
    )
    with store.connect(home, ":memory:") as con:
        result = ingest_file(con, campaign, path, home.archive_dir, {}, date(2023, 6, 3))
        years = con.execute("select year, claimed from person_years order by year").fetchall()
        reasons = con.execute("select source_row, reason from rejects").fetchall()
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert years == [(2021, True), (2022, False)]
    assert reasons == [(3, "2022年是否报销无法识别（应为 是 或 否）：不清楚")]


def test_a_register_of_a_row_per_person_and_year_is_folded_every_row_accounted(home, tmp_path):
    campaign = load_campaign("yongchun_2023_basic_register", home)
    township = campaign.township_names[0]
    path = tmp_path / f"{township}_2023-06-03_花名册.csv"
    header = "年度,身份证号,姓名,乡镇,村(居),险种,参保地,缴费日期,上年是否缴费"
    rows = [
        f"2023,{IDS[0]},甲,{township},东关村,居民医保,本地,2023-01-05,是",
        f"2022,{IDS[0]},甲,{township},东关村,居民医保,,,",
        f"2021,{IDS[0]},甲,{township},东关村,职工医保,,,",
        f"2023年,{IDS[1]},乙,{township},东关村,,,,否",
        f"2021,{IDS[1]},乙,{township},东关村,,,,",  # not insured that year
        f"2023,{IDS[2]},丙,{township},东关村,,,,是",
        f"2022,{IDS[2]},丙,{township},东关村,居民医保,,,",
        f"2022,{IDS[2]},丙,{township},东关村,职工医保,,,",  # both in one year: the person out
        f"2022,{IDS[3]},丁,{township},东关村,居民医保,,,",  # no row of 2023
        f"2024,{IDS[4]},戊,{township},东关村,居民医保,本地,2024-01-05,是",  # after 2023
    ]
    path.write_text("\n".join([header, *rows]), encoding="utf-8")
    with store.connect(home, ":memory:") as con:
        result = ingest_file(con, campaign, path, home.archive_dir, {}, date(2023, 6, 3))
        persons = con.execute("select id_number from basic_persons order by 1").fetchall()
        years = con.execute(
            "select id_number, year, scheme from person_years order by id_number, year"
        ).fetchall()
        rejects = con.execute(
            "select source_row, column_name, reason from rejects order by source_row"
        ).fetchall()
    # 甲's three rows and 乙's two are loaded; 丙's three, 丁's and 戊's rejected
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (10, 5, 5)
    assert persons == [(IDS[0],), (IDS[1],)]
    assert years == [(IDS[0], 2021, "职工"), (IDS[0], 2022, "居民")]
    assert rejects == [
        (7, "2022年参保情况", "同一年度既有职工医保又有居民医保参保记录，请核实该年度实际参保险种"),
        (10, "年度", "只有往年参保记录，缺少本年度（2023年）的记录，无法确定本年参保情况"),
        (11, "年度", "2024年度晚于本活动年度（2023年），请核对年度"),
    ]
