"""Machine-readable results written beside the PDFs: CSV files and manifest.json."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xlsxwriter

from flows.excel import Sheet, write_workbook
from flows.ingest import FileResult
from flows.masking import lines_for_people, mask_id, mask_name, rejects_for_people
from flows.results import channel_table
from flows.settings import get_settings

if TYPE_CHECKING:
    from flows.config import Campaign
    from flows.results import Results


def percent(value: float | None) -> str:
    """A fraction as officials write it: 0.23456 -> 23.46% (half up, as done by hand)."""
    if value is None or pd.isna(value):
        return ""
    shown = (Decimal(repr(float(value))) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{shown}%"


def headline(as_of: date, county: dict) -> str:
    """One line for the console and the log: the county on the as-of date."""
    text = f"截至{as_of.month}月{as_of.day}日，全县参保 {county['enrolled']} 人"
    text += f"，参保率 {percent(county['rate'])}"
    if county.get("completion") is not None:
        text += f"，完成目标任务的 {percent(county['completion'])}"
    if "unenrolled" in county:
        text += f"，未参保 {county['unenrolled']} 人"
    return text


# A text cell starting with one of these is a formula to Excel (OWASP "CSV injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """A text cell Excel would run as a formula, prefixed with ' so that it shows as typed;
    numbers (negative ones too) and other text unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    text_columns = [
        c for c in frame.columns if frame[c].dtype == object or frame[c].dtype == "string"
    ]
    if text_columns:
        frame = frame.assign(**{c: frame[c].map(neutralise_formula) for c in text_columns})
    # BOM so that Excel on a county office PC opens the UTF-8 file correctly
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def coverage_columns(campaign: Campaign) -> list[str]:
    """coverage.csv's columns: the kind's layout with a target and a gap column per level."""
    expand = {
        "{targets}": [f"target_{level.key}" for level in campaign.levels],
        "{gaps}": [f"gap_{level.key}" for level in campaign.levels],
    }
    return [c for column in campaign.spec.coverage_columns for c in expand.get(column, [column])]


def write_coverage_csv(campaign: Campaign, results: Results, out_dir: Path, as_of: date) -> Path:
    """coverage.csv: the ranking as data; a 全民参保 one ends with the county's 合计 row,
    laid out like the county's published table."""
    columns = coverage_columns(campaign)
    frame = results.coverage[columns].astype({"rank": "Int64"})
    if campaign.spec.coverage_total_row:
        total = {**results.county, "rank": "合计", "township": "", "status": ""}
        frame = pd.concat([frame.astype(object), pd.DataFrame([total])[columns]], ignore_index=True)
    for column in ("rate", "unenrolled_rate"):
        if column in frame:
            frame[column] = frame[column].map(percent)
    return _write_csv(frame, out_dir / "coverage.csv")


def write_targets_csv(campaign: Campaign, results: Results, out_dir: Path, as_of: date) -> Path:
    """targets.csv: the 任务表 as data, a target column per level, 合计 row last."""
    return _write_csv(results.targets, out_dir / "targets.csv")


def write_rejects_csv(campaign: Campaign, results: Results, out_dir: Path, as_of: date) -> Path:
    return _write_csv(results.rejects, out_dir / "rejects.csv")


QUALITY_HEADERS = {
    "township": "乡（镇）",
    "file": "文件",
    "sheet": "工作表",
    "row": "行号",
    "column": "列",
    "value": "内容",
    "reason": "原因",
}


