"""Campaign files as officials edit them: mistakes come back as one Chinese sentence."""

from __future__ import annotations

import pytest

from flows.cli import main
from flows.config import CampaignError, DocxFonts, load_campaign
from flows.settings import PROJECT_ROOT, get_settings

QINGLIU = (PROJECT_ROOT / "campaigns" / "qingliu_2025_puhui.toml").read_text(encoding="utf-8")


@pytest.fixture
def campaigns(tmp_path, monkeypatch):
    monkeypatch.setenv("CANBAO_HOME", str(tmp_path))
    monkeypatch.setenv("CANBAO_CAMPAIGNS", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (('rounding = "ceil"', 'rounding = "up"'), "取整规则 rounding = “up” 无效"),
        (('total = "sum_of_townships"', 'total = "sum"'), "合计规则 total = “sum” 无效"),
        (('rate = "0.20"', 'rate = "20%"'), "任务档次“目标任务”的比例无效：20%"),
        (('rate = "0.30"', 'rate = "30"'), "任务档次“力争任务”的比例应在 0 到 1 之间：30"),
        (('county_code = "350423"', 'county_code = "999999"'), "没有行政区划代码为 999999 的乡镇"),
        (("deadline = 2024-12-31", "deadline = 2024-10-01"), "活动截止日期应晚于开始日期"),
        (('kind = "puhui"', 'kind = "other"'), "活动类型 kind = “other” 无效"),
        (("[window]", "[windw]"), "缺少必填项 window"),
        (("[campaign]", "[campaign"), "格式有误"),
        (
            ("[office]", '[followup]\nnames = "all"\n\n[office]'),
            "随访名单姓名显示方式.*names = “all” 无效",
        ),
    ],
)
def test_config_mistakes_are_named(campaigns, edit, message):
    (campaigns / "c.toml").write_text(QINGLIU.replace(*edit), encoding="utf-8")
    with pytest.raises(CampaignError, match=message):
        load_campaign("c", get_settings())


