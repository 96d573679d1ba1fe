"""考核评分 (the assessment scorecard): the county's rubric as run tables for SQL, the
scorecard from the computed items (mart_assessment_computed) and the assessors' form
(flows/assessment_form.py), and the files a run writes: 考核得分表.pdf and .xlsx, and the
blank form 考核评分表（待填）.xlsx for the assessors.

The rubric is the campaign file's [assessment] (flows/config.Rubric): which items there are,
their points, and where the points come from: the data (computed in SQL) or the assessors
(entered in the form). Another county's rubric is another file, never other code.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd

from flows import store
from flows.config import ASSESSED, AssessmentItem, Campaign, Rubric
from flows.excel import Sheet, write_workbook
from flows.settings import Settings

TOWNSHIP, UNIT = ASSESSED  # 乡镇, 单位: who an item applies to
PENDING = "待评"  # an item that applies but has no score yet
NOT_APPLICABLE = "—"
PARTIAL = "部分待评"  # the status of an entity with any item 待评
PART_HEADINGS = {"base": "基础分小计", "bonus": "加分", "deduction": "扣分"}
FORM_FOLDER = "考核评分"  # data/raw/<campaign>/考核评分/: the forms the assessors fill in
BLANK_FORM = "考核评分表（待填）.xlsx"
SCORECARD_PDF = "考核得分表.pdf"
SCORECARD_WORKBOOK = "考核得分表.xlsx"
ENTITY_COLUMNS = ["entity", "entity_type", "position"]


# --- The rubric as run tables -----------------------------------------------------------


def rubric_frames(rubric: Rubric | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """run_assessment_items (one row per item, in the file's order) and run_assessment_steps
    (one row per step of a completion item scored in steps); empty without a rubric, so
    that the SQL models always find them."""
    items = rubric.items if rubric is not None else ()

    def number(value: Decimal | None) -> float | None:
        return None if value is None else float(value)

    frame = pd.DataFrame(
        {
            "item_key": pd.array([i.key for i in items], dtype="string"),
            "item_label": pd.array([i.label for i in items], dtype="string"),
            "part": pd.array([i.part for i in items], dtype="string"),
            "points": pd.array([number(i.points) for i in items], dtype="Float64"),
            "source": pd.array([i.source for i in items], dtype="string"),
            "applies_township": pd.array([TOWNSHIP in i.applies_to for i in items], "boolean"),
            "applies_unit": pd.array([UNIT in i.applies_to for i in items], dtype="boolean"),
            "rule": pd.array([i.rule for i in items], dtype="string"),
            "above": pd.array([number(i.above) for i in items], dtype="Float64"),
            "per_point": pd.array([number(i.per_point) for i in items], dtype="Float64"),
            "threshold": pd.array([number(i.threshold) for i in items], dtype="Float64"),
            "item_position": pd.array(range(1, len(items) + 1), dtype="Int64"),
        }
    )
    steps = [
        (item.key, float(at_least), float(points))
        for item in items
        if item.source == "completion" and item.rule == "steps"
        for at_least, points in item.steps
    ]
    step_frame = pd.DataFrame(
        {
            "item_key": pd.array([s[0] for s in steps], dtype="string"),
            "at_least": pd.array([s[1] for s in steps], dtype="Float64"),
            "points": pd.array([s[2] for s in steps], dtype="Float64"),
        }
    )
    return frame, step_frame


def register_rubric(con: duckdb.DuckDBPyConnection, rubric: Rubric | None) -> None:
    """The rubric as the temp tables run_assessment_items and run_assessment_steps."""
    for table, frame in zip(
        ("run_assessment_items", "run_assessment_steps"), rubric_frames(rubric), strict=True
    ):
        store.temp_table(con, table, frame)


# --- Entities and their items -----------------------------------------------------------


def entities_of(computed: pd.DataFrame) -> pd.DataFrame:
    """The assessed entities of mart_assessment_computed, one row each in print order."""
    return (
        computed[ENTITY_COLUMNS]
        .drop_duplicates("entity")
        .sort_values("position", kind="stable")
        .reset_index(drop=True)
    )


def applies(item: AssessmentItem, entity_type: str) -> bool:
    return entity_type in item.applies_to


def blank_grid(rubric: Rubric, entities: pd.DataFrame) -> pd.DataFrame:
    """mart_assessment_computed's shape with nothing computed yet: every entity with every
    item that applies to its type, points and basis empty (a form before any data)."""
    rows = [
        {
            "entity": entity.entity,
            "entity_type": entity.entity_type,
            "position": entity.position,
            "item_key": item.key,
            "item_position": number,
            "part": item.part,
            "source": item.source,
            "points": None,
            "basis": None,
        }
        for entity in entities.sort_values("position", kind="stable").itertuples(index=False)
        for number, item in enumerate(rubric.items, start=1)
        if applies(item, entity.entity_type)
    ]
    columns = [*ENTITY_COLUMNS, "item_key", "item_position", "part", "source", "points", "basis"]
    return pd.DataFrame(rows, columns=columns).astype({"points": "float64"})


# --- Numbers and headings as officials read them ----------------------------------------


def points_text(value: float | Decimal | None) -> str:
    """Points as printed: 20, 46.75, 14.6 (at most two decimals, no trailing zeros)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    shown = Decimal(str(value)).quantize(Decimal("0.01"))
    return format(shown.normalize(), "f")


def item_heading(item: AssessmentItem) -> str:
    """An item's column heading with its bounds: 组织领导（0-20分）, 发生负面舆情（扣分，0-10）."""
    points = points_text(item.points)
    if item.part == "base":
        return f"{item.label}（0-{points}分）"
    return f"{item.label}（{PART_HEADINGS[item.part]}，0-{points}）"


def rubric_title(campaign: Campaign) -> str:
    """The rubric's title, or one made from the campaign's year and county."""
    rubric = campaign.assessment
    if rubric is not None and rubric.title:
        return rubric.title
    return f"{campaign.year}年度{campaign.county}参保工作考核"


def rule_lines(campaign: Campaign) -> list[str]:
    """The rules as configured, one line per computed item, then who scores the others
    and how the total is made: the 说明 of the scorecard."""
    from flows.render.filters import format_rate_label  # flows.render imports flows.results

    rubric = campaign.assessment
    if rubric is None:
        return []
    lines = []
    floor = campaign.levels[0].label if campaign.levels else "目标任务"
    for item in rubric.items:
        points = points_text(item.points)
        if item.part == "base":
            name = f"{item.label}（{points}分）"
        else:
            name = f"{item.label}（{PART_HEADINGS[item.part]}项，最多{points}分）"
        for_townships, for_units = applies(item, TOWNSHIP), applies(item, UNIT)
        if item.source == "completion":
            if item.rule == "steps" and item.steps:
                reached = "，".join(
                    f"达到{format_rate_label(at)}得{points_text(p)}分" for at, p in item.steps
                )
                lowest = format_rate_label(item.steps[-1][0])
                rule = f"按完成率分档计分：{reached}，低于{lowest}不得分"
            else:
                rule = f"完成目标任务得满分，未完成的按完成率计分（{points}分 × 完成率）"
            how = []
            if for_townships:
                how.append(f"乡（镇）完成率 = 已参保人数 ÷ {floor}数")
            if for_units and campaign.staff is not None:
                target = format_rate_label(campaign.staff.target)
                how.append(f"单位完成率 = 职工参保率 ÷ 目标参保率（{target}）")
            lines.append(f"{name}：{rule}{'；' if how else ''}{'；'.join(how)}；无目标任务的待评。")
        elif item.source == "rate_above":
            how = []
            if for_townships:
                how.append(f"乡（镇）为已参保人数 ÷ {campaign.base_label}")
            if for_units:
                how.append("单位为参保职工 ÷ 职工人数")
            lines.append(
                f"{name}：参保率（{'，'.join(how)}）超过{format_rate_label(item.above)}的，"
                f"每超过1个百分点加{points_text(item.per_point)}分，最多加{points}分。"
            )
        elif item.source == "hardship_funded":
            categories = "、".join(campaign.fully_funded) or "须全额资助的"
            lines.append(
                f"{name}：救助对象名单中{categories}人员全部经“{campaign.funded_channel}”渠道"
                f"参保的得{points}分，否则不得分；名单中无此类人员的视为资助到位，"
                "未报送救助对象名单的待评。"
            )
        elif item.source == "family_rate":
            lines.append(
                f"{name}：职工家属参保率（已参保家属 ÷ 申报家属）达到"
                f"{format_rate_label(item.threshold)}的得{points}分，否则不得分；"
                "未申报家属的不得分。"
            )
    entered = [item.label for item in rubric.items if item.source == "entered"]
    if entered:
        lines.append(f"{'、'.join(entered)}由考核组评分（考核评分表），未评分的项目为“{PENDING}”。")
    lines.append(
        "总分 = 基础分小计 + 加分 − 扣分，待评项目不计入；“—”表示该项目不适用；"
        "排名按总分由高到低，总分相同的名次并列，乡（镇）与单位一并排名；"
        f"有待评项目的注明“{PARTIAL}”，其总分和排名待评定后可能变化。"
    )
    return lines


# --- The scorecard ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scorecard:
    """Every entity with every item: computed from the mart, entered from the form."""

    items: tuple[AssessmentItem, ...]
    # one row per entity, ranked: rank, entity, entity_type, position, one column per item
    # key (points; NaN where 待评 or not applicable), base, bonus, deduction, total, status
    rows: pd.DataFrame
    # one row per entity and item that applies: entity, item_key, source, points, basis
    cells: pd.DataFrame

    def applies(self, entity: str, item: AssessmentItem) -> bool:
        """Whether the item applies to the entity: it has a cell (the mart decides)."""
        return (entity, item.key) in self._applicable

    @cached_property
    def _applicable(self) -> set[tuple[str, str]]:
        return set(zip(self.cells["entity"], self.cells["item_key"], strict=True))


def scorecard(rubric: Rubric, computed: pd.DataFrame, entered: pd.DataFrame | None) -> Scorecard:
    """The scores of every entity: computed items from ``computed`` (mart_assessment_computed),
    entered ones from ``entered`` (entity, item_key, points: a form read back); the subtotals
    by part over the items scored, total = base + bonus − deduction, ranked by total (ties
    share a rank, townships and units together), 部分待评 where any item is 待评."""
    cells = computed[[*ENTITY_COLUMNS, "item_key", "source", "points", "basis"]].copy()
    cells["points"] = cells["points"].astype("float64")
    if entered is not None and len(entered):
        given = entered.set_index(["entity", "item_key"])["points"].astype("float64")
        keys = pd.MultiIndex.from_frame(cells[["entity", "item_key"]])
        from_form = pd.Series(given.reindex(keys).to_numpy(), index=cells.index)
        is_entered = cells["source"] == "entered"
        cells.loc[is_entered, "points"] = from_form[is_entered]
    parts = {item.key: item.part for item in rubric.items}
    cells["part"] = cells["item_key"].map(parts)
    entities = entities_of(computed)
    wide = cells.pivot(index="entity", columns="item_key", values="points")
    rows = entities.set_index("entity")
    for item in rubric.items:
        rows[item.key] = wide[item.key].reindex(rows.index) if item.key in wide else float("nan")
    for part in PART_HEADINGS:
        scored = cells[cells["part"] == part].groupby("entity")["points"].sum(min_count=1)
        rows[part] = scored.reindex(rows.index).fillna(0.0).round(2)
    rows["total"] = (rows["base"] + rows["bonus"] - rows["deduction"]).round(2)
    pending = cells["points"].isna().groupby(cells["entity"]).any()
    rows["status"] = pending.reindex(rows.index).fillna(False).map({True: PARTIAL, False: ""})
    rows["rank"] = rows["total"].rank(method="min", ascending=False).astype("int64")
    rows = rows.reset_index().sort_values(["rank", "position"], kind="stable")
    columns = ["rank", *ENTITY_COLUMNS, *(i.key for i in rubric.items), *PART_HEADINGS]
    return Scorecard(
        rubric.items,
        rows[[*columns, "total", "status"]].reset_index(drop=True),
        cells.reset_index(drop=True),
    )


def cell_text(card: Scorecard, row: dict, item: AssessmentItem) -> str:
    """What a scorecard cell says: the points, 待评, or — where the item does not apply."""
    if not card.applies(row["entity"], item):
        return NOT_APPLICABLE
    value = row[item.key]
    return PENDING if value is None or pd.isna(value) else points_text(value)


def write_scorecard_workbook(
    path: Path, campaign: Campaign, card: Scorecard, as_of: datetime.date, form_note: str
) -> Path:
    """考核得分表.xlsx: the scorecard, and the basis of every computed score."""
    records = card.rows.to_dict("records")
    table = pd.DataFrame(
        {
            "排名": [row["rank"] for row in records],
            "单位名称": [row["entity"] for row in records],
            "类型": [row["entity_type"] for row in records],
            **{
                item_heading(item): [_number_or_text(card, row, item) for row in records]
                for item in card.items
            },
            **{heading: [row[part] for row in records] for part, heading in PART_HEADINGS.items()},
            "总分": [row["total"] for row in records],
            "状态": [row["status"] for row in records],
        }
    )
    labels = {item.key: item.label for item in card.items}
    computed = card.cells[card.cells["source"] != "entered"].sort_values("position", kind="stable")
    basis = pd.DataFrame(
        {
            "单位名称": computed["entity"],
            "类型": computed["entity_type"],
            "项目": computed["item_key"].map(labels),
            "得分": [PENDING if pd.isna(value) else value for value in computed["points"].tolist()],
            "依据": computed["basis"],
        }
    )
    title = f"{rubric_title(campaign)}得分表（截至{as_of.year}年{as_of.month}月{as_of.day}日）"
    notes = [f"说明：{line}" for line in [form_note, *rule_lines(campaign)]]
    return write_workbook(
        path,
        [Sheet("考核得分", table, title=title, notes=notes), Sheet("计算依据", basis)],
        as_of=as_of,
    )


def _number_or_text(card: Scorecard, row: dict, item: AssessmentItem) -> object:
    text = cell_text(card, row, item)
    return float(row[item.key]) if text not in (PENDING, NOT_APPLICABLE) else text


# --- What a run writes ------------------------------------------------------------------


def find_form(folder: Path) -> Path | None:
    """The latest form in ``folder``: by modification time, then name; Excel's lock files
    (~$…) and hidden files are not forms."""
    if not folder.is_dir():
        return None
    forms = [
        path
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix.lower() == ".xlsx"
        and not path.name.startswith(("~$", "."))
    ]
    return max(forms, key=lambda p: (p.stat().st_mtime_ns, p.name), default=None)


def assessment_outputs(
    campaign: Campaign,
    computed: pd.DataFrame,
    raw_dir: Path,
    out_dir: Path,
    as_of: datetime.date,
    settings: Settings,
) -> tuple[list[Path], list[str]]:
    """考核评分 for a campaign with [assessment]: the blank form for the assessors, the
    latest filled form in ``raw_dir``/考核评分/ read back, and the scorecard as PDF and
    workbook in ``out_dir``. ``computed``: mart_assessment_computed; ``raw_dir``: the
    campaign's drop zone. Returns the files written and what officials should know (a form
    refused: one line per fault, then why nothing from it was used)."""
    from flows.assessment_form import read_form, write_form
    from flows.render.assessment_report import render_scorecard

    rubric = campaign.assessment
    if rubric is None:
        return [], []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [write_form(out_dir / BLANK_FORM, campaign, computed, as_of=as_of)]
    warnings: list[str] = []
    has_entered = any(item.source == "entered" for item in rubric.items)
    folder = Path(raw_dir) / FORM_FOLDER
    form = find_form(folder) if has_entered else None
    entered = None
    if not has_entered:
        form_note = "本考核项目均按报送数据计算。"
    elif form is None:
        form_note = f"尚未收到考核评分表，考核组评分项目均为“{PENDING}”。"
        warnings.append(
            f"{folder} 中没有考核评分表，考核组评分项目均为待评："
            f"请考核组填写 {BLANK_FORM} 后放入该文件夹"
        )
    else:
        entered, faults = read_form(form, campaign, entities_of(computed))
        if faults:
            warnings.extend(faults)
            warnings.append(
                f"考核评分表 {form.name} 有 {len(faults)} 处错误，本次未采用，考核组评分项目"
                "均为待评：请改正后重新放入"
            )
            form_note = f"考核评分表 {form.name} 有误未采用，考核组评分项目均为“{PENDING}”。"
        else:
            form_note = f"考核组评分取自考核评分表 {form.name}。"
    card = scorecard(rubric, computed, entered)
    paths.append(render_scorecard(campaign, as_of, card, form_note, out_dir, settings))
    paths.append(
        write_scorecard_workbook(out_dir / SCORECARD_WORKBOOK, campaign, card, as_of, form_note)
    )
    return paths, warnings
