"""Lists kept beside the townships' rosters, and what makes their rows usable.

- 单位职工名册: a unit's staff (县直单位 and other employers), whose own target is a share
  of them covered;
- 职工家属名册: family members a unit's staff declared, each linked to a staff member;
- 救助对象名单: civil affairs' hardship list (特困供养, 低保, ...), whose people the
  government pays for.

Rows are checked in pandas with pandera (the lists are small: thousands of rows, not
millions); every failed check is a reject with the column, the value and a reason in
Chinese, as for rosters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas import identity
from schemas.headers import ROSTER_HEADERS
from schemas.rejects import failure_cases, reasons_for, split_valid
from schemas.roster import (
    PROVINCE_PREFIXES,
    REASON_ID_CHECK,
    REASON_ID_FORMAT,
    REASON_ID_MISSING,
    REASON_ID_REGION,
    REASON_NAME_MISSING,
    township_reason,
)

_UNIT = ("单位", "单位名称", "工作单位", "所在单位", "部门")
_ID_SHAPE = r"^\d{17}[\dX]$"

STAFF_HEADERS: dict[str, tuple[str, ...]] = {
    "unit": _UNIT,
    "id_number": ROSTER_HEADERS["id_number"],
    "name": ROSTER_HEADERS["name"],
    "staff_type": ("人员类别", "人员类型", "职工类别", "身份类别", "编制类别", "人员身份"),
}
FAMILY_HEADERS: dict[str, tuple[str, ...]] = {
    "unit": _UNIT,
    "staff_name": ("职工姓名", "干部职工姓名"),
    "staff_id": ("职工身份证号", "职工身份证号码", "职工公民身份号码", "干部职工身份证号"),
    "name": ("家属姓名", "亲属姓名"),
    "id_number": ("家属身份证号", "家属身份证号码", "亲属身份证号", "家属公民身份号码"),
    "relation": ("与职工关系", "关系", "亲属关系", "与本人关系"),
}
HARDSHIP_HEADERS: dict[str, tuple[str, ...]] = {
    "township": ROSTER_HEADERS["township"],
    "village": ROSTER_HEADERS["village"],
    "name": ROSTER_HEADERS["name"],
    "id_number": ROSTER_HEADERS["id_number"],
    "category": ("救助类别", "对象类别", "困难类别", "救助对象类别", "资助类别", "类别"),
}

STAFF_TYPES = {
    "在编在岗": ("在编在岗", "在编", "在岗", "在职", "在编人员", "正式"),
    "临聘": ("临聘", "聘用", "临时聘用", "编外", "合同制", "临聘人员", "聘用人员"),
    "退休": ("退休", "离退休", "退休人员", "离休"),
}
_STAFF_TYPE_OF = {alias: kind for kind, aliases in STAFF_TYPES.items() for alias in aliases}

REASON_UNIT_MISSING = "单位为空"
REASON_STAFF_TYPE = f"人员类别无法识别（应为 {'、'.join(STAFF_TYPES)}，或不填）"
REASON_STAFF_ID = "职工身份证号不在本单位职工名册中，家属无法对应到职工"
REASON_CATEGORY = "救助类别无法识别"  # a reason made per value (category_reason)
REASON_TOWNSHIP = "township_unknown"  # a reason made per value (township_reason)
REASON_REPEAT = {
    "staff": "同一人在本单位职工名册中重复出现，只计一次",
    "family": "同一家属在本单位家属名册中重复出现，只计一次",
    "hardship": "同一人在救助对象名单中重复出现，只计一次",
}


def _id_checks(ids: pd.Series) -> dict[str, pd.Series]:
    """Each identity check's verdict per row (True: passes); a missing number passes all
    but the presence check (it is rejected once, as missing)."""
    shaped = ids.str.fullmatch(_ID_SHAPE).fillna(False).astype(bool)
    first17 = ids.where(shaped, "0" * 17).str.slice(0, 17)
    check_ok = identity.check_chars(first17).eq(ids.str.slice(17, 18)) | ~shaped
    region_ok = ids.str.slice(0, 2).isin(PROVINCE_PREFIXES) | ~shaped
    return {"format": shaped | ids.isna(), "check": check_ok, "region": region_ok}


class ListPersonModel(pa.DataFrameModel):
    """What every list shares: an identity number and a name, checked as for rosters."""

    source_row: Series[int]
    sheet: Series[pd.StringDtype] = pa.Field(nullable=True)
    id_number: Series[pd.StringDtype] = pa.Field(nullable=False)
    name: Series[pd.StringDtype] = pa.Field(nullable=False)

    @pa.check("id_number", error=REASON_ID_FORMAT)
    def id_format(cls, ids: Series[pd.StringDtype]) -> Series[bool]:
        return _id_checks(ids)["format"]

    @pa.check("id_number", error=REASON_ID_CHECK)
    def id_check(cls, ids: Series[pd.StringDtype]) -> Series[bool]:
        return _id_checks(ids)["check"]

    @pa.check("id_number", error=REASON_ID_REGION)
    def id_region(cls, ids: Series[pd.StringDtype]) -> Series[bool]:
        return _id_checks(ids)["region"]

    class Config:
        strict = False  # the raw text kept beside each checked column


class StaffModel(ListPersonModel):
    unit: Series[pd.StringDtype] = pa.Field(nullable=False)
    staff_type: Series[pd.StringDtype] = pa.Field(nullable=True)

    @pa.dataframe_check(error=REASON_STAFF_TYPE)
    def staff_type_known(cls, df: pd.DataFrame) -> Series[bool]:
        return df["staff_type"].notna() | df["staff_type_raw"].isna()


class FamilyModel(ListPersonModel):
    unit: Series[pd.StringDtype] = pa.Field(nullable=False)
    staff_id: Series[pd.StringDtype] = pa.Field(nullable=True)

    @pa.dataframe_check(error=REASON_STAFF_ID)
    def staff_listed(cls, df: pd.DataFrame) -> Series[bool]:
        return df["staff_listed"]


class HardshipModel(ListPersonModel):
    township: Series[pd.StringDtype] = pa.Field(nullable=False)
    category: Series[pd.StringDtype] = pa.Field(nullable=False)


@dataclass(frozen=True)
class ListSpec:
    """One kind of list: where it is dropped, its headers, how its rows are checked."""

    kind: str
    label: str  # as officials call it
    folder: str  # its folder in the campaign's drop zone
    headers: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    header_key: str  # the column whose alias marks the header row
    model: type[pa.DataFrameModel]
    frame_check_column: str  # a whole-row check's reject is filed under this column
    load_columns: tuple[str, ...]
    group: str | None  # rows of a later file replace an earlier one's per this column


STAFF = ListSpec(
    "staff", "单位职工名册", "单位职工", STAFF_HEADERS, ("unit", "id_number", "name"),
    "id_number", StaffModel, "staff_type",
    ("source_row", "sheet", "unit", "id_number", "name", "staff_type"), group="unit",
)  # fmt: skip
FAMILY = ListSpec(
    "family", "职工家属名册", "职工家属", FAMILY_HEADERS,
    ("unit", "staff_id", "id_number", "name"), "id_number", FamilyModel, "staff_id",
    ("source_row", "sheet", "unit", "staff_id", "id_number", "name", "relation"), group="unit",
)  # fmt: skip
HARDSHIP = ListSpec(
    "hardship", "救助对象名单", "救助对象", HARDSHIP_HEADERS,
    ("township", "id_number", "name", "category"), "id_number", HardshipModel, "category",
    ("source_row", "sheet", "township", "village", "id_number", "name", "category"), group=None,
)  # fmt: skip
LISTS = {spec.kind: spec for spec in (STAFF, FAMILY, HARDSHIP)}


@dataclass(frozen=True)
class ListRules:
    """What a list's rows are checked against: the campaign's names."""

    units: tuple[str, ...]  # declared units ([staff] units); empty: any unit name
    township_aliases: dict[str, str]
    townships: list[str]
    categories: dict[str, str]  # spelling -> 救助类别


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    text = frame[column].astype("string").str.strip()
    return text.mask(text == "")


def _unit_reason(units: tuple[str, ...]) -> Callable[[pd.Series], pd.Series]:
    def reason(names: pd.Series) -> pd.Series:
        def one(name) -> str:
            if name is None or pd.isna(name):
                return REASON_UNIT_MISSING
            return (
                township_reason(pd.Series([name]), list(units))
                .iloc[0]
                .replace("乡镇“", "单位“")
                .replace("不在本县乡镇名录中", "不在活动配置的单位名单（[staff] units）中")
            )

        return names.map({name: one(name) for name in names.unique()})

    return reason


def _category_reason(categories: dict[str, str]) -> Callable[[pd.Series], pd.Series]:
    known = "、".join(dict.fromkeys(categories.values()))

    def reason(values: pd.Series) -> pd.Series:
        return values.map(
            lambda v: "救助类别为空" if pd.isna(v) else f"救助类别“{v}”无法识别（应为 {known}）"
        )

    return reason


def check_list(spec: ListSpec, data: pd.DataFrame, rules: ListRules, staff_ids=None):
    """(valid rows, rejects) of one file's rows; ``staff_ids``: (unit, id_number) pairs of
    the staff rosters, that family rows are linked to."""
    prepared = pd.DataFrame(
        {
            "source_row": data["source_row"].astype("int64"),
            "sheet": _text(data, "sheet"),
            "id_number": identity.normalize(_text(data, "id_number")),
            "id_number_raw": _text(data, "id_number"),
            "name": _text(data, "name"),
        },
        index=data.index,
    )
    reasons: dict[str, dict] = {
        "id_number": {"not_nullable": REASON_ID_MISSING},
        "name": {"not_nullable": REASON_NAME_MISSING},
    }
    values = {"id_number": "id_number_raw"}
    if "unit" in spec.headers:
        unit = _text(data, "unit")
        prepared["unit_raw"] = unit
        known = unit.isin(rules.units) if rules.units else unit.notna()
        prepared["unit"] = unit.where(known)
        reasons["unit"] = {"not_nullable": _unit_reason(rules.units)}
        values["unit"] = "unit_raw"
    if spec.kind == "staff":
        raw = _text(data, "staff_type")
        prepared["staff_type_raw"] = raw
        prepared["staff_type"] = raw.map(_STAFF_TYPE_OF, na_action="ignore").astype("string")
        values["staff_type"] = "staff_type_raw"
    if spec.kind == "family":
        prepared["staff_id"] = identity.normalize(_text(data, "staff_id"))
        prepared["staff_id_raw"] = _text(data, "staff_id")
        prepared["relation"] = _text(data, "relation")
        pairs = pd.MultiIndex.from_frame(prepared[["unit", "staff_id"]].astype(object))
        listed = pairs.isin(staff_ids if staff_ids is not None else [])
        prepared["staff_listed"] = pd.Series(listed, index=prepared.index)
        values["staff_id"] = "staff_id_raw"
    if spec.kind == "hardship":
        township = _text(data, "township")
        prepared["township_raw"] = township
        prepared["township"] = township.map(rules.township_aliases).astype("string")
        category = _text(data, "category")
        prepared["category_raw"] = category
        prepared["category"] = category.map(rules.categories).astype("string")
        prepared["village"] = _text(data, "village")
        reasons["township"] = {
            "not_nullable": lambda names: township_reason(names, rules.townships)
        }
        reasons["category"] = {"not_nullable": _category_reason(rules.categories)}
        values.update(township="township_raw", category="category_raw")
    failures = failure_cases(spec.model, prepared)
    rejects = reasons_for(prepared, failures, reasons, values, spec.frame_check_column)
    valid, rejects = split_valid(prepared, rejects, list(spec.load_columns))
    return _without_repeats(spec, valid, rejects, prepared)


def _without_repeats(spec: ListSpec, valid: pd.DataFrame, rejects: pd.DataFrame, prepared):
    """The same person twice in a unit's list (or in the hardship list): the first counts,
    the others are rejects."""
    key = ["unit", "id_number"] if spec.group == "unit" else ["id_number"]
    repeated = valid.duplicated(key, keep="first")
    if not repeated.any():
        return valid, rejects
    again = valid[repeated]
    raw = prepared.set_index("source_row").loc[again["source_row"], "id_number_raw"]
    extra = pd.DataFrame(
        {
            "source_row": again["source_row"].to_numpy(),
            "column_name": "id_number",
            "value": raw.to_numpy(),
            "reason": REASON_REPEAT[spec.kind],
        }
    )
    rejects = pd.concat([rejects, extra.reindex(columns=rejects.columns)], ignore_index=True)
    rejects = rejects.sort_values(["source_row", "column_name"], kind="stable")
    return valid[~repeated].reset_index(drop=True), rejects.reset_index(drop=True)
