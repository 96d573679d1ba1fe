"""demo.qingliu: deterministic, realistic township extracts with known defects, and the
units' staff and family rosters and the hardship list beside them."""

from __future__ import annotations

import filecmp
import hashlib
import itertools
import re
import tomllib
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from stdnum.cn import ric

from demo import DEMOS
from demo import qingliu as demo_data
from demo.qingliu import DEMO_DEFECTS, demo_defects, write_demo_extracts, write_demo_lists
from flows.config import DEFAULT_HARDSHIP

ROOT = Path(__file__).resolve().parents[2]
BASE_CSV = ROOT / "data" / "reference" / "qingliu_2025_puhui_assignments.csv"
TOWNSHIPS_CSV = ROOT / "data" / "reference" / "townships.csv"
CAMPAIGN = tomllib.loads((ROOT / "campaigns" / "qingliu_2025_puhui.toml").read_text("utf-8"))
START = date(2024, 10, 15)
AS_OF = date(2024, 11, 13)

CANONICAL = {
    "身份证号": "id",
    "公民身份号码": "id",
    "证件号码": "id",
    "姓名": "name",
    "乡镇": "township",
    "所属乡镇": "township",
    "村(居)": "village",
    "村居": "village",
    "投保日期": "date",
    "参保日期": "date",
    "缴费方式": "channel",
    "资助类别": "channel",
}
CHANNELS = {"个人缴费", "共济账户", "单位团体", "政府资助", "村集体资助", "慈善捐赠"}
# spelling -> channel, as the campaign file lists them
CHANNEL_OF = {
    spelling: name
    for name, others in CAMPAIGN["channels"]["aliases"].items()
    for spelling in (name, *others)
}
# sha256 of every roster file's name and content (read_extract, as CSV) of the default run,
# channels by their canonical names: the rows as they were before other spellings came in
ROSTER_DIGEST = "ae54f4f0e0befa6952522d5cf5beb0bc0079ea73026bc5ddd4e095a60da3bfd7"


def _parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.strptime(value.replace("/", "-"), "%Y-%m-%d").date()


def read_table(path: Path) -> tuple[pd.DataFrame, dict]:
    """A file's rows under its own header (a title row above it skipped), plus what was
    learnt reading it."""
    info: dict = {"title_row": False}
    if path.suffix == ".xlsx":
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        if sum(1 for v in rows[0] if v != "") == 1:
            info["title"] = rows[0][0]
            info["title_row"] = True
            rows = rows[1:]
        frame = pd.DataFrame(rows[1:], columns=rows[0], dtype=object)
        info["encoding"] = "xlsx"
    else:
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            info["encoding"] = "utf-8-sig"
        else:
            try:
                raw.decode("utf-8")
                info["encoding"] = "utf-8"
            except UnicodeDecodeError:
                info["encoding"] = "gbk"
        frame = pd.read_csv(path, dtype=str, encoding=info["encoding"], keep_default_na=False)
    info["headers"] = list(frame.columns)
    return frame, info


def read_extract(path: Path) -> tuple[pd.DataFrame, dict]:
    """A delivery file as canonical columns, plus what was learnt reading it."""
    frame, info = read_table(path)
    frame = frame.rename(columns=CANONICAL)
    info["real_dates"] = bool(len(frame)) and isinstance(frame["date"].iloc[0], date)
    frame["date"] = frame["date"].map(_parse_date)
    return frame, info


def _township_and_delivery(path: Path) -> tuple[str, date]:
    name, day = path.stem.rsplit("_", 1)
    return name, date.fromisoformat(day)


def _id_ok(number: str) -> bool:
    """Valid per stdnum; 350423 numbers of people born before 1983 are checked as 352723.

    stdnum's place table dates 350423 from 1983, but people born earlier got
    350423 numbers too; for them everything but the place-year rule is checked.
    """
    if ric.is_valid(number):
        return True
    if number.startswith("350423") and len(number) == 18 and int(number[6:10]) < 1983:
        if number[-1] != ric.calc_check_digit(number):
            return False
        retired = "352723" + number[6:17]
        return ric.is_valid(retired + ric.calc_check_digit(retired + "0"))
    return False


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    raw = tmp_path_factory.mktemp("raw")
    paths = write_demo_extracts(raw, BASE_CSV, start=START, as_of=AS_OF)
    files = {}
    for path in paths:
        frame, info = read_extract(path)
        files[path.name] = (path, frame, info)
    return {"dir": raw, "paths": paths, "files": files}


