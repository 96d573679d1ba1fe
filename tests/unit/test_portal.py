"""The portal's rules without a server: who may read which file, accounts in a real DuckDB
file, `canbao user`."""

from __future__ import annotations

import io

import duckdb
import pytest

from flows.cli import main
from portal.accounts import AccountError, Accounts, User
from portal.documents import Outputs, classify
from portal.settings import portal_settings
from tests.portal import AS_OF, CAMPAIGN, write_run

BUREAU = User("ju", "bureau", None, None)
TAOCHENG = User("taocheng", "township", "桃城镇", None)
FINANCE = User("caizheng", "unit", None, "县财政局")


@pytest.mark.parametrize(
    ("path", "bureau", "taocheng", "finance", "personal"),
    [
        ("通报.pdf", True, True, True, False),
        ("排名表.png", True, True, True, False),
        ("coverage.csv", True, True, True, False),
        ("随访名单/随访名单_桃城镇.pdf", True, True, False, True),
        ("随访名单/随访名单_桃城镇.xlsx", True, True, False, True),
        ("随访名单/随访名单_东平镇.pdf", True, False, False, True),
        ("单位未参保职工名单/未参保职工名单_县财政局.pdf", True, False, True, True),
        ("单位未参保职工名单/未参保职工名单_县教育局.pdf", True, False, False, True),
        ("数据质量.pdf", True, False, False, True),
        ("排名表.xlsx", True, False, False, True),  # it holds the rejects sheet
        ("rejects.csv", True, False, False, True),
        ("救助对象参保核查名单.pdf", True, False, False, True),
        ("新的输出.pdf", True, False, False, True),  # unknown: the bureau's, and personal
        ("随访名单/../随访名单_桃城镇.pdf", True, False, False, True),
    ],
)
def test_who_may_read_which_file(path, bureau, taocheng, finance, personal):
    document = classify(path)
    assert document.readable_by(BUREAU) is bureau
    assert document.readable_by(TAOCHENG) is taocheng
    assert document.readable_by(FINANCE) is finance
    assert document.personal is personal


def test_a_township_is_known_by_the_short_name_its_county_prints():
    short = classify("随访名单/随访名单_桃城.pdf")
    assert not short.readable_by(TAOCHENG)
    assert short.readable_by(TAOCHENG, frozenset({"桃城"}))
    assert not classify("随访名单/随访名单_东平.pdf").readable_by(TAOCHENG, frozenset({"桃城"}))


def test_only_files_the_manifest_lists_are_served(home):
    folder = write_run(home.out_dir)
    outputs = Outputs(home.out_dir)
    run = outputs.run(CAMPAIGN, AS_OF.isoformat())
    assert run is not None and run.status == "complete"
    assert (
        outputs.file(run, "随访名单/随访名单_桃城镇.pdf")
        == (folder / "随访名单" / "随访名单_桃城镇.pdf").resolve()
    )
    (folder / "随访名单" / "随访名单_介福乡.pdf").write_bytes(b"%PDF not from the run")
    assert outputs.file(run, "随访名单/随访名单_介福乡.pdf") is None
    assert outputs.file(run, "../2023-06-03/coverage.csv") is None
    assert outputs.run(CAMPAIGN, "2023-06-03/..") is None
    assert outputs.run("..", AS_OF.isoformat()) is None
    (folder / "manifest.json").unlink()  # a run still writing is not shown
    assert outputs.runs(CAMPAIGN) == []


def test_accounts_keep_argon2_hashes_and_refuse_what_is_wrong(tmp_path):
    path = tmp_path / "portal.duckdb"
    accounts = Accounts(path)
    accounts.add_user("taocheng", "township", "long-enough-1", township="桃城镇")
    with duckdb.connect(str(path), read_only=True) as con:
        (stored,) = con.execute("select password_hash from portal_users").fetchone()
    assert stored.startswith("$argon2id$") and "long-enough-1" not in stored
    assert accounts.authenticate("taocheng", "long-enough-1", "127.0.0.1") == TAOCHENG
    assert accounts.authenticate("taocheng", "long-enough-2", "127.0.0.1") is None
    assert accounts.authenticate("nobody", "long-enough-1", "127.0.0.1") is None
    for call, message in (
        (lambda: accounts.add_user("taocheng", "bureau", "long-enough-1"), "已存在"),
        (lambda: accounts.add_user("x", "bureau", "short"), "至少 10 个字符"),
        (lambda: accounts.add_user("x", "admin", "long-enough-1"), "角色"),
        (lambda: accounts.add_user("x", "township", "long-enough-1"), "--township"),
        (lambda: accounts.add_user("x y", "bureau", "long-enough-1"), "空格"),
        (lambda: accounts.disable_user("nobody"), "不存在"),
    ):
        with pytest.raises(AccountError, match=message):
            call()
    session = accounts.open_session(TAOCHENG, "127.0.0.1")
    assert accounts.session(session.id).user == TAOCHENG
    accounts.set_password("taocheng", "another-one-1")  # a new password ends the sessions
    assert accounts.session(session.id) is None
    accounts.disable_user("taocheng")
    assert accounts.authenticate("taocheng", "another-one-1", "127.0.0.1") is None
    assert [u.active for u in accounts.users()] == [False]


def test_the_audit_log_exports_for_excel(tmp_path):
    accounts = Accounts(tmp_path / "portal.duckdb")
    accounts.audit(
        "download", user=TAOCHENG, address="10.0.0.7", outcome="成功", campaign=CAMPAIGN,
        target="2023-06-03/随访名单/随访名单_桃城镇.pdf",
    )  # fmt: skip
    accounts.audit("run", user=BUREAU, address="10.0.0.2", outcome="已启动", campaign=CAMPAIGN)
    text = accounts.audit_csv()
    lines = text.lstrip("\ufeff").splitlines()
    assert text.startswith("\ufeff") and lines[0] == "时间,账号,角色,地址,操作,参保活动,对象,结果"
    assert lines[1].split(",")[1:] == [
        "taocheng", "乡镇", "10.0.0.7", "下载含个人信息的文件", CAMPAIGN,
        "2023-06-03/随访名单/随访名单_桃城镇.pdf", "成功",
    ]  # fmt: skip
    assert lines[2].split(",")[4] == "启动运行"


def test_user_add_names_an_unknown_township_and_suggests_one(home, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-1\n"))
    args = ["user", "add", "taocheng", "--role", "township", "--township", "桃城"]
    assert main([*args, "--password-stdin"]) == 2
    assert "错误：乡镇“桃城”不在任何参保活动的名录中，是否为“桃城镇”？" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-1\n"))
    args[-1] = "桃城镇"
    assert main([*args, "--password-stdin"]) == 0
    assert "已开设账号 taocheng（乡镇·桃城镇）" in capsys.readouterr().out
    assert main(["user", "disable", "taocheng"]) == 0
    accounts = Accounts(portal_settings(home).database)
    assert accounts.users() == [User("taocheng", "township", "桃城镇", None, active=False)]