def test_a_base_table_that_is_missing_stops_the_cli_with_one_line(campaigns, capsys):
    broken = QINGLIU.replace(
        "data/reference/qingliu_2025_puhui_assignments.csv", "data/reference/nope.csv"
    )
    (campaigns / "c.toml").write_text(broken, encoding="utf-8")
    assert main(["run", "c", "--as-of", "2024-11-13"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("错误：找不到基数表") and "nope.csv" in err[0]


def test_short_names_and_the_circular_cadence(campaigns):
    from datetime import date

    yongchun = (PROJECT_ROOT / "campaigns" / "yongchun_2023_basic.toml").read_text("utf-8")
    (campaigns / "y.toml").write_text(yongchun, encoding="utf-8")
    campaign = load_campaign("y", get_settings())
    assert campaign.township_aliases["桃城"] == "桃城镇"
    assert campaign.display_name("坑仔口镇") == "坑仔口" and campaign.display_name("合计") == "合计"
    # every 5th day of the window, counting its first day as day 1 (2022-09-01)
    assert campaign.is_circular_day(date(2022, 9, 5))
    assert not campaign.is_circular_day(date(2022, 9, 6))
    assert not campaign.is_circular_day(date(2022, 8, 27))


def test_command_line_mistakes_are_one_chinese_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["run", "qingliu_2025_puhui", "--as-of", "2024-13-01"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("错误：命令行参数有误")
    assert "日期格式应为 YYYY-MM-DD：2024-13-01" in err[0]


def test_every_mistake_of_a_campaign_file_is_named_at_once(campaigns):
    broken = (
        QINGLIU.replace('rounding = "ceil"', 'rounding = "up"')
        .replace('rate = "0.30"', 'rate = "30"')
        .replace('key = "stretch"', 'key = "Stretch 2"')
        .replace("deadline = 2024-12-31", "deadline = 2024-10-01")
    )
    (campaigns / "c.toml").write_text(broken, encoding="utf-8")
    with pytest.raises(CampaignError) as raised:
        load_campaign("c", get_settings())
    problems = raised.value.problems
    assert len(problems) == 4, problems
    assert any("取整规则 rounding = “up” 无效" in p for p in problems)
    assert any("比例应在 0 到 1 之间：30" in p for p in problems)
    assert any("key = “Stretch 2” 无效" in p for p in problems)
    assert any("活动截止日期应晚于开始日期" in p for p in problems)


def test_one_level_and_units_that_are_not_townships(campaigns):
    one_level = QINGLIU.split("[[targets.levels]]")
    text = (
        "[[targets.levels]]".join(one_level[:2])
        + (
            '\n[[units]]\nname = "城市社区管委会"\ntype = "管委会"\n'
            '\n[[units]]\nname = "县直单位"\ntype = "县直单位"\n'
            '\n[ranking]\nseparate = ["县直单位"]\n'
        )
        + "[window]"
        + one_level[2].split("[window]", 1)[1]
    )
    (campaigns / "c.toml").write_text(text, encoding="utf-8")
    campaign = load_campaign("c", get_settings())
    assert [level.key for level in campaign.levels] == ["floor"]
    units = {unit.name: unit for unit in campaign.units}
    assert units["城市社区管委会"].rank_group == "乡镇"
    assert units["县直单位"].rank_group == "县直单位"
    assert campaign.rank_groups == ("乡镇", "县直单位")
    assert campaign.township_aliases["县直单位"] == "县直单位"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[[units]]\nname", "[[units]]\nnam"), "[[units]] 第1项缺少必填项 name"),
        (('type = "管委会"', 'type = "园区"'), "单位“工业园区管委会”的类型“园区”无效"),
        (('separate = ["县直单位"]', 'separate = ["单位"]'), "单独排名"),
        (('key = "goal"', 'key = "目标"'), "key = “目标” 无效"),
        (("[office]", '[input]\nkind = "counts"\n\n[office]'), "不适用于惠民保活动"),
    ],
)
def test_unit_and_level_mistakes_are_named(campaigns, edit, message):
    example = (PROJECT_ROOT / "campaigns" / "shanghang_2025_puhui.toml").read_text("utf-8")
    assert edit[0] in example
    (campaigns / "c.toml").write_text(example.replace(*edit, 1), encoding="utf-8")
    with pytest.raises(CampaignError) as raised:
        load_campaign("c", get_settings())
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


def test_followup_names_default_to_the_surname_and_can_be_full(campaigns):
    register = (PROJECT_ROOT / "campaigns" / "yongchun_2023_basic_register.toml").read_text("utf-8")
    assert 'names = "surname"' in register
    (campaigns / "r.toml").write_text(register, encoding="utf-8")
    assert load_campaign("r", get_settings()).followup_names == "surname"
    (campaigns / "f.toml").write_text(
        register.replace('names = "surname"', 'names = "full"'), "utf-8"
    )
    assert load_campaign("f", get_settings()).followup_names == "full"
    (campaigns / "q.toml").write_text(QINGLIU, encoding="utf-8")
    assert load_campaign("q", get_settings()).followup_names == "surname"


@pytest.mark.parametrize("name", ["../campaigns/x", "a/b", "/tmp/x", "x.toml", "a\nb", ""])
def test_campaign_names_are_names_not_paths(campaigns, capsys, name):
    (campaigns / "x.toml").write_text(QINGLIU, encoding="utf-8")
    for command in ("run", "check", "serve"):
        with pytest.raises(SystemExit) as stopped:
            main([command, name])
        assert stopped.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "参保活动名称" in err[0] and "只能包含字母、数字" in err[0], err
    with pytest.raises(CampaignError, match="参保活动名称"):
        load_campaign(name, get_settings())
    assert not (campaigns / "data").exists()


def test_a_file_name_with_a_line_break_is_reported_on_one_line(capsys):
    from datetime import date
    from pathlib import Path

    from flows.cli import report
    from flows.ingest import FileResult
    from flows.pipeline import RunSummary

    broken = FileResult(
        "龙津镇\n_2024-11-13.csv", "0" * 64, "file_error", "龙津镇",
        error="文件 龙津镇\n_2024-11-13.csv 无法读取：不是表格\r",
    )  # fmt: skip
    county = {"enrolled": 0, "rate": 0.0}
    summary = RunSummary("c", date(2024, 11, 13), Path("out"), "partial", [broken], county)
    assert report(summary) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("错误：文件 龙津镇\\n_2024-11-13.csv 无法读取：不是表格\\r；")


def _without(text: str, start: str, end: str, instead: str = "") -> str:
    """``text`` with the part from ``start`` up to ``end`` replaced."""
    head, rest = text.split(start, 1)
    return head + instead + end + rest.split(end, 1)[1]


SCHEMA_MISTAKES = [
    (("every_days = 5", 'every_days = "five"'), "[circular] every_days（通报间隔天数）应为正整数"),
    (("every_days = 5", "every_days = 0"), "every_days（通报间隔天数）应为正整数，现为 0"),
    (("every_days = 5", "every_days = -5"), "every_days（通报间隔天数）应为正整数，现为 -5"),
    (("first_number = 1", "first_number = -3"), "first_number（第一期通报序号）应为正整数"),
    (
        ('township_file = "data/reference/townships.csv"\n', ""),
        "[campaign]缺少必填项 township_file（乡镇名录文件）",
    ),
    (
        ('township_file = "data/reference/townships.csv"', 'township_file = "nope.csv"'),
        "[campaign] township_file（乡镇名录文件）找不到文件",
    ),
    (
        ("deadline = 2024-12-31", "deadline = 2024-12-31T18:00:00"),
        "deadline（截止日期）应为日期（不带时刻），如 2024-12-31，现为 2024-12-31 18:00:00",
    ),
    (
        ("start = 2024-10-15", 'start = "2024-10-15"'),
        "[window] start（开始日期）应为日期，如 2024-12-31（不加引号），现为“2024-10-15”",
    ),
    (
        ('timezone = "Asia/Shanghai"', 'timezone = "Asia/Shangai"'),
        "[schedule] timezone（时区）不是已知的时区",
    ),
    (('cron = "0 2 * * *"', 'cron = "0 2 * *"'), "[schedule] cron（运行时间（cron））不是有效的"),
    (('rounding = "ceil"', 'rouding = "ceil"'), "rouding 不是可用的设置项，是否为 rounding？"),
    (("[window]", "[windw]"), "未知的一节 [windw]，是否为 [window]？"),
    (('rate = "0.20"', "rate = [0.2]"), "rate（比例）应为比例"),
    (("year = 2025", 'year = "2025"'), "[campaign] year（年度）应为整数"),
]  # fmt: skip


def _qingliu_with(edit) -> str:
    if edit == "no office":
        return _without(QINGLIU, "[office]", "[base]")
    if edit == "targets as text":
        return 'targets = "20%"\n' + _without(QINGLIU, "[targets]", "# 乡镇报送")
    if edit == "levels as text":
        return _without(QINGLIU, "[[targets.levels]]", "# 乡镇报送", 'levels = "floor"\n\n')
    assert edit[0] in QINGLIU
    return QINGLIU.replace(*edit)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        *SCHEMA_MISTAKES,
        ("no office", "缺少必填项 office（[office] 一节：发文）"),
        ("targets as text", "[targets]（任务设置）应为一节（表），现为“20%”"),
        ("levels as text", "levels（任务档次）应写成 [[targets.levels]] 表，每项一节，现为“floor”"),
    ],
)  # fmt: skip
def test_a_campaign_file_is_checked_against_its_schema(campaigns, capsys, edit, message):
    (campaigns / "c.toml").write_text(_qingliu_with(edit), encoding="utf-8")
    for command in ("run", "check"):
        assert main([command, "c", *(["--as-of", "2024-11-13"] if command == "run" else [])]) == 2
        captured = capsys.readouterr()
        err = captured.err.strip().splitlines()
        lines = 2 if "windw" in message else 1  # a misspelt section is also a missing one
        assert len(err) == lines and all(line.startswith("错误：") for line in err), err
        assert message in err[0], err
        assert "Traceback" not in captured.out + captured.err


