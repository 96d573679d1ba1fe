"""What the contexts of all documents share: the township status labels, the programme name,
the target levels, DataFrame rows as plain Python, and the fields every document shows."""

from __future__ import annotations

import datetime
import math
import re
from typing import Any

import pandas as pd

from flows.config import Campaign
from flows.render.filters import format_rate_label

TOTAL_LABEL = "合计"


def program_name(campaign: Campaign) -> str:
    """The quoted programme name from the title ('“三明普惠医联保”'), else the short title."""
    match = re.search(r"“[^”]+”", campaign.title)
    return match.group(0) if match else campaign.short_title


def target_levels(campaign: Campaign) -> list[dict]:
    """Configured target levels with column names and labels ('目标任务数（20%）')."""
    levels = []
    for level in campaign.levels:
        rate_label = format_rate_label(level.rate)
        levels.append(
            {
                "key": level.key,
                "label": level.label,
                "rate": float(level.rate),
                "rate_label": rate_label,
                "column": f"target_{level.key}",
                "gap_column": f"gap_{level.key}",
                "heading": f"{level.label}数（{rate_label}）",
            }
        )
    return levels


def to_python(value: Any) -> Any:
    """Numpy/pandas scalars -> plain Python (None for NA) so templates see ints and floats."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def frame_rows(frame: pd.DataFrame) -> list[dict]:
    """DataFrame -> list of plain dicts, in frame order."""
    return [
        {key: to_python(value) for key, value in record.items()}
        for record in frame.to_dict(orient="records")
    ]


def common_context(campaign: Campaign, as_of: datetime.date, doc_title: str) -> dict:
    """What every document shows: campaign, office, date, levels and PDF metadata."""
    stamp = as_of.isoformat()
    return {
        "campaign": campaign,
        "office": campaign.office,
        "program": program_name(campaign),
        "as_of": as_of,
        "levels": target_levels(campaign),
        "doc_title": doc_title,
        "meta": {
            "created": stamp,
            "modified": stamp,
            "author": campaign.office.issuing_office,
        },
    }
