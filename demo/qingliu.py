"""Deterministic demo extracts: the rosters Qingliu's 13 townships send in.

``write_demo_extracts`` writes, into a campaign's drop zone, the person-level
rosters of people who bought the 2025 普惠医联保 cover, as the townships of
清流县 would deliver them during the campaign: one file per township per
delivery date, each holding the purchases made since that township's previous
delivery.

What the files look like
------------------------
* Uptake: each township sells to 16%-34% of its base (drawn from the seed,
  times ``scale``), spread over the days from ``start`` to its last delivery
  (<= ``as_of``): a launch burst in the first days, then a rising ramp, a little
  less on Sundays.
* Deliveries: every ``delivery_every_days`` days, staggered by 0-2 days per
  township (first delivery on day ``every - 1 - stagger`` of the window). A file
  is named ``<乡镇名>_<YYYY-MM-DD>.<ext>``, the date being the delivery date; the
  last purchase it covers <= delivery date <= ``as_of``. Purchases made after a
  township's last delivery are not generated (they have not reached the county).
* Formats (fixed per township, see ``FORMAT_BY_TOWNSHIP``): UTF-8 CSV, GBK CSV
  (CRLF, as Excel on Windows saves it), UTF-8-with-BOM CSV, XLSX. Some XLSX
  files carry a title row ``2025年XX镇普惠医联保参保花名册`` above the header
  (the header is then on row 2); some write purchase dates as real Excel dates,
  others as text.
* Columns (the alias varies by township, drawn from the seed): identity number
  (身份证号 / 公民身份号码 / 证件号码), 姓名, township (乡镇 / 所属乡镇), village
  (村(居) / 村居), purchase date (投保日期 / 参保日期, ``2024-10-16`` or
  ``2024/10/16``), funding channel (缴费方式 / 资助类别: 个人缴费, 共济账户,
  单位团体, 政府资助, 村集体资助, 慈善捐赠). Rows are ordered by purchase date,
  then village (village names sort in Unicode order), stable otherwise.
* Channel spellings: in three townships (drawn from the seed) some villages write
  some channels another way (个账 for 共济账户, 单位集体投保 for 单位团体, 财政资助 for
  政府资助, 村财资助 for 村集体资助, ...: ``CHANNEL_SPELLINGS``, all listed in the
  campaign file's [channels.aliases]); a village keeps its spelling across deliveries.
  Nothing else in the rows depends on this (``channel_spellings=False`` writes the
  canonical names and the same rows).
* Persons: 18-character IDs with address code 350423; about 4 per thousand of
  the people born before 1983 carry the retired code 352723. Ages 0-95 (mostly
  adults), sequence odd = male, check character from
  ``schemas.identity.with_check_char``. IDs are unique across the county.
  Names: weighted Hakka-county surnames, one- or two-character given names from
  sex- and era-specific lists. Villages: 6-15 per township (more for larger
  ones), 社区 for the town seats, unique across the county.

  Note: ``stdnum.cn.ric.is_valid`` rejects 350423 numbers of people born before
  1983 (its table says the code only exists from 1983); such numbers are real
  and valid, the place table is the wrong check for them.

Defects (exactly these three, in the first delivery file of three townships;
``DEMO_DEFECTS`` lists them for the default run, ``demo_defects`` for any other):

* 龙津镇, data row 9: township written ``龙律镇`` (a typo; no such township).
* 嵩溪镇, data row 5: identity number with a wrong check character.
* 嵩口镇, data row 13: an identical copy of data row 12 (same person twice).

Data row 1 is the first row under the header. A run with ``defects=False``
writes clean files.

Lists beside the rosters
------------------------
``write_demo_lists`` writes, into subfolders of the same drop zone, what units and
civil affairs send the bureau. Everyone on them who bought is taken from the purchases
of the township files up to ``as_of`` (same id and name, so the cover is found there);
everyone else is a new person of 清流县 (valid id, same generator) who bought nothing.

* ``单位职工/<单位>_职工名册.<ext>``: one file per unit of the campaign's [staff] units;
  columns 单位, 姓名, 身份证号, 人员类别 (在编在岗 / 临聘 / 退休). 30-400 staff
  (``UNIT_SIZES``: 县总医院 and 县教育局 the largest). Bought: most units 85-97% of their
  staff (drawn from 单位团体 purchases first), three or four below 80% (one 40-50%),
  never the medical security bureau itself. Three staff members are on a second unit's
  roster too (seconded, at its end). Defects, in units above 80%: one id with a wrong
  check character (someone who did not buy), one row sent twice (next to itself), one
  blank 人员类别.
* ``职工家属/<单位>_职工家属名册.<ext>``: eight units (the others declare none); columns
  单位, 职工姓名, 职工身份证号, 家属姓名, 家属身份证号, 与职工关系 (父亲 / 母亲 / 配偶 /
  子女, sex and age fitting the relation). 0-3 members per staff member; bought: five
  units 84-95% (共济账户 purchases first), three 50-74%. Defect: one row whose staff
  member is on no staff roster.
* A unit writes both its files in one format: one unit GBK CSV (CRLF), the others XLSX
  (a file with a title row above the header at even odds) or UTF-8 CSV with or without
  BOM.
* ``救助对象/救助对象名单_<start>.xlsx`` (civil affairs, at the launch; title row, then
  header): columns 乡镇, 村(居), 姓名, 身份证号, 救助类别. 1.5% of the base population,
  every township; categories 特困供养, 低保, 孤儿, 五老 (fully funded), 残疾人, 计生特殊家庭,
  脱贫监测户, written another way (``HARDSHIP_SPELLINGS``: 低保对象, 特困人员, ...) by some
  townships (each at odds of 0.4). Fully funded people: about 85% bought through
  政府资助, 7% through another channel, the rest (about 7%) not at all, most of them in
  three townships.
  Encouraged categories: 35% 政府资助, 10% not covered, the rest other channels.

Streams: the lists draw from their own (purpose 30 and up), never from the rosters'.

CLI: ``python -m demo.qingliu <raw_dir> --as-of 2024-11-13 [--start 2024-10-15]``.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from schemas.identity import CHECK_CHARS, with_check_char

DEFAULT_START = date(2024, 10, 15)
DEFAULT_SEED = 2025
DEFAULT_EVERY = 3

COUNTY_CODE = 350423
RETIRED_COUNTY_CODE = 352723
RETIRED_CODE_SHARE = 0.004  # among people born before 1983

UPTAKE_RANGE = (0.16, 0.34)

# Fixed so that every run has every format; townships not listed get a format
# from their name.
FORMAT_BY_TOWNSHIP: dict[str, str] = {
    "龙津镇": "xlsx",
    "嵩溪镇": "csv_gbk",
    "嵩口镇": "csv_utf8",
    "灵地镇": "xlsx",
    "长校镇": "csv_utf8_bom",
    "赖坊镇": "csv_utf8",
    "林畲镇": "csv_gbk",
    "温郊乡": "csv_utf8",
    "田源乡": "xlsx",
    "沙芜乡": "csv_utf8",
    "余朋乡": "csv_utf8_bom",
    "李家乡": "csv_utf8",
    "里田乡": "csv_utf8",
}
# XLSX layout: (title row above the header, dates as real Excel dates)
XLSX_LAYOUT: dict[str, tuple[bool, bool]] = {
    "龙津镇": (True, True),
    "灵地镇": (False, False),
    "田源乡": (True, False),
}
_FORMAT_CYCLE = ("csv_utf8", "csv_gbk", "csv_utf8", "csv_utf8_bom", "xlsx", "csv_utf8")

# (township, kind, data row)
DEFECT_PLAN: tuple[tuple[str, str, int], ...] = (
    ("龙津镇", "unknown_township", 9),
    ("嵩溪镇", "bad_check_digit", 5),
    ("嵩口镇", "duplicate_row", 12),
)
UNKNOWN_TOWNSHIP_VALUE = "龙律镇"

ID_ALIASES = ("身份证号", "公民身份号码", "证件号码")
TOWNSHIP_ALIASES = ("乡镇", "所属乡镇")
VILLAGE_ALIASES = ("村(居)", "村居")
DATE_ALIASES = ("投保日期", "参保日期")
CHANNEL_ALIASES = ("缴费方式", "资助类别")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
XLSX_DATE_FORMATS = ("yyyy-mm-dd", "yyyy/m/d")

CHANNELS = np.array(["个人缴费", "共济账户", "单位团体", "政府资助", "村集体资助", "慈善捐赠"])
CHANNEL_WEIGHTS = np.array([0.52, 0.26, 0.07, 0.08, 0.05, 0.02])
# Other spellings of the channels that village cadres write (each also listed in the
# campaign file's [channels.aliases]); used in a few townships, see ``_channel_spellings``.
CHANNEL_SPELLINGS: dict[str, tuple[str, ...]] = {
    "个人缴费": ("个人", "自费"),
    "共济账户": ("个账", "家庭共济"),
    "单位团体": ("单位集体投保", "单位团体投保"),
    "政府资助": ("财政资助",),
    "村集体资助": ("村财资助", "村集体"),
    "慈善捐赠": ("爱心捐赠",),
}
SPELLING_TOWNSHIPS = 3  # townships some of whose villages write other spellings
SPELLING_VILLAGE_SHARE = 0.6  # of their villages

_SURNAME_WEIGHTS = {
    "黄": 6, "李": 6, "陈": 6, "张": 5, "刘": 5, "罗": 4.5, "巫": 4.5, "赖": 4.5, "邱": 4.5,
    "王": 4, "林": 4, "江": 3.5, "谢": 3, "曾": 3, "廖": 3, "吴": 3, "杨": 3, "钟": 3,
    "温": 2.5, "伍": 2, "邓": 2, "周": 2, "徐": 2, "朱": 2, "胡": 2, "郭": 2, "何": 2,
    "郑": 2, "肖": 2, "余": 2, "雷": 1.5, "池": 1.5, "魏": 1, "范": 1, "宁": 1, "蓝": 1,
    "严": 1, "赵": 1, "孙": 1, "马": 1, "童": 1, "饶": 1, "卢": 1, "兰": 0.5, "阴": 0.5,
}  # fmt: skip
SURNAMES = np.array(list(_SURNAME_WEIGHTS))
SURNAME_P = np.array(list(_SURNAME_WEIGHTS.values()), dtype=float)
SURNAME_P /= SURNAME_P.sum()

# Given-name characters by (sex, born before 2000).
_GIVEN = {
    (1, True): "明华建国平志文勇斌杰涛辉鹏海林峰春金荣福生德兴成贵祥忠发根清坤炳水火龙军强伟",
    (0, True): "芳秀英华兰玉梅丽娟燕红霞萍琴珍凤莲桂美香金菊春招娣琼月桃",
    (1, False): "浩轩宇子梓博睿泽铭俊豪凯哲晨阳鑫磊帅然毅航锦旭杰涛",
    (0, False): "涵萱欣诗雨婷静敏雪慧琳怡婉思佳妍悦晴蕾菲颖琪瑶璐可",
}
GIVEN = {k: np.array(list(v)) for k, v in _GIVEN.items()}

# Village stems: Hakka/Minxi place names, prefix + suffix.
_VILLAGE_PREFIX = "上下大小新东西南北高长黄石罗江曾邱赖巫余田中沙桐樟竹茶杨梧岭坪溪洋官"
_VILLAGE_SUFFIX = "坊坑坪洋溪地背口田山岭塘湖园排埔源堡畲"
_SEAT_COMMUNITIES = {"龙津镇": ("城关社区", "东华社区", "城南社区", "北门社区")}


@dataclass(frozen=True)
class _Profile:
    name: str
    base: int
    fmt: str
    ext: str
    encoding: str
    title_row: bool
    real_dates: bool
    date_format: str
    xlsx_date_format: str
    columns: tuple[str, ...]  # header labels in file order
    order: tuple[str, ...]  # field keys in file order
    rate: float
    villages: tuple[str, ...]
    village_p: np.ndarray
    delivery_days: np.ndarray  # day offsets from start
    burst: float
    tau: float
    ramp: float


def _name_key(name: str) -> int:
    return int.from_bytes(name.encode("utf-8"), "big")


def _rng(seed: int, name: str, purpose: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, _name_key(name), purpose]))


def _delivery_days(name: str, seed: int, n_days: int, every: int) -> np.ndarray:
    """Day offsets (0 = start) of a township's deliveries up to n_days - 1."""
    if every < 1:
        raise ValueError("delivery_every_days must be at least 1")
    stagger = int(_rng(seed, name, 1).integers(0, min(every, 3)))
    days = np.arange(every - 1 - stagger, n_days, every)
    return days if len(days) else np.array([n_days - 1])