def write_quality_workbook(
    campaign: Campaign, results: Results, out_dir: Path, as_of: date
) -> Path:
    """数据质量.xlsx: the same rows as 数据质量.pdf, for townships that fix them in Excel;
    what officials should check (a stated 合计 off its rows, ...) on a sheet of its own."""
    rejects = results.rejects
    summary_sheet = results.marts["mart_delivery_quality"].rename(
        columns={
            "township": "乡（镇）",
            "files": "报送文件数",
            "rows_read": "读取行数",
            "rows_loaded": "入库行数",
            "rows_rejected": "剔除行数",
            "status": "状态",
        }
    )
    return write_workbook(
        out_dir / "数据质量.xlsx",
        [
            Sheet("剔除明细", rejects.rename(columns=QUALITY_HEADERS), notes=[MASK_NOTE]),
            Sheet("各乡镇汇总", summary_sheet),
            *(
                [Sheet("需核对事项", pd.DataFrame({"需核对事项": results.notes}))]
                if results.notes
                else []
            ),
        ],
        as_of=as_of,
    )


MASK_NOTE = "身份证号只显示前6位和后4位，姓名只显示姓；行号为原文件中的行号（含标题行）。"


def write_conflicts_csv(campaign: Campaign, results: Results, out_dir: Path, as_of: date) -> Path:
    return _write_csv(results.conflicts, out_dir / "conflicts.csv")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _inside(path: Path, out_dir: Path) -> str:
    """An output's name as the manifest gives it: its path in the run's folder (a follow-up
    list is 随访名单/随访名单_<乡镇>.pdf), so that every entry names one file."""
    try:
        return path.relative_to(out_dir).as_posix()
    except ValueError:
        return path.name


def write_manifest(
    out_dir: Path,
    *,
    campaign: str,
    as_of: date,
    status: str,
    inputs: list[FileResult],
    outputs: list[Path],
    step_seconds: dict[str, float],
    warnings: list[str],
    step_counts: dict[str, dict[str, int]] | None = None,
    lists: list[dict] | None = None,
) -> Path:
    """manifest.json: what went in (hash, rows), what came out (hash), how long each step took
    and, where a step counts what it did, how many (documents rendered and reused ...)."""
    manifest = {
        "campaign": campaign,
        "as_of": as_of.isoformat(),
        "status": status,
        "inputs": [
            {**asdict(r), "delivered_on": r.delivered_on.isoformat() if r.delivered_on else None}
            for r in inputs
        ],
        "outputs": [
            {"file": _inside(p, out_dir), "sha256": sha256_of(p), "bytes": p.stat().st_size}
            for p in outputs
        ],
        "step_seconds": {k: round(v, 3) for k, v in step_seconds.items()},
        **({"step_counts": step_counts} if step_counts is not None else {}),
        # the lists beside the rosters (units' staff, families, the hardship list), if any
        **({"lists": lists} if lists else {}),
        "warnings": lines_for_people(warnings),
    }
    path = out_dir / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def write_villages_csv(campaign: Campaign, results: Results, out_dir: Path, as_of: date) -> Path:
    villages = results.marts["mart_village_coverage"]
    frame = villages.assign(
        rate=villages["rate"].map(percent), unenrolled_rate=villages["unenrolled_rate"].map(percent)
    )
    return _write_csv(frame, out_dir / "villages.csv")


def followup_lists(followup: pd.DataFrame, names: str = "surname") -> dict[str, pd.DataFrame]:
    """Per township, the people to visit, village by village; each sees only its own.
    Identity numbers masked; names masked to the surname, or shown whole when the campaign
    file says ``[followup] names = "full"`` (a village's own door-to-door list)."""
    show_name = mask_name if names == "surname" else (lambda name: "" if pd.isna(name) else name)
    masked = pd.DataFrame(
        {
            "township": followup["township"],
            "village": followup["village"],
            "id_masked": followup["id_number"].map(mask_id),
            "name_masked": followup["name"].map(show_name),
            "status": followup["status"],
            "last_year": followup["last_year"],
        }
    )
    if "phrase" in followup:  # each person's own numbers (Fujian's mechanism)
        masked["phrase"] = followup["phrase"]
    return {
        township: people.drop(columns="township").reset_index(drop=True)
        for township, people in masked.groupby("township", sort=False)
    }


