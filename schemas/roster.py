"""Person-level rosters (参保花名册): cleaning, the pandera model, and rejects.

`prepare_roster` turns the text a township typed into typed columns without
losing what was typed; `RosterModel` says what a loadable row is; every row
that fails is returned with the column, the value and a reason in Chinese.
"""

from __future__ import annotations

import difflib
import functools
from datetime import date

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas import identity
from schemas.rejects import duplicate_rejects, failure_cases, reasons_for, split_valid

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


def parse_dates(text: pd.Series) -> pd.Series:
    """Dates as townships write them: 2024-10-16, 2024/10/16, 2024年10月16日, 20241016, serials."""
    cleaned = (
        text.astype("string")
        .str.replace(r"[年月./]", "-", regex=True)
        .str.replace("日", "", regex=False)
        .str.replace(r"[ T].*$", "", regex=True)
    )
    parsed = pd.to_datetime(cleaned, format="%Y-%m-%d", errors="coerce")
    compact = cleaned.str.fullmatch(r"\d{8}").fillna(False)
    parsed = parsed.mask(
        compact, pd.to_datetime(cleaned.where(compact), format="%Y%m%d", errors="coerce")
    )
    serial = cleaned.str.fullmatch(r"\d{5}").fillna(False)
    days = pd.to_numeric(cleaned.where(serial), errors="coerce")
    parsed = parsed.mask(serial, pd.Timestamp("1899-12-30") + pd.to_timedelta(days, unit="D"))
    return parsed.astype("datetime64[ns]")


