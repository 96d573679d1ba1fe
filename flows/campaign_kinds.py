"""The kinds of campaign, each a table of what it brings: a plug-in, like delivery kinds.

A campaign file names its kind ([campaign] kind); the flow, the CLI and the renderers
read what they need from the kind's entry here and never ask which kind it is:

- the SQL models it provides itself (sql/<layer>/<kind>/: its coverage per township and
  its county total; every other model is shared, and the build order follows from them);
- the marts its documents and tables read;
- its documents (name -> template in report_templates/) and tables (flows/outputs.py);
- what its campaign file must hold (a base table, at least N target levels).

Both kinds share the progress features: snapshots per as-of date, change since the last
run and circular, rank change, 时序进度 against the first target level, trend charts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Marts every campaign builds: the ranking with its progress, targets by level, the county,
# the trend, who a circular names, and the data-quality marts.
COMMON_MARTS = (
    "mart_township_progress",
    "mart_township_levels",
    "mart_targets",
    "mart_county_total",
    "mart_county_levels",
    "mart_county_progress",
    "mart_trend",
    "mart_circular_mentions",
    "mart_rejects",
    "mart_reject_summary",
    "mart_delivery_quality",
)


@dataclass(frozen=True)
class CampaignKind:
    name: str
    label: str  # as officials call it
    inputs: tuple[str, ...]  # delivery kinds it can count (schemas/kinds.py); first = default
    needs_base_table: bool  # the denominator comes from a base table, not from the deliveries
    min_levels: int  # target levels its campaign file must set
    base_label: str  # the base column's heading when the campaign file sets none
    # document -> template; "circular" only on circular days; a .png document (OUTPUT_FILES in
    # flows/render) is a picture for phones
    documents: dict[str, str]
    tables: tuple[str, ...]  # writers in flows/outputs.TABLE_WRITERS
    # coverage.csv: columns in order; {targets} and {gaps} stand for the configured levels
    coverage_columns: tuple[str, ...]
    coverage_total_row: bool  # coverage.csv ends with the county's 合计 row
    marts: tuple[str, ...] = field(default=())  # its own marts besides COMMON_MARTS

    @property
    def all_marts(self) -> tuple[str, ...]:
        return COMMON_MARTS + self.marts


CAMPAIGN_KINDS = {
    "puhui": CampaignKind(
        name="puhui",
        label="惠民保",
        inputs=("roster",),
        needs_base_table=True,
        min_levels=1,
        base_label="基本医保参保人数",
        documents={
            "assignment_table": "assignment_table.html",
            "ranking": "ranking_report.html",
            "ranking_phone": "ranking_phone.html",
            "circular": "circular.html",
        },
        tables=("coverage_csv", "targets_csv", "ranking_workbook"),
        coverage_columns=(
            "rank",
            "township",
            "base",
            "{targets}",
            "enrolled",
            "rate",
            "{gaps}",
            "status",
        ),
        coverage_total_row=False,
    ),
    "basic": CampaignKind(
        name="basic",
        label="全民参保",
        inputs=("counts", "register"),
        needs_base_table=False,
        min_levels=0,
        base_label="区域户籍人口数",
        documents={
            "ranking": "basic_ranking_report.html",
            "ranking_phone": "basic_ranking_phone.html",
            "circular": "basic_circular.html",
        },
        tables=("coverage_csv", "villages_csv", "ranking_workbook"),
        coverage_columns=(
            "rank",
            "township",
            "registered",
            "enrolled_local",
            "enrolled_elsewhere",
            "enrolled",
            "rate",
            "unenrolled",
            "unenrolled_rate",
            "lapsed",
            "target",
            "{targets}",
            "{gaps}",
            "status",
        ),
        coverage_total_row=True,
        marts=("mart_village_coverage",),
    ),
}
