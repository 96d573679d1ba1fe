"""Lists beside the rosters: units' staff, their families, the hardship list (schemas/lists).

Each lies in a folder of its own in the campaign's drop zone (data/raw/<campaign>/单位职工/,
职工家属/, 救助对象/) and is re-read whole on every run, like the base table: the lists in
force replace the campaign's rows in unit_staff, unit_family, hardship_people and
list_rejects in one transaction. A unit's later roster replaces its earlier one; a later
hardship list replaces the earlier list. A file dated (by its name) after the as-of date
is not yet in force, so a rerun of an earlier date gives what it gave then.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from flows import store
from flows.config import Campaign
from flows.extracts import ExtractError, file_sha256, read_extract
from flows.ingest import date_from_name, survey_drop_zone
from schemas.headers import alias_lookup
from schemas.lists import FAMILY, HARDSHIP, LISTS, STAFF, ListRules, ListSpec, check_list
from schemas.rows import split_summary_rows

LIST_TABLES = {"staff": "unit_staff", "family": "unit_family", "hardship": "hardship_people"}


@dataclass
class ListFile:
    """What happened to one list file in one run (one manifest entry)."""

    kind: str
    file_name: str
    sha256: str
    status: str  # loaded | replaced (a later file took its place) | later | file_error
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_summary: int = 0
    rows_replaced: int = 0  # loaded rows a later file replaced
    error: str | None = None

    def check_accounting(self) -> None:
        if self.status not in ("file_error", "later") and (
            self.rows_read != self.rows_loaded + self.rows_rejected
        ):
            raise RuntimeError(
                f"名单 {self.file_name} 行数不平：读取 {self.rows_read} 行，"
                f"有效 {self.rows_loaded} 行 + 剔除 {self.rows_rejected} 行"
            )

    @property
    def manifest_entry(self) -> dict:
        return asdict(self)


@dataclass
class Lists:
    """The lists in force on the as-of date: valid rows per kind, rejects, every file."""

    rows: dict[str, pd.DataFrame] = field(default_factory=dict)
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)
    files: list[ListFile] = field(default_factory=list)

    @property
    def delivered(self) -> set[str]:
        """The kinds of list that have a file in force."""
        return {f.kind for f in self.files if f.status == "loaded"}

    @property
    def warnings(self) -> list[str]:
        lines = [f.error for f in self.files if f.error]
        for f in self.files:
            if f.rows_rejected:
                label = LISTS[f.kind].label
                lines.append(
                    f"{label} {f.file_name}：{f.rows_rejected} 行未采用，原因见 名单问题.csv"
                )
        return lines


def list_rules(campaign: Campaign) -> ListRules:
    return ListRules(
        units=campaign.staff.units if campaign.staff else (),
        township_aliases=campaign.township_aliases,
        townships=list(campaign.township_names),
        categories=campaign.hardship.aliases,
    )


def _files(raw_dir: Path, spec: ListSpec, as_of: date) -> tuple[list[Path], list[ListFile]]:
    """The list's files in force by ``as_of`` in arrival order, and those dated later."""
    paths, later = [], []
    for path in survey_drop_zone(raw_dir / spec.folder).extracts:
        dated = date_from_name(path.stem)
        if dated is not None and dated > as_of:
            later.append(ListFile(spec.kind, path.name, file_sha256(path), "later"))
        else:
            paths.append(path)
    return paths, later


def _read(spec: ListSpec, path: Path, rules: ListRules, staff_ids) -> tuple:
    """(ListFile, valid rows, rejects) of one file."""
    entry = ListFile(spec.kind, path.name, file_sha256(path), "loaded")
    try:
        extract = read_extract(
            path,
            alias_lookup(None, spec.headers),
            key=spec.header_key,
            required=spec.required,
        )
    except ExtractError as exc:
        entry.status, entry.error = "file_error", f"{spec.label}{exc}"
        return entry, None, None
    data, summary = split_summary_rows(extract.frame)
    valid, rejects = check_list(spec, data, rules, staff_ids)
    entry.rows_read, entry.rows_summary = len(data), len(summary)
    entry.rows_loaded = len(valid)
    entry.rows_rejected = int(rejects["source_row"].nunique()) if len(rejects) else 0
    entry.check_accounting()
    valid = valid.assign(file_name=path.name)
    rejects = rejects.assign(list_kind=spec.kind, file_name=path.name, sheet=extract.sheet)
    return entry, valid, rejects


def _in_force(spec: ListSpec, read: list[tuple]) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The rows still in force: a later file replaces an earlier one's rows of the same unit
    (staff, family) or the whole earlier list (hardship)."""
    kept: list[tuple[ListFile, pd.DataFrame, pd.DataFrame]] = []
    for entry, valid, rejects in read:
        if valid is None:
            continue
        for number, (earlier, rows, earlier_rejects) in enumerate(kept):
            if spec.group is None:
                replaced = pd.Series(True, index=rows.index)
            else:
                replaced = rows[spec.group].isin(valid[spec.group])
            earlier.rows_replaced += int(replaced.sum())
            kept[number] = (earlier, rows[~replaced], earlier_rejects)
        kept.append((entry, valid, rejects))
    frames, reject_frames = [], []
    for entry, valid, rejects in kept:
        if entry.rows_replaced and valid.empty and entry.rows_loaded:
            entry.status = "replaced"
            continue
        frames.append(valid)
        reject_frames.append(rejects)
    columns = [*spec.load_columns, "file_name"]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return rows[columns], reject_frames


def read_lists(campaign: Campaign, raw_dir: Path, as_of: date) -> Lists:
    """Every list in force on ``as_of``: staff first, as family rows link to them."""
    rules = list_rules(campaign)
    lists = Lists()
    reject_frames: list[pd.DataFrame] = []
    staff_ids: list[tuple[str, str]] = []
    for spec in (STAFF, FAMILY, HARDSHIP):
        if spec.kind in ("staff", "family") and campaign.staff is None:
            continue  # a campaign without [staff] has no unit rosters to read
        paths, later = _files(raw_dir, spec, as_of)
        read = [_read(spec, path, rules, staff_ids) for path in paths]
        rows, rejects = _in_force(spec, read)
        lists.rows[spec.kind] = rows
        reject_frames += rejects
        lists.files += [entry for entry, _, _ in read] + later
        if spec is STAFF:
            staff_ids = list(zip(rows["unit"], rows["id_number"], strict=True))
    columns = ["list_kind", "file_name", "sheet", "source_row", "column_name", "value", "reason"]
    frames = [frame for frame in reject_frames if len(frame)]
    lists.rejects = (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )
    return lists


def replace_lists(con: duckdb.DuckDBPyConnection, campaign: str, lists: Lists) -> None:
    """The campaign's lists replaced by those in force, all at once."""
    with store.transaction(con):
        for kind, table in LIST_TABLES.items():
            con.execute(f"delete from {table} where campaign = ?", [campaign])
            rows = lists.rows.get(kind)
            if rows is not None and len(rows):
                con.register("incoming_list", rows.astype({"source_row": "int64"}))
                con.execute(
                    f"insert into {table} by name select ? as campaign, * from incoming_list",
                    [campaign],
                )
                con.unregister("incoming_list")
        con.execute("delete from list_rejects where campaign = ?", [campaign])
        if len(lists.rejects):
            con.register("incoming_list_rejects", lists.rejects.astype({"value": "string"}))
            con.execute(
                "insert into list_rejects by name"
                " select ? as campaign, * from incoming_list_rejects",
                [campaign],
            )
            con.unregister("incoming_list_rejects")