@pytest.fixture(scope="module")
def base() -> dict[str, int]:
    table = pd.read_csv(BASE_CSV)
    table = table[table["township"] != "合计"]
    return dict(zip(table["township"], table["base_2025"], strict=True))


def _defect(kind: str) -> dict:
    [entry] = [d for d in DEMO_DEFECTS if d["kind"] == kind]
    return entry


def test_returns_sorted_paths_all_in_raw_dir(demo):
    paths = demo["paths"]
    assert paths == sorted(paths)
    assert {p.name for p in demo["dir"].iterdir()} == {p.name for p in paths}
    assert all(p.suffix in {".csv", ".xlsx"} for p in paths)


def test_two_runs_give_identical_bytes(demo, tmp_path):
    again = write_demo_extracts(tmp_path / "again", BASE_CSV, start=START, as_of=AS_OF)
    assert [p.name for p in again] == [p.name for p in demo["paths"]]
    for first, second in zip(demo["paths"], again, strict=True):
        assert filecmp.cmp(first, second, shallow=False), first.name


def test_other_seed_gives_other_data(demo, tmp_path):
    other = write_demo_extracts(tmp_path, BASE_CSV, start=START, as_of=AS_OF, seed=7)
    mine = {p.name: p.read_bytes() for p in demo["paths"]}
    assert any(p.name not in mine or p.read_bytes() != mine[p.name] for p in other)


def test_every_township_delivers_incrementally_every_three_days(demo, base):
    by_twp: dict[str, list[date]] = {}
    for path in demo["paths"]:
        name, day = _township_and_delivery(path)
        by_twp.setdefault(name, []).append(day)
    assert set(by_twp) == set(base)
    first_days = set()
    for name, days in by_twp.items():
        days.sort()
        first_days.add(days[0])
        assert days[-1] <= AS_OF
        assert all((b - a).days == 3 for a, b in itertools.pairwise(days)), name
        assert (AS_OF - days[-1]).days < 3
    assert len(first_days) > 1, "townships should be staggered"


def test_dates_inside_window_and_since_previous_delivery(demo):
    previous: dict[str, date] = {}
    for path in demo["paths"]:  # sorted: per township by delivery date
        name, delivered = _township_and_delivery(path)
        frame = demo["files"][path.name][1]
        assert len(frame) > 0
        assert frame["date"].min() >= START
        assert frame["date"].max() <= delivered <= AS_OF
        if name in previous:
            assert frame["date"].min() > previous[name], path.name
        previous[name] = delivered


def test_rows_ordered_by_date_then_village(demo):
    for path, frame, _ in demo["files"].values():
        keys = list(zip(frame["date"], frame["village"], strict=True))
        assert keys == sorted(keys), path.name


def test_more_purchases_at_the_start_than_in_the_middle(demo):
    frame = pd.concat(f for _, f, _ in demo["files"].values())
    per_day = frame.groupby("date").size()
    first_three = per_day.loc[[START + pd.Timedelta(days=i) for i in range(3)]].mean()
    middle = per_day.loc[[START + pd.Timedelta(days=i) for i in range(12, 18)]].mean()
    assert first_three > 1.3 * middle
    assert len(per_day) == (AS_OF - START).days + 1


def test_ids_valid_except_the_documented_bad_one(demo):
    bad = []
    for name, (_, frame, _) in demo["files"].items():
        for row, number in enumerate(frame["id"], start=1):
            assert isinstance(number, str) and len(number) == 18
            if not _id_ok(number):
                bad.append((name, row))
    entry = _defect("bad_check_digit")
    assert bad == [(entry["file"], entry["row"])]
    number = demo["files"][entry["file"]][1]["id"].iloc[entry["row"] - 1]
    assert number[-1] != ric.calc_check_digit(number)
    with pytest.raises(ric.InvalidChecksum):
        ric.validate(number)


def test_ids_unique_across_county_except_the_duplicate(demo):
    frame = pd.concat(f for _, f, _ in demo["files"].values())
    counts = frame["id"].value_counts()
    assert (counts > 1).sum() == 1
    entry = _defect("duplicate_row")
    dup = demo["files"][entry["file"]][1]
    assert counts[dup["id"].iloc[entry["row"] - 1]] == 2


