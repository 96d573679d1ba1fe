"""Person-level rosters (参保花名册): the pandera models and the reasons of their rejects.

sql/ingest/roster.sql types the text a township typed without losing it; `RosterModel`
(pandera's Ibis backend, on the DuckDB table) says what a loadable row is; schemas/persons
turns every failed check into a reject with the column, the value and a reason in Chinese.
`person_model` holds what rosters and registers share.
"""

from __future__ import annotations

import datetime
import difflib
import functools
from datetime import date

import ibis
import pandas as pd
import pandera.ibis as pa

from schemas.persons import PersonSpec

# Province-level prefixes of GB/T 2260 address codes.
_PROVINCE_RANGES = ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65), (71, 71), (81, 82))
PROVINCE_PREFIXES = frozenset(str(c) for lo, hi in _PROVINCE_RANGES for c in range(lo, hi + 1))

REASON_EXCEL_NUMBER = (
    "身份证号被Excel转成了数字（科学计数法），后几位已丢失；请将该列设为文本后重新导出"
)
REASON_EXCEL_TRUNCATED = (
    "身份证号末尾为000且校验不通过，疑似被Excel截断（第15位以后变成了0）；"
    "请将该列设为文本后重新导出"
)
REASON_ID_FORMAT = "身份证号应为18位（前17位为数字，最后一位为数字或X）"
REASON_ID_CHECK = "身份证号校验位错误（最后一位与前17位不符），请核对号码"
REASON_ID_BIRTH = "身份证号中的出生日期不存在或晚于活动截止日期"
REASON_ID_REGION = "身份证号前两位不是有效的省级行政区划代码"
REASON_ID_MISSING = "身份证号为空"
REASON_NAME_MISSING = "姓名为空"
REASON_TOWNSHIP_UNKNOWN = "township_unknown"  # a reason made per name (township_reason)
REASON_DATE_INVALID = "投保日期无法识别（应如 2024-10-16）"
REASON_DATE_OUTSIDE = "投保日期不在本次参保活动期内"
REASON_DUPLICATE = "同一人在本文件中重复出现，只计一次"
REASON_ID_IN_NAME = (
    "姓名中含有身份证号，疑似几行被合成了一行（如CSV中多了一个引号），请核对原文件中此行及其后几行"
)
REASON_ID_IN_VILLAGE = (
    "村(居)中含有身份证号，疑似几行被合成了一行（如CSV中多了一个引号），"
    "请核对原文件中此行及其后几行"
)
# 15 digits in a row: an identity number (old or new) where a name belongs
_ID_DIGITS = r"\d{15}"


def _column(data) -> ibis.Column:
    return data.table[data.key]


def _applicable(table: ibis.Table) -> ibis.Column:
    """Shaped like an 18-character number (17 digits, then a digit or X): the other identity
    checks apply. sql/ingest/ computes its check character only then."""
    return table.id_check_char.notnull()


def _excel_number(ids: ibis.Column) -> ibis.Column:
    return ids.contains("E+").fill_null(False)


def _excel_zeros(ids: ibis.Column) -> ibis.Column:
    return ids.endswith("000").fill_null(False)


def _check_char_matches(table: ibis.Table) -> ibis.Column:
    """MOD 11-2 (GB 11643-1999, the macro id_check_char) on numbers of the right shape."""
    return ~_applicable(table) | (table.id_number.substr(17, 1) == table.id_check_char)


def _present(data) -> ibis.Column:
    return _column(data).notnull()


