"""The province roll-up: the completed counties' result files into the province marts
(sql/province/), then the province 排名表, 通报 and tables, in <store>/out/<as-of>/.

Only result files count (flows/province.py writes one when a county's flow completed); a
county without one is listed as 未汇总 with the reason, and the totals are those of the
counties that completed.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from flows import store
from flows.outputs import neutralise_formula, percent, sha256_of
from flows.province_config import Province
from flows.settings import Settings, get_settings

PROVINCE_MARTS = ("mart_province_counties", "mart_province_cities", "mart_province_total")
DONE, MISSING = "已汇总", "未汇总"


@dataclass
class RollUp:
    out_dir: Path
    counties: pd.DataFrame  # mart_province_counties
    cities: pd.DataFrame  # mart_province_cities
    province_row: dict  # mart_province_total
    missing: dict[str, str]  # campaign -> why it is not counted
    doc_number: str | None
    outputs: list[Path]
    previous_as_of: date | None = None  # the province run before this one


def collect_results(province: Province, as_of: date) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per county of the province file: its result for the date, or 未汇总."""
    from flows.province import missing_reason, read_result, result_path

    cities = {city: n for n, city in enumerate(province.cities, start=1)}
    rows, missing = [], {}
    for position, county in enumerate(province.counties, start=1):
        result = read_result(result_path(province.store, county.campaign, as_of))
        row = {
            "position": position,
            "city_position": cities[county.city],
            "campaign": county.campaign,
            "city": county.city,
            "county": county.county,
            "status": DONE,
            "base": None,
            "target": None,
            "enrolled": None,
            "worker": None,
            "file_errors": 0,
        }
        if result is None:
            row["status"] = MISSING
            missing[county.campaign] = missing_reason(province.store, county.campaign, as_of, None)
        else:
            for key in ("base", "target", "enrolled", "worker", "file_errors"):
                row[key] = result.get(key)
        rows.append(row)
    frame = pd.DataFrame(rows).astype(
        {"base": "Int64", "target": "Int64", "enrolled": "Int64", "file_errors": "Int64"}
    )
    return frame, missing


def province_settings(province: Province) -> Settings:
    return dataclasses.replace(get_settings(), database=province.store / "province.duckdb")


