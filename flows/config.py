"""Campaign configuration: one TOML file per campaign under campaigns/.

The file is what a county data officer edits; this module only reads it and
says, in Chinese, what is missing or wrong.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from flows.campaign_kinds import CAMPAIGN_KINDS, CampaignKind
from flows.settings import Settings
from flows.text import one_line

INPUT_KINDS = ("roster", "counts", "register")
ROUNDING_RULES = ("ceil", "half_up", "floor")
TOTAL_RULES = ("sum_of_townships", "from_total_base")
FOLLOWUP_NAMES = ("surname", "full")  # how 随访名单 show names: 张** or the full name
ASSESSMENT_PARTS = ("base", "bonus", "deduction")  # 基础分 | 加分 | 扣分
# where an assessment item's points come from: assessors (entered) or the data
ASSESSMENT_SOURCES = ("entered", "completion", "rate_above", "hardship_funded", "family_rate")
ASSESSED = ("乡镇", "单位")  # who an item applies to: the ranking's rows, the staff units
COMPLETION_RULES = ("proportional", "steps")
# [continuity], Fujian's long-term mechanism (闽政办〔2025〕3号): how “每多断保1年” is read
# (ContinuityRules), and which year's 个人缴费标准 prices a year paid back
BREAK_COUNTING = ("beyond_first", "every_year")
REPAIR_PRICES = ("repair_year", "missed_year")
EXEMPT_GROUPS = ("新生儿", "医疗救助对象", "当年退出现役的军人")
# 缴费渠道 when the campaign file names none: the channels of the county plans (domain brief)
DEFAULT_CHANNELS = {
    "个人缴费": ("个人", "个人自缴", "自费", "自缴"),
    "共济账户": ("个账", "个人账户", "家庭共济", "共济", "职工医保个人账户"),
    "单位团体": ("单位团体投保", "单位集体投保", "团体投保", "单位代缴", "单位资助"),
    "政府资助": ("财政资助", "民政资助", "医疗救助", "困难群体资助"),
    "鼓励资助": ("部门资助", "残联资助", "乡村振兴资助"),
    "村集体资助": ("村集体", "村财资助", "村(居)资助"),
    "慈善捐赠": ("慈善", "捐赠", "爱心捐赠"),
}
# 救助对象 categories when the campaign file names none, and those paid in full by government
DEFAULT_HARDSHIP = {
    "特困供养": ("特困", "特困人员", "特困供养人员"),
    "低保": ("低保对象", "最低生活保障"),
    "孤儿": ("事实无人抚养儿童",),
    "五老": ("革命五老", "“五老”人员", "五老遗偶"),
    "残疾人": ("重度残疾人", "残疾"),
    "计生特殊家庭": ("计划生育特殊家庭",),
    "脱贫监测户": ("脱贫户", "监测户", "脱贫人口", "监测对象"),
}
DEFAULT_FULLY_FUNDED = ("特困供养", "低保", "孤儿", "五老")
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
class StaffRules:
    """[staff]: units' own staff (县直单位 and other employers) and their families."""

    target: Decimal  # staff covered / staff, by the deadline (0.80)
    family_target: Decimal  # declared family members covered / declared (bonus at 0.80)
    units: tuple[str, ...]  # the units that owe a staff roster (one that sent none is named)


@dataclass(frozen=True)
class Names:
    """Canonical names and the other spellings officials write (缴费渠道, 救助类别)."""

    names: tuple[str, ...]  # canonical, in the order tables show them
    aliases: dict[str, str]  # every spelling (canonical ones included) -> canonical


@dataclass(frozen=True)
class AssessmentItem:
    """One item of the 考核 rubric: its points and where they come from."""

    key: str
    label: str
    part: str  # base | bonus | deduction
    points: Decimal  # full marks, the largest bonus, or the largest deduction
    source: str  # entered, or the fact it is computed from (ASSESSMENT_SOURCES)
    applies_to: tuple[str, ...]  # 乡镇, 单位
    rule: str = "proportional"  # completion: proportional below 100%, or steps
    steps: tuple[tuple[Decimal, Decimal], ...] = ()  # completion steps: (at least, points)
    above: Decimal | None = None  # rate_above: the rate bonuses start from
    per_point: Decimal | None = None  # rate_above: points per percentage point above it
    threshold: Decimal | None = None  # family_rate: the rate that earns the points


@dataclass(frozen=True)
class Rubric:
    """[assessment]: the county's rubric for the year."""

    title: str
    items: tuple[AssessmentItem, ...]