def followup_dates(followup: pd.DataFrame) -> dict[str, date]:
    """Per township, the date its follow-up list is as of: the delivery date of the register
    it is built from (mart_followup.delivered_on), not the run's, so that a township that sent
    nothing new keeps the very same list."""
    firsts = followup.drop_duplicates("township")
    return {
        township: pd.Timestamp(day).date()
        for township, day in zip(firsts["township"], firsts["delivered_on"], strict=True)
    }


FOLLOWUP_HEADERS = {
    "village": "村(居)",
    "id_masked": "身份证号",
    "name_masked": "姓名",
    "status": "状态",
    "last_year": "上年缴费情况",
    "phrase": "参保提示（本人连续参保与待遇等待期）",
}


def write_followup_workbook(
    township: str, people: pd.DataFrame, out_dir: Path, as_of: date
) -> Path:
    """随访名单_<乡镇>.xlsx: the same masked list as the PDF, with columns to fill in."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = people.rename(columns=FOLLOWUP_HEADERS).assign(走访情况="", 备注="")
    frame.insert(0, "序号", range(1, len(frame) + 1))
    title = f"{township}基本医保未参保及断缴人员随访名单（数据截至{as_of.month}月{as_of.day}日）"
    note = "本名单含个人信息，仅限村（居）工作人员入户核实使用，不得外传。"
    return write_workbook(
        out_dir / f"随访名单_{township}.xlsx",
        [Sheet("随访名单", frame, title=title, notes=[note])],
        as_of=as_of,
    )


def ranking_headers(campaign: Campaign) -> dict[str, str]:
    """排名表.xlsx's ranking columns and their headings: the configured levels, in order."""
    levels = campaign.levels
    first = levels[0].label if levels else ""
    return {
        "rank": "排名",
        "township": "乡（镇）",
        "denominator": campaign.base_label,
        **{f"target_{level.key}": f"{level.label}数" for level in levels},
        "enrolled": "已参保人数",
        "rate": "参保率",
        **({f"completion_{levels[0].key}": f"{first}完成率"} if levels else {}),
        "time_progress": "时序进度",
        **({"progress_class": "进度"} if levels else {}),
        **{f"gap_{level.key}": f"距{level.label}差额" for level in levels},
        "increase_since_previous": "较上次增加",
        "increase_since_circular": "较上期通报增加",
        "rank_change": "排名变化",
        "status": "报送状态",
    }


def write_ranking_workbook(
    campaign: Campaign, results: Results, out_dir: Path, as_of: date
) -> Path:
    """排名表.xlsx: the ranking, the trend by date and the rejects, for officials in Excel."""
    progress, trend = results.coverage, results.marts["mart_trend"]
    headers = ranking_headers(campaign)
    ranking = progress[list(headers)].rename(columns=headers)
    enrolled = trend.pivot(index="as_of", columns="township", values="enrolled")
    order = [t for t in progress["township"] if t in enrolled.columns] + ["合计"]
    enrolled = enrolled[order].reset_index()
    enrolled["as_of"] = pd.to_datetime(enrolled["as_of"]).dt.strftime("%Y-%m-%d")
    rates = trend.pivot(index="as_of", columns="township", values="rate")[order].reset_index()
    rates["as_of"] = pd.to_datetime(rates["as_of"]).dt.strftime("%Y-%m-%d")
    title = f"截至{as_of.year}年{as_of.month}月{as_of.day}日"
    percent_columns = ("参保率", "时序进度", *(v for v in headers.values() if v.endswith("完成率")))
    return write_workbook(
        out_dir / "排名表.xlsx",
        [
            Sheet(
                "排名",
                ranking,
                percent_columns=percent_columns,
                title=f"参保进度排名（{title}）",
            ),
            Sheet("参保人数趋势", enrolled.rename(columns={"as_of": "日期"})),
            Sheet(
                "参保率趋势",
                rates.rename(columns={"as_of": "日期"}),
                percent_columns=tuple(order),
            ),
            *list_sheets(results),
            Sheet("剔除明细", results.rejects.rename(columns=QUALITY_HEADERS), notes=[MASK_NOTE]),
        ],
        as_of=as_of,
    )


