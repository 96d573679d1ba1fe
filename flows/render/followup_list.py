"""随访名单 (followup_list.html): one township's masked people to visit, village by village."""

from __future__ import annotations

import datetime

import pandas as pd
from markupsafe import Markup, escape

from flows.config import Campaign
from flows.render.context import common_context
from flows.render.filters import format_date_short

# 随访名单 pagination. WeasyPrint lays out thousands of table cells slowly (8,000 people as
# one cell each: ~50 s), so the list is paginated here and each page's people are one
# block of text, a line per person, its fields at tab stops (tab-size: one column width in
# style.css, table.followup-list): a few seconds for 8,000. Every field fits one column except
# the identity number, which is fixed-width and spans two, so one tab always lands on the next
# column. Rows per page fit A4 portrait with the 7 mm rule of table.followup-list.
FOLLOWUP_ROWS_FIRST_PAGE = 31  # under the village heading
FOLLOWUP_ROWS_PER_PAGE = 33
FOLLOWUP_NAME_MAX = 4  # characters that fit one tab column; longer masked names are cut
# a person's own numbers (Fujian's mechanism, flows/continuity.py) on rows of their own under
# the person's line, across the whole table in a smaller face (div.phrase, 0.8em on 4.5 mm
# rows): this many characters a row. Heights in hundredths of a millimetre: a person's line,
# a phrase row and the two 0.5pt rules around the phrase (style.css, with-phrases).
PHRASE_LINE_CHARS = 58
ROW_HEIGHT, PHRASE_ROW_HEIGHT, PHRASE_RULES = 700, 450, 36


def followup_line(number: int, person: dict) -> str:
    """One person as tab-separated fields: 序号, 姓名, 身份证号, 状态, 上年缴费情况."""
    name = str(person["name_masked"])
    if len(name) > FOLLOWUP_NAME_MAX:  # a masked name stays masked; a full one is cut
        name = name[0] + "*" * (FOLLOWUP_NAME_MAX - 1) if "*" in name else name[:FOLLOWUP_NAME_MAX]
    fields = [str(number), name, person["id_masked"], person["status"], person["last_year"]]
    return "\t".join(str(field).replace("\t", " ") for field in fields)


def phrase_lines(phrase: object) -> list[str]:
    """A person's phrase cut into lines of the text cell, at punctuation where it can."""
    text = "" if phrase is None or pd.isna(phrase) else str(phrase).strip()
    lines = []
    while text:
        if len(text) <= PHRASE_LINE_CHARS:
            lines.append(text)
            break
        cut = max(text.rfind(mark, 0, PHRASE_LINE_CHARS) for mark in "，；。")
        cut = cut + 1 if cut > PHRASE_LINE_CHARS // 2 else PHRASE_LINE_CHARS
        lines.append(text[:cut])
        text = text[cut:]
    return lines


def followup_pages(members: pd.DataFrame) -> list[dict]:
    """One village's people cut into pages, each page's lines as one newline-joined text;
    where people carry a ``phrase``, each person is a block of their line and its phrase
    rows (a person stays on one page)."""
    columns = ["name_masked", "id_masked", "status", "last_year"]
    if "phrase" in members:
        return _phrase_pages(members[[*columns, "phrase"]].to_dict("records"))
    people = members[columns].to_dict("records")
    pages: list[dict] = []
    lines: list[str] = []
    room = FOLLOWUP_ROWS_FIRST_PAGE
    for number, person in enumerate(people, start=1):
        if len(lines) == room:
            pages.append({"first": not pages, "text": "\n".join(lines)})
            lines, room = [], FOLLOWUP_ROWS_PER_PAGE
        lines.append(followup_line(number, person))
    if lines:
        pages.append({"first": not pages, "text": "\n".join(lines)})
    return pages


def _phrase_pages(people: list[dict]) -> list[dict]:
    """Pages of people with phrases: a block a person (their line, then their phrase rows),
    as many as the sheet's height holds."""
    pages: list[dict] = []
    blocks: list[str] = []
    room, used = FOLLOWUP_ROWS_FIRST_PAGE * ROW_HEIGHT, 0
    for number, person in enumerate(people, start=1):
        extra = phrase_lines(person.get("phrase"))
        height = ROW_HEIGHT + PHRASE_ROW_HEIGHT * len(extra) + PHRASE_RULES
        if blocks and used + height > room:
            pages.append({"first": not pages, "text": Markup("".join(blocks))})
            blocks, room, used = [], FOLLOWUP_ROWS_PER_PAGE * ROW_HEIGHT, 0
        used += height
        phrase = "\n".join(str(escape(text)) for text in extra)
        blocks.append(f'{escape(followup_line(number, person))}<div class="phrase">{phrase}</div>')
    if blocks:
        pages.append({"first": not pages, "text": Markup("".join(blocks))})
    return pages


def followup_context(
    campaign: Campaign, as_of: datetime.date, township: str, people: pd.DataFrame
) -> dict:
    """随访名单: per village the masked people to visit, with counts by status, as of
    ``as_of``: the delivery date of the register the list is built from (its PDF dates too)."""
    title = f"{township}基本医保未参保及断缴人员随访名单"
    groups = []
    for village, members in people.groupby("village", sort=False):
        counts = members["status"].value_counts()
        groups.append(
            {
                "village": village,
                "people": len(members),
                "unenrolled": int(counts.get("未参保", 0)),
                "lapsed": int(counts.get("断缴", 0)),
                "pages": followup_pages(members),
            }
        )
    context = common_context(campaign, as_of, f"{title}（数据截至{format_date_short(as_of)}）")
    context.update(
        title=title,
        township=township,
        groups=groups,
        phrases="phrase" in people,
        total={
            "unenrolled": sum(group["unenrolled"] for group in groups),
            "lapsed": sum(group["lapsed"] for group in groups),
            "people": len(people),
        },
    )
    return context