@dataclass(frozen=True)
class ContinuityRules:
    """[continuity]: Fujian's long-term mechanism (闽政办〔2025〕3号 一(一), 二(一)-(四)) as
    numbers: the central window (集中参保期) and its extension (延长缴费期), the rewards for
    continuity (连续参保激励) and for years without a claim (零报销激励), and the waiting
    period (待遇等待期) after a break, with its repair by paying years back.

    “每多断保1年，…增加变动待遇等待期1个月” is read by ``break_counting``:

    - ``beyond_first`` (the default): 多 as “more than the first”: one missed year brings the
      fixed period only; each missed year beyond the first adds ``variable_months`` (a break
      of 3 years: 3 + 2 = 5 months);
    - ``every_year``: every missed year adds them, the first included (3 years: 3 + 3 = 6).

    Years count from ``history_from`` (by default the mechanism's own first year, “自2025年
    起”): years before it are neither consecutive years nor years of break."""

    start_year: int  # 自2025年起
    history_from: int  # the first year whose cover, or its lack, counts
    window_opens: tuple[int, int]  # 集中参保期 (month, day), in the year before the cover
    window_closes: tuple[int, int]
    extension_until_month: int  # 延长缴费期: 1 Jan to the end of this month; 0 = none
    extension_keeps_variable: bool  # the extension waives the fixed period, not the variable
    fixed_months: int  # 固定待遇等待期
    variable_months: int  # 变动待遇等待期 per counted year of break
    break_counting: str  # beyond_first | every_year
    repair_months: int  # months of the variable part removed per year paid back
    floor_after_years: int  # 连续断缴4年及以上…
    floor_months: int  # …fixed + variable not below this, repaired or not
    repair_price: str  # repair_year: that year's 个人缴费标准; missed_year: each missed year's
    reward_after_years: int  # 连续参加居民医保满4年…之后每连续参保1年
    continuity_reward: Decimal  # yuan per further consecutive year
    zero_claim_reward: Decimal  # yuan per year without a claim on the fund
    original_cap: Decimal  # 所在统筹区大病保险原封顶线 (yuan)
    ceiling_rate: Decimal  # both rewards together at most this share of the original cap
    exempt: tuple[str, ...]  # groups without a waiting period (新生儿, 医疗救助对象, …)
    employee_years_bridge: bool  # 职工医保 years keep a resident streak unbroken…
    employee_years_count: bool  # …and do not add to it unless this is set
    contributions: dict[int, Decimal]  # 个人缴费标准 by year (yuan)

    @property
    def ceiling(self) -> Decimal:
        """The most both rewards may add together (yuan): 300000 × 20% = 60000."""
        return self.original_cap * self.ceiling_rate

    def calendar(self, year: int) -> tuple[date, date, date | None]:
        """The central window for cover in ``year`` (its first and last day, in the year
        before) and the last day of the extension (None without one)."""
        opens = date(year - 1, *self.window_opens)
        closes = date(year - 1, *self.window_closes)
        if not self.extension_until_month:
            return opens, closes, None
        month_after = date(year + self.extension_until_month // 12,
                           self.extension_until_month % 12 + 1, 1)  # fmt: skip
        return opens, closes, month_after - timedelta(days=1)


@dataclass(frozen=True)
class Office:
    issuing_office: str
    doc_number_prefix: str
    recipients: str
    signature: str


@dataclass(frozen=True)
class DocxFonts:
    """[docx]: the faces 通报.docx names, as offices have them installed (a face the PC lacks
    is replaced by the one the document declares beside it: flows/render/circular_docx)."""

    title: str = "方正小标宋简体"  # the issuing office's red mark, the title
    body: str = "仿宋_GB2312"
    heading: str = "黑体"  # 一、
    kai: str = "楷体_GB2312"  # （一）
    page_number: str = "宋体"


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
    # 随访名单 names: "surname" (张**) or "full" for a village's own door-to-door list; the
    # identity number stays masked, and files that leave the bureau are masked regardless
    followup_names: str = "surname"
    channels: Names = Names((), {})
    staff: StaffRules | None = None  # [staff]: unit staff rosters are read and ranked
    hardship: Names = Names((), {})  # 救助对象 categories
    fully_funded: tuple[str, ...] = ()  # categories the government pays for in full
    funded_channel: str = "政府资助"  # the channel that pays for them
    assessment: Rubric | None = None  # [assessment]: the 考核 scorecard
    continuity: ContinuityRules | None = None  # [continuity]: Fujian's long-term mechanism
    docx_fonts: DocxFonts = DocxFonts()  # [docx]: the faces 通报.docx names

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

    def circular_days_before(self, as_of: date) -> int:
        """How many cadence days of the window come before ``as_of``: the circulars the
        calendar called for before it (flows/store.py numbers circulars by them)."""
        days_before = (as_of - self.window_start).days  # days 1..days_before precede it
        return max(days_before, 0) // self.circular_every_days

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


# The campaign file's schema, declared once: every section, every key, its type, whether it
# is required (or its default), its allowed values, and its name in Chinese for messages.
# load_campaign checks a file against it before anything is built from the file.


@dataclass(frozen=True)
class Key:
    """One key of a section. ``kind``: text, code (a 6-digit division code), codes, texts
    (lists), int (from ``minimum``), date (a TOML date, not a string, not a date-time),
    choice (one of ``choices``), rate, number, steps, file (exists and readable), cron,
    timezone, mapping (name → list of texts), yearly (year → amount), monthday ("09-01"),
    bool, or tables (a list of tables, their keys in ``items``)."""

    label: str  # the key's name in Chinese, for messages
    kind: str
    required: bool = False
    default: object = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    items: dict[str, Key] | None = None


@dataclass(frozen=True)
class Section:
    label: str
    keys: dict[str, Key]
    required: bool = False
    many: bool = False  # [[units]]: a list of tables
    free: bool = False  # [township_aliases]: any key, each naming a township


