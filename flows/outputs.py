"""Machine-readable results written beside the PDFs: CSV files and manifest.json."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

from flows.excel import Sheet, write_workbook
from flows.ingest import FileResult
from schemas.headers import CANONICAL_LABELS

COVERAGE_COLUMNS = [
    "rank",
    "township",
    "base",
    "target_floor",
    "target_stretch",
    "enrolled",
    "rate",
    "gap_floor",
    "gap_stretch",
    "status",
]


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
    if "completion_floor" in county:
        text += f"，完成目标任务的 {percent(county['completion_floor'])}"
    if "unenrolled" in county:
        text += f"，未参保 {county['unenrolled']} 人"
    return text


def mask_id(value: object) -> str:
    """First 6 and last 4 characters of an identity number; the rest hidden."""
    text = "" if value is None or pd.isna(value) else str(value)
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    # BOM so that Excel on a county office PC opens the UTF-8 file correctly
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def write_coverage_csv(coverage: pd.DataFrame, out_dir: Path) -> Path:
    frame = coverage[COVERAGE_COLUMNS].copy()
    frame["rank"] = frame["rank"].astype("Int64")
    frame["rate"] = frame["rate"].map(percent)
    return _write_csv(frame, out_dir / "coverage.csv")


def write_targets_csv(targets: pd.DataFrame, out_dir: Path) -> Path:
    return _write_csv(targets, out_dir / "targets.csv")


def rejects_for_people(rejects: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows as a township reads them: Chinese column labels, identity numbers masked."""
    frame = rejects.copy()
    is_id = frame["column_name"] == "id_number"
    frame.loc[is_id, "value"] = frame.loc[is_id, "value"].map(mask_id)
    frame["column"] = frame["column_name"].map(CANONICAL_LABELS).fillna(frame["column_name"])
    frame = frame.rename(columns={"file_name": "file", "source_row": "row"})
    return frame[["township", "file", "sheet", "row", "column", "value", "reason"]]


def write_rejects_csv(rejects: pd.DataFrame, out_dir: Path) -> Path:
    return _write_csv(rejects, out_dir / "rejects.csv")


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
    rejects: pd.DataFrame, summary: pd.DataFrame, out_dir: Path, as_of: date
) -> Path:
    """数据质量.xlsx: the same rows as 数据质量.pdf, for townships that fix them in Excel."""
    summary_sheet = summary.rename(
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
        ],
        as_of=as_of,
    )


MASK_NOTE = "身份证号只显示前6位和后4位；行号为原文件中的行号（含标题行）。"


def mask_name(value: object) -> str:
    """Surname kept, the rest hidden: 张三丰 -> 张**."""
    text = "" if value is None or pd.isna(value) else str(value)
    return text[:1] + "*" * (len(text) - 1)


def conflicts_for_people(conflicts: pd.DataFrame) -> pd.DataFrame:
    """People reported by several townships, masked: each township sees where they counted."""
    return conflicts.assign(
        id_number=conflicts["id_number"].map(mask_id),
        name=conflicts["name"].map(mask_name),
        bought_on=pd.to_datetime(conflicts["bought_on"]).dt.strftime("%Y-%m-%d"),
    )


def write_conflicts_csv(conflicts: pd.DataFrame, out_dir: Path) -> Path:
    return _write_csv(conflicts, out_dir / "conflicts.csv")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
) -> Path:
    """manifest.json: what went in (hash, rows), what came out (hash), how long each step took."""
    manifest = {
        "campaign": campaign,
        "as_of": as_of.isoformat(),
        "status": status,
        "inputs": [
            {**asdict(r), "delivered_on": r.delivered_on.isoformat() if r.delivered_on else None}
            for r in inputs
        ],
        "outputs": [
            {"file": p.name, "sha256": sha256_of(p), "bytes": p.stat().st_size} for p in outputs
        ],
        "step_seconds": {k: round(v, 3) for k, v in step_seconds.items()},
        "warnings": warnings,
    }
    path = out_dir / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


BASIC_COVERAGE_COLUMNS = [
    "rank", "township", "registered", "enrolled_local", "enrolled_elsewhere", "enrolled", "rate",
    "unenrolled", "unenrolled_rate", "lapsed", "target", "status",
]  # fmt: skip


