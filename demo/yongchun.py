"""Deterministic demo data for a basic-insurance (基本医保全民参保) campaign in 永春县.

Both kinds of township delivery are built from ONE shared village plan
(``village_plan``), so that they agree exactly:

* ``write_village_counts``: per township, the village summary (村级汇总) a
  township sends the county: one row per village/community, then a 合计 row.
* ``write_person_register``: per township, the person-level register (花名册)
  of every registered person, whose per-village aggregates equal the plan.

The plan
--------
The reference table (``yongchun_2023_basic_coverage.csv``, 22 townships as of
2023-06-03, short names such as 桃城) is mapped to full names and codes from
``townships.csv``. Every township gets 8-25 villages/communities (more for
larger townships; names from ``demo.qingliu``'s village generator, ending
村 or 社区, unique in the county). The township's registered (户籍人口),
enrolled_local (本地参保) and enrolled_elsewhere (异地参保) counts are split
across its villages so that the village numbers sum EXACTLY to the reference
row, with registered >= local + elsewhere in every village. Per village,
``lapsed`` (paid last year, not this year; 断缴) is 30%-60% of its unenrolled
and ``paid_last_year`` (among the enrolled) is 90%-98% of its enrolled.
``scale`` rounds the township counts (registered, local, elsewhere) first,
then splits: the plan stays integer-consistent at every scale, and the
villages (names, number) do not depend on the scale.

Village counts files
--------------------
``<乡镇全名>_<YYYY-MM-DD>_村级汇总.csv`` (``.xlsx`` for the XLSX townships), the
date being ``as_of``. Formats are fixed per township (``COUNTS_FORMAT``):
UTF-8 with BOM for most, GBK (CRLF) for 蓬壶镇 / 锦斗镇 / 横口乡, XLSX for 达埔镇
and 介福乡 with a title row ``永春县XX镇基本医保参保情况汇总表`` above the header.
Columns: 村(居), registered (户籍人口 / 户籍人口数), local (本地参保 /
本地参保人数), elsewhere (异地参保 / 异地参保人数), lapsed (上年缴费本年未缴费 /
断缴人数); the alias is drawn per township from the seed. Rows: communities
first, then villages, each in Unicode order, then 合计.

Defect: the 合计 row is right in every file except one (``COUNTS_DEFECT``):
湖洋镇's 本地参保 total has two adjacent digits transposed. ``COUNTS_DEFECTS``
lists it for the default run (as_of 2023-06-03, seed 2023, scale 1.0),
``counts_defects`` for any other. A pipeline must report the mismatch and use
the sum of the village rows.

Person register files
---------------------
``<乡镇全名>_<YYYY-MM-DD>_花名册.csv``, UTF-8 (no BOM), one row per registered
person, rows by village (plan order), random order within a village.
Columns: 身份证号 / 姓名 / 乡镇 (full name) / 村(居) / 险种 (职工医保 or 居民医保
for the enrolled, about 25% 职工医保 and adults only; empty otherwise) / 参保地
(本地 / 异地 for the enrolled; empty otherwise) / 缴费日期 (``YYYY-MM-DD`` from
1 September of the campaign year to ``as_of``, never before the birth date;
empty otherwise) / 上年是否缴费 (是 / 否). Per village: rows = registered,
本地 = enrolled_local, 异地 = enrolled_elsewhere, unenrolled with 上年是否缴费 = 是
= lapsed, enrolled with 是 = paid_last_year.

Persons come from ``demo.qingliu._people`` (unique IDs, ages, sex-coherent
names) with the address code moved to 永春县: 350525, and the retired code
352425 for a few people born before 1983 (well before 1985, when the code was
retired). Ages 0-95, sequence odd = male, check character from
``schemas.identity.with_check_char``.

CLI: ``python -m demo.yongchun counts|register <raw_dir> --as-of 2023-06-03
[--scale 1.0] [--seed 2023]``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from demo.qingliu import (
    _VILLAGE_PREFIX,
    _VILLAGE_SUFFIX,
    _people,
    _rng,
    _villages,
)
from demo.qingliu import COUNTY_CODE as _SOURCE_COUNTY_CODE
from demo.qingliu import RETIRED_COUNTY_CODE as _SOURCE_RETIRED_CODE
from schemas.identity import with_check_char

DEFAULT_SEED = 2023
DEFAULT_AS_OF = date(2023, 6, 3)

COUNTY = "永春县"
COUNTY_CODE = 350525
RETIRED_COUNTY_CODE = 352425  # before 1985

VILLAGES_RANGE = (8, 25)
LAPSED_SHARE = (0.30, 0.60)  # of a village's unenrolled
PAID_LAST_YEAR_SHARE = (0.90, 0.98)  # of a village's enrolled
EMPLOYEE_SHARE_ADULTS = 0.30  # 职工医保 among enrolled adults: about 25% of all enrolled

# The county seat has several communities; other 镇 get "<seat>社区" from demo.qingliu.
_EXTRA_COMMUNITIES = {"桃城镇": ("桃东社区", "桃溪社区", "留安社区", "环城社区")}

# Counts files: fixed formats; townships not listed are UTF-8 with BOM.
COUNTS_FORMAT: dict[str, str] = {
    "达埔镇": "xlsx",
    "介福乡": "xlsx",
    "蓬壶镇": "csv_gbk",
    "锦斗镇": "csv_gbk",
    "横口乡": "csv_gbk",
}
COUNT_FIELDS = ("registered", "enrolled_local", "enrolled_elsewhere", "lapsed")
VILLAGE_HEADER = "村(居)"
TOTAL_LABEL = "合计"
COUNT_ALIASES: dict[str, tuple[str, str]] = {
    "registered": ("户籍人口", "户籍人口数"),
    "enrolled_local": ("本地参保", "本地参保人数"),
    "enrolled_elsewhere": ("异地参保", "异地参保人数"),
    "lapsed": ("上年缴费本年未缴费", "断缴人数"),
}
# (township, field): the 合计 cell that disagrees with the sum of the rows.
COUNTS_DEFECT = ("湖洋镇", "enrolled_local")

REGISTER_COLUMNS = (
    "身份证号",
    "姓名",
    "乡镇",
    "村(居)",
    "险种",
    "参保地",
    "缴费日期",
    "上年是否缴费",
)
SCHEMES = ("职工医保", "居民医保")


def _counts_file(township: str, as_of: date, fmt: str) -> str:
    ext = "xlsx" if fmt == "xlsx" else "csv"
    return f"{township}_{as_of.isoformat()}_村级汇总.{ext}"


def _register_file(township: str, as_of: date) -> str:
    return f"{township}_{as_of.isoformat()}_花名册.csv"


def _transposed(value: int) -> int:
    """The value with its rightmost pair of differing adjacent digits swapped (a typo)."""
    digits = list(str(value))
    for i in range(len(digits) - 1, 0, -1):
        if digits[i] != digits[i - 1]:
            digits[i - 1], digits[i] = digits[i], digits[i - 1]
            return int("".join(digits))
    return value + 10


# ---------------------------------------------------------------------------
# The plan


def read_reference(reference_csv: Path, townships_csv: Path | None = None) -> pd.DataFrame:
    """Reference rows (合计 dropped) with full township names and codes.

    Columns: township (full name), township_code, short, registered,
    enrolled_local, enrolled_elsewhere; in reference (rate) order.
    """
    reference_csv = Path(reference_csv)
    if townships_csv is None:
        townships_csv = reference_csv.with_name("townships.csv")
        if not townships_csv.exists():
            from flows.settings import PROJECT_ROOT

            townships_csv = PROJECT_ROOT / "data" / "reference" / "townships.csv"
    ref = pd.read_csv(reference_csv, dtype=str)
    ref["township"] = ref["township"].fillna("").str.strip()
    ref = ref[~ref["rank"].str.strip().isin(["合计", "总计"]) & (ref["township"] != "")]
    places = pd.read_csv(townships_csv, dtype=str)
    places = places[places["county_code"] == str(COUNTY_CODE)]
    full = {}
    for name, code in zip(places["township"], places["township_code"], strict=True):
        full[name] = (name, int(code))
        full[name[:-1]] = (name, int(code))  # 桃城 = 桃城镇
    missing = sorted(set(ref["township"]) - set(full))
    if missing:
        raise ValueError(f"townships not in {townships_csv.name}: {missing}")
    out = pd.DataFrame(
        {
            "township": [full[s][0] for s in ref["township"]],
            "township_code": [full[s][1] for s in ref["township"]],
            "short": ref["township"].to_numpy(),
        }
    )
    for col in ("registered", "enrolled_local", "enrolled_elsewhere"):
        out[col] = pd.to_numeric(ref[col].str.replace(",", "")).astype("int64").to_numpy()
    if (out["enrolled_local"] + out["enrolled_elsewhere"] > out["registered"]).any():
        raise ValueError("reference: enrolled exceeds registered")
    return out.reset_index(drop=True)


def _village_names(ref: pd.DataFrame, seed: int) -> dict[str, list[str]]:
    """8-25 villages/communities per township, unique in the county; communities first."""
    pairs = list(zip(ref["township"], ref["registered"].astype(int), strict=True))
    base = _villages(pairs, seed)  # 6-15 per township, the seat community for a 镇
    used = {v[:-1] for vs in base.values() for v in vs if v.endswith("村")}
    seats = {t[0][:2] for t in pairs}
    stems = [p + s for p in _VILLAGE_PREFIX for s in _VILLAGE_SUFFIX if p != s]
    stems = [s for s in stems if s not in used and s not in seats]
    order = np.random.default_rng(np.random.SeedSequence([seed, 8])).permutation(len(stems))
    pool = iter(stems[i] for i in order)
    lo, hi = min(b for _, b in pairs), max(b for _, b in pairs)
    n_lo, n_hi = VILLAGES_RANGE
    out = {}
    for name, registered in pairs:
        rng = _rng(seed, name, 21)
        k = n_lo + round((n_hi - n_lo) * (registered - lo) / max(hi - lo, 1))
        k = int(np.clip(k + int(rng.integers(-1, 2)), n_lo, n_hi))
        names = list(base[name]) + list(_EXTRA_COMMUNITIES.get(name, ()))
        names += [next(pool) + "村" for _ in range(k - len(names))]
        out[name] = sorted(names, key=lambda v: (not v.endswith("社区"), v))
    return out


def _split(rng: np.random.Generator, total: int, capacity: np.ndarray, weight: np.ndarray):
    """``total`` spread over slots in proportion to capacity x weight, never above capacity."""
    capacity = capacity.astype(np.int64)
    if total > capacity.sum():
        raise ValueError(f"cannot place {total} in a capacity of {capacity.sum()}")
    if total == 0:
        return np.zeros(len(capacity), dtype=np.int64)
    p = capacity * weight
    alloc = rng.multinomial(total, p / p.sum()).astype(np.int64)
    over = np.maximum(alloc - capacity, 0)
    alloc -= over
    if over.sum():
        alloc += rng.multivariate_hypergeometric(capacity - alloc, int(over.sum()))
    return alloc


def _scaled(ref: pd.DataFrame, scale: float) -> pd.DataFrame:
    if scale <= 0:
        raise ValueError("scale must be positive")
    out = ref.copy()
    if scale != 1.0:
        for col in ("registered", "enrolled_local", "enrolled_elsewhere"):
            out[col] = np.rint(ref[col].to_numpy() * scale).astype(np.int64)
        excess = np.maximum(
            out["enrolled_local"] + out["enrolled_elsewhere"] - out["registered"], 0
        )
        out["enrolled_elsewhere"] -= np.minimum(excess, out["enrolled_elsewhere"])
        out["enrolled_local"] = np.minimum(out["enrolled_local"], out["registered"])
    return out


def village_plan(
    reference_csv: Path,
    *,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    townships_csv: Path | None = None,
) -> pd.DataFrame:
    """The shared plan: one row per village, townships in reference order.

    Columns: township, township_code, village, registered, enrolled_local,
    enrolled_elsewhere, enrolled, unenrolled, lapsed, paid_last_year (all
    counts int64). Village sums equal the (scaled) reference row exactly.
    """
    ref = read_reference(reference_csv, townships_csv)
    names = _village_names(ref, seed)
    ref = _scaled(ref, scale)
    parts = []
    for row in ref.itertuples(index=False):
        vs = names[row.township]
        k = len(vs)
        rng = _rng(seed, row.township, 22)
        # Drawn first and independent of the counts: same shape at every scale.
        size_w = rng.dirichlet(np.full(k, 4.0))
        size_w[[v.endswith("社区") for v in vs]] *= 1.6
        unenrolled_w = np.exp(rng.normal(0.0, 0.35, k))
        elsewhere_w = np.exp(rng.normal(0.0, 0.45, k))
        lapsed_share = rng.uniform(*LAPSED_SHARE, k)
        paid_share = rng.uniform(*PAID_LAST_YEAR_SHARE, k)

        registered = rng.multinomial(row.registered, size_w / size_w.sum()).astype(np.int64)
        unenrolled_total = row.registered - row.enrolled_local - row.enrolled_elsewhere
        unenrolled = _split(rng, unenrolled_total, registered, unenrolled_w)
        enrolled = registered - unenrolled
        elsewhere = _split(rng, row.enrolled_elsewhere, enrolled, elsewhere_w)
        parts.append(
            pd.DataFrame(
                {
                    "township": row.township,
                    "township_code": row.township_code,
                    "village": vs,
                    "registered": registered,
                    "enrolled_local": enrolled - elsewhere,
                    "enrolled_elsewhere": elsewhere,
                    "enrolled": enrolled,
                    "unenrolled": unenrolled,
                    "lapsed": np.rint(lapsed_share * unenrolled).astype(np.int64),
                    "paid_last_year": np.rint(paid_share * enrolled).astype(np.int64),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------
# Village counts files


def _counts_headers(township: str, seed: int) -> dict[str, str]:
    rng = _rng(seed, township, 23)
    return {f: COUNT_ALIASES[f][int(rng.integers(2))] for f in COUNT_FIELDS}


def counts_defects(
    reference_csv: Path,
    *,
    as_of: date = DEFAULT_AS_OF,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    townships_csv: Path | None = None,
) -> list[dict]:
    """The 合计 defect a run with these arguments writes."""
    township, field = COUNTS_DEFECT
    plan = village_plan(reference_csv, seed=seed, scale=scale, townships_csv=townships_csv)
    true = int(plan.loc[plan["township"] == township, field].sum())
    return [
        {
            "file": _counts_file(township, as_of, COUNTS_FORMAT.get(township, "csv_utf8_bom")),
            "township": township,
            "row": TOTAL_LABEL,
            "field": field,
            "column": _counts_headers(township, seed)[field],
            "stated": _transposed(true),
            "true": true,
        }
    ]


COUNTS_DEFECTS: list[dict] = [
    {
        "file": "湖洋镇_2023-06-03_村级汇总.csv",
        "township": "湖洋镇",
        "row": "合计",
        "field": "enrolled_local",
        "column": "本地参保",
        "stated": 38901,
        "true": 38910,
    }
]
"""The 合计 defect of the default run (as_of 2023-06-03, seed 2023, scale 1.0);
``counts_defects`` computes it for any other run (a test keeps the two equal)."""


def _counts_frame(villages: pd.DataFrame, headers: dict[str, str], defect: str | None):
    body = villages[["village", *COUNT_FIELDS]].copy()
    total = {"village": TOTAL_LABEL, **{f: int(body[f].sum()) for f in COUNT_FIELDS}}
    if defect is not None:
        total[defect] = _transposed(total[defect])
    frame = pd.concat([body, pd.DataFrame([total])], ignore_index=True)
    frame = frame.astype({f: "int64" for f in COUNT_FIELDS})
    return frame.rename(columns={"village": VILLAGE_HEADER, **headers})


def _write_counts_xlsx(frame: pd.DataFrame, path: Path, township: str, as_of: date) -> None:
    title = f"{COUNTY}{township}基本医保参保情况汇总表"
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties(
        {
            "title": title,
            "author": f"{township}人民政府",
            "created": datetime.combine(as_of, time(17, 30)),
        }
    )
    ws = wb.add_worksheet("汇总表")
    title_fmt = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    bold = wb.add_format({"bold": True, "border": 1, "align": "center"})
    cell = wb.add_format({"border": 1})
    ws.merge_range(0, 0, 0, len(frame.columns) - 1, title, title_fmt)
    ws.set_column(0, 0, 14)
    ws.set_column(1, len(frame.columns) - 1, 16)
    for c, label in enumerate(frame.columns):
        ws.write_string(1, c, label, bold)
    for r, values in enumerate(frame.itertuples(index=False), start=2):
        ws.write_string(r, 0, values[0], bold if values[0] == TOTAL_LABEL else cell)
        for c, v in enumerate(values[1:], start=1):
            ws.write_number(r, c, int(v), cell)
    wb.close()


def write_village_counts(
    raw_dir: Path,
    reference_csv: Path,
    *,
    as_of: date,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    townships_csv: Path | None = None,
) -> list[Path]:
    """Write one village summary per township; return the paths, sorted."""
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    plan = village_plan(reference_csv, seed=seed, scale=scale, townships_csv=townships_csv)
    bad_township, bad_field = COUNTS_DEFECT
    written = []
    for township, villages in plan.groupby("township", sort=False):
        fmt = COUNTS_FORMAT.get(township, "csv_utf8_bom")
        headers = _counts_headers(township, seed)
        defect = bad_field if township == bad_township else None
        frame = _counts_frame(villages, headers, defect)
        path = raw_dir / _counts_file(township, as_of, fmt)
        if fmt == "xlsx":
            _write_counts_xlsx(frame, path, township, as_of)
        elif fmt == "csv_gbk":
            frame.to_csv(path, index=False, encoding="gbk", lineterminator="\r\n")
        else:
            frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
        written.append(path)
    return sorted(written)


# ---------------------------------------------------------------------------
# Person register


def campaign_start(as_of: date) -> date:
    """1 September that opened the payment year ``as_of`` belongs to."""
    return date(as_of.year - (as_of.month < 9), 9, 1)


def _payment_day_weights(start: date, n_days: int) -> np.ndarray:
    """Relative weight of each day from ``start``: the Sep-Dec window, rising to its
    deadline; the Jan-Feb extension; a trickle afterwards (and employees' payroll)."""
    days = np.arange(n_days)
    d = np.array([start + timedelta(days=int(i)) for i in days])
    month = np.array([x.month for x in d])
    in_window = (month >= 9) & (month <= 12)
    in_extension = month <= 2
    w = np.where(in_window, 1.0 + 2.5 * days / 122.0, 0.25)
    w = np.where(in_extension, 0.9, w)
    return w / w.sum()


def _yongchun_ids(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """demo.qingliu's identity numbers moved to 永春县's codes; also their birth dates."""
    first17 = pd.to_numeric(ids.str.slice(0, 17)).to_numpy(np.int64)
    code = first17 // 10**11
    rest = first17 % 10**11
    new_code = np.where(code == _SOURCE_RETIRED_CODE, RETIRED_COUNTY_CODE, COUNTY_CODE)
    if not np.isin(code, [_SOURCE_COUNTY_CODE, _SOURCE_RETIRED_CODE]).all():
        raise ValueError("unexpected address code from demo.qingliu._people")
    digits = pd.Series((new_code * 10**11 + rest).astype("U17"))
    ymd = rest // 1000
    birth = pd.to_datetime(
        pd.DataFrame({"year": ymd // 10000, "month": ymd // 100 % 100, "day": ymd % 100})
    ).to_numpy()
    return with_check_char(digits).to_numpy(dtype=object), birth


# Person statuses within a village, in this order: (参保地, 上年是否缴费).
_STATUS_PLACE = np.array(["本地", "本地", "异地", "异地", "", ""], dtype=object)
_STATUS_PAID = np.array(["是", "否", "是", "否", "是", "否"], dtype=object)


def _register(plan: pd.DataFrame, as_of: date, seed: int) -> pd.DataFrame:
    """Every registered person of the plan, village by village (columns as in the files)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 31]))
    local = plan["enrolled_local"].to_numpy(np.int64)
    elsewhere = plan["enrolled_elsewhere"].to_numpy(np.int64)
    paid = plan["paid_last_year"].to_numpy(np.int64)
    lapsed = plan["lapsed"].to_numpy(np.int64)
    unenrolled = plan["unenrolled"].to_numpy(np.int64)
    paid_local = rng.hypergeometric(local, elsewhere, paid).astype(np.int64)
    paid_elsewhere = paid - paid_local
    counts = np.column_stack(
        [
            paid_local,
            local - paid_local,
            paid_elsewhere,
            elsewhere - paid_elsewhere,
            lapsed,
            unenrolled - lapsed,
        ]
    )
    n_villages = len(plan)
    status = np.repeat(np.tile(np.arange(6), n_villages), counts.ravel())
    village = np.repeat(np.arange(n_villages), plan["registered"].to_numpy(np.int64))
    n = len(status)
    status = status[np.lexsort((rng.random(n), village))]  # shuffled within each village

    people = _people(rng, n, as_of)
    ids, birth = _yongchun_ids(people["id"])
    enrolled = status < 4
    adult = people["age"].to_numpy() >= 18
    employee = enrolled & adult & (rng.random(n) < EMPLOYEE_SHARE_ADULTS)
    scheme = np.where(enrolled, np.where(employee, SCHEMES[0], SCHEMES[1]), "").astype(object)

    start = campaign_start(as_of)
    if as_of < start:
        raise ValueError(f"as_of {as_of} is before the payment window opened")
    n_days = (as_of - start).days + 1
    day = rng.choice(n_days, size=n, p=_payment_day_weights(start, n_days))
    born_day = (birth - np.datetime64(start, "D")).astype("timedelta64[D]").astype(np.int64)
    day = np.maximum(day, born_day)  # a newborn pays from birth on
    day_text = np.array(
        [(start + timedelta(days=i)).isoformat() for i in range(n_days)], dtype=object
    )
    pay_date = np.where(enrolled, day_text[np.clip(day, 0, n_days - 1)], "").astype(object)

    return pd.DataFrame(
        {
            "身份证号": ids,
            "姓名": people["name"].to_numpy(dtype=object),
            "乡镇": plan["township"].to_numpy(dtype=object)[village],
            "村(居)": plan["village"].to_numpy(dtype=object)[village],
            "险种": scheme,
            "参保地": _STATUS_PLACE[status],
            "缴费日期": pay_date,
            "上年是否缴费": _STATUS_PAID[status],
        }
    )


# a register's history (history_years > 0): how likely a person insured one year was
# insured the year before, and one not insured; the share of employees' years under 职工
KEEP_INSURED, BACK_INSURED, EMPLOYEE_YEARS = 0.93, 0.45, 0.6
CLAIM_SHARE = 0.15  # insured residents who claimed on the fund in a year (是否报销: 是)
# people spared the waiting period, besides the newborns of the year (age 0)
ASSISTANCE_SHARE, VETERAN_SHARE = 0.012, 0.001
HISTORY_CONTRADICTIONS = 3  # rows with both schemes in one year: rejected, not guessed


def _with_history(persons: pd.DataFrame, as_of: date, years: int, seed: int) -> pd.DataFrame:
    """``years`` earlier years of insurance per person (2021年参保情况 ...: 居民 / 职工 /
    未参保, and 2021年是否报销 for resident years), consistent with 上年是否缴费 and the birth
    date, and 特殊群体; drawn from a stream
    of its own, so the columns before them are those of a register without history."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 41]))
    campaign_year = campaign_start(as_of).year + 1
    n = len(persons)
    born = persons["身份证号"].str.slice(6, 10).astype(int).to_numpy()
    employee = (persons["险种"] == SCHEMES[0]).to_numpy() | (rng.random(n) < 0.05)
    insured = (persons["上年是否缴费"] == "是").to_numpy()
    columns = {}
    for year in range(campaign_year - 1, campaign_year - 1 - years, -1):
        if year < campaign_year - 1:  # the year before: a Markov step back in time
            stay = rng.random(n) < np.where(insured, KEEP_INSURED, BACK_INSURED)
            insured = stay & (born <= year)
        as_employee = employee & (rng.random(n) < EMPLOYEE_YEARS) & (year - born >= 18)
        text = np.where(insured, np.where(as_employee, "职工", "居民"), "未参保").astype(object)
        text[born > year] = ""  # not born yet: nothing to say
        columns[f"{year}年参保情况"] = text
        claimed = np.where(rng.random(n) < CLAIM_SHARE, "是", "否").astype(object)
        columns[f"{year}年是否报销"] = np.where(text == "居民", claimed, "").astype(object)
    history = pd.DataFrame(dict(sorted(columns.items())), index=persons.index)  # year by year
    bad = rng.choice(n, size=HISTORY_CONTRADICTIONS, replace=False)
    history.iloc[bad, 0] = "居民、职工"
    exemption = np.full(n, "", dtype=object)
    exemption[rng.random(n) < ASSISTANCE_SHARE] = "医疗救助对象"
    exemption[rng.random(n) < VETERAN_SHARE] = "退役军人"
    exemption[born >= campaign_year - 1] = "新生儿"
    return pd.concat([persons, history], axis=1).assign(特殊群体=exemption)


def write_person_register(
    raw_dir: Path,
    reference_csv: Path,
    *,
    as_of: date,
    seed: int = DEFAULT_SEED,
    scale: float = 1.0,
    townships_csv: Path | None = None,
    history_years: int = 0,
) -> list[Path]:
    """Write the person register, one UTF-8 CSV per township; return the paths, sorted.
    ``history_years``: earlier years of insurance, a column each, and 特殊群体."""
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    plan = village_plan(reference_csv, seed=seed, scale=scale, townships_csv=townships_csv)
    persons = _register(plan, as_of, seed)
    if history_years:
        persons = _with_history(persons, as_of, history_years, seed)
    township = persons["乡镇"].to_numpy()
    written = []
    bounds = np.flatnonzero(np.r_[True, township[1:] != township[:-1], True])
    for a, b in itertools.pairwise(bounds):
        path = raw_dir / _register_file(township[a], as_of)
        persons.iloc[a:b].to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        written.append(path)
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    from flows.settings import PROJECT_ROOT

    parser = argparse.ArgumentParser(
        description="Write deterministic 永春县 basic-insurance demo deliveries."
    )
    parser.add_argument("kind", choices=("counts", "register"))
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument(
        "--reference",
        type=Path,
        default=PROJECT_ROOT / "data" / "reference" / "yongchun_2023_basic_coverage.csv",
    )
    args = parser.parse_args(argv)
    writer = write_village_counts if args.kind == "counts" else write_person_register
    paths = writer(args.raw_dir, args.reference, as_of=args.as_of, seed=args.seed, scale=args.scale)
    print(f"wrote {len(paths)} {args.kind} files into {args.raw_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
