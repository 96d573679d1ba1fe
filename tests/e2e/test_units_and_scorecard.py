"""End to end: the Qingliu demo's units, channels, hardship list and 考核 through the flow."""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from demo import DEMOS
from demo.assessment import assessed_entities
from flows.assessment_form import write_form
from flows.config import load_campaign
from flows.pipeline import run_campaign
from tests.conftest import QINGLIU
from tests.pdf import pdf_text, squeeze

AS_OF = date(2024, 11, 13)
FULL_ID = re.compile(r"\d{17}[\dXx]")


def read_csv(path):
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def sheet(path, name):
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    return rows


def scorecard_rows(out_dir) -> pd.DataFrame:
    """考核得分表.xlsx's rows of townships and units, under their headings."""
    rows = sheet(out_dir / "考核得分表.xlsx", "考核得分")
    start = next(n for n, row in enumerate(rows) if row and row[0] == "排名")
    body = [row for row in rows[start + 1 :] if row[0] not in ("", None)]
    return pd.DataFrame([r for r in body if not str(r[0]).startswith("说明")], columns=rows[start])


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, prefect_server):
    """The demo's files for the as-of date, run once with its circular."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CANBAO_HOME", str(home))
        from flows.settings import get_settings

        settings = get_settings()
        campaign = load_campaign(QINGLIU, settings)
        DEMOS[QINGLIU].write(campaign, settings.raw_dir / QINGLIU, AS_OF)
        summary = run_campaign(QINGLIU, AS_OF, circular=True)
        yield settings, summary


def test_the_circular_names_the_units_below_their_target(demo_run):
    _, summary = demo_run
    units = read_csv(summary.out_dir / "units.csv")
    below = units.loc[units["status"] == "未达标", "unit"].tolist()
    assert below, "the demo has units below 80%"
    body = squeeze(pdf_text(summary.out_dir / "通报.pdf"))
    assert "、".join(below) + f"等{len(below)}个单位职工参保率低于80%的目标" in body
    # the unit ranking of the 排名表 and its workbook: every unit, in rank order
    ranking = squeeze(pdf_text(summary.out_dir / "排名表.pdf"))
    assert all(unit in ranking for unit in units["unit"])
    rows = sheet(summary.out_dir / "排名表.xlsx", "县直单位")
    assert [row[1] for row in rows[1:]] == units["unit"].tolist()


def test_uncovered_staff_and_hardship_people_are_listed_masked(demo_run):
    _, summary = demo_run
    units = read_csv(summary.out_dir / "units.csv")
    lists = sorted((summary.out_dir / "单位未参保职工名单").glob("*.pdf"))
    uncovered = units[units["staff"].astype(int) > units["covered"].astype(int)]
    assert [p.stem.removeprefix("未参保职工名单_") for p in lists] == sorted(uncovered["unit"])
    for path in [*lists, summary.out_dir / "救助对象参保核查名单.pdf"]:
        text = pdf_text(path)
        assert not FULL_ID.search(text.replace(" ", "")), path.name
        assert "********" in text
    hardship = read_csv(summary.out_dir / "hardship.csv")
    left = hardship[hardship["fully_funded"] == "True"]
    missing = left["uncovered"].astype(int).sum() + left["covered_otherwise"].astype(int).sum()
    body = squeeze(pdf_text(summary.out_dir / "通报.pdf"))
    uncovered_total = left["uncovered"].astype(int).sum()
    assert missing > 0 and f"尚未参保{uncovered_total}人" in body


def test_every_list_row_is_accounted_and_bad_rows_named(demo_run):
    _, summary = demo_run
    manifest = json.loads((summary.out_dir / "manifest.json").read_text(encoding="utf-8"))
    entries = manifest["lists"]
    assert {e["kind"] for e in entries} == {"staff", "family", "hardship"}
    for entry in entries:
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_rejected"]
    problems = read_csv(summary.out_dir / "名单问题.csv")
    assert set(problems["名单"]) == {"单位职工名册", "职工家属名册"}
    assert not any("文件夹" in w and "不读取" in w for w in manifest["warnings"])
    channels = read_csv(summary.out_dir / "channels.csv")
    coverage = read_csv(summary.out_dir / "coverage.csv")
    assert channels["合计"].astype(int).iloc[-1] == coverage["enrolled"].astype(int).sum()


def test_the_scorecard_ranks_every_township_and_unit(demo_run):
    settings, summary = demo_run
    campaign = load_campaign(QINGLIU, settings)
    text = squeeze(pdf_text(summary.out_dir / "考核得分表.pdf"))
    for name in (*campaign.township_names, *campaign.staff.units):
        assert name in text
    card = scorecard_rows(summary.out_dir)
    assert len(card) == len(campaign.township_names) + len(campaign.staff.units)
    assert card["排名"].tolist() == sorted(card["排名"])
    # the filled form was used: no item waits for the assessors
    assert set(card["状态"]) == {""}


def test_a_refused_form_leaves_the_assessors_items_pending(demo_run):
    settings, _ = demo_run
    form = settings.raw_dir / QINGLIU / "考核评分" / "考核评分表.xlsx"
    campaign = load_campaign(QINGLIU, settings)
    entities = assessed_entities(campaign)
    computed = entities.assign(item_key="organisation", source="entered", points=None)
    entered = pd.DataFrame(
        {"entity": entities["entity"], "item_key": "organisation", "points": 25.0}
    )
    write_form(form, campaign, computed, entered=entered)
    rerun = run_campaign(QINGLIU, AS_OF)
    manifest = json.loads((rerun.out_dir / "manifest.json").read_text(encoding="utf-8"))
    faults = [w for w in manifest["warnings"] if "超过" in w]
    assert len(faults) == len(entities)
    assert any("本次未采用" in w for w in manifest["warnings"])
    card = scorecard_rows(rerun.out_dir)
    assert set(card["状态"]) == {"部分待评"}
    assert set(card["组织领导（0-20分）"]) == {"待评"}
