"""Inputs for the 基本医保全民参保 (basic) render tests: Yongchun's 2023 campaign file and the
real Yongchun table (data/reference/yongchun_2023_basic_coverage.csv, 22 townships as of
2023-06-03) as village counts (村级汇总表) from each township, run through the SQL models as
the flow runs them (flows/pipeline.py, compute_coverage).

Made up: the lapsed counts, three villages per township, and an earlier run with a circular
on 5月29日 when each township had enrolled a little fewer. 横口 sends nothing.
"""

from __future__ import annotations

import datetime

import duckdb
import pandas as pd

from flows import store
from flows.config import Campaign, load_campaign
from flows.ingest import read_base_table
from flows.results import Results, with_units
from flows.settings import PROJECT_ROOT, get_settings
from tests.deliveries import load_clean_delivery
from tests.report.runs import run_results

CAMPAIGN = "yongchun_2023_basic"
REFERENCE = PROJECT_ROOT / "data" / "reference" / "yongchun_2023_basic_coverage.csv"
AS_OF = datetime.date(2023, 6, 3)
PREVIOUS_CIRCULAR = datetime.date(2023, 5, 29)
NOT_REPORTING = "横口"
COUNTS = ["registered", "enrolled_local", "enrolled_elsewhere", "enrolled", "unenrolled"]
VILLAGE_COUNTS = ["registered", "enrolled_local", "enrolled_elsewhere", "lapsed"]


def yongchun() -> Campaign:
    return load_campaign(CAMPAIGN, get_settings())


def reference_rows() -> pd.DataFrame:
    """The 22 township rows of the Yongchun table (合计 dropped), counts as integers."""
    table = pd.read_csv(REFERENCE, dtype={"township": str})
    table = table[table["rank"] != "合计"].copy()
    table[COUNTS] = table[COUNTS].astype(int)
    # Made up: 断缴 (paid last year, not this year) about 40% of the unenrolled.
    table["lapsed"] = table["unenrolled"] * 2 // 5 + table["registered"] % 37
    return table[["township", *COUNTS, "lapsed"]].reset_index(drop=True)


def reference_total() -> dict:
    """The 合计 row of the Yongchun table as published (all 22 townships)."""
    table = pd.read_csv(REFERENCE, dtype={"township": str})
    total = table[table["rank"] == "合计"].iloc[0]
    return {column: int(total[column]) for column in COUNTS}


def build_villages() -> pd.DataFrame:
    """Each reporting township split into three made-up villages that add up to it; the
    township as the table prints it (桃城), villages named after it (桃城社区)."""
    rows = []
    for record in reference_rows().to_dict(orient="records"):
        if record["township"] == NOT_REPORTING:
            continue
        shares = [0.5, 0.3, 0.2]
        names = [f"{record['township']}{suffix}" for suffix in ("社区", "一村", "二村")]
        left = {key: record[key] for key in VILLAGE_COUNTS}
        for index, (name, share) in enumerate(zip(names, shares, strict=True)):
            last = index == len(names) - 1
            part = {
                key: value if last else round(record[key] * share) for key, value in left.items()
            }
            for key in left:
                left[key] -= part[key]
            rows.append({"township": record["township"], "village": name, **part})
    return pd.DataFrame(rows)


def earlier_villages(villages: pd.DataFrame) -> pd.DataFrame:
    """The same villages on 5月29日: 0.4% to 1.6% fewer enrolled locally, by township, so
    ranks move between the runs."""
    townships = list(dict.fromkeys(villages["township"]))
    share = villages["township"].map(lambda t: 0.004 * (1 + townships.index(t) % 4))
    fewer = (villages["enrolled_local"] * share).round().astype(int)
    return villages.assign(enrolled_local=villages["enrolled_local"] - fewer)


def load_counts(
    con: duckdb.DuckDBPyConnection,
    campaign: Campaign,
    township: str,
    day: datetime.date,
    villages: pd.DataFrame,
) -> None:
    """One township's village counts delivered on ``day``."""
    stem = f"{township}_{day:%Y%m%d}"
    rows = villages[["village", *VILLAGE_COUNTS]].assign(
        township=township, source_row=range(4, 4 + len(villages))
    )
    load_clean_delivery(
        con,
        campaign.name,
        "basic_village_counts",
        f"{stem}.xlsx",
        township,
        day,
        rows,
        rows_summary=1,
    )


def load_bases(con: duckdb.DuckDBPyConnection, campaign: Campaign) -> list[str]:
    """The township list as the campaign's rows (a basic campaign has no base table)."""
    table = read_base_table(campaign)
    store.replace_bases(con, campaign.name, with_units(campaign, table.bases))
    return table.warnings


def build_results(campaign: Campaign | None = None, *, history: bool = True) -> Results:
    """The as-of date's Results, with a circular: every township but 横口 sends its village
    counts on 5月29日 (a run with a circular, unless ``history`` is off) and on the as-of
    date."""
    settings = get_settings()
    campaign = campaign or yongchun()
    full_name = campaign.township_aliases
    villages = build_villages()
    with store.connect(settings, ":memory:") as con:
        base_notes = load_bases(con, campaign)
        days = [PREVIOUS_CIRCULAR, AS_OF] if history else [AS_OF]
        for day in days:
            counts = villages if day == AS_OF else earlier_villages(villages)
            for township, rows in counts.groupby("township", sort=False):
                load_counts(con, campaign, full_name[township], day, rows)
            if day != AS_OF:
                run_results(con, settings, campaign, day, circular=True, base_notes=base_notes)
        return run_results(con, settings, campaign, AS_OF, circular=True, base_notes=base_notes)


def build_results_before_any_delivery(campaign: Campaign | None = None) -> Results:
    """The as-of date's Results when no township has sent anything yet."""
    settings = get_settings()
    campaign = campaign or yongchun()
    with store.connect(settings, ":memory:") as con:
        base_notes = load_bases(con, campaign)
        return run_results(con, settings, campaign, AS_OF, circular=False, base_notes=base_notes)
