"""End to end: runs with no valid rows at all still write every document, nobody ranked.

The first day (no files yet), one empty file, every row rejected: for village counts, a
person register and a 惠民保 roster alike.
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
SCENARIOS = ("no_files", "empty_file", "every_row_rejected")


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
    expected = {"no_files": "未报送", "empty_file": "文件错误", "every_row_rejected": "已报送"}
    assert townships.loc[first, "status"] == expected[scenario]
    assert (townships["enrolled"].astype(int) == 0).all()
    assert (townships.drop(index=first)["rank"] == "").all()  # nobody ranked on nothing

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["inputs"]:
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_rejected"]
    if scenario == "every_row_rejected":
        assert [(e["rows_read"], e["rows_rejected"]) for e in manifest["inputs"]] == [(2, 2)]
        assert len(read_csv(out / "rejects.csv")) >= 2
    assert "未报送" in squeeze(pdf_text(out / "排名表.pdf"))
