"""Rows that are not data: 合计 / 小计 / 备注 lines under a township's table."""

from __future__ import annotations

import pandas as pd

SUMMARY_WORDS = ("合计", "小计", "总计", "备注", "说明", "填表人", "制表", "审核", "负责人")


def split_summary_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(data rows, summary rows): a summary row's leftmost non-empty cell starts with 合计 etc.

    Summary rows are not people or villages; they are kept aside (a 合计 row is checked
    against the sum of the rows) and counted in the manifest, never loaded.
    """
    text = frame.drop(columns="source_row").astype("string")
    first_cell = pd.Series(pd.NA, index=frame.index, dtype="string")
    for column in text.columns:  # leftmost non-empty cell, column by column
        first_cell = first_cell.fillna(text[column].mask(text[column].str.strip() == ""))
    summary = first_cell.fillna("").str.replace(r"\s", "", regex=True).str.startswith(SUMMARY_WORDS)
    summary = summary.astype(bool)
    return frame.loc[~summary].reset_index(drop=True), frame.loc[summary].reset_index(drop=True)
