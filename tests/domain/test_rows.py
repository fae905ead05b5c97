"""Rows → records (`domain.rows`): each field's parser comes from the field table."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosell.domain.enums import Status
from cosell.domain.field_spec import Access, Kind
from cosell.domain.fields import Field
from cosell.domain.rows import Values
from tests.domain.records import VALID, cell, parse, values

READ = [f for f in Field if f.spec.access is not Access.IGNORED]
LIMITED = [f for f in READ if f.spec.kind in (Kind.TEXT, Kind.MULTILINE, Kind.IDENTIFIER)]


@st.composite
def field_and_value(draw: st.DrawFn) -> tuple[Field, Any]:
    f = draw(st.sampled_from(READ))
    return f, draw(values(f))


@given(field_and_value())
def test_every_field_reads_its_canonical_cell_back(pair: tuple[Field, Any]) -> None:
    f, value = pair
    record = parse({f.value: cell(value)})
    assert record.errors == []
    assert record.values == {f: value}
    assert type(record.values[f]) is type(value)


@given(st.sampled_from(READ), st.text(max_size=80))
def test_any_cell_gives_a_value_or_an_error_naming_its_column(f: Field, text: str) -> None:
    record = parse({f.value: text, "Notes": "x"})
    assert (f in record.values) != bool(record.errors)
    for error in record.errors:
        assert error.column == f.value
        assert ";" not in error.message


def test_empty_cells_are_none_and_absent_columns_absent() -> None:
    record = parse({"Deal Name": "  ", "CRM ID": ""})
    assert record.values == {Field.DEAL_NAME: None, Field.CRM_ID: None}
    assert not record.has(Field.NOTES) and record.get(Field.NOTES) is None


def test_columns_import_ignores_are_never_read() -> None:
    record = parse({"Errors": "Deal Name: bad", "Microsoft Referral Status": "nonsense"})
    assert record.values == {} and record.errors == []


@pytest.mark.parametrize("f", LIMITED, ids=lambda f: f.name)
def test_text_is_read_up_to_its_limit(f: Field) -> None:
    limit = f.spec.limit or 0
    at_limit = "A" * limit
    assert parse({f.value: at_limit}).values == {f: at_limit}
    [error] = parse({f.value: at_limit + "A"}).errors
    assert error.column == f.value and f"at most {limit:,} characters" in error.message


def test_notes_keep_their_lines_with_one_kind_of_line_break() -> None:
    record = parse({"Notes": "first\r\nsecond\rthird", "Notes to Microsoft": "a\nb"})
    assert record.values == {Field.NOTES: "first\nsecond\nthird", Field.NOTES_TO_MS: "a\nb"}
    [error] = parse({"Deal Name": "two\nlines"}).errors
    assert error.column == "Deal Name"


def test_money_reads_a_decimal_comma_when_the_file_writes_one() -> None:
    record = parse({"Estimated Deal Value": "1.234,50"}, decimal_comma=True)
    assert str(record.values[Field.DEAL_VALUE]) == "1234.50"


def test_the_valid_row_has_no_error_and_typed_values() -> None:
    record = parse(VALID)
    assert record.errors == []
    v = record.values
    assert isinstance(v, Values)
    assert v.text(Field.DEAL_NAME) == "UK Spring Deal"
    assert v.text(Field.POSTAL_CODE) == "08052"
    assert v.number(Field.SALES_STAGE) == 40
    assert str(v.money(Field.DEAL_VALUE)) == "12563.50"
    close = v.day(Field.CLOSE_DATE)
    assert close is not None and close.isoformat() == "2027-01-30"
    assert v.yes_no(Field.SHARE_WITH_MS) is True
    assert v.choice(Field.STATUS, Status) is Status.ACTIVE
    assert v.text(Field.CRM_ID) is None
    assert [s.solution_id for s in record.solutions or ()] == ["SOL-1234-PQRS"]


def test_a_value_right_of_the_last_header_is_an_error() -> None:
    headers = ["Deal Name"]
    from cosell.domain.headers import map_columns
    from cosell.domain.rows import RowParser

    record = RowParser(map_columns(headers), headers).parse(3, ["Deal", "stray; value"])
    [error] = record.errors
    assert error.column == "Column B (no header)"
    assert ";" not in error.message and "stray, value" in error.message
