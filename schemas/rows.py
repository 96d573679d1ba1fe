"""Rows that are not data: 合计 / 小计 / 备注 lines under a township's table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SUMMARY_WORDS = ("合计", "小计", "总计", "备注", "说明", "填表人", "制表", "审核", "负责人")
# Where a row says which row of the file it is; never data.
ROW_KEYS = ("source_row", "sheet", "pos")
# The column that makes a row a person or a village: an identity number in a roster or a
# register, the village in village counts, the township in a base table (first one present).
SUBJECT_COLUMNS = ("id_number", "village", "township")
# Every character Python's str.isspace() knows, for RE2 (DuckDB, Arrow), whose \s is ASCII.
WHITESPACE = (
    r"[\s\x{0b}\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
# a summary word at the start, whitespace allowed anywhere in it (“合 计”)
_SUMMARY_START = (
    f"^{WHITESPACE}*(" + "|".join(f"{WHITESPACE}*".join(word) for word in SUMMARY_WORDS) + ")"
)


def _starts_with_summary_word(text: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray:
    return pc.match_substring_regex(pc.fill_null(text, ""), _SUMMARY_START)


def summary_mask(table: pa.Table) -> pa.ChunkedArray:
    """True for a summary row: it carries no person or village and its leftmost non-empty
    cell starts with 合计, 备注 etc.

    The data columns decide, not the first cell: “备注：已核实” typed in the 序号 cell of a
    row with an identity number is still that person. Summary rows are kept aside (a 合计
    row is checked against the sum of the rows) and counted in the manifest, never loaded.
    """
    texts = [name for name in table.column_names if name not in ROW_KEYS]
    if table.num_rows == 0 or not texts:
        return pa.chunked_array([pa.array([False] * table.num_rows, type=pa.bool_())])
    rows = table
    subject = next((c for c in SUBJECT_COLUMNS if c in texts), None)
    if subject is not None:  # a row whose person or village is written is data: most rows
        value = pc.utf8_trim_whitespace(pc.fill_null(table[subject], ""))
        carries_data = pc.and_(pc.not_equal(value, ""), pc.invert(_starts_with_summary_word(value)))
        candidates = pc.indices_nonzero(pc.invert(carries_data))
        rows = table.take(candidates)
    blanks = [
        pc.if_else(pc.equal(pc.utf8_trim_whitespace(rows[name]), ""), None, rows[name])
        for name in texts
    ]
    summary = pc.fill_null(_starts_with_summary_word(pc.coalesce(*blanks)), False)
    if subject is None:
        return summary
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[candidates.to_numpy()] = summary.to_numpy(zero_copy_only=False)
    return pa.chunked_array([pa.array(mask)])


def split_summary_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(data rows, summary rows) of a pandas frame (see summary_mask)."""
    text = frame.astype({c: "string" for c in frame.columns if c not in ROW_KEYS})
    table = pa.Table.from_pandas(text, preserve_index=False)
    summary = summary_mask(table).to_numpy(zero_copy_only=False).astype(bool)
    return frame.loc[~summary].reset_index(drop=True), frame.loc[summary].reset_index(drop=True)
