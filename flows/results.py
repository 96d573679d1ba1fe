"""What the SQL marts say on the as-of date, shaped once for documents and tables.

Target levels are rows in SQL (one row per township and level, any number of levels);
documents and CSV files show them as columns named after the level keys
(``target_<key>``, ``gap_<key>``, ``completion_<key>``), in the campaign file's order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import duckdb
import pandas as pd

from flows import store
from flows.assessment import register_rubric
from flows.config import Campaign, TargetLevel
from flows.continuity import continuity_tables, run_continuity_marts, with_phrases
from flows.masking import (
    conflicts_for_people,
    lines_for_people,
    mask_text,
    reject_summary_for_people,
    rejects_for_people,
)
from flows.settings import Settings
from schemas.kinds import KINDS

LEVEL_VALUES = ("target", "gap", "completion")


def with_units(campaign: Campaign, bases: pd.DataFrame) -> pd.DataFrame:
    """The base table's rows with what each unit is and the ranking it takes part in."""
    units = {unit.name: unit for unit in campaign.units}
    return bases.assign(
        unit_type=bases["township"].map(lambda name: units[name].unit_type),
        rank_group=bases["township"].map(lambda name: units[name].rank_group),
    )


def compute_marts(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    campaign: Campaign,
    as_of,
    marts: tuple[str, ...],
    file_errors: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Build ``marts`` (and what they read) for the as-of date; return them as frames.

    The run's own facts go in as temp tables: the files that could not be read, the
    campaign file's target levels, its 考核 rubric (empty without [assessment]) and its
    long-term mechanism rules (run_continuity, run_contributions, run_exempt_groups: only
    with [continuity]); every other value as a named parameter."""
    if file_errors is None:
        file_errors = pd.DataFrame({"township": [], "file_name": []}, dtype="string")
    levels = pd.DataFrame(
        {
            "level_key": [level.key for level in campaign.levels],
            "level_label": [level.label for level in campaign.levels],
            "level_rate": [str(level.rate) for level in campaign.levels],
            "level_position": range(1, len(campaign.levels) + 1),
        }
    ).astype({"level_key": "string", "level_label": "string", "level_rate": "string"})
    store.temp_table(con, "run_file_errors", file_errors)
    store.temp_table(con, "run_target_levels", levels)
    for name, frame in campaign_lists(campaign).items():
        store.temp_table(con, name, frame)
    register_rubric(con, campaign.assessment)
    for name, frame in continuity_tables(campaign).items():
        store.temp_table(con, name, frame)
    params = {
        "campaign": campaign.name,
        "as_of": as_of,
        "campaign_year": campaign.year,
        "rounding": campaign.rounding,
        "total_rule": campaign.total_rule,
        "window_start": campaign.window_start,
        "deadline": campaign.deadline,
        "top_count": campaign.top_count,
        "top_unenrolled": campaign.top_unenrolled,
        "staff_target": str(campaign.staff.target if campaign.staff else 1),
        "family_target": str(campaign.staff.family_target if campaign.staff else 1),
        "funded_channel": campaign.funded_channel,
    }
    store.build_models(con, settings, params, marts, campaign.kind)
    return {name: store.table(con, name) for name in marts}


def campaign_lists(campaign: Campaign) -> dict[str, pd.DataFrame]:
    """The campaign file's names the SQL reads as temp tables: channel spellings, the units
    that owe a staff roster, the hardship categories (those paid in full marked)."""
    channels = campaign.channels
    units = campaign.staff.units if campaign.staff else ()
    categories = campaign.hardship.names
    return {
        "run_channel_aliases": pd.DataFrame(
            {
                "spelling": list(channels.aliases),
                "channel": list(channels.aliases.values()),
                "channel_position": [
                    channels.names.index(c) + 1 for c in channels.aliases.values()
                ],
            },
            dtype=object,
        ).astype({"spelling": "string", "channel": "string", "channel_position": "int64"}),
        "run_staff_units": pd.DataFrame(
            {"unit": pd.Series(units, dtype="string"), "unit_position": range(1, len(units) + 1)}
        ),
        "run_hardship_categories": pd.DataFrame(
            {
                "category": pd.Series(categories, dtype="string"),
                "category_position": range(1, len(categories) + 1),
                "fully_funded": [c in campaign.fully_funded for c in categories],
            }
        ),
    }


def lists_marts(campaign: Campaign) -> tuple[str, ...]:
    """The marts of the lists beside the rosters: units' staff when the campaign has [staff];
    funding channels and the hardship list where deliveries name people."""
    marts: tuple[str, ...] = ()
    if KINDS[campaign.input_kind].persons is None:
        return marts
    marts += ("mart_list_rejects",)
    if campaign.input_kind == "roster":
        marts += ("mart_channels", "mart_unrecognised_channels")
    marts += ("mart_hardship_gaps", "mart_hardship_followup")
    if campaign.staff is not None:
        marts += ("mart_unit_coverage", "mart_staff_in_several_units", "mart_unit_followup")
    if campaign.assessment is not None:
        marts += ("mart_assessment_computed",)
    return marts


def widen_levels(
    long: pd.DataFrame, levels: tuple[TargetLevel, ...], values: tuple[str, ...]
) -> pd.DataFrame:
    """One row per township and level -> one row per township, a column per value and level
    (``target_floor``, ``gap_floor``, ...), townships in their first order in ``long``."""
    order = pd.unique(long["township"]) if len(long) else []
    wide = pd.DataFrame(index=pd.Index(order, name="township"))
    for value in values:
        pivoted = long.pivot(index="township", columns="level_key", values=value)
        for level in levels:
            if level.key in pivoted:
                wide[f"{value}_{level.key}"] = pivoted[level.key].reindex(wide.index)
    return wide.reset_index()


def level_columns(levels: tuple[TargetLevel, ...], value: str) -> list[str]:
    return [f"{value}_{level.key}" for level in levels]


@dataclass
class Results:
    """The as-of date's marts, township names as officials print them."""

    campaign: Campaign
    marts: dict[str, pd.DataFrame]
    coverage: pd.DataFrame  # mart_township_progress with a column per level value
    targets: pd.DataFrame  # the 任务表: township, base, target_<key>..., 合计 last
    county: dict  # the county row: totals, levels, time progress, increases
    mentions: dict[str, list[str]]  # mart_circular_mentions: why -> townships, in order
    file_errors: list[dict]
    doc_number: str | None  # set when this run issues a circular (通报)
    notes: list[str]  # what officials should check: 合计 mismatches, upgraded 15-digit numbers
    base_notes: list[str]  # the base table's: a stated 合计 that is off the sum of its rows

    @property
    def conflicts(self) -> pd.DataFrame | None:
        """People reported by several townships, masked (rosters only)."""
        if "mart_conflicts" not in self.marts:
            return None
        return conflicts_for_people(self.marts["mart_conflicts"])

    @cached_property
    def rejects(self) -> pd.DataFrame:
        """Rejected rows as people read them: labels in Chinese, personal data masked
        (computed once: every CSV, workbook and document prints this same frame)."""
        return rejects_for_people(self.marts["mart_rejects"])

    @cached_property
    def reject_summary(self) -> pd.DataFrame:
        """mart_reject_summary as people read it: column labels in Chinese, reasons masked."""
        return reject_summary_for_people(self.marts["mart_reject_summary"])


def run_results(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    campaign: Campaign,
    as_of,
    *,
    circular: bool,
    base_notes: list[str],
    file_errors: list[dict] | tuple[dict, ...] = (),
) -> Results:
    """One run's numbers: build the marts, keep the township snapshot of the as-of date,
    number the circular if one is issued, shape the marts for documents and tables.

    ``file_errors``: the files of this run that could not be read (township, file_name,
    error); ``base_notes``: what the base table's reading found to check (a 合计 off)."""
    errors = pd.DataFrame(
        {
            "township": [error["township"] for error in file_errors],
            "file_name": [error["file_name"] for error in file_errors],
        },
        dtype="string",
    )
    marts_wanted = (
        campaign.spec.all_marts
        + KINDS[campaign.input_kind].marts
        + lists_marts(campaign)
        + run_continuity_marts(campaign)
    )
    marts = compute_marts(con, settings, campaign, as_of, marts_wanted, errors)
    notes = store.delivery_notes(con, campaign.name, as_of, campaign.deadline)
    store.save_snapshot(con, campaign.name, as_of)
    doc_number = None
    if circular:
        doc_number = store.circular_number(con, campaign, as_of)
    return shape_results(
        campaign,
        marts,
        file_errors=list(file_errors),
        doc_number=doc_number,
        notes=base_notes + notes,
        base_notes=base_notes,
    )


def shape_results(
    campaign: Campaign,
    marts: dict[str, pd.DataFrame],
    *,
    file_errors: list[dict],
    doc_number: str | None,
    notes: list[str],
    base_notes: list[str],
) -> Results:
    """Marts as documents read them: levels as columns, the county as one dict."""
    if "mart_followup_continuity" in marts:  # each person's own numbers under their line
        marts["mart_followup"] = with_phrases(
            marts["mart_followup"], marts["mart_followup_continuity"]
        )
    for frame in marts.values():
        if "township" in frame:  # rejects of a file of no known township have none
            frame["township"] = frame["township"].map(campaign.display_name, na_action="ignore")
    levels = campaign.levels
    by_level = widen_levels(marts["mart_township_levels"], levels, LEVEL_VALUES)
    coverage = marts["mart_township_progress"].merge(by_level, on="township", how="left")
    targets = marts["mart_targets"]
    targets_wide = widen_levels(targets, levels, ("target",)).merge(
        targets[["township", "base"]].drop_duplicates("township"), on="township"
    )
    targets_wide = targets_wide[["township", "base", *level_columns(levels, "target")]]
    county = marts["mart_county_total"].to_dict("records")[0]
    county_levels = widen_levels(
        marts["mart_county_levels"].assign(township="合计"), levels, LEVEL_VALUES
    )
    for record in county_levels.drop(columns="township").to_dict("records"):
        county.update(record)  # one row: the county's target, gap, completion per level
    county.update(marts["mart_county_progress"].to_dict("records")[0])
    county = {key: None if pd.isna(value) else value for key, value in county.items()}
    mentions: dict[str, list[str]] = {}
    for mention, township in marts["mart_circular_mentions"][["mention", "township"]].itertuples(
        index=False
    ):
        mentions.setdefault(mention, []).append(township)
    return Results(
        campaign=campaign,
        marts=marts,
        coverage=coverage,
        targets=targets_wide,
        county=county,
        mentions=mentions,
        # what documents quote from files and warnings: identity numbers and names masked
        file_errors=[{**error, "error": mask_text(error.get("error"))} for error in file_errors],
        doc_number=doc_number,
        notes=lines_for_people(notes),
        base_notes=lines_for_people(base_notes),
    )


def channel_table(results: Results) -> pd.DataFrame:
    """People covered by township (rows) and funding channel (columns), 合计 last; 未注明
    and 其他 only where someone is in them."""
    long = results.marts["mart_channels"]
    wide = long.pivot_table(
        index=["position", "township"], columns="channel", values="people", aggfunc="sum"
    )
    order = long.drop_duplicates("channel").sort_values("channel_position")["channel"]
    wide = wide[[c for c in order if c not in ("未注明", "其他") or wide[c].sum() > 0]]
    wide = wide.reset_index(level="position", drop=True).reset_index()
    wide["合计"] = wide.drop(columns="township").sum(axis=1)
    total = wide.drop(columns="township").sum().to_frame().T.assign(township="合计")
    return pd.concat([wide, total[wide.columns]], ignore_index=True).astype(
        {c: "int64" for c in wide.columns if c != "township"}
    )
