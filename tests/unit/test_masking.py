"""The masking rules (flows/masking.py): what may be shown of a cell that was rejected."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.masking import (
    conflicts_for_people,
    looks_like_name,
    mask_ids_in,
    mask_text,
    mask_value,
    rejects_for_people,
)
from flows.outputs import followup_lists

ID = "350423196007278106"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (ID, "350423********8106"),
        ("35042319600727810X", "350423********810X"),
        ("350423600727810", "350423*****7810"),  # 15 digits
        ("350423 19600727 8106", "350423 ******** 8106"),
        ("３５０４２３１９６００７２７８１０６", "３５０４２３********８１０６"),
        ("3.50423196007278E+17", "3.50423*********E+17"),
        ("编号350423196007278106号", "编号350423********8106号"),
    ],
)
def test_identity_numbers_are_masked_in_every_spelling(typed, shown):
    assert mask_ids_in(typed) == shown


@pytest.mark.parametrize("text", ["12345", "2024-11-13", "龙津镇", "第12行", "3.5E+3"])
def test_other_text_is_left_as_typed(text):
    assert mask_ids_in(text) == text


@pytest.mark.parametrize("name", ["林涛芳", "张三", "欧阳娜娜", "阿依古丽·买买提", "林 涛芳"])
def test_names_look_like_names(name):
    assert looks_like_name(name)


def test_places_and_expected_answers_are_shown():
    for word in ("龙律镇", "洋上村", "本地", "居民医保", "是", "N/A", "abc"):
        assert not looks_like_name(word), word


def test_a_value_is_masked_by_its_column_and_by_its_content():
    assert mask_value(ID, "id_number") == "350423********8106"
    assert mask_value("林涛芳", "name") == "林**"
    assert mask_value("林涛芳", "township") == "林**"  # a row shifted right
    assert mask_value(ID, "township") == "350423********8106"  # columns swapped
    assert mask_value(ID, "paid_last_year") == "350423********8106"
    assert mask_value("龙律镇", "township") == "龙律镇"


def test_a_reason_quoting_the_value_is_masked_with_it():
    reason = f"乡镇“{ID}”不在本县乡镇名录中"
    assert (
        mask_text(reason, ID, mask_value(ID, "township"))
        == "乡镇“350423********8106”不在本县乡镇名录中"
    )
    assert mask_text("乡镇“林涛芳”不在本县乡镇名录中，是否为“龙津镇”？") == (
        "乡镇“林**”不在本县乡镇名录中，是否为“龙津镇”？"
    )
    assert mask_text("参保地应为“本地”或“异地”") == "参保地应为“本地”或“异地”"


def test_rejects_for_people_masks_values_and_reasons_of_every_column():
    rejects = pd.DataFrame(
        {
            "township": ["龙津镇", "龙津镇", "龙津镇"],
            "file_name": ["a.csv"] * 3,
            "sheet": [None] * 3,
            "source_row": [2, 3, 4],
            "column_name": ["township", "name", "id_number"],
            "value": [ID, "林涛芳", None],
            "reason": [f"乡镇“{ID}”不在本县乡镇名录中", "姓名不能为空", "身份证号不能为空"],
        }
    )
    people = rejects_for_people(rejects)
    assert people["value"].tolist()[:2] == ["350423********8106", "林**"]
    assert people["value"].isna().tolist() == [False, False, True]
    assert people["column"].tolist() == ["乡镇", "姓名", "身份证号"]
    assert ID not in people.to_csv()


def test_conflicts_for_people_masks_id_and_name():
    conflicts = pd.DataFrame(
        {
            "id_number": [ID],
            "name": ["林涛芳"],
            "township": ["龙津镇"],
            "bought_on": ["2024-11-01"],
            "file_name": [f"{ID}.csv"],
            "counted_in": ["龙津镇"],
        }
    )
    shown = conflicts_for_people(conflicts).to_csv()
    assert ID not in shown and "林涛芳" not in shown


FOLLOWUP = pd.DataFrame(
    {
        "township": ["桃城镇", "桃城镇"],
        "village": ["洋上村", "洋上村"],
        "id_number": [ID, "35042319600727810X"],
        "name": ["林涛芳", "欧阳娜娜"],
        "status": ["未参保", "断缴"],
        "last_year": ["未缴费", "已缴费"],
    }
)


def test_followup_lists_mask_names_to_the_surname_by_default():
    people = followup_lists(FOLLOWUP)["桃城镇"]
    assert people["name_masked"].tolist() == ["林**", "欧***"]
    assert people["id_masked"].tolist() == ["350423********8106", "350423********810X"]


def test_followup_lists_show_full_names_when_the_campaign_says_so():
    people = followup_lists(FOLLOWUP, names="full")["桃城镇"]
    assert people["name_masked"].tolist() == ["林涛芳", "欧阳娜娜"]
    assert people["id_masked"].tolist() == ["350423********8106", "350423********810X"]
