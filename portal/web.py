"""What every page of the portal stands on: the session behind a request, the CSRF check,
the forms, the audit entry, the campaign a URL names, and the rendered page.

One `Portal` per app (portal/app.py keeps it in ``app.state``); the routes reach it and the
request's session through FastAPI dependencies (`PortalDep`, `SignedIn`, `Bureau`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from portal.accounts import AUDIT_ACTIONS, ROLES, Accounts, Session, User
from portal.documents import Outputs, Run
from portal.settings import PortalSettings

TEMPLATES = Path(__file__).resolve().parent / "templates"
CAMPAIGN_NAME = re.compile(r"[A-Za-z0-9_-]+")
SESSION_COOKIE = "canbao_session"
LOGIN_COOKIE = "canbao_login"  # a signed token for the login form, before there is a session
MAX_FORM_BYTES = 16 * 1024
FORGED = "请求无效（表单已过期或来源不明），请刷新页面后重试"


class Refused(Exception):
    """A request the portal turns down: its status and one Chinese line for the page
    (401 goes to the login page instead)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def sign(secret: bytes, value: str) -> str:
    digest = hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()
    return f"{value}.{digest}"


def unsign(secret: bytes, signed: str | None) -> str | None:
    if not signed or "." not in signed:
        return None
    value, digest = signed.rsplit(".", 1)
    expected = hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()
    return value if hmac.compare_digest(digest, expected) else None


def address(request: Request) -> str:
    """The client's address (the proxy's forwarded one when it came through the proxy)."""
    return request.client.host if request.client else ""


def disposition(filename: str) -> str:
    """An attachment with its Chinese name (RFC 6266), and a plain one for old clients."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


class Portal:
    def __init__(self, settings: PortalSettings) -> None:
        self.settings = settings
        self.accounts = Accounts(settings.database, settings.limits)
        self.outputs = Outputs(settings.canbao.out_dir)
        self.templates = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(roles=ROLES, actions=AUDIT_ACTIONS, quote=quote)
        self._campaign = lru_cache(maxsize=32)(self._load_campaign)

    # ---- pages ------------------------------------------------------------------------

    def page(self, name: str, session: Session | None, status: int = 200, **context):
        html = self.templates.get_template(name).render(
            session=session, user=session.user if session else None, **context
        )
        return HTMLResponse(html, status_code=status)

    # ---- sessions, cookies, forms -------------------------------------------------------

    def current(self, request: Request) -> Session | None:
        session_id = unsign(self.settings.secret, request.cookies.get(SESSION_COOKIE))
        return self.accounts.session(session_id) if session_id else None

    def set_cookie(
        self, response: Response, request: Request, name: str, value: str, max_age=None
    ) -> None:
        response.set_cookie(
            name,
            sign(self.settings.secret, value),
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",  # behind the bureau's HTTPS proxy
        )

    def cookie(self, request: Request, name: str) -> str | None:
        return unsign(self.settings.secret, request.cookies.get(name))

    @staticmethod
    async def form(request: Request) -> dict[str, str]:
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise Refused(413, "提交的内容过长")
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[-1] for key, values in fields.items()}

    @staticmethod
    def check_token(sent: str | None, expected: str | None) -> None:
        if not expected or not hmac.compare_digest(sent or "", expected):
            raise Refused(403, FORGED)

    def audit(self, action: str, request: Request, user: User | None, outcome: str, **what):
        self.accounts.audit(action, user=user, address=address(request), outcome=outcome, **what)

    # ---- what a URL names --------------------------------------------------------------------

    def _load_campaign(self, name: str, stamp: float):
        from flows.config import load_campaign

        return load_campaign(name, self.settings.canbao)

    def campaign(self, name: str):
        """The campaign's configuration, or None when its file is gone or broken."""
        if not CAMPAIGN_NAME.fullmatch(name):
            return None
        path = self.settings.canbao.campaigns_dir / f"{name}.toml"
        try:
            return self._campaign(name, path.stat().st_mtime)
        except Exception:
            return None

    def own_names(self, user: User, campaign: str) -> frozenset[str]:
        """What the account's township or unit is called in the campaign's files."""
        config = self.campaign(campaign)
        if user.role == "township" and config is not None:
            return frozenset({user.township, config.display_name(user.township)})
        return frozenset({user.scope})

    def run(self, campaign: str, as_of: str) -> Run:
        run = self.outputs.run(campaign, as_of)
        if run is None:
            raise Refused(404, "没有这次运行的结果")
        return run


# ---- dependencies of the routes ---------------------------------------------------------------


def portal_of(request: Request) -> Portal:
    return request.app.state.portal


PortalDep = Annotated[Portal, Depends(portal_of)]


def signed_in(request: Request, portal: PortalDep) -> Session:
    session = portal.current(request)
    if session is None:
        raise Refused(401, "请先登录")
    return session


SignedIn = Annotated[Session, Depends(signed_in)]


def bureau(request: Request, portal: PortalDep, session: SignedIn) -> Session:
    if session.user.role != "bureau":
        portal.audit("denied", request, session.user, "拒绝", target=request.url.path)
        raise Refused(403, "仅医保局账号可以查看此页面")
    return session


Bureau = Annotated[Session, Depends(bureau)]
