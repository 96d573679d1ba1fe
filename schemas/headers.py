"""Header aliases: the many ways township spreadsheets name the same column."""

from __future__ import annotations

import re

# canonical column -> the headers seen in township extracts; campaigns add more in config.
ROSTER_HEADERS: dict[str, tuple[str, ...]] = {
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "证件号码",
        "身份证",
        "证件号",
        "身份证件号码",
    ),
    "name": ("姓名", "参保人姓名", "被保险人姓名", "参保人"),
    "township": ("乡镇", "乡(镇)", "所属乡镇", "镇街", "乡镇(街道)", "乡镇名称", "所属乡(镇)"),
    "village": ("村(居)", "村居", "行政村", "社区", "村(社区)", "村委会", "所属村居", "村(居)委会"),
    "bought_on": ("投保日期", "参保日期", "缴费日期", "购买日期", "投保时间", "缴费时间"),
    "channel": ("缴费方式", "资助类别", "缴费类型", "资助方式", "缴费渠道"),
}
ROSTER_REQUIRED = ("id_number", "name", "township", "bought_on")

CANONICAL_LABELS = {
    "id_number": "身份证号",
    "name": "姓名",
    "township": "乡镇",
    "village": "村(居)",
    "bought_on": "投保日期",
    "channel": "缴费方式",
}

_SPACES = re.compile(r"\s+")
_FULLWIDTH_PUNCT = str.maketrans({"（": "(", "）": ")", "：": ":", "　": " "})


def normalize_header(header: object) -> str:
    """One spelling per header: full-width brackets to ASCII, no spaces or line breaks."""
    text = "" if header is None else str(header)
    return _SPACES.sub("", text.translate(_FULLWIDTH_PUNCT)).strip("*:")


def alias_lookup(extra: dict[str, tuple[str, ...]] | None = None) -> dict[str, str]:
    """normalized header -> canonical column, built-ins first, then a campaign's own."""
    lookup: dict[str, str] = {}
    for canonical, aliases in ROSTER_HEADERS.items():
        for alias in aliases:
            lookup[normalize_header(alias)] = canonical
    for canonical, aliases in (extra or {}).items():
        for alias in aliases:
            lookup[normalize_header(alias)] = canonical
    return lookup


def map_headers(headers: list[object], lookup: dict[str, str]) -> dict[int, str]:
    """Position of each recognised column -> canonical name (first occurrence wins)."""
    mapping: dict[int, str] = {}
    seen: set[str] = set()
    for position, header in enumerate(headers):
        canonical = lookup.get(normalize_header(header))
        if canonical and canonical not in seen:
            mapping[position] = canonical
            seen.add(canonical)
    return mapping
