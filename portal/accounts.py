"""Accounts, sessions, login attempts and the audit log, in the portal's own DuckDB file.

The portal keeps its own file (`data/portal.duckdb`), not the pipeline's: a run holds the
pipeline's database for minutes, and DuckDB lets one process at a time write a file. Every
operation here opens the file, does its work and closes it again, so that `canbao user add`
works while `canbao serve` runs; a moment's lock held by the other process is waited out.

Passwords are hashed with Argon2id (pwdlib). A session is a random id kept here; the
cookie carries it signed (portal/app.py), so logging out or disabling an account
ends it on the server, whatever copies of the cookie exist.
"""

from __future__ import annotations

import csv
import io
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
from pwdlib import PasswordHash

ROLES = {"bureau": "医保局", "township": "乡镇", "unit": "单位"}
LOCK_WAIT_SECONDS = 10.0

SCHEMA = """
create table if not exists portal_users (
    name varchar primary key,
    role varchar not null,
    township varchar,
    unit varchar,
    password_hash varchar not null,
    active boolean not null default true,
    created_at timestamp not null,
    disabled_at timestamp
);
create table if not exists portal_sessions (
    id varchar primary key,
    user_name varchar not null,
    csrf_token varchar not null,
    created_at timestamp not null,
    last_seen timestamp not null,
    address varchar
);
create table if not exists portal_login_failures (
    user_name varchar not null,
    address varchar not null,
    failed_at timestamp not null
);
create table if not exists portal_audit (
    occurred_at timestamp not null,
    user_name varchar,
    role varchar,
    address varchar,
    action varchar not null,
    campaign varchar,
    target varchar,
    outcome varchar not null
);
"""

AUDIT_ACTIONS = {
    "download": "下载含个人信息的文件",
    "denied": "越权访问被拒绝",
    "run": "启动运行",
    "login": "登录",
    "login_failed": "登录失败",
    "login_locked": "登录被暂停",
    "logout": "退出",
}

_hasher = PasswordHash.recommended()  # Argon2id with the library's current parameters
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))  # an unknown name costs a real check too
_local_lock = threading.Lock()


