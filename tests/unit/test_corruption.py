"""Random damage to valid extracts: nothing crashes, every row is accounted for."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.extracts import ExtractError, read_extract
from schemas import identity
from schemas.headers import alias_lookup
from schemas.kinds import KINDS, Rules, check_in_duckdb
from schemas.persons import checked_frames, memory_connection

LOOKUP = alias_lookup()
TOWNSHIPS = ["龙津镇", "嵩溪镇"]
ALIASES = {"龙津镇": "龙津镇", "龙津": "龙津镇", "嵩溪镇": "嵩溪镇", "嵩溪": "嵩溪镇"}
IDS = identity.with_check_char(pd.Series([f"3504231990030{n:04d}" for n in range(40)])).tolist()
HEADER = ["序号", "身份证号", "姓名", "乡镇", "村(居)", "投保日期", "缴费方式"]


def clean_lines(count: int) -> list[list[str]]:
    return [
        [str(i + 1), IDS[i], f"张{i}", TOWNSHIPS[i % 2], "城关社区", "2024-10-16", "个人缴费"]
        for i in range(count)
    ]


damage = st.sampled_from(
    [
        "drop_char",
        "swap_cells",
        "blank_line",
        "junk_line",
        "duplicate_row",
        "summary_row",
        "lowercase_x",
        "fullwidth",
        "excel_number",
        "empty_cell",
        "extra_cell",
        "truncate_bytes",
    ]
)


def apply(rows: list[list[str]], kind: str, at: int, data: st.DataObject) -> list[list[str]]:
    rows = [list(r) for r in rows]
    i = at % len(rows)
    cell = data.draw(st.integers(0, len(rows[i]) - 1))
    if kind == "drop_char" and rows[i][cell]:
        rows[i][cell] = rows[i][cell][:-1]
    elif kind == "swap_cells":
        rows[i][1], rows[i][cell] = rows[i][cell], rows[i][1]
    elif kind == "blank_line":
        rows.insert(i, [""] * len(HEADER))
    elif kind == "junk_line":
        junk = data.draw(st.text(max_size=8).map(lambda t: t.replace(",", "")))
        rows.insert(i, [junk] + [""] * (len(HEADER) - 1))
    elif kind == "duplicate_row":
        rows.insert(i, list(rows[i]))
    elif kind == "summary_row":
        rows.append(["合计", "", "", "", "", "", ""])
    elif kind == "lowercase_x":
        rows[i][1] = rows[i][1].lower()
    elif kind == "fullwidth":
        rows[i][1] = rows[i][1].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    elif kind == "excel_number":
        rows[i][1] = f"{float(IDS[i % len(IDS)][:17]):.5E}"
    elif kind == "empty_cell":
        rows[i][cell] = ""
    elif kind == "extra_cell":
        rows[i].append("备注")
    return rows


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(1, 30),
    damages=st.lists(st.tuples(damage, st.integers(0, 100)), max_size=6),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"]),
    sep=st.sampled_from([",", "\t"]),
    data=st.data(),
)
def test_damaged_files_never_crash_and_rows_add_up(
    tmp_path_factory, count, damages, encoding, sep, data
):
    rows = clean_lines(count)
    truncate = False
    for kind, at in damages:
        if kind == "truncate_bytes":
            truncate = True
        else:
            rows = apply(rows, kind, at, data)
    text = "\n".join(sep.join(r) for r in [HEADER, *rows])
    payload = text.encode(encoding, errors="replace")
    if truncate:
        payload = payload[: data.draw(st.integers(0, len(payload)))]
    path: Path = tmp_path_factory.mktemp("damaged") / "龙津镇_2024-10-20.csv"
    path.write_bytes(payload)
    assert_accounted_for(path)


def assert_accounted_for(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Read, split and validate one file: a file error naming it, or every row accounted for.

    Returns the rows that would load.
    """
    try:
        extract = read_extract(path, LOOKUP, sheet)
    except ExtractError as exc:
        assert path.name in str(exc)  # a readable reason that names the file
        return pd.DataFrame({"id_number": []})
    rules = Rules(ALIASES, TOWNSHIPS, date(2024, 10, 15), date(2024, 12, 31), None)
    with memory_connection() as con:
        checked = check_in_duckdb(con, KINDS["roster"].persons, extract.table, rules)
        valid, rejects = checked_frames(con)
    summary = range(checked.rows_summary)
    assert checked.rows_read == len(valid) + checked.rows_rejected
    assert len(valid) + rejects["source_row"].nunique() + len(summary) == len(extract.frame)
    assert rejects["source_row"].nunique() == checked.rows_rejected
    assert set(valid["source_row"]).isdisjoint(rejects["source_row"])
    assert valid["id_number"].is_unique
    # whatever loads is a well-formed identity number with a correct check character
    if not valid.empty:
        checks = identity.check_chars(valid["id_number"].str.slice(0, 17))
        assert (checks == valid["id_number"].str.slice(17)).all()
    assert rejects["reason"].str.len().gt(0).all()
    return valid


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    count=st.integers(1, 20),
    damages=st.lists(st.tuples(damage, st.integers(0, 100)), max_size=5),
    title_rows=st.integers(0, 2),
    numeric_ids=st.booleans(),
    notes_sheet_first=st.booleans(),
    data=st.data(),
)
def test_damaged_workbooks_never_crash_and_rows_add_up(
    tmp_path_factory, count, damages, title_rows, numeric_ids, notes_sheet_first, data
):
    """Workbooks as townships make them: title rows, a notes sheet, IDs Excel made numbers."""
    rows = clean_lines(count)
    for kind, at in damages:
        if kind != "truncate_bytes":
            rows = apply(rows, kind, at, data)
    path: Path = tmp_path_factory.mktemp("damaged") / "龙津镇_2024-10-20.xlsx"
    book = xlsxwriter.Workbook(str(path))
    if notes_sheet_first:
        book.add_worksheet("填表说明").write(0, 0, "身份证号请设为文本格式")
    sheet = book.add_worksheet("花名册")
    for line in range(title_rows):
        sheet.merge_range(line, 0, line, len(HEADER) - 1, f"2025年龙津镇参保花名册（{line + 1}）")
    sheet.write_row(title_rows, 0, HEADER)
    for offset, row in enumerate(rows, start=title_rows + 1):
        for column, value in enumerate(row):
            if numeric_ids and column == 1 and value.isdigit():
                sheet.write_number(offset, column, float(value))  # what Excel does to a long number
            else:
                sheet.write_string(offset, column, value)
    book.close()
    # with a notes sheet first, the campaign names the data sheet in its config
    valid = assert_accounted_for(path, "花名册" if notes_sheet_first else None)
    written_as_numbers = {r[1] for r in rows if numeric_ids and r[1].isdigit()}
    assert written_as_numbers.isdisjoint(valid["id_number"])  # never guessed back
