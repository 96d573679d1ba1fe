"""Every test here runs the real flow, CLI or server: marked e2e, so that the inner loop can
leave them out (pytest -m "not e2e"); CI runs them all."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)
