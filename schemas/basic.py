"""Basic-insurance (全民参保) deliveries: village counts and the person register.

Village counts (村级汇总): one row per village with registered population (户籍人口),
enrolled locally (本地参保), enrolled elsewhere (异地参保) and lapsed (断缴).
Person register (花名册): one row per registered person with scheme, place of
enrollment, payment date and whether the person paid last year.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from datetime import date

import pandas as pd
import pandera.ibis as pa_ibis
import pandera.pandas as pa
from pandera.typing import Series

from schemas.persons import PersonSpec
from schemas.rejects import failure_cases, reasons_for, split_valid
from schemas.roster import (
    ID_CHECKS,
    REASON_DUPLICATE,
    id_reasons,
    person_model,
    township_reason,
)

COUNT_FIELDS = ("registered", "enrolled_local", "enrolled_elsewhere", "lapsed")
COUNT_LABELS = {
    "village": "村(居)",
    "registered": "户籍人口",
    "enrolled_local": "本地参保",
    "enrolled_elsewhere": "异地参保",
    "lapsed": "断缴",
}
# No village or community holds more people; DuckDB's integer columns hold every count below.
MAX_VILLAGE_COUNT = 100_000_000
REASON_NOT_COUNT = "应为非负整数"
REASON_COUNT_TOO_LARGE = "人数超过1亿，超出一个村(居)的合理范围，请核对"
REASON_ENROLLED_ABOVE = "本地参保与异地参保之和大于户籍人口"
REASON_VILLAGE_MISSING = "村(居)名称为空"

SCHEMES = ("职工医保", "居民医保")
PLACES = ("本地", "异地")
YES, NO = ("是", "已缴", "已缴费", "Y", "1"), ("否", "未缴", "未缴费", "N", "0")
REASON_PLACE = "参保地应为“本地”或“异地”"
REASON_SCHEME = "险种应为“职工医保”或“居民医保”"
REASON_LAST_YEAR = "上年是否缴费应为“是”或“否”"
REASON_PAID_WITHOUT_PLACE = "有缴费日期但参保地为空（或有参保地但缴费日期为空）"


# --- village counts ------------------------------------------------------------------------


def parse_counts(text: pd.Series) -> pd.Series:
    """'1,234' / '１，２３４' / '1234.0' / ' 12 ' -> integers; anything else -> NA.

    Full-width digits and commas are the digits an official typed (NFKC, as identity numbers
    are normalised). A number too long for any integer is kept as one beyond every bound, so
    that the model rejects it as too large, with its text as typed beside it.
    """
    cleaned = (
        text.astype("string")
        .str.normalize("NFKC")
        .str.replace(r"[,\s]", "", regex=True)
        .str.replace(r"\.0+$", "", regex=True)
    )
    integer = cleaned.str.fullmatch(r"-?[0-9]+").fillna(False)
    too_long = integer & cleaned.str.lstrip("-").str.lstrip("0").str.len().gt(18)
    numbers = pd.to_numeric(cleaned.where(integer & ~too_long)).astype("Int64")
    beyond = cleaned.str.startswith("-").map({True: -(10**18), False: 10**18})
    return numbers.mask(too_long, beyond.astype("Int64"))


def prepare_counts(
    raw: pd.DataFrame, aliases: dict[str, str] | None = None, township: str | None = None
) -> pd.DataFrame:
    """Typed counts beside their text; each row's township from its 乡镇 cell, else `township`
    (the one the file name gives)."""
    text = raw.astype({c: "string" for c in raw.columns if c != "source_row"})
    blank = pd.Series(pd.NA, index=raw.index, dtype="string")
    written = text.get("township", blank).str.replace(r"\s", "", regex=True).mask(lambda s: s == "")
    prepared = pd.DataFrame(
        {
            "source_row": raw["source_row"].astype("int64"),
            "township": written.map(aliases or {}).astype("string").mask(written.isna(), township),
            "township_raw": written,
            "village": text["village"].str.replace(r"\s", "", regex=True).mask(lambda s: s == ""),
        }
    )
    for field in COUNT_FIELDS:
        column = text.get(field, pd.Series("0", index=raw.index, dtype="string"))
        prepared[field] = parse_counts(column)
        prepared[f"{field}_raw"] = column
    return prepared


def _count_field():
    return pa.Field(nullable=False, ge=0, le=MAX_VILLAGE_COUNT)


@functools.cache
def counts_model() -> type[pa.DataFrameModel]:
    class VillageCountsModel(pa.DataFrameModel):
        source_row: Series[int]
        township: Series[pd.StringDtype] = pa.Field(nullable=False)
        township_raw: Series[pd.StringDtype] = pa.Field(nullable=True)
        village: Series[pd.StringDtype] = pa.Field(nullable=False)
        registered: Series[pd.Int64Dtype] = _count_field()
        enrolled_local: Series[pd.Int64Dtype] = _count_field()
        enrolled_elsewhere: Series[pd.Int64Dtype] = _count_field()
        lapsed: Series[pd.Int64Dtype] = _count_field()
        registered_raw: Series[pd.StringDtype] = pa.Field(nullable=True)
        enrolled_local_raw: Series[pd.StringDtype] = pa.Field(nullable=True)
        enrolled_elsewhere_raw: Series[pd.StringDtype] = pa.Field(nullable=True)
        lapsed_raw: Series[pd.StringDtype] = pa.Field(nullable=True)

        @pa.dataframe_check(error=REASON_ENROLLED_ABOVE)
        def enrolled_within_registered(cls, df: pd.DataFrame) -> Series[bool]:
            total = df["enrolled_local"] + df["enrolled_elsewhere"]
            return (total <= df["registered"]).fillna(True)

        class Config:
            strict = True
            coerce = True

    return VillageCountsModel


def validate_counts(
    prepared: pd.DataFrame, townships: Sequence[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid village rows, rejects): counts must be non-negative integers a village can hold,
    within its population, of a township of the county."""
    count_reasons = {
        "not_nullable": REASON_NOT_COUNT,
        "greater_than_or_equal_to(0)": REASON_NOT_COUNT,
        f"less_than_or_equal_to({MAX_VILLAGE_COUNT})": REASON_COUNT_TOO_LARGE,
    }
    reasons = {
        "township": {"not_nullable": lambda values: township_reason(values, list(townships))},
        "village": {"not_nullable": REASON_VILLAGE_MISSING},
        **{field: count_reasons for field in COUNT_FIELDS},
    }
    values = {"township": "township_raw", **{f: f"{f}_raw" for f in COUNT_FIELDS}}
    failures = failure_cases(counts_model(), prepared)
    rejects = reasons_for(prepared, failures, reasons, values, frame_check_column="registered")
    return split_valid(prepared, rejects, ["source_row", "township", "village", *COUNT_FIELDS])


