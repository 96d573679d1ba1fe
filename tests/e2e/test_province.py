"""A province across machines, scaled down to one: a Dask scheduler and two `dask worker`
processes (as on two machines), a Prefect server, and `canbao province` for 6 synthetic
counties of 60,000 people. Both workers run counties; the ranking is the one computed here
from the generated files; a worker killed (SIGKILL) mid-county leaves that county out of
the roll-up, never half-counted, and the next run completes it, leaving the rest alone."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from demo.province import PROVINCE_NAME, write_province
from flows.settings import PROJECT_ROOT

FIRST, SECOND = date(2024, 11, 20), date(2024, 11, 21)


class Cluster:
    """A Dask scheduler and its workers as separate processes, like on separate machines."""

    def __init__(self, folder: Path, env: dict) -> None:
        self.folder, self.env = folder, env
        self.file = folder / "scheduler.json"
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs = []
        # a killed worker's county fails at once (KilledWorker) instead of being retried
        # on another worker, so that the rerun of the province is what completes it
        scheduler_env = {
            **env,
            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
            "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
        }
        self.scheduler = self._start(
            "scheduler",
            ["scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0",
             "--scheduler-file", str(self.file)],
            scheduler_env,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while not self.file.exists():
            assert time.monotonic() < deadline, "the Dask scheduler did not start"
            time.sleep(0.2)
        self.address = json.loads(self.file.read_text())["address"]

    def _start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 (closed in stop)
        self.logs.append(log)
        dask = Path(sys.executable).with_name("dask")
        return subprocess.Popen([str(dask), *args], env=env, stdout=log, stderr=log)

    def add_worker(self, name: str) -> subprocess.Popen:
        worker = self._start(
            name,
            ["worker", "--scheduler-file", str(self.file), "--name", name, "--nthreads", "1",
             "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
            self.env,
        )  # fmt: skip
        self.processes[name] = worker
        return worker

    def wait_for_workers(self, count: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(count, timeout=120)

    def stop(self) -> None:
        for process in [*self.processes.values(), self.scheduler]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.processes.values(), self.scheduler]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self.logs:
            log.close()


@pytest.fixture
def province(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_server):
    from prefect.settings import PREFECT_API_URL

    truths = write_province(tmp_path / "data", counties=6, people=60_000)
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "CANBAO_HOME": str(tmp_path / "home"),
        "CANBAO_CAMPAIGNS": str(tmp_path / "data" / "campaigns"),
        "CANBAO_RAW": str(tmp_path / "data" / "raw"),
        "PREFECT_API_URL": PREFECT_API_URL.value(),
    }
    cluster = Cluster(tmp_path, env)
    try:
        yield truths, env, cluster, tmp_path / "home" / "data" / "province" / PROVINCE_NAME
    finally:
        cluster.stop()


def canbao_province(env: dict, address: str, as_of: date, **popen) -> subprocess.Popen:
    args = [sys.executable, "-m", "flows.cli", "province", PROVINCE_NAME]
    args += ["--as-of", as_of.isoformat(), "--scheduler", address]
    return subprocess.Popen(
        args, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen
    )


def finish(process: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out.decode(), err.decode()


def expected_ranking(data: Path, truths) -> pd.DataFrame:
    """The county ranking from the generated files themselves: base from each county's base
    table, enrolled = rows of its township rosters (all clean, one person each), the floor
    target rounded up per township; ranked by exact rate, in the province and its city."""
    rows = []
    for truth in truths:
        bases = pd.read_csv(data / "reference" / truth.campaign / "基数表.csv")["base_2025"]
        rosters = (data / "raw" / truth.campaign).glob("*.csv")
        enrolled = sum(len(pd.read_csv(path, dtype=str)) for path in rosters)
        target = sum(math.ceil(base * 20 / 100) for base in bases)
        rows.append((truth.city, truth.county, int(bases.sum()), target, enrolled))
    frame = pd.DataFrame(rows, columns=["city", "county", "base", "target", "enrolled"])
    frame["rate"] = frame["enrolled"] / frame["base"]
    frame = frame.sort_values("rate", ascending=False, kind="stable").reset_index(drop=True)
    frame["rank"] = range(1, len(frame) + 1)
    frame["city_rank"] = frame.groupby("city").cumcount() + 1
    return frame


def read_counties(out_dir: Path) -> pd.DataFrame:
    return pd.read_csv(out_dir / "counties.csv", encoding="utf-8-sig", dtype={"rank": "Int64"})


def results_of(store: Path, as_of: date) -> dict[str, dict]:
    return {
        path.parents[1].name: json.loads(path.read_text(encoding="utf-8"))
        for path in store.glob(f"counties/*/results/{as_of.isoformat()}.json")
    }


def test_a_province_on_two_workers_survives_a_killed_worker(province):
    truths, env, cluster, store = province
    data = Path(env["CANBAO_CAMPAIGNS"]).parent
    workers = {name: cluster.add_worker(name).pid for name in ("w1", "w2")}
    cluster.wait_for_workers(2)
    expected = expected_ranking(data, truths)

    # 1. every county, on both workers; the ranking as computed from the files
    code, out, err = finish(canbao_province(env, cluster.address, FIRST))
    assert code == 0, err[-3000:]
    assert "本次运行 6 个县" in out
    results = results_of(store, FIRST)
    assert len(results) == 6
    assert {r["worker"] for r in results.values()} == {"w1", "w2"}
    assert {(r["worker"], r["pid"]) for r in results.values()} <= set(workers.items())
    counties = read_counties(store / "out" / FIRST.isoformat())
    columns = ["rank", "city", "county", "city_rank", "base", "target", "enrolled"]
    assert counties[columns].astype(str).values.tolist() == (
        expected[columns].astype(str).values.tolist()
    )
    assert (store / "out" / FIRST.isoformat() / "排名表.pdf").stat().st_size > 10_000

    # 2. a worker killed while it runs a county: that county is not counted, the others are
    run = canbao_province(env, cluster.address, SECOND)
    deadline = time.monotonic() + 300
    marker = None
    while marker is None:
        assert time.monotonic() < deadline, "no county started on a worker"
        assert run.poll() is None, finish(run)[2][-3000:]
        for path in store.glob(f"counties/*/results/{SECOND.isoformat()}.started.json"):
            marker = (path, json.loads(path.read_text(encoding="utf-8")))
            break
        time.sleep(0.05)
    path, started = marker
    killed_county = path.parents[1].name
    assert started["pid"] == workers[started["worker"]]
    os.kill(started["pid"], signal.SIGKILL)
    code, out, err = finish(run)
    assert code == 1, err[-3000:]
    results = results_of(store, SECOND)
    assert killed_county not in results
    assert 0 < len(results) < 6
    truth = {t.campaign: t for t in truths}
    killed = truth[killed_county]
    assert (
        f"错误：{killed.city}{killed.county}（{killed_county}）：运行中断（{started['worker']}"
        in err
    )
    counties = read_counties(store / "out" / SECOND.isoformat())
    done = counties[counties["status"] == "已汇总"]
    assert set(done["campaign"]) == set(results)
    assert counties.set_index("campaign").loc[killed_county, "status"] == "未汇总"
    manifest = json.loads(
        (store / "out" / SECOND.isoformat() / "manifest.json").read_text(encoding="utf-8")
    )
    assert manifest["status"] == "partial"
    by_county = expected.set_index("county")
    assert sorted(done["enrolled"]) == sorted(
        by_county.loc[truth[c].county, "enrolled"] for c in results
    )
    cities = pd.read_csv(store / "out" / SECOND.isoformat() / "cities.csv", encoding="utf-8-sig")
    assert cities["enrolled"].sum() == done["enrolled"].sum()

    # 3. the rerun, with a worker in place of the killed one: the missing counties run, the
    # completed ones are left as they were, and the ranking is whole again
    workers["w3"] = cluster.add_worker("w3").pid
    cluster.wait_for_workers(2)
    before = {c: (r["pid"], r["worker"]) for c, r in results.items()}
    code, out, err = finish(canbao_province(env, cluster.address, SECOND))
    assert code == 0, err[-3000:]
    assert f"本次运行 {6 - len(results)} 个县，输入未变沿用结果 {len(results)} 个县" in out
    after = results_of(store, SECOND)
    assert len(after) == 6
    assert {c: (after[c]["pid"], after[c]["worker"]) for c in before} == before
    assert after[killed_county]["worker"] in {"w2", "w3", "w1"} - {started["worker"]}
    counties = read_counties(store / "out" / SECOND.isoformat())
    assert counties[columns].astype(str).values.tolist() == (
        expected[columns].astype(str).values.tolist()
    )
    assert not list(store.glob(f"counties/*/results/{SECOND.isoformat()}.started.json"))
