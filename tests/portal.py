"""The portal on a real server on 127.0.0.1, and a run's folder to serve."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import uvicorn

from flows.outputs import write_manifest
from flows.serve import free_port
from portal.app import create_app
from portal.settings import PortalSettings

CAMPAIGN = "yongchun_2023_basic_register"
AS_OF = date(2023, 6, 3)
PASSWORDS = {"ju": "bureau-secret-1", "taocheng": "taocheng-secret-1", "caizheng": "caizheng-pw-1"}


@contextmanager
def loopback(settings: PortalSettings) -> Iterator[str]:
    """The portal served by uvicorn on 127.0.0.1 in a thread; yields its address."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "portal did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def write_run(out_dir: Path) -> Path:
    """A run's folder as the flow leaves it: county documents, two townships' follow-up
    lists, a unit's staff list, rejects of two townships, and the manifest naming them."""
    folder = out_dir / CAMPAIGN / AS_OF.isoformat()
    files = {
        "排名表.pdf": b"%PDF-1.7 ranking",
        "通报.pdf": b"%PDF-1.7 circular",
        "数据质量.pdf": b"%PDF-1.7 quality of every township",
        "coverage.csv": "\ufeffrank,township,registered,enrolled,rate,status\n"
        "1,桃城镇,66812,64419,96.42%,已报送\n2,东平镇,19146,18412,96.17%,已报送\n".encode(),
        "trend.csv": "\ufeffas_of,denominator,target,enrolled,rate,time_progress\n"
        "2023-06-03,85958,,82831,96.36%,100.00%\n".encode(),
        "rejects.csv": "\ufefftownship,file,sheet,row,column,value,reason\n"
        "桃城镇,桃城镇.csv,,4,身份证号,350525********1234,身份证号校验位错误\n"
        "东平镇,东平镇.csv,,9,身份证号,350525********5678,同一人重复出现\n".encode(),
        "随访名单/随访名单_桃城镇.pdf": b"%PDF-1.7 taocheng people",
        "随访名单/随访名单_东平镇.pdf": b"%PDF-1.7 dongping people",
        "单位未参保职工名单/未参保职工名单_县财政局.pdf": b"%PDF-1.7 finance staff",
    }
    paths = []
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        paths.append(path)
    write_manifest(
        folder,
        campaign=CAMPAIGN,
        as_of=AS_OF,
        status="complete",
        inputs=[],
        outputs=paths,
        step_seconds={},
        warnings=[],
    )
    return folder


def file_url(path: str) -> str:
    return f"/c/{CAMPAIGN}/runs/{AS_OF.isoformat()}/files/{path}"


@dataclass
class Browserless:
    """A client that logs in through the forms, as a browser would."""

    client: httpx.Client

    def login(self, name: str, password: str | None = None) -> httpx.Response:
        form = self.client.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)[1]
        return self.client.post(
            "/login",
            data={
                "login_token": token,
                "username": name,
                "password": PASSWORDS.get(name, "") if password is None else password,
            },
        )

    def csrf(self, path: str = "/") -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.client.get(path).text)[1]
