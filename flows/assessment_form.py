"""考核评分表: the form the assessors fill in, and reading it back.

``write_form`` writes one row per assessed entity and one column per item of the rubric,
its heading showing the item's bounds. Computed items are filled in from the data and
locked, items that do not apply are grey and locked, entered items are blank and the only
cells open (the sheet is protected, without a password: it guards against slips, not
people). ``read_form`` takes a filled form back and checks it; a form with any fault is
not used at all, so that no score comes from a half-right form.
"""

from __future__ import annotations

import datetime
import difflib
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd
import xlsxwriter
from python_calamine import CalamineWorkbook

from flows.assessment import (
    PART_HEADINGS,
    PENDING,
    applies,
    entities_of,
    item_heading,
    points_text,
    rubric_title,
)
from flows.config import AssessmentItem, Campaign
from flows.excel import display_width, set_print_layout
from flows.extracts import unreadable

SHEET = "考核评分表"
NAME_HEADING = "单位名称"
HEADINGS = ("序号", NAME_HEADING, "类型")
HEADER_SCAN_ROWS = 15
# rows of the form: title, note, header, then the entities
TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 2


def form_note(campaign: Campaign) -> str:
    """What the assessors read above the table."""
    return (
        "填表说明：请在白色单元格中填写考核组评分，为 0 至该项分值之间的数（扣分项填扣减的分数，"
        "未扣分填 0）；留空的项目为“待评”。浅蓝色单元格为按报送数据计算的得分，灰色单元格为"
        "不适用的项目，均已锁定。请勿增删行、修改单位名称或表头。填好后放入本活动数据文件夹的"
        f"“考核评分”文件夹（data/raw/{campaign.name}/考核评分/），下次运行时读取。"
    )