def write_basic_coverage_csv(coverage: pd.DataFrame, county: dict, out_dir: Path) -> Path:
    """coverage.csv of a 全民参保 campaign, laid out like the county's published table."""
    frame = coverage[BASIC_COVERAGE_COLUMNS].astype({"rank": "Int64"}).astype(object)
    total = {**county, "rank": "合计", "township": "", "status": ""}
    frame = pd.concat([frame, pd.DataFrame([total])[BASIC_COVERAGE_COLUMNS]], ignore_index=True)
    for column in ("rate", "unenrolled_rate"):
        frame[column] = frame[column].map(percent)
    return _write_csv(frame, out_dir / "coverage.csv")


def write_villages_csv(villages: pd.DataFrame, out_dir: Path) -> Path:
    frame = villages.assign(
        rate=villages["rate"].map(percent), unenrolled_rate=villages["unenrolled_rate"].map(percent)
    )
    return _write_csv(frame, out_dir / "villages.csv")


def followup_lists(followup: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Per township, the masked people to visit, village by village; each sees only its own."""
    masked = pd.DataFrame(
        {
            "township": followup["township"],
            "village": followup["village"],
            "id_masked": followup["id_number"].map(mask_id),
            "name_masked": followup["name"].map(mask_name),
            "status": followup["status"],
            "last_year": followup["last_year"],
        }
    )
    return {
        township: people.drop(columns="township").reset_index(drop=True)
        for township, people in masked.groupby("township", sort=False)
    }


FOLLOWUP_HEADERS = {
    "village": "村(居)",
    "id_masked": "身份证号",
    "name_masked": "姓名",
    "status": "状态",
    "last_year": "上年缴费情况",
}


def write_followup_workbook(
    township: str, people: pd.DataFrame, out_dir: Path, as_of: date
) -> Path:
    """随访名单_<乡镇>.xlsx: the same masked list as the PDF, with columns to fill in."""
    out_dir.mkdir(parents=True, exist_ok=True)
    frame = people.rename(columns=FOLLOWUP_HEADERS).assign(走访情况="", 备注="")
    frame.insert(0, "序号", range(1, len(frame) + 1))
    title = f"{township}基本医保未参保及断缴人员随访名单（截至{as_of.month}月{as_of.day}日）"
    note = "本名单含个人信息，仅限村（居）工作人员入户核实使用，不得外传。"
    return write_workbook(
        out_dir / f"随访名单_{township}.xlsx",
        [Sheet("随访名单", frame, title=title, notes=[note])],
        as_of=as_of,
    )


RANKING_HEADERS = {
    "rank": "排名",
    "township": "乡（镇）",
    "base": "基本医保参保人数",
    "target_floor": "目标任务数",
    "target_stretch": "力争任务数",
    "enrolled": "已参保人数",
    "rate": "参保率",
    "completion_floor": "目标任务完成率",
    "time_progress": "时序进度",
    "progress_class": "进度",
    "gap_floor": "距目标任务差额",
    "gap_stretch": "距力争任务差额",
    "increase_since_previous": "较上次增加",
    "increase_since_circular": "较上期通报增加",
    "rank_change": "排名变化",
    "status": "报送状态",
}


def write_ranking_workbook(
    progress: pd.DataFrame, trend: pd.DataFrame, rejects: pd.DataFrame, out_dir: Path, as_of: date
) -> Path:
    """排名表.xlsx: the ranking, the trend by date and the rejects, for officials in Excel."""
    ranking = progress[list(RANKING_HEADERS)].rename(columns=RANKING_HEADERS)
    enrolled = trend.pivot(index="as_of", columns="township", values="enrolled")
    order = [t for t in progress["township"] if t in enrolled.columns] + ["合计"]
    enrolled = enrolled[order].reset_index()
    enrolled["as_of"] = pd.to_datetime(enrolled["as_of"]).dt.strftime("%Y-%m-%d")
    rates = trend.pivot(index="as_of", columns="township", values="rate")[order].reset_index()
    rates["as_of"] = pd.to_datetime(rates["as_of"]).dt.strftime("%Y-%m-%d")
    title = f"截至{as_of.year}年{as_of.month}月{as_of.day}日"
    return write_workbook(
        out_dir / "排名表.xlsx",
        [
            Sheet(
                "排名",
                ranking,
                percent_columns=("参保率", "目标任务完成率", "时序进度"),
                title=f"参保进度排名（{title}）",
            ),
            Sheet("参保人数趋势", enrolled.rename(columns={"as_of": "日期"})),
            Sheet(
                "参保率趋势",
                rates.rename(columns={"as_of": "日期"}),
                percent_columns=tuple(order),
            ),
            Sheet("剔除明细", rejects.rename(columns=QUALITY_HEADERS), notes=[MASK_NOTE]),
        ],
        as_of=as_of,
    )
