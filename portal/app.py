"""The portal: each township fetches its own documents, and no one else's.

Served by `canbao serve` beside the scheduler (uvicorn, 127.0.0.1 by default). Every page
and every file goes through a session check; every file through the access rule of
portal/documents.py, on each request. Forms carry a per-session CSRF token. Downloads of
files with personal data, refusals and runs started are written to the audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from flows.outputs import QUALITY_HEADERS
from flows.render.context import target_levels
from portal import flow_runs
from portal.documents import OWN_REJECTS, Run, read_csv, rows_csv, township_rejects
from portal.settings import PortalSettings, portal_settings
from portal.web import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    TEMPLATES,
    Bureau,
    Portal,
    PortalDep,
    Refused,
    SignedIn,
    address,
    disposition,
    portal_of,
)

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

routes = APIRouter()


def create_app(settings: PortalSettings | None = None) -> FastAPI:
    app = FastAPI(title="canbao 参保门户", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = Portal(settings or portal_settings())

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
        portal = portal_of(request)
        return portal.page(
            "error.html", portal.current(request), status=exc.status, message=exc.message
        )

    app.include_router(routes)
    return app


# ---- logging in and out ------------------------------------------------------------------------


@routes.get("/login", response_class=HTMLResponse)
def login_form(request: Request, portal: PortalDep):
    token = secrets.token_urlsafe(24)
    response = portal.page("login.html", None, login_token=token, message="")
    portal.set_cookie(response, request, LOGIN_COOKIE, token, max_age=3600)
    return response


@routes.post("/login")
async def login(request: Request, portal: PortalDep):
    fields = await portal.form(request)
    token = portal.cookie(request, LOGIN_COOKIE)
    portal.check_token(fields.get("login_token"), token)
    name, password = fields.get("username", "").strip(), fields.get("password", "")
    where = address(request)
    accounts = portal.accounts
    wait = accounts.locked_for(name, where)
    if wait > 0:
        portal.audit("login_locked", request, None, "拒绝", user_name=name)
        message = f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试"
        return portal.page("login.html", None, 429, login_token=token, message=message)
    user = accounts.authenticate(name, password, where)
    if user is None:
        portal.audit("login_failed", request, None, "密码错误或账号不可用", user_name=name)
        return portal.page("login.html", None, 401, login_token=token, message="账号或密码错误")
    session = accounts.open_session(user, where)
    portal.audit("login", request, user, "成功")
    response = RedirectResponse("/", status_code=303)
    portal.set_cookie(response, request, SESSION_COOKIE, session.id)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@routes.post("/logout")
async def logout(request: Request, portal: PortalDep, session: SignedIn):
    portal.check_token((await portal.form(request)).get("csrf_token"), session.csrf_token)
    portal.accounts.close_session(session.id)
    portal.audit("logout", request, session.user, "成功")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# ---- pages -------------------------------------------------------------------------------------


def trend(run: Run | None) -> list[dict[str, str]]:
    """The county's course by run date, as the run's trend.csv gives it."""
    path = run.folder / "trend.csv" if run else None
    if path is None or not path.is_file():
        return []
    header, rows = read_csv(path)
    return [dict(zip(header, row, strict=False)) for row in rows]


@routes.get("/", response_class=HTMLResponse)
def home(request: Request, portal: PortalDep):
    session = portal.current(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    served = portal.settings.served
    campaigns = []
    for name in sorted({*portal.outputs.campaigns(), *served}):
        runs = portal.outputs.runs(name)
        config = portal.campaign(name)
        if config is None or not (runs or name in served):
            continue
        latest = runs[0] if runs else None
        campaigns.append(
            {"name": name, "title": config.title, "latest": latest, "trend": trend(latest)}
        )
    return portal.page("home.html", session, campaigns=campaigns)


@routes.get("/c/{campaign}", response_class=HTMLResponse)
def campaign_page(campaign: str, portal: PortalDep, session: SignedIn):
    config = portal.campaign(campaign)
    runs = portal.outputs.runs(campaign)
    if config is None or not (runs or campaign in portal.settings.served):
        raise Refused(404, "没有这项参保活动的结果")
    latest = runs[0] if runs else None
    header, rows = read_csv(latest.folder / "coverage.csv") if latest else ([], [])
    own = portal.own_names(session.user, campaign)
    labels = {
        **COLUMN_LABELS,
        **{lv["column"]: lv["heading"] for lv in target_levels(config)},
        **{lv["gap_column"]: f"距{lv['label']}差额" for lv in target_levels(config)},
        "base": config.base_label or "基数",
    }
    points = trend(latest)
    return portal.page(
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


@routes.get("/c/{campaign}/runs", response_class=HTMLResponse)
def runs_page(campaign: str, portal: PortalDep, session: SignedIn):
    config = portal.campaign(campaign)
    runs = portal.outputs.runs(campaign)
    if config is None or not runs:
        raise Refused(404, "没有这项参保活动的结果")
    own = portal.own_names(session.user, campaign)
    listed = [(run, run.readable_by(session.user, own)) for run in runs]
    return portal.page("runs.html", session, campaign=campaign, config=config, runs=listed)


@routes.get("/c/{campaign}/runs/{as_of}/quality", response_class=HTMLResponse)
def quality_page(
    campaign: str,
    as_of: str,
    portal: PortalDep,
    session: SignedIn,
):
    run = portal.run(campaign, as_of)
    user = session.user
    own = portal.own_names(user, campaign)
    if user.role == "township":
        header, rows = township_rejects(run, own)
    elif user.role == "bureau":
        header, rows = read_csv(run.folder / "rejects.csv")
    else:
        header, rows = [], []
    return portal.page(
        "quality.html",
        session,
        campaign=campaign,
        config=portal.campaign(campaign),
        run=run,
        header=[QUALITY_HEADERS.get(h, h) for h in header],
        rows=rows[:500],
        total=len(rows),
        own_rejects=OWN_REJECTS,
        report=next((d for d in run.readable_by(user, own) if d.path == "数据质量.pdf"), None),
    )


@routes.get("/c/{campaign}/runs/{as_of}/files/{path:path}")
def download(
    request: Request,
    campaign: str,
    as_of: str,
    path: str,
    portal: PortalDep,
    session: SignedIn,
):
    user = session.user
    run = portal.run(campaign, as_of)
    own = portal.own_names(user, campaign)
    target = f"{as_of}/{path}"
    if path == OWN_REJECTS:
        if user.role != "township":
            raise Refused(404, "没有这个文件")
        header, rows = township_rejects(run, own)
        portal.audit("download", request, user, "成功", campaign=campaign, target=target)
        return Response(
            rows_csv([QUALITY_HEADERS.get(h, h) for h in header], rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": disposition(f"{user.township}问题数据.csv")},
        )
    file = portal.outputs.file(run, path)
    if file is None:
        raise Refused(404, "没有这个文件")
    document = next(d for d in run.documents if d.path == path)
    if not document.readable_by(user, own):
        portal.audit("denied", request, user, "拒绝", campaign=campaign, target=target)
        raise Refused(403, "无权下载此文件：只能下载本乡镇（本单位）的名单")
    if document.personal:
        portal.audit("download", request, user, "成功", campaign=campaign, target=target)
    return FileResponse(file, headers={"Content-Disposition": disposition(Path(path).name)})


# ---- runs on demand ------------------------------------------------------------------------------


@routes.post("/c/{campaign}/run")
async def start_run(
    request: Request,
    campaign: str,
    portal: PortalDep,
    session: Bureau,
):
    portal.check_token((await portal.form(request)).get("csrf_token"), session.csrf_token)
    if portal.campaign(campaign) is None:
        raise Refused(404, "没有这项参保活动")
    try:
        run_id = flow_runs.start_run(campaign, session.user.name)
    except flow_runs.RunUnavailable as exc:
        portal.audit("run", request, session.user, f"未启动：{exc}", campaign=campaign)
        raise Refused(503, str(exc)) from None
    portal.audit("run", request, session.user, "已启动", campaign=campaign, target=run_id)
    return RedirectResponse(f"/flow-runs/{run_id}", status_code=303)


@routes.get("/flow-runs/{run_id}", response_class=HTMLResponse)
def flow_run_page(run_id: str, portal: PortalDep, session: Bureau):
    try:
        progress = flow_runs.progress(run_id)
    except flow_runs.RunUnavailable as exc:
        raise Refused(404, str(exc)) from None
    config = portal.campaign(progress.campaign)
    title = config.title if config else ""
    return portal.page("flow_run.html", session, progress=progress, title=title)


# ---- the audit log -------------------------------------------------------------------------------


@routes.get("/audit", response_class=HTMLResponse)
def audit_page(portal: PortalDep, session: Bureau):
    return portal.page("audit.html", session, rows=portal.accounts.audit_rows(limit=500))


@routes.get("/audit.csv")
def audit_export(portal: PortalDep, session: Bureau):
    return Response(
        portal.accounts.audit_csv().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition("门户审计日志.csv")},
    )


@routes.get("/portal.css")
def stylesheet():
    return FileResponse(TEMPLATES / "portal.css", media_type="text/css")


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
