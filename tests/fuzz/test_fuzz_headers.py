"""Fuzzing the header mapper: any header row maps to columns or is rejected with the
product's own `FileRejected`; a mapped row is consistent with itself."""

from __future__ import annotations

from hypothesis import example, given

from cosell.domain.headers import ColumnMap, header_score, map_columns
from tests.fuzz.bounds import bounded, imported
from tests.fuzz.conftest import FUZZ
from tests.fuzz.strategies import header_rows
from tests.support import csv_bytes


@FUZZ
@given(header_rows)
@example(["Solution 0", "Solution 51", "Deal Name"])
@example(["Deal Name", "deal  name"])
@example(["\ufeff"])
def test_header_rows_map_or_are_rejected(headers: list[str]) -> None:
    score = header_score(headers)
    assert 0 <= score <= len(headers)
    result = bounded(lambda: map_columns(headers))
    if not isinstance(result, ColumnMap):
        assert ";" not in result.message or "; " in result.message
        return
    assert len(result.columns) == len(headers)
    used = [*result.fields.values(), *result.solutions.values(), *result.team_members.values()]
    assert len(used) == len(set(used)) and all(0 <= i < len(headers) for i in used)
    assert all(1 <= n <= 50 for n in (*result.solutions, *result.team_members))


@FUZZ
@given(header_rows.filter(lambda headers: header_score(headers) > 0))
def test_header_rows_in_a_file_import_or_are_rejected(headers: list[str]) -> None:
    cleaned = [h.replace("\r", " ").replace("\n", " ") for h in headers]
    rows = [{h: f"value {i}" for i, h in enumerate(cleaned)}]
    imported(csv_bytes(rows, cleaned))