def reconcile_total(valid: pd.DataFrame, summary: pd.DataFrame) -> list[str]:
    """Compare a stated 合计 row with the sum of the loaded rows; the sum is what counts."""
    if summary.empty:
        return []
    stated_row = summary[
        summary.drop(columns="source_row")
        .astype("string")
        .apply(lambda col: col.str.contains("合计", na=False))
        .any(axis=1)
    ]
    if stated_row.empty:
        return []
    stated_row = stated_row.iloc[[0]]
    messages = []
    for field in COUNT_FIELDS:
        if field not in stated_row:
            continue
        stated = parse_counts(stated_row[field]).iloc[0]
        actual = int(valid[field].sum())
        if pd.notna(stated) and int(stated) != actual:
            messages.append(
                f"第{int(stated_row['source_row'].iloc[0])}行合计的{COUNT_LABELS[field]}为"
                f" {int(stated)}，各行之和为 {actual}，以各行之和为准"
            )
    return messages


# --- person register -------------------------------------------------------------------------


@functools.cache
def register_model(window_start: date, window_end: date) -> type:
    """A person register: the identity checks, plus scheme, place and last year's payment.
    (``window_start`` is unused: a payment date may fall before the campaign window.)"""

    class PersonRegisterModel(person_model(window_end)):
        scheme: str = pa_ibis.Field(nullable=True)
        place: str = pa_ibis.Field(nullable=True)
        paid_on: datetime.date = pa_ibis.Field(nullable=True)
        paid_on_raw: str = pa_ibis.Field(nullable=True)
        paid_last_year: bool = pa_ibis.Field(nullable=True)
        paid_last_year_raw: str = pa_ibis.Field(nullable=True)
        exemption: str = pa_ibis.Field(nullable=True)
        exemption_raw: str = pa_ibis.Field(nullable=True)

        @pa_ibis.dataframe_check(error=REASON_EXEMPTION)
        def exemption_read(cls, data):
            table = data.table
            return table.exemption.notnull() | table.exemption_raw.isnull()

        @pa_ibis.check("paid_last_year", error=REASON_LAST_YEAR, ignore_na=False)
        def last_year_read(cls, data):
            return data.table[data.key].notnull()

        @pa_ibis.check("scheme", error=REASON_SCHEME)
        def known_scheme(cls, data):
            return data.table[data.key].isin(SCHEMES)

        @pa_ibis.check("place", error=REASON_PLACE)
        def known_place(cls, data):
            return data.table[data.key].isin(PLACES)

        @pa_ibis.dataframe_check(error=REASON_PAID_WITHOUT_PLACE)
        def place_and_date_together(cls, data):
            table = data.table
            has_date = table.paid_on.notnull() | (table.paid_on_raw.fill_null("").strip() != "")
            return has_date == table.place.notnull()

    return PersonRegisterModel


