"""Dates (rules §2.2): dotted and two-digit-year dates, the 1900–9999 range, and
dates whose day and month could be either way round (`read_date`, `date_evidence`)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cosell.domain import _dates, cells
from cosell.domain.cells import AmbiguousDate, CellError

SUPPORTED = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9999, 12, 31))


def fails(parse: object, *args: object, match: str = "") -> str:
    assert callable(parse)
    with pytest.raises(CellError) as raised:
        parse(*args)
    message = str(raised.value)
    assert match in message
    assert ";" not in message
    return message


# ---------------------------------------------------------------------------
# Dotted dates are day-first whatever the order


@pytest.mark.parametrize("order", ["MDY", "DMY", "YMD"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("04.03.2027", dt.date(2027, 3, 4)),
        ("4.3.2027", dt.date(2027, 3, 4)),
        ("30.01.2027", dt.date(2027, 1, 30)),
        ("04.03.27", dt.date(2027, 3, 4)),
        ("30.01.27", dt.date(2027, 1, 30)),
        ("04.03.2027 00:00", dt.date(2027, 3, 4)),
        ("2027.03.04", dt.date(2027, 3, 4)),
    ],
)
def test_dotted_dates_are_day_first_in_every_order(
    text: str, expected: dt.date, order: cells.DateOrder
) -> None:
    assert cells.parse_date(text, order) == expected
    assert cells.read_date(text, order) == expected


@pytest.mark.parametrize(("text"), ["04.03.2027", "4.3.27", "2027.03.04"])
def test_dotted_dates_are_never_ambiguous(text: str) -> None:
    assert cells.read_date(text, None) == dt.date(2027, 3, 4)
    assert cells.date_evidence(text) is None


def test_a_dotted_month_first_date_is_an_error() -> None:
    fails(cells.parse_date, "01.30.2027", "MDY", match="a day that exists")


# ---------------------------------------------------------------------------
# Two-digit years


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("1/30/27", "MDY", dt.date(2027, 1, 30)),
        ("01/30/27", "MDY", dt.date(2027, 1, 30)),
        ("1/30/27 0:00", "MDY", dt.date(2027, 1, 30)),
        ("1-30-27", "MDY", dt.date(2027, 1, 30)),
        ("12/31/99", "MDY", dt.date(2099, 12, 31)),
        ("1/1/00", "MDY", dt.date(2000, 1, 1)),
        ("30/01/27", "DMY", dt.date(2027, 1, 30)),
        ("30/01/27 12:00:00 AM", "DMY", dt.date(2027, 1, 30)),
        ("30.01.27", "MDY", dt.date(2027, 1, 30)),
    ],
)
def test_two_digit_years_are_this_century(
    text: str, order: cells.DateOrder, expected: dt.date
) -> None:
    assert cells.parse_date(text, order) == expected


def test_a_two_digit_year_is_the_last_part() -> None:
    fails(cells.parse_date, "27/01/30", "YMD", match="expected a date as YYYY/MM/DD")
    fails(cells.parse_date, "1/30/202", "MDY", match="expected a date as MM/DD/YYYY")


# ---------------------------------------------------------------------------
# 1900 to 9999


@pytest.mark.parametrize(
    "cell",
    [
        "0001-01-01",
        "1899-12-31",
        "1/1/1899",
        "12/31/0999",
        "31.12.1899",
        "0001-01-01T00:00:00",
        "0001-01-01T00:00:00+05:00",
        "1900-01-01T00:30:00+01:00",
        dt.date(1, 1, 1),
        dt.date(1899, 12, 31),
        dt.datetime(1, 1, 1, 0, 0),
        dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=5))),
        dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    ],
)
def test_dates_before_1900_are_impossible(cell: cells.Cell) -> None:
    # A year-last slash date is no YMD date at all, so that order says so instead.
    orders = ("MDY", "DMY") if isinstance(cell, str) and "/" in cell else ("MDY", "DMY", "YMD")
    for order in orders:
        fails(cells.parse_date, cell, order, match="a date between 1900 and 9999")
    fails(cells.read_date, cell, None, match="a date between 1900 and 9999")


def test_the_range_error_names_the_format() -> None:
    fails(cells.parse_date, "1/1/1899", "MDY", match="MM/DD/YYYY")
    fails(cells.parse_date, "1/1/1899", "DMY", match="DD/MM/YYYY")


def test_the_first_and_last_supported_days() -> None:
    assert cells.parse_date("1/1/1900") == dt.date(1900, 1, 1)
    assert cells.parse_date("12/31/9999") == dt.date(9999, 12, 31)
    assert cells.parse_date(dt.date(1900, 1, 1)) == dt.date(1900, 1, 1)
    assert cells.parse_date("9999-12-31T23:59:59Z") == dt.date(9999, 12, 31)


# ---------------------------------------------------------------------------
# Messages


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("30/01/2027", "MDY"),
        ("01/30/2027", "DMY"),
        ("02/30/2027", "MDY"),
        ("2027-13-01T00:00", "MDY"),
        ("tomorrow", "MDY"),
        ("tomorrow", "DMY"),
        ("tomorrow", "YMD"),
        ("0001-01-01", "MDY"),
    ],
)
def test_date_messages_have_no_semicolon(text: str, order: cells.DateOrder) -> None:
    message = fails(cells.parse_date, text, order, match="expected a date")
    assert ";" not in message


def test_month_first_text_under_dmy_points_to_mdy() -> None:
    message = fails(cells.parse_date, "01/30/2027", "DMY", match="expected a date as DD/MM/YYYY")
    assert "MDY" in message


def test_parse_date_stays_strict() -> None:
    fails(cells.parse_date, "30/01/2027", "MDY", match="expected a date as MM/DD/YYYY")
    assert cells.parse_date("03/04/2027", "MDY") == dt.date(2027, 3, 4)
    assert cells.parse_date("03/04/2027", "DMY") == dt.date(2027, 4, 3)


# ---------------------------------------------------------------------------
# Unknown order: read_date and date_evidence


def test_ambiguous_date() -> None:
    value = cells.read_date("03/04/2027", None)
    assert value == AmbiguousDate("03/04/2027", dt.date(2027, 3, 4), dt.date(2027, 4, 3))
    assert isinstance(value, AmbiguousDate)
    assert value.readings() == (dt.date(2027, 3, 4), dt.date(2027, 4, 3))
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.text = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "month_first", "day_first"),
    [
        ("3/4/2027", dt.date(2027, 3, 4), dt.date(2027, 4, 3)),
        ("12-1-2027", dt.date(2027, 12, 1), dt.date(2027, 1, 12)),
        ("1/2/27", dt.date(2027, 1, 2), dt.date(2027, 2, 1)),
        ("01/02/2027 0:00", dt.date(2027, 1, 2), dt.date(2027, 2, 1)),
        (" 01/02/2027 ", dt.date(2027, 1, 2), dt.date(2027, 2, 1)),
    ],
)
def test_ambiguous_readings(text: str, month_first: dt.date, day_first: dt.date) -> None:
    value = cells.read_date(text, None)
    assert isinstance(value, AmbiguousDate)
    assert value.readings() == (month_first, day_first)
    assert value.text == text.strip()
    assert cells.date_evidence(text) is None


@pytest.mark.parametrize(
    ("text", "expected", "evidence"),
    [
        ("30/01/2027", dt.date(2027, 1, 30), "DMY"),
        ("01/30/2027", dt.date(2027, 1, 30), "MDY"),
        ("1/30/27", dt.date(2027, 1, 30), "MDY"),
        ("30-1-27 0:00", dt.date(2027, 1, 30), "DMY"),
        ("13/12/2027", dt.date(2027, 12, 13), "DMY"),
        ("05/05/2027", dt.date(2027, 5, 5), None),
        ("2027-01-30", dt.date(2027, 1, 30), None),
        ("2027/03/04", dt.date(2027, 3, 4), None),
        ("2027-01-30T10:00:00", dt.date(2027, 1, 30), None),
        ("30.01.2027", dt.date(2027, 1, 30), None),
    ],
)
def test_unambiguous_dates_without_an_order(
    text: str, expected: dt.date, evidence: str | None
) -> None:
    assert cells.read_date(text, None) == expected
    assert cells.date_evidence(text) == evidence


@pytest.mark.parametrize("text", ["31/02/2027", "02/31/2027", "13/13/2027", "0/5/2027", "x"])
def test_no_reading_without_an_order_is_an_error(text: str) -> None:
    fails(cells.read_date, text, None, match="expected a date")


def test_read_date_with_an_order_is_parse_date() -> None:
    assert cells.read_date("03/04/2027", "MDY") == dt.date(2027, 3, 4)
    assert cells.read_date("03/04/2027", "DMY") == dt.date(2027, 4, 3)
    fails(cells.read_date, "30/01/2027", "MDY", match="DMY")
    assert cells.read_date(dt.date(2027, 3, 4), None) == dt.date(2027, 3, 4)
    assert cells.read_date(dt.datetime(2027, 3, 4, 23, 0), None) == dt.date(2027, 3, 4)


@pytest.mark.parametrize(
    "cell",
    [
        dt.date(2027, 1, 30),
        dt.datetime(2027, 1, 30, 0, 0),
        "",
        "hello",
        "40",
        "1/30/1899",
        "99/99/99",
    ],
)
def test_no_evidence(cell: cells.Cell) -> None:
    assert cells.date_evidence(cell) is None


def test_date_evidence_is_cached() -> None:
    # It runs on every row: the second look at the same text is a cache hit.
    cache_info = _dates._evidence_from_text.cache_info
    cells.date_evidence("30/01/2031")
    before = cache_info().hits
    assert cells.date_evidence(" 30/01/2031") == "DMY"
    assert cache_info().hits == before + 1


@given(SUPPORTED)
@example(dt.date(1900, 1, 1))
@example(dt.date(9999, 12, 31))
@example(dt.date(2027, 3, 4))
def test_formatted_dates_read_back(value: dt.date) -> None:
    text = cells.format_date(value)
    assert cells.parse_date(text, "MDY") == value
    read = cells.read_date(text, None)
    if isinstance(read, AmbiguousDate):
        assert read.month_first == value
        assert read.day_first != value
    else:
        assert read == value
    assert cells.date_evidence(text) in (None, "MDY")


@given(SUPPORTED)
def test_day_first_text_reads_back(value: dt.date) -> None:
    text = f"{value.day}/{value.month}/{value.year}"
    assert cells.parse_date(text, "DMY") == value
    read = cells.read_date(text, None)
    assert read == value or (isinstance(read, AmbiguousDate) and read.day_first == value)
    assert cells.parse_date(f"{value.day:02d}.{value.month:02d}.{value.year}", "MDY") == value