def test_duplicate_row_is_identical_copy(demo):
    entry = _defect("duplicate_row")
    path, frame, _ = demo["files"][entry["file"]]
    raw = path.read_bytes().decode(demo["files"][entry["file"]][2]["encoding"]).splitlines()
    assert raw[entry["row"]] == raw[entry["same_as_row"]]  # line 0 is the header
    assert frame.iloc[entry["row"] - 1].equals(frame.iloc[entry["same_as_row"] - 1])
    assert frame.duplicated().sum() == 1


def test_unknown_township_row(demo):
    known = set(pd.read_csv(TOWNSHIPS_CSV)["township"])
    entry = _defect("unknown_township")
    odd = []
    for name, (path, frame, _) in demo["files"].items():
        township, _ = _township_and_delivery(path)
        for row, value in enumerate(frame["township"], start=1):
            if value != township:
                odd.append((name, row, value))
    assert odd == [(entry["file"], entry["row"], "龙律镇")]
    assert "龙律镇" not in known


def test_defects_are_in_first_files_of_three_townships(demo):
    assert demo_defects(start=START, as_of=AS_OF) == DEMO_DEFECTS
    assert sorted(d["kind"] for d in DEMO_DEFECTS) == [
        "bad_check_digit",
        "duplicate_row",
        "unknown_township",
    ]
    townships = {_township_and_delivery(Path(d["file"]))[0] for d in DEMO_DEFECTS}
    assert len(townships) == 3
    for entry in DEMO_DEFECTS:
        name = _township_and_delivery(Path(entry["file"]))[0]
        first = min(p for p in demo["paths"] if p.name.startswith(name + "_"))
        assert first.name == entry["file"]


def test_uptake_between_15_and_35_percent(demo, base):
    frame = pd.concat(
        f.assign(file_twp=_township_and_delivery(p)[0]) for p, f, _ in demo["files"].values()
    )
    frame = frame.drop_duplicates(subset=["id"])
    rates = frame.groupby("file_twp").size() / pd.Series(base)
    assert rates.between(0.15, 0.35).all(), rates
    assert rates.max() - rates.min() > 0.05, "uptake should differ between townships"


def test_formats(demo):
    infos = {name: info for name, (_, _, info) in demo["files"].items()}
    encodings = {info["encoding"] for info in infos.values()}
    assert encodings == {"utf-8", "gbk", "utf-8-sig", "xlsx"}
    xlsx = [info for info in infos.values() if info["encoding"] == "xlsx"]
    assert any(i["title_row"] for i in xlsx) and any(not i["title_row"] for i in xlsx)
    assert any(i["real_dates"] for i in xlsx) and any(not i["real_dates"] for i in xlsx)
    for name, info in infos.items():
        if info["title_row"]:
            township = _township_and_delivery(Path(name))[0]
            assert info["title"] == f"2025年{township}普惠医联保参保花名册"
    # a township keeps one format and one header across its deliveries
    per_twp: dict[str, set] = {}
    for name, info in infos.items():
        key = (info["encoding"], tuple(info["headers"]), info["title_row"])
        per_twp.setdefault(_township_and_delivery(Path(name))[0], set()).add(key)
    assert all(len(v) == 1 for v in per_twp.values())
    assert len({next(iter(v))[1] for v in per_twp.values()}) > 2, "aliases should vary"


def test_gbk_file_is_really_gbk(demo):
    gbk = [p for p, _, i in demo["files"].values() if i["encoding"] == "gbk"]
    assert gbk
    with pytest.raises(UnicodeDecodeError):
        gbk[0].read_bytes().decode("utf-8")


def test_text_dates_use_both_styles(demo):
    styles = set()
    for path, _, info in demo["files"].values():
        if path.suffix == ".csv":
            text = path.read_bytes().decode(info["encoding"])
            styles.add("/" if "2024/1" in text else "-")
    assert styles == {"/", "-"}


