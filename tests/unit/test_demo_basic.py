"""demo.yongchun: 永春县 basic-insurance demo deliveries built from one village plan."""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from demo import yongchun as demo_basic
from demo.yongchun import (
    COUNTS_DEFECTS,
    counts_defects,
    village_plan,
    write_person_register,
    write_village_counts,
)
from schemas.identity import check_chars

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "data" / "reference" / "yongchun_2023_basic_coverage.csv"
AS_OF = date(2023, 6, 3)
SMALL = 0.05
FIELDS = ["registered", "enrolled_local", "enrolled_elsewhere", "lapsed"]
CANONICAL = {
    "村(居)": "village",
    "户籍人口": "registered",
    "户籍人口数": "registered",
    "本地参保": "enrolled_local",
    "本地参保人数": "enrolled_local",
    "异地参保": "enrolled_elsewhere",
    "异地参保人数": "enrolled_elsewhere",
    "上年缴费本年未缴费": "lapsed",
    "断缴人数": "lapsed",
}


def reference() -> pd.DataFrame:
    """The reference table read independently: full name -> counts."""
    ref = pd.read_csv(REFERENCE, dtype={"rank": str})
    ref = ref[ref["rank"] != "合计"]
    places = pd.read_csv(ROOT / "data" / "reference" / "townships.csv", dtype=str)
    places = places[places["county_code"] == "350525"]
    full = {name[:-1]: name for name in places["township"]}
    ref = ref.assign(township=ref["township"].map(full))
    assert ref["township"].notna().all()
    return ref.set_index("township")


def read_counts(path: Path) -> tuple[pd.DataFrame, dict]:
    """A village counts file as canonical columns (合计 row kept), plus how it was read."""
    info: dict = {}
    if path.suffix == ".xlsx":
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        assert sum(1 for v in rows[0] if v != "") == 1, "title row expected above the header"
        info["title"] = rows[0][0]
        frame = pd.DataFrame(rows[2:], columns=rows[1])
        info["encoding"] = "xlsx"
    else:
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            info["encoding"] = "utf-8-sig"
        else:
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            info["encoding"] = "gbk"
        frame = pd.read_csv(path, encoding=info["encoding"], dtype={"村(居)": str})
    assert set(frame.columns) <= set(CANONICAL), frame.columns
    frame = frame.rename(columns=CANONICAL)
    assert list(frame.columns) == ["village", *FIELDS]
    return frame.astype({f: "int64" for f in FIELDS}), info


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> dict:
    """Counts and register at scale 0.05, written once."""
    raw = tmp_path_factory.mktemp("small")
    counts = write_village_counts(raw, REFERENCE, as_of=AS_OF, scale=SMALL)
    register = write_person_register(raw, REFERENCE, as_of=AS_OF, scale=SMALL)
    persons = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8") for p in register],
        ignore_index=True,
    )
    return {"raw": raw, "counts": counts, "register": register, "persons": persons}


def test_plan_full_scale_equals_reference_exactly():
    plan = village_plan(REFERENCE)
    ref = reference()
    sums = plan.groupby("township", sort=False)[
        ["registered", "enrolled_local", "enrolled_elsewhere", "enrolled", "unenrolled"]
    ].sum()
    assert list(sums.index) == list(ref.index)  # reference order kept
    for col in ["registered", "enrolled_local", "enrolled_elsewhere", "enrolled", "unenrolled"]:
        assert (sums[col] == ref[col]).all(), col
    assert sums["registered"].sum() == 578_096
    assert sums["enrolled"].sum() == 542_626

    per_township = plan.groupby("township").size()
    assert per_township.between(8, 25).all()
    assert plan["village"].is_unique
    assert plan["village"].str.match(r"^\w+(村|社区)$").all()
    counts = plan[["registered", "enrolled_local", "enrolled_elsewhere", "lapsed"]]
    assert (counts >= 0).all().all()
    assert (plan["enrolled_local"] + plan["enrolled_elsewhere"] <= plan["registered"]).all()
    assert (plan["enrolled"] == plan["enrolled_local"] + plan["enrolled_elsewhere"]).all()
    assert (plan["unenrolled"] == plan["registered"] - plan["enrolled"]).all()
    # lapsed: 30%-60% of the unenrolled; paid last year: 90%-98% of the enrolled (rounded)
    assert (plan["lapsed"] >= np.floor(0.30 * plan["unenrolled"])).all()
    assert (plan["lapsed"] <= np.ceil(0.60 * plan["unenrolled"])).all()
    assert (plan["paid_last_year"] >= np.floor(0.90 * plan["enrolled"])).all()
    assert (plan["paid_last_year"] <= np.ceil(0.98 * plan["enrolled"])).all()
    codes = plan.groupby("township")["township_code"].first()
    assert codes.astype(str).str.startswith("350525").all()