def _file_name(name: str, day: date, ext: str) -> str:
    return f"{name}_{day.isoformat()}.{ext}"


def _format_of(name: str) -> str:
    fmt = FORMAT_BY_TOWNSHIP.get(name)
    return fmt or _FORMAT_CYCLE[zlib.crc32(name.encode("utf-8")) % len(_FORMAT_CYCLE)]


def _ext(fmt: str) -> str:
    return "xlsx" if fmt == "xlsx" else "csv"


def demo_defects(
    *,
    start: date = DEFAULT_START,
    as_of: date | None = None,
    seed: int = DEFAULT_SEED,
    delivery_every_days: int = DEFAULT_EVERY,
    townships: list[str] | None = None,
) -> list[dict]:
    """The defects a run with these arguments writes (file, data row, kind, detail)."""
    n_days = 10_000 if as_of is None else (as_of - start).days + 1
    out = []
    for name, kind, row in DEFECT_PLAN:
        if townships is not None and name not in townships:
            continue
        first = _delivery_days(name, seed, n_days, delivery_every_days)[0]
        file = _file_name(name, start + timedelta(days=int(first)), _ext(_format_of(name)))
        entry = {"file": file, "row": row, "kind": kind}
        if kind == "unknown_township":
            entry["detail"] = f"乡镇 written as {UNKNOWN_TOWNSHIP_VALUE}, no such township"
        elif kind == "bad_check_digit":
            entry["detail"] = "identity number with a wrong check character"
        else:
            entry["row"] = row + 1
            entry["same_as_row"] = row
            entry["detail"] = f"identical copy of data row {row}"
        out.append(entry)
    return out