def test_people_look_real(demo):
    frame = pd.concat(f for _, f, _ in demo["files"].values())
    ids = frame["id"]
    birth = pd.to_datetime(ids.str[6:14], format="%Y%m%d")
    age = (pd.Timestamp(START) - birth).dt.days / 365.25
    assert age.min() >= 0 and age.max() < 96.5
    assert (age >= 18).mean() > 0.7
    assert 0.4 < (ids.str[16].astype(int) % 2 == 1).mean() < 0.6
    assert set(ids.str[:6]) == {"350423", "352723"}
    retired = ids[ids.str[:6] == "352723"]
    assert (retired.str[6:10].astype(int) < 1983).all()
    assert len(retired) < 0.01 * len(ids)
    assert frame["name"].str.len().between(2, 3).all()
    assert frame["name"].str[0].value_counts().index[:8].isin(list("黄李陈张刘罗巫赖邱王林")).all()
    channel = frame["channel"].map(CHANNEL_OF)
    assert channel.notna().all()
    assert set(channel) == CHANNELS
    top = channel.value_counts().index[:2]
    assert set(top) == {"个人缴费", "共济账户"}


def test_rows_unchanged_but_some_villages_spell_channels_their_own_way(demo, tmp_path):
    plain = write_demo_extracts(
        tmp_path, BASE_CSV, start=START, as_of=AS_OF, channel_spellings=False
    )
    assert [p.name for p in plain] == [p.name for p in demo["paths"]]
    digest = hashlib.sha256()
    spelled: dict[str, int] = {}
    for path in plain:
        frame, info = read_extract(path)
        digest.update(path.name.encode())
        digest.update(frame.to_csv(index=False).encode())
        assert set(frame["channel"]) <= CHANNELS
        _, written, written_info = demo["files"][path.name]
        assert written_info == info, path.name
        others = [c for c in frame.columns if c != "channel"]
        assert written[others].equals(frame[others]), path.name
        assert written["channel"].map(CHANNEL_OF).tolist() == frame["channel"].tolist()
        changed = int((written["channel"] != frame["channel"]).sum())
        if changed:
            township = _township_and_delivery(path)[0]
            spelled[township] = spelled.get(township, 0) + changed
    assert digest.hexdigest() == ROSTER_DIGEST
    assert 2 <= len(spelled) <= 3, spelled
    for township, changed in spelled.items():
        rows = sum(len(f) for p, f, _ in demo["files"].values() if p.name.startswith(township))
        assert changed < rows, "some villages keep the canonical names"
    written = pd.concat(f["channel"] for _, f, _ in demo["files"].values())
    assert {"个账", "单位集体投保", "财政资助"} & set(written)


def test_villages_per_township(demo):
    frame = pd.concat(
        f.assign(file_twp=_township_and_delivery(p)[0]) for p, f, _ in demo["files"].values()
    )
    villages = frame.groupby("file_twp")["village"].unique()
    for township, names in villages.items():
        assert 6 <= len(names) <= 15, township
        assert all(v.endswith(("村", "社区")) for v in names)
    everything = [v for names in villages for v in names]
    assert len(everything) == len(set(everything)), "village names unique in the county"
    assert "城关社区" in villages["龙津镇"]


def test_scale_multiplies_uptake_and_defects_can_be_off(tmp_path):
    paths = write_demo_extracts(
        tmp_path, BASE_CSV, start=START, as_of=AS_OF, scale=2.0, defects=False
    )
    frames = [read_extract(p)[0] for p in paths]
    total = sum(len(f) for f in frames)
    ids = pd.concat(f["id"] for f in frames)
    assert ids.is_unique
    assert all(_id_ok(x) for x in ids)
    table = pd.read_csv(BASE_CSV)
    base_total = table.loc[table["township"] != "合计", "base_2025"].sum()
    assert 0.30 * base_total < total < 0.70 * base_total


def test_short_window_and_bad_arguments(tmp_path):
    paths = write_demo_extracts(tmp_path, BASE_CSV, start=START, as_of=START, defects=False)
    assert len(paths) == 13
    for path in paths:
        assert _township_and_delivery(path)[1] == START
    with pytest.raises(ValueError):
        write_demo_extracts(tmp_path, BASE_CSV, start=AS_OF, as_of=START)


def test_cli(tmp_path, capsys):
    assert demo_data.main([str(tmp_path / "drop"), "--as-of", "2024-10-20"]) == 0
    out = capsys.readouterr().out
    files = sorted((tmp_path / "drop").iterdir())
    rows = sum(len(read_extract(p)[0]) for p in files)
    assert f"wrote {len(files)} files, {rows} rows" in out


# --- the lists beside the rosters: units' staff and families, the hardship list ---

