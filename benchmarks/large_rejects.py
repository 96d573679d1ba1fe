"""Large reject lists: seconds to build, mask and write N rejected rows into rejects.csv,
数据质量.xlsx, 排名表.xlsx and 数据质量.pdf. Peak memory: run under /usr/bin/time -v.

    python benchmarks/large_rejects.py 20000
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flows.outputs import (  # noqa: E402
    write_quality_workbook,
    write_ranking_workbook,
    write_rejects_csv,
)
from flows.render import QUALITY_TEMPLATE  # noqa: E402
from flows.render.pdf import get_renderer, write_pdf  # noqa: E402
from flows.render.quality_report import quality_context  # noqa: E402
from flows.settings import get_settings  # noqa: E402
from tests.report.puhui_data import AS_OF  # noqa: E402
from tests.report.rejects_data import many_rejects, results_with_rejects  # noqa: E402


def main(count: int) -> None:
    clock = {}
    started = time.perf_counter()
    results = results_with_rejects(many_rejects(count))
    clock["load and build marts"] = time.perf_counter() - started
    settings = get_settings()
    renderer = get_renderer(Path(settings.templates_dir), Path(settings.fonts_dir))
    with tempfile.TemporaryDirectory() as out:
        out_dir = Path(out)
        steps = {
            "mask rejects": lambda: results.rejects,
            "rejects.csv": lambda: write_rejects_csv(results.campaign, results, out_dir, AS_OF),
            "数据质量.xlsx": lambda: write_quality_workbook(
                results.campaign, results, out_dir, AS_OF
            ),
            "排名表.xlsx": lambda: write_ranking_workbook(
                results.campaign, results, out_dir, AS_OF
            ),
            "数据质量.pdf": lambda: write_pdf(
                renderer,
                QUALITY_TEMPLATE,
                quality_context(results.campaign, AS_OF, results),
                out_dir / "数据质量.pdf",
            ),
        }
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            clock[name] = time.perf_counter() - started
    print(f"{count} rejected rows")
    for name, seconds in clock.items():
        print(f"| {name} | {seconds:.2f} s |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
