"""Campaign configuration: one TOML file per campaign under campaigns/.

The file is what a county data officer edits; this module only reads it and
says, in Chinese, what is missing or wrong.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from flows.settings import Settings

CAMPAIGN_KINDS = {"puhui": "roster", "basic": "counts"}  # kind -> default delivery kind
INPUT_KINDS = ("roster", "counts", "register")
ROUNDING_RULES = ("ceil", "half_up", "floor")
TOTAL_RULES = ("sum_of_townships", "from_total_base")


class CampaignError(Exception):
    """A campaign that cannot be run as configured; the message is for the official."""


@dataclass(frozen=True)
class TargetLevel:
    key: str
    label: str
    rate: Decimal


@dataclass(frozen=True)
class Campaign:
    name: str
    path: Path
    raw: dict
    kind: str
    input_kind: str
    short_names: bool
    county: str
    county_codes: tuple[str, ...]
    township_names: tuple[str, ...]
    township_codes: dict[str, str]
    township_aliases: dict[str, str]
    base_file: Path | None
    base_township_column: str
    base_column: str
    levels: tuple[TargetLevel, ...]
    rounding: str
    total_rule: str
    window_start: date
    deadline: date
    cron: str
    timezone: str
    column_aliases: dict[str, tuple[str, ...]]
    sheet: str | None
    circular_every_days: int
    circular_first_number: int

    def is_circular_day(self, as_of: date) -> bool:
        """The cadence: a circular on every Nth day of the campaign window (day 1 = start)."""
        day = (as_of - self.window_start).days + 1
        return day > 0 and day % self.circular_every_days == 0

    @property
    def title(self) -> str:
        return self.raw["campaign"]["title"]

    def display_name(self, township: str) -> str:
        """The name officials print: some counties drop the 镇/乡 suffix (桃城 for 桃城镇)."""
        if not self.short_names or township == "合计":
            return township
        return township.removesuffix("镇").removesuffix("乡")


def available_campaigns(settings: Settings) -> list[str]:
    return sorted(p.stem for p in settings.campaigns_dir.glob("*.toml"))


def load_campaign(name: str, settings: Settings) -> Campaign:
    """Read campaigns/<name>.toml and the township list it points to."""
    path = settings.campaigns_dir / f"{name}.toml"
    if not path.is_file():
        known = "、".join(available_campaigns(settings)) or "无"
        raise CampaignError(f"未找到参保活动“{name}”的配置文件 {path}（已有：{known}）")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CampaignError(f"参保活动“{name}”的配置文件 {path} 格式有误：{exc}") from exc
    try:
        return _build(name, path, raw, settings)
    except KeyError as exc:
        raise CampaignError(f"参保活动“{name}”的配置文件缺少必填项 {exc.args[0]}") from exc


def _resolve(settings: Settings, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else settings.project_root / path


def _build(name: str, path: Path, raw: dict, settings: Settings) -> Campaign:
    info = raw["campaign"]
    county_code = str(info["county_code"])
    retired = tuple(str(c) for c in info.get("retired_county_codes", []))
    townships = pd.read_csv(_resolve(settings, info["township_file"]), dtype=str)
    townships = townships[townships["county_code"] == county_code]
    if townships.empty:
        raise CampaignError(
            f"乡镇名录中没有行政区划代码为 {county_code} 的乡镇（{info['county']}）"
        )
    names = tuple(townships["township"])
    aliases = {n: n for n in names}
    for n in names:
        short = n.removesuffix("镇").removesuffix("乡")
        if short != n:
            aliases.setdefault(short, n)
    for alias, canonical in raw.get("township_aliases", {}).items():
        if canonical not in names:
            raise CampaignError(f"乡镇别名“{alias}”指向未知乡镇“{canonical}”")
        aliases[alias] = canonical

    kind = info.get("kind", "puhui")
    if kind not in CAMPAIGN_KINDS:
        raise CampaignError(f"活动类型 kind = “{kind}” 无效，应为 {' | '.join(CAMPAIGN_KINDS)}")
    input_kind = raw.get("input", {}).get("kind", CAMPAIGN_KINDS[kind])
    if input_kind not in INPUT_KINDS:
        raise CampaignError(
            f"报送数据类型 input.kind = “{input_kind}” 无效，应为 {' | '.join(INPUT_KINDS)}"
        )
    targets = raw.get("targets", {"levels": []} if kind == "basic" else None)
    if targets is None:
        raise CampaignError("惠民保类活动需要 [targets] 任务设置")
    rounding = targets.get("rounding", "ceil")
    if rounding not in ROUNDING_RULES:
        raise CampaignError(
            f"取整规则 rounding = “{rounding}” 无效，应为 {' | '.join(ROUNDING_RULES)}"
        )
    total_rule = targets.get("total", "sum_of_townships")
    if total_rule not in TOTAL_RULES:
        raise CampaignError(f"合计规则 total = “{total_rule}” 无效，应为 {' | '.join(TOTAL_RULES)}")
    levels = []
    for level in targets["levels"]:
        try:
            rate = Decimal(str(level["rate"]))
        except InvalidOperation as exc:
            raise CampaignError(
                f"任务档次“{level.get('label')}”的比例无效：{level['rate']}"
            ) from exc
        if not Decimal(0) < rate <= Decimal(1):
            raise CampaignError(f"任务档次“{level['label']}”的比例应在 0 到 1 之间：{rate}")
        levels.append(TargetLevel(key=level["key"], label=level["label"], rate=rate))
    if kind == "puhui" and [lv.key for lv in levels] != ["floor", "stretch"]:
        raise CampaignError("任务档次应依次为 floor（目标任务）和 stretch（力争任务）")

    window = raw["window"]
    if window["deadline"] <= window["start"]:
        raise CampaignError("活动截止日期应晚于开始日期")
    base = raw.get("base", {})
    schedule = raw.get("schedule", {})
    columns = raw.get("columns", {})
    return Campaign(
        name=name,
        path=path,
        raw=raw,
        kind=kind,
        input_kind=input_kind,
        short_names=raw.get("report", {}).get("township_names", "full") == "short",
        county=info["county"],
        county_codes=(county_code, *retired),
        township_names=names,
        township_codes=dict(zip(townships["township"], townships["township_code"], strict=True)),
        township_aliases=aliases,
        base_file=_resolve(settings, base["file"]) if base else None,
        base_township_column=base.get("township_column", "乡镇"),
        base_column=base.get("base_column", ""),
        levels=tuple(levels),
        rounding=rounding,
        total_rule=total_rule,
        window_start=window["start"],
        deadline=window["deadline"],
        cron=schedule.get("cron", "0 2 * * *"),
        timezone=schedule.get("timezone", "Asia/Shanghai"),
        column_aliases={k: tuple(v) for k, v in columns.get("aliases", {}).items()},
        sheet=columns.get("sheet"),
        circular_every_days=int(raw.get("circular", {}).get("every_days", 5)),
        circular_first_number=int(raw.get("circular", {}).get("first_number", 1)),
    )
