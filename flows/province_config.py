"""A province campaign: one TOML file in campaigns/ with a ``[province]`` section, rolling up
ordinary county campaigns (``[[counties]]``: each county's campaign file and its 设区市).

The province ranks counties the way a county ranks townships. Its file is checked like a
county's (flows/config.py): every section and key, and every county campaign it names, all
problems at once, one Chinese line each.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flows.config import (
    CampaignError,
    Key,
    Office,
    Section,
    check_schema,
    load_campaign,
    read_campaign_file,
)
from flows.settings import Settings
from flows.text import one_line

PROVINCE_SCHEMA: dict[str, Section] = {
    "province": Section("省级活动", required=True, keys={
        "name": Key("省份名称", "text", required=True),
        "title": Key("活动名称", "text", required=True),
        "short_title": Key("活动简称", "text", default=""),
        "year": Key("年度", "int", required=True, minimum=2000),
        "store": Key("汇总结果目录", "text"),
    }),
    "counties": Section("纳入汇总的县（市、区）", many=True, required=True, keys={
        "campaign": Key("县级活动配置文件名", "text", required=True),
        "city": Key("所属设区市", "text", required=True),
        "county": Key("县（市、区）名称", "text"),
    }),
    "office": Section("发文", required=True, keys={
        "issuing_office": Key("发文机关", "text", required=True),
        "doc_number_prefix": Key("发文字号前缀", "text", default=""),
        "recipients": Key("主送机关", "text", default=""),
        "signature": Key("落款", "text"),
    }),
    "targets": Section("任务设置", keys={
        "label": Key("任务名称（各县第一档任务之和）", "text", default="目标任务"),
    }),
    "window": Section("活动期", required=True, keys={
        "start": Key("开始日期", "date", required=True),
        "deadline": Key("截止日期", "date", required=True),
    }),
    "circular": Section("通报", keys={
        "every_days": Key("通报间隔天数", "int", default=5, minimum=1),
        "first_number": Key("第一期通报序号", "int", default=1, minimum=1),
        "title": Key("通报标题", "text"),
        "requirements": Key("工作要求", "texts", default=()),
        "top_count": Key("通报表扬/点名的县（市、区）数", "int", default=3, minimum=0),
    }),
}  # fmt: skip


@dataclass(frozen=True)
class ProvinceCounty:
    """One county of the province: its own campaign file, run as any county's."""

    campaign: str  # the county campaign's name (campaigns/<campaign>.toml)
    city: str  # 设区市
    county: str  # as the province's documents print it
    kind: str  # the county campaign's kind (all counties share one)


@dataclass(frozen=True)
class Province:
    name: str
    path: Path
    province: str  # 福建省
    title: str
    short_title: str
    year: int
    store: Path  # the shared results store: every county's database, outputs and result
    counties: tuple[ProvinceCounty, ...]
    kind: str
    target_label: str
    office: Office
    window_start: date
    deadline: date
    circular_every_days: int
    circular_first_number: int
    circular_title: str | None
    requirements: tuple[str, ...]
    top_count: int

    @property
    def cities(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.city for c in self.counties))

    def is_circular_day(self, as_of: date) -> bool:
        """Every Nth day of the province's window (day 1 = start), as for a county."""
        day = (as_of - self.window_start).days + 1
        return day > 0 and day % self.circular_every_days == 0


def is_province_file(name: str, settings: Settings) -> bool:
    """campaigns/<name>.toml holds a [province] section (not a county campaign)."""
    path = settings.campaigns_dir / f"{name}.toml"
    try:
        return "province" in tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def default_store(settings: Settings, name: str) -> Path:
    return settings.home / "data" / "province" / name


def load_province(name: str, settings: Settings) -> Province:
    """Read campaigns/<name>.toml as a province campaign and every county campaign it names;
    CampaignError with every problem at once."""
    path, raw = read_campaign_file(name, settings, "省级活动")
    values, problems = check_schema(raw, settings, PROVINCE_SCHEMA)
    counties = _counties(values["counties"], settings, problems)
    window = values["window"]
    if window["start"] and window["deadline"] and window["deadline"] <= window["start"]:
        problems.append("活动截止日期应晚于开始日期")
    if problems:
        raise CampaignError(*problems)
    info, office, circular = values["province"], values["office"], values["circular"]
    store = Path(info["store"]) if info["store"] else default_store(settings, name)
    if not store.is_absolute():
        store = settings.home / store
    return Province(
        name=name,
        path=path,
        province=info["name"],
        title=info["title"],
        short_title=info["short_title"],
        year=info["year"],
        store=store,
        counties=tuple(counties),
        kind=counties[0].kind,
        target_label=values["targets"]["label"],
        office=Office(
            issuing_office=office["issuing_office"],
            doc_number_prefix=office["doc_number_prefix"],
            recipients=office["recipients"],
            signature=office["signature"] or office["issuing_office"],
        ),
        window_start=window["start"],
        deadline=window["deadline"],
        circular_every_days=circular["every_days"],
        circular_first_number=circular["first_number"],
        circular_title=circular["title"],
        requirements=tuple(circular["requirements"]),
        top_count=circular["top_count"],
    )


def _counties(entries: list[dict], settings: Settings, problems: list[str]) -> list:
    """Every [[counties]] entry: its county campaign loaded and checked (its own problems
    prefixed with its name), names unique, one kind of campaign for the whole province."""
    if not entries and not any("[[counties]]" in p for p in problems):
        problems.append("[[counties]] 中没有任何县（市、区）：每个县写一节，含 campaign 和 city")
    counties: list[ProvinceCounty] = []
    seen_campaigns: set[str] = set()
    seen_names: set[tuple[str, str]] = set()
    for number, entry in enumerate(entries, start=1):
        name, city = entry["campaign"], entry["city"]
        if name is None or city is None:
            continue
        where = f"[[counties]] 第{number}项"
        if name in seen_campaigns:
            problems.append(f"{where}：县级活动“{name}”重复出现，每个县只应列一次")
            continue
        seen_campaigns.add(name)
        try:
            campaign = load_campaign(name, settings)
        except CampaignError as exc:
            problems.extend(f"{where}（{one_line(name)}）：{line}" for line in exc.problems)
            continue
        county = entry["county"] or campaign.county
        if (city, county) in seen_names:
            problems.append(f"{where}：{city}{county}重复出现，每个县只应列一次")
            continue
        seen_names.add((city, county))
        counties.append(ProvinceCounty(name, city.strip(), county.strip(), campaign.kind))
    kinds = sorted({c.kind for c in counties})
    if len(kinds) > 1:
        from flows.campaign_kinds import CAMPAIGN_KINDS

        listed = "；".join(
            f"{CAMPAIGN_KINDS[k].label}：{'、'.join(c.county for c in counties if c.kind == k)}"
            for k in kinds
        )
        problems.append(f"各县活动类型不一致，一个省级活动只能汇总同一类活动（{listed}）")
    return counties
