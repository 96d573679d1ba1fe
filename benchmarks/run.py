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


def write_roster(path: Path, rows: int, encoding: str, seed: int = 7) -> Path:
    """A 惠民保 roster of ``rows`` people as a township sends it (1% wrong check characters),
    deterministic for a seed."""
    import numpy as np
    import pandas as pd

    from schemas import identity

    rng = np.random.default_rng(seed)
    births = pd.Timestamp("1940-01-01") + pd.to_timedelta(rng.integers(0, 30000, rows), unit="D")
    serial = pd.Series(rng.integers(0, 1000, rows)).map("{:03d}".format)
    ids = identity.with_check_char(pd.Series("350423" + births.strftime("%Y%m%d")) + serial)
    wrong = rng.random(rows) < 0.01
    ids = ids.mask(wrong, ids.str.slice(0, 17) + ids.str.slice(17).map({"0": "1"}).fillna("0"))
    bought = pd.Timestamp("2024-10-15") + pd.to_timedelta(rng.integers(0, 40, rows), unit="D")
    frame = pd.DataFrame(
        {
            "序号": np.arange(1, rows + 1),
            "身份证号": ids,
            "姓名": rng.choice(["张三丰", "李四", "王小明", "陈 七"], rows),
            "乡镇": "龙津镇",
            "村(居)": rng.choice(["城关社区", "东门村", "西门村"], rows),
            "投保日期": bought.strftime("%Y-%m-%d"),
            "缴费方式": rng.choice(["个人缴费", "单位代缴"], rows),
        }
    )
    frame.to_csv(path, index=False, encoding=encoding)
    return path


ENCODINGS = ("utf-8", "gb18030")


def paired_ratio(these: list[float], those: list[float]) -> float:
    """The median of the ratios of times taken side by side, round by round."""
    return statistics.median(a / b for a, b in zip(these, those, strict=True))


def bench_ingest(work: Path, rounds: int = 7) -> None:
    """DuckDB reading 1,000,000 roster rows from CSV against canbao ingesting the same file
    (read + check + load into the database file), UTF-8 and GB18030; and a workbook.

    The four are timed in turn within each round, each into a database file of its own made
    afresh, so that a machine slower for a while slows all four alike: the ratios are taken
    round by round, and their median is reported beside the medians of the times."""
    import duckdb
    import xlsxwriter

    from flows import store
    from flows.config import load_campaign
    from flows.extracts import read_extract
    from flows.ingest import ingest_file
    from flows.settings import get_settings
    from schemas.headers import ROSTER_HEADERS, alias_lookup

    os.environ["CANBAO_HOME"] = str(work / "ingest")
    settings = get_settings()
    campaign = load_campaign("qingliu_2025_puhui", settings)
    rows = 1_000_000
    paths = {e: write_roster(work / f"龙津镇_2024-10-20_{e}.csv", rows, e) for e in ENCODINGS}
    query = "create table t as select * from read_csv(?, all_varchar = true)"

    def duckdb_read(database: Path | None) -> None:
        # DuckDB reads GB18030 only through a downloaded extension: its floor is UTF-8's
        if database is not None:
            database.unlink(missing_ok=True)
        with duckdb.connect(str(database) if database else ":memory:") as reader:
            reader.execute(query, [str(paths["utf-8"])])

    def ingest(encoding: str) -> None:
        settings.database.unlink(missing_ok=True)
        with store.connect(settings) as con, store.transaction(con):
            result = ingest_file(con, campaign, paths[encoding], settings.archive_dir, {})
        assert result.rows_read == rows and result.rows_rejected > 0

    steps = {
        "in memory": lambda: duckdb_read(None),
        "into a database file": lambda: duckdb_read(work / "read.duckdb"),
        **{encoding: (lambda e=encoding: ingest(e)) for encoding in ENCODINGS},
    }
    seconds: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            seconds[name] += timed(step, 1)
    for where in ("in memory", "into a database file"):
        line(f"DuckDB read_csv {rows:,} rows {where}, UTF-8", seconds[where])
    for encoding in ENCODINGS:
        ratios = "; ".join(
            f"{paired_ratio(seconds[encoding], seconds[where]):.2f}x DuckDB's read {where}"
            for where in ("in memory", "into a database file")
        )
        line(f"canbao ingest {rows:,} rows into the database file, {encoding}",
             seconds[encoding], f"{ratios} (median of the rounds' ratios)")  # fmt: skip
    # a workbook: calamine reads it, each cell becomes the text a person sees
    sheet_rows = 100_000
    book_path = work / "roster.xlsx"
    book = xlsxwriter.Workbook(str(book_path), {"constant_memory": True})
    sheet = book.add_worksheet()
    source = write_roster(work / "small.csv", sheet_rows, "utf-8")
    for r, text in enumerate(source.read_text(encoding="utf-8").splitlines()):
        for c, value in enumerate(text.split(",")):
            sheet.write_string(r, c, value)
    book.close()
    lookup = alias_lookup(None, ROSTER_HEADERS)
    seconds = timed(lambda: read_extract(book_path, lookup), 3)
    cells = sheet_rows * 7
    per_million = statistics.median(seconds) / cells * 1e6
    line(f"read a workbook of {sheet_rows:,} rows ({cells:,} cells)", seconds,
         f"{per_million:.2f} s per million cells")  # fmt: skip


