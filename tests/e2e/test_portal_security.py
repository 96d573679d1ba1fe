"""The portal's guards, tried against a real server on 127.0.0.1: wrong passwords, forged
forms, stolen cookies, other townships' lists and path tricks."""

from __future__ import annotations

import dataclasses
import http.client
import time
from urllib.parse import quote, urlsplit

import httpx
import pytest

from portal.accounts import Accounts
from portal.settings import portal_settings
from tests.portal import (
    AS_OF,
    CAMPAIGN,
    PASSWORDS,
    Browserless,
    file_url,
    loopback,
    write_run,
)


@pytest.fixture
def portal(home, monkeypatch):
    """Accounts for the bureau, 桃城镇 and 县财政局, a run's folder, and the portal serving
    them on loopback with short limits (3 wrong passwords, locked for 2 seconds)."""
    monkeypatch.setenv("CANBAO_PORTAL_MAX_FAILURES", "3")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # no scheduler: runs cannot start
    monkeypatch.setenv("CANBAO_PORTAL_LOCKOUT_MINUTES", str(2 / 60))
    settings = portal_settings(home)
    accounts = Accounts(settings.database, settings.limits)
    accounts.add_user("ju", "bureau", PASSWORDS["ju"])
    accounts.add_user("taocheng", "township", PASSWORDS["taocheng"], township="桃城镇")
    accounts.add_user("caizheng", "unit", PASSWORDS["caizheng"], unit="县财政局")
    folder = write_run(home.out_dir)
    with loopback(settings) as url:
        yield url, accounts, folder, settings


def client(url: str) -> Browserless:
    return Browserless(httpx.Client(base_url=url, follow_redirects=False, timeout=30))


def test_wrong_passwords_past_the_limit_are_refused_for_a_while(portal):
    url, accounts, _, _ = portal
    browser = client(url)
    statuses = [browser.login("taocheng", "wrong-password").status_code for _ in range(3)]
    assert statuses == [401, 401, 401]
    locked = browser.login("taocheng")  # the right password, too soon
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.text
    assert "canbao_session" not in locked.cookies
    assert client(url).login("ju").status_code == 303  # another account is not locked
    time.sleep(2.5)
    assert browser.login("taocheng").status_code == 303  # the lock has passed
    actions = [row["action"] for row in accounts.audit_rows()]
    assert actions.count("login_failed") == 3 and actions.count("login_locked") == 1


def test_guessing_across_many_names_is_limited_by_the_address(home, monkeypatch):
    monkeypatch.setenv("CANBAO_PORTAL_MAX_FAILURES_PER_ADDRESS", "8")
    settings = portal_settings(home)
    Accounts(settings.database, settings.limits).add_user("ju", "bureau", PASSWORDS["ju"])
    with loopback(settings) as url:
        browser = client(url)
        for attempt in range(8):  # a bounded loop: the limit, then one more
            assert browser.login(f"guess{attempt}", "wrong-password").status_code == 401
        refused = browser.login("ju")
        assert refused.status_code == 429 and "canbao_session" not in refused.cookies


def test_a_forged_csrf_token_is_refused(portal):
    url, accounts, _, _ = portal
    browser = client(url)
    assert browser.login("ju").status_code == 303
    token = browser.csrf(f"/c/{CAMPAIGN}")
    other = token[:-1] + ("A" if token[-1] != "A" else "B")  # one character off
    forged = browser.client.post(f"/c/{CAMPAIGN}/run", data={"csrf_token": other})
    assert forged.status_code == 403
    assert "请求无效" in forged.text
    missing = browser.client.post("/logout", data={})
    assert missing.status_code == 403
    assert browser.client.get("/").status_code == 200  # still logged in: nothing was done
    assert not [row for row in accounts.audit_rows() if row["action"] in ("run", "logout")]
    # the right token, but no scheduler serves the campaign: said, and logged, not a trace
    unserved = browser.client.post(f"/c/{CAMPAIGN}/run", data={"csrf_token": token})
    assert unserved.status_code == 503 and "未连接调度服务" in unserved.text
    (attempt,) = [row for row in accounts.audit_rows() if row["action"] == "run"]
    assert attempt["outcome"].startswith("未启动") and attempt["user_name"] == "ju"
    # a login form posted without the form's own signed token (another site's form)
    stranger = httpx.Client(base_url=url, follow_redirects=False)
    posted = stranger.post("/login", data={"username": "ju", "password": PASSWORDS["ju"]})
    assert posted.status_code == 403


