"""`canbao`: run a campaign once, serve its nightly schedule, or run the demo."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from datetime import date, timedelta

from demo import DEFAULT_DEMO, DEMOS
from flows.text import one_line

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


def quiet_prefect() -> None:
    """Prefect settings for a clean console: no telemetry, no noisy shutdown output."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "false")
    os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "ERROR")
    os.environ.setdefault("PREFECT_LOGGING_INTERNAL_LEVEL", "ERROR")


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def _campaign_name(text: str) -> str:
    from flows.config import CampaignError, check_campaign_name

    try:
        return check_campaign_name(text)
    except CampaignError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class ChineseArgumentParser(argparse.ArgumentParser):
    """Command-line mistakes in one Chinese line, exit code 2 like every usage error."""

    def error(self, message: str) -> None:
        self.exit(EXIT_USAGE, f"错误：命令行参数有误（{message}）；用法见 canbao --help\n")


def parser() -> argparse.ArgumentParser:
    p = ChineseArgumentParser(
        prog="canbao", description="参保活动数据处理：入库、校验、统计、出报告"
    )
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="立即运行一次参保活动")
    run.add_argument(
        "campaign", type=_campaign_name, help="参保活动名称（campaigns/ 下配置文件名，不含 .toml）"
    )
    run.add_argument("--as-of", type=_as_of, help="统计截止日期 YYYY-MM-DD（默认今天）")
    run.add_argument(
        "--circular",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="是否出具通报（默认按配置的通报周期）",
    )
    check = sub.add_parser(
        "check", help="检查活动配置、乡镇名录和基数表（不运行），无误时列出任务表"
    )
    check.add_argument(
        "campaign", type=_campaign_name, help="参保活动名称（campaigns/ 下配置文件名，不含 .toml）"
    )
    serve = sub.add_parser(
        "serve", help="按配置的时间表每晚自动运行，并开启门户（乡镇下载本乡镇文件），直到停止"
    )
    serve.add_argument("campaign", type=_campaign_name)
    serve.add_argument(
        "--no-portal", dest="portal", action="store_false", help="只定时运行，不开启门户"
    )
    demo = sub.add_parser("demo", help="生成演示数据并运行（默认：清流县普惠医联保）")
    demo.add_argument("campaign", nargs="?", default=DEFAULT_DEMO, choices=list(DEMOS))
    demo.add_argument("--as-of", type=_as_of, help="统计截止日期（默认为演示数据的日期）")
    from flows.province_cli import add_parser
    from portal.cli import add_parser as add_user_parser

    add_parser(sub)
    add_user_parser(sub)
    return p


def fail(message: str, code: int = EXIT_USAGE) -> int:
    """One Chinese line per problem on stderr, each starting 错误：."""
    for line in message.splitlines() or [""]:
        print(f"错误：{line}", file=sys.stderr)
    return code


def check(campaign_name: str, settings) -> int:
    """Every problem of a campaign file at once (exit 2), or the 任务表 it would produce."""
    from flows.check import check_campaign, format_report

    report = check_campaign(campaign_name, settings)
    if report.problems:
        print(f"{campaign_name}：发现 {len(report.problems)} 个问题，请修改后再运行", flush=True)
        return fail("\n".join(report.problems))
    print("\n".join(format_report(report)))
    return EXIT_OK


def report(summary) -> int:
    from flows.outputs import headline

    print(f"{summary.campaign}：{headline(summary.as_of, summary.county)}。")
    print(f"结果：{summary.out_dir}")
    if summary.doc_number:
        print(f"通报：{summary.doc_number}")
    failed = [f for f in summary.files if f.status == "file_error"]
    for f in failed:  # one line per file: which file, why, and what it means for the run
        error = one_line(f.error or "")
        fail(f"{error}；该文件未计入，其余乡镇已正常统计，本次结果不完整", EXIT_PARTIAL)
    return EXIT_PARTIAL if failed else EXIT_OK


