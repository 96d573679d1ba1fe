"""Machine-readable results written beside the PDFs: CSV files and manifest.json."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pandas as pd

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


def percent(value: float) -> str:
    """A fraction as officials write it: 0.23456 -> 23.46%."""
    return f"{value * 100:.2f}%"


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


def write_rejects_csv(rejects: pd.DataFrame, out_dir: Path) -> Path:
    frame = rejects.copy()
    is_id = frame["column_name"] == "id_number"
    frame.loc[is_id, "value"] = frame.loc[is_id, "value"].map(mask_id)
    frame["column"] = frame["column_name"].map(CANONICAL_LABELS).fillna(frame["column_name"])
    frame = frame.rename(columns={"file_name": "file", "source_row": "row"})[
        ["township", "file", "sheet", "row", "column", "value", "reason"]
    ]
    return _write_csv(frame, out_dir / "rejects.csv")


def mask_name(value: object) -> str:
    """Surname kept, the rest hidden: 张三丰 -> 张**."""
    text = "" if value is None or pd.isna(value) else str(value)
    return text[:1] + "*" * (len(text) - 1)


def write_conflicts_csv(conflicts: pd.DataFrame, out_dir: Path) -> Path:
    """People reported by several townships: each township sees where the person was counted."""
    frame = conflicts.assign(
        id_number=conflicts["id_number"].map(mask_id),
        name=conflicts["name"].map(mask_name),
        bought_on=pd.to_datetime(conflicts["bought_on"]).dt.strftime("%Y-%m-%d"),
    )
    return _write_csv(frame, out_dir / "conflicts.csv")


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