def write_form(
    path: Path,
    campaign: Campaign,
    computed: pd.DataFrame,
    *,
    entered: pd.DataFrame | None = None,
    as_of: datetime.date | None = None,
) -> Path:
    """The assessors' form for the entities and items of ``computed`` (rows shaped like
    mart_assessment_computed: entity, entity_type, position, item_key, source, points);
    ``entered`` (entity, item_key, points) fills in entered items (a form already filled).
    The workbook is stamped with ``as_of`` (the deadline when not given): same input, same
    bytes."""
    rubric = campaign.assessment
    if rubric is None:
        raise ValueError("the campaign has no [assessment] rubric")
    items = rubric.items
    entities = entities_of(computed)
    # the cells of the grid: an item without one does not apply to the entity
    grid = {(row.entity, row.item_key): row for row in computed.itertuples(index=False)}
    values = {key: row.points for key, row in grid.items() if row.source != "entered"}
    if entered is not None:
        values.update(
            ((row.entity, row.item_key), row.points) for row in entered.itertuples(index=False)
        )
    stamp = as_of or campaign.deadline
    partial = path.with_name(path.name + ".part")
    book = xlsxwriter.Workbook(str(partial))
    book.set_properties({"created": datetime.datetime.combine(stamp, datetime.time())})
    font = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    title_format = book.add_format({**font, "bold": True, "font_size": 14})
    note_format = book.add_format({**font, "text_wrap": True, "valign": "top", "font_size": 10})
    header = book.add_format(
        {**font, "bold": True, "bg_color": "#DDE6F0", "border": 1, "align": "center",
         "text_wrap": True}
    )  # fmt: skip
    name_format = book.add_format({**font, "border": 1})
    computed_format = book.add_format(
        {**font, "border": 1, "bg_color": "#E3EEF9", "num_format": "0.##", "align": "center"}
    )
    entered_format = book.add_format(
        {**font, "border": 1, "locked": False, "num_format": "0.##", "align": "center"}
    )
    grey = book.add_format({**font, "border": 1, "bg_color": "#BFBFBF"})
    ws = book.add_worksheet(SHEET)
    last_col = len(HEADINGS) + len(items) - 1
    title = f"{rubric_title(campaign)}评分表"
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last_col, title, title_format)
    ws.merge_range(NOTE_ROW, 0, NOTE_ROW, last_col, form_note(campaign), note_format)
    ws.set_row(NOTE_ROW, 62)
    ws.set_row(HEADER_ROW, 48)
    headings = [*HEADINGS, *(item_heading(item) for item in items)]
    for col, heading in enumerate(headings):
        ws.write_string(HEADER_ROW, col, heading, header)
    widest_name = max([display_width(name) for name in entities["entity"]] + [8])
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, widest_name + 2)
    ws.set_column(2, 2, 6)
    ws.set_column(3, last_col, 14)
    first = HEADER_ROW + 1
    for offset, entity in enumerate(entities.itertuples(index=False)):
        row = first + offset
        ws.write_number(row, 0, offset + 1, name_format)
        ws.write_string(row, 1, str(entity.entity), name_format)
        ws.write_string(row, 2, str(entity.entity_type), name_format)
        for col, item in enumerate(items, start=len(HEADINGS)):
            key = (entity.entity, item.key)
            value = values.get(key)
            if key not in grid:
                ws.write_blank(row, col, None, grey)
            elif item.source != "entered":
                if value is not None and not pd.isna(value):
                    ws.write_number(row, col, float(value), computed_format)
                elif isinstance(grid[key].basis, str):  # computed, but a fact is missing
                    ws.write_string(row, col, PENDING, computed_format)
                else:
                    ws.write_blank(row, col, None, computed_format)
            elif value is not None and not pd.isna(value):
                ws.write_number(row, col, float(value), entered_format)
            else:
                ws.write_blank(row, col, None, entered_format)
    last_row = first + len(entities) - 1
    for col, item in enumerate(items, start=len(HEADINGS)):
        if item.source == "entered" and len(entities):
            ws.data_validation(
                first, col, last_row, col,
                {
                    "validate": "decimal", "criteria": "between",
                    "minimum": 0, "maximum": float(item.points),
                    "error_title": "超出分值范围",
                    "error_message": f"“{item.label}”应为 0 到 {points_text(item.points)} 之间的数",
                },
            )  # fmt: skip
    ws.freeze_panes(first, len(HEADINGS))
    set_print_layout(
        ws,
        header_row=HEADER_ROW,
        last_row=last_row,
        last_col=last_col,
        width=6 + widest_name + 2 + 6 + 14 * len(items),
    )
    ws.protect(
        "",
        {"format_columns": True, "format_rows": True, "select_locked_cells": True,
         "select_unlocked_cells": True},
    )  # fmt: skip
    book.close()
    partial.replace(path)
    return path


# --- Reading a filled form back ---------------------------------------------------------


def _text(value: object) -> str:
    """A cell as text, spaces and line breaks gone (headings are typed with them)."""
    if value is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def _number(value: object) -> Decimal | None:
    """A score as typed: 18, 18.5, "18", "１８分"; None when it is not a number."""
    if isinstance(value, bool | datetime.date | datetime.time):
        return None
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        try:
            number = Decimal(_text(value).removesuffix("分"))
        except InvalidOperation:
            return None
    return number if number.is_finite() else None


