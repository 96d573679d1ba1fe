"""Follow-up workbooks of townships whose list did not change are not written again."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pandas as pd

from flows import outputs
from flows.config import load_campaign


def followup(people: int, day: date) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "township": ["桂洋镇"] * people + ["达埔镇"] * 3,
            "village": ["桂洋村"] * people + ["达山村"] * 3,
            "id_number": [f"35052519800101{n:03d}X" for n in range(people)]
            + [f"35052519900101{n:03d}X" for n in range(3)],
            "name": ["林某某"] * (people + 3),
            "status": ["未参保"] * (people + 3),
            "last_year": ["未缴费"] * (people + 3),
            "delivered_on": [pd.Timestamp(day)] * (people + 3),
        }
    )


def test_an_unchanged_list_is_copied_from_the_store_and_an_edit_stays_local(
    home, tmp_path, monkeypatch
):
    campaign = load_campaign("yongchun_2023_basic_register", home)
    written: list[str] = []
    write = outputs.write_followup_workbook

    def counted(township, people, out_dir, as_of):
        written.append(township)
        return write(township, people, out_dir, as_of)

    monkeypatch.setattr(outputs, "write_followup_workbook", counted)

    def night(people: int, folder: str) -> list:
        results = SimpleNamespace(marts={"mart_followup": followup(people, date(2023, 6, 3))})
        return outputs.write_followup_workbooks(
            campaign, results, tmp_path / folder, date(2023, 6, 4)
        )

    first = night(5, "night1")
    assert sorted(written) == ["桂洋镇", "达埔镇"]
    written.clear()
    second = night(5, "night2")
    assert written == []  # both lists unchanged: copied from the store
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    # an official's program saves night 2's copy in place: night 3 still gets the list as made
    with open(second[0], "r+b") as edited:
        edited.seek(100)
        edited.write(b"filled in")
    third = night(5, "night3")
    assert written == [] and third[0].read_bytes() == first[0].read_bytes()
    night(6, "night4")  # one more person in 桂洋镇
    assert written == ["桂洋镇"]
