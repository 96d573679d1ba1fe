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

COUNTS_HEADERS: dict[str, tuple[str, ...]] = {
    "village": ("村(居)", "村居", "行政村", "村(社区)", "村委会", "村(居)委会", "村(居)名称"),
    "registered": ("户籍人口", "户籍人口数", "区域户籍人口数", "户籍人数", "应参保人数"),
    "enrolled_local": ("本地参保", "本地参保人数", "本地参保数"),
    "enrolled_elsewhere": ("异地参保", "异地参保人数", "异地参保数"),
    "lapsed": ("断缴", "断缴人数", "上年缴费本年未缴费", "上年缴费本年未缴费人数"),
    "township": ("乡镇", "乡(镇)", "所属乡镇"),
}
COUNTS_REQUIRED = ("village", "registered", "enrolled_local", "enrolled_elsewhere")

REGISTER_HEADERS: dict[str, tuple[str, ...]] = {
    "id_number": ROSTER_HEADERS["id_number"],
    "name": ROSTER_HEADERS["name"],
    "township": ROSTER_HEADERS["township"],
    "village": ROSTER_HEADERS["village"],
    "scheme": ("险种", "参保险种", "险种类型"),
    "place": ("参保地", "参保地点", "参保地区"),
    "paid_on": ("缴费日期", "参保日期", "缴费时间"),
    "paid_last_year": ("上年是否缴费", "上年缴费", "上年度是否缴费", "上年度缴费"),
}
# earlier years' insurance, one column a year (history_2021: 居民 / 职工 / 未参保), as
# registers from the provincial platform head them: 2021年, 2021年度参保情况, 2021年险种 ...
HISTORY_YEARS = range(2010, 2041)
_HISTORY_SUFFIXES = (
    "", "年", "年度", "年参保情况", "年度参保情况", "年缴费情况", "年度缴费情况", "年参保险种",
    "年度参保险种", "年险种", "年参保", "年缴费", "年参保状态", "年缴费状态",
)  # fmt: skip
REGISTER_HEADERS.update(
    {
        f"history_{year}": tuple(f"{year}{suffix}" for suffix in _HISTORY_SUFFIXES)
        for year in HISTORY_YEARS
    }
)
# whether the person claimed on the fund that year (零报销激励): 是 / 否, a column a year
_CLAIM_SUFFIXES = (
    "年是否报销", "年度是否报销", "年报销", "年是否发生报销", "年基金报销", "年有无报销",
)  # fmt: skip
REGISTER_HEADERS.update(
    {
        f"claims_{year}": tuple(f"{year}{suffix}" for suffix in _CLAIM_SUFFIXES)
        for year in HISTORY_YEARS
    }
)
# a register of one row per person and year: the year each row is about
REGISTER_HEADERS["record_year"] = ("年度", "参保年度", "缴费年度", "所属年度", "险种年度")
REGISTER_HEADERS["exemption"] = (
    "特殊群体", "特殊人群", "免等待期类别", "等待期豁免", "豁免类别", "免等待期人员类别",
)  # fmt: skip
REGISTER_REQUIRED = ("id_number", "name", "township", "village", "paid_last_year")

# The campaign's base table: one row per township with its base count. A campaign's own two
# column names (campaign file, [base]) are added to these and are tried first.
BASE_HEADERS: dict[str, tuple[str, ...]] = {
    "township": (
        "乡镇",
        "乡(镇)",
        "乡镇(街道)",
        "乡(镇、街道)",
        "乡镇名称",
        "所属乡镇",
        "镇街",
        "单位",
        "单位名称",
        "地区",
        "township",
    ),
    "base": (
        "基数",
        "参保基数",
        "任务基数",
        "参保人数",
        "基本医保参保人数",
        "基本医疗保险参保人数",
        "base",
    ),
}
BASE_REQUIRED = ("township", "base")

CANONICAL_LABELS = {
    "id_number": "身份证号",
    "name": "姓名",
    "township": "乡镇",
    "village": "村(居)",
    "bought_on": "投保日期",
    "channel": "缴费方式",
    "registered": "户籍人口",
    "enrolled_local": "本地参保",
    "enrolled_elsewhere": "异地参保",
    "lapsed": "断缴人数",
    "scheme": "险种",
    "place": "参保地",
    "paid_on": "缴费日期",
    "paid_last_year": "上年是否缴费",
    "base": "基数",
    "unit": "单位",
    "staff_type": "人员类别",
    "staff_id": "职工身份证号",
    "staff_name": "职工姓名",
    "relation": "与职工关系",
    "category": "救助类别",
    "exemption": "特殊群体",
    "record_year": "年度",
    **{f"history_{year}": f"{year}年参保情况" for year in HISTORY_YEARS},
    **{f"claims_{year}": f"{year}年是否报销" for year in HISTORY_YEARS},
}

_SPACES = re.compile(r"\s+")
_FULLWIDTH_PUNCT = str.maketrans({"（": "(", "）": ")", "：": ":", "　": " "})


def normalize_header(header: object) -> str:
    """One spelling per header: full-width brackets to ASCII, no spaces or line breaks."""
    text = "" if header is None else str(header)
    return _SPACES.sub("", text.translate(_FULLWIDTH_PUNCT)).strip("*:")


def alias_lookup(
    extra: dict[str, tuple[str, ...]] | None = None,
    headers: dict[str, tuple[str, ...]] = ROSTER_HEADERS,
) -> dict[str, str]:
    """normalized header -> canonical column, built-ins first, then a campaign's own."""
    lookup: dict[str, str] = {}
    for canonical, aliases in headers.items():
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