def upgrade_15_digit(ids: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Old 15-digit numbers become 18 characters (century 19 + check char), and which were."""
    old = ids.str.fullmatch(r"\d{15}").fillna(False)
    if old.any():
        first17 = ids[old].str.slice(0, 6) + "19" + ids[old].str.slice(6, 15)
        ids = ids.mask(old, identity.with_check_char(first17))
    return ids, old


def person_columns(raw: pd.DataFrame, aliases: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """(the text of every column, the prepared columns every person-level kind shares)."""
    text = raw.astype({c: "string" for c in raw.columns if c != "source_row"})
    ids, upgraded = upgrade_15_digit(identity.normalize(text["id_number"]))
    township_raw = text["township"].str.replace(r"\s", "", regex=True)
    return text, {
        "source_row": raw["source_row"].astype("int64"),
        "id_number": ids,
        "id_upgraded": upgraded.astype(bool),
        "name": text["name"].str.replace(r"\s", "", regex=True).mask(lambda s: s == ""),
        "township": township_raw.map(aliases).astype("string"),
        "township_raw": township_raw,
    }


def prepare_roster(raw: pd.DataFrame, aliases: dict[str, str]) -> pd.DataFrame:
    """Typed columns from text columns; the original text of checked fields is kept beside them."""
    text, person = person_columns(raw, aliases)
    blank = pd.Series(pd.NA, index=raw.index, dtype="string")
    return pd.DataFrame(
        {
            **person,
            "village": text.get("village", blank),
            "bought_on": parse_dates(text["bought_on"]),
            "bought_on_raw": text["bought_on"],
            "channel": text.get("channel", blank),
        }
    )


def _applicable_ids(ids: pd.Series) -> pd.Series:
    return ids.str.fullmatch(r"\d{17}[\dX]").fillna(False)


def id_format_ok(ids: pd.Series) -> pd.Series:
    excel = ids.str.contains("E+", regex=False).fillna(False)
    return _applicable_ids(ids) | ids.isna() | excel


def _check_char_matches(ids: pd.Series) -> pd.Series:
    ok = pd.Series(True, index=ids.index)
    valid_shape = _applicable_ids(ids)
    shaped = ids[valid_shape]
    ok[valid_shape] = (
        identity.check_chars(shaped.str.slice(0, 17)) == shaped.str.slice(17)
    ).to_numpy()
    return ok


def _excel_zeros(ids: pd.Series) -> pd.Series:
    return ids.str.endswith("000").fillna(False)


def id_check_ok(ids: pd.Series) -> pd.Series:
    return _check_char_matches(ids) | _excel_zeros(ids)


def id_not_truncated(ids: pd.Series) -> pd.Series:
    """A failed check on a number ending 000 is Excel's 15-digit limit, not a typo."""
    return _check_char_matches(ids) | ~_excel_zeros(ids)


def id_birth_ok(ids: pd.Series, as_of: date) -> pd.Series:
    births = pd.to_datetime(ids.str.slice(6, 14), format="%Y%m%d", errors="coerce")
    plausible = births.between(pd.Timestamp("1890-01-01"), pd.Timestamp(as_of))
    return plausible | ~_applicable_ids(ids)


def id_region_ok(ids: pd.Series) -> pd.Series:
    return ids.str.slice(0, 2).isin(PROVINCE_PREFIXES) | ~_applicable_ids(ids)


@functools.cache
def person_model(window_end: date) -> type[pa.DataFrameModel]:
    """What every person-level delivery shares: a checked identity number, a name, a township."""

    class PersonModel(pa.DataFrameModel):
        source_row: Series[int]
        id_number: Series[pd.StringDtype] = pa.Field(nullable=False)
        id_upgraded: Series[bool]
        name: Series[pd.StringDtype] = pa.Field(nullable=False)
        township: Series[pd.StringDtype] = pa.Field(nullable=False)
        township_raw: Series[pd.StringDtype] = pa.Field(nullable=True)
        village: Series[pd.StringDtype] = pa.Field(nullable=True)

        @pa.check("name", error=REASON_ID_IN_NAME)
        def no_id_in_name(cls, names: Series[str]) -> Series[bool]:
            return ~names.str.contains(_ID_DIGITS).fillna(False)

        @pa.check("village", error=REASON_ID_IN_VILLAGE)
        def no_id_in_village(cls, villages: Series[str]) -> Series[bool]:
            return ~villages.str.contains(_ID_DIGITS).fillna(False)

        @pa.check("id_number", error=REASON_EXCEL_NUMBER)
        def not_excel_number(cls, ids: Series[str]) -> Series[bool]:
            return ~ids.str.contains("E+", regex=False).fillna(False)

        @pa.check("id_number", error=REASON_ID_FORMAT)
        def id_format(cls, ids: Series[str]) -> Series[bool]:
            return id_format_ok(ids)

        @pa.check("id_number", error=REASON_EXCEL_TRUNCATED)
        def id_not_truncated(cls, ids: Series[str]) -> Series[bool]:
            return id_not_truncated(ids)

        @pa.check("id_number", error=REASON_ID_CHECK)
        def id_check(cls, ids: Series[str]) -> Series[bool]:
            return id_check_ok(ids)

        @pa.check("id_number", error=REASON_ID_BIRTH)
        def id_birth(cls, ids: Series[str]) -> Series[bool]:
            return id_birth_ok(ids, window_end)

        @pa.check("id_number", error=REASON_ID_REGION)
        def id_region(cls, ids: Series[str]) -> Series[bool]:
            return id_region_ok(ids)

        class Config:
            strict = True
            coerce = True

    return PersonModel


@functools.cache
def build_model(window_start: date, window_end: date) -> type[pa.DataFrameModel]:
    """The 惠民保 roster model for one campaign window (purchase dates inside it)."""
    start, end = pd.Timestamp(window_start), pd.Timestamp(window_end)

    class RosterModel(person_model(window_end)):
        bought_on: Series[pd.Timestamp] = pa.Field(nullable=False)
        bought_on_raw: Series[pd.StringDtype] = pa.Field(nullable=True)
        channel: Series[pd.StringDtype] = pa.Field(nullable=True)

        @pa.check("bought_on", error=REASON_DATE_OUTSIDE)
        def in_window(cls, dates: Series[pd.Timestamp]) -> Series[bool]:
            return dates.between(start, end) | dates.isna()

    return RosterModel


ROSTER_COLUMNS = [
    "source_row", "id_number", "id_upgraded", "name", "township", "village", "bought_on", "channel",
]  # fmt: skip


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
    """Reasons for the checks every person-level kind shares."""
    return {
        "id_number": {"not_nullable": REASON_ID_MISSING},
        "name": {"not_nullable": REASON_NAME_MISSING},
        "township": {"not_nullable": lambda values: township_reason(values, townships)},
    }


def validate_roster(
    prepared: pd.DataFrame, *, window_start: date, window_end: date, townships: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a prepared roster into loadable rows and rejects (row, column, value, reason)."""
    failures = failure_cases(build_model(window_start, window_end), prepared)
    reasons = {**id_reasons(townships), "bought_on": {"not_nullable": REASON_DATE_INVALID}}
    values = {"township": "township_raw", "bought_on": "bought_on_raw"}
    rejects = reasons_for(prepared, failures, reasons, values, frame_check_column="id_number")
    rejects = pd.concat(
        [rejects, duplicate_rejects(prepared, rejects, REASON_DUPLICATE)], ignore_index=True
    )
    return split_valid(prepared, rejects, ROSTER_COLUMNS)