UNIT_HEADERS = {
    "rank": "排名", "unit": "单位", "staff": "职工人数", "covered": "已参保人数", "rate": "参保率",
    "target": "目标数", "gap": "差额", "status": "状态", "family_declared": "申报家属人数",
    "family_covered": "家属已参保人数", "family_rate": "家属参保率",
    "staff_in_several_units": "同时列入其他单位名册人数",
}  # fmt: skip
HARDSHIP_HEADERS = {
    "township": "乡（镇）", "category": "救助类别", "listed": "名单人数", "covered": "已参保",
    "funded": "经财政资助参保", "uncovered": "未参保", "covered_otherwise": "已参保但未经财政资助",
}  # fmt: skip


def list_sheets(results: Results) -> list[Sheet]:
    """排名表.xlsx's sheets of units, funding channels and the hardship list, where the run
    has them."""
    sheets = []
    if "mart_unit_coverage" in results.marts:
        units = results.marts["mart_unit_coverage"][list(UNIT_HEADERS)]
        sheets.append(
            Sheet(
                "县直单位",
                units.astype({"rank": "Int64"}).rename(columns=UNIT_HEADERS),
                percent_columns=("参保率", "家属参保率"),
            )
        )
    if "mart_channels" in results.marts:
        sheets.append(
            Sheet("缴费渠道", channel_table(results).rename(columns={"township": "乡（镇）"}))
        )
    gaps = results.marts.get("mart_hardship_gaps")
    if gaps is not None and not gaps.empty:
        sheets.append(
            Sheet("困难群体", gaps[list(HARDSHIP_HEADERS)].rename(columns=HARDSHIP_HEADERS))
        )
    return sheets


def write_followup_workbooks(
    campaign: Campaign, results: Results, out_dir: Path, as_of: date
) -> list[Path]:
    """随访名单_<乡镇>.xlsx for every township with people to visit, as of the date of its
    register like the PDF."""
    from flows import excel
    from flows.render.cache import cached_output, source_digest

    followup = results.marts["mart_followup"]
    lists = followup_lists(followup, campaign.followup_names)
    dates = followup_dates(followup)
    # a township whose list is unchanged gets the same workbook back, not written again
    store = get_settings().cache_dir / "workbooks"
    code = source_digest(excel, sys.modules[__name__]) + xlsxwriter.__version__
    written = []
    for township, people in lists.items():
        target = out_dir / "随访名单" / f"随访名单_{township}.xlsx"
        digest = hashlib.sha256(
            "\0".join([code, township, dates[township].isoformat()]).encode()
            + people.to_csv(index=False).encode()
        ).hexdigest()
        cached_output(
            store,
            digest,
            target,
            lambda _, t=township, p=people: write_followup_workbook(
                t, p, out_dir / "随访名单", dates[t]
            ),
        )
        written.append(target)
    return written


def write_units_csv(campaign: Campaign, results: Results, out_dir: Path, as_of: date) -> list[Path]:
    """units.csv: every unit's staff coverage against its own target, and its declared
    family; staff_in_several_units.csv: who two or more units listed (masked)."""
    units = results.marts["mart_unit_coverage"]
    columns = [
        "rank", "unit", "staff", "covered", "rate", "target", "gap", "status",
        "family_declared", "family_covered", "family_rate", "staff_in_several_units",
    ]  # fmt: skip
    frame = units[columns].astype({"rank": "Int64"})
    for column in ("rate", "family_rate"):
        frame[column] = frame[column].map(percent)
    several = results.marts["mart_staff_in_several_units"]
    several = several.assign(
        id_number=several["id_number"].map(mask_id), name=several["name"].map(mask_name)
    )
    return [
        _write_csv(frame, out_dir / "units.csv"),
        _write_csv(several, out_dir / "staff_in_several_units.csv"),
    ]


