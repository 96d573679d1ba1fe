"""End to end: the Prefect flow on the demo data in a temporary canbao home."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import duckdb
import pandas as pd
import pytest

from demo.qingliu import DEMO_DEFECTS, write_demo_extracts
from flows.config import available_campaigns
from flows.outputs import sha256_of
from flows.pipeline import run_campaign
from tests.conftest import QINGLIU, REFERENCE

AS_OF = date(2024, 11, 13)
START = date(2024, 10, 15)


@pytest.fixture
def demo_home(home):
    write_demo_extracts(
        home.raw_dir / QINGLIU,
        REFERENCE / "qingliu_2025_puhui_assignments.csv",
        start=START,
        as_of=AS_OF,
    )
    return home


def read_csv(path):
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_demo_run_reproduces_targets_accounts_for_every_row_and_reruns_identically(
    demo_home, prefect_server
):
    first = run_campaign(QINGLIU, AS_OF)
    out = first.out_dir
    assert first.status == "complete"
    assert out == demo_home.out_dir / QINGLIU / "2024-11-13"

    reference = read_csv(REFERENCE / "qingliu_2025_puhui_assignments.csv")
    targets = read_csv(out / "targets.csv")
    assert targets.values.tolist() == reference.values.tolist()
    assert targets.iloc[-1].tolist() == ["合计", "112300", "22467", "33695"]

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["inputs"]) == 130
    for entry in manifest["inputs"]:
        assert entry["rows_read"] == entry["rows_loaded"] + entry["rows_rejected"]
    for entry in manifest["outputs"]:
        assert sha256_of(out / entry["file"]) == entry["sha256"]
    assert set(manifest["step_seconds"]) >= {"ingest_extracts", "compute_coverage", "render_pdfs"}

    rejects = read_csv(out / "rejects.csv")
    assert sorted(rejects["file"]) == sorted(d["file"] for d in DEMO_DEFECTS)
    assert not rejects["value"].str.fullmatch(r"\d{17}[\dX]").any()  # identity numbers masked

    coverage = read_csv(out / "coverage.csv")
    rows_loaded = sum(e["rows_loaded"] for e in manifest["inputs"])
    assert coverage["enrolled"].astype(int).sum() == first.county["enrolled"] == rows_loaded
    assert coverage["rank"].tolist() == [str(i) for i in range(1, 14)]
    rates = coverage["rate"].str.rstrip("%").astype(float)
    assert rates.is_monotonic_decreasing

    with duckdb.connect(str(demo_home.database), read_only=True) as con:
        before = con.execute("select count(*) from enrollments").fetchone()[0]
    coverage_bytes = (out / "coverage.csv").read_bytes()

    second = run_campaign(QINGLIU, AS_OF)
    assert {f.status for f in second.files} == {"already_loaded"}
    assert (out / "coverage.csv").read_bytes() == coverage_bytes
    with duckdb.connect(str(demo_home.database), read_only=True) as con:
        assert con.execute("select count(*) from enrollments").fetchone()[0] == before


def test_broken_file_marks_its_township_and_the_rest_still_runs(demo_home, prefect_server):
    raw = demo_home.raw_dir / QINGLIU
    (raw / "灵地镇_2024-11-13.xlsx").write_bytes(b"PK\x03\x04 truncated in transit")
    summary = run_campaign(QINGLIU, AS_OF)
    assert summary.status == "partial"
    coverage = read_csv(summary.out_dir / "coverage.csv").set_index("township")
    assert coverage.loc["灵地镇", "status"] == "文件错误"
    assert (coverage.drop(index="灵地镇")["status"] == "已报送").all()
    manifest = json.loads((summary.out_dir / "manifest.json").read_text(encoding="utf-8"))
    broken = [e for e in manifest["inputs"] if e["status"] == "file_error"]
    assert [e["file_name"] for e in broken] == ["灵地镇_2024-11-13.xlsx"]
    assert "无法读取" in broken[0]["error"]


def test_corrected_delivery_replaces_the_earlier_file(demo_home, prefect_server):
    raw = demo_home.raw_dir / QINGLIU
    original = sorted(raw.glob("温郊乡_*.csv"))[-1]
    run_campaign(QINGLIU, AS_OF)
    lines = original.read_bytes().splitlines(keepends=True)
    corrected = raw / original.name.replace(".csv", "_更正.csv")
    corrected.write_bytes(b"".join(lines[:-2]))  # the township withdrew two rows
    summary = run_campaign(QINGLIU, AS_OF)
    entry = next(f for f in summary.files if f.file_name == corrected.name)
    assert entry.status == "loaded" and len(entry.replaced) == 1
    with duckdb.connect(str(demo_home.database), read_only=True) as con:
        statuses = con.execute(
            "select status, count(*) from deliveries"
            " where township = '温郊乡' group by 1 order by 1"
        ).fetchall()
    assert statuses == [("loaded", 10), ("replaced", 1)]


def canbao(*args: str, env_home) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "CANBAO_HOME": str(env_home)}
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, env=env
    )


def test_cli_unknown_campaign_is_one_line_without_traceback(home):
    result = canbao("run", "no_such_campaign", env_home=home.home)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"错误：未找到参保活动“no_such_campaign”的配置文件 "
        f"{home.campaigns_dir / 'no_such_campaign.toml'}"
        f"（已有：{'、'.join(available_campaigns(home))}）"
    ]
    assert "Traceback" not in result.stdout + result.stderr


def test_cli_unreadable_extract_names_the_file_and_exits_non_zero(home):
    raw = home.raw_dir / QINGLIU
    raw.mkdir(parents=True)
    (raw / "龙津镇_2024-11-13.csv").write_bytes(b"\xff\xfe\x00garbage\x00")
    result = canbao("run", QINGLIU, "--as-of", "2024-11-13", env_home=home.home)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("错误")]
    assert len(errors) == 1
    assert errors[0].startswith("错误：文件 龙津镇_2024-11-13.csv")
    assert errors[0].endswith("本次结果不完整")
    assert "Traceback" not in result.stdout + result.stderr


def test_killed_during_load_leaves_the_database_as_before(demo_home):
    import os
    import signal

    raw = demo_home.raw_dir / QINGLIU
    later = sorted(p for p in raw.iterdir() if p.name >= "温")  # hold back a few townships
    held = demo_home.home / "held"
    held.mkdir()
    for path in later:
        path.rename(held / path.name)
    assert canbao("run", QINGLIU, "--as-of", "2024-11-13", env_home=demo_home.home).returncode == 0

    def counts():
        with duckdb.connect(str(demo_home.database), read_only=True) as con:
            return con.execute(
                "select (select count(*) from deliveries), (select count(*) from enrollments),"
                " (select count(*) from rejects)"
            ).fetchone()

    before = counts()
    for path in held.iterdir():
        path.rename(raw / path.name)
    env = {**os.environ, "CANBAO_HOME": str(demo_home.home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", QINGLIU, "--as-of", "2024-11-13"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,  # the Prefect server it starts dies with it
    )
    seen, loaded = [], 0
    for line in process.stdout:
        seen.append(line)
        loaded += "入库" in line
        if loaded == 2:  # two new files are loaded, inside the run's open transaction
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)
    assert counts() == before
    # and the next run loads them all
    assert canbao("run", QINGLIU, "--as-of", "2024-11-13", env_home=demo_home.home).returncode == 0
    assert counts()[0] == 130


def test_quality_report_lists_every_reject_in_pdf_and_xlsx(demo_home, prefect_server):
    from python_calamine import CalamineWorkbook

    from tests.pdf import pdf_text, squeeze

    summary = run_campaign(QINGLIU, AS_OF)
    rejects = read_csv(summary.out_dir / "rejects.csv")
    assert len(rejects) == len(DEMO_DEFECTS)
    text = squeeze(pdf_text(summary.out_dir / "数据质量.pdf"))
    for row in rejects.itertuples():
        assert squeeze(row.reason) in text
        assert row.value in text and row.file in text
    sheet = CalamineWorkbook.from_path(str(summary.out_dir / "数据质量.xlsx")).get_sheet_by_name(
        "剔除明细"
    )
    rows = sheet.to_python()
    assert rows[0] == ["乡（镇）", "文件", "工作表", "行号", "列", "内容", "原因"]
    body = [r for r in rows[1 : 1 + len(rejects)]]
    assert [r[6] for r in body] == rejects["reason"].tolist()
    assert [int(r[3]) for r in body] == rejects["row"].astype(int).tolist()


def test_people_in_two_townships_and_old_numbers_reach_the_quality_report(
    demo_home, prefect_server
):
    from tests.pdf import pdf_text, squeeze

    raw = demo_home.raw_dir / QINGLIU
    someone = read_csv(sorted(raw.glob("嵩口镇_*.csv"))[0]).iloc[0]
    id_column = next(c for c in someone.index if "号" in c)
    old = "350423900307123"  # 15 digits: 1990-03-07
    (raw / "温郊乡_2024-11-12.csv").write_text(
        "身份证号,姓名,乡镇,村居,投保日期,缴费方式\n"
        f"{someone[id_column]},张三,温郊乡,温郊村,2024-11-12,个人缴费\n"
        f"{old},李四,温郊乡,温郊村,2024-11-12,个人缴费\n",
        encoding="utf-8",
    )
    summary = run_campaign(QINGLIU, AS_OF)
    conflicts = read_csv(summary.out_dir / "conflicts.csv")
    assert sorted(conflicts["township"]) == ["嵩口镇", "温郊乡"]
    assert set(conflicts["counted_in"]) == {"嵩口镇"}  # bought there first
    text = squeeze(pdf_text(summary.out_dir / "数据质量.pdf"))
    masked = conflicts["id_number"].iloc[0]
    assert masked in text and "被多个乡（镇）报送的人员" in text
    assert "15位旧身份证号已按规则转换为18位（第3行）" in text


def test_every_entry_of_the_drop_zone_is_in_the_manifest(home, prefect_server):
    raw = home.raw_dir / QINGLIU
    raw.mkdir(parents=True)
    header = "身份证号,姓名,乡镇,村居,投保日期\n"
    person = "350423199003071232,张三,龙津镇,城关社区,2024-11-13\n"
    (raw / "..龙津镇_2024-11-13.csv").write_text(header + person, encoding="utf-8")
    (raw / "~$嵩溪镇_2024-11-13.xlsx").write_bytes(b"\x00lock")
    (raw / "灵地镇_2024-11-13.pdf").write_bytes(b"%PDF-1.4")
    (raw / "旧文件").mkdir()
    summary = run_campaign(QINGLIU, AS_OF)
    assert summary.status == "complete"  # Excel's lock file is not a 文件错误
    manifest = json.loads((summary.out_dir / "manifest.json").read_text(encoding="utf-8"))
    entries = {e["file_name"]: e for e in manifest["inputs"]}
    assert entries["..龙津镇_2024-11-13.csv"]["rows_loaded"] == 1
    for name in ("~$嵩溪镇_2024-11-13.xlsx", "灵地镇_2024-11-13.pdf", "旧文件"):
        assert entries[name]["status"] == "skipped" and entries[name]["reason"]
    assert any("灵地镇_2024-11-13.pdf" in w for w in manifest["warnings"])
    coverage = read_csv(summary.out_dir / "coverage.csv").set_index("township")
    assert "文件错误" not in set(coverage["status"])