def compute_province(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    province: Province,
    as_of: date,
    results: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """The province marts for the date, in order; each reads the ones before it."""
    con.execute(store.read_sql(settings, "province/schema"))
    con.register("province_county_result_rows", results)
    con.execute(
        "create or replace temp table province_county_results as from province_county_result_rows"
    )
    params = {"as_of": as_of, "window_start": province.window_start, "deadline": province.deadline}
    marts = {}
    for name in PROVINCE_MARTS:
        sql = store.read_sql(settings, f"province/{name}")
        store.execute(con, f"create or replace temp table {name} as {sql}", params)
        marts[name] = con.execute(f"from {name}").df()
    return marts


def save_snapshot(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """The ranking of the date, for change since this run in later runs (a rerun replaces
    it). Counties not counted are left out: their change is then taken from their last."""
    with store.transaction(con):
        con.execute("delete from province_snapshots where as_of = ?", [as_of])
        con.execute(
            "insert into province_snapshots select ?, campaign, enrolled, rank "
            "from mart_province_counties where status <> '未汇总'",
            [as_of],
        )


def circular_number(con: duckdb.DuckDBPyConnection, province: Province, as_of: date) -> str:
    """The province circular's number: the first number plus the circulars dated before it;
    a date keeps its number when rerun."""
    with store.transaction(con):
        row = con.execute(
            "select number from province_circulars where as_of = ?", [as_of]
        ).fetchone()
        if row is None:
            (earlier,) = con.execute(
                "select count(*) from province_circulars where as_of < ?", [as_of]
            ).fetchone()
            row = (province.circular_first_number + earlier,)
            con.execute("insert into province_circulars values (?, ?)", [as_of, row[0]])
    return f"{province.office.doc_number_prefix}〔{as_of.year}〕{row[0]}号"


def roll_up(province: Province, as_of: date, *, circular: bool, clock: dict) -> RollUp:
    """Read the completed counties, build the marts, write the documents and tables."""
    from flows.render.province_report import render_province_documents

    settings = province_settings(province)
    started = time.perf_counter()
    results, missing = collect_results(province, as_of)
    with store.connect(settings) as con:
        marts = compute_province(con, settings, province, as_of, results)
        (previous_as_of,) = con.execute(
            "select max(as_of) from province_snapshots where as_of < ?", [as_of]
        ).fetchone()
        save_snapshot(con, as_of)
        doc_number = circular_number(con, province, as_of) if circular else None
    clock["roll_up"] = time.perf_counter() - started
    out_dir = province.store / "out" / as_of.isoformat()
    out_dir.mkdir(parents=True, exist_ok=True)
    rolled = RollUp(
        out_dir=out_dir,
        counties=marts["mart_province_counties"],
        cities=marts["mart_province_cities"],
        province_row=to_record(marts["mart_province_total"]),
        missing=missing,
        doc_number=doc_number,
        outputs=[],
        previous_as_of=previous_as_of,
    )
    started = time.perf_counter()
    rolled.outputs += render_province_documents(province, as_of, rolled, out_dir, get_settings())
    clock["render_pdfs"] = time.perf_counter() - started
    started = time.perf_counter()
    rolled.outputs += write_province_tables(province, rolled, as_of, out_dir)
    clock["write_tables"] = time.perf_counter() - started
    write_province_manifest(province, rolled, as_of, clock)
    return rolled


def to_record(frame: pd.DataFrame) -> dict:
    record = frame.to_dict("records")[0] if len(frame) else {}
    return {key: None if pd.isna(value) else value for key, value in record.items()}


# --- Tables -------------------------------------------------------------------------------

COUNTY_COLUMNS = {
    "rank": "全省排名",
    "city": "设区市",
    "county": "县（市、区）",
    "city_rank": "市内排名",
    "base": "基数",
    "target": "目标任务数",
    "enrolled": "已参保人数",
    "rate": "参保率",
    "completion": "目标任务完成率",
    "gap": "距目标任务差额",
    "progress_class": "进度",
    "increase_since_previous": "较上次增加",
    "rank_change": "排名变化",
    "status": "汇总状态",
}
CITY_COLUMNS = {
    "rank": "排名",
    "city": "设区市",
    "counties": "县（市、区）数",
    "counties_done": "已汇总县数",
    "base": "基数",
    "target": "目标任务数",
    "enrolled": "已参保人数",
    "rate": "参保率",
    "completion": "目标任务完成率",
    "gap": "距目标任务差额",
}


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    text = [c for c in frame.columns if frame[c].dtype == object or frame[c].dtype == "string"]
    frame = frame.assign(**{c: frame[c].map(neutralise_formula) for c in text})
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def county_table(rolled: RollUp, target_label: str) -> pd.DataFrame:
    frame = rolled.counties[list(COUNTY_COLUMNS)].rename(columns=COUNTY_COLUMNS)
    return frame.rename(
        columns={
            "目标任务数": f"{target_label}数",
            "目标任务完成率": f"{target_label}完成率",
            "距目标任务差额": f"距{target_label}差额",
        }
    )


def write_province_tables(
    province: Province, rolled: RollUp, as_of: date, out_dir: Path
) -> list[Path]:
    """counties.csv and cities.csv (the rankings as data, rates as officials write them),
    排名表.xlsx (县区排名, 设区市汇总, 未汇总县区)."""
    from flows.excel import Sheet, write_workbook

    counties = rolled.counties[["campaign", *COUNTY_COLUMNS, "worker"]].astype(
        {"rank": "Int64", "city_rank": "Int64"}
    )
    counties = counties.assign(
        rate=counties["rate"].map(percent), completion=counties["completion"].map(percent)
    )
    cities = rolled.cities[list(CITY_COLUMNS)].astype({"rank": "Int64"})
    cities = cities.assign(
        rate=cities["rate"].map(percent), completion=cities["completion"].map(percent)
    )
    label = province.target_label
    missing = pd.DataFrame(
        {
            "设区市": [c.city for c in province.counties if c.campaign in rolled.missing],
            "县（市、区）": [c.county for c in province.counties if c.campaign in rolled.missing],
            "县级活动": [c.campaign for c in province.counties if c.campaign in rolled.missing],
            "原因": [rolled.missing[c.campaign] for c in province.counties
                     if c.campaign in rolled.missing],
        }
    )  # fmt: skip
    title = f"截至{as_of.year}年{as_of.month}月{as_of.day}日"
    percents = ("参保率", f"{label}完成率", "目标任务完成率")
    workbook = write_workbook(
        out_dir / "排名表.xlsx",
        [
            Sheet(
                "县区排名",
                county_table(rolled, label),
                percent_columns=percents,
                title=f"{province.province}各县（市、区）参保进度排名（{title}）",
            ),
            Sheet(
                "设区市汇总",
                rolled.cities[list(CITY_COLUMNS)].rename(columns=CITY_COLUMNS),
                percent_columns=percents,
                title=f"{province.province}各设区市参保进度（{title}）",
            ),
            Sheet("未汇总县区", missing),
        ],
        as_of=as_of,
    )
    return [
        _csv(counties, out_dir / "counties.csv"),
        _csv(cities, out_dir / "cities.csv"),
        workbook,
    ]


def write_province_manifest(province: Province, rolled: RollUp, as_of: date, clock: dict) -> Path:
    """manifest.json: every county's result file (worker, status) or why it is missing, the
    outputs (sha256), seconds per step."""
    from flows.province import read_result, result_path

    counties = []
    for county in province.counties:
        result = read_result(result_path(province.store, county.campaign, as_of))
        entry = {"campaign": county.campaign, "city": county.city, "county": county.county}
        if result is None:
            entry.update(status=MISSING, reason=rolled.missing.get(county.campaign))
        else:
            entry.update(
                {
                    k: result[k]
                    for k in ("status", "worker", "host", "pid", "fingerprint", "seconds")
                }
            )
        counties.append(entry)
    manifest = {
        "province": province.name,
        "as_of": as_of.isoformat(),
        "status": "partial" if rolled.missing else "complete",
        "counties": counties,
        "outputs": [
            {"file": p.name, "sha256": sha256_of(p), "bytes": p.stat().st_size}
            for p in rolled.outputs
        ],
        "step_seconds": {k: round(v, 3) for k, v in clock.items()},
        "doc_number": rolled.doc_number,
    }
    path = rolled.out_dir / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return path
