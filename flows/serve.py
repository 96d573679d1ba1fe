"""`canbao serve`: a local Prefect server with its scheduler, and the campaign's deployment.

Prefect's temporary (ephemeral) server cannot schedule runs, so serving starts a real
one on the loopback interface, keeps its state under data/prefect/, and stops it on exit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def prefect_server(state_dir: Path) -> Iterator[str]:
    """A Prefect server with its scheduler on 127.0.0.1; yields its API URL."""
    state_dir.mkdir(parents=True, exist_ok=True)
    port = int(os.environ.get("CANBAO_PREFECT_PORT") or free_port())
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(state_dir),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port), "--no-ui", "--analytics-off"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(state_dir / "server.log").open("w"),
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Prefect 服务未能启动，详见 {state_dir / 'server.log'}")
            time.sleep(0.5)
        yield api
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
