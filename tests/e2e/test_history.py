"""Campaigns over time: the demo's cadence, document numbers, and past dates reproduced."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import duckdb
import pandas as pd

from tests.conftest import QINGLIU


def canbao(*args: str, home) -> subprocess.CompletedProcess:
    env = {**os.environ, "CANBAO_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, env=env
    )


def test_demo_issues_the_cadence_circulars_and_a_past_date_reproduces_byte_for_byte(home):
    demo = canbao("demo", home=home.home)
    assert demo.returncode == 0, demo.stderr
    assert "Traceback" not in demo.stdout + demo.stderr
    assert not [line for line in demo.stderr.splitlines() if "ERROR" in line or "错误" in line]

    out = home.out_dir / QINGLIU
    cadence = ["2024-10-19", "2024-10-24", "2024-10-29", "2024-11-03", "2024-11-08", "2024-11-13"]
    assert sorted(p.name for p in out.iterdir()) == cadence
    for number, day in enumerate(cadence, start=1):
        assert f"清医保〔2024〕{number}号" in demo.stdout
        for document in ("通报.pdf", "通报.docx", "通报.png", "排名表.png"):
            assert (out / day / document).is_file(), (day, document)

    with duckdb.connect(str(home.database), read_only=True) as con:
        snapshots = con.execute(
            "select as_of, sum(enrolled) from snapshots group by 1 order by 1"
        ).fetchall()
    totals = [total for _, total in snapshots]
    assert len(totals) == 6 and totals == sorted(totals) and totals[0] < totals[-1]

    progress = pd.read_excel(
        out / "2024-11-13" / "排名表.xlsx", sheet_name="排名", header=2, engine="calamine"
    )
    assert set(progress["进度"]) <= {"已完成", "超时序", "落后时序", "未报送"}
    previous = pd.read_csv(out / "2024-11-08" / "coverage.csv", encoding="utf-8-sig")
    latest = pd.read_csv(out / "2024-11-13" / "coverage.csv", encoding="utf-8-sig")
    increase = progress.set_index("乡（镇）")["较上次增加"]
    by_town = latest.set_index("township")["enrolled"] - previous.set_index("township")["enrolled"]
    assert (increase.sort_index() == by_town.sort_index()).all()

    past = out / "2024-11-03"
    kept = (".pdf", ".png", ".docx", ".csv", ".xlsx")
    before = {p.name: p.read_bytes() for p in past.iterdir() if p.suffix in kept}
    rerun = canbao("run", QINGLIU, "--as-of", "2024-11-03", home=home.home)
    assert rerun.returncode == 0, rerun.stderr
    assert "清医保〔2024〕4号" in rerun.stdout  # the date keeps its number
    after = {p.name: p.read_bytes() for p in past.iterdir() if p.suffix in kept}
    assert after == before
    manifest = json.loads((past / "manifest.json").read_text(encoding="utf-8"))
    hashes = {o["file"]: o["sha256"] for o in manifest["outputs"]}
    assert set(hashes) >= {"通报.pdf", "排名表.pdf", "任务表.pdf", "排名表.png", "通报.png"}
    for name in ("排名表.png", "通报.png", "通报.docx"):
        assert hashes[name] == hashlib.sha256(after[name]).hexdigest(), name