def test_a_stolen_session_cookie_stops_working_after_logout(portal):
    url, accounts, _, _ = portal
    browser = client(url)
    assert browser.login("taocheng").status_code == 303
    cookie = browser.client.cookies["canbao_session"]
    header = browser.client.get("/login").headers  # every response carries the guards
    assert (
        header["x-frame-options"] == "DENY"
        and "default-src 'none'" in header["content-security-policy"]
    )
    thief = httpx.Client(base_url=url, follow_redirects=False, cookies={"canbao_session": cookie})
    assert thief.get(file_url(quote("随访名单/随访名单_桃城镇.pdf"))).status_code == 200
    logout = browser.client.post("/logout", data={"csrf_token": browser.csrf()})
    assert logout.status_code == 303
    after = thief.get(file_url(quote("随访名单/随访名单_桃城镇.pdf")))
    assert after.status_code == 303 and after.headers["location"] == "/login"
    assert thief.get("/").status_code == 303
    # a cookie whose signature does not match is no session at all
    session_id, signature = cookie.rsplit(".", 1)
    forged = httpx.Client(
        base_url=url, cookies={"canbao_session": f"{session_id}.{signature[::-1]}"}
    )
    assert forged.get("/", follow_redirects=False).status_code == 303
    # disabling an account ends its sessions at once
    other = client(url)
    other.login("caizheng")
    assert other.client.get("/").status_code == 200
    accounts.disable_user("caizheng")
    assert other.client.get("/").status_code == 303
    assert other.login("caizheng").status_code == 401


def test_the_session_cookie_is_httponly_samesite_and_expires_when_idle(home, monkeypatch):
    monkeypatch.setenv("CANBAO_PORTAL_IDLE_MINUTES", str(1 / 60))
    settings = portal_settings(home)
    Accounts(settings.database, settings.limits).add_user("ju", "bureau", PASSWORDS["ju"])
    write_run(home.out_dir)
    with loopback(settings) as url:
        browser = client(url)
        response = browser.login("ju")
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert browser.client.get("/").status_code == 200
        time.sleep(1.5)
        assert browser.client.get("/").status_code == 303  # idle past its time: logged out


def test_a_township_gets_its_own_list_and_403_for_another(portal):
    url, accounts, folder, _ = portal
    browser = client(url)
    browser.login("taocheng")
    own = browser.client.get(file_url(quote("随访名单/随访名单_桃城镇.pdf")))
    assert own.status_code == 200
    assert own.content == (folder / "随访名单" / "随访名单_桃城镇.pdf").read_bytes()
    assert "no-store" in own.headers["cache-control"]
    assert "attachment" in own.headers["content-disposition"]
    assert browser.client.get(file_url(quote("随访名单/随访名单_东平镇.pdf"))).status_code == 403
    for county_wide in ("通报.pdf", "排名表.pdf", "coverage.csv"):
        assert browser.client.get(file_url(quote(county_wide))).status_code == 200
    for bureau_only in ("数据质量.pdf", "rejects.csv", "manifest.json"):
        assert browser.client.get(file_url(quote(bureau_only))).status_code == 403
    unit_list = quote("单位未参保职工名单/未参保职工名单_县财政局.pdf")
    assert browser.client.get(file_url(unit_list)).status_code == 403
    assert browser.client.get("/audit").status_code == 403
    # its own rejected rows, and only those
    page = browser.client.get(f"/c/{CAMPAIGN}/runs/{AS_OF}/quality")
    assert "350525********1234" in page.text and "350525********5678" not in page.text
    rows = browser.client.get(file_url(quote("本乡镇问题数据.csv")))
    assert rows.status_code == 200
    assert "桃城镇" in rows.text and "东平镇" not in rows.text
    # the ranking page lists only what it may download
    ranking = browser.client.get(f"/c/{CAMPAIGN}")
    assert "桃城镇随访名单" in ranking.text and "东平镇随访名单" not in ranking.text
    runs = browser.client.get(f"/c/{CAMPAIGN}/runs").text
    assert "桃城镇随访名单" in runs and "东平镇随访名单" not in runs and "数据质量报告" not in runs

    unit = client(url)
    unit.login("caizheng")
    assert unit.client.get(file_url(unit_list)).status_code == 200
    assert unit.client.get(file_url(quote("随访名单/随访名单_桃城镇.pdf"))).status_code == 403

    log = accounts.audit_rows()
    downloads = [r for r in log if r["action"] == "download"]
    assert {(r["user_name"], r["target"]) for r in downloads} == {
        ("taocheng", f"{AS_OF}/随访名单/随访名单_桃城镇.pdf"),
        ("taocheng", f"{AS_OF}/本乡镇问题数据.csv"),
        ("caizheng", f"{AS_OF}/单位未参保职工名单/未参保职工名单_县财政局.pdf"),
    }  # county-wide documents are not personal: not logged
    assert all(r["address"] == "127.0.0.1" for r in downloads)
    denied = {r["target"] for r in log if r["action"] == "denied"}
    assert f"{AS_OF}/随访名单/随访名单_东平镇.pdf" in denied


