"""Campaign configuration: one TOML file per campaign under campaigns/.

The file is what a county data officer edits; this module only reads it and
says, in Chinese, what is missing or wrong.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from flows.campaign_kinds import CAMPAIGN_KINDS, CampaignKind
from flows.settings import Settings
from flows.text import one_line

INPUT_KINDS = ("roster", "counts", "register")
ROUNDING_RULES = ("ceil", "half_up", "floor")
TOTAL_RULES = ("sum_of_townships", "from_total_base")
UNIT_TYPES = ("乡镇", "街道", "管委会", "县直单位")
TOWNSHIP_GROUP = "乡镇"  # the ranking every unit takes part in unless its type ranks apart
_LEVEL_KEY = re.compile(r"[a-z][a-z0-9_]*")
# a campaign is named by its file in campaigns/: a name, never a path (../x, a/b, /x)
_CAMPAIGN_NAME = re.compile(r"\w[\w-]*")


class CampaignError(Exception):
    """A campaign that cannot be run as configured; the message is for the official.

    It may hold several problems, one Chinese line each (``problems``)."""

    def __init__(self, *problems: str) -> None:
        self.problems = [line for problem in problems for line in str(problem).splitlines()]
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class TargetLevel:
    key: str
    label: str
    rate: Decimal


@dataclass(frozen=True)
class Unit:
    """A row of the county's ranking: a township (乡镇), or a 街道, 管委会 or 县直单位."""

    name: str
    unit_type: str
    code: str | None
    rank_group: str  # 乡镇 for everyone ranked together, else the unit type


@dataclass(frozen=True)
class Office:
    issuing_office: str
    doc_number_prefix: str
    recipients: str
    signature: str


@dataclass(frozen=True)
class Campaign:
    name: str
    path: Path
    kind: str
    input_kind: str
    title: str
    short_title: str
    year: int
    short_names: bool
    county: str
    county_codes: tuple[str, ...]
    units: tuple[Unit, ...]
    township_aliases: dict[str, str]
    base_file: Path | None
    base_township_column: str
    base_column: str
    base_label: str
    levels: tuple[TargetLevel, ...]
    rounding: str
    total_rule: str
    window_start: date
    deadline: date
    cron: str
    timezone: str
    column_aliases: dict[str, tuple[str, ...]]
    sheet: str | None
    office: Office
    circular_every_days: int
    circular_first_number: int
    circular_title: str | None
    requirements: tuple[str, ...]
    top_count: int
    top_unenrolled: int

    @property
    def spec(self) -> CampaignKind:
        """What the campaign's kind brings: models, documents, tables (flows/campaign_kinds)."""
        return CAMPAIGN_KINDS[self.kind]

    @property
    def township_names(self) -> tuple[str, ...]:
        return tuple(unit.name for unit in self.units)

    @property
    def township_codes(self) -> dict[str, str | None]:
        return {unit.name: unit.code for unit in self.units}

    @property
    def rank_groups(self) -> tuple[str, ...]:
        """The rankings, townships first: one table each in the documents."""
        return tuple(dict.fromkeys([TOWNSHIP_GROUP, *(u.rank_group for u in self.units)]))

    def is_circular_day(self, as_of: date) -> bool:
        """The cadence: a circular on every Nth day of the campaign window (day 1 = start)."""
        day = (as_of - self.window_start).days + 1
        return day > 0 and day % self.circular_every_days == 0

    def display_name(self, township: str) -> str:
        """The name officials print: some counties drop the 镇/乡 suffix (桃城 for 桃城镇)."""
        if not self.short_names or township == "合计":
            return township
        return township.removesuffix("镇").removesuffix("乡")


def check_campaign_name(name: str) -> str:
    """The name itself, or CampaignError: letters, digits, _ and - only, so that
    campaigns/<name>.toml and data/out/<name>/ stay inside their folders."""
    if not _CAMPAIGN_NAME.fullmatch(name):
        raise CampaignError(
            f"参保活动名称“{one_line(name)}”无效：只能包含字母、数字、下划线（_）和连字符（-），"
            "即 campaigns/ 下配置文件名（不含 .toml）"
        )
    return name


def available_campaigns(settings: Settings) -> list[str]:
    return sorted(p.stem for p in settings.campaigns_dir.glob("*.toml"))