UNITS = CAMPAIGN["staff"]["units"]
STAFF_HEADER = ["单位", "姓名", "身份证号", "人员类别"]
FAMILY_HEADER = ["单位", "职工姓名", "职工身份证号", "家属姓名", "家属身份证号", "与职工关系"]
HARDSHIP_HEADER = ["乡镇", "村(居)", "姓名", "身份证号", "救助类别"]
CATEGORY_OF = {
    spelling: name for name, others in DEFAULT_HARDSHIP.items() for spelling in (name, *others)
}
FULLY_FUNDED = set(CAMPAIGN["hardship"]["fully_funded"])
FUNDED_CHANNEL = CAMPAIGN["hardship"]["funded_channel"]


@pytest.fixture(scope="module")
def lists(tmp_path_factory) -> dict:
    raw = tmp_path_factory.mktemp("lists")
    paths = write_demo_lists(raw, BASE_CSV, UNITS, start=START, as_of=AS_OF)
    tables = {}
    for path in paths:
        frame, info = read_table(path)
        tables[path.relative_to(raw).as_posix()] = (path, frame, info)
    return {"dir": raw, "paths": paths, "tables": tables}


@pytest.fixture(scope="module")
def bought(demo) -> pd.DataFrame:
    """Who bought, by identity number: name, township, village and canonical channel."""
    frame = pd.concat(
        f.assign(file_twp=_township_and_delivery(p)[0]) for p, f, _ in demo["files"].values()
    )
    frame = frame.drop_duplicates(subset=["id"]).set_index("id")
    return frame.assign(channel=frame["channel"].map(CHANNEL_OF))


def _folder(lists: dict, folder: str) -> pd.DataFrame:
    """Every file of a folder, one frame (the file name in ``file``)."""
    return pd.concat(
        frame.assign(file=path.name)
        for key, (path, frame, _) in sorted(lists["tables"].items())
        if key.startswith(folder + "/")
    ).reset_index(drop=True)


def _staff(lists: dict) -> pd.DataFrame:
    return _folder(lists, "单位职工")


def _hardship(lists: dict) -> pd.DataFrame:
    [frame] = [f for key, (_, f, _) in lists["tables"].items() if key.startswith("救助对象/")]
    return frame.assign(category=frame["救助类别"].map(CATEGORY_OF))


def _male(id_number: str) -> bool:
    return int(id_number[16]) % 2 == 1


def _born(id_number: str) -> date:
    return datetime.strptime(id_number[6:14], "%Y%m%d").date()


def test_lists_layout_names_and_formats(lists):
    paths = lists["paths"]
    assert paths == sorted(paths)
    on_disk = sorted(p for p in lists["dir"].rglob("*") if p.is_file())
    assert on_disk == paths
    assert {p.parent.name for p in paths} == {"单位职工", "职工家属", "救助对象"}
    staff = [p for p in paths if p.parent.name == "单位职工"]
    family = [p for p in paths if p.parent.name == "职工家属"]
    assert sorted(p.stem for p in staff) == sorted(f"{u}_职工名册" for u in UNITS)
    assert {p.stem.removesuffix("_职工家属名册") for p in family} < set(UNITS)
    [hardship] = [p for p in paths if p.parent.name == "救助对象"]
    found = re.fullmatch(r"救助对象名单_(\d{4}-\d{2}-\d{2})\.xlsx", hardship.name)
    assert found and START <= date.fromisoformat(found[1]) <= AS_OF
    headers = {"单位职工": STAFF_HEADER, "职工家属": FAMILY_HEADER, "救助对象": HARDSHIP_HEADER}
    encodings = {}
    for key, (path, frame, info) in lists["tables"].items():
        assert info["headers"] == headers[path.parent.name], key
        assert len(frame) > 0, key
        encodings.setdefault(path.parent.name, []).append(info["encoding"])
        if info["title_row"]:
            assert info["title"].startswith(("县", "清流县")), key
    assert encodings["单位职工"].count("gbk") == 1
    assert {"xlsx", "utf-8"} <= set(encodings["单位职工"])
    titled = [i["title_row"] for _, _, i in lists["tables"].values() if i["encoding"] == "xlsx"]
    assert any(titled) and not all(titled)
    # a unit writes its staff and its family roster in one format
    unit_format = {p.stem.split("_")[0]: lists["tables"][f"单位职工/{p.name}"][2] for p in staff}
    for path in family:
        info = lists["tables"][f"职工家属/{path.name}"][2]
        assert info["encoding"] == unit_format[path.stem.split("_")[0]]["encoding"]