def test_plan_is_deterministic_and_scale_keeps_villages():
    a = village_plan(REFERENCE, seed=7)
    pd.testing.assert_frame_equal(a, village_plan(REFERENCE, seed=7))
    assert not a.equals(village_plan(REFERENCE, seed=8))
    s = village_plan(REFERENCE, scale=SMALL)
    assert list(s["village"]) == list(village_plan(REFERENCE)["village"])
    ref = reference()
    sums = s.groupby("township", sort=False)[["registered", "enrolled_local"]].sum()
    assert (sums["registered"] == np.rint(ref["registered"] * SMALL)).all()
    assert (sums["enrolled_local"] == np.rint(ref["enrolled_local"] * SMALL)).all()
    assert (s["enrolled_local"] + s["enrolled_elsewhere"] <= s["registered"]).all()


def test_village_counts_rows_sum_to_reference(tmp_path):
    paths = write_village_counts(tmp_path, REFERENCE, as_of=AS_OF)
    ref = reference()
    assert len(paths) == 22
    defects = {d["file"]: d for d in COUNTS_DEFECTS}
    encodings = {}
    seen_defects = []
    for path in paths:
        township, day, kind = path.stem.split("_")
        assert day == "2023-06-03" and kind == "村级汇总"
        frame, info = read_counts(path)
        encodings[township] = info["encoding"]
        if "title" in info:
            assert info["title"] == f"永春县{township}基本医保参保情况汇总表"
        assert frame["village"].iloc[-1] == "合计"
        body, total = frame.iloc[:-1], frame.iloc[-1]
        assert 8 <= len(body) <= 25 and body["village"].is_unique
        sums = body[FIELDS].sum()
        for field in ["registered", "enrolled_local", "enrolled_elsewhere"]:
            assert sums[field] == ref.loc[township, field], (township, field)
        for field in FIELDS:
            if total[field] != sums[field]:
                seen_defects.append((path.name, field, int(total[field]), int(sums[field])))
        if path.name in defects:
            d = defects[path.name]
            assert int(total[d["field"]]) == d["stated"] != d["true"] == int(sums[d["field"]])
    # exactly one wrong 合计 cell in the county, the documented one
    assert seen_defects == [(d["file"], d["field"], d["stated"], d["true"]) for d in COUNTS_DEFECTS]
    assert COUNTS_DEFECTS[0]["true"] == ref.loc["湖洋镇", "enrolled_local"]
    # formats: mostly UTF-8 with BOM, a few GBK, one or two XLSX
    kinds = pd.Series(encodings).value_counts()
    assert kinds["utf-8-sig"] > 11 and 1 <= kinds["gbk"] <= 5 and 1 <= kinds["xlsx"] <= 2


def test_counts_defects_constant_matches_the_default_run():
    assert counts_defects(REFERENCE, as_of=AS_OF) == COUNTS_DEFECTS
    scaled = counts_defects(REFERENCE, as_of=date(2023, 6, 8), scale=SMALL)
    assert scaled[0]["file"] == "湖洋镇_2023-06-08_村级汇总.csv"
    assert scaled[0]["stated"] != scaled[0]["true"]