def _shown(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return points_text(value)
    return f"“{value}”"


def _bound(item: AssessmentItem) -> str:
    """超过满分 20, 超过最多加分 10, 超过最多扣分 10."""
    limit = "满分" if item.part == "base" else f"最多{PART_HEADINGS[item.part]}"
    return f"{limit} {points_text(item.points)}"


def _item_columns(header: list[str], items: list[AssessmentItem]) -> dict[str, int]:
    """The column of each item: its heading as written by write_form, or one starting
    with its label (an assessor who retyped 组织领导（20分）)."""
    columns: dict[str, int] = {}
    for item in items:
        exact = _text(item_heading(item))
        label = _text(item.label)
        found = [col for col, text in enumerate(header) if text == exact]
        found = found or [
            col
            for col, text in enumerate(header)
            if text == label or (text.startswith(label) and text[len(label)] in "（(")
        ]
        if found:
            columns[item.key] = found[0]
    return columns


def read_form(
    path: Path, campaign: Campaign, entities: pd.DataFrame
) -> tuple[pd.DataFrame | None, list[str]]:
    """A filled form read back and checked against the rubric and ``entities`` (entity,
    entity_type): every entered score a number from 0 to the item's points, every entity
    there once, no unknown name, cells of items that do not apply left empty. Blank cells
    are 待评, not faults.

    Returns the entered scores (entity, item_key, points; blank cells left out), or None
    with the faults, one Chinese line each naming the file, row and column: a form with
    any fault is not used at all."""
    rubric = campaign.assessment
    if rubric is None:
        return None, []
    where = f"考核评分表 {path.name}"
    try:
        book = CalamineWorkbook.from_path(str(path))
        name = SHEET if SHEET in book.sheet_names else book.sheet_names[0]
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as exc:  # any parser failure: the county must send the form again
        return None, [f"考核评分表{unreadable(path, exc)}"]
    header_index = next(
        (
            index
            for index, row in enumerate(rows[:HEADER_SCAN_ROWS])
            if NAME_HEADING in (_text(cell) for cell in row)
        ),
        None,
    )
    if header_index is None:
        return None, [f"{where} 前{HEADER_SCAN_ROWS}行中找不到表头（应有“{NAME_HEADING}”一列）"]
    header = [_text(cell) for cell in rows[header_index]]
    name_col = header.index(NAME_HEADING)
    entered_items = [item for item in rubric.items if item.source == "entered"]
    columns = _item_columns(header, entered_items)
    faults = [
        f"{where} 第{header_index + 1}行表头缺少“{item.label}”一列（应为“{item_heading(item)}”）"
        for item in entered_items
        if item.key not in columns
    ]
    types = dict(zip(entities["entity"], entities["entity_type"], strict=True))
    seen: dict[str, int] = {}
    scores = []
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        number = index + 1  # as Excel numbers rows

        def cell(col: int, row: list = row) -> object:
            value = row[col] if col < len(row) else None
            return None if isinstance(value, str) and not value.strip() else value

        entity = _text(cell(name_col))
        filled = [
            item
            for item in entered_items
            if item.key in columns and cell(columns[item.key]) is not None
        ]
        if not entity:
            if filled:
                faults.append(f"{where} 第{number}行没有单位名称，但填有评分")
            continue
        if entity not in types:
            close = difflib.get_close_matches(entity, list(types), n=1, cutoff=0.5)
            hint = f"，是否为“{close[0]}”？" if close else ""
            faults.append(f"{where} 第{number}行的“{entity}”不在考核名单中{hint}")
            continue
        if entity in seen:
            faults.append(f"{where} 第{number}行的“{entity}”与第{seen[entity]}行重复")
            continue
        seen[entity] = number
        for item in filled:
            value = cell(columns[item.key])
            what = f"{where} 第{number}行（{entity}）“{item.label}”"
            if not applies(item, types[entity]):
                faults.append(f"{what}不适用于{types[entity]}，应留空")
                continue
            score = _number(value)
            if score is None:
                faults.append(
                    f"{what}为{_shown(value)}，应填 0 到 {points_text(item.points)} 之间的数"
                )
            elif score < 0:
                faults.append(f"{what}为 {points_text(score)}，不能为负数")
            elif score > item.points:
                faults.append(f"{what}为 {points_text(score)}，超过{_bound(item)}")
            else:
                scores.append((entity, item.key, float(score)))
    for entity in types:
        if entity not in seen:
            faults.append(f"{where} 缺少“{entity}”一行（请勿删除行；未评的项目留空即可）")
    if faults:
        return None, faults
    return pd.DataFrame(scores, columns=["entity", "item_key", "points"]), []
