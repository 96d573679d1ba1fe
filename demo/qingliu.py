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
