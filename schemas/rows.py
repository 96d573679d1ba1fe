"""Rows that are not data: 合计 / 小计 / 备注 lines under a township's table."""

from __future__ import annotations

import pandas as pd

SUMMARY_WORDS = ("合计", "小计", "总计", "备注", "说明", "填表人", "制表", "审核", "负责人")
# Where a row says which row of the file it is; never data.
ROW_KEYS = ("source_row", "sheet")
# The column that makes a row a person or a village: an identity number in a roster or a
# register, the village in village counts, the township in a base table (first one present).
SUBJECT_COLUMNS = ("id_number", "village", "township")


def _starts_with_summary_word(text: pd.Series) -> pd.Series:
    cleaned = text.astype("string").fillna("").str.replace(r"\s", "", regex=True)
    return cleaned.str.startswith(SUMMARY_WORDS).astype(bool)


def split_summary_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(data rows, summary rows): a summary row carries no person or village and its
    leftmost non-empty cell starts with 合计, 备注 etc.

    The data columns decide, not the first cell: “备注：已核实” typed in the 序号 cell of a
    row with an identity number is still that person. Summary rows are kept aside (a 合计
    row is checked against the sum of the rows) and counted in the manifest, never loaded.
    """
    text = frame.drop(columns=[c for c in ROW_KEYS if c in frame]).astype("string")
    first_cell = pd.Series(pd.NA, index=frame.index, dtype="string")
    for column in text.columns:  # leftmost non-empty cell, column by column
        first_cell = first_cell.fillna(text[column].mask(text[column].str.strip() == ""))
    summary = _starts_with_summary_word(first_cell)
    subject = next((c for c in SUBJECT_COLUMNS if c in text), None)
    if subject is not None:
        value = text[subject].fillna("").str.strip()
        carries_data = value.ne("") & ~_starts_with_summary_word(value)
        summary &= ~carries_data.astype(bool)
    return frame.loc[~summary].reset_index(drop=True), frame.loc[summary].reset_index(drop=True)
