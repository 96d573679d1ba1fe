from datetime import date

import pandas as pd
import pytest

from schemas import identity
from schemas.kinds import KINDS, Rules
from schemas.persons import memory_connection
from schemas.roster import (
    REASON_DATE_INVALID,
    REASON_DATE_OUTSIDE,
    REASON_EXCEL_NUMBER,
    REASON_EXCEL_TRUNCATED,
    REASON_ID_BIRTH,
    REASON_ID_CHECK,
)
from schemas.rows import split_summary_rows

TOWNSHIPS = ["龙津镇", "嵩溪镇", "温郊乡"]
ALIASES = {"龙津镇": "龙津镇", "龙津": "龙津镇", "嵩溪镇": "嵩溪镇", "温郊乡": "温郊乡"}
RULES = Rules(ALIASES, TOWNSHIPS, date(2024, 10, 15), date(2024, 12, 31), None)


def valid_id(first17: str) -> str:
    return identity.with_check_char(pd.Series([first17])).iloc[0]


GOOD = valid_id("35042319900307123")
OTHER = valid_id("35042319851111456")


def roster(*rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["id_number", "name", "township", "village", "bought_on", "channel"]
    ).astype("string")
    frame.insert(0, "source_row", range(2, 2 + len(frame)))
    return frame


def check(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    checked = KINDS["roster"].check(frame, frame.iloc[0:0], RULES)
    return checked.valid, checked.rejects


def test_clean_rows_load_with_aliases_resolved():
    valid, rejects = check(
        roster(
            (GOOD, "张三", "龙津", "城关社区", "2024/10/16", "个人缴费"),
            (OTHER.lower(), "李 四", "嵩溪镇", "东华村", "2024年10月17日", None),
        )
    )
    assert rejects.empty
    assert valid["township"].tolist() == ["龙津镇", "嵩溪镇"]
    assert valid["id_number"].tolist() == [GOOD, OTHER]
    assert valid["name"].tolist() == ["张三", "李四"]
    assert valid["bought_on"].dt.date.tolist() == [date(2024, 10, 16), date(2024, 10, 17)]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ((GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"), "张三", "龙津镇", "", "2024-10-16", ""),
         "id_number", REASON_ID_CHECK),
        (("3.50423199003071E+17", "张三", "龙津镇", "", "2024-10-16", ""),
         "id_number", REASON_EXCEL_NUMBER),
        (("350423199003071000", "张三", "龙津镇", "", "2024-10-16", ""),
         "id_number", REASON_EXCEL_TRUNCATED),
        ((valid_id("35042320991307123"), "张三", "龙津镇", "", "2024-10-16", ""),
         "id_number", REASON_ID_BIRTH),
        ((GOOD, "张三", "龙津镇", "", "2024-13-45", ""), "bought_on", REASON_DATE_INVALID),
        ((GOOD, "张三", "龙津镇", "", "2024-09-01", ""), "bought_on", REASON_DATE_OUTSIDE),
        ((GOOD, None, "龙津镇", "", "2024-10-16", ""), "name", "姓名为空"),
    ],
)  # fmt: skip
def test_each_defect_is_rejected_with_its_reason(row, column, reason):
    valid, rejects = check(roster(row))
    assert valid.empty
    assert rejects[["source_row", "column_name", "reason"]].values.tolist() == [[2, column, reason]]


def test_unknown_township_suggests_the_closest_name():
    _, rejects = check(roster((GOOD, "张三", "龙律镇", "", "2024-10-16", "")))
    assert rejects["reason"].iloc[0] == "乡镇“龙律镇”不在本县乡镇名录中，是否为“龙津镇”？"
    assert rejects["value"].iloc[0] == "龙律镇"


def test_same_person_twice_counts_once_and_is_flagged():
    valid, rejects = check(
        roster(
            (GOOD, "张三", "龙津镇", "", "2024-10-16", ""),
            (OTHER, "李四", "龙津镇", "", "2024-10-16", ""),
            (GOOD, "张三", "龙津镇", "", "2024-10-18", ""),
        )
    )
    assert valid["id_number"].tolist() == [GOOD, OTHER]
    assert rejects["source_row"].tolist() == [4]
    assert "首次出现在第2行" in rejects["reason"].iloc[0]


