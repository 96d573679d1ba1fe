"""[continuity] in a campaign file: Fujian's long-term mechanism read as numbers, and every
wrong value named in one Chinese line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flows.config import EXEMPT_GROUPS, CampaignError, load_campaign
from flows.settings import PROJECT_ROOT, get_settings

DEMO = (PROJECT_ROOT / "campaigns" / "yongchun_2026_basic_register.toml").read_text("utf-8")
WITHOUT = DEMO.split("# 参保长效机制")[0]  # the same campaign, no [continuity]


@pytest.fixture
def campaigns(tmp_path, monkeypatch):
    monkeypatch.setenv("CANBAO_HOME", str(tmp_path))
    monkeypatch.setenv("CANBAO_CAMPAIGNS", str(tmp_path))
    return tmp_path


def load(campaigns, text: str):
    (campaigns / "c.toml").write_text(text, encoding="utf-8")
    return load_campaign("c", get_settings())


def test_the_demo_campaign_reads_the_document_s_numbers(campaigns):
    campaign = load(campaigns, DEMO)
    assert (campaign.title, campaign.year) == ("2026年永春县基本医疗保险全民参保", 2026)
    assert (campaign.window_start, campaign.deadline) == (date(2025, 9, 1), date(2026, 2, 28))
    rules = campaign.continuity
    assert (rules.start_year, rules.history_from) == (2025, 2021)  # the county's reading
    assert rules.calendar(2026) == (date(2025, 9, 1), date(2025, 12, 31), date(2026, 2, 28))
    assert rules.calendar(2028)[2] == date(2028, 2, 29)  # “2月底” of a leap year
    assert (rules.fixed_months, rules.variable_months, rules.break_counting) == (
        3,
        1,
        "beyond_first",
    )
    assert (rules.repair_months, rules.floor_after_years, rules.floor_months) == (1, 4, 6)
    assert (rules.reward_after_years, rules.continuity_reward, rules.zero_claim_reward) == (
        4,
        Decimal(3000),
        Decimal(3000),
    )
    assert rules.ceiling == Decimal(60000)  # 300000 × 20%
    assert rules.exempt == EXEMPT_GROUPS
    assert (rules.employee_years_bridge, rules.employee_years_count) == (True, False)
    assert rules.contributions[2026] == Decimal(400)


def test_without_the_section_nothing_of_the_mechanism_is_computed(campaigns):
    assert load(campaigns, WITHOUT).continuity is None


def test_left_out_keys_take_the_document_s_values(campaigns):
    section = "\n[continuity]\noriginal_cap = 250000\n\n[continuity.contributions]\n2026 = 400\n"
    rules = load(campaigns, WITHOUT + section).continuity
    assert rules.calendar(2026) == (date(2025, 9, 1), date(2025, 12, 31), date(2026, 2, 28))
    assert (rules.fixed_months, rules.floor_months, rules.continuity_reward) == (3, 6, 3000)
    assert rules.history_from == rules.start_year == 2025
    assert rules.ceiling == Decimal(50000)


def test_no_extension_and_another_window(campaigns):
    text = DEMO.replace("extension_until_month = 2", "extension_until_month = 0")
    text = text.replace('window_opens = "09-01"', 'window_opens = "10-15"')
    rules = load(campaigns, text).continuity
    assert rules.calendar(2026) == (date(2025, 10, 15), date(2025, 12, 31), None)


CONTINUITY_MISTAKES = [
    (('window_opens = "09-01"', 'window_opens = "9月1日"'),
     '[continuity] window_opens（集中参保期开始（月-日））应为“月-日”，如 "09-01"，现为“9月1日”'),
    (('window_closes = "12-31"', 'window_closes = "02-30"'),
     "window_closes（集中参保期结束（月-日））应为“月-日”"),
    (('window_opens = "09-01"', 'window_opens = "12-31"'),
     "集中参保期开始 window_opens 应早于结束 window_closes"),
    (("extension_until_month = 2", "extension_until_month = 13"),
     "extension_until_month（延长缴费期截止月份）应为 0 到 12，0 表示不设延长缴费期，现为 13"),
    (("fixed_waiting_months = 3", "fixed_waiting_months = -3"),
     "fixed_waiting_months（固定待遇等待期（月））不能为负数，现为 -3"),
    (("fixed_waiting_months = 3", 'fixed_waiting_months = "3个月"'),
     "fixed_waiting_months（固定待遇等待期（月））应为整数（不加引号），现为“3个月”"),
    (('break_counting = "beyond_first"', 'break_counting = "first"'),
     "断保年数计算方式 break_counting = “first” 无效，应为 beyond_first | every_year"),
    (("floor_after_break_years = 4", "floor_after_break_years = 0"),
     "floor_after_break_years（适用最低待遇等待期的连续断缴年数）应为正整数，现为 0"),
    (("continuity_reward = 3000", "continuity_reward = -3000"),
     "continuity_reward（每年连续参保激励金额（元））应为不小于0的数"),
    (("original_cap = 300000\n", ""),
     "[continuity]缺少必填项 original_cap（大病保险原封顶线（元））"),
    (('ceiling_rate = "0.20"', 'ceiling_rate = "20%"'),
     "ceiling_rate（激励累计上限占原封顶线的比例）应为 0 到 1 之间的比例"),
    (("extension_keeps_variable = true", 'extension_keeps_variable = "是"'),
     "extension_keeps_variable（延长缴费期仍计变动待遇等待期）应为 true 或 false（不加引号）"),
    (('exempt = ["新生儿",', 'exempt = ["新生儿", "新生儿",'), "exempt 中的“新生儿”重复"),
    (("history_from = 2021", "history_from = 2027"),
     "history_from（参保年限起算年度）= 2027 不应晚于 start_year（机制起始年度）= 2025"),
    (("start_year = 2025", "start_year = 2027"), "活动年度 2026 早于长效机制起始年度"),
    (("2026 = 400", "2026 = \"四百\""),
     "contributions（居民医保个人缴费标准（年度 = 元））中 2026 = “四百” 无效"),
    (("2026 = 400\n", ""), "[continuity.contributions]（居民医保个人缴费标准）缺少 2026 年度"),
    (('kind = "register"', 'kind = "counts"'), "需要户籍人员参保名册"),
    (("employee_years_count = false", "employee_years_count = false\nreward = 1"),
     "[continuity]中的 reward 不是可用的设置项"),
]  # fmt: skip


@pytest.mark.parametrize(("edit", "message"), CONTINUITY_MISTAKES)
def test_continuity_mistakes_are_named(campaigns, edit, message):
    assert edit[0] in DEMO
    with pytest.raises(CampaignError) as raised:
        load(campaigns, DEMO.replace(*edit))
    assert len(raised.value.problems) == 1, raised.value.problems
    assert message in raised.value.problems[0], raised.value.problems


def test_each_missed_year_paid_back_needs_its_price(campaigns):
    """二(四) read as “each missed year at its own standard” (repair_price = "missed_year"):
    the years that may be paid back, from history_from, need theirs."""
    text = DEMO.replace('repair_price = "repair_year"', 'repair_price = "missed_year"')
    text = text.replace("history_from = 2025", "history_from = 2021")
    text = text.replace("2024 = 400", "2023 = 380\n2024 = 400")
    assert load(campaigns, text).continuity.repair_price == "missed_year"  # 2023-2025 given
    with pytest.raises(CampaignError) as raised:
        load(campaigns, text.replace("2024 = 400\n", ""))
    assert raised.value.problems == [
        "[continuity.contributions]（居民医保个人缴费标准）缺少 2024 年度："
        "补缴修复待遇等待期按此计费，如 2024 = 400"
    ]


def test_every_continuity_mistake_is_named_at_once(campaigns):
    text = DEMO
    edits = [CONTINUITY_MISTAKES[i] for i in (0, 4, 6, 9)]
    for edit, _ in edits:
        text = text.replace(*edit)
    with pytest.raises(CampaignError) as raised:
        load(campaigns, text)
    assert len(raised.value.problems) == len(edits), raised.value.problems
    for _, message in edits:
        assert any(message in line for line in raised.value.problems), message
