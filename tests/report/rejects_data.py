"""Results of a 惠民保 run (Qingliu) whose deliveries carry given rejects, through the SQL
models as a run builds them: for the masking and the large-reject tests."""

from __future__ import annotations

import datetime

import pandas as pd

from flows import store
from flows.ingest import read_base_table
from flows.results import Results, with_units
from flows.settings import get_settings
from tests.report.puhui_data import AS_OF, qingliu
from tests.report.runs import run_results

TOWNSHIPS = ("龙津镇", "嵩溪镇", "林畲镇")


def results_with_rejects(rejects: pd.DataFrame, warnings: str = "") -> Results:
    """One delivery per township in ``rejects["township"]``, each with one valid person and
    its own rejects (columns source_row, column_name, value, reason)."""
    campaign = qingliu()
    settings = get_settings()
    with store.connect(settings, ":memory:") as con:
        table = read_base_table(campaign)
        store.replace_bases(con, campaign.name, with_units(campaign, table.bases))
        for number, (township, own) in enumerate(rejects.groupby("township", sort=False)):
            stem = f"{township}_{AS_OF:%Y%m%d}"
            rows = pd.DataFrame(
                {
                    "id_number": [f"{stem}_valid"],
                    "township": township,
                    "bought_on": pd.Timestamp(AS_OF),
                    "source_row": [1],
                    "id_upgraded": False,
                    "name": "某某",
                    "village": None,
                    "channel": None,
                }
            )
            delivery = {
                "campaign": campaign.name,
                "file_sha256": f"{stem}_{number}",
                "file_name": f"{stem}.csv",
                "archived_as": f"{stem}.csv",
                "township": township,
                "delivered_on": AS_OF - datetime.timedelta(days=1),
                "sheet": None,
                "encoding": "utf-8",
                "rows_read": 1 + own["source_row"].nunique(),
                "rows_loaded": 1,
                "rows_rejected": int(own["source_row"].nunique()),
                "rows_summary": 0,
                "warnings": warnings,
            }
            with store.transaction(con):
                store.load_delivery(
                    con,
                    "enrollments",
                    delivery,
                    rows,
                    own[["source_row", "column_name", "value", "reason"]].astype(
                        {"value": "string", "reason": "string", "column_name": "string"}
                    ),
                )
        return run_results(con, settings, campaign, AS_OF, circular=False, base_notes=[])


def many_rejects(count: int) -> pd.DataFrame:
    """``count`` rejected cells spread over the townships, of a few kinds, each quoting an
    identity number or a name as real rejects do."""
    numbers = pd.Series(range(count))
    ids = "350423" + (19600101 + numbers % 9000).astype(str) + (numbers % 1000).map("{:03d}".format)
    kinds = numbers % 3
    values = ids.where(kinds != 1, "林涛" + (numbers % 7).map("芳娜婷瑶萱琪薇".__getitem__))
    reasons = pd.Series("身份证号应为18位（前17位为数字，最后一位为数字或X）", index=numbers.index)
    reasons = reasons.where(kinds != 1, "乡镇“" + values + "”不在本县乡镇名录中")
    reasons = reasons.where(kinds != 2, "身份证号校验位错误（最后一位与前17位不符），请核对号码")
    return pd.DataFrame(
        {
            "township": numbers.map(lambda i: TOWNSHIPS[i % len(TOWNSHIPS)]),
            "source_row": numbers + 2,
            "column_name": kinds.map({0: "id_number", 1: "township", 2: "id_number"}),
            "value": values,
            "reason": reasons,
        }
    )
