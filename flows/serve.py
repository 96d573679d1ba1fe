"""Prefect servers that live exactly as long as canbao: the scheduler's for `canbao serve`,
a temporary one for `canbao run`.

Prefect's temporary (ephemeral) server cannot schedule runs, so serving starts a real
one on the loopback interface, keeps its state under data/prefect/, and stops it on exit.
A single run starts the temporary server itself rather than leaving it to Prefect: Prefect
stops its own only at a normal exit, so a killed run left it running. Both servers are
made to end with canbao even when canbao is killed outright (SIGKILL cannot be caught).
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STARTUP_SECONDS = 120
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def die_with(parent: int):
    """For the server's process, before it starts: Linux ends it with SIGTERM when its
    parent, canbao, ends, however canbao ends."""

    def arrange() -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (AttributeError, OSError):  # not Linux: the server is stopped on exit only
            return
        if os.getppid() != parent:  # canbao ended before prctl took effect
            os._exit(1)

    return arrange


@contextmanager
def running(
    command: list[str],
    env: dict[str, str],
    port: int,
    log: Path,
    health: str = "/api/health",
    host: str = "127.0.0.1",
) -> Iterator[str]:
    """``command`` serving HTTP on ``host``:``port`` while the block runs, up once ``health``
    answers; yields its address (http://host:port)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    name = "Prefect 服务" if health == "/api/health" else "门户"
    with log.open("w") as errors:
        server = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,  # Ctrl+C reaches canbao, which stops the server itself
            preexec_fn=die_with(os.getpid()),
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(base + health, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name}未能启动，详见 {log}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def prefect_server(state_dir: Path) -> Iterator[str]:
    """A Prefect server with its scheduler on 127.0.0.1; yields its API URL."""
    state_dir.mkdir(parents=True, exist_ok=True)
    port = int(os.environ.get("CANBAO_PREFECT_PORT") or free_port())
    env = {
        **os.environ,
        "PREFECT_HOME": str(state_dir),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    command = [
        sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
        "--port", str(port), "--no-ui", "--analytics-off",
    ]  # fmt: skip
    with running(command, env, port, state_dir / "server.log") as base:
        yield f"{base}/api"


@contextmanager
def temporary_server(log: Path) -> Iterator[str]:
    """Prefect's temporary server for one run, started as Prefect starts it (uvicorn with
    the ephemeral settings, state in the usual Prefect home); yields its API URL."""
    import prefect

    port = free_port()
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1"}  # fmt: skip
    env.pop("PREFECT_API_URL", None)
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
        "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "error", "--lifespan", "on",
    ]  # fmt: skip
    with running(command, env, port, log) as base:
        yield f"{base}/api"


@contextmanager
def portal_server(settings, api: str, campaign: str) -> Iterator[str]:
    """The portal (portal/app.py) on its address, beside the scheduler of ``campaign`` whose
    API is ``api``; yields its URL."""
    from portal.settings import portal_settings

    portal = portal_settings(settings)
    env = {**os.environ, "PREFECT_API_URL": api, "CANBAO_SERVED": campaign}
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "portal.app:create_app",
        "--host", portal.host, "--port", str(portal.port), "--log-level", "warning",
        "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1", "--no-server-header",
    ]  # fmt: skip
    log = settings.home / "data" / "portal.log"
    with running(command, env, portal.port, log, health="/login", host=portal.host) as base:
        yield base


def portal_address_taken(settings) -> str | None:
    """Why the portal's address cannot be used (another program there would answer for it),
    or None."""
    from portal.settings import portal_settings

    portal = portal_settings(settings)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((portal.host, portal.port))
        except OSError as exc:
            return (
                f"门户无法使用 {portal.host}:{portal.port}（{exc.strerror}）：请用 "
                "CANBAO_PORTAL_HOST / CANBAO_PORTAL_PORT 另选地址，或加 --no-portal"
            )
    return None