def raw_get(url: str, path: str, cookie: str) -> tuple[int, bytes]:
    """A request with its path sent exactly as written (no client tidies the dots)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        connection.putheader("Cookie", f"canbao_session={cookie}")
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_path_tricks_never_return_a_file(portal):
    url, _, folder, settings = portal
    browser = client(url)
    browser.login("ju")  # the bureau may read everything of a run, and nothing else
    cookie = browser.client.cookies["canbao_session"]
    secret = settings.canbao.home / "data" / "portal.secret"
    (folder.parent / "outside.pdf").write_bytes(b"%PDF outside the run")
    secret_link = folder / "随访名单" / "随访名单_介福乡.pdf"
    secret_link.symlink_to(secret)  # a link in the run's folder, under a list's own name
    (folder / "通报.pdf").unlink()
    (folder / "通报.pdf").symlink_to(secret)  # a listed document replaced by a link
    base = f"/c/{CAMPAIGN}/runs/{AS_OF}/files/"
    tricks = [
        "../outside.pdf",
        "../../../../../../etc/passwd",
        "..%2foutside.pdf",
        "%2e%2e/outside.pdf",
        "%2e%2e%2f%2e%2e%2f%2e%2e%2fportal.secret",
        "%252e%252e%252foutside.pdf",
        "..%5coutside.pdf",
        "%2fetc%2fpasswd",
        "//etc/passwd",
        quote("随访名单/../../outside.pdf"),
        quote("随访名单/../../outside.pdf", safe=""),
        "coverage.csv%00.pdf",
        quote("随访名单/随访名单_介福乡.pdf"),
        quote("通报.pdf"),
        ".",
        "",
    ]
    for trick in tricks:
        status, body = raw_get(url, base + trick, cookie)
        assert status == 404, (trick, status)
        assert b"outside the run" not in body and b"root:" not in body
        assert secret.read_bytes() not in body
    for trick in (
        f"/c/{CAMPAIGN}/runs/..%2f{AS_OF}/files/coverage.csv",
        f"/c/..%2f..%2fdata/runs/{AS_OF}/files/portal.secret",
        f"/c/{CAMPAIGN}/runs/{AS_OF}%2f..%2f..%2f/files/coverage.csv",
    ):
        status, body = raw_get(url, trick, cookie)
        assert status == 404, (trick, status)
    # a linked run folder is not a run
    linked = folder.parent / "2023-06-04"
    linked.symlink_to(folder)
    status, _ = raw_get(url, f"/c/{CAMPAIGN}/runs/2023-06-04/files/coverage.csv", cookie)
    assert status == 404
    status, body = raw_get(url, base + "coverage.csv", cookie)
    assert status == 200 and body == (folder / "coverage.csv").read_bytes()


def test_limits_are_settings(home, monkeypatch):
    monkeypatch.setenv("CANBAO_PORTAL_PORT", "8711")
    monkeypatch.setenv("CANBAO_PORTAL_HOST", "0.0.0.0")
    settings = portal_settings(home)
    assert (settings.host, settings.port) == ("0.0.0.0", 8711)
    secret = home.home / "data" / "portal.secret"
    assert secret.stat().st_mode & 0o077 == 0  # the signing key is its owner's alone
    assert portal_settings(home).secret == settings.secret  # kept: sessions survive restarts
    assert dataclasses.asdict(settings.limits)["failures_per_account"] == 5
