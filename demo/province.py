"""A synthetic province for scale runs: N counties of 惠民保 campaigns, written county by county.

``write_province(root, counties=84, people=42_000_000)`` writes, deterministically (same
arguments, same bytes):

* ``root/campaigns/``: one county campaign file per county (kind ``puhui``, rounding
  ``ceil``, levels 20% and 30%) and the province file ``<province>.toml`` listing them
  with their 设区市 (7 counties per city; a province of fewer than 21, three cities);
* ``root/reference/<campaign>/``: the county's township list (``townships.csv``) and base
  table (``基数表.csv``);
* ``root/raw/<campaign>/<乡镇>_<as-of>.csv``: each township's roster of the people who
  bought the cover (UTF-8; 身份证号, 姓名, 乡镇, 村(居), 投保日期, 缴费方式), clean.

It streams: one county's rows are made, written and dropped before the next county's, so
memory stays that of the largest county whatever the province's size. ``people`` is the
province's registered population, split across counties (weights 0.5-1.5) and townships;
a township's base (basic-insurance enrolled) is 90%-97% of its people, its buyers 8%-30%
of its base, so that counties' rates differ. Identity numbers are valid (check character)
and unique within a county: address code of the county, a birth date within 100 years
before the as-of date, a sequence number.

CLI: ``python -m demo.province <root> [--counties 84] [--people 42000000]``.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from schemas.identity import with_check_char

DEFAULT_SEED = 2025
DEFAULT_AS_OF = date(2024, 11, 20)
WINDOW_START = date(2024, 10, 15)
DEADLINE = date(2024, 12, 31)
PROVINCE_NAME = "synthetic_2025_puhui_province"
PROVINCE = "示范省"
PROVINCE_CODE = 35  # a valid province prefix for identity numbers
COUNTIES_PER_CITY = 7  # at most; a small province keeps three cities
TOWNSHIPS_RANGE = (8, 16)
BASE_SHARE = (0.90, 0.97)
UPTAKE = (0.08, 0.30)
LEVELS = (("floor", "目标任务", "0.20"), ("stretch", "力争任务", "0.30"))
BIRTH_DAYS = 36_500  # birth dates within 100 years before the as-of date
ID_SPACE = BIRTH_DAYS * 999  # (birth day, sequence 1-999) pairs of one address code
ID_STRIDE = 1_000_003  # coprime with ID_SPACE: i -> i * stride mod space is one-to-one

_FIRST = "青云白石安平清溪龙泉梅岭金山永宁长乐南华东阳西林凤岗桃源松溪玉田"
_SECOND = "城坪口岩林溪山田湖阳川水源江宁安华丰和"
_SURNAMES = list("陈林黄张李王吴刘蔡杨郑许谢郭洪邱曾廖赖周徐苏叶庄吕江何罗高潘")
_GIVEN = list("华明建国文金秀英玉兰春美丽志强伟芳平海荣清福德桂珍凤宝")
_CHANNELS = np.array(["个人缴费", "共济账户", "单位团体", "政府资助", "村集体资助", "慈善捐赠"])
_CHANNEL_P = np.array([0.52, 0.26, 0.07, 0.08, 0.05, 0.02])


@dataclass(frozen=True)
class CountyTruth:
    """What one generated county holds, for checking a run against."""

    campaign: str
    city: str
    county: str
    people: int
    base: int
    buyers: int
    target_floor: int  # ceil per township, summed (the county file's rules)


def _rng(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *keys]))


def split(total: int, weights: np.ndarray) -> np.ndarray:
    """``total`` split in proportion to ``weights``, exactly (largest remainders)."""
    shares = weights / weights.sum() * total
    counts = np.floor(shares).astype(np.int64)
    rest = int(total - counts.sum())
    counts[np.argsort(-(shares - counts), kind="stable")[:rest]] += 1
    return counts


def _place(number: int, suffix: str) -> str:
    """A made-up place name, distinct for every number below 840 (21 x 40)."""
    first = _FIRST[number % len(_FIRST)]
    second = _SECOND[(number // len(_FIRST)) % len(_SECOND)]
    return f"{first}{second}{suffix}"


def counties_of(counties: int) -> list[tuple[str, str, str, str]]:
    """(campaign, city, county, county code) of every county, cities of about 7 counties."""
    out = []
    per_city = min(COUNTIES_PER_CITY, max(1, math.ceil(counties / 3)))
    for n in range(counties):
        city_no, in_city = divmod(n, per_city)
        city = _place(city_no * 7 + 3, "市")
        county = _place(n, "县")
        code = f"{PROVINCE_CODE}{city_no + 1:02d}{in_city + 21:02d}"
        out.append((f"county_{n + 1:03d}_2025_puhui", city, county, code))
    return out


def _ids(code: str, n: int, as_of: date, offset: int) -> np.ndarray:
    """n valid identity numbers of one county, unique within it."""
    idx = (np.arange(offset, offset + n, dtype=np.int64) * ID_STRIDE) % ID_SPACE
    days, seq = idx % BIRTH_DAYS, idx // BIRTH_DAYS + 1
    birth = np.datetime64(as_of - timedelta(days=1)) - days.astype("timedelta64[D]")
    ymd = pd.DatetimeIndex(birth).strftime("%Y%m%d").to_numpy(dtype=str)
    first17 = np.char.add(np.char.add(code, ymd), np.char.zfill(seq.astype(str), 3))
    return with_check_char(pd.Series(first17)).to_numpy(dtype=object)


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    surname = np.array(_SURNAMES)[rng.integers(0, len(_SURNAMES), n)]
    g1 = np.array(_GIVEN)[rng.integers(0, len(_GIVEN), n)]
    g2 = np.where(rng.random(n) < 0.7, np.array(_GIVEN)[rng.integers(0, len(_GIVEN), n)], "")
    return np.char.add(np.char.add(surname, g1), g2).astype(object)


def _county_file(campaign: str, county: str, code: str, townships: Path, base: Path) -> str:
    levels = "".join(
        f'\n[[targets.levels]]\nkey = "{key}"\nlabel = "{label}"\nrate = "{rate}"\n'
        for key, label, rate in LEVELS
    )
    return f'''# {county}2025年“示范普惠保”参保缴费（合成数据，用于全省规模测试）

[campaign]
kind = "puhui"
title = "2025年{county}“示范普惠保”参保缴费"
short_title = "示范普惠保"
year = 2025
county = "{county}"
county_code = "{code}"
township_file = "{townships.as_posix()}"

[office]
issuing_office = "{county}医疗保障局"
doc_number_prefix = "{county[:2]}医保"
recipients = "各乡（镇）人民政府"

[base]
file = "{base.as_posix()}"
township_column = "township"
base_column = "base_2025"
label = "2025年基本医保参保人数"

[targets]
rounding = "ceil"
total = "sum_of_townships"
{levels}
[window]
start = {WINDOW_START.isoformat()}
deadline = {DEADLINE.isoformat()}

[circular]
every_days = 5
'''


def _province_file(entries: list[tuple[str, str, str, str]]) -> str:
    counties = "".join(
        f'\n[[counties]]\ncampaign = "{campaign}"\ncity = "{city}"\n'
        for campaign, city, _, _ in entries
    )
    return f'''# {PROVINCE}2025年“示范普惠保”参保缴费：{len(entries)} 个县的全省汇总（合成数据）

[province]
name = "{PROVINCE}"
title = "2025年{PROVINCE}“示范普惠保”参保缴费"
short_title = "示范普惠保"
year = 2025

[office]
issuing_office = "{PROVINCE}医疗保障局"
doc_number_prefix = "示医保"
recipients = "各设区市医疗保障局"

[window]
start = {WINDOW_START.isoformat()}
deadline = {DEADLINE.isoformat()}

[circular]
every_days = 10
requirements = ["各设区市要督促参保率低于全省平均水平的县（市、区）分析原因，加快进度。"]
{counties}'''


def write_county(
    root: Path,
    number: int,
    entry: tuple[str, str, str, str],
    people: int,
    *,
    seed: int,
    as_of: date,
) -> CountyTruth:
    """One county's township list, base table and rosters; its frame is dropped on return."""
    campaign, city, county, code = entry
    rng = _rng(seed, number)
    n_townships = int(rng.integers(TOWNSHIPS_RANGE[0], TOWNSHIPS_RANGE[1] + 1))
    names = [_place(number * 3 + k * 11, "镇" if k % 3 else "乡") for k in range(n_townships)]
    names = list(dict.fromkeys(names))
    pops = split(people, rng.uniform(0.4, 1.6, len(names)))
    bases = np.round(pops * rng.uniform(*BASE_SHARE, len(names))).astype(np.int64)
    buyers = np.round(bases * rng.uniform(*UPTAKE, len(names))).astype(np.int64)
    reference = root / "reference" / campaign
    reference.mkdir(parents=True, exist_ok=True)
    townships = reference / "townships.csv"
    pd.DataFrame(
        {
            "province": PROVINCE,
            "city": city,
            "county": county,
            "county_code": code,
            "township": names,
            "township_code": [f"{code}{100 + k:03d}" for k in range(len(names))],
            "unit_type": "乡镇",
        }
    ).to_csv(townships, index=False, encoding="utf-8")
    base_file = reference / "基数表.csv"
    pd.DataFrame({"township": names, "base_2025": bases}).to_csv(
        base_file, index=False, encoding="utf-8"
    )
    campaigns = root / "campaigns"
    campaigns.mkdir(parents=True, exist_ok=True)
    (campaigns / f"{campaign}.toml").write_text(
        _county_file(campaign, county, code, townships.resolve(), base_file.resolve()),
        encoding="utf-8",
    )
    raw = root / "raw" / campaign
    raw.mkdir(parents=True, exist_ok=True)
    total = int(buyers.sum())
    ids = _ids(code, total, as_of, offset=0)
    person_names = _names(rng, total)
    days = rng.integers(0, (as_of - WINDOW_START).days + 1, total)
    dates = np.array(
        [(WINDOW_START + timedelta(days=d)).isoformat() for d in range(int(days.max()) + 1)]
        if total
        else [],
        dtype=object,
    )
    channels = _CHANNELS[rng.choice(len(_CHANNELS), size=total, p=_CHANNEL_P)]
    villages = rng.integers(1, 7, total)
    start = 0
    for name, count in zip(names, buyers, strict=True):
        part = slice(start, start + int(count))
        start += int(count)
        frame = pd.DataFrame(
            {
                "身份证号": ids[part],
                "姓名": person_names[part],
                "乡镇": name,
                "村(居)": [f"{name[:2]}第{v}村" for v in villages[part]],
                "投保日期": dates[days[part]] if count else [],
                "缴费方式": channels[part],
            }
        )
        frame.to_csv(raw / f"{name}_{as_of.isoformat()}.csv", index=False, encoding="utf-8")
    floor_rate = float(LEVELS[0][2])
    target = sum(math.ceil(round(int(b) * floor_rate, 6)) for b in bases)
    return CountyTruth(campaign, city, county, people, int(bases.sum()), total, target)


def write_province(
    root: Path,
    counties: int = 84,
    people: int = 42_000_000,
    *,
    seed: int = DEFAULT_SEED,
    as_of: date = DEFAULT_AS_OF,
) -> list[CountyTruth]:
    """Every county in turn, then the province file; returns what each county holds."""
    root = Path(root)
    entries = counties_of(counties)
    populations = split(people, _rng(seed, 0).uniform(0.5, 1.5, counties))
    truths = [
        write_county(root, n, entry, int(pop), seed=seed, as_of=as_of)
        for n, (entry, pop) in enumerate(zip(entries, populations, strict=True), start=1)
    ]
    (root / "campaigns" / f"{PROVINCE_NAME}.toml").write_text(
        _province_file(entries), encoding="utf-8"
    )
    return truths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="合成一个省的县级参保数据（逐县写出）")
    parser.add_argument("root", type=Path)
    parser.add_argument("--counties", type=int, default=84)
    parser.add_argument("--people", type=int, default=42_000_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    truths = write_province(args.root, args.counties, args.people, seed=args.seed)
    print(f"{len(truths)} 个县，{sum(t.people for t in truths)} 人，写入 {args.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