def test_lists_two_runs_give_identical_bytes(lists, tmp_path):
    again = write_demo_lists(tmp_path, BASE_CSV, UNITS, start=START, as_of=AS_OF)
    assert [p.relative_to(tmp_path) for p in again] == [
        p.relative_to(lists["dir"]) for p in lists["paths"]
    ]
    for first, second in zip(lists["paths"], again, strict=True):
        assert filecmp.cmp(first, second, shallow=False), first.name


def test_staff_per_unit_and_coverage_joined_to_the_rosters(lists, bought):
    staff = _staff(lists).drop_duplicates(subset=STAFF_HEADER)
    assert set(staff["单位"]) == set(UNITS)
    assert (staff["单位"] == staff["file"].str.split("_").str[0]).all()
    per_unit = staff.groupby("单位")["身份证号"].nunique()
    assert per_unit.between(30, 400).all(), per_unit
    assert set(per_unit.nlargest(2).index) == {"县总医院", "县教育局"}
    staff = staff.assign(covered=staff["身份证号"].isin(bought.index))
    rate = staff.groupby("单位")["covered"].mean()
    below = rate[rate < 0.80]
    assert 3 <= len(below) <= 4, rate
    assert below.min() < 0.50
    assert rate.max() - rate.min() > 0.3
    assert rate.drop(below.index).min() >= 0.80
    # buyers are the rosters' people (same name), mostly through their employer
    covered = staff[staff["covered"]]
    assert (covered["姓名"].to_numpy() == bought.loc[covered["身份证号"], "name"].to_numpy()).all()
    channel = bought.loc[covered["身份证号"], "channel"]
    assert channel.value_counts().index[0] == "单位团体"
    # the others are people of the county with valid numbers who did not buy
    others = staff.loc[~staff["covered"], "身份证号"]
    assert sum(not _id_ok(x) for x in others) == 1  # the defect
    assert set(others.str[:6]) <= {"350423", "352723"}
    categories = staff["人员类别"].value_counts()
    assert set(categories.index) == {"在编在岗", "临聘", "退休", ""}
    assert categories[""] == 1
    retired = staff.loc[staff["人员类别"] == "退休", "身份证号"]
    assert all((START - _born(x)).days / 365.25 >= 55 for x in retired)


def test_staff_defects(lists):
    staff = _staff(lists)
    invalid = staff[~staff["身份证号"].map(_id_ok)]
    assert len(invalid) == 1
    number = invalid["身份证号"].iloc[0]
    assert len(number) == 18 and number[-1] != ric.calc_check_digit(number)
    twice = staff[staff.duplicated(subset=STAFF_HEADER, keep=False)]
    assert len(twice) == 2 and twice.index[1] == twice.index[0] + 1
    assert (staff["人员类别"] == "").sum() == 1
    assert staff["身份证号"].str.len().eq(18).all()


def test_seconded_staff_are_on_two_units_rosters(lists, bought):
    staff = _staff(lists).drop_duplicates(subset=STAFF_HEADER)
    units_of = staff.groupby("身份证号")["单位"].agg(set)
    seconded = units_of[units_of.map(len) > 1]
    assert 2 <= len(seconded) <= 3
    assert all(len(units) == 2 for units in seconded)
    assert all(_id_ok(x) for x in seconded.index)
    for number in seconded.index:
        assert staff.loc[staff["身份证号"] == number, "姓名"].nunique() == 1
    assert seconded.index.isin(bought.index).all()  # covered, so they count in both units


