"""On-demand runs through the Prefect deployment that `canbao serve` keeps, and their progress.

The portal does not run anything itself: it asks Prefect's server (PREFECT_API_URL, set by
`canbao serve`) for a flow run of the campaign's deployment, as `prefect deployment run`
would, and reads back its state and its tasks' states.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

FLOW_NAME = "canbao-campaign"
# the flow's steps in order (flows/pipeline.py), as the progress page names them
STEPS = {
    "read_campaign": "读取活动配置",
    "load_bases": "读取基数表",
    "ingest_extracts": "读取乡镇报送文件并校验",
    "load_lists": "读取单位、救助名单",
    "compute_coverage": "计算参保率和排名",
    "render_pdfs": "生成 PDF 文件",
    "write_tables": "生成表格",
    "score_assessment": "考核评分",
}
STATES = {
    "SCHEDULED": "排队中",
    "PENDING": "准备中",
    "RUNNING": "运行中",
    "COMPLETED": "已完成",
    "FAILED": "失败",
    "CRASHED": "异常中止",
    "CANCELLED": "已取消",
    "CANCELLING": "正在取消",
    "PAUSED": "已暂停",
}


class RunUnavailable(Exception):
    """No Prefect server, or no deployment for the campaign (one Chinese line)."""


@dataclass(frozen=True)
class Step:
    label: str
    state: str


@dataclass(frozen=True)
class Progress:
    id: str
    campaign: str
    state: str  # Prefect's state type, e.g. RUNNING
    state_label: str
    message: str
    started: datetime | None
    ended: datetime | None
    steps: tuple[Step, ...]

    @property
    def final(self) -> bool:
        return self.state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")

    @property
    def done_steps(self) -> int:
        return sum(step.state == "COMPLETED" for step in self.steps)


def deployment_name(campaign: str) -> str:
    return f"{FLOW_NAME}/{campaign}"


def _client():
    if not os.environ.get("PREFECT_API_URL"):
        raise RunUnavailable("未连接调度服务：请用 canbao serve 启动门户")
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def can_run(campaign: str) -> bool:
    """Whether the scheduler serves this campaign (its deployment exists)."""
    try:
        with _client() as client:
            client.read_deployment_by_name(deployment_name(campaign))
        return True
    except Exception:
        return False


def start_run(campaign: str, user: str) -> str:
    """A flow run of the campaign's deployment for today's data; its id."""
    try:
        with _client() as client:
            deployment = client.read_deployment_by_name(deployment_name(campaign))
            run = client.create_flow_run_from_deployment(
                deployment.id,
                parameters={"campaign_name": campaign, "days_back": 0},
                tags=["portal", f"by:{user}"],
            )
    except RunUnavailable:
        raise
    except Exception as exc:
        reason = type(exc).__name__
        raise RunUnavailable(f"无法启动运行：调度服务未提供“{campaign}”（{reason}）") from exc
    return str(run.id)


def progress(flow_run_id: str) -> Progress:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    try:
        run_id = UUID(flow_run_id)
    except ValueError:
        raise RunUnavailable("没有这次运行") from None
    try:
        with _client() as client:
            run = client.read_flow_run(run_id)
            tasks = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
            )
    except RunUnavailable:
        raise
    except Exception as exc:
        raise RunUnavailable(f"无法读取运行状态（{type(exc).__name__}）") from exc
    latest: dict[str, str] = {}  # step -> state of its newest task run
    for task in sorted(tasks, key=lambda t: t.created or datetime.min):
        latest[task.name.rsplit("-", 1)[0]] = task.state_type.value if task.state_type else ""
    steps = tuple(
        Step(label, latest.get(key, "WAITING"))
        for key, label in STEPS.items()
        if key != "score_assessment" or key in latest  # only campaigns with a scorecard
    )
    state = run.state_type.value if run.state_type else "PENDING"
    return Progress(
        id=str(run.id),
        campaign=(run.parameters or {}).get("campaign_name", ""),
        state=state,
        state_label=STATES.get(state, state),
        message=(run.state.message or "") if run.state and state != "COMPLETED" else "",
        started=run.start_time,
        ended=run.end_time,
        steps=steps,
    )
