"""Inputs for the 惠民保 (puhui) render tests: Qingliu's 2025 assignment table with made-up
enrolment, the progress columns of mart_township_progress and the rows of mart_trend.

Runs on 11月3日, 8日 (a circular), 12日 and the as-of date 11月13日; the campaign window
2024-10-15 .. 2024-12-31 gives a time progress of 30 / 78 on the as-of date.
"""

from __future__ import annotations

import datetime

import pandas as pd

AS_OF = datetime.date(2024, 11, 13)
WINDOW = (datetime.date(2024, 10, 15), datetime.date(2024, 12, 31))
TIME_PROGRESS = 30 / 78
PREVIOUS_RUN = datetime.date(2024, 11, 12)
PREVIOUS_CIRCULAR = datetime.date(2024, 11, 8)
# Share of the as-of enrolment each township had on each earlier run date.
EARLIER = {
    datetime.date(2024, 11, 3): 0.55,
    PREVIOUS_CIRCULAR: 0.8,
    PREVIOUS_RUN: 0.95,
}

# Qingliu's 2025 assignment table (base and targets as published, rounded up).
ASSIGNMENTS = [
    ("龙津镇", 20642, 4129, 6193),
    ("温郊乡", 3432, 687, 1030),
    ("赖坊镇", 7949, 1590, 2385),
    ("余朋乡", 4717, 944, 1416),
    ("林畲镇", 5506, 1102, 1652),
    ("嵩口镇", 13816, 2764, 4145),
    ("长校镇", 10084, 2017, 3026),
    ("里田乡", 5103, 1021, 1531),
    ("嵩溪镇", 13561, 2713, 4069),
    ("田源乡", 5132, 1027, 1540),
    ("李家乡", 8706, 1742, 2612),
    ("灵地镇", 10059, 2012, 3018),
    ("沙芜乡", 3593, 719, 1078),
]
# Made-up enrolment counts; 沙芜乡 sent nothing, 温郊乡 sent a broken file; 林畲镇 and
# 李家乡 lag behind time progress.
ENROLLED = {
    "龙津镇": 4861,
    "温郊乡": None,
    "赖坊镇": 1702,
    "余朋乡": 1502,
    "林畲镇": 402,
    "嵩口镇": 2911,
    "长校镇": 1800,
    "里田乡": 1350,
    "嵩溪镇": 2150,
    "田源乡": 1106,
    "李家乡": 607,
    "灵地镇": 2500,
    "沙芜乡": None,
}
NAMES = [township for township, *_ in ASSIGNMENTS]
STATUS = {"温郊乡": "文件错误", "沙芜乡": "未报送"}
REPORTED = "已报送"


def build_targets() -> pd.DataFrame:
    rows = [
        {"township": t, "base": b, "target_floor": f, "target_stretch": s}
        for t, b, f, s in ASSIGNMENTS
    ]
    rows.append(
        {
            "township": "合计",
            "base": sum(r["base"] for r in rows),
            "target_floor": sum(r["target_floor"] for r in rows),
            "target_stretch": sum(r["target_stretch"] for r in rows),
        }
    )
    return pd.DataFrame(rows)


def enrolled_on(township: str, day: datetime.date) -> int:
    now = ENROLLED[township] or 0
    if day == AS_OF:
        return now
    # Townships grow at different paces, so ranks move between runs.
    pace = 1 + 0.4 * (NAMES.index(township) % 5 - 2)
    return int(now * EARLIER[day] ** pace)


def ranks_on(day: datetime.date) -> dict[str, int]:
    """Rank by rate among the townships that reported (as mart_township_coverage does)."""
    bases = {township: base for township, base, *_ in ASSIGNMENTS}
    reported = [t for t in bases if STATUS.get(t, REPORTED) == REPORTED]
    order = sorted(reported, key=lambda t: -enrolled_on(t, day) / bases[t])
    return {township: number for number, township in enumerate(order, start=1)}


