"""Province campaign files: checked like county files, every mistake named at once."""

from __future__ import annotations

import pytest

from flows.config import CampaignError
from flows.province_config import is_province_file, load_province
from flows.settings import PROJECT_ROOT, get_settings

CAMPAIGNS = PROJECT_ROOT / "campaigns"
PROVINCE = (CAMPAIGNS / "fujian_2025_puhui_province.toml").read_text(encoding="utf-8")


@pytest.fixture
def campaigns(tmp_path, monkeypatch):
    """A campaigns folder with the bundled county files and the example province file."""
    monkeypatch.setenv("CANBAO_HOME", str(tmp_path))
    monkeypatch.setenv("CANBAO_CAMPAIGNS", str(tmp_path))
    for path in CAMPAIGNS.glob("*.toml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_the_example_province_rolls_up_two_county_campaigns(campaigns):
    province = load_province("fujian_2025_puhui_province", get_settings())
    assert [(c.city, c.county, c.campaign) for c in province.counties] == [
        ("三明市", "清流县", "qingliu_2025_puhui"),
        ("龙岩市", "上杭县", "shanghang_2025_puhui"),
    ]
    assert province.kind == "puhui"
    assert province.cities == ("三明市", "龙岩市")
    assert province.store == campaigns / "data" / "province" / "fujian_2025_puhui_province"
    assert is_province_file("fujian_2025_puhui_province", get_settings())
    assert not is_province_file("qingliu_2025_puhui", get_settings())


def test_every_mistake_of_a_province_file_is_named_at_once(campaigns):
    text = (
        PROVINCE.replace(
            'city = "龙岩市"',
            'city = "龙岩市"\n\n[[counties]]\ncampaign = "nowhere"\ncity = "龙岩市"',
        )
        .replace("every_days = 10", "every_days = 0")
        .replace("deadline = 2024-12-31", "deadline = 2024-10-01")
        .replace("[targets]", "[target]")
        + '\n[[counties]]\ncampaign = "qingliu_2025_puhui"\ncity = "三明市"\n'
        + '\n[[counties]]\ncampaign = "yongchun_2023_basic"\ncity = "泉州市"\n'
        + '\n[[counties]]\ncity = "泉州市"\n'
    )
    (campaigns / "p.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load_province("p", get_settings())
    problems = caught.value.problems
    expected = [
        "未知的一节 [target]，是否为 [targets]？",
        "[[counties]] 第6项缺少必填项 campaign（县级活动配置文件名）",
        "[circular] every_days（通报间隔天数）应为正整数，现为 0",
        "[[counties]] 第3项（nowhere）：未找到参保活动“nowhere”的配置文件",
        "[[counties]] 第4项：县级活动“qingliu_2025_puhui”重复出现，每个县只应列一次",
        "各县活动类型不一致，一个省级活动只能汇总同一类活动"
        "（全民参保：永春县；惠民保：清流县、上杭县）",
        "活动截止日期应晚于开始日期",
    ]
    assert len(problems) == len(expected), problems
    for problem, start in zip(problems, expected, strict=True):
        assert problem.startswith(start), (problem, start)


def test_a_county_file_with_mistakes_is_named_with_its_county(campaigns):
    county = (campaigns / "shanghang_2025_puhui.toml").read_text(encoding="utf-8")
    (campaigns / "shanghang_2025_puhui.toml").write_text(
        county.replace('rounding = "half_up"', 'rounding = "up"'), encoding="utf-8"
    )
    with pytest.raises(CampaignError) as caught:
        load_province("fujian_2025_puhui_province", get_settings())
    assert caught.value.problems == [
        "[[counties]] 第2项（shanghang_2025_puhui）：[targets] 取整规则 rounding = “up” 无效，"
        "应为 ceil | half_up | floor"
    ]


def test_a_province_file_without_counties(campaigns):
    text = PROVINCE.split("[[counties]]")[0]
    (campaigns / "p.toml").write_text(text, encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load_province("p", get_settings())
    assert caught.value.problems == [
        "缺少必填项 counties（[[counties]] 一节：纳入汇总的县（市、区））"
    ]
