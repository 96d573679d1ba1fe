"""`canbao user`: the portal's accounts, managed by the bureau's data officer."""

from __future__ import annotations

import difflib
import getpass
import sys

EXIT_OK, EXIT_USAGE = 0, 2


def add_parser(sub) -> None:
    user = sub.add_parser("user", help="门户账号：开设、停用、重设密码、列出")
    actions = user.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="开设账号（密码在提示后输入两次）")
    add.add_argument("name", help="账号名")
    add.add_argument("--role", required=True, choices=["bureau", "township", "unit"],
                     help="bureau 医保局（全部）、township 乡镇、unit 单位")  # fmt: skip
    add.add_argument("--township", help="乡镇账号的所属乡镇，如 龙津镇")
    add.add_argument("--unit", help="单位账号的所属单位，如 县财政局")
    add.add_argument("--password-stdin", action="store_true",
                     help="从标准输入读取密码（一行），供脚本使用")  # fmt: skip
    disable = actions.add_parser("disable", help="停用账号，其登录会话立即失效")
    disable.add_argument("name")
    password = actions.add_parser("password", help="重设密码，其登录会话立即失效")
    password.add_argument("name")
    password.add_argument("--password-stdin", action="store_true")
    actions.add_parser("list", help="列出账号")


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码（至少 10 个字符）：")
    if getpass.getpass("再输入一次：") != first:
        raise ValueError("两次输入的密码不一致")
    return first


def known_names(settings) -> tuple[set[str], set[str]]:
    """Every township and unit of the campaigns in campaigns/: what an account may speak for."""
    from flows.config import load_campaign

    townships: set[str] = set()
    units: set[str] = set()
    for path in sorted(settings.campaigns_dir.glob("*.toml")):
        try:
            campaign = load_campaign(path.stem, settings)
        except Exception:  # a province file, or a broken one: `canbao check` reports those
            continue
        townships.update(campaign.township_names)
        if campaign.staff is not None:
            units.update(campaign.staff.units)
    return townships, units


def check_scope(kind: str, name: str | None, known: set[str]) -> str | None:
    if name is None or not known or name in known:
        return None
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f"，是否为“{close[0]}”？" if close else ""
    return f"{kind}“{name}”不在任何参保活动的名录中{hint}"


def main(args, settings) -> int:
    from portal.accounts import ROLES, AccountError, Accounts
    from portal.settings import portal_settings

    portal = portal_settings(settings)
    accounts = Accounts(portal.database, portal.limits)
    try:
        if args.action == "add":
            townships, units = known_names(settings)
            problem = check_scope("乡镇", args.township, townships) or check_scope(
                "单位", args.unit, units
            )
            if problem:
                raise AccountError(problem)
            user = accounts.add_user(
                args.name,
                args.role,
                read_password(args.password_stdin),
                township=args.township,
                unit=args.unit,
            )
            scope = "" if user.role == "bureau" else f"·{user.scope}"
            print(f"已开设账号 {user.name}（{user.role_label}{scope}）")
        elif args.action == "disable":
            accounts.disable_user(args.name)
            print(f"已停用账号 {args.name}，其登录会话已失效")
        elif args.action == "password":
            accounts.set_password(args.name, read_password(args.password_stdin))
            print(f"已重设 {args.name} 的密码，其登录会话已失效")
        else:
            for user in accounts.users():
                state = "" if user.active else "（已停用）"
                print(f"{user.name}\t{ROLES[user.role]}\t{user.scope}{state}")
    except (AccountError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK
