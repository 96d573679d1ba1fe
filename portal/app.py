"""The portal: each township fetches its own documents, and no one else's.

Served by `canbao serve` beside the scheduler (uvicorn, 127.0.0.1 by default). Every page
and every file goes through a session check; every file through the access rule of
portal/documents.py, on each request. Forms carry a per-session CSRF token. Downloads of
files with personal data, refusals and runs started are written to the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from flows.outputs import QUALITY_HEADERS
from portal import flow_runs
from portal.accounts import AUDIT_ACTIONS, ROLES, Accounts, Session, User
from portal.documents import (
    OWN_REJECTS,
    Outputs,
    Run,
    read_csv,
    rows_csv,
    township_rejects,
)
from portal.settings import PortalSettings, portal_settings

HERE = Path(__file__).resolve().parent
CAMPAIGN_NAME = re.compile(r"[A-Za-z0-9_-]+")
SESSION_COOKIE = "canbao_session"
LOGIN_COOKIE = "canbao_login"  # a signed token for the login form, before there is a session
MAX_FORM_BYTES = 16 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
COLUMN_LABELS = {  # coverage.csv's columns as the 排名表 heads them
    "rank": "排名",
    "township": "乡（镇）",
    "base": "基数",
    "registered": "区域户籍人口数",
    "enrolled_local": "本地参保人数",
    "enrolled_elsewhere": "异地参保人数",
    "enrolled": "参保人数",
    "rate": "参保率",
    "unenrolled": "未参保人数",
    "unenrolled_rate": "未参保率",
    "lapsed": "断缴人数",
    "target": "扩面目标任务",
    "status": "报送状态",
}


class Refused(Exception):
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


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    settings = settings or portal_settings()
    accounts = Accounts(settings.database, settings.limits)
    outputs = Outputs(settings.canbao.out_dir)
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    templates.globals.update(roles=ROLES, actions=AUDIT_ACTIONS, quote=quote)
    app = FastAPI(title="canbao 参保门户", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings, app.state.accounts = settings, accounts

    # ---- plumbing ---------------------------------------------------------------------

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused):
        if exc.status == 401:  # no session, or one that has ended: to the login page
            return RedirectResponse("/login", status_code=303)
        return page(request, "error.html", current(request), status=exc.status, message=exc.message)

    def address(request: Request) -> str:
        return request.client.host if request.client else ""

    def page(request: Request, name: str, session: Session | None, status: int = 200, **context):
        html = templates.get_template(name).render(
            session=session, user=session.user if session else None, **context
        )
        return HTMLResponse(html, status_code=status)

    def secure(request: Request) -> bool:
        return request.url.scheme == "https"  # behind the bureau's HTTPS proxy

    def current(request: Request) -> Session | None:
        session_id = unsign(settings.secret, request.cookies.get(SESSION_COOKIE))
        return accounts.session(session_id) if session_id else None

    def require(request: Request) -> Session:
        session = current(request)
        if session is None:
            raise Refused(401, "请先登录")
        return session

    def require_bureau(request: Request) -> Session:
        session = require(request)
        if session.user.role != "bureau":
            audit("denied", request, session.user, "拒绝", target=request.url.path)
            raise Refused(403, "仅医保局账号可以查看此页面")
        return session

    async def form(request: Request) -> dict[str, str]:
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise Refused(413, "提交的内容过长")
        fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[-1] for key, values in fields.items()}

    def check_csrf(session: Session, fields: dict[str, str]) -> None:
        if not hmac.compare_digest(fields.get("csrf_token", ""), session.csrf_token):
            raise Refused(403, "请求无效（表单已过期或来源不明），请刷新页面后重试")

    def audit(action: str, request: Request, user: User | None, outcome: str, **what) -> None:
        accounts.audit(action, user=user, address=address(request), outcome=outcome, **what)

    @lru_cache(maxsize=32)
    def campaign_config(name: str, stamp: float):
        from flows.config import load_campaign

        return load_campaign(name, settings.canbao)

    def campaign_of(name: str):
        """The campaign's configuration, or None when its file is gone or broken."""
        if not CAMPAIGN_NAME.fullmatch(name):
            return None
        path = settings.canbao.campaigns_dir / f"{name}.toml"
        try:
            return campaign_config(name, path.stat().st_mtime)
        except Exception:
            return None

    def own_names(user: User, campaign: str) -> frozenset[str]:
        """What the account's township or unit is called in the campaign's files."""
        config = campaign_of(campaign)
        if user.role == "township" and config is not None:
            return frozenset({user.township, config.display_name(user.township)})
        return frozenset({user.scope})

    def run_or_404(campaign: str, as_of: str) -> Run:
        run = outputs.run(campaign, as_of)
        if run is None:
            raise Refused(404, "没有这次运行的结果")
        return run

    # ---- logging in and out -------------------------------------------------------------

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request):
        token = secrets.token_urlsafe(24)
        response = page(request, "login.html", None, login_token=token, message="")
        set_cookie(response, request, LOGIN_COOKIE, sign(settings.secret, token), max_age=3600)
        return response

    @app.post("/login")
    async def login(request: Request):
        fields = await form(request)
        token = unsign(settings.secret, request.cookies.get(LOGIN_COOKIE))
        if token is None or not hmac.compare_digest(fields.get("login_token", ""), token):
            raise Refused(403, "请求无效（表单已过期或来源不明），请刷新页面后重试")
        name, password = fields.get("username", "").strip(), fields.get("password", "")
        where = address(request)
        wait = accounts.locked_for(name, where)
        if wait > 0:
            audit("login_locked", request, None, "拒绝", user_name=name)
            minutes = int(wait // 60) + 1
            return page(
                request,
                "login.html",
                None,
                status=429,
                login_token=token,
                message=f"登录失败次数过多，请 {minutes} 分钟后再试",
            )
        user = accounts.authenticate(name, password, where)
        if user is None:
            audit("login_failed", request, None, "密码错误或账号不可用", user_name=name)
            return page(
                request,
                "login.html",
                None,
                status=401,
                login_token=token,
                message="账号或密码错误",
            )
        session = accounts.open_session(user, where)
        audit("login", request, user, "成功")
        response = RedirectResponse("/", status_code=303)
        set_cookie(response, request, SESSION_COOKIE, sign(settings.secret, session.id))
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    def set_cookie(response, request, name: str, value: str, max_age: int | None = None):
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            httponly=True,
            samesite="strict",
            secure=secure(request),
        )

    @app.post("/logout")
    async def logout(request: Request):
        session = require(request)
        check_csrf(session, await form(request))
        accounts.close_session(session.id)
        audit("logout", request, session.user, "成功")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # ---- pages --------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request):
        session = current(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        campaigns = []
        for name in sorted({*outputs.campaigns(), *settings.served}):
            runs = outputs.runs(name)
            config = campaign_of(name)
            if config is None or not (runs or name in settings.served):
                continue
            latest = runs[0] if runs else None
            campaigns.append(
                {
                    "name": name,
                    "title": config.title,
                    "latest": latest,
                    "trend": trend(latest) if latest else [],
                }
            )
        return page(request, "home.html", session, campaigns=campaigns)

    def trend(run: Run) -> list[dict[str, str]]:
        path = run.folder / "trend.csv"
        if not path.is_file():
            return []
        header, rows = read_csv(path)
        return [dict(zip(header, row, strict=False)) for row in rows]

    @app.get("/c/{campaign}", response_class=HTMLResponse)
    def campaign_page(request: Request, campaign: str):
        session = require(request)
        config = campaign_of(campaign)
        runs = outputs.runs(campaign)
        if config is None or not (runs or campaign in settings.served):
            raise Refused(404, "没有这项参保活动的结果")
        latest = runs[0] if runs else None
        header, rows = read_csv(latest.folder / "coverage.csv") if latest else ([], [])
        own = own_names(session.user, campaign)
        labels = {
            **COLUMN_LABELS,
            **{f"target_{lv.key}": f"{lv.label}（{percent(lv.rate)}）" for lv in config.levels},
            **{f"gap_{lv.key}": f"距{lv.label}差额" for lv in config.levels},
            "base": config.base_label or "基数",
        }
        points = trend(latest) if latest else []
        return page(
            request,
            "campaign.html",
            session,
            campaign=campaign,
            config=config,
            run=latest,
            header=[labels.get(h, h) for h in header],
            raw_header=header,
            rows=rows,
            trend=points,
            chart=trend_chart(points),
            documents=latest.readable_by(session.user, own) if latest else [],
            own=own,
            can_run=session.user.role == "bureau" and flow_runs.can_run(campaign),
        )

    @app.get("/c/{campaign}/runs", response_class=HTMLResponse)
    def runs_page(request: Request, campaign: str):
        session = require(request)
        config = campaign_of(campaign)
        runs = outputs.runs(campaign)
        if config is None or not runs:
            raise Refused(404, "没有这项参保活动的结果")
        own = own_names(session.user, campaign)
        listed = [(run, run.readable_by(session.user, own)) for run in runs]
        return page(request, "runs.html", session, campaign=campaign, config=config, runs=listed)

    @app.get("/c/{campaign}/runs/{as_of}/quality", response_class=HTMLResponse)
    def quality_page(request: Request, campaign: str, as_of: str):
        session = require(request)
        config = campaign_of(campaign)
        run = run_or_404(campaign, as_of)
        user = session.user
        own = own_names(user, campaign)
        if user.role == "township":
            header, rows = township_rejects(run, own)
        elif user.role == "bureau":
            header, rows = read_csv(run.folder / "rejects.csv")
        else:
            header, rows = [], []
        return page(
            request,
            "quality.html",
            session,
            campaign=campaign,
            config=config,
            run=run,
            header=[QUALITY_HEADERS.get(h, h) for h in header],
            rows=rows[:500],
            total=len(rows),
            own_rejects=OWN_REJECTS,
            report=next((d for d in run.readable_by(user, own) if d.path == "数据质量.pdf"), None),
        )

    @app.get("/c/{campaign}/runs/{as_of}/files/{path:path}")
    def download(request: Request, campaign: str, as_of: str, path: str):
        session = require(request)
        user = session.user
        run = run_or_404(campaign, as_of)
        if path == OWN_REJECTS:
            if user.role != "township":
                raise Refused(404, "没有这个文件")
            header, rows = township_rejects(run, own_names(user, campaign))
            audit("download", request, user, "成功", campaign=campaign, target=f"{as_of}/{path}")
            return Response(
                rows_csv([QUALITY_HEADERS.get(h, h) for h in header], rows),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": disposition(f"{user.township}问题数据.csv")},
            )
        file = outputs.file(run, path)
        if file is None:
            raise Refused(404, "没有这个文件")
        document = next(d for d in run.documents if d.path == path)
        if not document.readable_by(user, own_names(user, campaign)):
            audit("denied", request, user, "拒绝", campaign=campaign, target=f"{as_of}/{path}")
            raise Refused(403, "无权下载此文件：只能下载本乡镇（本单位）的名单")
        if document.personal:
            audit("download", request, user, "成功", campaign=campaign, target=f"{as_of}/{path}")
        return FileResponse(
            file,
            headers={"Content-Disposition": disposition(Path(path).name)},
        )

    # ---- runs on demand -----------------------------------------------------------------

    @app.post("/c/{campaign}/run")
    async def start_run(request: Request, campaign: str):
        session = require_bureau(request)
        check_csrf(session, await form(request))
        if campaign_of(campaign) is None:
            raise Refused(404, "没有这项参保活动")
        try:
            run_id = flow_runs.start_run(campaign, session.user.name)
        except flow_runs.RunUnavailable as exc:
            audit("run", request, session.user, f"未启动：{exc}", campaign=campaign)
            raise Refused(503, str(exc)) from None
        audit("run", request, session.user, "已启动", campaign=campaign, target=run_id)
        return RedirectResponse(f"/flow-runs/{run_id}", status_code=303)

    @app.get("/flow-runs/{run_id}", response_class=HTMLResponse)
    def flow_run_page(request: Request, run_id: str):
        session = require_bureau(request)
        try:
            progress = flow_runs.progress(run_id)
        except flow_runs.RunUnavailable as exc:
            raise Refused(404, str(exc)) from None
        config = campaign_of(progress.campaign)
        title = config.title if config else ""
        return page(request, "flow_run.html", session, progress=progress, title=title)

    # ---- the audit log ------------------------------------------------------------------

    @app.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request):
        session = require_bureau(request)
        return page(request, "audit.html", session, rows=accounts.audit_rows(limit=500))

    @app.get("/audit.csv")
    def audit_export(request: Request):
        require_bureau(request)
        return Response(
            accounts.audit_csv().encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": disposition("门户审计日志.csv")},
        )

    @app.get("/portal.css")
    def stylesheet():
        return FileResponse(HERE / "templates" / "portal.css", media_type="text/css")

    return app


def disposition(filename: str) -> str:
    """An attachment with its Chinese name (RFC 6266), and a plain one for old clients."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def percent(rate) -> str:
    value = float(rate) * 100
    return f"{value:g}%"


def trend_chart(points: list[dict[str, str]], width: int = 640, height: int = 200) -> dict:
    """The county's rate by run date as an SVG polyline (no script on the page)."""
    values = []
    for point in points:
        try:
            values.append((point["as_of"], float(point["rate"].rstrip("%"))))
        except (KeyError, ValueError):
            continue
    if not values:
        return {}
    top = max(max(v for _, v in values), 1.0) * 1.1
    step = (width - 60) / max(len(values) - 1, 1)
    coords = [
        (40 + i * step, height - 30 - (v / top) * (height - 50)) for i, (_, v) in enumerate(values)
    ]
    return {
        "width": width,
        "height": height,
        "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in coords),
        "dots": [
            {"x": x, "y": y, "label": f"{v:.2f}%", "day": day[5:]}
            for (x, y), (day, v) in zip(coords, values, strict=True)
        ],
    }