def serve(campaign, settings, portal: bool = True) -> int:
    """Run the campaign on its schedule, with the portal beside it, until stopped (Ctrl+C)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.serve import portal_address_taken, portal_server, prefect_server

    if portal and (taken := portal_address_taken(settings)):
        return fail(taken)
    with (
        prefect_server(settings.home / "data" / "prefect") as api,
        temporary_settings({PREFECT_API_URL: api}),  # Prefect read its settings at import
        portal_server(settings, api, campaign.name)
        if portal
        else contextlib.nullcontext() as portal_url,
    ):
        os.environ["PREFECT_API_URL"] = api  # for the runs' own processes
        from prefect.schedules import Cron

        from flows.pipeline import run_campaign

        print(
            f"{campaign.name}：按 “{campaign.cron}”（{campaign.timezone}）定时运行，"
            f"Prefect 服务 {api.removesuffix('/api')}；按 Ctrl+C 停止",
            flush=True,
        )
        if portal_url:
            print(f"门户：{portal_url}（账号用 canbao user add 开设）", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            # nightly runs report the day that has just ended
            run_campaign.serve(
                name=campaign.name,
                schedules=[Cron(campaign.cron, timezone=campaign.timezone)],
                parameters={"campaign_name": campaign.name, "days_back": 1},
                print_starting_message=False,
            )
    print("已停止定时运行")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    quiet_prefect()
    in_main_thread = threading.current_thread() is threading.main_thread()
    if args.command not in ("check", "user") and in_main_thread:
        stop_on_sigterm()
    from flows.config import CampaignError, load_campaign
    from flows.ingest import read_base_table
    from flows.settings import get_settings

    settings = get_settings()
    if args.command == "province":
        from flows.province_cli import main as province_main

        return province_main(args, settings)
    if args.command == "user":
        from portal.cli import main as user_main

        return user_main(args, settings)
    campaign_name = args.campaign
    if args.command == "check":
        return check(campaign_name, settings)
    try:
        campaign = load_campaign(campaign_name, settings)
        read_base_table(campaign)  # a broken base table is the official's to fix: say so now
    except CampaignError as exc:
        return fail(str(exc))

    if args.command == "demo":
        demo = DEMOS[campaign.name]
        args.as_of = args.as_of or demo.as_of
        written = demo.write(campaign, settings.raw_dir / campaign.name, args.as_of)
        print(f"演示数据：{len(written)} 个乡镇报送文件已写入 {settings.raw_dir / campaign.name}")

    if args.command == "serve":
        return serve(campaign, settings, args.portal)

    from flows.pipeline import run_campaign

    if args.command == "demo" and DEMOS[campaign.name].replay_cadence:
        # the campaign so far: every circular its cadence called for, then the as-of date
        dates = [
            day
            for offset in range((args.as_of - campaign.window_start).days + 1)
            if campaign.is_circular_day(day := campaign.window_start + timedelta(days=offset))
        ]
        dates = [*dict.fromkeys([*dates, args.as_of])]
        circular = None
    else:
        # a one-date demo shows its circular too; otherwise the cadence or --circular decides
        dates = [args.as_of]
        circular = True if args.command == "demo" else args.circular
    code = EXIT_OK
    try:
        with prefect_api(settings):
            for as_of in dates:
                try:
                    summary = run_campaign(campaign.name, as_of, circular=circular)
                except Exception as exc:  # the flow has logged the details already
                    if STOP_REQUESTED:  # a SIGTERM that DuckDB turned into "Query interrupted"
                        raise KeyboardInterrupt from exc
                    return fail(f"运行失败：{one_line(str(exc))}", EXIT_PARTIAL)
                code = max(code, report(summary))
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM: the run's loads are rolled back
        return fail("运行已中止，本次结果不完整", EXIT_PARTIAL)
    return code


@contextlib.contextmanager
def prefect_api(settings):
    """Prefect's API for the runs of this command: the one configured (PREFECT_API_URL), or
    a temporary server that ends with canbao, however canbao ends."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.serve import temporary_server

    if PREFECT_API_URL.value():  # from the environment or the Prefect profile
        yield
        return
    with (
        temporary_server(settings.home / "data" / "prefect" / "run-server.log") as api,
        temporary_settings({PREFECT_API_URL: api}),  # Prefect read its settings at import
    ):
        try:
            yield
        finally:  # the last logs and events reach the server before it stops
            from prefect.events.worker import EventsWorker
            from prefect.logging.handlers import APILogWorker

            APILogWorker.drain_all(timeout=5)
            EventsWorker.drain_all(timeout=5)


STOP_REQUESTED = False  # set by SIGTERM: whatever the run then fails with, it was stopped


def stop_on_sigterm() -> None:
    """SIGTERM (kill, systemd, a scheduler's timeout) stops canbao as Ctrl+C does, so that
    the Prefect server is stopped, open transactions roll back and the lock is released."""

    def interrupt(signum, frame):
        global STOP_REQUESTED
        STOP_REQUESTED = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    # While a flow runs, Prefect swaps in its own SIGTERM handler, and the exception it raises
    # may surface as another one ("Task run is not set"); note the stop there too, so that a
    # stopped run is reported as stopped, not as failed.
    from prefect.utilities import engine as prefect_engine

    prefect_handler = prefect_engine._prefect_sigterm_handler

    def noted(signum, *args):
        global STOP_REQUESTED
        STOP_REQUESTED = True
        return prefect_handler(signum, *args)

    prefect_engine._prefect_sigterm_handler = noted


if __name__ == "__main__":
    sys.exit(main())
