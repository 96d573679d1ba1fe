"""`canbao check <campaign>`: the campaign file, the township list and the base table read
as a run would read them, without running anything; every problem at once, one Chinese
line each, or the 任务表 the campaign would produce.

A county data officer runs it while writing a new campaign file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from flows import store
from flows.config import Campaign, CampaignError, load_campaign
from flows.excel import display_width
from flows.settings import Settings

TOTAL = "合计"


@dataclass
class CheckReport:
    campaign: Campaign | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # not wrong, but to look at: a 合计 off
    targets: pd.DataFrame | None = None  # the 任务表, wide, 合计 last


def check_campaign(name: str, settings: Settings) -> CheckReport:
    """Read everything a run reads before its flow starts; compute the 任务表 in memory."""
    from flows.ingest import read_base_table
    from flows.results import compute_marts, widen_levels, with_units

    report = CheckReport()
    try:
        report.campaign = campaign = load_campaign(name, settings)
        table = read_base_table(campaign)
        report.notes = table.warnings
    except CampaignError as exc:
        report.problems = exc.problems
        return report
    with store.connect(settings, ":memory:") as con:
        store.replace_bases(con, campaign.name, with_units(campaign, table.bases))
        marts = compute_marts(con, settings, campaign, date.today(), ("mart_targets",))
    long = marts["mart_targets"]
    if campaign.levels and campaign.spec.needs_base_table:
        wide = widen_levels(long, campaign.levels, ("target",))
        report.targets = wide.merge(long[["township", "base"]].drop_duplicates("township"))
    return report


def _aligned(rows: list[list[str]], numeric: list[bool]) -> list[str]:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]

    def cell(text: str, i: int) -> str:
        pad = " " * (widths[i] - display_width(text))
        return pad + text if numeric[i] else text + pad

    return ["  ".join(cell(text, i) for i, text in enumerate(row)).rstrip() for row in rows]


def format_report(report: CheckReport) -> list[str]:
    """What `canbao check` prints when all is well: the campaign, its units, the 任务表."""
    campaign = report.campaign
    assert campaign is not None
    lines = [
        f"{campaign.title}（{campaign.spec.label}，{campaign.county}）：配置无误",
        f"报送数据：{campaign.input_kind}；活动期 {campaign.window_start} 至 {campaign.deadline}；"
        f"每{campaign.circular_every_days}天通报一次",
    ]
    others = [u for u in campaign.units if u.unit_type != "乡镇"]
    lines.append(
        f"单位：{len(campaign.units)} 个"
        + (
            "（其中 " + "、".join(f"{u.name}（{u.unit_type}）" for u in others) + "）"
            if others
            else ""
        )
    )
    separate = [g for g in campaign.rank_groups if g != "乡镇"]
    if separate:
        lines.append(f"单独排名：{'、'.join(separate)}")
    if report.targets is None:
        levels = "、".join(f"{lv.label}{(lv.rate * 100).normalize():f}%" for lv in campaign.levels)
        lines.append(
            "任务：按各乡镇报送的户籍人口计算"
            + (f"（{levels}）" if levels else "（扩面目标任务 = 未参保人数 + 断缴人数）")
        )
        return lines
    rounding = {"ceil": "向上取整", "half_up": "四舍五入", "floor": "向下取整"}
    total_rule = {"sum_of_townships": "各乡镇之和", "from_total_base": "按总基数计算"}
    lines.append(
        f"任务表（{rounding[campaign.rounding]}，合计为{total_rule[campaign.total_rule]}）："
    )
    header = ["乡镇", campaign.base_label] + [
        f"{lv.label}（{(lv.rate * 100).normalize():f}%）" for lv in campaign.levels
    ]
    rows = [header]
    for row in report.targets.to_dict("records"):
        rows.append(
            [row["township"], str(int(row["base"]))]
            + [str(int(row[f"target_{lv.key}"])) for lv in campaign.levels]
        )
    lines += ["  " + line for line in _aligned(rows, [False] + [True] * (len(header) - 1))]
    lines += [f"注意：{note}" for note in report.notes]
    return lines
