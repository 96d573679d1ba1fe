"""What personal data may be shown in the files that leave the bureau: the masking rules.

A rejected cell is shown so that a township can find it, but a cell is rejected exactly
when it is not what its column should hold: an identity number typed under 乡镇, a name
shifted into the next column. So values are masked by what they look like as well as by
the column they sit in, and wherever they are quoted (a reason embeds the value it
rejects). Every people-facing frame goes through ``rejects_for_people`` or
``conflicts_for_people`` once; the writers and templates only print.
"""

from __future__ import annotations

import re

import pandas as pd

from schemas.headers import CANONICAL_LABELS

ID_COLUMNS = frozenset({"id_number", "staff_id"})
NAME_COLUMNS = frozenset({"name", "staff_name"})

_DIGIT = "0-9\uff10-\uff19"  # ASCII and full-width digits
_SEPARATOR = " \u3000\u00a0\\-"  # spaces (also ideographic, no-break) and hyphens inside
# 15 or more digits, single separators allowed between them, an optional check letter X:
# the 15- and 18-digit numbers in every spelling a sheet gives them (bank cards too)
ID_LIKE = re.compile(rf"[{_DIGIT}](?:[{_SEPARATOR}]?[{_DIGIT}]){{14,}}(?:[{_SEPARATOR}]?[xXｘＸ])?")
# what Excel shows for an 18-digit number held as a number: 3.50423196007278E+17
EXCEL_FLOAT_ID = re.compile(rf"([{_DIGIT}][.．])([{_DIGIT}]+)([eEｅＥ][+＋]?1[4-7])")
_MASKABLE = re.compile(rf"[{_DIGIT}xXｘＸ]")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# a Chinese personal name: 2 to 4 characters, or longer with a middle dot (阿依古丽·买买提)
NAME_LIKE = re.compile(rf"[{_HAN}]{{2,4}}|[{_HAN}]+(?:[·•・.．][{_HAN}]+)+")
# words that look like a name but are places or the answers the columns expect
PLACE_SUFFIXES = (
    "镇",
    "乡",
    "村",
    "街道",
    "社区",
    "居委会",
    "村委会",
    "区",
    "县",
    "市",
    "场",
    "园",
    # units that keep staff rosters (县财政局, 县总医院, 县融媒体中心 ...)
    "局",
    "院",
    "中心",
    "办",
    "委",
    "站",
    "所",
    "校",
    "馆",
    "队",
    "公司",
    "厂",
)
COMMON_WORDS = frozenset(
    {
        "本地", "异地", "外地", "职工医保", "居民医保", "职工", "居民", "合计", "小计", "总计",
        "备注", "未参保", "已参保", "断缴", "已缴", "未缴", "缴费", "未缴费", "已缴费", "微信",
        "支付宝", "现金", "银行", "代缴", "线上", "线下", "身份证号", "姓名", "乡镇", "村居",
        "投保日期", "缴费日期", "缴费方式", "参保地", "险种", "上年是否缴费", "户籍人口",
        "本地参保", "异地参保", "断缴人数", "基数", "序号", "空白", "不详", "无",
    }
)  # fmt: skip
_QUOTED = re.compile(r"“([^”]*)”")


def _text(value: object) -> str:
    missing = value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))
    return "" if missing else str(value)


def mask_id(value: object) -> str:
    """First 6 and last 4 characters of an identity number; the rest hidden."""
    text = _text(value)
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_name(value: object) -> str:
    """Surname kept, the rest hidden: 张三丰 -> 张**."""
    text = _text(value)
    return text[:1] + "*" * (len(text) - 1)


def _mask_id_match(match: re.Match) -> str:
    """Digits past the first 6 and before the last 4 hidden; separators stay where typed."""
    text = match.group(0)
    places = [i for i, ch in enumerate(text) if _MASKABLE.fullmatch(ch)]
    hidden = set(places[6:-4])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


def _mask_excel_float(match: re.Match) -> str:
    lead, digits, exponent = match.groups()
    return lead + digits[:5] + "*" * len(digits[5:]) + exponent


def mask_ids_in(value: object) -> str:
    """Every identity number inside a text masked where it stands, in any spelling."""
    text = _text(value)
    return EXCEL_FLOAT_ID.sub(_mask_excel_float, ID_LIKE.sub(_mask_id_match, text))


def looks_like_name(value: object) -> bool:
    """A text that could be a person's name: a few Chinese characters, not a place or a
    word the columns expect."""
    text = re.sub(r"\s", "", _text(value))
    return (
        NAME_LIKE.fullmatch(text) is not None
        and not text.endswith(PLACE_SUFFIXES)
        and text not in COMMON_WORDS
    )


def mask_value(value: object, column: str | None = None) -> str:
    """A cell as it may be shown: by its column (identity number, name) and by its content
    (identity numbers anywhere, a name in whatever column it landed)."""
    text = _text(value)
    if column in ID_COLUMNS:
        return mask_id(text)
    if column in NAME_COLUMNS or looks_like_name(text):
        return mask_name(re.sub(r"\s", "", text))
    return mask_ids_in(text)


def mask_text(text: object, quoted: object = None, shown: object = None) -> str:
    """A sentence that may quote personal data (a reason, a warning): the value it quotes
    replaced by its masked form, names between “” masked, identity numbers masked."""
    out = _text(text)
    raw, masked = _text(quoted), _text(shown)
    if raw and raw != masked:
        out = out.replace(raw, masked)
    out = _QUOTED.sub(
        lambda m: f"“{mask_name(m.group(1))}”" if looks_like_name(m.group(1)) else m.group(0), out
    )
    return mask_ids_in(out)


def rejects_for_people(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows as a township reads them: Chinese column labels, every value masked by
    its column and its content, and masked again where the reason quotes it."""
    frame = rejects.copy()
    values, columns = frame["value"].tolist(), frame["column_name"].tolist()
    masked = [mask_value(value, column) for value, column in zip(values, columns, strict=True)]
    frame["reason"] = [
        mask_text(reason, value, shown)
        for reason, value, shown in zip(frame["reason"].tolist(), values, masked, strict=True)
    ]
    frame["value"] = pd.Series(masked, index=frame.index, dtype=object).where(
        frame["value"].notna(), None
    )
    for column in ("file_name", "sheet"):
        frame[column] = frame[column].map(lambda v: mask_ids_in(v) if isinstance(v, str) else v)
    frame["column"] = frame["column_name"].map(CANONICAL_LABELS).fillna(frame["column_name"])
    frame = frame.rename(columns={"file_name": "file", "source_row": "row"})
    return frame[["township", "file", "sheet", "row", "column", "value", "reason"]]


def reject_summary_for_people(summary: pd.DataFrame) -> pd.DataFrame:
    """Counts by township and reason: column labels in Chinese, any quoted text masked."""
    return summary.assign(
        column=summary["column_name"].map(CANONICAL_LABELS).fillna(summary["column_name"]),
        reason=summary["reason"].map(mask_text),
    )


def conflicts_for_people(conflicts: pd.DataFrame) -> pd.DataFrame:
    """People reported by several townships, masked: each township sees where they counted."""
    return conflicts.assign(
        id_number=conflicts["id_number"].map(mask_id),
        name=conflicts["name"].map(mask_name),
        file_name=conflicts["file_name"].map(mask_ids_in),
        bought_on=pd.to_datetime(conflicts["bought_on"]).dt.strftime("%Y-%m-%d"),
    )


def lines_for_people(lines: list[str]) -> list[str]:
    """Warnings, notes and file errors as shown in documents and the manifest."""
    return [mask_text(line) for line in lines]
