"""What the portal may hand out, and to whom: the runs' folders under data/out/.

Every file a run wrote is listed in its manifest.json; the portal serves those files and
nothing else, and each one only after the access rule below says yes. The rule is a list of
the documents canbao writes. A file it does not know is the bureau's alone and counted as
personal, so a new output is kept in until someone decides otherwise here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from portal.accounts import User

DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# county-wide documents: every account of the county may read them (numbers, no persons)
COUNTY_WIDE = {
    "通报.pdf": "通报",
    "通报.docx": "通报（Word，供修改）",
    "通报.png": "通报（手机图片）",
    "排名表.pdf": "排名表",
    "排名表.png": "排名表（手机图片）",
    "任务表.pdf": "任务表",
    "考核得分表.pdf": "考核得分表",
    "考核得分表.xlsx": "考核得分表（Excel）",
    "coverage.csv": "排名数据（CSV）",
    "targets.csv": "任务数据（CSV）",
    "trend.csv": "全县进度（CSV）",
    "villages.csv": "村级参保数据（CSV）",
    "units.csv": "单位参保数据（CSV）",
    "channels.csv": "缴费渠道统计（CSV）",
    "hardship.csv": "救助对象参保统计（CSV）",
}
# the bureau's alone: rows about persons (masked, still personal) or about every township
BUREAU_ONLY = {
    "数据质量.pdf": ("数据质量报告", True),
    "数据质量.xlsx": ("数据质量明细（Excel）", True),
    "排名表.xlsx": ("排名表（Excel，含问题数据明细）", True),
    "rejects.csv": ("问题数据（CSV）", True),
    "conflicts.csv": ("重复参保人员（CSV）", True),
    "名单问题.csv": ("名单问题（CSV）", True),
    "staff_in_several_units.csv": ("多单位职工（CSV）", True),
    "救助对象参保核查名单.pdf": ("救助对象参保核查名单", True),
    "考核评分表（待填）.xlsx": ("考核评分表（待填）", False),
    "manifest.json": ("运行记录（manifest.json）", False),
}
FOLLOWUP = re.compile(r"^随访名单/随访名单_(?P<owner>[^/]+)\.(?P<ext>pdf|xlsx)$")
UNIT_LIST = re.compile(r"^单位未参保职工名单/未参保职工名单_(?P<owner>[^/]+)\.pdf$")
OWN_REJECTS = "本乡镇问题数据.csv"  # made on request from rejects.csv, one township's rows


@dataclass(frozen=True)
class Document:
    path: str  # inside the run's folder, with / between parts
    label: str
    personal: bool  # downloads are written to the audit log
    township: str | None = None  # the one township that may read it besides the bureau
    unit: str | None = None  # the one unit that may read it besides the bureau
    county_wide: bool = False

    def readable_by(self, user: User, own: frozenset[str] = frozenset()) -> bool:
        """``own``: the names the account's township or unit goes by in file names (a county
        that prints 桃城 for 桃城镇 names the list 随访名单_桃城.pdf); its own name always."""
        if user.role == "bureau" or self.county_wide:
            return True
        names = own | {user.scope}
        if self.township is not None:
            return user.role == "township" and self.township in names
        if self.unit is not None:
            return user.role == "unit" and self.unit in names
        return False


def classify(path: str) -> Document:
    """The access rule for one file of a run's folder."""
    if path in COUNTY_WIDE:
        return Document(path, COUNTY_WIDE[path], personal=False, county_wide=True)
    if path in BUREAU_ONLY:
        label, personal = BUREAU_ONLY[path]
        return Document(path, label, personal=personal)
    if match := FOLLOWUP.match(path):
        kind = "随访名单" if match["ext"] == "pdf" else "随访名单（Excel，供入户登记）"
        return Document(path, f"{match['owner']}{kind}", personal=True, township=match["owner"])
    if match := UNIT_LIST.match(path):
        return Document(path, f"{match['owner']}未参保职工名单", personal=True, unit=match["owner"])
    return Document(path, path, personal=True)


@dataclass(frozen=True)
class Run:
    campaign: str
    as_of: date
    folder: Path
    status: str
    documents: tuple[Document, ...]

    def readable_by(self, user: User, own: frozenset[str] = frozenset()) -> list[Document]:
        return [d for d in self.documents if d.readable_by(user, own)]


class Outputs:
    """The runs of data/out/<campaign>/<date>/, as their manifests describe them."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir

    def campaigns(self) -> list[str]:
        if not self.out_dir.is_dir():
            return []
        return sorted(p.name for p in self.out_dir.iterdir() if p.is_dir() and not p.is_symlink())

    def folder(self, campaign: str) -> Path | None:
        """data/out/<campaign>/, when it is one of the folders there (what campaigns() lists)."""
        folder = self.out_dir / campaign
        if campaign in ("", ".", "..") or "\x00" in campaign or folder.parent != self.out_dir:
            return None
        return folder if folder.is_dir() and not folder.is_symlink() else None

    def runs(self, campaign: str) -> list[Run]:
        """Newest first; a folder without a manifest (a run still writing) is left out."""
        folder = self.folder(campaign)
        if folder is None:
            return []
        runs = [self.run(campaign, p.name) for p in folder.iterdir() if DATE_FOLDER.match(p.name)]
        return sorted((r for r in runs if r is not None), key=lambda r: r.as_of, reverse=True)

    def run(self, campaign: str, as_of: str) -> Run | None:
        campaign_folder = self.folder(campaign)
        if campaign_folder is None or not DATE_FOLDER.match(as_of):
            return None
        folder = campaign_folder / as_of
        manifest = folder / "manifest.json"
        if folder.is_symlink() or not manifest.is_file() or manifest.is_symlink():
            return None
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            day = date.fromisoformat(as_of)
        except (OSError, ValueError):
            return None
        files = [entry["file"] for entry in data.get("outputs", [])] + ["manifest.json"]
        documents = tuple(classify(f) for f in sorted(files, key=_document_order))
        return Run(campaign, day, folder, data.get("status", ""), documents)

    def file(self, run: Run, path: str) -> Path | None:
        """The file of ``path`` in the run's folder, only if the run's manifest lists it and
        it is a plain file inside the folder: no "..", no link, nothing the run did not write."""
        if path not in {d.path for d in run.documents}:
            return None
        parts = PurePosixPath(path).parts
        if not parts or any(p in ("", ".", "..") or "\\" in p or "\x00" in p for p in parts):
            return None
        candidate, root = run.folder, run.folder.resolve()
        for part in parts:
            candidate = candidate / part
            if candidate.is_symlink():
                return None
        resolved = candidate.resolve()
        if not resolved.is_relative_to(root) or not resolved.is_file():
            return None
        return resolved


def _document_order(path: str) -> tuple[int, str]:
    order = [*COUNTY_WIDE, *BUREAU_ONLY]
    return (order.index(path) if path in order else len(order), path)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """A CSV canbao wrote (UTF-8 with BOM): its header and rows as text."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    return (rows[0], rows[1:]) if rows else ([], [])


def township_rejects(run: Run, names: frozenset[str]) -> tuple[list[str], list[list[str]]]:
    """One township's rejected rows of a run, by the names it goes by (rejects.csv is
    already masked)."""
    path = run.folder / "rejects.csv"
    if not path.is_file():
        return [], []
    header, rows = read_csv(path)
    if "township" not in header:
        return header, []
    column = header.index("township")
    return header, [row for row in rows if row[column] in names]


def rows_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")
