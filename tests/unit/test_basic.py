from datetime import date

import pandas as pd

from schemas import basic, identity


def frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    data = pd.DataFrame(rows, columns=columns).astype("string")
    data.insert(0, "source_row", range(2, 2 + len(data)))
    return data


COUNT_COLUMNS = ["village", "registered", "enrolled_local", "enrolled_elsewhere", "lapsed"]


def check_counts(data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A counts file of 桃城镇, the township its file name gives."""
    return basic.validate_counts(basic.prepare_counts(data, township="桃城镇"), ["桃城镇"])


def test_village_counts_accept_thousands_separators_and_reject_what_cannot_be_counted():
    data = frame(
        [
            ("甲村", "1,000", "900", "50", "3"),
            ("乙村", "100", "95", "10", "0"),  # 105 enrolled of 100 registered
            ("", "10", "1", "1", "0"),
            ("丁村", "十", "1", "1", "0"),
            ("戊村", "20", "-1", "0", "0"),
        ],
        COUNT_COLUMNS,
    )
    valid, rejects = check_counts(data)
    assert valid[["village", "registered"]].values.tolist() == [["甲村", 1000]]
    assert rejects[["source_row", "column_name", "reason"]].values.tolist() == [
        [3, "registered", basic.REASON_ENROLLED_ABOVE],
        [4, "village", basic.REASON_VILLAGE_MISSING],
        [5, "registered", basic.REASON_NOT_COUNT],
        [6, "enrolled_local", basic.REASON_NOT_COUNT],
    ]


def test_a_wrong_total_row_is_reported_with_both_values():
    data = frame([("甲村", "100", "90", "5", "1"), ("乙村", "50", "40", "5", "2")], COUNT_COLUMNS)
    summary = frame([("合计", "150", "131", "10", "3")], COUNT_COLUMNS)
    valid, _ = check_counts(data)
    assert basic.reconcile_total(valid, summary) == [
        "第2行合计的本地参保为 131，各行之和为 130，以各行之和为准"
    ]
    right = frame([("合计", "150", "130", "10", "3")], COUNT_COLUMNS)
    assert basic.reconcile_total(valid, right) == []


REGISTER_COLUMNS = [
    "id_number", "name", "township", "village", "scheme", "place", "paid_on", "paid_last_year",
]  # fmt: skip


def test_register_rows_need_a_known_place_and_a_yes_or_no_for_last_year():
    ids = identity.with_check_char(pd.Series(["35052519730605500", "35052520080310580"])).tolist()
    data = frame(
        [
            (ids[0], "雷红", "桃城", "桃东社区", "居民医保", "本地", "2022-09-17", "是"),
            (ids[1], "孙雪涵", "桃城镇", "桃东社区", "", "", "", "否"),
            (ids[0], "雷红", "桃城", "桃东社区", "居民医保", "本地", "2022-09-17", "是"),
            (ids[1], "孙雪涵", "桃城镇", "桃东社区", "", "外地", "2022-10-01", "不知道"),
            (ids[1], "孙雪涵", "桃城镇", "桃东社区", "", "", "2022-10-01", "否"),
        ],
        REGISTER_COLUMNS,
    )
    from schemas.kinds import KINDS, Rules

    aliases = {"桃城": "桃城镇", "桃城镇": "桃城镇"}
    rules = Rules(aliases, ["桃城镇"], date(2022, 9, 1), date(2023, 6, 30), None)
    checked = KINDS["register"].check(data, data.iloc[0:0], rules)
    valid, rejects = checked.valid, checked.rejects
    assert valid["paid_last_year"].tolist() == [True, False]
    assert valid["place"].isna().tolist() == [False, True]
    reasons = rejects.groupby("source_row")["reason"].apply(set).to_dict()
    assert reasons[4] == {"同一人在本文件中重复出现，只计一次（首次出现在第2行）"}
    assert reasons[5] == {basic.REASON_PLACE, basic.REASON_LAST_YEAR}
    assert reasons[6] == {basic.REASON_PAID_WITHOUT_PLACE}


def test_a_row_of_another_township_in_a_townships_register_is_set_aside():
    from schemas.kinds import KINDS, Rules

    ids = identity.with_check_char(pd.Series(["35052519730605500", "35052520080310580"])).tolist()
    data = frame(
        [
            (ids[0], "雷红", "桃城", "桃东社区", "居民医保", "本地", "2022-09-17", "是"),
            (ids[1], "孙雪涵", "五里街镇", "大羽村", "", "", "", "否"),
        ],
        REGISTER_COLUMNS,
    )
    aliases = {"桃城": "桃城镇", "桃城镇": "桃城镇", "五里街镇": "五里街镇"}
    rules = Rules(aliases, ["桃城镇", "五里街镇"], date(2022, 9, 1), date(2023, 6, 30), "桃城镇")
    checked = KINDS["register"].check(data, data.iloc[0:0], rules)
    assert checked.valid["township"].tolist() == ["桃城镇"]
    assert checked.rejects[["source_row", "column_name", "reason"]].values.tolist() == [
        [3, "township", "此行乡镇为“五里街镇”，本文件为桃城镇的名册：请列入五里街镇的名册"]
    ]
    # a county-wide register (no township in its file name) keeps every township's rows
    county_wide = KINDS["register"].check(data, data.iloc[0:0], Rules(
        aliases, ["桃城镇", "五里街镇"], date(2022, 9, 1), date(2023, 6, 30), None
    ))  # fmt: skip
    assert county_wide.valid["township"].tolist() == ["桃城镇", "五里街镇"]


def test_counts_beyond_what_a_village_holds_are_rejected_not_loaded():
    data = frame(
        [
            ("甲村", "100000000", "1", "0", "0"),  # the bound itself is a count
            ("乙村", "3000000000", "1", "0", "0"),  # beyond DuckDB's integer
            ("丙村", "100000000000000000000", "1", "0", "0"),  # beyond any machine integer
            ("丁村", "10", "1", "0", "100000001"),
            ("戊村", "10", "1", "0", "-100000000000000000000"),
        ],
        COUNT_COLUMNS,
    )
    valid, rejects = check_counts(data)
    assert valid[["village", "registered"]].values.tolist() == [["甲村", 100_000_000]]
    assert rejects[["source_row", "column_name", "value", "reason"]].values.tolist() == [
        [3, "registered", "3000000000", basic.REASON_COUNT_TOO_LARGE],
        # a run of 15+ digits is shown masked wherever it appears: it may be an identity number
        [4, "registered", "*****************0000", basic.REASON_COUNT_TOO_LARGE],
        [5, "lapsed", "100000001", basic.REASON_COUNT_TOO_LARGE],
        [6, "lapsed", "-*****************0000", basic.REASON_NOT_COUNT],
    ]


def test_full_width_counts_are_read_as_the_digits_an_official_typed():
    data = frame(
        [
            ("甲村", "１００", "９０", "５", "０"),
            ("乙村", "１，０００", "９００", "５０", "３"),
            ("丙村", "٣", "1", "0", "0"),  # a digit, but not one a count is written with
        ],
        COUNT_COLUMNS,
    )
    valid, rejects = check_counts(data)
    assert valid[["village", *basic.COUNT_FIELDS]].values.tolist() == [
        ["甲村", 100, 90, 5, 0],
        ["乙村", 1000, 900, 50, 3],
    ]
    assert rejects[["source_row", "reason"]].values.tolist() == [[4, basic.REASON_NOT_COUNT]]


def test_a_township_column_names_each_row_where_the_file_name_does_not():
    data = frame(
        [
            ("桃城镇", "甲村", "100", "90", "5", "1"),
            ("桃城", "乙村", "50", "40", "5", "2"),
            ("桃成镇", "丙村", "50", "40", "5", "2"),
            ("", "丁村", "50", "40", "5", "2"),
        ],
        ["township", *COUNT_COLUMNS],
    )
    aliases = {"桃城": "桃城镇", "桃城镇": "桃城镇"}
    prepared = basic.prepare_counts(data, aliases)
    valid, rejects = basic.validate_counts(prepared, ["桃城镇", "五里街镇"])
    assert valid[["township", "village"]].values.tolist() == [
        ["桃城镇", "甲村"],
        ["桃城镇", "乙村"],
    ]
    assert rejects[["source_row", "column_name", "value", "reason"]].values.tolist() == [
        [4, "township", "桃成镇", "乡镇“桃成镇”不在本县乡镇名录中，是否为“桃城镇”？"],
        [5, "township", pd.NA, "乡镇为空"],
    ]
    # a blank cell falls back on the township the file name gives
    by_name = basic.validate_counts(basic.prepare_counts(data, aliases, "桃城镇"), ["桃城镇"])[0]
    assert by_name["township"].tolist() == ["桃城镇", "桃城镇", "桃城镇"]
