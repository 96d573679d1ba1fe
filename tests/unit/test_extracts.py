from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

from flows.extracts import ExtractError, file_sha256, read_extract
from schemas.headers import ROSTER_HEADERS, alias_lookup, map_headers, normalize_header

LOOKUP = alias_lookup()
ROWS = [
    ["350423199003071232", "张三", "龙津镇", "城关社区", "2024-10-16", "个人缴费"],
    ["35042319851111456X", "李四", "嵩溪镇", "东华村", "2024-10-17", "共济账户"],
]


def write_csv(path: Path, header: list[str], encoding: str, sep: str = ",", title: bool = False):
    lines = ([f"2025年龙津镇参保花名册{sep * (len(header) - 1)}"] if title else []) + [
        sep.join(header),
        *(sep.join(r) for r in ROWS),
    ]
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "sep"), [("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","), ("gb18030", "\t")]
)
def test_csv_in_every_encoding_reads_the_same(tmp_path, encoding, sep):
    header = ["公民身份号码", "姓名", "乡（镇）", "村居", "参保日期", "资助类别"]
    path = write_csv(tmp_path / "a.csv", header, encoding, sep, title=True)
    extract = read_extract(path, LOOKUP)
    assert extract.header_row == 2
    assert extract.frame["source_row"].tolist() == [3, 4]
    assert extract.frame["id_number"].tolist() == [ROWS[0][0], ROWS[1][0]]
    assert extract.frame["township"].tolist() == ["龙津镇", "嵩溪镇"]
    assert extract.frame["channel"].tolist() == ["个人缴费", "共济账户"]


def test_xlsx_with_title_row_numeric_id_and_named_sheet(tmp_path):
    path = tmp_path / "b.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("说明").write(0, 0, "填表说明")
    sheet = book.add_worksheet("花名册")
    sheet.merge_range(0, 0, 0, 5, "2025年龙津镇参保花名册")
    for col, header in enumerate(["序号", "身份证号码", "姓名", "乡镇", "村(居)", "投保日期"]):
        sheet.write(1, col, header)
    sheet.write_row(2, 0, [1, ROWS[0][0], "张三", "龙津镇", "城关社区", "2024-10-16"])
    sheet.write_row(3, 0, [2, 350423199003071232, "王五", "龙津镇", "城关社区", "2024-10-16"])
    sheet.write_row(5, 0, ["合计", "", "", "", "", ""])
    book.close()
    extract = read_extract(path, LOOKUP, sheet="花名册")
    assert extract.sheet == "花名册"
    assert extract.frame["source_row"].tolist() == [3, 4, 6]  # the blank row 5 is not data
    # a number Excel stored as float keeps its E+ form: the lost digits are never guessed
    assert extract.frame["id_number"].tolist()[:2] == [ROWS[0][0], "3.50423199003071E+17"]


def test_missing_required_column_names_the_file_and_column(tmp_path):
    path = write_csv(tmp_path / "c.csv", ["身份证号", "姓名", "村居"], "utf-8")
    with pytest.raises(ExtractError, match=r"c\.csv.*缺少必需列：乡镇、投保日期"):
        read_extract(path, LOOKUP)


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02garbage\xff\xfe", b"just,some,text\n1,2,3"])
def test_unreadable_files_raise_extract_error(tmp_path, content):
    path = tmp_path / "d.csv"
    path.write_bytes(content)
    with pytest.raises(ExtractError, match=r"d\.csv"):
        read_extract(path, LOOKUP)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        (
            "e.xlsx",
            b"PK\x03\x04 not really a zip",
            "不是有效的 XLSX 文件（可能已损坏或实为其他格式）",
        ),
        ("e.xlsx", "身份证号,姓名\n".encode(), "不是有效的 XLSX 文件（可能已损坏或实为其他格式）"),
        (
            "e.xls",
            b"<html>an export named .xls</html>",
            "不是有效的 XLS 文件（可能已损坏或实为其他格式）",
        ),
        (
            "e.csv",
            '身份证号,姓名,乡镇,投保日期\n1,"张三,龙津镇,2024-10-16\n'.encode(),
            "CSV 格式有误（如引号未闭合，或某行的列数与表头不符），请检查后重新报送",
        ),
    ],
)
def test_a_file_no_library_can_parse_is_named_with_a_chinese_reason(
    tmp_path, name, content, reason
):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ExtractError) as caught:
        read_extract(path, LOOKUP)
    assert str(caught.value) == f"文件 {name} 无法读取：{reason}"


