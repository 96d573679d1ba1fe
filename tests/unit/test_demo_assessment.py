"""The demo's filled 考核评分表: every entered item scored, one 负面舆情, the same every time."""

from __future__ import annotations

import pytest

from demo.assessment import assessed_entities, write_filled_form
from flows.assessment import blank_grid
from flows.assessment_form import read_form
from flows.config import load_campaign
from flows.settings import get_settings
from tests.conftest import QINGLIU


@pytest.fixture(scope="module")
def campaign():
    return load_campaign(QINGLIU, get_settings())


def test_the_demo_form_scores_every_entered_item_and_one_incident(campaign, tmp_path):
    entities = assessed_entities(campaign)
    assert entities["entity_type"].value_counts().to_dict() == {"乡镇": 13, "单位": 12}
    path = write_filled_form(tmp_path / "考核评分" / "评分表.xlsx", campaign, entities, seed=7)
    scores, faults = read_form(path, campaign, entities)
    assert faults == []
    entered = [item for item in campaign.assessment.items if item.source == "entered"]
    assert len(scores) == len(entities) * len(entered)
    incidents = scores[(scores["item_key"] == "incident") & (scores["points"] > 0)]
    assert len(incidents) == 1
    assert (
        incidents["entity"].iloc[0]
        in entities.loc[entities["entity_type"] == "乡镇", "entity"].tolist()
    )
    again = write_filled_form(tmp_path / "again.xlsx", campaign, entities, seed=7)
    assert again.read_bytes() == path.read_bytes()
    grid = blank_grid(campaign.assessment, entities)
    assert grid["points"].isna().all()
    assert set(grid.loc[grid["entity_type"] == "单位", "item_key"]) == {
        "organisation", "publicity", "completion", "family", "incident",
    }  # fmt: skip
