"""End to end: runs with no valid rows at all still write every document, nobody ranked.

The first day (no files yet), one empty file, a header without rows ("nothing sold today"),
every row rejected: for village counts, a person register and a 惠民保 roster alike.
"""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from flows.pipeline import run_campaign
from tests.conftest import QINGLIU
from tests.pdf import pdf_text, squeeze

# campaign -> (as-of date, a township's file name, a header, one row every check rejects)
CAMPAIGNS = {
    "yongchun_2023_basic": (
        date(2023, 6, 3),
        "桃城镇_2023-06-03_村级汇总.csv",
        "村(居),户籍人口,本地参保,异地参保,断缴",
        "桃东社区,十,1,0,0",
    ),
    "yongchun_2023_basic_register": (
        date(2023, 6, 3),
        "桃城镇_2023-06-03_花名册.csv",
        "身份证号,姓名,乡镇,村(居),险种,参保地,缴费日期,上年是否缴费",
        "12345,雷红,桃城镇,桃东社区,居民医保,本地,2022-09-17,是",
    ),
    QINGLIU: (
        date(2024, 11, 13),
        "龙津镇_2024-11-13.csv",
        "身份证号,姓名,乡镇,投保日期",
        "12345,张三,龙津镇,2024-10-16",
    ),
}
SCENARIOS = ("no_files", "empty_file", "header_only", "every_row_rejected")


def read_csv(path):
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("campaign", list(CAMPAIGNS))
def test_a_run_without_one_valid_row_writes_every_document(
    home, prefect_server, campaign, scenario
):
    as_of, file_name, header, bad_row = CAMPAIGNS[campaign]
    raw = home.raw_dir / campaign
    raw.mkdir(parents=True)
    if scenario == "empty_file":
        (raw / file_name).write_bytes(b"")
    elif scenario == "header_only":
        (raw / file_name).write_text(f"{header}\n", encoding="utf-8")
    elif scenario == "every_row_rejected":
        (raw / file_name).write_text(f"{header}\n{bad_row}\n{bad_row}\n", encoding="utf-8")

    summary = run_campaign(campaign, as_of, circular=True)

    assert summary.status == ("partial" if scenario == "empty_file" else "complete")
    out = summary.out_dir
    for document in ("排名表.pdf", "通报.pdf", "数据质量.pdf", "coverage.csv", "manifest.json"):
        assert (out / document).is_file(), document
    coverage = read_csv(out / "coverage.csv")
    townships = coverage[~coverage["township"].isin(["", "合计"])].set_index("township")
    first = "龙津镇" if campaign == QINGLIU else "桃城"
    assert (townships.drop(index=first)["status"] == "未报送").all()
    expected = {
        "no_files": "未报送",
        "empty_file": "文件错误",
        "header_only": "已报送",
        "every_row_rejected": "已报送",
    }
    assert townships.loc[first, "status"] == expected[scenario]
    assert (townships["enrolled"].astype(int) == 0).all()
    assert (townships.drop(index=first)["rank"] == "").all()  # nobody ranked on nothing

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["inputs"]:
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_rejected"]
    if scenario == "header_only":
        assert [(e["status"], e["rows_read"]) for e in manifest["inputs"]] == [("loaded", 0)]
    if scenario == "every_row_rejected":
        assert [(e["rows_read"], e["rows_rejected"]) for e in manifest["inputs"]] == [(2, 2)]
        assert len(read_csv(out / "rejects.csv")) >= 2
    assert "未报送" in squeeze(pdf_text(out / "排名表.pdf"))


def test_counts_files_that_name_their_township_only_in_a_column(home, prefect_server):
    raw = home.raw_dir / "yongchun_2023_basic"
    raw.mkdir(parents=True)
    header = "乡镇,村(居),户籍人口,本地参保,异地参保,断缴"
    (raw / "村级汇总_2023-06-03.csv").write_text(
        f"{header}\n桃城镇,桃东社区,1200,1100,50,3\n桃城,桃西社区,800,700,50,3\n", encoding="utf-8"
    )
    (raw / "汇总表_2023-06-03.csv").write_text(
        f"{header}\n桃成镇,东关村,3000000000,１００,0,0\n", encoding="utf-8"
    )

    summary = run_campaign("yongchun_2023_basic", date(2023, 6, 3), circular=True)

    assert summary.status == "complete"
    coverage = read_csv(summary.out_dir / "coverage.csv")
    townships = coverage[~coverage["township"].isin(["", "合计"])].set_index("township")
    assert townships.loc["桃城", ["status", "registered", "enrolled"]].tolist() == [
        "已报送",
        "2000",
        "1900",
    ]
    assert (townships.drop(index="桃城")["status"] == "未报送").all()
    quality = squeeze(pdf_text(summary.out_dir / "数据质量.pdf"))
    # the file of no known township: its rows set aside under no township's name
    assert "乡镇不明：剔除2条" in quality and "是否为“桃城镇”" in quality
    assert "None" not in quality
