"""canbao's benchmarks: medians of repeated runs, printed as a table (see README.md)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return seconds


def line(name: str, seconds: list[float], extra: str = "") -> None:
    median = statistics.median(seconds)
    spread = f"{min(seconds):.3f}-{max(seconds):.3f}" if len(seconds) > 1 else ""
    print(f"| {name} | {median:.3f} s | {spread} | {len(seconds)} | {extra} |", flush=True)


def command(args: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB, the largest process) of one command."""
    report = Path(tempfile.mkstemp()[1])
    started = time.perf_counter()
    subprocess.run(
        ["/usr/bin/time", "-f", "%M", "-o", str(report), *args],
        env=env,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    peak_kib = int(report.read_text().split()[-1])
    report.unlink()
    return seconds, peak_kib / 1024


def bench_read(work: Path) -> None:
    import numpy as np
    import pandas as pd

    rows = 1_000_000
    ids = pd.Series(np.arange(rows)).map(
        lambda i: f"350423{19500101 + i % 400000:08d}{i % 1000:03d}X"
    )
    frame = pd.DataFrame(
        {"身份证号": ids, "姓名": "张三丰", "乡镇": "龙津镇", "村(居)": "城关社区",
         "投保日期": "2024-10-16", "缴费方式": "个人缴费"}
    )  # fmt: skip
    utf8, gbk = work / "big_utf8.csv", work / "big_gb18030.csv"
    frame.to_csv(utf8, index=False)
    frame.to_csv(gbk, index=False, encoding="gb18030")
    for path, encoding in ((utf8, "utf-8"), (gbk, "gb18030")):
        seconds = timed(
            lambda p=path, e=encoding: pd.read_csv(p, dtype=str, encoding=e, keep_default_na=False),
            3,
        )
        line(f"read {rows} rows, pandas, {encoding}", seconds)
    try:
        import duckdb
        import duckdb_extension_encodings
    except ImportError:
        print("| read, DuckDB | duckdb-extension-encodings not installed | | | |")
        return
    con = duckdb.connect()
    extension = next(Path(duckdb_extension_encodings.__file__).parent.rglob("*.duckdb_extension"))
    con.execute(f"INSTALL '{extension}'")
    con.execute("LOAD encodings")
    for path, encoding in ((utf8, "utf-8"), (gbk, "gb18030")):
        sql = f"select * from read_csv(?, all_varchar = true, encoding = '{encoding}')"
        try:
            seconds = timed(lambda p=path, q=sql: con.execute(q, [str(p)]).df(), 3)
            line(f"read {rows} rows, DuckDB, {encoding}", seconds)
        except duckdb.Error as exc:
            print(f"| read {rows} rows, DuckDB, {encoding} | failed | | | {str(exc)[:80]} |")


def bench_ingest(work: Path) -> None:
    from demo.qingliu import write_demo_extracts
    from flows import store
    from flows.config import load_campaign
    from flows.ingest import discover_extracts, ingest_file
    from flows.settings import get_settings

    os.environ["CANBAO_HOME"] = str(work / "ingest")
    settings = get_settings()
    campaign = load_campaign("qingliu_2025_puhui", settings)
    raw = settings.raw_dir / campaign.name
    write_demo_extracts(
        raw, campaign.base_file, start=date(2024, 10, 15), as_of=date(2024, 11, 13), scale=38.6,
        delivery_every_days=30,
    )  # fmt: skip
    paths = discover_extracts(raw)

    def ingest_all():
        settings.database.unlink(missing_ok=True)
        with store.connect(settings) as con, store.transaction(con):
            return [ingest_file(con, campaign, p, settings.archive_dir, {}) for p in paths]

    results = []
    seconds = timed(lambda: results.append(ingest_all()), 3)
    rows = sum(r.rows_read for r in results[-1])
    rate = rows / statistics.median(seconds)
    line(f"ingest {rows} rows in {len(paths)} files", seconds, f"{rate:,.0f} rows/s")


def bench_render(work: Path) -> None:
    """Each PDF of the Qingliu demo's last date, rendered 5 times in one process."""
    from demo.qingliu import write_demo_extracts
    from flows import pipeline, render, store
    from flows.config import load_campaign
    from flows.ingest import discover_extracts, ingest_file, read_base_table
    from flows.results import with_units
    from flows.settings import get_settings

    os.environ["CANBAO_HOME"] = str(work / "render")
    settings = get_settings()
    campaign = load_campaign("qingliu_2025_puhui", settings)
    as_of = date(2024, 11, 13)
    raw = settings.raw_dir / campaign.name
    write_demo_extracts(raw, campaign.base_file, start=campaign.window_start, as_of=as_of)
    with store.connect(settings) as con:
        store.replace_bases(
            con, campaign.name, with_units(campaign, read_base_table(campaign).bases)
        )
        with store.transaction(con):
            files = [
                ingest_file(con, campaign, p, settings.archive_dir, {})
                for p in discover_extracts(raw)
            ]
    results = pipeline.compute_coverage.fn(campaign, as_of, files, True, [])
    out_dir = work / "render" / "out"
    durations: dict[str, list[float]] = {}
    render_pdf = render.render_pdf

    def timed_render(renderer, template, context, target, cache=None):
        started = time.perf_counter()
        done = render_pdf(renderer, template, context, target, cache)
        durations.setdefault(target.name, []).append(time.perf_counter() - started)
        return done

    render.render_pdf = timed_render
    try:
        for _ in range(6):  # the first round pays for font loading: left out below
            render.render_documents(campaign, as_of, results, out_dir, settings)  # no cache
    finally:
        render.render_pdf = render_pdf
    for name, seconds in sorted(durations.items()):
        size = (out_dir / name).stat().st_size // 1024
        line(f"render {name}", seconds[1:], f"{size} KiB; first render {seconds[0]:.3f} s")


def bench_demo(work: Path) -> None:
    runs = [
        command(
            [PYTHON, "-m", "flows.cli", "demo"], {**os.environ, "CANBAO_HOME": str(work / f"d{i}")}
        )
        for i in range(3)
    ]
    peak = statistics.median(p for _, p in runs)
    line("canbao demo, fresh (6 runs)", [s for s, _ in runs], f"peak {peak:.0f} MiB")
    again = [
        command(
            [PYTHON, "-m", "flows.cli", "demo"], {**os.environ, "CANBAO_HOME": str(work / "d0")}
        )
    ]
    line(
        "canbao demo, again (nothing new to load)",
        [s for s, _ in again],
        f"peak {again[0][1]:.0f} MiB",
    )


def bench_yongchun(work: Path) -> None:
    from demo.yongchun import write_person_register

    home = work / "yongchun"
    raw = home / "data" / "raw" / "yongchun_2023_basic_register"
    reference = ROOT / "data" / "reference" / "yongchun_2023_basic_coverage.csv"
    write_person_register(raw, reference, as_of=date(2023, 6, 3))
    args = [PYTHON, "-m", "flows.cli", "run", "yongchun_2023_basic_register"]
    args += ["--as-of", "2023-06-03"]
    for label, fresh in (("first run, loads the register", True), ("rerun", False)):
        if fresh:
            (home / "data" / "canbao.duckdb").unlink(missing_ok=True)
        seconds, peak = command(args, {**os.environ, "CANBAO_HOME": str(home)})
        line(f"Yongchun 578,096 people, {label}", [seconds], f"peak {peak:.0f} MiB")
    manifest = home / "data" / "out" / "yongchun_2023_basic_register" / "2023-06-03"
    steps = json.loads((manifest / "manifest.json").read_text(encoding="utf-8"))["step_seconds"]
    print(f"| (rerun steps: {steps}) | | | | |")


def bench_followup(work: Path) -> None:
    """One township's follow-up list of 2,000 people in 8 villages, rendered 5 times."""
    import pandas as pd

    from flows.config import load_campaign
    from flows.render import render_followup_list
    from flows.settings import get_settings

    settings = get_settings()
    campaign = load_campaign("yongchun_2023_basic_register", settings)
    people = pd.DataFrame(
        {
            "village": [f"第{k % 8 + 1}村" for k in range(2000)],
            "id_masked": [f"350525********{k:04d}" for k in range(2000)],
            "name_masked": ["张**"] * 2000,
            "status": ["未参保", "断缴"] * 1000,
            "last_year": ["未缴费", "已缴费"] * 1000,
        }
    ).sort_values("village", kind="stable")
    out = work / "followup"
    seconds = timed(
        lambda: render_followup_list(campaign, date(2023, 6, 3), "达埔镇", people, out, settings),
        5,
    )
    line("render 随访名单, 2,000 people", seconds[1:], f"first render {seconds[0]:.3f} s")


def bench_followup_all(work: Path) -> None:
    """Every township's 随访名单 of a 1,000,000-person register (Yongchun's scaled up): a full
    re-render on one core and on all of them (cold cache), then the same lists from a warm
    cache (a night when no township sent a new register)."""
    from demo.yongchun import write_person_register
    from flows import pipeline, store
    from flows.config import load_campaign
    from flows.ingest import discover_extracts, ingest_file, read_base_table
    from flows.outputs import followup_dates, followup_lists
    from flows.render import render_followup_lists
    from flows.render.cache import RenderCache
    from flows.results import with_units
    from flows.settings import get_settings

    os.environ["CANBAO_HOME"] = str(work / "followup_all")
    settings = get_settings()
    campaign = load_campaign("yongchun_2023_basic_register", settings)
    as_of = date(2023, 6, 3)
    raw = settings.raw_dir / campaign.name
    reference = ROOT / "data" / "reference" / "yongchun_2023_basic_coverage.csv"
    write_person_register(raw, reference, as_of=as_of, scale=1_000_000 / 578_096)
    with store.connect(settings) as con:
        store.replace_bases(
            con, campaign.name, with_units(campaign, read_base_table(campaign).bases)
        )
        with store.transaction(con):
            files = [
                ingest_file(con, campaign, p, settings.archive_dir, {})
                for p in discover_extracts(raw)
            ]
    registered = sum(f.rows_loaded for f in files)
    results = pipeline.compute_coverage.fn(campaign, as_of, files, False, [])
    followup = results.marts["mart_followup"]
    lists = followup_lists(followup, campaign.followup_names)
    dates = followup_dates(followup)
    cache_dir, out = work / "followup_all" / "cache", work / "followup_all" / "out"
    what = f"{len(lists)} lists, {len(followup):,} people of {registered:,}"

    def render_all(workers: int | None, cold: bool) -> None:
        if cold:
            shutil.rmtree(cache_dir, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)  # every target written anew
        cache = RenderCache.open(cache_dir, settings.templates_dir, settings.fonts_dir)
        done = list(
            render_followup_lists(
                campaign, as_of, lists, out, settings, dates=dates, cache=cache, workers=workers
            )
        )
        assert len(done) == len(lists) and all(d.reused is not cold for d in done)

    cores = os.cpu_count() or 1
    for label, workers, cold, repeat in (
        ("cold cache, 1 process", 1, True, 1),
        (f"cold cache, {cores} processes", None, True, 3),
        ("warm cache (nothing changed)", None, False, 5),
    ):
        seconds = timed(lambda w=workers, c=cold: render_all(w, c), repeat)
        rate = len(lists) / statistics.median(seconds)
        line(f"all 随访名单, {label}", seconds, f"{what}; {rate:,.1f} lists/s")


SCALE = {"counties": 84, "people": 42_000_000}  # set from --counties / --people


def bench_province(work: Path) -> None:
    """A synthetic province (demo/province.py) run on a local Dask cluster of a scheduler and
    two worker processes, as on two machines: generation, the province run and its rerun
    (nothing changed: every county skipped), seconds per step, peak memory per process."""
    counties, people = SCALE["counties"], SCALE["people"]
    data, home = work / "province", work / "province-home"
    seconds, peak = command(
        [PYTHON, "-m", "demo.province", str(data), "--counties", str(counties),
         "--people", str(people)],
        {**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    line(f"province: generate {counties} counties, {people:,} people", [seconds],
         f"peak {peak:.0f} MiB (one county at a time)")  # fmt: skip
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CANBAO_HOME": str(home),
        "CANBAO_CAMPAIGNS": str(data / "campaigns"),
        "CANBAO_RAW": str(data / "raw"),
    }
    dask = Path(PYTHON).with_name("dask")
    scheduler_file = work / "scheduler.json"
    processes = [
        subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0",
             "--dashboard-address", ":0", "--scheduler-file", str(scheduler_file)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    try:
        while not scheduler_file.exists():
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for name in ("w1", "w2"):
            processes.append(
                subprocess.Popen(
                    [str(dask), "worker", "--scheduler-file", str(scheduler_file), "--name",
                     name, "--nthreads", "1", "--no-nanny", "--no-dashboard"],
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        from distributed import Client

        with Client(address) as client:
            client.wait_for_workers(2, timeout=120)
            args = [PYTHON, "-m", "flows.cli", "province", "synthetic_2025_puhui_province",
                    "--as-of", "2024-11-20", "--scheduler", address]  # fmt: skip
            for label in ("first run", "rerun, inputs unchanged"):
                seconds, peak = command(args, env)
                line(f"province {counties} counties, {label}", [seconds],
                     f"coordinating process peak {peak:.0f} MiB")  # fmt: skip
                if label == "first run":
                    store = home / "data" / "province" / "synthetic_2025_puhui_province"
                    manifest = json.loads(
                        (store / "out" / "2024-11-20" / "manifest.json").read_text("utf-8")
                    )
                    steps = manifest["step_seconds"]
                    print(f"| (province steps, seconds: {steps}) | | | | |")
                    county_seconds = [c["seconds"] for c in manifest["counties"]]
                    line("one county's flow on a worker", county_seconds,
                         f"{len(county_seconds)} counties")  # fmt: skip

            def peak_mib() -> float:
                import resource

                return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

            names = {a: w["name"] for a, w in client.scheduler_info()["workers"].items()}
            for address, mib in sorted(client.run(peak_mib).items()):
                print(f"| worker {names[address]} | peak {mib:.0f} MiB | | | |")
    finally:
        for process in processes[::-1]:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


BENCHMARKS = {
    "read": bench_read,
    "ingest": bench_ingest,
    "render": bench_render,
    "demo": bench_demo,
    "yongchun": bench_yongchun,
    "followup": bench_followup,
    "followup_all": bench_followup_all,
    "province": bench_province,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[[], *BENCHMARKS], default=[])
    parser.add_argument("--counties", type=int, default=SCALE["counties"], help="province")
    parser.add_argument("--people", type=int, default=SCALE["people"], help="province")
    args = parser.parse_args()
    SCALE.update(counties=args.counties, people=args.people)
    names = args.names or list(BENCHMARKS)
    print("| benchmark | median | range | runs | note |\n| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as work:
        for name in names:
            BENCHMARKS[name](Path(work))


if __name__ == "__main__":
    main()
