"""A county unlike the bundled ones, configured from its own files and run end to end.

The worked example of the README (campaigns/shanghang_2025_puhui.toml): a GBK base table
with a title row and a 合计 row that is off the sum of its rows, one 20% level rounded half
up, 24 rows including a 管委会 ranked with the townships and the 县直单位 ranked apart.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from flows.pipeline import run_campaign
from flows.settings import PROJECT_ROOT
from tests.pdf import pdf_text, squeeze

EXAMPLE = "shanghang_2025_puhui"
AS_OF = date(2024, 11, 20)
BASE_TABLE = PROJECT_ROOT / "data" / "examples" / "shanghang" / "基数表.csv"
THREE_LEVELS = """
[[targets.levels]]
key = "basic"
label = "基本任务"
rate = "0.10"

[[targets.levels]]
key = "goal"
label = "目标任务"
rate = "0.20"

[[targets.levels]]
key = "stretch"
label = "力争任务"
rate = "0.35"
"""


def base_rows() -> tuple[list[tuple[str, int]], int]:
    """The base table read by hand: (unit, base) rows and the stated 合计."""
    rows = list(csv.reader(io.StringIO(BASE_TABLE.read_bytes().decode("gbk"))))
    data = [(r[1], int(r[2].replace(",", ""))) for r in rows[2:] if r[0] != "合计"]
    stated = next(int(r[2].replace(",", "")) for r in rows if r[0] == "合计")
    return data, stated


def half_up(base: int, rate: str) -> int:
    return int((Decimal(base) * Decimal(rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def write_roster(path: Path, township: str, people: int, first: int) -> None:
    """A township's roster: valid 18-digit numbers of 上杭 (350823), bought in November."""
    from schemas.identity import with_check_char

    bodies = pd.Series(
        [f"350823198{(first + k) % 10}0101{(first + k) % 1000:03d}" for k in range(people)]
    )
    lines = ["序号,身份证号,姓名,乡镇,投保日期"]
    for k, number in enumerate(with_check_char(bodies)):
        lines.append(f"{k + 1},{number},张{k},{township},2024-11-{10 + k % 5}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def county_home(home, monkeypatch):
    """The example campaign in a home of its own, campaign files copied so tests may edit."""
    campaigns = home.home / "campaigns"
    campaigns.mkdir()
    text = (PROJECT_ROOT / "campaigns" / f"{EXAMPLE}.toml").read_text(encoding="utf-8")
    (campaigns / f"{EXAMPLE}.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("CANBAO_CAMPAIGNS", str(campaigns))
    raw = home.raw_dir / EXAMPLE
    raw.mkdir(parents=True)
    write_roster(raw / "临城镇_2024-11-15.csv", "临城镇", 40, 0)
    write_roster(raw / "工业园区管委会_2024-11-15.csv", "工业园区管委会", 30, 100)
    write_roster(raw / "县直单位_2024-11-15.csv", "县直单位", 20, 500)
    return home


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_a_new_county_from_its_own_files(county_home, prefect_server):
    summary = run_campaign(EXAMPLE, AS_OF)
    out = summary.out_dir
    assert summary.status == "complete"
    rows, stated = base_rows()
    assert 20 <= len(rows) <= 30 and stated != sum(base for _, base in rows)

    targets = read_csv(out / "targets.csv")
    assert list(targets.columns) == ["township", "base", "target_goal"]
    expected = [[unit, str(base), str(half_up(base, "0.20"))] for unit, base in rows]
    total = sum(half_up(base, "0.20") for _, base in rows)
    expected.append(["合计", str(sum(base for _, base in rows)), str(total)])
    assert targets.values.tolist() == expected

    coverage = read_csv(out / "coverage.csv")
    assert list(coverage.columns) == [
        "rank", "township", "base", "target_goal", "enrolled", "rate", "gap_goal", "status",
    ]  # fmt: skip
    ranks = dict(zip(coverage["township"], coverage["rank"], strict=True))
    # 管委会 30/3215 ranks first among the townships; 县直单位 is ranked on its own
    assert ranks["工业园区管委会"] == "1" and ranks["临城镇"] == "2"
    assert ranks["县直单位"] == "1" and coverage["township"].iloc[-1] == "县直单位"

    quality = squeeze(pdf_text(out / "数据质量.pdf"))
    assert f"合计行为{stated}" in quality and f"各乡镇之和为{sum(b for _, b in rows)}" in quality
    assignment = squeeze(pdf_text(out / "任务表.pdf"))
    assert "2024年度基本医保参保人数" in assignment
    assert f"合计行为{stated}" in assignment  # the note under the 任务表
    for document in ("任务表.pdf", "排名表.pdf"):
        text = squeeze(pdf_text(out / document))
        assert "目标任务数（20%）" in text and "力争任务" not in text and "（30%）" not in text
    ranking = squeeze(pdf_text(out / "排名表.pdf"))
    assert "县直单位排名" in ranking


def test_the_same_county_with_three_levels(county_home, prefect_server):
    path = county_home.home / "campaigns" / f"{EXAMPLE}.toml"
    text = path.read_text(encoding="utf-8")
    one_level = text[text.index("[[targets.levels]]") : text.index("[window]")]
    path.write_text(text.replace(one_level, THREE_LEVELS + "\n"), encoding="utf-8")
    out = run_campaign(EXAMPLE, AS_OF).out_dir
    targets = read_csv(out / "targets.csv")
    assert list(targets.columns) == [
        "township", "base", "target_basic", "target_goal", "target_stretch",
    ]  # fmt: skip
    for document in ("任务表.pdf", "排名表.pdf"):
        text = squeeze(pdf_text(out / document))
        for heading in ("基本任务数（10%）", "目标任务数（20%）", "力争任务数（35%）"):
            assert heading in text, (document, heading)