SCHEMA: dict[str, Section] = {
    "campaign": Section("活动", required=True, keys={
        "kind": Key("活动类型", "choice", default="puhui", choices=tuple(CAMPAIGN_KINDS)),
        "title": Key("活动名称", "text", required=True),
        "short_title": Key("活动简称", "text", default=""),
        "year": Key("年度", "int", required=True, minimum=2000),
        "county": Key("县（区）名称", "text", required=True),
        "county_code": Key("县（区）行政区划代码", "code", required=True),
        "retired_county_codes": Key("旧行政区划代码", "codes", default=()),
        "township_file": Key("乡镇名录文件", "file", required=True),
    }),
    "units": Section("单位", many=True, keys={
        "name": Key("单位名称", "text", required=True),
        "type": Key("单位类型", "text", default="乡镇"),  # checked with the unit's name
        "code": Key("单位代码", "text"),
    }),
    "ranking": Section("排名", keys={"separate": Key("单独排名的单位类型", "texts", default=())}),
    "input": Section("报送数据", keys={
        "kind": Key("报送数据类型", "choice", choices=INPUT_KINDS),
    }),
    "followup": Section("随访名单", keys={
        # surname: 张** (lists that travel); full: the full name, for a village's own visits
        "names": Key("随访名单姓名显示方式", "choice", default="surname", choices=FOLLOWUP_NAMES),
    }),
    "report": Section("报表", keys={
        "township_names": Key("乡镇名称写法", "choice", default="full", choices=("full", "short")),
    }),
    "office": Section("发文", required=True, keys={
        "issuing_office": Key("发文机关", "text", required=True),
        "doc_number_prefix": Key("发文字号前缀", "text", default=""),
        "recipients": Key("主送机关", "text", default=""),
        "signature": Key("落款", "text"),
    }),
    "base": Section("基数表", keys={
        "file": Key("基数表文件", "text"),
        "township_column": Key("乡镇列名", "text", default="乡镇"),
        "base_column": Key("基数列名", "text", default=""),
        "label": Key("基数列在报表中的名称", "text"),
    }),
    "targets": Section("任务设置", keys={
        "rounding": Key("取整规则", "choice", default="ceil", choices=ROUNDING_RULES),
        "total": Key("合计规则", "choice", default="sum_of_townships", choices=TOTAL_RULES),
        "levels": Key("任务档次", "tables", default=(), items={
            "key": Key("档次代码", "text", required=True),
            "label": Key("档次名称", "text"),
            "rate": Key("比例", "rate", required=True),
        }),
    }),
    "window": Section("活动期", required=True, keys={
        "start": Key("开始日期", "date", required=True),
        "deadline": Key("截止日期", "date", required=True),
    }),
    "schedule": Section("定时运行", keys={
        "cron": Key("运行时间（cron）", "cron", default="0 2 * * *"),
        "timezone": Key("时区", "timezone", default="Asia/Shanghai"),
    }),
    "circular": Section("通报", keys={
        "every_days": Key("通报间隔天数", "int", default=5, minimum=1),
        "first_number": Key("第一期通报序号", "int", default=1, minimum=1),
        "title": Key("通报标题", "text"),
        "requirements": Key("工作要求", "texts", default=()),
        "top_count": Key("通报表扬/点名的乡镇数", "int", default=3, minimum=0),
        "top_unenrolled": Key("未参保人数最多的乡镇数", "int", default=3, minimum=0),
    }),
    "columns": Section("报送表格列名", keys={
        "sheet": Key("工作表名称", "text"),
        "aliases": Key("列名别名", "mapping", default={}),
    }),
    "township_aliases": Section("乡镇别名", free=True, keys={}),
    "staff": Section("单位职工参保", keys={
        "target": Key("单位职工参保率目标", "rate", default="0.80"),
        "family_target": Key("职工家属参保率目标", "rate", default="0.80"),
        "units": Key("应报送职工名册的单位", "texts", default=()),
    }),
    # 缴费渠道: name -> other spellings; the built-in list (DEFAULT_CHANNELS) when absent
    "channels": Section("缴费渠道", keys={
        "aliases": Key("缴费渠道及其别名", "mapping", default={}),
    }),
    "hardship": Section("困难群体", keys={
        "categories": Key("救助对象类别及其别名", "mapping", default={}),
        "fully_funded": Key("须全额资助的类别", "texts"),
        "funded_channel": Key("全额资助的缴费渠道", "text", default="政府资助"),
    }),
    "docx": Section("可编辑通报（Word）", keys={
        "title_font": Key("发文机关标志和标题字体", "text", default=DocxFonts.title),
        "body_font": Key("正文字体", "text", default=DocxFonts.body),
        "heading_font": Key("一级标题字体", "text", default=DocxFonts.heading),
        "kai_font": Key("二级标题字体", "text", default=DocxFonts.kai),
        "page_number_font": Key("页码字体", "text", default=DocxFonts.page_number),
    }),
    "assessment": Section("考核评分", keys={
        "title": Key("考核名称", "text", default=""),
        "items": Key("考核项目", "tables", default=(), items={
            "key": Key("项目代码", "text", required=True),
            "label": Key("项目名称", "text", required=True),
            "part": Key("分类", "choice", default="base", choices=ASSESSMENT_PARTS),
            "points": Key("分值", "number", required=True),
            "source": Key("评分方式", "choice", default="entered", choices=ASSESSMENT_SOURCES),
            "applies_to": Key("适用对象", "texts", default=ASSESSED),
            "rule": Key("完成率计分规则", "choice", default="proportional",
                        choices=COMPLETION_RULES),
            "steps": Key("分档计分", "steps", default=()),
            "above": Key("加分起点参保率", "number"),
            "per_point": Key("每超1个百分点加分", "number"),
            "threshold": Key("达标参保率", "number"),
        }),
    }),
    # Fujian's long-term mechanism (闽政办〔2025〕3号); absent: nothing of it is computed
    "continuity": Section("参保长效机制", keys={
        "start_year": Key("机制起始年度", "int", default=2025, minimum=2000),
        "history_from": Key("参保年限起算年度", "int", minimum=2000),  # default: start_year
        "window_opens": Key("集中参保期开始（月-日）", "monthday", default=(9, 1)),
        "window_closes": Key("集中参保期结束（月-日）", "monthday", default=(12, 31)),
        "extension_until_month": Key("延长缴费期截止月份", "int", default=2, minimum=0),
        "extension_keeps_variable": Key("延长缴费期仍计变动待遇等待期", "bool", default=True),
        "fixed_waiting_months": Key("固定待遇等待期（月）", "int", default=3, minimum=0),
        "variable_months_per_year": Key("每多断保1年增加的变动待遇等待期（月）", "int",
                                        default=1, minimum=0),
        "break_counting": Key("断保年数计算方式", "choice", default="beyond_first",
                              choices=BREAK_COUNTING),
        "repair_months_per_year": Key("每补缴1年减少的变动待遇等待期（月）", "int", default=1,
                                      minimum=0),
        "floor_after_break_years": Key("适用最低待遇等待期的连续断缴年数", "int", default=4,
                                       minimum=1),
        "floor_months": Key("修复后最低待遇等待期（月）", "int", default=6, minimum=0),
        "repair_price": Key("补缴修复的缴费标准", "choice", default="repair_year",
                            choices=REPAIR_PRICES),
        "reward_after_years": Key("连续参保激励起始年数", "int", default=4, minimum=0),
        "continuity_reward": Key("每年连续参保激励金额（元）", "number", default=Decimal(3000)),
        "zero_claim_reward": Key("每年零报销激励金额（元）", "number", default=Decimal(3000)),
        "original_cap": Key("大病保险原封顶线（元）", "number", required=True),
        "ceiling_rate": Key("激励累计上限占原封顶线的比例", "rate", default="0.20"),
        "exempt": Key("不设待遇等待期的特殊群体", "texts", default=EXEMPT_GROUPS),
        "employee_years_bridge": Key("职工医保年度认定为连续参保", "bool", default=True),
        "employee_years_count": Key("职工医保年限计入居民医保连续参保年限", "bool",
                                    default=False),
        "contributions": Key("居民医保个人缴费标准（年度 = 元）", "yearly", default={}),
    }),
}  # fmt: skip


