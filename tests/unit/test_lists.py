"""The lists beside the rosters as files: read, checked, replaced, every row accounted."""

import os
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from flows.config import load_campaign
from flows.lists import read_lists
from schemas.identity import with_check_char
from tests.conftest import QINGLIU

AS_OF = date(2024, 11, 13)
IDS = with_check_char(
    pd.Series([f"3504231980010100{k}" for k in range(1, 8)], dtype="string")
).tolist()


@pytest.fixture
def campaign(home):
    return load_campaign(QINGLIU, home)


def write(folder: Path, name: str, rows: dict, *, encoding="utf-8-sig", age=0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if name.endswith(".xlsx"):
        pd.DataFrame(rows).to_excel(path, index=False)
    else:
        pd.DataFrame(rows).to_csv(path, index=False, encoding=encoding)
    stamp = 1_700_000_000 + age
    os.utime(path, (stamp, stamp))
    return path


def test_bad_staff_rows_are_set_aside_with_their_reasons(campaign, tmp_path):
    wrong_check = IDS[3][:-1] + ("1" if IDS[3][-1] != "1" else "2")
    write(
        tmp_path / "单位职工",
        "县财政局_职工名册.csv",
        {
            "序号": [1, 2, 3, 4, 5, 6],
            "单位": ["县财政局", "县财政局", "县财政局", "县财政局", "县财政局", "县财政 局"],
            "姓名": ["张三", "李四", "王五", "赵六", "张三", "钱七"],
            "身份证号": [IDS[0], IDS[1], IDS[2], wrong_check, IDS[0], IDS[4]],
            "人员类别": ["在编", "聘用人员", None, "合同工", "在编在岗", "退休"],
        },
        encoding="gb18030",
    )
    lists = read_lists(campaign, tmp_path, AS_OF)
    staff = lists.rows["staff"]
    assert staff["id_number"].tolist() == IDS[:3]
    assert staff["staff_type"].tolist()[:2] == ["在编在岗", "临聘"]  # spellings normalised
    reasons = lists.rejects.groupby("source_row")["reason"].apply(list).to_dict()
    assert reasons[5] == [
        "身份证号校验位错误（最后一位与前17位不符），请核对号码",
        "人员类别无法识别（应为 在编在岗、临聘、退休，或不填）",
    ]
    assert reasons[6] == ["同一人在本单位职工名册中重复出现，只计一次"]
    assert reasons[7] == [
        "单位“县财政 局”不在活动配置的单位名单（[staff] units）中，是否为“县财政局”？"
    ]
    (entry,) = lists.files
    assert (entry.rows_read, entry.rows_loaded, entry.rows_rejected) == (6, 3, 3)


def test_a_later_roster_of_a_unit_replaces_its_earlier_one(campaign, tmp_path):
    folder = tmp_path / "单位职工"
    write(folder, "县财政局_1.csv", {"单位": ["县财政局"] * 2, "姓名": ["甲", "乙"],
                                     "身份证号": IDS[:2]}, age=0)  # fmt: skip
    write(folder, "县教育局.csv", {"单位": ["县教育局"], "姓名": ["丙"], "身份证号": [IDS[2]]},
          age=1)  # fmt: skip
    write(folder, "县财政局_2.xlsx", {"单位": ["县财政局"], "姓名": ["丁"], "身份证号": [IDS[3]]},
          age=2)  # fmt: skip
    lists = read_lists(campaign, tmp_path, AS_OF)
    assert sorted(lists.rows["staff"]["id_number"]) == sorted([IDS[2], IDS[3]])
    status = {f.file_name: (f.status, f.rows_replaced) for f in lists.files}
    assert status["县财政局_1.csv"] == ("replaced", 2)
    assert status["县教育局.csv"] == ("loaded", 0)


def test_family_rows_must_name_a_staff_member_of_their_unit(campaign, tmp_path):
    write(tmp_path / "单位职工", "县财政局.csv",
          {"单位": ["县财政局"], "姓名": ["甲"], "身份证号": [IDS[0]]})  # fmt: skip
    write(
        tmp_path / "职工家属",
        "县财政局_家属.xlsx",
        {
            "单位": ["县财政局", "县财政局"],
            "职工姓名": ["甲", "乙"],
            "职工身份证号": [IDS[0], IDS[1]],
            "家属姓名": ["甲父", "乙母"],
            "家属身份证号": [IDS[2], IDS[3]],
            "与职工关系": ["父亲", "母亲"],
        },
    )
    lists = read_lists(campaign, tmp_path, AS_OF)
    assert lists.rows["family"]["id_number"].tolist() == [IDS[2]]
    family_rejects = lists.rejects[lists.rejects["list_kind"] == "family"]
    assert family_rejects["reason"].tolist() == [
        "职工身份证号不在本单位职工名册中，家属无法对应到职工"
    ]


def test_the_hardship_list_in_force_is_the_latest_dated_by_the_as_of_date(campaign, tmp_path):
    folder = tmp_path / "救助对象"
    rows = {"乡镇": ["嵩溪", "火星镇"], "姓名": ["甲", "乙"], "身份证号": IDS[:2],
            "救助类别": ["低保对象", "乞讨"]}  # fmt: skip
    write(folder, "救助对象名单_2024-11-01.csv", rows, age=0)
    write(folder, "救助对象名单_2024-12-01.csv", {**rows, "救助类别": ["特困", "孤儿"]}, age=1)
    lists = read_lists(campaign, tmp_path, AS_OF)
    hardship = lists.rows["hardship"]
    assert hardship[["township", "category"]].values.tolist() == [["嵩溪镇", "低保"]]
    categories = "特困供养、低保、孤儿、五老、残疾人、计生特殊家庭、脱贫监测户"
    assert sorted(lists.rejects["reason"]) == [
        "乡镇“火星镇”不在本县乡镇名录中，是否为“龙津镇”？",
        f"救助类别“乞讨”无法识别（应为 {categories}）",
    ]
    later = [f for f in lists.files if f.status == "later"]
    assert [f.file_name for f in later] == ["救助对象名单_2024-12-01.csv"]
    # on the later date the later list replaces the earlier one whole
    lists = read_lists(campaign, tmp_path, date(2024, 12, 2))
    assert lists.rows["hardship"]["category"].tolist() == ["特困供养"]  # 火星镇 still unknown
    assert {f.file_name: f.status for f in lists.files}["救助对象名单_2024-11-01.csv"] == (
        "replaced"
    )


def test_a_list_that_cannot_be_read_is_said_in_chinese(campaign, tmp_path):
    folder = tmp_path / "救助对象"
    folder.mkdir()
    (folder / "救助对象名单.xlsx").write_bytes(b"not a workbook")
    lists = read_lists(campaign, tmp_path, AS_OF)
    (entry,) = lists.files
    assert entry.status == "file_error"
    assert entry.error.startswith("救助对象名单文件 救助对象名单.xlsx 无法读取")
    assert lists.rows["hardship"].empty
