"""Jinja filters of every canbao document: percentages, counts, rate labels, dates, Chinese
numbers and lists of names; FILTERS gives their names in the templates."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import Any

import pandas as pd
from markupsafe import Markup


def format_percent(fraction: Any, digits: int = 2) -> str:
    """0.23456 -> '23.46%' (half up on the shown digit, as officials compute by hand)."""
    if fraction is None or (isinstance(fraction, float) and math.isnan(fraction)):
        return "—"
    if fraction is pd.NA:
        return "—"
    value = Decimal(str(fraction)) * 100
    quantum = Decimal(1).scaleb(-digits)
    return f"{value.quantize(quantum, rounding='ROUND_HALF_UP')}%"


def format_count(value: Any) -> str:
    """Integer counts without thousands separators (government tables don't use them)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return str(int(value))


def format_rate_label(rate: Any) -> str:
    """Configured rate '0.20' -> '20%' (no trailing zeros)."""
    value = Decimal(str(rate)) * 100
    text = format(value.normalize(), "f")
    return f"{text}%"


def format_date_full(day: datetime.date) -> str:
    """2024-11-13 -> '2024年11月13日' (Arabic numerals, no zero padding, GB/T 9704-2012)."""
    return f"{day.year}年{day.month}月{day.day}日"


def format_date_short(day: datetime.date) -> str:
    """2024-11-13 -> '11月13日'."""
    return f"{day.month}月{day.day}日"


CHINESE_DIGITS = "零一二三四五六七八九"


def format_chinese_number(value: int) -> str:
    """1..99 -> '一'..'九十九' (counts in running text: 前三位, （一）); larger stay Arabic."""
    value = int(value)
    if not 0 < value < 100:
        return str(value)
    tens, units = divmod(value, 10)
    text = "" if tens == 0 else ("十" if tens == 1 else CHINESE_DIGITS[tens] + "十")
    return text + (CHINESE_DIGITS[units] if units else "")


def join_names(names: list[str]) -> str:
    """['甲', '乙'] -> '甲、乙'."""
    return "、".join(names)


def heading_break(label: str) -> Markup:
    """A long column label on two lines, broken before its last four characters
    ('2024年度基本医保参保人数' -> '2024年度基本医保<br>参保人数'): officials' tables head
    narrow columns that way, and a table should not widen for one label."""
    text = str(label)
    if len(text) <= 6:
        return Markup.escape(text)
    return Markup.escape(text[:-4]) + Markup("<br>") + Markup.escape(text[-4:])


FILTERS = {
    "pct": format_percent,
    "count": format_count,
    "rate_label": format_rate_label,
    "date_full": format_date_full,
    "date_short": format_date_short,
    "join_names": join_names,
    "cn_num": format_chinese_number,
    "heading_break": heading_break,
}