class AccountError(Exception):
    """A mistake in what was asked of the accounts (one Chinese line)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    township: str | None
    unit: str | None
    active: bool = True

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    @property
    def scope(self) -> str:
        """Who the account speaks for, as the portal shows it."""
        return {"bureau": "医保局", "township": self.township, "unit": self.unit}[self.role] or ""


@dataclass(frozen=True)
class Session:
    id: str
    user: User
    csrf_token: str


@dataclass(frozen=True)
class Limits:
    """How long a session lives and how many wrong passwords are taken."""

    idle_minutes: float = 30
    max_hours: float = 12
    failures_per_account: int = 5
    failures_per_address: int = 20
    lockout_minutes: float = 15


class Accounts:
    def __init__(self, path: Path, limits: Limits | None = None) -> None:
        self.path = path
        self.limits = limits or Limits()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The portal's file, open for one operation; another process's moment is waited out."""
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        with _local_lock:
            while True:
                try:
                    con = duckdb.connect(str(self.path))
                    break
                except duckdb.IOException as exc:
                    if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            try:
                con.execute("begin transaction")
                yield con
                con.execute("commit")
            except BaseException:
                con.execute("rollback")
                raise
            finally:
                con.close()

    # ---- accounts -------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        role: str,
        password: str,
        township: str | None = None,
        unit: str | None = None,
    ) -> User:
        name = name.strip()
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            raise AccountError("账号名不能为空，不能含空格，最长 64 个字符")
        if role not in ROLES:
            raise AccountError(f"角色“{role}”无效，应为 {'、'.join(ROLES)}")
        if role == "township" and not township:
            raise AccountError("乡镇账号须指定所属乡镇（--township）")
        if role == "unit" and not unit:
            raise AccountError("单位账号须指定所属单位（--unit）")
        if role != "township":
            township = None
        if role != "unit":
            unit = None
        check_password(password)
        with self._connect() as con:
            if con.execute("select 1 from portal_users where name = ?", [name]).fetchone():
                raise AccountError(f"账号“{name}”已存在")
            con.execute(
                "insert into portal_users (name, role, township, unit, password_hash, active, "
                "created_at) values (?, ?, ?, ?, ?, true, ?)",
                [name, role, township, unit, _hasher.hash(password), _now()],
            )
        return User(name, role, township, unit)

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        with self._connect() as con:
            if not con.execute("select 1 from portal_users where name = ?", [name]).fetchone():
                raise AccountError(f"账号“{name}”不存在")
            con.execute(
                "update portal_users set password_hash = ? where name = ?",
                [_hasher.hash(password), name],
            )
            con.execute("delete from portal_sessions where user_name = ?", [name])

    def disable_user(self, name: str) -> None:
        """The account can no longer log in, and its sessions end at once."""
        with self._connect() as con:
            if not con.execute("select 1 from portal_users where name = ?", [name]).fetchone():
                raise AccountError(f"账号“{name}”不存在")
            con.execute(
                "update portal_users set active = false, disabled_at = ? where name = ?",
                [_now(), name],
            )
            con.execute("delete from portal_sessions where user_name = ?", [name])

    def users(self) -> list[User]:
        with self._connect() as con:
            rows = con.execute(
                "select name, role, township, unit, active from portal_users order by name"
            ).fetchall()
        return [User(*row) for row in rows]

    # ---- logging in -----------------------------------------------------------------

    def locked_for(self, name: str, address: str) -> float:
        """Seconds until this account may try again from this address (0: it may now)."""
        limits = self.limits
        since = _now() - timedelta(minutes=limits.lockout_minutes)
        with self._connect() as con:
            by_name = con.execute(
                "select count(*), min(failed_at) from (select failed_at from portal_login_failures "
                "where user_name = ? and failed_at > ? order by failed_at desc limit ?)",
                [name, since, limits.failures_per_account],
            ).fetchone()
            by_address = con.execute(
                "select count(*), min(failed_at) from (select failed_at from portal_login_failures "
                "where address = ? and failed_at > ? order by failed_at desc limit ?)",
                [address, since, limits.failures_per_address],
            ).fetchone()
        waits = [
            (oldest + timedelta(minutes=limits.lockout_minutes) - _now()).total_seconds()
            for (count, oldest), limit in (
                (by_name, limits.failures_per_account),
                (by_address, limits.failures_per_address),
            )
            if count >= limit
        ]
        return max([0.0, *waits])

    def authenticate(self, name: str, password: str, address: str) -> User | None:
        """The account, if the password is right and the account active; a wrong attempt is
        counted against the name and the address."""
        with self._connect() as con:
            row = con.execute(
                "select name, role, township, unit, active, password_hash from portal_users "
                "where name = ?",
                [name],
            ).fetchone()
        stored = row[5] if row else _DUMMY_HASH
        valid = _hasher.verify(password, stored)
        if row and valid and row[4]:
            with self._connect() as con:
                con.execute("delete from portal_login_failures where user_name = ?", [name])
            return User(*row[:5])
        with self._connect() as con:
            con.execute(
                "insert into portal_login_failures values (?, ?, ?)", [name, address, _now()]
            )
        return None

    # ---- sessions -------------------------------------------------------------------

    def open_session(self, user: User, address: str) -> Session:
        session = Session(secrets.token_urlsafe(32), user, secrets.token_urlsafe(32))
        now = _now()
        with self._connect() as con:
            con.execute(
                "delete from portal_sessions where last_seen < ?",
                [now - timedelta(minutes=self.limits.idle_minutes)],
            )
            con.execute(
                "insert into portal_sessions values (?, ?, ?, ?, ?, ?)",
                [session.id, user.name, session.csrf_token, now, now, address],
            )
        return session

    def session(self, session_id: str) -> Session | None:
        """The session while it lives: not logged out, not idle too long, not too old, its
        account still active. Each use keeps it alive."""
        now = _now()
        with self._connect() as con:
            row = con.execute(
                "select s.id, s.csrf_token, s.created_at, s.last_seen, u.name, u.role, "
                "u.township, u.unit, u.active from portal_sessions s join portal_users u "
                "on u.name = s.user_name where s.id = ?",
                [session_id],
            ).fetchone()
            if row is None:
                return None
            sid, csrf, created, last_seen, *user = row
            expired = now - last_seen > timedelta(minutes=self.limits.idle_minutes) or (
                now - created > timedelta(hours=self.limits.max_hours)
            )
            if expired or not user[4]:
                con.execute("delete from portal_sessions where id = ?", [sid])
                return None
            con.execute("update portal_sessions set last_seen = ? where id = ?", [now, sid])
        return Session(sid, User(*user), csrf)

    def close_session(self, session_id: str) -> None:
        with self._connect() as con:
            con.execute("delete from portal_sessions where id = ?", [session_id])

    # ---- the audit log ----------------------------------------------------------------

    def audit(
        self,
        action: str,
        *,
        user: User | None,
        address: str,
        outcome: str,
        campaign: str | None = None,
        target: str | None = None,
        user_name: str | None = None,
    ) -> None:
        with self._connect() as con:
            con.execute(
                "insert into portal_audit values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    _now(),
                    user.name if user else user_name,
                    user.role if user else None,
                    address,
                    action,
                    campaign,
                    target,
                    outcome,
                ],
            )

    def audit_rows(self, limit: int | None = None) -> list[dict]:
        sql = (
            "select occurred_at, user_name, role, address, action, campaign, target, outcome "
            "from portal_audit order by occurred_at desc, action"
        )
        with self._connect() as con:
            if limit is not None:
                sql += f" limit {int(limit)}"
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def audit_csv(self) -> str:
        """The whole log for Excel: UTF-8 with BOM, Chinese headers, oldest first."""
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["时间", "账号", "角色", "地址", "操作", "参保活动", "对象", "结果"])
        for row in reversed(self.audit_rows()):
            writer.writerow(
                [
                    row["occurred_at"].strftime("%Y-%m-%d %H:%M:%S"),
                    row["user_name"] or "",
                    ROLES.get(row["role"] or "", ""),
                    row["address"] or "",
                    AUDIT_ACTIONS.get(row["action"], row["action"]),
                    row["campaign"] or "",
                    row["target"] or "",
                    row["outcome"],
                ]
            )
        return out.getvalue()


def check_password(password: str) -> None:
    if len(password) < 10:
        raise AccountError("密码至少 10 个字符")


def _now() -> datetime:
    return datetime.now()