DEMO_DEFECTS: list[dict] = demo_defects(as_of=date(2024, 11, 13))
"""Defects of the default demo (start 2024-10-15, seed 2025, every 3 days)."""


def read_base(base_csv: Path) -> pd.DataFrame:
    """Township and base from an assignment table; a 合计 row is dropped."""
    table = pd.read_csv(base_csv, dtype=str)
    twp_col = "township" if "township" in table.columns else table.columns[0]
    base_cols = [c for c in table.columns if str(c).startswith("base")]
    base_col = base_cols[0] if base_cols else table.columns[1]
    out = pd.DataFrame(
        {"township": table[twp_col].str.strip(), "base": pd.to_numeric(table[base_col])}
    )
    out = out[~out["township"].isin(["合计", "总计", "全县"])].dropna()
    return out.astype({"base": "int64"}).reset_index(drop=True)


def _villages(townships: list[tuple[str, int]], seed: int) -> dict[str, list[str]]:
    stems = [p + s for p in _VILLAGE_PREFIX for s in _VILLAGE_SUFFIX if p != s]
    stems = [s for s in stems if not any(s == t[0][:2] for t in townships)]
    order = np.random.default_rng(np.random.SeedSequence([seed, 7])).permutation(len(stems))
    pool = iter(stems[i] for i in order)
    bases = [b for _, b in townships]
    lo, hi = min(bases), max(bases)
    out = {}
    for name, base in townships:
        rng = _rng(seed, name, 2)
        k = 6 + round(9 * (base - lo) / max(hi - lo, 1)) + int(rng.integers(-1, 2))
        k = int(np.clip(k, 6, 15))
        if name in _SEAT_COMMUNITIES:
            seat = list(_SEAT_COMMUNITIES[name])
        elif name.endswith("镇"):
            seat = [name[:-1] + "社区"]
        else:
            seat = []
        out[name] = sorted(seat + [next(pool) + "村" for _ in range(k - len(seat))])
    return out


def _profiles(
    base: pd.DataFrame, seed: int, n_days: int, every: int, scale: float
) -> list[_Profile]:
    pairs = list(zip(base["township"], base["base"].astype(int), strict=True))
    villages = _villages(pairs, seed)
    out = []
    for name, b in pairs:
        rng = _rng(seed, name, 3)
        fmt = _format_of(name)
        title_row, real_dates = XLSX_LAYOUT.get(name, (bool(rng.integers(2)), True))
        labels = {
            "id": ID_ALIASES[rng.integers(len(ID_ALIASES))],
            "name": "姓名",
            "township": TOWNSHIP_ALIASES[rng.integers(len(TOWNSHIP_ALIASES))],
            "village": VILLAGE_ALIASES[rng.integers(len(VILLAGE_ALIASES))],
            "date": DATE_ALIASES[rng.integers(len(DATE_ALIASES))],
            "channel": CHANNEL_ALIASES[rng.integers(len(CHANNEL_ALIASES))],
        }
        if rng.random() < 0.5:
            order = ("name", "id", "township", "village", "date", "channel")
        else:
            order = ("township", "village", "name", "id", "channel", "date")
        date_i = int(rng.integers(2))
        vs = villages[name]
        vp = rng.dirichlet(np.full(len(vs), 3.0))
        rate = float(rng.uniform(*UPTAKE_RANGE))
        out.append(
            _Profile(
                name=name,
                base=b,
                fmt=fmt,
                ext=_ext(fmt),
                encoding={"csv_gbk": "gbk", "csv_utf8_bom": "utf-8-sig"}.get(fmt, "utf-8"),
                title_row=fmt == "xlsx" and title_row,
                real_dates=fmt == "xlsx" and real_dates,
                date_format=DATE_FORMATS[date_i],
                xlsx_date_format=XLSX_DATE_FORMATS[date_i],
                columns=tuple(labels[k] for k in order),
                order=order,
                rate=rate * scale,
                villages=tuple(vs),
                village_p=vp,
                delivery_days=_delivery_days(name, seed, n_days, every),
                burst=float(rng.uniform(2.0, 4.0)),
                tau=float(rng.uniform(2.5, 5.0)),
                ramp=float(rng.uniform(0.5, 2.0)),
            )
        )
    return out


