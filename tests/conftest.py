"""Shared fixtures: an isolated canbao home per test, and one Prefect test server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flows.settings import PROJECT_ROOT, Settings, get_settings

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

QINGLIU = "qingliu_2025_puhui"
REFERENCE = PROJECT_ROOT / "data" / "reference"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """canbao settings pointing at an empty folder (campaigns still from the project)."""
    monkeypatch.setenv("CANBAO_HOME", str(tmp_path))
    return get_settings()


@pytest.fixture(scope="session")
def prefect_server():
    """A real Prefect API for flow runs, started once for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness():
        yield
