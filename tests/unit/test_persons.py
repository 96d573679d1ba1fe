"""The one-query check runner finds exactly what pandera's own validation finds."""

from __future__ import annotations

from datetime import date

import ibis
import pandera.errors
import pytest

from flows.extracts import read_extract
from schemas.headers import alias_lookup
from schemas.kinds import KINDS, Rules, check_in_duckdb
from schemas.persons import failed_checks, memory_connection
from tests.messy import REGISTER_TOWNSHIPS, ROSTER_TOWNSHIPS, write_messy_files


def pandera_failures(model, table) -> set[tuple]:
    """(column or None, check, pos) from pandera's lazy validation of a table in pos order."""
    try:
        model.validate(table, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        found = set()
        for case in errors.failure_cases.itertuples():
            if case.schema_context == "DataFrameSchema":
                column = None
            else:  # the Ibis backend reports a column check's failure as {column: value}
                (column,) = case.failure_case
            found.add((column, case.check, int(case.index)))
        return found
    return set()


@pytest.mark.parametrize("kind", ["roster", "register"])
def test_one_query_and_pandera_find_the_same_failures(tmp_path, kind):
    write_messy_files(tmp_path / "roster", tmp_path / "register")
    spec = KINDS[kind].persons
    townships = ROSTER_TOWNSHIPS if kind == "roster" else REGISTER_TOWNSHIPS
    rules = Rules(
        {t: t for t in townships}, townships, date(2024, 10, 15), date(2024, 12, 31), None
    )
    lookup = alias_lookup(None, KINDS[kind].headers)
    compared = 0
    for path in sorted((tmp_path / kind).iterdir()):
        extract = read_extract(path, lookup, key="id_number", required=KINDS[kind].required)
        with memory_connection() as con:
            check_in_duckdb(con, spec, extract.table, rules)
            con.execute("create temp table ordered as select * from incoming order by pos")
            table = ibis.duckdb.from_connection(con).table("ordered")
            model = spec.model(rules.window_start, rules.window_end)
            ours = {
                (None if c is None else c, check, int(pos))
                for c, check, pos in failed_checks(model, table).itertuples(index=False)
            }
            theirs = pandera_failures(model, table)
        assert ours == theirs, path.name
        compared += len(ours)
    assert compared > 100  # the messy files fail many checks