def progress_class(status: str, enrolled: int, floor: int, time_progress: float) -> str:
    if status == "未报送":
        return "未报送"
    if enrolled >= floor:
        return "已完成"
    return "超时序" if enrolled / floor >= time_progress else "落后时序"


def rank_change(rank, previous) -> str:
    if rank is None or previous is None or rank == previous:
        return "—"
    return f"↑{previous - rank}" if rank < previous else f"↓{rank - previous}"


def build_coverage(time_progress: float = TIME_PROGRESS, history: bool = True) -> pd.DataFrame:
    """mart_township_progress; without ``history`` the as-of date is the first run."""
    now, before = ranks_on(AS_OF), ranks_on(PREVIOUS_RUN)
    rows = []
    for township, base, floor, stretch in ASSIGNMENTS:
        enrolled = ENROLLED[township] or 0
        status = STATUS.get(township, REPORTED)
        known = history and status != "未报送"
        previous_rank = before.get(township) if history else None
        rows.append(
            {
                "rank": now.get(township),
                "township": township,
                "base": base,
                "target_floor": floor,
                "target_stretch": stretch,
                "enrolled": enrolled,
                "rate": enrolled / base,
                "gap_floor": max(floor - enrolled, 0),
                "gap_stretch": max(stretch - enrolled, 0),
                "status": status,
                "completion_floor": enrolled / floor,
                "time_progress": time_progress,
                "progress_class": progress_class(status, enrolled, floor, time_progress),
                "increase_since_previous": (
                    enrolled - enrolled_on(township, PREVIOUS_RUN) if known else None
                ),
                "increase_since_circular": (
                    enrolled - enrolled_on(township, PREVIOUS_CIRCULAR) if known else None
                ),
                "previous_rank": previous_rank,
                "rank_change": rank_change(now.get(township), previous_rank),
            }
        )
    frame = pd.DataFrame(rows)
    for column in ("rank", "increase_since_previous", "increase_since_circular", "previous_rank"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    return frame.sort_values("rank", na_position="last", kind="stable").reset_index(drop=True)


def build_county(coverage: pd.DataFrame, history: bool = True) -> dict:
    base = int(coverage["base"].sum())
    floor = int(coverage["target_floor"].sum())
    stretch = int(coverage["target_stretch"].sum())
    enrolled = int(coverage["enrolled"].sum())

    def total(column: str) -> int | None:
        known = coverage[column].dropna()
        return int(known.sum()) if history and len(known) else None

    return {
        "base": base,
        "target_floor": floor,
        "target_stretch": stretch,
        "enrolled": enrolled,
        "rate": enrolled / base,
        "gap_floor": max(floor - enrolled, 0),
        "gap_stretch": max(stretch - enrolled, 0),
        "completion_floor": enrolled / floor,
        "completion_stretch": enrolled / stretch,
        "time_progress": float(coverage["time_progress"].iloc[0]),
        "increase_since_previous": total("increase_since_previous"),
        "increase_since_circular": total("increase_since_circular"),
    }


def build_trend(history: bool = True) -> pd.DataFrame:
    """mart_trend: a row per township (and 合计) per run date, by township then date."""
    days = [*EARLIER, AS_OF] if history else [AS_OF]
    rows = []
    for day in days:
        ranks = ranks_on(day)
        for township, base, floor, _ in ASSIGNMENTS:
            enrolled = enrolled_on(township, day)
            rows.append(
                {
                    "as_of": day,
                    "township": township,
                    "rank": ranks.get(township),
                    "denominator": base,
                    "target": floor,
                    "enrolled": enrolled,
                    "rate": enrolled / base,
                }
            )
    frame = pd.DataFrame(rows)
    county = (
        frame.groupby("as_of", as_index=False)[["denominator", "target", "enrolled"]]
        .sum()
        .assign(township="合计", rank=None)
    )
    county["rate"] = county["enrolled"] / county["denominator"]
    frame = pd.concat([frame, county[frame.columns]], ignore_index=True)
    frame["rank"] = pd.array(frame["rank"].tolist(), dtype="Int64")
    return frame.sort_values(["township", "as_of"], kind="stable").reset_index(drop=True)
