"""`canbao province`: check a province campaign file, or run it on a Dask cluster."""

from __future__ import annotations

import argparse
import sys

from flows.text import one_line

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


def add_parser(sub) -> None:
    province = sub.add_parser(
        "province", help="全省汇总：在各工作节点运行各县活动，汇总排名、出具全省报表"
    )
    province.add_argument("province", help="省级活动名称（campaigns/ 下配置文件名，不含 .toml）")
    province.add_argument("--as-of", help="统计截止日期 YYYY-MM-DD（默认今天）")
    province.add_argument(
        "--circular",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="是否出具全省通报（默认按配置的通报周期）",
    )
    province.add_argument(
        "--scheduler",
        help="Dask 调度节点地址，如 tcp://10.0.0.5:8786（默认读 CANBAO_DASK_SCHEDULER；"
        "都未设置时在本机启动2个工作进程）",
    )
    province.add_argument("--check", action="store_true", help="只检查配置文件，不运行")


def fail(message: str, code: int) -> int:
    for line in message.splitlines() or [""]:
        print(f"错误：{line}", file=sys.stderr)
    return code


def main(args, settings) -> int:
    from datetime import date

    from flows.config import CampaignError
    from flows.province_config import load_province

    try:
        province = load_province(args.province, settings)
        as_of = date.fromisoformat(args.as_of) if args.as_of else None
    except CampaignError as exc:
        print(f"{args.province}：发现 {len(exc.problems)} 个问题，请修改后再运行", flush=True)
        return fail(str(exc), EXIT_USAGE)
    except ValueError:
        return fail(f"日期格式应为 YYYY-MM-DD：{args.as_of}", EXIT_USAGE)
    if args.check:
        counties, cities = len(province.counties), len(province.cities)
        print(f"{province.title}：{counties} 个县（市、区），{cities} 个设区市")
        for city in province.cities:
            names = "、".join(c.county for c in province.counties if c.city == city)
            print(f"  {city}：{names}")
        print(f"汇总结果目录：{province.store}")
        return EXIT_OK

    from flows.cli import prefect_api
    from flows.outputs import percent
    from flows.province import province_flow

    with prefect_api(settings):
        try:
            summary = province_flow(args.scheduler)(province.name, as_of, circular=args.circular)
        except Exception as exc:
            return fail(f"运行失败：{one_line(str(exc))}", EXIT_PARTIAL)
    row = summary.province_row
    print(
        f"{province.province}：截至{summary.as_of.month}月{summary.as_of.day}日，"
        f"已汇总 {row.get('counties_done')}/{row.get('counties')} 个县（市、区），"
        f"参保 {row.get('enrolled') or 0} 人，参保率 {percent(row.get('rate'))}。"
    )
    print(f"本次运行 {len(summary.ran)} 个县，输入未变沿用结果 {len(summary.skipped)} 个县")
    print(f"结果：{summary.out_dir}")
    if summary.doc_number:
        print(f"通报：{summary.doc_number}")
    by_campaign = {c.campaign: c for c in province.counties}
    for campaign, reason in summary.missing.items():
        county = by_campaign[campaign]
        fail(f"{county.city}{county.county}（{campaign}）：{reason}", EXIT_PARTIAL)
    return EXIT_PARTIAL if summary.missing else EXIT_OK