def test_every_schema_mistake_of_a_file_is_named_at_once(campaigns, capsys):
    mistakes = [SCHEMA_MISTAKES[i] for i in (0, 3, 6, 7, 8, 9, 10)]
    broken = QINGLIU
    for edit, _ in mistakes:
        broken = broken.replace(*edit)
    broken = broken.replace('rate = "0.30"', 'rate = "30"')
    (campaigns / "c.toml").write_text(broken, encoding="utf-8")
    assert main(["check", "c"]) == 2
    captured = capsys.readouterr()
    assert captured.out.strip() == "c：发现 8 个问题，请修改后再运行"
    err = captured.err.strip().splitlines()
    assert len(err) == 8 and all(line.startswith("错误：") for line in err), err
    for _, message in mistakes:
        assert any(message in line for line in err), (message, err)
    assert any("任务档次“力争任务”的比例应在 0 到 1 之间：30" in line for line in err)


def test_docx_fonts_default_to_the_faces_offices_have_and_can_be_named(campaigns):
    (campaigns / "c.toml").write_text(QINGLIU, encoding="utf-8")
    assert load_campaign("c", get_settings()).docx_fonts == DocxFonts(
        title="方正小标宋简体", body="仿宋_GB2312", heading="黑体", kai="楷体_GB2312"
    )
    named = '[docx]\ntitle_font = "方正小标宋_GBK"\nbody_font = "仿宋"\n\n[office]'
    (campaigns / "c.toml").write_text(QINGLIU.replace("[office]", named), encoding="utf-8")
    fonts = load_campaign("c", get_settings()).docx_fonts
    assert (fonts.title, fonts.body, fonts.heading) == ("方正小标宋_GBK", "仿宋", "黑体")
    blank = '[docx]\nbody_font = " "\nheading = "黑体"\n\n[office]'
    (campaigns / "c.toml").write_text(QINGLIU.replace("[office]", blank), encoding="utf-8")
    with pytest.raises(CampaignError) as raised:
        load_campaign("c", get_settings())
    assert raised.value.problems == [
        "[docx]中的 heading 不是可用的设置项，是否为 heading_font？",
        "[docx] body_font（正文字体）不能为空",
    ]