@functools.cache
def person_model(window_end: date) -> type[pa.DataFrameModel]:
    """What every person-level delivery shares: a checked identity number, a name, a township.

    Checks run on the typed table in DuckDB (sql/ingest/); a missing value is a check of its
    own (ignore_na=False) so that its row is named like any other.
    """
    latest_birth = ibis.literal(window_end)

    class PersonModel(pa.DataFrameModel):
        pos: int
        sheet: str = pa.Field(nullable=True)
        source_row: int
        id_number: str = pa.Field(nullable=True)
        id_check_char: str = pa.Field(nullable=True)  # typed by sql/ingest/ from the number
        id_birth: datetime.date = pa.Field(nullable=True)
        id_upgraded: bool
        name: str = pa.Field(nullable=True)
        township: str = pa.Field(nullable=True)
        township_raw: str = pa.Field(nullable=True)
        village: str = pa.Field(nullable=True)

        @pa.check("id_number", error=REASON_ID_MISSING, ignore_na=False)
        def id_present(cls, data) -> ibis.Column:
            return _present(data)

        @pa.check("name", error=REASON_NAME_MISSING, ignore_na=False)
        def name_present(cls, data) -> ibis.Column:
            return _present(data)

        @pa.check("township", error=REASON_TOWNSHIP_UNKNOWN, ignore_na=False)
        def township_known(cls, data) -> ibis.Column:
            return _present(data)

        @pa.check("name", error=REASON_ID_IN_NAME)
        def no_id_in_name(cls, data) -> ibis.Column:
            return ~_column(data).re_search(_ID_DIGITS)

        @pa.check("village", error=REASON_ID_IN_VILLAGE)
        def no_id_in_village(cls, data) -> ibis.Column:
            return ~_column(data).re_search(_ID_DIGITS)

        @pa.check("id_number", error=REASON_EXCEL_NUMBER)
        def not_excel_number(cls, data) -> ibis.Column:
            return ~_excel_number(_column(data))

        # checks that read the facts sql/ingest/ typed beside the number: whole-row checks,
        # filed under id_number (ID_CHECKS)
        @pa.dataframe_check(error=REASON_ID_FORMAT)
        def id_format(cls, data) -> ibis.Column:
            ids = data.table.id_number  # a missing number is its own reject (id_present)
            return _applicable(data.table) | _excel_number(ids) | ids.isnull()

        @pa.dataframe_check(error=REASON_EXCEL_TRUNCATED)
        def id_not_truncated(cls, data) -> ibis.Column:
            return _check_char_matches(data.table) | ~_excel_zeros(data.table.id_number)

        @pa.dataframe_check(error=REASON_ID_CHECK)
        def id_check(cls, data) -> ibis.Column:
            return _check_char_matches(data.table) | _excel_zeros(data.table.id_number)

        @pa.dataframe_check(error=REASON_ID_BIRTH)
        def id_birth_plausible(cls, data) -> ibis.Column:
            births = data.table.id_birth
            plausible = births.between(ibis.date(1890, 1, 1), latest_birth).fill_null(False)
            return plausible | ~_applicable(data.table)

        @pa.dataframe_check(error=REASON_ID_REGION)
        def id_region(cls, data) -> ibis.Column:
            region = data.table.id_number.substr(0, 2).isin(sorted(PROVINCE_PREFIXES))
            return region | ~_applicable(data.table)

        class Config:
            strict = True

    return PersonModel


@functools.cache
def build_model(window_start: date, window_end: date) -> type[pa.DataFrameModel]:
    """The 惠民保 roster model for one campaign window (purchase dates inside it)."""

    class RosterModel(person_model(window_end)):
        bought_on: datetime.date = pa.Field(nullable=True)
        bought_on_raw: str = pa.Field(nullable=True)
        channel: str = pa.Field(nullable=True)

        @pa.check("bought_on", error=REASON_DATE_INVALID, ignore_na=False)
        def date_read(cls, data) -> ibis.Column:
            return _present(data)

        @pa.check("bought_on", error=REASON_DATE_OUTSIDE)
        def in_window(cls, data) -> ibis.Column:
            return _column(data).between(window_start, window_end)

    return RosterModel


# the whole-row checks of person_model, each filed under the identity number
ID_CHECKS = dict.fromkeys(
    (REASON_ID_FORMAT, REASON_EXCEL_TRUNCATED, REASON_ID_CHECK, REASON_ID_BIRTH, REASON_ID_REGION),
    "id_number",
)

ROSTER_COLUMNS = (
    "source_row", "id_number", "id_upgraded", "name", "township", "village", "bought_on", "channel",
)  # fmt: skip


def township_reason(raw_names: pd.Series, known: list[str]) -> pd.Series:
    """乡镇“龙律镇”不在本县乡镇名录中，是否为“龙津镇”？ (closest known name suggested)."""

    def one(raw_name: object) -> str:
        if raw_name is None or pd.isna(raw_name) or raw_name == "":
            return "乡镇为空"
        close = difflib.get_close_matches(str(raw_name), known, n=1, cutoff=0.3)
        hint = f"，是否为“{close[0]}”？" if close else ""
        return f"乡镇“{raw_name}”不在本县乡镇名录中{hint}"

    # one suggestion per distinct name, not per row
    return raw_names.map({name: one(name) for name in raw_names.unique()})


def id_reasons(townships: list[str]) -> dict:
    """Reasons for the checks every person-level kind shares: the township's names the
    closest one of the county."""
    return {"township": {REASON_TOWNSHIP_UNKNOWN: lambda names: township_reason(names, townships)}}


ROSTER = PersonSpec(
    sql="roster",
    text_columns=("id_number", "name", "township", "village", "bought_on", "channel"),
    model=build_model,
    reasons=id_reasons,
    value_columns={"township": "township_raw", "bought_on": "bought_on_raw"},
    frame_check_columns=ID_CHECKS,
    load_columns=ROSTER_COLUMNS,
    duplicate_reason=REASON_DUPLICATE,
)