def test_family_rosters_for_some_units_only(lists, bought):
    family = _folder(lists, "职工家属")
    staff = _staff(lists)
    declaring = set(family["单位"])
    assert 6 <= len(declaring) <= 9 and declaring < set(UNITS)
    assert set(family["与职工关系"]) == {"父亲", "母亲", "配偶", "子女"}
    ids_of_unit = staff.groupby("单位")["身份证号"].agg(set)
    known = [
        n in ids_of_unit[u] for u, n in zip(family["单位"], family["职工身份证号"], strict=True)
    ]
    family = family.assign(known=known)
    assert (~family["known"]).sum() == 1  # a staff member on no roster of the unit
    stray = family.loc[~family["known"], "职工身份证号"].iloc[0]
    assert stray not in set(staff["身份证号"]) and _id_ok(stray)
    family = family[family["known"]]
    assert family.groupby(["单位", "职工身份证号"]).size().between(1, 3).all()
    assert family["家属身份证号"].is_unique
    assert all(_id_ok(x) for x in family["家属身份证号"])
    assert not set(family["家属身份证号"]) & set(staff["身份证号"])
    for row in family.itertuples():
        staff_born, born = _born(row.职工身份证号), _born(row.家属身份证号)
        relation = row.与职工关系
        if relation in ("父亲", "母亲"):
            assert _male(row.家属身份证号) == (relation == "父亲")
            assert (staff_born - born).days > 18 * 365
        elif relation == "子女":
            assert (born - staff_born).days > 18 * 365
        else:
            assert _male(row.家属身份证号) != _male(row.职工身份证号)
    family = family.assign(covered=family["家属身份证号"].isin(bought.index))
    rate = family.groupby("单位")["covered"].mean()
    assert (rate >= 0.80).sum() >= 3 and (rate < 0.80).sum() >= 2, rate
    covered = family[family["covered"]]
    channel = bought.loc[covered["家属身份证号"], "channel"]
    assert channel.value_counts().index[0] == "共济账户"
    names = bought.loc[covered["家属身份证号"], "name"].to_numpy()
    assert (covered["家属姓名"].to_numpy() == names).all()


def test_hardship_list_categories_and_cover(lists, bought, base):
    hardship = _hardship(lists)
    assert hardship["category"].notna().all(), set(hardship["救助类别"])
    assert set(hardship["category"]) == set(DEFAULT_HARDSHIP)
    assert (hardship["救助类别"] != hardship["category"]).sum() > 20  # other spellings
    assert {"低保对象", "特困人员"} & set(hardship["救助类别"])
    assert 0.013 < len(hardship) / sum(base.values()) < 0.017
    assert set(hardship["乡镇"]) == set(base)
    assert hardship["身份证号"].is_unique and all(_id_ok(x) for x in hardship["身份证号"])
    orphans = hardship.loc[hardship["category"] == "孤儿", "身份证号"]
    assert all((START - _born(x)).days < 18 * 366 for x in orphans)
    # villages are those of the township's rosters; buyers are in their own township
    villages = bought.groupby("file_twp")["village"].agg(set)
    assert all(v in villages[t] for t, v in zip(hardship["乡镇"], hardship["村(居)"], strict=True))
    found = hardship[hardship["身份证号"].isin(bought.index)]
    assert (found["乡镇"].to_numpy() == bought.loc[found["身份证号"], "file_twp"].to_numpy()).all()

    channel = hardship["身份证号"].map(bought["channel"]).fillna("未参保")
    full = hardship.assign(channel=channel)[hardship["category"].isin(FULLY_FUNDED)]
    shares = full["channel"].value_counts(normalize=True)
    assert shares[FUNDED_CHANNEL] > 0.75
    assert 0.03 < shares.drop([FUNDED_CHANNEL, "未参保"]).sum() < 0.12  # covered otherwise
    assert 0.05 <= shares["未参保"] <= 0.10
    uncovered = full.loc[full["channel"] == "未参保", "乡镇"].value_counts()
    assert uncovered.iloc[:3].sum() >= 0.6 * uncovered.sum(), uncovered


def test_qingliu_demo_writes_the_rosters_and_the_lists(tmp_path):
    from flows.config import load_campaign
    from flows.settings import get_settings

    campaign = load_campaign("qingliu_2025_puhui", get_settings())
    assert campaign.staff.units == tuple(UNITS)
    written = DEMOS["qingliu_2025_puhui"].write(campaign, tmp_path, AS_OF)
    assert sorted(written) == sorted(p for p in tmp_path.rglob("*") if p.is_file())
    folders = {}
    for path in written:
        folders.setdefault(path.parent.relative_to(tmp_path).as_posix(), []).append(path)
    assert len(folders.pop(".")) == 130  # the townships' rosters, as before
    assert len(folders.pop("单位职工")) == len(UNITS)
    assert len(folders.pop("救助对象")) == 1
    assert 0 < len(folders.pop("职工家属")) < len(UNITS)
    assert len(folders.pop("考核评分")) == 1  # the assessors' filled form
    assert not folders
