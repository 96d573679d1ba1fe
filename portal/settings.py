"""The portal's settings: where it listens, its secret, how long sessions live, how many
wrong passwords it takes. Each can be set in the environment, like canbao's paths."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flows.settings import Settings, get_settings
from portal.accounts import Limits


@dataclass(frozen=True)
class PortalSettings:
    canbao: Settings
    host: str
    port: int
    database: Path  # accounts, sessions and the audit log (not the pipeline's database)
    secret: bytes  # signs the session cookie
    limits: Limits
    served: tuple[str, ...] = ()  # the campaigns `canbao serve` schedules (立即运行 for them)

    @property
    def address(self) -> str:
        return f"http://{self.host}:{self.port}"


def _secret(home: Path) -> bytes:
    """CANBAO_PORTAL_SECRET, or a random key made once and kept beside the database (readable
    by its owner only): sessions then survive a restart of the portal."""
    if value := os.environ.get("CANBAO_PORTAL_SECRET"):
        return value.encode()
    path = home / "data" / "portal.secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def portal_settings(canbao: Settings | None = None) -> PortalSettings:
    canbao = canbao or get_settings()
    env = os.environ.get
    return PortalSettings(
        canbao=canbao,
        host=env("CANBAO_PORTAL_HOST", "127.0.0.1"),
        port=int(env("CANBAO_PORTAL_PORT", "8600")),
        database=Path(env("CANBAO_PORTAL_DB", canbao.home / "data" / "portal.duckdb")),
        secret=_secret(canbao.home),
        limits=Limits(
            idle_minutes=float(env("CANBAO_PORTAL_IDLE_MINUTES", "30")),
            max_hours=float(env("CANBAO_PORTAL_SESSION_HOURS", "12")),
            failures_per_account=int(env("CANBAO_PORTAL_MAX_FAILURES", "5")),
            failures_per_address=int(env("CANBAO_PORTAL_MAX_FAILURES_PER_ADDRESS", "20")),
            lockout_minutes=float(env("CANBAO_PORTAL_LOCKOUT_MINUTES", "15")),
        ),
        served=tuple(name for name in env("CANBAO_SERVED", "").split(",") if name),
    )
