"""随访名单 (followup_list.html): one township's masked people to visit, village by village."""

from __future__ import annotations

import datetime

import pandas as pd

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


def followup_line(number: int, person: dict) -> str:
    """One person as tab-separated fields: 序号, 姓名, 身份证号, 状态, 上年缴费情况."""
    name = str(person["name_masked"])
    if len(name) > FOLLOWUP_NAME_MAX:  # a masked name stays masked; a full one is cut
        name = name[0] + "*" * (FOLLOWUP_NAME_MAX - 1) if "*" in name else name[:FOLLOWUP_NAME_MAX]
    fields = [str(number), name, person["id_masked"], person["status"], person["last_year"]]
    return "\t".join(str(field).replace("\t", " ") for field in fields)


def followup_pages(members: pd.DataFrame) -> list[dict]:
    """One village's people cut into pages, each page's lines as one newline-joined text."""
    people = members[["name_masked", "id_masked", "status", "last_year"]].to_dict("records")
    pages = []
    start = 0
    while start < len(people):
        size = FOLLOWUP_ROWS_PER_PAGE if pages else FOLLOWUP_ROWS_FIRST_PAGE
        chunk = people[start : start + size]
        text = "\n".join(
            followup_line(start + offset + 1, person) for offset, person in enumerate(chunk)
        )
        pages.append({"first": not pages, "text": text})
        start += size
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
        total={
            "unenrolled": sum(group["unenrolled"] for group in groups),
            "lapsed": sum(group["lapsed"] for group in groups),
            "people": len(people),
        },
    )
    return context
