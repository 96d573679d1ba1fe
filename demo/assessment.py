"""A filled 考核评分表 for the demo: what the county's assessors send back.

``write_filled_form`` writes the form through flows.assessment_form.write_form, as the run
writes the blank one, with plausible scores in the entered items: base items between three
quarters and full marks in half points, entered bonuses for a few, and one township with a
负面舆情 deduction; every other deduction 0. Computed items stay blank: the run computes
them from the data. Seeded: the same seed writes the same scores.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pandas as pd

from flows.assessment import TOWNSHIP, UNIT, applies, blank_grid
from flows.assessment_form import write_form
from flows.config import Campaign

DEFAULT_SEED = 2025


def assessed_entities(campaign: Campaign) -> pd.DataFrame:
    """Who the demo assesses, as int_assessment_facts lists them: the ranking's townships
    in base-table order, then the units that owe a staff roster."""
    townships = [campaign.display_name(unit.name) for unit in campaign.units]
    units = list(campaign.staff.units) if campaign.staff is not None else []
    return pd.DataFrame(
        {
            "entity": townships + units,
            "entity_type": [TOWNSHIP] * len(townships) + [UNIT] * len(units),
            "position": range(1, len(townships) + len(units) + 1),
        }
    )


def _half_points(points: Decimal, share: float) -> float:
    """``share`` of the points, to the half point below."""
    return int(float(points) * share * 2) / 2


def write_filled_form(
    path: Path, campaign: Campaign, entities: pd.DataFrame, seed: int = DEFAULT_SEED
) -> Path:
    """A form as the assessors fill it in for ``entities`` (entity, entity_type, position)."""
    rubric = campaign.assessment
    if rubric is None:
        raise ValueError(f"{campaign.name} has no [assessment] rubric")
    draw = random.Random(seed)
    townships = entities.loc[entities["entity_type"] == TOWNSHIP, "entity"].tolist()
    incident = draw.choice(townships) if townships else None
    scores = []
    for entity in entities.itertuples(index=False):
        for item in rubric.items:
            if item.source != "entered" or not applies(item, entity.entity_type):
                continue
            if item.part == "base":
                points = _half_points(item.points, draw.uniform(0.75, 1.0))
            elif item.part == "bonus":
                points = float(item.points) if draw.random() < 0.2 else 0.0
            else:
                points = float(item.points) if entity.entity == incident else 0.0
            scores.append((entity.entity, item.key, points))
    entered = pd.DataFrame(scores, columns=["entity", "item_key", "points"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_form(path, campaign, blank_grid(rubric, entities), entered=entered)
