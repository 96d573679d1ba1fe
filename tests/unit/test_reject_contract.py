"""The rejects a township reads do not change with how the ingest runs.

tests/data/reject_contract.csv holds what the pandas ingest gave for the messy files of
tests/messy.py and for the Qingliu demo's deliveries up to 24 October (its three defects
among them): every delivery's counts and warnings, every reject (row, column, value, reason)
and a digest of each file's loaded rows. Regenerate it only for a change of rules, never for
a change of speed.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from demo.qingliu import write_demo_extracts
from flows import store
from flows.config import load_campaign
from flows.ingest import discover_extracts
from flows.settings import PROJECT_ROOT
from tests.messy import ingest_outcome, write_messy_files

CONTRACT = PROJECT_ROOT / "tests" / "data" / "reject_contract.csv"


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(CONTRACT, keep_default_na=False, dtype=str)


def outcome(home, name: str, campaign_name: str, folder) -> pd.DataFrame:
    campaign = load_campaign(campaign_name, home)
    with store.connect(home, ":memory:") as con:
        frame = ingest_outcome(con, campaign, discover_extracts(folder), home.archive_dir)
    return frame.assign(set=name).astype(str)


def compare(actual: pd.DataFrame, expected: pd.DataFrame, name: str) -> None:
    want = expected[expected["set"] == name].reset_index(drop=True)
    got = actual.reset_index(drop=True)[want.columns]
    merged = want.merge(got, how="outer", indicator=True)
    differ = merged[merged["_merge"] != "both"]
    assert differ.empty, differ.head(20).to_string()
    assert len(got) == len(want)


def test_messy_rosters_and_registers_give_the_same_rejects(home, expected):
    write_messy_files(home.raw_dir / "roster", home.raw_dir / "register")
    roster = outcome(home, "messy_roster", "qingliu_2025_puhui", home.raw_dir / "roster")
    compare(roster, expected, "messy_roster")
    register = outcome(
        home, "messy_register", "yongchun_2023_basic_register", home.raw_dir / "register"
    )
    compare(register, expected, "messy_register")


def test_the_demo_deliveries_give_the_same_rejects(home, expected):
    campaign = load_campaign("qingliu_2025_puhui", home)
    folder = home.raw_dir / "demo"
    # channels by their canonical names: the deliveries the contract was recorded from
    write_demo_extracts(
        folder,
        campaign.base_file,
        start=campaign.window_start,
        as_of=date(2024, 10, 24),
        channel_spellings=False,
    )
    compare(outcome(home, "demo", "qingliu_2025_puhui", folder), expected, "demo")
