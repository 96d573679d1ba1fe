"""Deliveries written straight into the database for SQL and render tests: every row valid."""

from __future__ import annotations

import datetime

import duckdb
import pandas as pd

from flows import store


def load_clean_delivery(
    con: duckdb.DuckDBPyConnection,
    campaign: str,
    table: str,
    file_name: str,
    township: str,
    delivered_on: datetime.date,
    rows: pd.DataFrame,
    *,
    rows_summary: int = 0,
) -> None:
    """One file of ``rows`` (all loaded, none rejected) into ``table``, keyed by its stem."""
    sha = file_name.rsplit(".", 1)[0]
    delivery = {
        "campaign": campaign, "file_sha256": sha, "file_name": file_name,
        "archived_as": file_name, "township": township, "delivered_on": delivered_on,
        "sheet": None, "encoding": None, "rows_read": len(rows), "rows_loaded": len(rows),
        "rows_rejected": 0, "rows_summary": rows_summary, "warnings": "",
    }  # fmt: skip
    rejects = pd.DataFrame(columns=["source_row", "column_name", "value", "reason"])
    with store.transaction(con):
        store.load_delivery(con, table, delivery, rows, rejects)
