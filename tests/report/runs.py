"""What the render tests share with the flow: one run on the SQL models
(flows/results.run_results, as flows/pipeline.compute_coverage calls it)."""

from __future__ import annotations

from flows.results import run_results

__all__ = ["run_results"]
