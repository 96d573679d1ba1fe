"""Masked lists for an office (person_list.html): a unit's staff not yet covered, and the
hardship list's people the civil-affairs office must still see to."""

from __future__ import annotations

import datetime

import pandas as pd

from flows.config import Campaign
from flows.render.context import common_context


def _context(campaign: Campaign, as_of: datetime.date, title: str, **parts) -> dict:
    context = common_context(campaign, as_of, f"{title}（数据截至{as_of.month}月{as_of.day}日）")
    context.update(title=title, **parts)
    return context


def unit_followup_context(
    campaign: Campaign, as_of: datetime.date, unit: str, people: pd.DataFrame
) -> dict:
    """单位未参保职工名单: one unit's staff not yet covered, masked."""
    rows = people[["name_masked", "id_masked", "staff_type"]].astype(object)
    return _context(
        campaign,
        as_of,
        f"{unit}未参保职工名单",
        subtitle=f"据{unit}报送的职工名册与各乡（镇）参保花名册比对",
        footnote=(
            "说明：名单为本单位职工名册中尚未在任一乡（镇）参保的人员（含临聘人员）。"
            "请逐人核实，在“核实情况”栏填写结果（如已参保、将于某日参保、已调离等）。"
        ),
        headings=["姓名", "身份证号", "人员类别"],
        groups=[
            {
                "name": unit,
                "counts": f"未参保{len(people)}人",
                "rows": rows.where(rows.notna(), None).values.tolist(),
            }
        ],
    )


def hardship_list_context(campaign: Campaign, as_of: datetime.date, people: pd.DataFrame) -> dict:
    """救助对象参保核查名单: per township, the hardship list's people not yet covered, or
    covered another way than the government channel (categories paid in full)."""
    groups = []
    for township, members in people.groupby("township", sort=False):
        uncovered = int((members["status"] == "未参保").sum())
        rows = members[["village", "name_masked", "id_masked", "category", "status"]]
        groups.append(
            {
                "name": township,
                "counts": f"未参保{uncovered}人，未经财政资助参保{len(members) - uncovered}人",
                "rows": rows.astype(object).where(rows.notna(), None).values.tolist(),
            }
        )
    return _context(
        campaign,
        as_of,
        f"{campaign.county}困难群体{campaign.short_title or ''}参保核查名单",
        subtitle="据民政、人社部门提供的救助对象名单与各乡（镇）参保花名册比对",
        footnote=(
            f"说明：{'、'.join(campaign.fully_funded)}等对象由财政全额资助参保；名单列出尚未参保的"
            f"救助对象，以及上述应全额资助但未经“{campaign.funded_channel}”渠道参保的人员。"
            "请民政部门会同乡（镇）逐人核实，在“核实情况”栏填写结果。"
        ),
        headings=["村（居）", "姓名", "身份证号", "救助类别", "状态"],
        groups=groups,
    )