def test_a_file_the_process_may_not_open_is_named_with_a_chinese_reason(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "f.csv", ["身份证号", "姓名", "乡镇", "投保日期"], "utf-8")
    denied = PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(Path, "open", lambda self, *args, **kwargs: (_ for _ in ()).throw(denied))
    with pytest.raises(ExtractError) as caught:
        file_sha256(path)
    assert str(caught.value) == (
        "文件 f.csv 无法读取：没有读取权限（请检查文件权限，或文件是否正被其他程序占用）"
    )


@pytest.mark.parametrize("title", [False, True])
@pytest.mark.parametrize(("encoding", "sep"), [("utf-8-sig", ","), ("gbk", "\t")])
def test_a_header_without_rows_is_a_file_of_no_rows(tmp_path, encoding, sep, title):
    lines = (["2025年龙津镇参保花名册"] if title else []) + [
        sep.join(["身份证号", "姓名", "乡镇", "投保日期"])
    ]
    path = tmp_path / "g.csv"
    path.write_bytes("\r\n".join(lines).encode(encoding))
    extract = read_extract(path, LOOKUP)
    assert extract.frame.empty
    assert {"source_row", "id_number", "name", "township", "bought_on"} <= set(extract.frame)


def test_a_workbook_header_without_rows_is_a_file_of_no_rows(tmp_path):
    path = tmp_path / "h.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("花名册").write_row(0, 0, ["身份证号", "姓名", "乡镇", "投保日期"])
    book.close()
    extract = read_extract(path, LOOKUP)
    assert extract.frame.empty
    assert {"source_row", "id_number", "name", "township", "bought_on"} <= set(extract.frame)


def test_header_aliases_map_to_canonical_columns():
    headers = ["序号", "身份证", " 姓 名 ", "所属乡镇", "行政村", "缴费日期", "缴费方式"]
    assert map_headers(headers, LOOKUP) == {
        1: "id_number",
        2: "name",
        3: "township",
        4: "village",
        5: "bought_on",
        6: "channel",
    }
    assert normalize_header("村（居）\n") == "村(居)"


aliases = st.sampled_from(
    [(alias, canonical) for canonical, names in ROSTER_HEADERS.items() for alias in names]
)


@given(aliases, st.lists(st.sampled_from([" ", "\u3000", "\n", "\t"]), max_size=3), st.data())
def test_any_spacing_or_bracket_width_maps_to_the_same_column(alias_and_canonical, gaps, data):
    alias, canonical = alias_and_canonical
    damaged = alias.replace("(", "（").replace(")", "）") if data.draw(st.booleans()) else alias
    for gap in gaps:
        position = data.draw(st.integers(0, len(damaged)))
        damaged = damaged[:position] + gap + damaged[position:]
    assert map_headers(["序号", damaged], LOOKUP) == {1: canonical}


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8"])
def test_a_file_larger_than_the_sample_its_encoding_is_judged_by_reads_whole(tmp_path, encoding):
    """The first 64 KiB decide the encoding; a GBK file over that size once read as
    garbled UTF-8 and was refused for want of a header."""
    header = ["身份证号", "姓名", "乡镇", "村(居)", "投保日期", "缴费方式"]
    lines = [",".join(header)] + [",".join(ROWS[n % 2]) for n in range(4000)]
    path = tmp_path / "龙津镇_2024-10-20.csv"
    path.write_bytes("\n".join(lines).encode(encoding))
    assert path.stat().st_size > 1 << 16
    extract = read_extract(path, LOOKUP)
    assert extract.encoding == ("utf-8" if encoding == "utf-8" else "gb18030")
    assert len(extract.frame) == 4000
    assert extract.frame["name"].tolist()[:2] == ["张三", "李四"]
    assert extract.frame["source_row"].iloc[-1] == 4001
