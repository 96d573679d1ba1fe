"""Runs as processes meet them: two at once on one home, and a run that is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import QINGLIU

HOLD_LOCK = """
import sys
from flows import store
from flows.settings import get_settings
with store.run_lock(get_settings(), on_wait=print):
    print("locked", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


def env_of(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "CANBAO_HOME": str(home), **extra}
    env.pop("PREFECT_API_URL", None)
    return env


def hold_the_lock(home: Path) -> subprocess.Popen:
    """Another process running on the home: it holds the run lock until its stdin closes."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK],
        env=env_of(home),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def canbao_run(home: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", QINGLIU, "--as-of", "2024-11-13"],
        env=env_of(home, **extra),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_second_run_waits_for_the_first_then_refuses_in_one_line(tmp_path):
    holder = hold_the_lock(tmp_path)
    try:
        refused = canbao_run(tmp_path, CANBAO_LOCK_WAIT="3")
    finally:
        holder.kill()
        holder.wait()
    output = refused.stdout + refused.stderr
    assert refused.returncode == 1, output
    assert "Traceback" not in output and "lock" not in output.lower(), output
    assert f"另一次运行正在进行（PID {holder.pid}），等待其结束" in refused.stderr
    errors = [line for line in refused.stderr.splitlines() if line.startswith("错误：")]
    assert errors == [
        f"错误：运行失败：另一次运行（PID {holder.pid}）等待 3 秒后仍未结束，"
        "本次未运行；请在其结束后重新运行"
    ], output
    assert not (tmp_path / "data" / "out" / QINGLIU).exists()


def test_a_second_run_goes_ahead_once_the_first_has_finished(tmp_path):
    holder = hold_the_lock(tmp_path)
    log = tmp_path / "run.log"
    try:
        with log.open("w") as errors:
            second = subprocess.Popen(
                [sys.executable, "-m", "flows.cli", "run", QINGLIU, "--as-of", "2024-11-13"],
                env=env_of(tmp_path),
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
        deadline = time.monotonic() + 180
        while f"另一次运行正在进行（PID {holder.pid}），等待其结束" not in log.read_text("utf-8"):
            assert second.poll() is None, log.read_text("utf-8")
            assert time.monotonic() < deadline, "no word of waiting within 180 s"
            time.sleep(0.2)
    finally:
        holder.stdin.close()  # the first run ends
        holder.wait()
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 0, log.read_text("utf-8")
    assert "通报：清医保〔2024〕6号" in output


def processes_of(home: Path) -> list[str]:
    """Command lines of the processes running with CANBAO_HOME = home."""
    marker = f"CANBAO_HOME={home}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:  # ended meanwhile, or not ours to read
            continue
    return found


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_a_killed_run_leaves_no_prefect_server_behind(tmp_path, stop):
    log = tmp_path / "run.log"
    with log.open("w") as output:
        run = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "run", QINGLIU, "--as-of", "2024-11-13"],
            env=env_of(tmp_path),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 180
    while "Beginning flow run" not in log.read_text(encoding="utf-8"):  # mid-run
        assert run.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, "the run did not start within 180 s"
        time.sleep(0.2)
    assert any("uvicorn" in command for command in processes_of(tmp_path))
    run.send_signal(stop)
    run.wait(timeout=60)
    deadline = time.monotonic() + 15
    while processes_of(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert processes_of(tmp_path) == []
    if stop == signal.SIGTERM:
        text = log.read_text(encoding="utf-8")
        assert run.returncode == 1 and "错误：运行已中止" in text, text
