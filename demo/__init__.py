"""Demo data: realistic township deliveries generated for the bundled demo campaigns.

Not part of the pipeline: `canbao demo` writes these files into the drop zone, and the
flow then reads them like any township's extracts. Each demo campaign names its as-of
date, its writer, and whether the demo replays every circular day of the campaign so far.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"


@dataclass(frozen=True)
class Demo:
    as_of: date
    write: Callable[..., list[Path]]  # (campaign, raw_dir, as_of) -> files written
    replay_cadence: bool  # run every circular day up to as_of, not just as_of


def _qingliu_rosters(campaign, raw_dir: Path, as_of: date) -> list[Path]:
    """The townships' rosters, then the units' staff and family rosters, the hardship list
    and the assessors' filled 考核评分表."""
    from demo.assessment import assessed_entities, write_filled_form
    from demo.qingliu import write_demo_extracts, write_demo_lists

    start = campaign.window_start
    rosters = write_demo_extracts(raw_dir, campaign.base_file, start=start, as_of=as_of)
    units = campaign.staff.units if campaign.staff is not None else ()
    lists = write_demo_lists(raw_dir, campaign.base_file, units, start=start, as_of=as_of)
    form = raw_dir / "考核评分" / "考核评分表.xlsx"
    form.parent.mkdir(parents=True, exist_ok=True)
    return rosters + lists + [write_filled_form(form, campaign, assessed_entities(campaign))]


def _yongchun(writer: str, **options) -> Callable[..., list[Path]]:
    def write(campaign, raw_dir: Path, as_of: date) -> list[Path]:
        from demo import yongchun

        reference = REFERENCE / "yongchun_2023_basic_coverage.csv"
        return getattr(yongchun, writer)(raw_dir, reference, as_of=as_of, **options)

    return write


DEMOS = {
    "qingliu_2025_puhui": Demo(date(2024, 11, 13), _qingliu_rosters, replay_cadence=True),
    "yongchun_2023_basic": Demo(date(2023, 6, 3), _yongchun("write_village_counts"), False),
    "yongchun_2023_basic_register": Demo(
        date(2023, 6, 3), _yongchun("write_person_register"), False
    ),
    # the same county under Fujian's long-term mechanism: registers with 2021-2025 history,
    # a night in the central window of the 2026 payment year
    "yongchun_2026_basic_register": Demo(
        date(2025, 12, 10), _yongchun("write_person_register", history_years=5), False
    ),
}
DEFAULT_DEMO = "qingliu_2025_puhui"
