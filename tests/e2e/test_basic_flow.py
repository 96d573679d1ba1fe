"""End to end for 全民参保 campaigns: the Yongchun table reproduced from township deliveries."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from demo.yongchun import COUNTS_DEFECTS, write_person_register, write_village_counts
from flows.pipeline import run_campaign
from tests.conftest import REFERENCE
from tests.pdf import pdf_text, squeeze

AS_OF = date(2023, 6, 3)
YONGCHUN = REFERENCE / "yongchun_2023_basic_coverage.csv"
REFERENCE_COLUMNS = [
    "rank", "township", "registered", "enrolled_local", "enrolled_elsewhere", "enrolled", "rate",
    "unenrolled", "unenrolled_rate",
]  # fmt: skip


def read_csv(path):
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_counts_path_reproduces_the_published_yongchun_table(home, prefect_server):
    write_village_counts(home.raw_dir / "yongchun_2023_basic", YONGCHUN, as_of=AS_OF)
    summary = run_campaign("yongchun_2023_basic", AS_OF, circular=True)
    assert summary.status == "complete"
    # numbered by the calendar: 55 cadence days (every 5th from 2022-09-01) before 6月3日
    assert summary.doc_number == "永医保〔2023〕56号"
    coverage = read_csv(summary.out_dir / "coverage.csv")
    reference = read_csv(YONGCHUN)
    assert coverage[REFERENCE_COLUMNS].values.tolist() == reference.values.tolist()
    # lapsed and the year's target follow: target = unenrolled + lapsed
    total = coverage.iloc[-1]
    assert int(total["target"]) == int(total["unenrolled"]) + int(total["lapsed"])

    manifest = json.loads((summary.out_dir / "manifest.json").read_text(encoding="utf-8"))
    defect = COUNTS_DEFECTS[0]
    mismatch = [w for w in manifest["warnings"] if defect["file"] in w]
    assert mismatch and str(defect["stated"]) in mismatch[0] and str(defect["true"]) in mismatch[0]
    for entry in manifest["inputs"]:
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_rejected"]
        assert entry["rows_summary"] == 1  # the 合计 row, kept aside

    text = squeeze(pdf_text(summary.out_dir / "排名表.pdf"))
    assert all(name in text for name in reference["township"][:-1])
    assert "578096" in text and "93.86%" in text
    circular = squeeze(pdf_text(summary.out_dir / "通报.pdf"))
    below = reference[:-1][reference["rate"][:-1].str.rstrip("%").astype(float) < 93.86]
    assert len(below) == 11 and all(name in circular for name in below["township"])
    assert "等11个乡镇参保率低于全县平均水平" in circular
    assert "低于全县平均水平" in circular and "永医保〔2023〕56号" in circular
    most_unenrolled = reference[:-1].sort_values("unenrolled", key=lambda s: -s.astype(int))
    assert all(name in circular for name in most_unenrolled["township"][:3])


@pytest.fixture
def small_yongchun(home):
    """Both kinds of delivery for the same county at 5% scale: they must agree."""
    write_village_counts(home.raw_dir / "yongchun_2023_basic", YONGCHUN, as_of=AS_OF, scale=0.05)
    write_person_register(
        home.raw_dir / "yongchun_2023_basic_register", YONGCHUN, as_of=AS_OF, scale=0.05
    )
    return home


def test_person_register_agrees_with_counts_and_lists_only_own_people(
    small_yongchun, prefect_server
):
    counts = run_campaign("yongchun_2023_basic", AS_OF)
    persons = run_campaign("yongchun_2023_basic_register", AS_OF)
    by_counts = read_csv(counts.out_dir / "villages.csv")
    by_persons = read_csv(persons.out_dir / "villages.csv")
    key = ["township", "village"]
    pd.testing.assert_frame_equal(
        by_counts.sort_values(key).reset_index(drop=True),
        by_persons.sort_values(key).reset_index(drop=True),
    )
    assert read_csv(counts.out_dir / "coverage.csv").equals(
        read_csv(persons.out_dir / "coverage.csv")
    )

    followups = persons.out_dir / "随访名单"
    coverage = read_csv(persons.out_dir / "coverage.csv").iloc[:-1].set_index("township")
    workbooks = sorted(followups.glob("*.xlsx"))
    assert len(workbooks) == 22 and len(sorted(followups.glob("*.pdf"))) == 22
    for workbook in workbooks:
        township = workbook.stem.removeprefix("随访名单_")
        rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name("随访名单").to_python()
        header = rows.index(next(r for r in rows if r and r[0] == "序号"))
        people = [r for r in rows[header + 1 :] if r and isinstance(r[0], float)]
        # a township's list holds exactly its own unenrolled people, masked
        assert len(people) == int(coverage.loc[township, "unenrolled"])
        villages = set(by_persons[by_persons["township"] == township]["village"])
        assert {r[1] for r in people} <= villages
        assert all("*" in r[2] and len(r[2]) == 18 for r in people)
    text = squeeze(pdf_text(followups / "随访名单_桃城.pdf"))
    assert "桃城" in text and "不得外传" in text
    assert re.search(r"35(0525|2425)\*{8}\d{3}[\dX]", text)  # masked: birth dates hidden
    assert not re.search(r"\d{17}[\dX]", text)


def test_a_township_without_a_new_register_keeps_its_very_list(home, prefect_server):
    """Night 1: every township's register. Night 2: 桃城 alone sends a new one; only its list
    is rendered, the others are the same files as the night before. A rerun of night 2
    renders nothing at all, and writes the same bytes."""
    campaign = "yongchun_2023_basic_register"
    raw = home.raw_dir / campaign
    write_person_register(raw, YONGCHUN, as_of=AS_OF, scale=0.02)
    night1 = run_campaign(campaign, AS_OF)
    next_day = date(2023, 6, 4)
    newer = write_person_register(home.home / "newer", YONGCHUN, as_of=next_day, scale=0.02)
    taocheng = next(path for path in newer if path.name.startswith("桃城镇"))
    shutil.copy(taocheng, raw / taocheng.name)
    night2 = run_campaign(campaign, next_day)

    def lists(summary) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((summary.out_dir / "随访名单").glob("*"))}

    def counts(summary) -> dict[str, int]:
        manifest = json.loads((summary.out_dir / "manifest.json").read_text(encoding="utf-8"))
        return manifest["step_counts"]["render_pdfs"]

    first, second = lists(night1), lists(night2)
    assert len(first) == len(second) == 44  # a PDF and a workbook per township
    changed = {name for name in first if first[name] != second[name]}
    assert changed == {"随访名单_桃城.pdf", "随访名单_桃城.xlsx"}
    assert counts(night2) == {
        "documents_rendered": counts(night1)["documents_rendered"],
        "documents_reused": 0,  # county-wide documents show the new date
        "followup_rendered": 1,
        "followup_reused": 21,
    }
    text = squeeze(pdf_text(night2.out_dir / "随访名单" / "随访名单_桃城.pdf"))
    assert "（数据截至6月4日）" in text
    assert "（数据截至6月3日）" in squeeze(
        pdf_text(night2.out_dir / "随访名单" / "随访名单_达埔.pdf")
    )

    documents = {
        p.name: p.read_bytes()
        for p in night2.out_dir.iterdir()
        if p.suffix in (".pdf", ".png", ".docx")
    }
    rerun = run_campaign(campaign, next_day)
    assert counts(rerun) == {
        "documents_rendered": 0,
        "documents_reused": len(documents),
        "followup_rendered": 0,
        "followup_reused": 22,
    }
    assert {
        p.name: p.read_bytes()
        for p in rerun.out_dir.iterdir()
        if p.suffix in (".pdf", ".png", ".docx")
    } == documents
    assert lists(rerun) == second