def write_channels_csv(campaign: Campaign, results: Results, out_dir: Path, as_of: date) -> Path:
    """channels.csv: people covered per township and funding channel."""
    return _write_csv(channel_table(results), out_dir / "channels.csv")


def write_hardship_csv(
    campaign: Campaign, results: Results, out_dir: Path, as_of: date
) -> list[Path]:
    """hardship.csv: per township and category, who on the hardship list is covered, and how
    (when a hardship list is in force)."""
    gaps = results.marts["mart_hardship_gaps"]
    if gaps.empty:
        return []
    columns = [
        "township", "category", "fully_funded", "listed", "covered", "funded", "uncovered",
        "covered_otherwise",
    ]  # fmt: skip
    return [_write_csv(gaps[columns], out_dir / "hardship.csv")]


def write_list_rejects_csv(
    campaign: Campaign, results: Results, out_dir: Path, as_of: date
) -> list[Path]:
    """名单问题.csv: rows of the staff, family and hardship lists not used, and why (masked)."""
    rejects = results.marts["mart_list_rejects"]
    if rejects.empty:
        return []
    shown = rejects_for_people(rejects.rename(columns={"list": "township"}))
    shown = shown.rename(columns={"township": "list"})
    headers = {"list": "名单", **{k: v for k, v in QUALITY_HEADERS.items() if k != "township"}}
    return [_write_csv(shown.rename(columns=headers), out_dir / "名单问题.csv")]


def write_trend_csv(campaign: Campaign, results: Results, out_dir: Path, as_of: date) -> Path:
    """trend.csv: the county's course, one row per run date up to this one: the denominator,
    the first target level, enrolled, rate and 时序进度 (the 合计 line of the 排名表's trend)."""
    trend = results.marts["mart_trend"]
    county = trend[trend["township"] == "合计"].sort_values("as_of")
    frame = pd.DataFrame(
        {
            "as_of": pd.to_datetime(county["as_of"]).dt.strftime("%Y-%m-%d"),
            "denominator": county["denominator"].astype("Int64"),
            "target": county["target"].astype("Int64"),
            "enrolled": county["enrolled"].astype("Int64"),
            "rate": county["rate"].map(percent),
            "time_progress": county["time_progress"].map(percent),
        }
    )
    return _write_csv(frame, out_dir / "trend.csv")


# name -> writer(campaign, results, out_dir, as_of); kinds name theirs in flows/campaign_kinds
TABLE_WRITERS = {
    "rejects_csv": write_rejects_csv,
    "quality_workbook": write_quality_workbook,
    "coverage_csv": write_coverage_csv,
    "targets_csv": write_targets_csv,
    "villages_csv": write_villages_csv,
    "ranking_workbook": write_ranking_workbook,
    "trend_csv": write_trend_csv,
}
# written for every campaign, and where a delivery kind's mart is there, what it feeds
COMMON_TABLES = ("rejects_csv", "quality_workbook", "trend_csv")
MART_TABLES = {
    "mart_conflicts": write_conflicts_csv,
    "mart_followup": write_followup_workbooks,
    "mart_unit_coverage": write_units_csv,
    "mart_channels": write_channels_csv,
    "mart_hardship_gaps": write_hardship_csv,
    "mart_list_rejects": write_list_rejects_csv,
}


def write_tables_of(campaign: Campaign, results: Results, as_of: date, out_dir: Path) -> list[Path]:
    """Every table the campaign's kind and its deliveries call for."""
    written: list[Path] = []
    for name in (*COMMON_TABLES, *campaign.spec.tables):
        written.append(TABLE_WRITERS[name](campaign, results, out_dir, as_of))
    for mart, writer in MART_TABLES.items():
        if mart in results.marts:
            paths = writer(campaign, results, out_dir, as_of)
            written.extend(paths if isinstance(paths, list) else [paths])
    return written
