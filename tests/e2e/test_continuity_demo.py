"""End to end: a register with five years of history under Fujian's long-term mechanism."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from demo.yongchun import HISTORY_CONTRADICTIONS, write_person_register
from flows.pipeline import run_campaign
from tests.conftest import REFERENCE
from tests.pdf import pdf_text, squeeze

CAMPAIGN = "yongchun_2026_basic_register"
AS_OF = date(2025, 12, 10)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, prefect_server):
    """A twentieth of Yongchun's register, with 2021-2025 history, run once with its
    circular, then run again."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CANBAO_HOME", str(home))
        from flows.settings import get_settings

        settings = get_settings()
        write_person_register(
            settings.raw_dir / CAMPAIGN,
            REFERENCE / "yongchun_2023_basic_coverage.csv",
            as_of=AS_OF,
            scale=0.05,
            history_years=5,
        )
        first = run_campaign(CAMPAIGN, AS_OF, circular=True)
        bytes_first = {p.name: p.read_bytes() for p in first.out_dir.glob("*.csv")}
        second = run_campaign(CAMPAIGN, AS_OF, circular=True)
        yield first, bytes_first, second


def test_every_person_to_visit_is_told_their_own_numbers(demo_run):
    first, _, _ = demo_run
    lists = sorted((first.out_dir / "随访名单").glob("*.pdf"))
    assert lists
    text = squeeze(pdf_text(lists[0]))
    assert "连续参保" in text and "需等待" in text
    workbook = sorted((first.out_dir / "随访名单").glob("*.xlsx"))[0]
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("随访名单").to_python()
    header = next(row for row in rows if "身份证号" in row)
    column = header.index("参保提示（本人连续参保与待遇等待期）")
    people = [
        row for row in rows[rows.index(header) + 1 :]
        if row[0] not in ("", None) and not str(row[0]).startswith("本名单")
    ]  # fmt: skip
    assert people and all(row[column] for row in people)


def test_contradictory_history_is_rejected_with_its_reason(demo_run):
    first, _, _ = demo_run
    rejects = pd.read_csv(first.out_dir / "rejects.csv", encoding="utf-8-sig", dtype=str)
    contradictions = rejects[rejects["reason"].str.contains("既有职工医保又有居民医保")]
    assert 0 < len(contradictions) <= HISTORY_CONTRADICTIONS
    manifest = json.loads((first.out_dir / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["inputs"]:
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_rejected"]


def test_the_circular_and_ranking_count_who_would_wait(demo_run):
    first, _, _ = demo_run
    body = squeeze(pdf_text(first.out_dir / "通报.pdf"))
    assert "参保长效机制提示" in body and "若现在缴费将设待遇等待期" in body
    ranking = squeeze(pdf_text(first.out_dir / "排名表.pdf"))
    assert "现在缴费需等待人数" in ranking


def test_a_rerun_of_the_date_gives_the_same_tables(demo_run):
    _, bytes_first, second = demo_run
    assert {p.name: p.read_bytes() for p in second.out_dir.glob("*.csv")} == bytes_first
