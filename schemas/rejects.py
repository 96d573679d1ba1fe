"""From pandera's failure cases to rejects a township can act on: row, column, value, reason."""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd
import pandera.pandas as pa

REJECT_COLUMNS = ["source_row", "column_name", "value", "reason"]
# a run of digits as long as an identity number: someone's number where it does not belong
ID_RUN = re.compile(r"\d{14,}[\dXx]")


def _masked_run(match: re.Match) -> str:
    return "*" * (len(match[0]) - 4) + match[0][-4:]


def mask_id_runs(text: str) -> str:
    """Every identity-number-long run of digits in ``text`` masked, last four kept."""
    return ID_RUN.sub(_masked_run, text)


Reason = str | Callable[[pd.Series], pd.Series]


def failure_cases(model: type[pa.DataFrameModel], prepared: pd.DataFrame) -> pd.DataFrame:
    """Every failed (column, check, row) of a lazy validation; schema-level failures raise."""
    try:
        model.validate(prepared, lazy=True)
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases
        if failures["index"].isna().any():  # a wrong schema is a bug, not a bad row
            raise
        return failures
    return pd.DataFrame({"schema_context": [], "column": [], "check": [], "index": []})


def reasons_for(
    prepared: pd.DataFrame,
    failures: pd.DataFrame,
    reasons: dict[str, dict[str, Reason]],
    value_columns: dict[str, str],
    frame_check_column: str,
) -> pd.DataFrame:
    """One reject per failed check: checks with an `error=` text carry their own reason."""
    parts = []
    # a frame-wide check fails every column of a row: file it once, under one column
    on_frame = failures["schema_context"].eq("DataFrameSchema")
    failures = failures.assign(column=failures["column"].where(~on_frame, frame_check_column))
    failures = failures.drop_duplicates(["column", "check", "index"])
    for (column, check), group in failures.groupby(["column", "check"], sort=False):
        index = group["index"].astype("int64").to_numpy()
        value_column = value_columns.get(column, column)
        values = prepared.loc[index, value_column].astype("string")
        reason = reasons.get(column, {}).get(check, check)
        if callable(reason):
            reason = reason(values)
        parts.append(
            pd.DataFrame({"index": index, "column_name": column, "value": values, "reason": reason})
        )
    if not parts:
        return pd.DataFrame({"index": [], "column_name": [], "value": [], "reason": []})
    return pd.concat(parts, ignore_index=True)


def split_valid(
    prepared: pd.DataFrame, rejects: pd.DataFrame, keep: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows with no reject, rejects by file row): a row is loaded whole or not at all."""
    bad = prepared.index.isin(rejects["index"])
    # rows run together hold other people's identity numbers in a name: shown masked
    masked = rejects["value"].astype("string").str.replace(ID_RUN.pattern, _masked_run, regex=True)
    rejects = rejects.assign(
        value=masked.where(rejects["column_name"].ne("id_number"), rejects["value"])
    )
    valid = prepared.loc[~bad, keep].reset_index(drop=True)
    rejects = rejects.merge(prepared[["source_row"]], left_on="index", right_index=True)
    rejects = rejects.sort_values(["source_row", "column_name"], kind="stable")
    return valid, rejects.reset_index(drop=True)[REJECT_COLUMNS]