def _shown(value: object) -> str:
    """A value as the official wrote it, for “现为 …”."""
    if isinstance(value, str):
        return f"“{one_line(value)}”"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dict):
        return "一节（表）"
    if isinstance(value, list):
        return "列表"
    return str(value)


def _suggest(word: str, known, shape: str = "{}") -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f"，是否为 {shape.format(close[0])}？" if close else ""


def _check_value(key: Key, value: object, settings: Settings) -> tuple[object, str | None]:
    """The value to build from, or None and what is wrong with it (without the key's name)."""
    now = "，现为" + ("" if isinstance(value, str) else " ") + _shown(value)
    kind = key.kind
    if kind in ("text", "file", "cron", "timezone", "choice") and not isinstance(value, str):
        return None, f"应为文字（用英文双引号括起）{now}"
    if kind == "text":
        if key.required and not value.strip():
            return None, "不能为空"
    elif kind == "choice":
        if value not in key.choices:
            return None, f"= {_shown(value)} 无效，应为 {' | '.join(key.choices)}"
    elif kind == "code":
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not (isinstance(value, str) and re.fullmatch(r"\d{6}", value)):
            return None, f"应为6位数字的行政区划代码{now}"
    elif kind in ("codes", "texts"):
        if not isinstance(value, list):
            return None, f'应为列表，如 ["...", "..."]{now}'
        if kind == "codes":
            value = [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        wrong = [
            v for v in value if not isinstance(v, str) or (kind == "codes" and not v.isdigit())
        ]
        if wrong:
            return None, f"列表中的 {_shown(wrong[0])} 无效，每项应为文字（用英文双引号括起）"
        return tuple(value), None
    elif kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            return None, f"应为{'正' if key.minimum == 1 else ''}整数（不加引号）{now}"
        if key.minimum is not None and value < key.minimum:
            rule = {0: "不能为负数", 1: "应为正整数"}.get(key.minimum, f"应不小于 {key.minimum}")
            return None, f"{rule}{now}"
    elif kind == "date":
        if isinstance(value, datetime):
            return None, f"应为日期（不带时刻），如 2024-12-31{now}"
        if not isinstance(value, date):
            return None, f"应为日期，如 2024-12-31（不加引号）{now}"
    elif kind == "rate":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return None, f'应为比例，如 "0.20"{now}'
    elif kind == "number":
        number = _decimal(value)
        if number is None or number < 0:
            return None, f'应为不小于0的数，如 20 或 "0.20"{now}'
        return number, None
    elif kind == "steps":
        pairs = value if isinstance(value, list) else None
        steps = [
            (_decimal(pair[0]), _decimal(pair[1]))
            for pair in pairs or ()
            if isinstance(pair, list) and len(pair) == 2
        ]
        if pairs is None or len(steps) != len(pairs) or any(None in p for p in steps):
            return None, f"应为 [[完成率, 得分], ...] 的列表，如 [[1.0, 50], [0.9, 40]]{now}"
        return tuple(sorted(steps, reverse=True)), None
    elif kind == "file":
        path = _resolve(settings, value)
        if not path.is_file():
            return None, f"找不到文件 {path}"
        if not os.access(path, os.R_OK):
            return None, f"文件 {path} 无法读取（没有读取权限）"
    elif kind == "cron":
        from prefect._internal.schemas.validators import validate_cron_string

        try:
            validate_cron_string(value)
        except ValueError:
            return None, f'不是有效的 cron 表达式（5项：分 时 日 月 周，如 "0 2 * * *"）{now}'
    elif kind == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return None, f'不是已知的时区（如 "Asia/Shanghai"）{now}'
    elif kind == "bool":
        if not isinstance(value, bool):
            return None, f"应为 true 或 false（不加引号）{now}"
    elif kind == "monthday":
        month_day = _month_day(value) if isinstance(value, str) else None
        if month_day is None:
            return None, f'应为“月-日”，如 "09-01"{now}'
        return month_day, None
    elif kind == "yearly":
        if not isinstance(value, dict):
            return None, f"应为一节（表），每行“年度 = 金额”，如 2026 = 400{now}"
        amounts = {}
        for year, amount in value.items():
            number = _decimal(amount)
            if not re.fullmatch(r"\d{4}", year) or number is None or number < 0:
                return None, (
                    f"中 {one_line(year)} = {_shown(amount)} 无效：应为“年度 = 金额（元）”，"
                    "如 2026 = 400"
                )
            amounts[int(year)] = number
        return amounts, None
    elif kind == "mapping":
        if not isinstance(value, dict):
            return None, f"应为一节（表）{now}"
        wrong = [k for k, v in value.items() if not isinstance(v, list)]
        if wrong:
            return None, f'中 {wrong[0]} 的值应为列表，如 ["..."]'
        return {k: tuple(str(x) for x in v) for k, v in value.items()}, None
    return value, None


def _month_day(text: str) -> tuple[int, int] | None:
    """ "09-01" -> (9, 1); None unless a day of every year (02-29 is not)."""
    match = re.fullmatch(r"\s*(\d{1,2})-(\d{1,2})\s*", text)
    if not match:
        return None
    month, day = int(match[1]), int(match[2])
    try:
        date(2001, month, day)
    except ValueError:
        return None
    return month, day


def _decimal(value: object) -> Decimal | None:
    """A number as written (20, 2.5, "0.20"), or None."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _check_table(
    where: str, keys: dict[str, Key], table: dict, settings: Settings, problems: list[str]
) -> dict:
    """One table checked key by key: its values, defaults filled, None where wrong."""
    values: dict[str, object] = {}
    for name in table:
        if name not in keys:
            problems.append(f"{where}中的 {name} 不是可用的设置项{_suggest(name, keys)}")
    for name, key in keys.items():
        label = f"{where} {name}（{key.label}）"
        if name not in table:
            if key.required:
                problems.append(f"{where}缺少必填项 {name}（{key.label}）")
            values[name] = key.default
            continue
        if key.kind == "tables":
            items = table[name]
            if not (isinstance(items, list) and all(isinstance(i, dict) for i in items)):
                item_where = f"[[{where.strip('[]')}.{name}]]"
                problems.append(f"{label}应写成 {item_where} 表，每项一节，现为{_shown(items)}")
                values[name] = None
                continue
            inner = f"[[{where.strip('[]')}.{name}]]"
            values[name] = tuple(
                _check_table(f"{inner} 第{n}项", key.items or {}, item, settings, problems)
                for n, item in enumerate(items, start=1)
            )
            continue
        value, problem = _check_value(key, table[name], settings)
        if problem and problem.startswith("="):  # 取整规则 rounding = “up” 无效，应为 …
            problems.append(f"{where} {key.label} {name} {problem}")
        elif problem:
            problems.append(f"{label}{problem}")
        values[name] = value
    return values


def check_schema(
    raw: dict, settings: Settings, schema: dict[str, Section] | None = None
) -> tuple[dict, list[str]]:
    """The file against ``schema`` (a county campaign's SCHEMA unless given): every section's
    values (defaults filled, None where wrong) and every mistake, one Chinese line each."""
    schema = SCHEMA if schema is None else schema
    problems: list[str] = []
    for name in raw:
        if name not in schema:
            problems.append(f"未知的一节 [{name}]{_suggest(name, schema, '[{}]')}")
    values: dict[str, object] = {}
    for name, section in schema.items():
        where = f"[[{name}]]" if section.many else f"[{name}]"
        given = raw.get(name)
        if given is None and section.required:
            problems.append(f"缺少必填项 {name}（{where} 一节：{section.label}）")
            # unknown: nothing more to say of it
            values[name] = [] if section.many else dict.fromkeys(section.keys)
            continue
        if given is None and not section.many:  # an optional section left out: its defaults
            values[name] = {key_name: key.default for key_name, key in section.keys.items()}
            continue
        if given is None:
            given = []
        if section.many:
            if not (isinstance(given, list) and all(isinstance(i, dict) for i in given)):
                problems.append(f"{where}（{section.label}）应写成 {where} 表，每项一节")
                given = []
            values[name] = [
                _check_table(f"{where} 第{n}项", section.keys, item, settings, problems)
                for n, item in enumerate(given, start=1)
            ]
            continue
        if not isinstance(given, dict):
            problems.append(f"{where}（{section.label}）应为一节（表），现为{_shown(given)}")
            values[name] = dict.fromkeys(section.keys)
            continue
        if section.free:
            wrong = [k for k, v in given.items() if not isinstance(v, str)]
            for key in wrong:
                problems.append(f"{where} 中 {key} 的值应为文字（用英文双引号括起）")
            values[name] = {k: v for k, v in given.items() if isinstance(v, str)}
            continue
        values[name] = _check_table(where, section.keys, given, settings, problems)
    return values, problems


def available_campaigns(settings: Settings) -> list[str]:
    return sorted(p.stem for p in settings.campaigns_dir.glob("*.toml"))


def read_campaign_file(name: str, settings: Settings, what: str) -> tuple[Path, dict]:
    """campaigns/<name>.toml and its contents; a missing or unreadable file is a
    CampaignError naming ``what`` it should hold (参保活动, 省级活动)."""
    check_campaign_name(name)
    path = settings.campaigns_dir / f"{name}.toml"
    if not path.is_file():
        known = "、".join(available_campaigns(settings)) or "无"
        raise CampaignError(f"未找到{what}“{name}”的配置文件 {path}（已有：{known}）")
    try:
        return path, tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CampaignError(f"{what}“{name}”的配置文件 {path} 格式有误：{exc}") from exc


def load_campaign(name: str, settings: Settings) -> Campaign:
    """Read campaigns/<name>.toml, check it against SCHEMA, and read the township list it
    points to.

    Every problem found is reported at once (CampaignError.problems), one line each."""
    path, raw = read_campaign_file(name, settings, "参保活动")
    values, problems = check_schema(raw, settings)
    campaign = _build(name, path, values, settings, problems, given=set(raw))
    if problems or campaign is None:
        raise CampaignError(*problems)
    return campaign


def _resolve(settings: Settings, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else settings.project_root / path


def _levels(raw_levels, problems: list[str]) -> list[TargetLevel]:
    """The levels' own rules, beyond their types: key spelling, rate range, keys unique."""
    levels = []
    for number, level in enumerate(raw_levels, start=1):
        label = level["label"] or f"第{number}档任务"
        key = level["key"]
        if key is not None and not _LEVEL_KEY.fullmatch(key):
            problems.append(
                f"任务档次“{label}”的 key = “{key}” 无效：应以小写英文字母开头，"
                "只含小写字母、数字和下划线（如 floor、stretch）"
            )
        if level["rate"] is None:
            continue
        try:
            rate = Decimal(str(level["rate"]))
        except InvalidOperation:
            problems.append(f"任务档次“{label}”的比例无效：{one_line(str(level['rate']))}")
            continue
        if not Decimal(0) < rate <= Decimal(1):
            problems.append(f"任务档次“{label}”的比例应在 0 到 1 之间：{rate}")
            continue
        if key is not None:
            levels.append(TargetLevel(key=key, label=label, rate=rate))
    keys = [level.key for level in levels]
    for key in dict.fromkeys(k for k in keys if keys.count(k) > 1):
        problems.append(f"任务档次的 key “{key}” 重复：每一档应有自己的 key")
    return levels


def _units(values: dict, settings: Settings, problems: list[str]) -> list[Unit]:
    """The township list's rows for the county, then the campaign file's own [[units]]."""
    info = values["campaign"]
    county_code = info["county_code"]
    townships = pd.DataFrame(columns=["county_code", "township"])
    if info["township_file"] is not None:
        township_file = _resolve(settings, info["township_file"])
        try:
            townships = pd.read_csv(township_file, dtype=str, encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
            problems.append(f"乡镇名录 {township_file} 无法读取：{one_line(str(exc))}")
        missing = {"county_code", "township"} - set(townships.columns)
        if missing:
            problems.append(f"乡镇名录 {township_file.name} 缺少列：{'、'.join(sorted(missing))}")
            townships = pd.DataFrame(columns=["county_code", "township"])
    townships = townships[townships["county_code"] == county_code]
    separate = set(values["ranking"]["separate"] or ())
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
    for unit in values["units"]:
        if unit["name"] is not None and unit["type"] is not None:
            add(unit["name"], unit["type"], unit["code"])
    if not units and county_code is not None and info["township_file"] is not None:
        problems.append(
            f"乡镇名录中没有行政区划代码为 {county_code} 的乡镇（{info['county']}），"
            "配置文件中也没有 [[units]]"
        )
    return units


def _names(given: dict, default: dict, what: str, problems: list[str]) -> Names:
    """Canonical names with their spellings (the file's, else ``default``); a spelling may
    stand for one name only."""
    table = given or default
    aliases: dict[str, str] = {}
    for name, others in table.items():
        for spelling in (name, *others):
            spelling = spelling.strip()
            if aliases.get(spelling, name) != name:
                problems.append(
                    f"{what}“{spelling}”同时是“{aliases[spelling]}”和“{name}”的别名，只能指向一个"
                )
            aliases[spelling] = name
    return Names(tuple(table), aliases)


def _rate_of(value: object, label: str, problems: list[str]) -> Decimal | None:
    rate = _decimal(value)
    if rate is None or not Decimal(0) < rate <= Decimal(1):
        problems.append(f'{label}应为 0 到 1 之间的比例，如 "0.80"，现为 {_shown(value)}')
        return None
    return rate


def _staff(values: dict, given: set, problems: list[str]) -> StaffRules | None:
    """[staff] when the file has it: units' staff are read, covered and ranked."""
    if "staff" not in given:
        return None
    staff = values["staff"]
    target = _rate_of(staff["target"], "[staff] target（单位职工参保率目标）", problems)
    family = _rate_of(
        staff["family_target"], "[staff] family_target（职工家属参保率目标）", problems
    )
    units = tuple(staff["units"] or ())
    for unit in dict.fromkeys(u for u in units if units.count(u) > 1):
        problems.append(f"[staff] units 中的单位“{unit}”重复")
    if target is None or family is None:
        return None
    return StaffRules(target, family, tuple(dict.fromkeys(units)))


def _rubric(values: dict, given: set, problems: list[str]) -> Rubric | None:
    """[assessment]: the items' own rules beyond their types."""
    if "assessment" not in given:
        return None
    section = values["assessment"]
    items: list[AssessmentItem] = []
    keys: list[str] = []
    for number, item in enumerate(section["items"] or (), start=1):
        label = item["label"] or f"第{number}项"
        where = f"考核项目“{label}”"
        if None in (item["key"], item["label"], item["points"], item["part"], item["source"]):
            continue  # already said why
        if not _LEVEL_KEY.fullmatch(item["key"]):
            problems.append(
                f"{where}的 key = “{item['key']}” 无效：应以小写英文字母开头，"
                "只含小写字母、数字和下划线（如 completion）"
            )
        keys.append(item["key"])
        applies = tuple(item["applies_to"] or ())
        for who in applies:
            if who not in ASSESSED:
                problems.append(f"{where}的适用对象“{who}”无效，应为 {'、'.join(ASSESSED)}")
        if not applies:
            problems.append(f"{where}的适用对象 applies_to 不能为空")
        source = item["source"]
        if source == "completion" and item["rule"] == "steps" and not item["steps"]:
            problems.append(f'{where}按分档计分（rule = "steps"），需写明 steps')
        if source == "rate_above" and (item["above"] is None or item["per_point"] is None):
            problems.append(f"{where}按参保率加分，需写明 above（起点）和 per_point（每点加分）")
        if source == "family_rate" and item["threshold"] is None:
            problems.append(f"{where}按职工家属参保率计分，需写明 threshold（达标参保率）")
        if source == "family_rate" and "staff" not in given:
            problems.append(f"{where}按职工家属参保率计分，需要 [staff] 一节（单位职工参保）")
        for _at_least, step_points in item["steps"] or ():
            if step_points > item["points"]:
                problems.append(f"{where}的分档得分 {step_points} 超过分值 {item['points']}")
        items.append(
            AssessmentItem(
                key=item["key"],
                label=item["label"],
                part=item["part"],
                points=item["points"],
                source=source,
                applies_to=applies,
                rule=item["rule"],
                steps=tuple(item["steps"] or ()),
                above=item["above"],
                per_point=item["per_point"],
                threshold=item["threshold"],
            )
        )
    for key in dict.fromkeys(k for k in keys if keys.count(k) > 1):
        problems.append(f"考核项目的 key “{key}” 重复：每一项应有自己的 key")
    if not items and section["items"] is not None:
        problems.append("[assessment] 考核评分需要至少一个考核项目 [[assessment.items]]")
    return Rubric(section["title"] or "", tuple(items))


def _continuity(
    values: dict, given: set, input_kind: str, problems: list[str]
) -> ContinuityRules | None:
    """[continuity] when the file has it: the rules that tie its keys together, and to the
    campaign (a person register to compute from, a year the mechanism is in force)."""
    if "continuity" not in given:
        return None
    rules, year = values["continuity"], values["campaign"]["year"]
    where = "[continuity]（参保长效机制）"
    count = len(problems)
    if input_kind != "register":
        problems.append(
            f"{where}按人计算连续参保年数和待遇等待期，需要户籍人员参保名册："
            '[campaign] kind = "basic" 且 [input] kind = "register"'
        )
    start = rules["start_year"]
    history_from = rules["history_from"] if rules["history_from"] is not None else start
    if start is not None and year is not None and year < start:
        problems.append(
            f"活动年度 {year} 早于长效机制起始年度 start_year = {start}，{where}不起作用："
            "请核对年度，或删除该节"
        )
    if start is not None and history_from is not None and history_from > start:
        problems.append(
            f"{where} history_from（参保年限起算年度）= {history_from} 不应晚于 "
            f"start_year（机制起始年度）= {start}"
        )
    opens, closes = rules["window_opens"], rules["window_closes"]
    if opens is not None and closes is not None and opens >= closes:
        problems.append(
            f"{where}集中参保期开始 window_opens 应早于结束 window_closes"
            '（同一年内，如 "09-01" 至 "12-31"）'
        )
    month = rules["extension_until_month"]
    if month is not None and month > 12:
        problems.append(
            f"{where} extension_until_month（延长缴费期截止月份）应为 0 到 12，"
            f"0 表示不设延长缴费期，现为 {month}"
        )
    rate = rules["ceiling_rate"]
    if rate is not None:
        rate = _rate_of(rate, f"{where} ceiling_rate（激励累计上限占原封顶线的比例）", problems)
    exempt = tuple(group.strip() for group in rules["exempt"] or ())
    if "" in exempt:
        problems.append(f"{where} exempt（不设待遇等待期的特殊群体）中不能有空白项")
    for group in dict.fromkeys(g for g in exempt if exempt.count(g) > 1):
        problems.append(f"{where} exempt 中的“{group}”重复")
    contributions = rules["contributions"]
    if contributions is not None and year is not None and history_from is not None:
        # what a year paid back costs: this campaign year's standard, or each missed year's
        needed = (
            [year]
            if rules["repair_price"] == "repair_year"
            else list(range(max(history_from, year - 3), year))
        )
        missing = [str(y) for y in needed if y not in contributions]
        if missing:
            problems.append(
                f"[continuity.contributions]（居民医保个人缴费标准）缺少 {'、'.join(missing)} "
                f"年度：补缴修复待遇等待期按此计费，如 {missing[0]} = 400"
            )
    wrong = any(value is None for key, value in rules.items() if key != "history_from")
    if wrong or len(problems) > count:
        return None  # already said why
    return ContinuityRules(
        start_year=start,
        history_from=history_from,
        window_opens=opens,
        window_closes=closes,
        extension_until_month=month,
        extension_keeps_variable=rules["extension_keeps_variable"],
        fixed_months=rules["fixed_waiting_months"],
        variable_months=rules["variable_months_per_year"],
        break_counting=rules["break_counting"],
        repair_months=rules["repair_months_per_year"],
        floor_after_years=rules["floor_after_break_years"],
        floor_months=rules["floor_months"],
        repair_price=rules["repair_price"],
        reward_after_years=rules["reward_after_years"],
        continuity_reward=rules["continuity_reward"],
        zero_claim_reward=rules["zero_claim_reward"],
        original_cap=rules["original_cap"],
        ceiling_rate=rate,
        exempt=tuple(dict.fromkeys(exempt)),
        employee_years_bridge=rules["employee_years_bridge"],
        employee_years_count=rules["employee_years_count"],
        contributions=dict(sorted(contributions.items())),
    )


def _build(
    name: str, path: Path, values: dict, settings: Settings, problems: list[str], given: set
) -> Campaign | None:
    """The campaign from checked values, after the rules that tie keys together; None
    when anything is wrong (``problems`` says what)."""
    info, office, window = values["campaign"], values["office"], values["window"]
    targets, base, circular = values["targets"], values["base"], values["circular"]
    units = _units(values, settings, problems)
    names = [u.name for u in units]
    aliases = {n: n for n in names}
    for n in names:
        short = n.removesuffix("镇").removesuffix("乡")
        if short != n:
            aliases.setdefault(short, n)
    for alias, canonical in values["township_aliases"].items():
        if units and canonical not in names:
            problems.append(f"乡镇别名“{alias}”指向未知乡镇“{canonical}”")
        aliases[alias] = canonical

    spec = CAMPAIGN_KINDS.get(info["kind"] or "puhui", CAMPAIGN_KINDS["puhui"])
    input_kind = values["input"]["kind"] or spec.inputs[0]
    if info["kind"] and input_kind not in spec.inputs:
        problems.append(
            f"报送数据类型 input.kind = “{input_kind}” 不适用于{spec.label}活动，"
            f"应为 {' | '.join(spec.inputs)}"
        )
    raw_levels = targets["levels"]
    levels = _levels(raw_levels or (), problems)
    if spec.min_levels and "targets" not in given:
        problems.append(f"{spec.label}类活动需要 [targets] 任务设置")
    elif raw_levels is not None and len(raw_levels) < spec.min_levels:
        problems.append(
            f"{spec.label}类活动至少需要 {spec.min_levels} 个任务档次 [[targets.levels]]"
            "（每档写明 key、label、rate）"
        )
    if window["start"] and window["deadline"] and window["deadline"] <= window["start"]:
        problems.append("活动截止日期应晚于开始日期")
    if spec.needs_base_table and not base["file"]:
        problems.append(f"{spec.label}类活动需要基数表：在 [base] 中写明 file（基数表文件）")
    channels = _names(values["channels"]["aliases"], DEFAULT_CHANNELS, "缴费渠道", problems)
    hardship = values["hardship"]
    categories = _names(hardship["categories"], DEFAULT_HARDSHIP, "救助对象类别", problems)
    fully_funded = hardship["fully_funded"]
    if fully_funded is None:
        fully_funded = tuple(c for c in DEFAULT_FULLY_FUNDED if c in categories.names)
    for category in fully_funded:
        if category not in categories.names:
            problems.append(
                f"[hardship] fully_funded 中的类别“{category}”不在救助对象类别中"
                f"{_suggest(category, categories.names)}"
            )
    funded_channel = hardship["funded_channel"]
    if funded_channel is not None and funded_channel not in channels.names:
        problems.append(
            f"[hardship] funded_channel（全额资助的缴费渠道）“{funded_channel}”不在缴费渠道中"
            f"{_suggest(funded_channel, channels.names)}"
        )
    staff = _staff(values, given, problems)
    rubric = _rubric(values, given, problems)
    continuity = _continuity(values, given, input_kind, problems)
    docx = values["docx"]
    for key, value in docx.items():
        if not value.strip():
            problems.append(f"[docx] {key}（{SCHEMA['docx'].keys[key].label}）不能为空")
    if problems:
        return None
    return Campaign(
        name=name,
        path=path,
        kind=info["kind"],
        input_kind=input_kind,
        title=info["title"],
        short_title=info["short_title"],
        year=info["year"],
        short_names=values["report"]["township_names"] == "short",
        county=info["county"],
        county_codes=(info["county_code"], *info["retired_county_codes"]),
        units=tuple(units),
        township_aliases=aliases,
        base_file=_resolve(settings, base["file"]) if base["file"] else None,
        base_township_column=base["township_column"],
        base_column=base["base_column"],
        base_label=base["label"] or spec.base_label,
        levels=tuple(levels),
        rounding=targets["rounding"],
        total_rule=targets["total"],
        window_start=window["start"],
        deadline=window["deadline"],
        cron=values["schedule"]["cron"],
        timezone=values["schedule"]["timezone"],
        column_aliases=dict(values["columns"]["aliases"]),
        sheet=values["columns"]["sheet"],
        office=Office(
            issuing_office=office["issuing_office"],
            doc_number_prefix=office["doc_number_prefix"],
            recipients=office["recipients"],
            signature=office["signature"] or office["issuing_office"],
        ),
        circular_every_days=circular["every_days"],
        circular_first_number=circular["first_number"],
        circular_title=circular["title"],
        requirements=tuple(circular["requirements"]),
        top_count=circular["top_count"],
        top_unenrolled=circular["top_unenrolled"],
        followup_names=values["followup"]["names"],
        channels=channels,
        staff=staff,
        hardship=categories,
        fully_funded=tuple(fully_funded),
        funded_channel=funded_channel,
        assessment=rubric,
        continuity=continuity,
        docx_fonts=DocxFonts(
            title=docx["title_font"],
            body=docx["body_font"],
            heading=docx["heading_font"],
            kai=docx["kai_font"],
            page_number=docx["page_number_font"],
        ),
    )
