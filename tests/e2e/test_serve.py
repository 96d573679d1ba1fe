"""`canbao serve` runs the campaign on its cron schedule through a real Prefect server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from flows.settings import PROJECT_ROOT
from tests.conftest import QINGLIU
from tests.portal import free_port


def test_serve_runs_the_campaign_on_its_schedule_and_stops_cleanly(tmp_path):
    campaigns = tmp_path / "campaigns"
    campaigns.mkdir()
    config = (PROJECT_ROOT / "campaigns" / f"{QINGLIU}.toml").read_text(encoding="utf-8")
    assert 'cron = "0 2 * * *"' in config
    (campaigns / f"{QINGLIU}.toml").write_text(
        config.replace('cron = "0 2 * * *"', 'cron = "* * * * *"'), encoding="utf-8"
    )
    env = {
        **os.environ,
        "CANBAO_HOME": str(tmp_path),
        "CANBAO_CAMPAIGNS": str(campaigns),
        "CANBAO_PORTAL_PORT": str(free_port()),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", QINGLIU],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    out = tmp_path / "data" / "out" / QINGLIU
    try:
        deadline = time.monotonic() + 180  # one minute for the cron tick, the rest to start
        while not (out.is_dir() and any(out.glob("*/manifest.json"))):
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "no scheduled run within 180 s"
            time.sleep(2)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert "已停止定时运行" in output
    assert "门户：http://127.0.0.1:" in output  # the portal was served beside the scheduler
    assert "Traceback" not in output
    # the nightly run reports the day that has just ended, in the campaign's time zone
    (run_dir,) = out.iterdir()
    assert run_dir.name < time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))


def test_serve_says_so_when_the_portal_address_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "CANBAO_HOME": str(tmp_path), "CANBAO_PORTAL_PORT": str(port)}
        served = subprocess.run(
            [sys.executable, "-m", "flows.cli", "serve", QINGLIU],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert served.returncode == 2
    assert f"错误：门户无法使用 127.0.0.1:{port}" in served.stderr
    assert "Traceback" not in served.stderr