def _ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ages 0-95 shaped like a rural county that buys cover: mostly adults."""
    ages = np.arange(96)
    w = np.where(ages < 18, 0.7, 1.0)
    w = np.where((ages >= 18) & (ages < 30), 0.8, w)
    w = np.where((ages >= 30) & (ages < 60), 1.25, w)
    w = np.where((ages >= 60) & (ages < 75), 1.15, w)
    w = np.where(ages >= 75, 1.15 * np.exp(-(ages - 75) / 8.0), w)
    return rng.choice(ages, size=n, p=w / w.sum())


def _people(rng: np.random.Generator, n: int, ref: date) -> pd.DataFrame:
    """n people with unique identity numbers, born before ``ref``."""
    ref_ord = ref.toordinal()
    ids = np.empty(0, dtype=np.int64)
    birth_ord = np.empty(0, dtype=np.int64)
    male = np.empty(0, dtype=bool)
    seen: set[int] = set()
    while len(ids) < n:
        m = int((n - len(ids)) * 1.05) + 16
        age = _ages(rng, m)
        b = ref_ord - 1 - age * 365 - rng.integers(0, 365, size=m) - age // 4
        is_male = rng.random(m) < 0.5
        seq = np.where(is_male, rng.integers(0, 500, m) * 2 + 1, rng.integers(1, 500, m) * 2)
        bdate = pd.to_datetime(b - date(1970, 1, 1).toordinal(), unit="D")
        ymd = (bdate.year * 10000 + bdate.month * 100 + bdate.day).to_numpy(np.int64)
        old = np.asarray(bdate.year < 1983) & (rng.random(m) < RETIRED_CODE_SHARE)
        code = np.where(old, RETIRED_COUNTY_CODE, COUNTY_CODE).astype(np.int64)
        cand = code * 10**11 + ymd * 1000 + seq
        _, first = np.unique(cand, return_index=True)
        keep = np.zeros(m, dtype=bool)
        keep[first] = True
        if seen:
            keep &= ~np.isin(cand, np.fromiter(seen, dtype=np.int64))
        seen.update(cand[keep].tolist())
        ids = np.concatenate([ids, cand[keep]])
        birth_ord = np.concatenate([birth_ord, b[keep]])
        male = np.concatenate([male, is_male[keep]])
    ids, birth_ord, male = ids[:n], birth_ord[:n], male[:n]
    first17 = pd.Series(ids.astype("U17"))
    id_numbers = with_check_char(first17).to_numpy(dtype=object)

    age_years = (ref_ord - birth_ord) // 365
    surname = SURNAMES[rng.choice(len(SURNAMES), size=n, p=SURNAME_P)]
    older = age_years >= ref.year - 2000
    two = rng.random(n) < 0.72
    g1 = np.empty(n, dtype="U1")
    g2 = np.empty(n, dtype="U1")
    for (sex, was_older), chars in GIVEN.items():
        mask = (male == bool(sex)) & (older == was_older)
        k = int(mask.sum())
        g1[mask] = chars[rng.integers(0, len(chars), k)]
        g2[mask] = chars[rng.integers(0, len(chars), k)]
    g2 = np.where(two, g2, "")
    names = np.char.add(np.char.add(surname, g1), g2).astype(object)
    return pd.DataFrame({"id": id_numbers, "name": names, "age": age_years})


def _channels(rng: np.random.Generator, ages: np.ndarray) -> np.ndarray:
    ch = rng.choice(len(CHANNELS), size=len(ages), p=CHANNEL_WEIGHTS)
    ch = np.where((ch == 4) & (ages < 60), 0, ch)  # village collective pays for 60+
    ch = np.where((ch == 2) & ((ages < 18) | (ages >= 65)), 1, ch)  # employer: staff
    return CHANNELS[ch]


def _purchases(profiles: list[_Profile], seed: int, start: date) -> pd.DataFrame:
    """Every purchase up to each township's last delivery, all townships."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 11]))
    parts = []
    for i, p in enumerate(profiles):
        n = round(p.base * p.rate)
        last = int(p.delivery_days[-1])
        t = np.arange(last + 1, dtype=float)
        weekday = np.array([(start + timedelta(days=int(d))).weekday() for d in t])
        w = (1.0 + p.burst * np.exp(-t / p.tau) + p.ramp * t / 30.0) * np.where(
            weekday == 6, 0.75, 1.0
        )
        day = rng.choice(last + 1, size=n, p=w / w.sum())
        village = rng.choice(len(p.villages), size=n, p=p.village_p)
        delivery = np.searchsorted(p.delivery_days, day, side="left")
        parts.append(
            pd.DataFrame(
                {
                    "twp": np.full(n, i, dtype=np.int64),
                    "day": day,
                    "village": village,
                    "delivery": delivery,
                }
            )
        )
    buys = pd.concat(parts, ignore_index=True)
    people = _people(rng, len(buys), start)
    buys = pd.concat([buys, people], axis=1)
    buys["channel"] = _channels(rng, buys["age"].to_numpy())
    return buys.sort_values(["twp", "delivery", "day", "village"], kind="stable")


def _channel_spellings(profiles: list[_Profile], buys: pd.DataFrame, seed: int) -> pd.Series:
    """The channel as written: canonical, except in some villages of a few townships.

    Drawn from streams of their own (purpose 20), so the rows are otherwise unchanged.
    A village that writes other spellings keeps its spelling of each channel in every
    delivery; it writes about half of the channels its own way.
    """
    chosen = _rng(seed, "缴费方式", 20).choice(
        len(profiles), size=min(SPELLING_TOWNSHIPS, len(profiles)), replace=False
    )
    written = buys["channel"].copy()
    for i in sorted(int(t) for t in chosen):
        p = profiles[i]
        rng = _rng(seed, p.name, 20)
        for v in range(len(p.villages)):
            uses = rng.random() < SPELLING_VILLAGE_SHARE
            spelling = {
                canon: others[int(rng.integers(len(others)))]
                for canon, others in CHANNEL_SPELLINGS.items()
                if rng.random() < 0.5
            }
            if not uses:
                continue
            rows = (buys["twp"] == i) & (buys["village"] == v)
            written[rows] = buys.loc[rows, "channel"].map(lambda c, m=spelling: m.get(c, c))
    return written


def _bad_check(id_number: str) -> str:
    right = CHECK_CHARS.tolist().index(id_number[-1])
    return id_number[:-1] + str(CHECK_CHARS[(right + 3) % 11])


def _frame(p: _Profile, rows: pd.DataFrame, start: date) -> pd.DataFrame:
    days = rows["day"].to_numpy()
    n_days = int(days.max()) + 1 if len(days) else 1
    if p.real_dates:
        dates = [datetime.combine(start + timedelta(days=d), time()) for d in range(n_days)]
        date_col = np.array(dates, dtype=object)[days]
    else:
        texts = [(start + timedelta(days=d)).strftime(p.date_format) for d in range(n_days)]
        date_col = np.array(texts, dtype=object)[days]
    fields = {
        "id": rows["id"].to_numpy(dtype=object),
        "name": rows["name"].to_numpy(dtype=object),
        "township": np.full(len(rows), p.name, dtype=object),
        "village": np.array(p.villages, dtype=object)[rows["village"].to_numpy()],
        "date": date_col,
        "channel": rows["channel"].to_numpy(dtype=object),
    }
    return pd.DataFrame({label: fields[k] for k, label in zip(p.order, p.columns, strict=True)})


def _apply_defect(p: _Profile, frame: pd.DataFrame, kind: str, row: int) -> pd.DataFrame:
    if len(frame) < row:
        raise ValueError(
            f"{p.name}: first delivery has {len(frame)} rows, defect needs row {row}; "
            "use a larger scale or defects=False"
        )
    label = dict(zip(p.order, p.columns, strict=True))
    i = row - 1
    frame = frame.copy()
    if kind == "unknown_township":
        frame.iloc[i, frame.columns.get_loc(label["township"])] = UNKNOWN_TOWNSHIP_VALUE
    elif kind == "bad_check_digit":
        col = frame.columns.get_loc(label["id"])
        frame.iloc[i, col] = _bad_check(frame.iloc[i, col])
    elif kind == "duplicate_row":
        frame = pd.concat([frame.iloc[: i + 1], frame.iloc[i : i + 1], frame.iloc[i + 1 :]])
    return frame.reset_index(drop=True)


def _write_csv(p: _Profile, frame: pd.DataFrame, path: Path) -> None:
    terminator = "\r\n" if p.fmt == "csv_gbk" else "\n"
    frame.to_csv(path, index=False, encoding=p.encoding, lineterminator=terminator)


def _write_xlsx(p: _Profile, frame: pd.DataFrame, path: Path, delivered: date, year: int):
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties(
        {
            "title": f"{year}年{p.name}普惠医联保参保花名册",
            "author": f"{p.name}人民政府",
            "created": datetime.combine(delivered, time(17, 30)),
        }
    )
    ws = wb.add_worksheet("花名册")
    bold = wb.add_format({"bold": True})
    date_fmt = wb.add_format({"num_format": p.xlsx_date_format})
    widths = {"id": 21, "name": 9, "township": 10, "village": 12, "date": 12, "channel": 11}
    for c, key in enumerate(p.order):
        ws.set_column(c, c, widths[key])
    r = 0
    if p.title_row:
        title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        title = f"{year}年{p.name}普惠医联保参保花名册"
        ws.merge_range(0, 0, 0, len(p.columns) - 1, title, title_fmt)
        r = 1
    for c, label in enumerate(p.columns):
        ws.write_string(r, c, label, bold)
    date_c = p.order.index("date")
    columns = [frame[label].tolist() for label in p.columns]
    write_string = ws.write_string
    write_datetime = ws.write_datetime
    for values in zip(*columns, strict=True):
        r += 1
        for c, v in enumerate(values):
            if c == date_c and p.real_dates:
                write_datetime(r, c, v, date_fmt)
            else:
                write_string(r, c, v)
    wb.close()