def test_register_agrees_with_counts_village_by_village(small):
    persons = small["persons"]
    assert list(persons.columns) == [
        "身份证号", "姓名", "乡镇", "村(居)", "险种", "参保地", "缴费日期", "上年是否缴费",
    ]  # fmt: skip
    status = persons.assign(
        registered=1,
        enrolled_local=persons["参保地"] == "本地",
        enrolled_elsewhere=persons["参保地"] == "异地",
        lapsed=(persons["参保地"] == "") & (persons["上年是否缴费"] == "是"),
        paid_last_year=(persons["参保地"] != "") & (persons["上年是否缴费"] == "是"),
    )
    from_register = status.groupby(["乡镇", "村(居)"])[[*FIELDS, "paid_last_year"]].sum()
    from_register.index.names = ["township", "village"]

    rows = []
    for path in small["counts"]:
        frame, _ = read_counts(path)
        rows.append(frame.iloc[:-1].assign(township=path.stem.split("_")[0]))
    from_counts = pd.concat(rows).set_index(["township", "village"])[FIELDS]
    assert len(from_counts) == len(from_register)
    joined = from_counts.merge(
        from_register, left_index=True, right_index=True, how="outer", suffixes=("", "_register")
    )
    assert joined.notna().all().all()
    for field in FIELDS:
        assert (joined[field] == joined[f"{field}_register"]).all(), field

    plan = village_plan(REFERENCE, scale=SMALL).set_index(["township", "village"])
    assert (
        from_register["paid_last_year"] == plan["paid_last_year"].reindex(from_register.index)
    ).all()
    assert len(persons) == plan["registered"].sum() == round(578_096 * SMALL)


def test_register_persons_are_valid(small):
    persons = small["persons"]
    ids = persons["身份证号"]
    assert ids.str.fullmatch(r"\d{17}[\dX]").all()
    assert (check_chars(ids.str[:17]) == ids.str[17]).all()
    assert ids.is_unique
    code = ids.str[:6]
    assert set(code) <= {"350525", "352425"}
    birth = pd.to_datetime(ids.str[6:14], format="%Y%m%d")
    assert (birth[code == "352425"].dt.year < 1985).all()
    age = (pd.Timestamp(AS_OF) - birth).dt.days // 365.25
    assert age.between(0, 100).all()
    assert persons["姓名"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert (
        (persons["乡镇"] + "_" + AS_OF.isoformat() + "_花名册.csv")
        .isin([p.name for p in small["register"]])
        .all()
    )

    enrolled = persons["参保地"] != ""
    assert set(persons["参保地"]) == {"本地", "异地", ""}
    assert set(persons.loc[enrolled, "险种"]) == {"职工医保", "居民医保"}
    assert (persons.loc[~enrolled, ["险种", "缴费日期"]] == "").all().all()
    employee = (persons.loc[enrolled, "险种"] == "职工医保").mean()
    assert 0.20 < employee < 0.30
    assert (age[persons["险种"] == "职工医保"] >= 18).all()
    paid = pd.to_datetime(persons.loc[enrolled, "缴费日期"], format="%Y-%m-%d")
    assert paid.between(pd.Timestamp("2022-09-01"), pd.Timestamp(AS_OF)).all()
    assert (paid >= birth[enrolled]).all()
    assert set(persons["上年是否缴费"]) == {"是", "否"}


def test_two_runs_are_byte_identical(tmp_path):
    dirs = [tmp_path / "a", tmp_path / "b"]
    for d in dirs:
        write_village_counts(d, REFERENCE, as_of=AS_OF, scale=0.02)
        write_person_register(d, REFERENCE, as_of=AS_OF, scale=0.02)
    names = sorted(p.name for p in dirs[0].iterdir())
    assert names == sorted(p.name for p in dirs[1].iterdir())
    assert len(names) == 44
    match, mismatch, errors = filecmp.cmpfiles(dirs[0], dirs[1], names, shallow=False)
    assert match == names and mismatch == [] and errors == []


def test_cli_writes_both_kinds(tmp_path, capsys):
    args = ["--as-of", "2023-06-03", "--scale", "0.01"]
    assert demo_basic.main(["counts", str(tmp_path), *args]) == 0
    assert demo_basic.main(["register", str(tmp_path), *args]) == 0
    assert len(list(tmp_path.glob("*_2023-06-03_村级汇总.*"))) == 22
    assert len(list(tmp_path.glob("*_2023-06-03_花名册.csv"))) == 22
    assert "wrote 22 register files" in capsys.readouterr().out