def load_delivered(settings, campaign, raw: Path) -> list:
    """The campaign's bases and every file in ``raw``, loaded as a run loads them."""
    from flows import store
    from flows.ingest import discover_extracts, ingest_file, read_base_table
    from flows.results import with_units

    with store.connect(settings) as con:
        store.replace_bases(
            con, campaign.name, with_units(campaign, read_base_table(campaign).bases)
        )
        with store.transaction(con):
            return [
                ingest_file(con, campaign, p, settings.archive_dir, {})
                for p in discover_extracts(raw)
            ]


def bench_render(work: Path) -> None:
    """Each PDF of the Qingliu demo's last date, rendered 5 times in one process."""
    from demo.qingliu import write_demo_extracts
    from flows import pipeline, render
    from flows.config import load_campaign
    from flows.settings import get_settings

    os.environ["CANBAO_HOME"] = str(work / "render")
    settings = get_settings()
    campaign = load_campaign("qingliu_2025_puhui", settings)
    as_of = date(2024, 11, 13)
    raw = settings.raw_dir / campaign.name
    write_demo_extracts(raw, campaign.base_file, start=campaign.window_start, as_of=as_of)
    files = load_delivered(settings, campaign, raw)
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


def bench_county(work: Path) -> None:
    """A county of 1,000,000 registered people (Yongchun's register scaled up, with follow-up
    lists): the nightly run as the scheduler starts it (`canbao run`, Prefect included), on
    the night the registers arrive and on the next night, when nothing changed."""
    from demo.yongchun import write_person_register

    home = work / "county"
    campaign = "yongchun_2023_basic_register"
    reference = ROOT / "data" / "reference" / "yongchun_2023_basic_coverage.csv"
    write_person_register(
        home / "data" / "raw" / campaign, reference, as_of=date(2023, 6, 3),
        scale=1_000_000 / 578_096,
    )  # fmt: skip
    env = {**os.environ, "CANBAO_HOME": str(home)}
    for label, day in (("registers arrive", "2023-06-03"), ("nothing changed", "2023-06-04")):
        args = [PYTHON, "-m", "flows.cli", "run", campaign, "--as-of", day]
        seconds, peak = command(args, env)
        manifest = home / "data" / "out" / campaign / day / "manifest.json"
        steps = json.loads(manifest.read_text(encoding="utf-8"))["step_seconds"]
        shown = ", ".join(f"{step} {value:.1f}" for step, value in steps.items())
        line(f"county of 1,000,000 people, {label}", [seconds], f"peak {peak:.0f} MiB; {shown}")


# a phrase of Fujian's mechanism as the 2026 Yongchun demo words it (57 characters, the longest)
PHRASE = (
    "连续参保5年，已累计提高大病保险限额6000元；12月31日前缴费可再提高3000元，"
    "断缴后再参保需等待3个月"
)


def bench_followup(work: Path) -> None:
    """One township's follow-up list of 2,000 people in 8 villages, rendered 5 times; then
    the same people each with a phrase (Fujian's mechanism) under their line."""
    import pandas as pd
    from pypdf import PdfReader

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
    for label, frame in (("", people), (" with phrases", people.assign(phrase=PHRASE))):
        path = out / "随访名单_达埔镇.pdf"
        seconds = timed(
            lambda f=frame: render_followup_list(
                campaign, date(2023, 6, 3), "达埔镇", f, out, settings
            ),
            5,
        )
        pages = len(PdfReader(path).pages)
        line(f"render 随访名单, 2,000 people{label}", seconds[1:],
             f"first render {seconds[0]:.3f} s; {pages} pages")  # fmt: skip


def bench_followup_all(work: Path) -> None:
    """Every township's 随访名单 of a 1,000,000-person register (Yongchun's scaled up): a full
    re-render on one core and on all of them (cold cache), then the same lists from a warm
    cache (a night when no township sent a new register)."""
    from demo.yongchun import write_person_register
    from flows import pipeline
    from flows.config import load_campaign
    from flows.outputs import followup_dates, followup_lists
    from flows.render import render_followup_lists
    from flows.render.cache import RenderCache
    from flows.settings import get_settings

    os.environ["CANBAO_HOME"] = str(work / "followup_all")
    settings = get_settings()
    campaign = load_campaign("yongchun_2023_basic_register", settings)
    as_of = date(2023, 6, 3)
    raw = settings.raw_dir / campaign.name
    reference = ROOT / "data" / "reference" / "yongchun_2023_basic_coverage.csv"
    write_person_register(raw, reference, as_of=as_of, scale=1_000_000 / 578_096)
    files = load_delivered(settings, campaign, raw)
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


# set from --counties / --people: by default the whole of Fujian
SCALE = {"counties": 84, "people": 42_000_000}


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
    "ingest": bench_ingest,
    "render": bench_render,
    "demo": bench_demo,
    "yongchun": bench_yongchun,
    "county": bench_county,
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