REGISTER_COLUMNS = (
    "source_row", "id_number", "id_upgraded", "name", "township", "village", "scheme", "place",
    "paid_on", "paid_last_year", "exemption",
)  # fmt: skip
# what a year of a register's history may say: the scheme insured under, or none
HISTORY_ANSWERS = {
    **dict.fromkeys(
        ("居民", "居民医保", "城乡居民", "城乡居民医保", "城乡居民基本医疗保险"), "居民"
    ),
    **dict.fromkeys(("职工", "职工医保", "城镇职工", "职工基本医疗保险"), "职工"),
    **dict.fromkeys(("未参保", "未缴费", "未缴", "否", "无", "断缴", "/", "-", "—"), "未参保"),
}
# the groups spared the waiting period (闽政办〔2025〕3号 二(三)), and how registers write them
EXEMPTIONS = {
    **dict.fromkeys(("新生儿", "当年出生", "新生儿童"), "新生儿"),
    **dict.fromkeys(("医疗救助对象", "医疗救助", "救助对象"), "医疗救助对象"),
    **dict.fromkeys(
        ("退役军人", "当年退役军人", "退出现役军人", "当年退出现役的军人"), "当年退出现役的军人"
    ),
    **dict.fromkeys(("否", "无", "/", "-", "—"), ""),
}
REASON_EXEMPTION = "特殊群体无法识别（应为 新生儿、医疗救助对象、当年退出现役的军人，或不填）"
# what 上年是否缴费 may say
LAST_YEAR_ANSWERS = {**dict.fromkeys(YES, True), **dict.fromkeys(NO, False)}

REGISTER = PersonSpec(
    sql="register",
    text_columns=(
        "id_number", "name", "township", "village", "scheme", "place", "paid_on",
        "paid_last_year", "exemption",
    ),
    model=register_model,
    reasons=id_reasons,
    value_columns={
        "township": "township_raw",
        "paid_on": "paid_on_raw",
        "paid_last_year": "paid_last_year_raw",
        "exemption": "exemption_raw",
    },
    frame_check_columns={
        **ID_CHECKS, REASON_PAID_WITHOUT_PLACE: "place", REASON_EXEMPTION: "exemption",
    },
    load_columns=REGISTER_COLUMNS,
    duplicate_reason=REASON_DUPLICATE,
    own_township_only=True,
    lookups={"history_answers": HISTORY_ANSWERS, "exemptions": EXEMPTIONS},
    history=True,
)  # fmt: skip
