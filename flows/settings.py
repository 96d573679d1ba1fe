"""One settings object: where canbao reads and writes.

Every path can be moved with an environment variable so that tests and
deployments run in their own folder; campaign rules live in campaigns/*.toml.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    project_root: Path
    home: Path
    campaigns_dir: Path
    raw_dir: Path
    out_dir: Path
    archive_dir: Path
    cache_dir: Path  # rendered PDFs by the digest of what they show (flows/render/cache.py)
    database: Path
    fonts_dir: Path
    sql_dir: Path
    templates_dir: Path
    run_lock_wait: float  # seconds a run waits for another run on the same database

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("CANBAO_HOME", PROJECT_ROOT)).resolve()
        data = home / "data"
        return cls(
            project_root=PROJECT_ROOT,
            home=home,
            campaigns_dir=Path(os.environ.get("CANBAO_CAMPAIGNS", PROJECT_ROOT / "campaigns")),
            raw_dir=Path(os.environ.get("CANBAO_RAW", data / "raw")),
            out_dir=Path(os.environ.get("CANBAO_OUT", data / "out")),
            archive_dir=Path(os.environ.get("CANBAO_ARCHIVE", data / "archive")),
            cache_dir=Path(os.environ.get("CANBAO_CACHE", data / "cache")),
            database=Path(os.environ.get("CANBAO_DB", data / "canbao.duckdb")),
            fonts_dir=Path(os.environ.get("CANBAO_FONTS", PROJECT_ROOT / "fonts")),
            sql_dir=PROJECT_ROOT / "sql",
            templates_dir=PROJECT_ROOT / "report_templates",
            run_lock_wait=float(os.environ.get("CANBAO_LOCK_WAIT", 900)),
        )


def get_settings() -> Settings:
    """Settings read fresh from the environment (tests change it between runs)."""
    return Settings.from_env()
