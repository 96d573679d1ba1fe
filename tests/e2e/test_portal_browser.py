"""The portal as officials use it: `canbao serve` on 127.0.0.1 and Debian's chromium, headless,
driven by Playwright. A bureau account starts a run and sees it finish; a township logs in,
sees the ranking, downloads its own follow-up list and is refused another's; the audit log
shows all of it."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest

from demo.yongchun import write_person_register
from tests.conftest import REFERENCE
from tests.portal import free_port

CAMPAIGN = "yongchun_2023_basic_register"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# as the probe of this machine kind starts it: no sandbox as root, no calls home
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PASSWORDS = {"ju": "bureau-secret-1", "taocheng": "taocheng-secret-1"}

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (setup.sh test)"
)


def canbao(*args: str, env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A county's register (a hundredth of Yongchun's), two accounts, and `canbao serve`
    with its portal on a free port; yields (portal address, home)."""
    home = tmp_path_factory.mktemp("portal-home")
    env = {
        **os.environ,
        "CANBAO_HOME": str(home),
        "CANBAO_PORTAL_PORT": str(free_port()),
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",  # a run asked for starts within a second
    }
    env.pop("PREFECT_API_URL", None)
    write_person_register(
        home / "data" / "raw" / CAMPAIGN,
        REFERENCE / "yongchun_2023_basic_coverage.csv",
        as_of=date(2023, 6, 3),
        scale=0.01,
    )
    for name, role, extra in (
        ("ju", "bureau", []),
        ("taocheng", "township", ["--township", "桃城镇"]),
    ):
        added = canbao(
            "user", "add", name, "--role", role, *extra, "--password-stdin",
            env=env, stdin=PASSWORDS[name] + "\n",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
    server = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", CAMPAIGN],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(server.stdout), daemon=True).start()
    deadline = time.monotonic() + 180
    while not any(line.startswith("门户：") for line in lines):
        assert server.poll() is None, "".join(lines)
        assert time.monotonic() < deadline, "the portal did not start:\n" + "".join(lines)
        time.sleep(0.5)
    address = next(line for line in lines if line.startswith("门户：")).split("：", 1)[1]
    try:
        yield address.split("（")[0].strip(), home
    finally:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=60)
    output = "".join(lines)
    assert server.returncode == 0, output
    assert "Traceback" not in output


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def log_in(page, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def state_of(page) -> str:
    """The run's state as the progress page shows it (the page reloads itself meanwhile)."""
    for _ in range(20):
        try:
            return page.locator("#state").inner_text(timeout=5000)
        except Exception:  # caught between two reloads
            page.wait_for_timeout(250)
    raise AssertionError("the progress page did not show a state")


def test_a_township_fetches_its_own_list_and_the_bureau_runs_and_audits(served, browser, tmp_path):
    url, home = served
    out = home / "data" / "out" / CAMPAIGN
    context = browser.new_context(
        accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()

    # the bureau starts a run and sees it finish
    log_in(page, url, "ju")
    page.click(f"a[href='/c/{CAMPAIGN}']")
    assert "尚无运行结果" in page.content()
    page.click("text=立即运行")
    page.wait_for_url(f"{url}/flow-runs/*")
    deadline = time.monotonic() + 300
    while (state := state_of(page)) != "已完成":
        assert state not in ("失败", "异常中止", "已取消"), page.inner_text("main")
        assert time.monotonic() < deadline, f"the run did not finish: {state}"
        page.wait_for_timeout(1000)
    steps = page.locator("ol.steps li").all_inner_texts()
    assert len(steps) == 7 and all(step.endswith("完成") for step in steps), steps
    (run_dir,) = [p for p in out.iterdir() if (p / "manifest.json").is_file()]
    page.click("text=查看最新排名")
    shown = page.locator("table.ranking tbody tr").all_inner_texts()
    with (run_dir / "coverage.csv").open(encoding="utf-8-sig") as handle:
        on_disk = list(csv.reader(handle))[1:]
    assert [row.split("\t") for row in shown] == [[c.strip() for c in r] for r in on_disk]
    page.click("text=退出")
    page.wait_for_url(f"{url}/login")

    # a township logs in, sees the ranking, downloads its own list
    log_in(page, url, "taocheng")
    page.click(f"a[href='/c/{CAMPAIGN}']")
    mine = page.locator("table.ranking tr.mine").inner_text()
    assert mine.split("\t")[1] == "桃城"  # its own row stands out
    screenshots = Path(os.environ.get("CANBAO_SCREENSHOTS", tmp_path))
    page.screenshot(path=str(screenshots / "portal-ranking.png"), full_page=True)
    page.click("text=历次结果和文件")
    links = page.locator("ul.documents a").all_inner_texts()
    assert "桃城随访名单" in links and not any("东平" in link for link in links)
    assert "数据质量报告" not in links
    with page.expect_download() as download_info:
        page.click("text=桃城随访名单 >> nth=0")
    saved = tmp_path / "list.pdf"
    download_info.value.save_as(saved)
    own = run_dir / "随访名单" / "随访名单_桃城.pdf"
    assert saved.read_bytes() == own.read_bytes()
    assert download_info.value.suggested_filename == "随访名单_桃城.pdf"

    # the same browser asking for another township's list by its address
    other = f"{url}/c/{CAMPAIGN}/runs/{run_dir.name}/files/" + quote("随访名单/随访名单_东平.pdf")
    response = page.goto(other)
    assert response.status == 403
    assert "无权下载" in page.inner_text("main")
    page.goto(f"{url}/audit")
    assert "仅医保局账号" in page.inner_text("main")
    page.goto(f"{url}/")
    page.click("text=退出")

    # the audit log shows the download, the refusal and the run
    log_in(page, url, "ju")
    page.click("text=审计日志")
    rows = [row.split("\t") for row in page.locator("table.audit tbody tr").all_inner_texts()]
    what = {(r[1], r[3], r[5]) for r in rows}
    day = run_dir.name
    assert ("taocheng", "下载含个人信息的文件", f"{day}/随访名单/随访名单_桃城.pdf") in what
    assert ("taocheng", "越权访问被拒绝", f"{day}/随访名单/随访名单_东平.pdf") in what
    assert any(r[1] == "ju" and r[3] == "启动运行" and r[6] == "已启动" for r in rows)
    assert all(r[2] == "127.0.0.1" for r in rows)
    exported = page.request.get(f"{url}/audit.csv")
    assert exported.status == 200
    table = list(csv.reader(io.StringIO(exported.text().lstrip("\ufeff"))))
    assert table[0][:5] == ["时间", "账号", "角色", "地址", "操作"]
    assert len(table) - 1 >= len(rows)
    context.close()