def test_summary_rows_are_set_aside_before_validation():
    frame = roster(
        (GOOD, "张三", "龙津镇", "", "2024-10-16", ""),
        ("", "合 计", "", "", "", ""),
        ("备注：本表由村委会填报", "", "", "", "", ""),
    )
    data, summary = split_summary_rows(frame)
    assert data["source_row"].tolist() == [2]
    assert summary["source_row"].tolist() == [3, 4]


def test_fifteen_digit_numbers_are_upgraded_and_marked():
    old = "350423900307123"  # born 1990-03-07, issued before 1999
    valid, rejects = check(roster((old, "张三", "龙津镇", "", "2024-10-16", "")))
    assert rejects.empty
    assert valid["id_number"].iloc[0] == valid_id("35042319900307123")
    assert bool(valid["id_upgraded"].iloc[0])


def test_every_row_is_either_loaded_or_rejected():
    frame = roster(
        (GOOD, "张三", "龙津镇", "", "2024-10-16", ""),
        ("123", "", "火星乡", "", "明天", ""),
        (GOOD, "张三", "龙津镇", "", "2024-10-16", ""),
        (OTHER, "李四", "温郊乡", "", "45580", ""),  # an Excel date serial: 2024-10-15
    )
    valid, rejects = check(frame)
    assert len(valid) + rejects["source_row"].nunique() == len(frame)
    assert set(valid["source_row"]).isdisjoint(rejects["source_row"])


def test_parsed_date_reads_the_formats_townships_use():
    texts = ["2024-10-16", "2024/10/16", "2024.10.16", "2024年10月16日", "20241016", "45581",
             "2024-10-16 09:30:00", "2024-10-16T09:30", "2024-1-6", "十月", "24-10-16",
             "2024-02-30", None]  # fmt: skip
    with memory_connection() as con:
        parsed = [con.execute("select parsed_date(?)", [t]).fetchone()[0] for t in texts]
    assert parsed[:8] == [date(2024, 10, 16)] * 8
    assert parsed[8] == date(2024, 1, 6)
    assert parsed[9:] == [None] * 4


def test_a_note_in_the_first_cell_of_a_person_row_keeps_the_person():
    frame = roster(
        (GOOD, "张三", "龙津镇", "", "2024-10-16", ""),
        (OTHER, "李四", "龙津镇", "", "2024-10-16", ""),
        ("", "", "", "", "", ""),
    )
    frame.insert(1, "first_cell", pd.array(["1", "备注：已核实", "合计：2人"], dtype="string"))
    data, summary = split_summary_rows(frame)
    assert data["id_number"].tolist() == [GOOD, OTHER]
    assert summary["source_row"].tolist() == [4]


def test_a_note_beside_village_counts_keeps_the_village():
    frame = pd.DataFrame(
        [
            ("备注：已核实", "东华村", "100", "90", "5", "2"),
            ("合计", "", "100", "90", "5", "2"),
            ("", "合 计", "100", "90", "5", "2"),
        ],
        columns=["first_cell", "village", "registered", "enrolled_local", "enrolled_elsewhere",
                 "lapsed"],
    ).astype("string")  # fmt: skip
    frame.insert(0, "source_row", range(2, 5))
    data, summary = split_summary_rows(frame)
    assert data["village"].tolist() == ["东华村"]
    assert summary["source_row"].tolist() == [3, 4]


def test_a_stray_quote_that_runs_three_people_together_is_rejected(tmp_path):
    from flows.extracts import read_extract
    from schemas.headers import alias_lookup

    third = valid_id("35042319700101123")
    fourth = valid_id("35042319600101123")
    path = tmp_path / "龙津镇_2024-10-20.csv"
    path.write_text(
        "\n".join(
            [
                "身份证号,姓名,乡镇,村居,投保日期",
                f'{GOOD},"张三,龙津镇,城关社区,2024-10-16',
                f"{OTHER},李四,龙津镇,城关社区,2024-10-16",
                f'{third},王五",龙津镇,城关社区,2024-10-16',
                f"{fourth},赵六,龙津镇,城关社区,2024-10-16",
            ]
        ),
        encoding="utf-8",
    )
    valid, rejects = check(read_extract(path, alias_lookup()).frame)
    assert valid["name"].tolist() == ["赵六"]
    assert valid["source_row"].tolist() == [5]  # the line it is on, after the merged lines
    assert rejects[["source_row", "column_name"]].values.tolist() == [[2, "name"]]
    assert "几行被合成了一行" in rejects["reason"].iloc[0]
    assert OTHER not in rejects["value"].iloc[0] and OTHER[-4:] in rejects["value"].iloc[0]