def load_campaign(name: str, settings: Settings) -> Campaign:
    """Read campaigns/<name>.toml and the township list it points to.

    Every problem found is reported at once (CampaignError.problems), one line each."""
    check_campaign_name(name)
    path = settings.campaigns_dir / f"{name}.toml"
    if not path.is_file():
        known = "、".join(available_campaigns(settings)) or "无"
        raise CampaignError(f"未找到参保活动“{name}”的配置文件 {path}（已有：{known}）")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CampaignError(f"参保活动“{name}”的配置文件 {path} 格式有误：{exc}") from exc
    problems: list[str] = []
    for section in ("campaign", "office", "window"):
        if not isinstance(raw.get(section), dict):
            problems.append(f"参保活动“{name}”的配置文件缺少必填项 {section}（[{section}] 一节）")
    if problems:
        raise CampaignError(*problems)
    try:
        campaign = _build(name, path, raw, settings, problems)
    except KeyError as exc:
        problems.append(f"参保活动“{name}”的配置文件缺少必填项 {exc.args[0]}")
        campaign = None
    if problems or campaign is None:
        raise CampaignError(*problems)
    return campaign


def _resolve(settings: Settings, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else settings.project_root / path


def _choice(problems: list[str], value: str, choices, label: str) -> str:
    if value not in choices:
        problems.append(f"{label} = “{value}” 无效，应为 {' | '.join(choices)}")
    return value


def _levels(raw_levels: list, problems: list[str]) -> list[TargetLevel]:
    levels = []
    for number, level in enumerate(raw_levels, start=1):
        label = level.get("label") or f"第{number}档任务"
        key = str(level.get("key", ""))
        if not _LEVEL_KEY.fullmatch(key):
            problems.append(
                f"任务档次“{label}”的 key = “{key}” 无效：应以小写英文字母开头，"
                "只含小写字母、数字和下划线（如 floor、stretch）"
            )
        try:
            rate = Decimal(str(level["rate"]))
        except (InvalidOperation, KeyError):
            problems.append(f"任务档次“{label}”的比例无效：{level.get('rate', '（未填写）')}")
            continue
        if not Decimal(0) < rate <= Decimal(1):
            problems.append(f"任务档次“{label}”的比例应在 0 到 1 之间：{rate}")
            continue
        levels.append(TargetLevel(key=key, label=label, rate=rate))
    keys = [level.key for level in levels]
    for key in dict.fromkeys(k for k in keys if keys.count(k) > 1):
        problems.append(f"任务档次的 key “{key}” 重复：每一档应有自己的 key")
    return levels


def _units(raw: dict, info: dict, settings: Settings, problems: list[str]) -> list[Unit]:
    """The township list's rows for the county, then the campaign file's own [[units]]."""
    county_code = str(info["county_code"])
    township_file = _resolve(settings, info["township_file"])
    try:
        townships = pd.read_csv(township_file, dtype=str, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        problems.append(f"乡镇名录 {township_file} 无法读取：{exc}")
        townships = pd.DataFrame(columns=["county_code", "township"])
    missing = {"county_code", "township"} - set(townships.columns)
    if missing:
        problems.append(f"乡镇名录 {township_file.name} 缺少列：{'、'.join(sorted(missing))}")
        townships = pd.DataFrame(columns=["county_code", "township"])
    townships = townships[townships["county_code"] == county_code]
    separate = set(raw.get("ranking", {}).get("separate", []))
    for unit_type in sorted(separate - set(UNIT_TYPES)):
        problems.append(
            f"单独排名 [ranking] separate 中的单位类型“{unit_type}”无效，"
            f"应为 {'、'.join(UNIT_TYPES)}"
        )
    units: list[Unit] = []

    def add(name: str, unit_type: str, code: str | None) -> None:
        if unit_type not in UNIT_TYPES:
            problems.append(f"单位“{name}”的类型“{unit_type}”无效，应为 {'、'.join(UNIT_TYPES)}")
        if name in (u.name for u in units):
            problems.append(f"单位“{name}”重复出现在乡镇名录或 [[units]] 中")
            return
        group = unit_type if unit_type in separate else TOWNSHIP_GROUP
        units.append(Unit(name, unit_type, code or None, group))

    for row in townships.to_dict("records"):
        text = {k: v for k, v in row.items() if isinstance(v, str) and v.strip()}
        add(text["township"], text.get("unit_type", "乡镇"), text.get("township_code"))
    for unit in raw.get("units", []):
        if not unit.get("name"):
            problems.append("[[units]] 中有一项缺少 name（单位名称）")
            continue
        add(str(unit["name"]), str(unit.get("type", "乡镇")), unit.get("code"))
    if not units:
        problems.append(
            f"乡镇名录中没有行政区划代码为 {county_code} 的乡镇（{info['county']}），"
            "配置文件中也没有 [[units]]"
        )
    return units


def _build(
    name: str, path: Path, raw: dict, settings: Settings, problems: list[str]
) -> Campaign | None:
    info, office, window = raw["campaign"], raw["office"], raw["window"]
    units = _units(raw, info, settings, problems)
    names = [u.name for u in units]
    aliases = {n: n for n in names}
    for n in names:
        short = n.removesuffix("镇").removesuffix("乡")
        if short != n:
            aliases.setdefault(short, n)
    for alias, canonical in raw.get("township_aliases", {}).items():
        if canonical not in names:
            problems.append(f"乡镇别名“{alias}”指向未知乡镇“{canonical}”")
        aliases[alias] = canonical

    kind = _choice(problems, info.get("kind", "puhui"), CAMPAIGN_KINDS, "活动类型 kind")
    spec = CAMPAIGN_KINDS.get(kind, CAMPAIGN_KINDS["puhui"])
    input_kind = raw.get("input", {}).get("kind", spec.inputs[0])
    if input_kind not in INPUT_KINDS:
        _choice(problems, input_kind, INPUT_KINDS, "报送数据类型 input.kind")
    elif input_kind not in spec.inputs:
        problems.append(
            f"报送数据类型 input.kind = “{input_kind}” 不适用于{spec.label}活动，"
            f"应为 {' | '.join(spec.inputs)}"
        )
    targets = raw.get("targets", {})
    if spec.min_levels and not targets:
        problems.append(f"{spec.label}类活动需要 [targets] 任务设置")
    rounding = _choice(
        problems, targets.get("rounding", "ceil"), ROUNDING_RULES, "取整规则 rounding"
    )
    total_rule = _choice(
        problems, targets.get("total", "sum_of_townships"), TOTAL_RULES, "合计规则 total"
    )
    levels = _levels(targets.get("levels", []), problems)
    if len(targets.get("levels", [])) < spec.min_levels and targets:
        problems.append(
            f"{spec.label}类活动至少需要 {spec.min_levels} 个任务档次 [[targets.levels]]"
            "（每档写明 key、label、rate）"
        )

    if window["deadline"] <= window["start"]:
        problems.append("活动截止日期应晚于开始日期")
    base = raw.get("base", {})
    if spec.needs_base_table and not base.get("file"):
        problems.append(f"{spec.label}类活动需要基数表：在 [base] 中写明 file（基数表文件）")
    schedule = raw.get("schedule", {})
    columns = raw.get("columns", {})
    circular = raw.get("circular", {})
    if problems:
        return None
    return Campaign(
        name=name,
        path=path,
        kind=kind,
        input_kind=input_kind,
        title=info["title"],
        short_title=info.get("short_title", ""),
        year=int(info["year"]),
        short_names=raw.get("report", {}).get("township_names", "full") == "short",
        county=info["county"],
        county_codes=tuple(
            str(code) for code in [info["county_code"], *info.get("retired_county_codes", [])]
        ),
        units=tuple(units),
        township_aliases=aliases,
        base_file=_resolve(settings, base["file"]) if base.get("file") else None,
        base_township_column=base.get("township_column", "乡镇"),
        base_column=base.get("base_column", ""),
        base_label=base.get("label", spec.base_label),
        levels=tuple(levels),
        rounding=rounding,
        total_rule=total_rule,
        window_start=window["start"],
        deadline=window["deadline"],
        cron=schedule.get("cron", "0 2 * * *"),
        timezone=schedule.get("timezone", "Asia/Shanghai"),
        column_aliases={k: tuple(v) for k, v in columns.get("aliases", {}).items()},
        sheet=columns.get("sheet"),
        office=Office(
            issuing_office=office["issuing_office"],
            doc_number_prefix=office.get("doc_number_prefix", ""),
            recipients=office.get("recipients", ""),
            signature=office.get("signature", office["issuing_office"]),
        ),
        circular_every_days=int(circular.get("every_days", 5)),
        circular_first_number=int(circular.get("first_number", 1)),
        circular_title=circular.get("title"),
        requirements=tuple(circular.get("requirements", [])),
        top_count=int(circular.get("top_count", 3)),
        top_unenrolled=int(circular.get("top_unenrolled", 3)),
    )