def write_demo_extracts(
    raw_dir: Path,
    base_csv: Path,
    *,
    start: date,
    as_of: date,
    seed: int = DEFAULT_SEED,
    delivery_every_days: int = DEFAULT_EVERY,
    scale: float = 1.0,
    defects: bool = True,
    channel_spellings: bool = True,
) -> list[Path]:
    """Write the township delivery files up to ``as_of``; return their paths, sorted.

    ``channel_spellings=False`` writes every channel by its canonical name (the files are
    otherwise the same)."""
    counts = _write_all(
        raw_dir,
        base_csv,
        start=start,
        as_of=as_of,
        seed=seed,
        delivery_every_days=delivery_every_days,
        scale=scale,
        defects=defects,
        channel_spellings=channel_spellings,
    )
    return sorted(counts)


def _write_all(
    raw_dir: Path,
    base_csv: Path,
    *,
    start: date,
    as_of: date,
    seed: int,
    delivery_every_days: int,
    scale: float,
    defects: bool,
    channel_spellings: bool = True,
) -> dict[Path, int]:
    """Write every file; return each path with its number of data rows."""
    if as_of < start:
        raise ValueError(f"as_of {as_of} is before start {start}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    n_days = (as_of - start).days + 1
    base = read_base(Path(base_csv))
    profiles = _profiles(base, seed, n_days, delivery_every_days, scale)
    buys = _purchases(profiles, seed, start)
    if channel_spellings:
        buys["channel"] = _channel_spellings(profiles, buys, seed)
    year = start.year + 1 if start.month >= 9 else start.year
    plan = {(t, 0): (kind, row) for t, kind, row in DEFECT_PLAN} if defects else {}

    written: dict[Path, int] = {}
    for (twp, k), rows in buys.groupby(["twp", "delivery"], sort=True):
        p = profiles[int(twp)]
        delivered = start + timedelta(days=int(p.delivery_days[int(k)]))
        frame = _frame(p, rows, start)
        if (p.name, int(k)) in plan:
            frame = _apply_defect(p, frame, *plan[(p.name, int(k))])
        path = raw_dir / _file_name(p.name, delivered, p.ext)
        if p.fmt == "xlsx":
            _write_xlsx(p, frame, path, delivered, year)
        else:
            _write_csv(p, frame, path)
        written[path] = len(frame)
    # A first delivery with no purchases writes no file; its defect is then missing.
    return written


# ---------------------------------------------------------------------------
# Lists beside the rosters: units' staff, their families, civil affairs' hardship list
# ---------------------------------------------------------------------------

STAFF_DIR = "单位职工"
FAMILY_DIR = "职工家属"
HARDSHIP_DIR = "救助对象"
STAFF_COLUMNS = ("单位", "姓名", "身份证号", "人员类别")
FAMILY_COLUMNS = ("单位", "职工姓名", "职工身份证号", "家属姓名", "家属身份证号", "与职工关系")
HARDSHIP_COLUMNS = ("乡镇", "村(居)", "姓名", "身份证号", "救助类别")

STAFF_CATEGORIES = ("在编在岗", "临聘", "退休")
STAFF_AGES = {"在编在岗": (23, 59), "临聘": (20, 55), "退休": (60, 85)}
# Staff of a unit, (fewest, most); a unit not listed has 30-120.
UNIT_SIZES: dict[str, tuple[int, int]] = {
    "县总医院": (340, 400),
    "县教育局": (260, 330),
    "县农业农村局": (100, 150),
    "县市场监督管理局": (80, 130),
    "县人力资源和社会保障局": (70, 110),
    "县自然资源局": (60, 100),
    "县财政局": (60, 90),
    "县卫生健康局": (50, 90),
    "县住房和城乡建设局": (50, 90),
    "县民政局": (40, 70),
    "县融媒体中心": (30, 60),
    "县医疗保障局": (30, 45),
}
OTHER_UNIT_SIZE = (30, 120)
# Staff coverage (share of a unit's staff who bought): one unit far below the 80% target,
# two or three more below it, the others above. The bureau running the campaign is never
# among those below.
STAFF_RATE_FAR_BELOW = (0.40, 0.50)
STAFF_RATE_BELOW = (0.62, 0.74)
STAFF_RATE_ABOVE = (0.85, 0.97)
ORGANISER = "医疗保障"
SECONDED = 3  # staff members on a second unit's roster too (借调)

FAMILY_UNITS = 8  # units that declare their staff's families; the others declare none
FAMILY_UNITS_BELOW = 3  # of which this many have fewer than 80% of the family covered
FAMILY_RATE_BELOW = (0.50, 0.74)
FAMILY_RATE_ABOVE = (0.84, 0.95)
FAMILY_SIZE_P = (0.25, 0.30, 0.30, 0.15)  # 0, 1, 2 or 3 family members per staff member
RELATIONS = ("父亲", "母亲", "配偶", "子女")

HARDSHIP_SHARE = 0.015  # of the base population
# category: (share of the list, youngest, oldest)
HARDSHIP_CATEGORIES: dict[str, tuple[float, int, int]] = {
    "特困供养": (0.070, 45, 95),
    "低保": (0.420, 0, 95),
    "孤儿": (0.012, 0, 17),
    "五老": (0.012, 80, 96),
    "残疾人": (0.200, 0, 95),
    "计生特殊家庭": (0.026, 49, 85),
    "脱贫监测户": (0.260, 0, 95),
}
FULLY_FUNDED = ("特困供养", "低保", "孤儿", "五老")
# How some townships' civil-affairs offices write the categories (all in the built-in
# hardship aliases, flows.config.DEFAULT_HARDSHIP).
HARDSHIP_SPELLINGS: dict[str, tuple[str, ...]] = {
    "特困供养": ("特困人员",),
    "低保": ("低保对象",),
    "孤儿": ("事实无人抚养儿童",),
    "五老": ("革命五老",),
    "残疾人": ("残疾",),
    "计生特殊家庭": ("计划生育特殊家庭",),
    "脱贫监测户": ("脱贫户", "监测对象"),
}
HARDSHIP_SPELLING_SHARE = 0.4  # of the townships
HARDSHIP_LAGGING = 3  # townships where many fully funded people have no cover yet
HARDSHIP_UNCOVERED_LAGGING = (0.18, 0.28)  # fully funded people without cover there
HARDSHIP_UNCOVERED_ELSEWHERE = (0.0, 0.03)
HARDSHIP_OTHER_CHANNEL = 0.07  # fully funded people covered, but not by 政府资助
ENCOURAGED_UNCOVERED = 0.10
ENCOURAGED_FUNDED = 0.35  # encouraged categories' people covered by 政府资助

_LIST_FORMATS = ("xlsx", "csv_utf8", "xlsx", "csv_utf8_bom", "xlsx")
_COVERED_STAFF = (("单位团体",), ("个人缴费", "共济账户"))
_COVERED_FAMILY = (("共济账户",), ("个人缴费", "村集体资助"))
_OTHER_CHANNELS = (("个人缴费", "共济账户", "村集体资助", "慈善捐赠"),)


class _Pool:
    """People to put on the lists, each taken at most once."""

    def __init__(self, people: pd.DataFrame) -> None:
        people = people.reset_index(drop=True)
        n = len(people)
        self.id = people["id"].to_numpy(dtype=object)
        self.name = people["name"].to_numpy(dtype=object)
        self.age = people["age"].to_numpy(dtype=np.int64)
        self.male = people["id"].str[16].astype(int).to_numpy() % 2 == 1
        self.surname = people["name"].str[0].to_numpy(dtype=object)
        self.twp = people["twp"].to_numpy(np.int64) if "twp" in people else np.full(n, -1)
        self.village = (
            people["village"].to_numpy(np.int64) if "village" in people else np.full(n, -1)
        )
        channel = people["channel"].to_numpy(dtype=object) if "channel" in people else None
        self.by_channel = {c: channel == c for c in CHANNELS} if channel is not None else {}
        self.free = np.ones(n, dtype=bool)

    def take(
        self,
        rng: np.random.Generator,
        ages: tuple[int, int],
        *,
        channels: tuple[tuple[str, ...], ...] = (),
        male: bool | None = None,
        twp: int | None = None,
        surname: str | None = None,
    ) -> dict | None:
        """A free person of these ages (and sex, township), or None; channel groups are
        tried in order, and within each the same surname first."""
        mask = self.free & (self.age >= ages[0]) & (self.age <= ages[1])
        if male is not None:
            mask &= self.male == male
        if twp is not None:
            mask &= self.twp == twp
        for group in channels or (None,):
            in_group = mask
            if group is not None:
                in_group = mask & np.logical_or.reduce([self.by_channel[c] for c in group])
            tries = (in_group & (self.surname == surname), in_group) if surname else (in_group,)
            for candidates in tries:
                hits = np.flatnonzero(candidates)
                if len(hits):
                    i = int(hits[rng.integers(len(hits))])
                    self.free[i] = False
                    return {
                        "id": self.id[i],
                        "name": self.name[i],
                        "age": int(self.age[i]),
                        "male": bool(self.male[i]),
                        "twp": int(self.twp[i]),
                        "village": int(self.village[i]),
                    }
        return None


@dataclass
class _Lists:
    """What the lists are drawn from: the rosters' purchases and people who bought nothing."""

    profiles: list[_Profile]
    bought: _Pool
    new: _Pool


def _defect_people(profiles: list[_Profile], buys: pd.DataFrame) -> set[str]:
    """Persons on the rosters' defect rows: their roster row is rejected or wrong."""
    names = [p.name for p in profiles]
    out = set()
    for township, _, row in DEFECT_PLAN:
        if township in names:
            first = buys[(buys["twp"] == names.index(township)) & (buys["delivery"] == 0)]
            if len(first) >= row:
                out.add(first["id"].iloc[row - 1])
    return out


def _lists_sources(
    base: pd.DataFrame, *, start: date, as_of: date, seed: int, every: int, scale: float
) -> _Lists:
    n_days = (as_of - start).days + 1
    profiles = _profiles(base, seed, n_days, every, scale)
    buys = _purchases(profiles, seed, start)
    buys = buys[~buys["id"].isin(_defect_people(profiles, buys))]
    # people of the county who bought nothing (ids unique among themselves and the buyers)
    new = _people(_rng(seed, "新增人员", 30), max(20_000, len(buys) // 2), start)
    new = new[~new["id"].isin(set(buys["id"]))]
    return _Lists(profiles, _Pool(buys), _Pool(new))


def _with_surname(name: str, surname: str) -> str:
    return surname + name[1:]


def _list_formats(units: list[str], rng: np.random.Generator) -> dict[str, str]:
    """One unit writes GBK CSV, the others XLSX or UTF-8 CSV (with or without BOM)."""
    order = rng.permutation(len(units))
    return {
        units[int(u)]: "csv_gbk" if k == 0 else _LIST_FORMATS[k % len(_LIST_FORMATS)]
        for k, u in enumerate(order)
    }


def _staff_rates(units: list[str], rng: np.random.Generator) -> dict[str, float]:
    """Each unit's share of staff who bought: the first of those below the target far below."""
    order = [units[int(i)] for i in rng.permutation(len(units))]
    n_below = min(int(rng.integers(3, 5)), len(units) // 2)
    below = [u for u in order if ORGANISER not in u][:n_below]
    rates = {}
    for unit in units:
        if below and unit == below[0]:
            rates[unit] = float(rng.uniform(*STAFF_RATE_FAR_BELOW))
        elif unit in below:
            rates[unit] = float(rng.uniform(*STAFF_RATE_BELOW))
        else:
            rates[unit] = float(rng.uniform(*STAFF_RATE_ABOVE))
    return rates


def _staff(src: _Lists, units: list[str], seed: int, defects: bool) -> dict[str, list[dict]]:
    """Each unit's staff roster, rows as dicts (the roster columns plus what the families
    and the checks need: age, sex, covered, seconded, defect)."""
    plan = _rng(seed, "单位职工", 31)
    rates = _staff_rates(units, plan)
    rosters: dict[str, list[dict]] = {}
    for unit in units:
        rng = _rng(seed, unit, 32)
        lo, hi = UNIT_SIZES.get(unit, OTHER_UNIT_SIZE)
        n = int(rng.integers(lo, hi + 1))
        temp = rng.uniform(0.20, 0.35) if unit.endswith("医院") else rng.uniform(0.08, 0.20)
        n_retired = round(n * rng.uniform(0.10, 0.22))
        n_temp = round(n * temp)
        categories = ["在编在岗"] * (n - n_retired - n_temp) + ["临聘"] * n_temp
        categories += ["退休"] * n_retired
        covered = np.zeros(n, dtype=bool)
        covered[rng.choice(n, size=round(rates[unit] * n), replace=False)] = True
        rows = []
        for category, bought in zip(categories, covered, strict=True):
            ages = STAFF_AGES[category]
            person = src.bought.take(rng, ages, channels=_COVERED_STAFF) if bought else None
            person = person or src.new.take(rng, ages)
            if person is None:
                continue
            rows.append(
                {
                    "单位": unit,
                    "姓名": person["name"],
                    "身份证号": person["id"],
                    "人员类别": category,
                    "age": person["age"],
                    "male": person["male"],
                    "covered": person["twp"] >= 0,
                    "seconded": False,  # on two units' rosters
                    "host": False,  # the row on the second unit's roster
                    "defect": "",
                }
            )
        rosters[unit] = rows

    if len(units) > 1:  # seconded: on their own unit's roster and on another's
        homes = plan.choice(len(units), size=min(SECONDED, len(units)), replace=False)
        for h in homes:
            home = units[int(h)]
            hosts = [u for u in units if u != home]
            host = hosts[int(plan.integers(len(hosts)))]
            pick = [r for r in rosters[home] if r["covered"] and r["人员类别"] == "在编在岗"]
            pick = [r for r in pick if not r["seconded"]]
            if not pick:
                continue
            row = pick[int(plan.integers(len(pick)))]
            row["seconded"] = True
            rosters[host].append({**row, "单位": host, "host": True})

    if defects:
        _staff_defects(rosters, rates, plan)
    return rosters


def _staff_defects(
    rosters: dict[str, list[dict]], rates: dict[str, float], rng: np.random.Generator
) -> None:
    """A wrong check character, a row sent twice, a blank 人员类别: in three units above
    the target (so that none of them changes which side of it a unit is on)."""
    above = [u for u in rosters if rates[u] >= STAFF_RATE_ABOVE[0] and rosters[u]]
    units = [above[int(i)] for i in rng.choice(len(above), size=min(3, len(above)), replace=False)]
    for unit, kind in zip(
        units, ("bad_check_digit", "duplicate_row", "blank_category"), strict=False
    ):
        rows = rosters[unit]
        fits = [
            i
            for i, r in enumerate(rows)
            if not r["seconded"] and (kind != "bad_check_digit" or not r["covered"])
        ]
        if not fits:
            continue
        i = fits[int(rng.integers(len(fits)))]
        if kind == "bad_check_digit":
            rows[i] = {**rows[i], "身份证号": _bad_check(rows[i]["身份证号"]), "defect": kind}
        elif kind == "duplicate_row":
            rows.insert(i + 1, {**rows[i], "defect": kind})
        else:
            rows[i] = {**rows[i], "人员类别": "", "defect": kind}


def _family_of(staff: dict, rng: np.random.Generator) -> list[tuple[str, tuple[int, int]]]:
    """0-3 relations of one staff member, with the ages they can have."""
    age = staff["age"]
    possible: list[tuple[str, tuple[int, int]]] = []
    if age + 22 <= 92:
        possible.append(("父亲", (age + 22, min(age + 38, 95))))
        possible.append(("母亲", (age + 20, min(age + 36, 95))))
    if age >= 24:
        possible.append(("配偶", (max(20, age - 8), age + 8)))
        for _ in range(2):
            possible.append(("子女", (max(0, age - 40), age - 22)))
    k = min(int(rng.choice(len(FAMILY_SIZE_P), p=FAMILY_SIZE_P)), len(possible))
    chosen = sorted(rng.choice(len(possible), size=k, replace=False).tolist())
    return [possible[i] for i in chosen]


def _families(
    src: _Lists, rosters: dict[str, list[dict]], seed: int, defects: bool
) -> dict[str, list[dict]]:
    """Family members declared by about eight units; the rows of each unit."""
    units = list(rosters)
    plan = _rng(seed, "职工家属", 33)
    k = min(FAMILY_UNITS, len(units))
    declaring = [units[int(i)] for i in sorted(plan.choice(len(units), size=k, replace=False))]
    below = set(plan.choice(declaring, size=min(FAMILY_UNITS_BELOW, k // 2), replace=False))
    out: dict[str, list[dict]] = {}
    for unit in declaring:
        rng = _rng(seed, unit, 34)
        rate = rng.uniform(*(FAMILY_RATE_BELOW if unit in below else FAMILY_RATE_ABOVE))
        seen: set[str] = set()
        staff = []
        for r in rosters[unit]:
            if r["defect"] == "bad_check_digit" or r["身份证号"] in seen:
                continue
            if r["host"]:
                continue  # a seconded member's family is declared by the home unit
            seen.add(r["身份证号"])
            staff.append(r)
        slots = [(s, rel, ages) for s in staff for rel, ages in _family_of(s, rng)]
        covered = np.zeros(len(slots), dtype=bool)
        covered[rng.choice(len(slots), size=round(rate * len(slots)), replace=False)] = True
        rows = []
        for (s, relation, ages), bought in zip(slots, covered, strict=True):
            male = {"父亲": True, "母亲": False, "配偶": not s["male"]}.get(relation)
            same_name = relation == "父亲" or (relation == "子女" and s["male"])
            surname = s["姓名"][0] if same_name else None
            person = None
            if bought:
                person = src.bought.take(
                    rng, ages, channels=_COVERED_FAMILY, male=male, surname=surname
                )
            if person is None:
                person = src.new.take(rng, ages, male=male)
                if person is None:
                    continue
                if surname:
                    person["name"] = _with_surname(person["name"], surname)
            rows.append(
                {
                    "单位": unit,
                    "职工姓名": s["姓名"],
                    "职工身份证号": s["身份证号"],
                    "家属姓名": person["name"],
                    "家属身份证号": person["id"],
                    "与职工关系": relation,
                }
            )
        out[unit] = rows
    if defects and out:
        _family_defect(src, out, plan)
    return out


def _family_defect(src: _Lists, families: dict[str, list[dict]], rng: np.random.Generator):
    """A family row whose staff member is on no unit's staff roster (left the unit)."""
    units = [u for u, rows in families.items() if rows]
    if not units:
        return
    unit = units[int(rng.integers(len(units)))]
    staff = src.new.take(rng, (30, 55))
    spouse = staff and src.new.take(rng, (28, 57), male=not staff["male"])
    if not staff or not spouse:
        return
    rows = families[unit]
    at = int(rng.integers(1, len(rows) + 1))
    row = {
        "单位": unit,
        "职工姓名": staff["name"],
        "职工身份证号": staff["id"],
        "家属姓名": spouse["name"],
        "家属身份证号": spouse["id"],
        "与职工关系": "配偶",
    }
    # after the last row of the staff member it follows
    while at < len(rows) and rows[at]["职工身份证号"] == rows[at - 1]["职工身份证号"]:
        at += 1
    rows.insert(at, row)


def _hardship(src: _Lists, base: pd.DataFrame, seed: int) -> list[dict]:
    """救助对象名单: about 1.5% of the base population, every township."""
    plan = _rng(seed, "救助对象", 35)
    profiles = src.profiles
    n_total = round(HARDSHIP_SHARE * int(base["base"].sum()))
    weight = base["base"].to_numpy(dtype=float) * plan.uniform(0.7, 1.4, size=len(base))
    counts = plan.multinomial(n_total, weight / weight.sum())
    lagging = set(
        plan.choice(
            len(profiles), size=min(HARDSHIP_LAGGING, len(profiles)), replace=False
        ).tolist()
    )
    spelled = plan.random(len(profiles)) < HARDSHIP_SPELLING_SHARE
    categories = list(HARDSHIP_CATEGORIES)
    share = np.array([HARDSHIP_CATEGORIES[c][0] for c in categories])
    rows = []
    for t, p in enumerate(profiles):
        rng = _rng(seed, p.name, 36)
        n = int(counts[t])
        cats = [
            categories[int(i)] for i in rng.choice(len(categories), size=n, p=share / share.sum())
        ]
        full = [i for i, c in enumerate(cats) if c in FULLY_FUNDED]
        rest = [i for i, c in enumerate(cats) if c not in FULLY_FUNDED]
        uncovered = rng.uniform(
            *(HARDSHIP_UNCOVERED_LAGGING if t in lagging else HARDSHIP_UNCOVERED_ELSEWHERE)
        )
        status = {}
        for group, shares in (
            (full, (uncovered, HARDSHIP_OTHER_CHANNEL)),
            (rest, (ENCOURAGED_UNCOVERED, 1 - ENCOURAGED_UNCOVERED - ENCOURAGED_FUNDED)),
        ):
            order = rng.permutation(group).tolist()
            n_unc, n_other = round(shares[0] * len(group)), round(shares[1] * len(group))
            for k, i in enumerate(order):
                status[i] = "none" if k < n_unc else "other" if k < n_unc + n_other else "funded"
        for i, category in enumerate(cats):
            ages = HARDSHIP_CATEGORIES[category][1:]
            person = None
            if status[i] == "funded":
                channels = (("政府资助",), *_OTHER_CHANNELS)
                person = src.bought.take(rng, ages, channels=channels, twp=t)
            elif status[i] == "other":
                person = src.bought.take(rng, ages, channels=_OTHER_CHANNELS, twp=t)
            if person is None:
                person = src.new.take(rng, ages)
                if person is None:
                    continue
                person["village"] = int(rng.choice(len(p.villages), p=p.village_p))
            written = category
            if spelled[t] and category in HARDSHIP_SPELLINGS:
                others = HARDSHIP_SPELLINGS[category]
                written = others[int(rng.integers(len(others)))]
            rows.append(
                {
                    "乡镇": p.name,
                    "村(居)": p.villages[person["village"]],
                    "姓名": person["name"],
                    "身份证号": person["id"],
                    "救助类别": written,
                    "_order": (t, p.villages[person["village"]], categories.index(category), i),
                }
            )
    rows.sort(key=lambda r: r["_order"])
    return [{k: v for k, v in r.items() if k != "_order"} for r in rows]


def _write_list(
    path: Path,
    frame: pd.DataFrame,
    fmt: str,
    *,
    title: str | None,
    sheet: str,
    author: str,
    created: date,
) -> None:
    if fmt != "xlsx":
        encoding = {"csv_gbk": "gbk", "csv_utf8_bom": "utf-8-sig"}.get(fmt, "utf-8")
        terminator = "\r\n" if fmt == "csv_gbk" else "\n"
        frame.to_csv(path, index=False, encoding=encoding, lineterminator=terminator)
        return
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties(
        {"title": title or "", "author": author, "created": datetime.combine(created, time(16))}
    )
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True})
    for c, label in enumerate(frame.columns):
        ws.set_column(c, c, 21 if "身份证" in label else max(10, 2 * len(label) + 2))
    r = 0
    if title:
        title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
        ws.merge_range(0, 0, 0, len(frame.columns) - 1, title, title_fmt)
        r = 1
    for c, label in enumerate(frame.columns):
        ws.write_string(r, c, label, bold)
    for values in frame.itertuples(index=False):
        r += 1
        for c, v in enumerate(values):
            ws.write_string(r, c, v)
    wb.close()


def write_demo_lists(
    raw_dir: Path,
    base_csv: Path,
    campaign_units: list[str] | tuple[str, ...],
    *,
    start: date,
    as_of: date,
    seed: int = DEFAULT_SEED,
    delivery_every_days: int = DEFAULT_EVERY,
    scale: float = 1.0,
    defects: bool = True,
) -> list[Path]:
    """Write the units' staff and family rosters and the hardship list; return their paths,
    sorted.

    The people who bought are taken from the purchases the township files up to ``as_of``
    hold (same arguments as ``write_demo_extracts``), so their cover is found there.
    """
    if as_of < start:
        raise ValueError(f"as_of {as_of} is before start {start}")
    raw_dir = Path(raw_dir)
    base = read_base(Path(base_csv))
    src = _lists_sources(
        base, start=start, as_of=as_of, seed=seed, every=delivery_every_days, scale=scale
    )
    units = list(dict.fromkeys(campaign_units))
    written: list[Path] = []

    formats = _list_formats(units, _rng(seed, "报送格式", 37))
    rosters = _staff(src, units, seed, defects)
    families = _families(src, rosters, seed, defects) if units else {}
    for folder, lists, columns, label in (
        (STAFF_DIR, rosters, STAFF_COLUMNS, "职工名册"),
        (FAMILY_DIR, families, FAMILY_COLUMNS, "职工家属名册"),
    ):
        if not lists:
            continue
        (raw_dir / folder).mkdir(parents=True, exist_ok=True)
        for unit, rows in lists.items():
            rng = _rng(seed, unit + label, 37)
            created = min(start + timedelta(days=int(rng.integers(2, 10))), as_of)
            fmt = formats[unit]
            path = raw_dir / folder / f"{unit}_{label}.{_ext(fmt)}"
            frame = pd.DataFrame([[r[c] for c in columns] for r in rows], columns=list(columns))
            title = f"{unit}{label}" if rng.random() < 0.5 else None
            _write_list(path, frame, fmt, title=title, sheet=label, author=unit, created=created)
            written.append(path)

    rows = _hardship(src, base, seed)
    (raw_dir / HARDSHIP_DIR).mkdir(parents=True, exist_ok=True)
    path = raw_dir / HARDSHIP_DIR / f"救助对象名单_{start.isoformat()}.xlsx"
    frame = pd.DataFrame([[r[c] for c in HARDSHIP_COLUMNS] for r in rows], columns=HARDSHIP_COLUMNS)
    _write_list(
        path,
        frame,
        "xlsx",
        title="清流县困难群体参保资助对象名单",
        sheet="救助对象",
        author="清流县民政局",
        created=start,
    )
    written.append(path)
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    from flows.settings import PROJECT_ROOT

    parser = argparse.ArgumentParser(description="Write deterministic demo township extracts.")
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("--as-of", type=date.fromisoformat, required=True)
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--every", type=int, default=DEFAULT_EVERY)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--base",
        type=Path,
        default=PROJECT_ROOT / "data" / "reference" / "qingliu_2025_puhui_assignments.csv",
    )
    args = parser.parse_args(argv)
    counts = _write_all(
        args.raw_dir,
        args.base,
        start=args.start,
        as_of=args.as_of,
        seed=args.seed,
        delivery_every_days=args.every,
        scale=args.scale,
        defects=True,
    )
    print(f"wrote {len(counts)} files, {sum(counts.values())} rows, into {args.raw_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
