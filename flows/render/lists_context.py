"""What the documents say of units' staff, funding channels and the hardship list, when the
run has them (flows/lists.py, sql/marts/mart_unit_coverage.sql ...): the 通报's sections,
the 排名表's tables, and the masked lists for units and the civil-affairs office."""

from __future__ import annotations

import pandas as pd

from flows.config import Campaign
from flows.masking import mask_id, mask_name
from flows.results import Results, channel_table


def _records(frame: pd.DataFrame) -> list[dict]:
    return [
        {key: None if not isinstance(value, str) and pd.isna(value) else value
         for key, value in row.items()}
        for row in frame.to_dict("records")
    ]  # fmt: skip


def units_context(campaign: Campaign, results: Results) -> dict | None:
    """Every unit's staff coverage against its target, and who the 通报 names (None until
    a unit has sent a roster)."""
    if "mart_unit_coverage" not in results.marts or campaign.staff is None:
        return None
    rows = _records(results.marts["mart_unit_coverage"])
    reported = [row for row in rows if row["staff"] > 0]
    if not reported:
        return None
    staff = sum(row["staff"] for row in reported)
    covered = sum(row["covered"] for row in reported)
    declared = sum(row["family_declared"] for row in reported)
    return {
        "rows": rows,
        "target": float(campaign.staff.target),
        "family_target": float(campaign.staff.family_target),
        "reported": reported,
        "below": [row for row in reported if row["status"] == "未达标"],
        "reached": [row for row in reported if row["status"] == "已达标"],
        "top": reported[: campaign.top_count],
        "not_reported": [row for row in rows if row["staff"] == 0],
        "family_reached": [row for row in reported if row["family_reached"]],
        "staff": staff,
        "covered": covered,
        "rate": covered / staff if staff else None,
        "family_declared": declared,
        "family_covered": sum(row["family_covered"] for row in reported),
        "several": len(results.marts["mart_staff_in_several_units"]),
    }


def channels_context(results: Results) -> dict | None:
    """People covered per township and channel, and the county's shares by channel."""
    if "mart_channels" not in results.marts:
        return None
    table = channel_table(results)
    if table.empty or table["合计"].iloc[-1] == 0:
        return None
    names = [c for c in table.columns if c not in ("township", "合计")]
    total = table.iloc[-1]
    return {
        "names": names,
        "rows": _records(table.iloc[:-1]),
        "total": dict(total),
        "shares": [
            {"channel": name, "people": int(total[name]), "share": total[name] / total["合计"]}
            for name in names
            if total[name] > 0
        ],
    }


def hardship_context(campaign: Campaign, results: Results) -> dict | None:
    """The hardship list's coverage by category, and the townships where people are left.
    Registers name no funding channel: there, who is covered is all that can be said."""
    gaps = results.marts.get("mart_hardship_gaps")
    if gaps is None or gaps.empty:
        return None
    channels = "mart_channels" in results.marts  # rosters say who paid
    numbers = ["listed", "covered", "funded", "uncovered", "covered_otherwise"]
    by_category = (
        gaps.groupby(["category_position", "category", "fully_funded"])[numbers]
        .sum()
        .reset_index()
        .sort_values("category_position")
    )
    funded = gaps[gaps["fully_funded"]]
    left = funded["uncovered"] + (funded["covered_otherwise"] if channels else 0)
    by_township = (
        funded.assign(left=left)
        .groupby(["position", "township"])["left"]
        .sum()
        .reset_index()
        .sort_values("position")
    )
    return {
        "categories": _records(by_category),
        "total": {n: int(gaps[n].sum()) for n in numbers},
        "funded_total": {n: int(funded[n].sum()) for n in numbers},
        "fully_funded": list(campaign.fully_funded),
        "funded_channel": campaign.funded_channel if channels else None,
        "townships_left": _records(by_township[by_township["left"] > 0]),
    }


def continuity_context(results: Results) -> dict | None:
    """Fujian's mechanism per township: of the people not yet insured, who would wait if
    they paid now or in the extension, and whose continuity reward is at risk."""
    townships = results.marts.get("mart_continuity_townships")
    if townships is None or townships.empty:
        return None
    numbers = [
        "not_insured", "waiting_if_paid_now", "waiting_in_extension", "rewards_at_risk",
        "rewards_at_risk_yuan",
    ]  # fmt: skip
    total = {n: int(townships[n].sum()) for n in numbers}
    most = townships[townships["waiting_if_paid_now"] > 0].sort_values(
        ["waiting_if_paid_now", "position"], ascending=[False, True]
    )
    return {"rows": _records(townships), "total": total, "most_waiting": _records(most.head(3))}


def lists_context(campaign: Campaign, results: Results) -> dict:
    """What the run has beyond the ranking, under the names the templates test for (None
    when the run has none): units, channels, the hardship list, Fujian's mechanism."""
    return {
        "units": units_context(campaign, results),
        "channels": channels_context(results),
        "hardship": hardship_context(campaign, results),
        "continuity": continuity_context(results),
    }


def unit_followup_lists(results: Results) -> dict[str, pd.DataFrame]:
    """Per unit, its staff not yet covered, masked (name by surname, number 6+4)."""
    if "mart_unit_followup" not in results.marts:
        return {}
    people = results.marts["mart_unit_followup"]
    people = people.assign(
        name_masked=people["name"].map(mask_name), id_masked=people["id_number"].map(mask_id)
    )[["unit", "name_masked", "id_masked", "staff_type"]]
    return {unit: group for unit, group in people.groupby("unit", sort=False)}


def hardship_followup(results: Results) -> pd.DataFrame | None:
    """The hardship list's people still to see to, masked, by township."""
    people = results.marts.get("mart_hardship_followup")
    if people is None or people.empty:
        return None
    return people.assign(
        name_masked=people["name"].map(mask_name), id_masked=people["id_number"].map(mask_id)
    )[["township", "village", "name_masked", "id_masked", "category", "status"]]
