"""Identifiers a spreadsheet turned into numbers, free-text identifiers, D-U-N-S and phones."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cosell.domain import cells
from cosell.domain.cells import CellError
from cosell.domain.model import TeamMember

MANGLED = (
    "a spreadsheet turned this into a number, format the column as text and paste the original"
)


def fails(parse: object, *args: object, match: str = "") -> str:
    assert callable(parse)
    with pytest.raises(CellError) as raised:
        parse(*args)
    message = str(raised.value)
    assert match in message
    assert ";" not in message
    return message


def test_the_message_is_exported_and_has_no_semicolon() -> None:
    assert cells.MANGLED_NUMBER == MANGLED
    assert ";" not in MANGLED


# ---------------------------------------------------------------------------
# mangled_number_problem


@pytest.mark.parametrize(
    "text",
    [
        "1.23457E+19",
        "1,23E+05",
        "1.5E+08",
        "1E+5",
        "2e-10",
        "-1.5e-3",
        "+2E+10",
        "8.1466849E+07",
        "12345678901234599936",  # a float's full expansion
        "12345678901234600000",  # Excel's 15 significant digits
        "1234567890123450",
        "1000000000000000",
        "10000000000000000000000",
        "98765432109876500000",
    ],
)
def test_mangled_numbers(text: str) -> None:
    assert cells.mangled_number_problem(text) == MANGLED


@pytest.mark.parametrize(
    "text",
    [
        "12345678901234567890",  # a genuine 20-digit ID
        "98765432109876543211",
        "12345678901234567168",  # a float's exact value, but 17 significant digits
        "1234567890123456",
        "123456789012345",
        "100000000000000",
        "0012345678901234000",  # leading zeros: no spreadsheet number looks like this
        "98052",
        "81466849",
        "E10",
        "1.5E",
        "1e5x",
        "1.2.3E4",
        "SOL-1E5",
        "34234324-sdfsdf-345345-sfd",
        "BingSummer2020",
        "2019E001",  # spreadsheets always sign the exponent: this is an ID
        "f7eaae47-0b84-4ac4-b4ea-5b2587d42cee",
        "１２３４５６７８９０１２３４５６００",
        "",
    ],
)
def test_genuine_identifiers(text: str) -> None:
    assert cells.mangled_number_problem(text) is None


@given(st.integers(min_value=1, max_value=10**15 - 1), st.integers(min_value=1, max_value=10))
def test_what_a_spreadsheet_makes_of_a_long_number_is_caught(digits: int, shift: int) -> None:
    # A spreadsheet keeps 15 significant digits in a float, then writes it out
    # in full, as a float's exact expansion, or in scientific notation.
    kept = digits * 10 ** max(shift, 16 - len(str(digits)))
    as_float = float(kept)
    assert cells.mangled_number_problem(str(kept)) == MANGLED
    assert cells.mangled_number_problem(str(int(as_float))) == MANGLED
    assert cells.mangled_number_problem(f"{as_float:.5E}") == MANGLED
    assert cells.mangled_number_problem(f"{as_float:.5E}".replace(".", ",")) == MANGLED


@given(st.from_regex(r"[1-9][0-9]{18}[1-9]", fullmatch=True))
def test_genuine_twenty_digit_ids_pass(text: str) -> None:
    assume(int(float(text)) != int(text))
    assert cells.mangled_number_problem(text) is None
    assert cells.parse_identifier(text, 100) == text


# ---------------------------------------------------------------------------
# parse_identifier


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("  34234324-sdfsdf-345345-sfd ", "34234324-sdfsdf-345345-sfd"),
        ("BingSummer2020", "BingSummer2020"),
        ("98052", "98052"),
        ("12345678901234567890", "12345678901234567890"),
        ("'=CRM-1", "=CRM-1"),
        (dt.date(2027, 1, 30), "01/30/2027"),
    ],
)
def test_identifier(cell: cells.Cell, expected: str) -> None:
    assert cells.parse_identifier(cell, 100) == expected


@pytest.mark.parametrize("text", ["1.23457E+19", "1,23E+05", "12345678901234600000", " 1.5E+08 "])
def test_identifier_mangled_by_a_spreadsheet(text: str) -> None:
    assert fails(cells.parse_identifier, text, 100) == MANGLED


def test_identifier_limits_are_those_of_text() -> None:
    fails(cells.parse_identifier, "x" * 101, 100, match="expected at most 100 characters, got 101")
    fails(cells.parse_identifier, "a\tb", 100, match="expected text without control characters")
    assert cells.parse_identifier("x" * 100, 100) == "x" * 100


# ---------------------------------------------------------------------------
# D-U-N-S and phones


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("81466849", "081466849"),
        ("81466849.0", "081466849"),
        ("1234", "000001234"),
        ("1", "000000001"),
        ("123456", "000123456"),
        ("12-345-6", "000123456"),
        ("150483782", "150483782"),
    ],
)
def test_duns_restores_any_number_of_dropped_zeros(text: str, expected: str) -> None:
    assert cells.parse_duns(text) == expected


@pytest.mark.parametrize("text", ["8.1466849E+07", "1.5E+08", "1,5E+08"])
def test_duns_mangled_by_a_spreadsheet(text: str) -> None:
    assert fails(cells.parse_duns, text) == MANGLED


@pytest.mark.parametrize("text", ["", "-", "1234567890", ".0", "12345678X"])
def test_duns_still_needs_nine_digits_at_most(text: str) -> None:
    fails(cells.parse_duns, text, match="expected a 9-digit D-U-N-S number")


@given(st.from_regex(r"[0-9]{9}", fullmatch=True))
def test_duns_without_its_leading_zeros_reads_back(duns: str) -> None:
    dropped = duns.lstrip("0") or "0"
    assert cells.parse_duns(dropped) == duns
    assert cells.parse_duns(f"{dropped}.0") == duns


@pytest.mark.parametrize("text", ["4.25555E+09", "3,16123E+10", "12345678901234600000"])
def test_phone_mangled_by_a_spreadsheet(text: str) -> None:
    assert fails(cells.parse_phone, text) == MANGLED


def test_phone_of_twenty_genuine_digits_is_kept() -> None:
    assert cells.parse_phone("12345678901234567890") == "12345678901234567890"


def test_team_member_mobile_mangled_by_a_spreadsheet() -> None:
    message = fails(cells.parse_team_member, "Bob, Partner, 4.25555E+09, bob@x.com")
    assert message == f"mobile: {MANGLED}"
    member = cells.parse_team_member("Bob, Partner, 4255550100, bob@x.com")
    assert member == TeamMember("Bob", "Partner", "4255550100", "bob@x.com")
