"""Cell parsers and formatters (rules §2.2, §2.4) and formula neutralization."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cosell.domain import cells
from cosell.domain.cells import CellError
from cosell.domain.enums import (
    DECLINED_LOST_REASONS,
    ERROR_REASONS,
    HELP_CODES,
    MicrosoftStatus,
    Status,
    Substatus,
)
from cosell.domain.formula import neutralize, unneutralize
from cosell.domain.model import SolutionLine, TeamMember


def fails(parse: object, *args: object, match: str = "", **kwargs: object) -> str:
    """Assert that parsing raises CellError (whose message contains `match`); return it."""
    assert callable(parse)
    with pytest.raises(CellError) as raised:
        parse(*args, **kwargs)
    assert match in str(raised.value)
    assert raised.value.expected == str(raised.value)
    # Row messages are joined with "; ", so no message may hold one.
    assert ";" not in str(raised.value)
    return str(raised.value)


# ---------------------------------------------------------------------------
# Yes / no

YES = "Yes yes YES Y y true TRUE 1 Ja Oui Sí Si Sim Sì はい 是 예 Да Tak Evet Ano Igen VRAI WAHR"
NO = "No no NO N n false FALSE 0 Nee Nej Nein Non Não いいえ 否 아니요 Нет Nie Hayır HAYIR Ne Nem"


@pytest.mark.parametrize("text", YES.split())
def test_yes(text: str) -> None:
    assert cells.parse_yes_no(text) is True


@pytest.mark.parametrize("text", NO.split())
def test_no(text: str) -> None:
    assert cells.parse_yes_no(text) is False


def test_yes_no_is_robust_to_whitespace_and_fullwidth() -> None:
    assert cells.parse_yes_no("  Yes \t") is True
    assert cells.parse_yes_no("ＹＥＳ") is True


@pytest.mark.parametrize("text", ["maybe", "yess", "2", "-", "Yes please", "x"])
def test_not_yes_or_no(text: str) -> None:
    assert fails(cells.parse_yes_no, text) == "expected Yes or No"


def test_a_date_cell_is_not_yes_or_no() -> None:
    fails(cells.parse_yes_no, dt.date(2027, 1, 30), match="expected Yes or No")


@given(st.booleans())
def test_yes_no_round_trip(value: bool) -> None:
    assert cells.parse_yes_no(cells.format_yes_no(value)) is value


# ---------------------------------------------------------------------------
# Enumerations and codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Active", Status.ACTIVE),
        ("active", Status.ACTIVE),
        ("CLOSED", Status.CLOSED),
        (" New ", Status.NEW),
        ("won", Substatus.WON),
        ("Accepted", Substatus.ACCEPTED),
        ("pending", MicrosoftStatus.PENDING),
    ],
)
def test_enum(text: str, expected: Status | Substatus | MicrosoftStatus) -> None:
    assert cells.parse_enum(text, type(expected)) is expected


def test_enum_error_lists_valid_values() -> None:
    assert fails(cells.parse_enum, "Open", Status) == "expected one of New, Active, Closed"
    message = fails(cells.parse_enum, "Done", Substatus)
    assert message == (
        "expected one of Pending, Received, Accepted, Won, Lost, Declined, Expired, Error"
    )


def test_enum_accepts_won_for_ms_status() -> None:
    assert cells.parse_enum("won", MicrosoftStatus) is MicrosoftStatus.WON


@pytest.mark.parametrize(
    ("text", "expected"), [("6", 6), ("6.0", 6), ("06", 6), (" 1 ", 1), ("8.00", 8), ("Others", 8)]
)
def test_int_code(text: str, expected: int) -> None:
    assert cells.parse_int_code(text, DECLINED_LOST_REASONS) == expected


@pytest.mark.parametrize("text", ["9", "0", "6.5", "abc", "-1", "1e0", "Other reasons"])
def test_int_code_invalid(text: str) -> None:
    fails(cells.parse_int_code, text, DECLINED_LOST_REASONS, match="expected a number from 1 to 8")


def test_int_code_range_follows_the_mapping() -> None:
    assert cells.parse_int_code("9", ERROR_REASONS) == 9
    fails(cells.parse_int_code, "7", HELP_CODES, match="expected a number from 1 to 6")
    fails(cells.parse_int_code, "2", {1: "a", 3: "b"}, match="expected one of 1, 3")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", 10),
        ("20", 20),
        ("40", 40),
        ("60", 60),
        ("80", 80),
        ("100", 100),
        ("40%", 40),
        ("40 %", 40),
        ("40.0", 40),
        ("Created", 10),
        ("accepted", 10),
        ("Created/Accepted", 10),
        ("Created / Accepted", 10),
        ("Qualified", 20),
        ("Developed", 40),
        ("Proposed", 60),
        ("NEGOTIATED", 80),
        ("Won", 100),
    ],
)
def test_sales_stage(text: str, expected: int) -> None:
    assert cells.parse_sales_stage(text) == expected


@pytest.mark.parametrize("text", ["30", "50%", "0", "1000", "Closed", "40.5", "10%%"])
def test_sales_stage_invalid(text: str) -> None:
    message = fails(cells.parse_sales_stage, text, match="expected a sales stage")
    assert "10, 20, 40, 60, 80 or 100" in message
    assert "Qualified" in message


# ---------------------------------------------------------------------------
# Dates


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/30/2020", dt.date(2020, 1, 30)),
        ("01/30/2027", dt.date(2027, 1, 30)),
        ("12/1/2027", dt.date(2027, 12, 1)),
        ("2027-01-30", dt.date(2027, 1, 30)),
        ("2027/01/30", dt.date(2027, 1, 30)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("2027-01-30T10:00:00", dt.date(2027, 1, 30)),
        ("2027-01-30 10:00", dt.date(2027, 1, 30)),
        ("2027-01-30T23:30:00-05:00", dt.date(2027, 1, 31)),
        ("2027-01-30T01:00:00+02:00", dt.date(2027, 1, 29)),
        ("2027-01-30T12:00:00Z", dt.date(2027, 1, 30)),
        ("1/30/2027 0:00", dt.date(2027, 1, 30)),
        ("1/30/2027 12:00:00 AM", dt.date(2027, 1, 30)),
        (" 01/30/2027 ", dt.date(2027, 1, 30)),
    ],
)
def test_date_mdy(text: str, expected: dt.date) -> None:
    assert cells.parse_date(text) == expected


def test_day_first_date_under_mdy_says_what_was_expected() -> None:
    message = fails(cells.parse_date, "30/01/2027", match="expected a date as MM/DD/YYYY")
    assert "DMY" in message


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("02/30/2027", "a day that exists"),
        ("13/13/2027", "a day that exists"),
        ("2027-02-30", "a day that exists"),
        ("2027-13-01T00:00", "ISO date-time"),
        ("0/10/2027", "a day that exists"),
        ("Jan 30, 2027", "expected a date as MM/DD/YYYY"),
        ("46417", "expected a date as MM/DD/YYYY"),
        ("1/30/2027/1", "expected a date as MM/DD/YYYY"),
        ("1/30-2027", "expected a date as MM/DD/YYYY"),
        ("tomorrow", "expected a date as MM/DD/YYYY, e.g. 01/30/2027"),
    ],
)
def test_date_invalid(text: str, match: str) -> None:
    fails(cells.parse_date, text, match=match)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30/01/2027", dt.date(2027, 1, 30)),
        ("30.01.2027", dt.date(2027, 1, 30)),
        ("1-2-2027", dt.date(2027, 2, 1)),
        ("2027-01-30", dt.date(2027, 1, 30)),
    ],
)
def test_date_dmy(text: str, expected: dt.date) -> None:
    assert cells.parse_date(text, "DMY") == expected


def test_date_dmy_rejects_month_first() -> None:
    fails(cells.parse_date, "01/30/2027", "DMY", match="expected a date as DD/MM/YYYY")


@pytest.mark.parametrize("text", ["2027/01/30", "2027.01.30", "2027-01-30"])
def test_date_ymd(text: str) -> None:
    assert cells.parse_date(text, "YMD") == dt.date(2027, 1, 30)


def test_date_ymd_rejects_day_month_year() -> None:
    fails(cells.parse_date, "01/30/2027", "YMD", match="expected a date as YYYY/MM/DD")


def test_date_cells() -> None:
    assert cells.parse_date(dt.date(2027, 1, 30)) == dt.date(2027, 1, 30)
    assert cells.parse_date(dt.datetime(2027, 1, 30, 23, 59)) == dt.date(2027, 1, 30)
    offset = dt.timezone(dt.timedelta(hours=-5))
    assert cells.parse_date(dt.datetime(2027, 1, 30, 23, 0, tzinfo=offset)) == dt.date(2027, 1, 31)


def test_date_errors_are_raised_every_time() -> None:
    # The text parser is cached; errors must not be.
    for _ in range(2):
        fails(cells.parse_date, "31/31/2027")


@given(st.dates(min_value=dt.date(1900, 1, 1)))
def test_date_round_trip(value: dt.date) -> None:
    text = cells.format_date(value)
    assert len(text) == 10
    assert cells.parse_date(text) == value
    assert cells.parse_date(value.isoformat(), "DMY") == value
    assert cells.parse_date(f"{value.day}/{value.month}/{value.year:04d}", "DMY") == value


def test_format_date() -> None:
    assert cells.format_date(dt.date(2027, 1, 5)) == "01/05/2027"
    assert cells.format_date(dt.date(999, 12, 31)) == "12/31/0999"
    assert cells.format_date(dt.datetime(2027, 1, 5, 13, 0)) == "01/05/2027"


# ---------------------------------------------------------------------------
# Numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12563", "12563"),
        ("12563.50", "12563.50"),
        ("12563.5", "12563.5"),
        ("0", "0"),
        ("0.5", "0.5"),
        (".5", "0.5"),
        ("007", "7"),
        ("12,563", "12563"),
        ("12,563.50", "12563.50"),
        ("1,234,567.89", "1234567.89"),
        ("12'563.50", "12563.50"),
        ("12 563.50", "12563.50"),
        ("12\u00a0563", "12563"),
        ("12\u202f563,50".replace(",", "."), "12563.50"),
        ("1.500", "1.50"),
        ("1.000000", "1.00"),
        ("999999999999999.99", "999999999999999.99"),
        (" 42 ", "42"),
    ],
)
def test_decimal_point(text: str, expected: str) -> None:
    value = cells.parse_decimal(text, decimal_comma=False)
    assert value == Decimal(expected)
    assert str(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12563", "12563"),
        ("12563,50", "12563.50"),
        ("12563,5", "12563.5"),
        ("12.563", "12563"),
        ("12.563,50", "12563.50"),
        ("1.234.567,89", "1234567.89"),
        ("12 563,50", "12563.50"),
        ("12\u202f563,50", "12563.50"),
        ("12'563,50", "12563.50"),
        ("12563.50", "12563.50"),
        ("12.5", "12.5"),
    ],
)
def test_decimal_comma(text: str, expected: str) -> None:
    assert str(cells.parse_decimal(text, decimal_comma=True)) == expected


@pytest.mark.parametrize(
    ("text", "decimal_comma", "match"),
    [
        ("-5", False, "expected a number ≥ 0"),
        ("−5", False, "expected a number ≥ 0"),
        ("(5)", False, "expected a number ≥ 0"),
        ("+5", False, "expected a number ≥ 0 with at most 2 decimals"),
        ("$100", False, "without currency"),
        ("100 €", False, "without currency"),
        ("100 USD", False, "without currency"),
        ("NaN", False, "without currency or letters"),
        ("inf", False, "without currency or letters"),
        ("Infinity", False, "without currency or letters"),
        ("1e5", False, "without currency or letters"),
        ("1E+3", False, "without currency or letters"),
        ("12.505", False, "expected at most 2 decimals"),
        ("12,505", True, "expected at most 2 decimals"),
        ("12,5", False, 'expected "." as the decimal separator'),
        ("1,23,456", False, 'expected "." as the decimal separator'),
        ("12,563.50", True, 'expected "," as the decimal separator'),
        ("1 2", False, "expected a number ≥ 0 with at most 2 decimals, e.g. 12563.50"),
        ("12,563 000", False, "expected"),
        ("1.2.3", False, "expected"),
        ("5.", False, "expected"),
        (".", False, "expected"),
        ("1234567890123456", False, "expected a number below 10^15"),
        ("١٢٣", False, "expected"),
    ],
)
def test_decimal_invalid(text: str, decimal_comma: bool, match: str) -> None:
    fails(cells.parse_decimal, text, decimal_comma=decimal_comma, match=match)


def test_decimal_separator_message_names_the_semicolon_in_words() -> None:
    message = fails(cells.parse_decimal, "12,563.50", decimal_comma=True)
    assert message == 'expected "," as the decimal separator (the file is separated by semicolons)'


def test_decimal_comma_example_in_the_message() -> None:
    fails(cells.parse_decimal, "abc", decimal_comma=True, match="e.g. 12563,50")


def test_a_date_cell_is_not_a_number() -> None:
    fails(cells.parse_decimal, dt.date(2027, 1, 30), decimal_comma=False, match="expected a number")


@pytest.mark.parametrize(
    ("value", "point", "comma"),
    [
        ("12563", "12563", "12563"),
        ("12563.50", "12563.50", "12563,50"),
        ("12563.5", "12563.50", "12563,50"),
        ("12563.00", "12563", "12563"),
        ("0.05", "0.05", "0,05"),
        ("1E+3", "1000", "1000"),
        ("0", "0", "0"),
    ],
)
def test_format_decimal(value: str, point: str, comma: str) -> None:
    assert cells.format_decimal(Decimal(value)) == point
    assert cells.format_decimal(Decimal(value), decimal_comma=True) == comma


@pytest.mark.parametrize("value", ["-1", "0.001", "NaN", "Infinity"])
def test_format_decimal_rejects_what_no_deal_has(value: str) -> None:
    with pytest.raises(ValueError):
        cells.format_decimal(Decimal(value))


MONEY = st.decimals(
    min_value=0,
    max_value=Decimal("999999999999999.99"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)


@given(MONEY, st.booleans())
@example(Decimal("12563.50"), True)
@example(Decimal("1000"), False)
def test_decimal_round_trip(value: Decimal, decimal_comma: bool) -> None:
    text = cells.format_decimal(value, decimal_comma)
    assert cells.parse_decimal(text, decimal_comma=decimal_comma) == value


# ---------------------------------------------------------------------------
# Country, currency, D-U-N-S


@pytest.mark.parametrize(
    ("text", "expected"),
    [("US", "US"), ("us", "US"), ("nl", "NL"), ("USA", "US"), ("nld", "NL"), ("GBR", "GB")],
)
def test_country(text: str, expected: str) -> None:
    assert cells.parse_country(text) == expected


@pytest.mark.parametrize("text", ["XX", "Holland", "U.S.", "UK", "U", "USAA", "ZZZ"])
def test_country_invalid(text: str) -> None:
    fails(cells.parse_country, text, match="expected a two-letter ISO 3166 country code")


@pytest.mark.parametrize("text", ["USD", "usd", "EUR", "JPY", "GBP", "CHF", "XAF", "XOF", "XCD"])
def test_currency(text: str) -> None:
    assert cells.parse_currency(text) == text.upper()


# fmt: off
NOT_MONEY = [
    "XTS", "XXX", "XAU", "XAG", "XPD", "XPT", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA",
    "BOV", "CLF", "COU", "MXV", "USN", "UYI", "CHE", "CHW", "EURO", "$", "US", "ABC", "DEM",
]
# fmt: on


@pytest.mark.parametrize("text", NOT_MONEY)
def test_currency_invalid(text: str) -> None:
    fails(cells.parse_currency, text, match="expected an ISO 4217 currency code")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("123456789", "123456789"),
        ("12-345-6789", "123456789"),
        ("12 345 6789", "123456789"),
        ("1234567", "001234567"),
        ("12345678", "012345678"),
        ("123456789.0", "123456789"),
        ("012345678", "012345678"),
    ],
)
def test_duns(text: str, expected: str) -> None:
    assert cells.parse_duns(text) == expected


@pytest.mark.parametrize(
    "text", ["1234567890", "12345678X", "D-U-N-S", "１２３４５６７８９", "", "-"]
)
def test_duns_invalid(text: str) -> None:
    fails(cells.parse_duns, text, match="expected a 9-digit D-U-N-S number")


# ---------------------------------------------------------------------------
# Email and phone

# fmt: off
EMAILS = [
    "Bob.partner@Contoso.com", "a@b.co", "first.last+tag@sub.example.co.uk", "o'brien@example.ie",
    "user_name@example.com", "x-y@my-domain.org", "josé@exämple.de", "用户@例子.广告",
    "a@xn--bcher-kva.example", "a@b.xn--p1ai", "1234@example.com",
]
NOT_EMAILS = [
    "", "plain", "@example.com", "a@", "a@b", "a@localhost", "a@b.c", "a@1.2.3.4", "a..b@x.com",
    ".a@x.com", "a.@x.com", "a@-x.com", "a@x-.com", "a@x..com", "a b@x.com", "a@b@c.com",
    "a@x_y.com", "<a@x.com>", "a@x.com.", '"a b"@x.com', "a@x.c0m", "a" * 65 + "@x.com",
    "a@" + "b" * 250 + ".com",
]
# fmt: on


@pytest.mark.parametrize("text", EMAILS)
def test_email(text: str) -> None:
    assert cells.parse_email(f"  {text} ") == text


@pytest.mark.parametrize("text", NOT_EMAILS)
def test_email_invalid(text: str) -> None:
    fails(cells.parse_email, text, match="expected an email address like name@example.com")


def test_email_key_compares_case_insensitively() -> None:
    assert cells.email_key("Bob.Partner@Contoso.COM") == cells.email_key(" bob.partner@contoso.com")


@given(st.emails())
@example("'@example.com")
def test_generated_emails_are_accepted(address: str) -> None:
    # Through export: an address like '-@x.org is neutralized, then read back.
    assert cells.parse_email(neutralize(address)) == address


@pytest.mark.parametrize(
    "text",
    [
        "999999",
        "+1 425 555 0100",
        "+1 (425) 555-0100",
        "0031-20-1234567",
        "020 123 45 67",
        "425.555.0100",
        "06/12345678",
        "+1 425 555 0100 ext. 12",
        "555-0100 x12",
        "555 0100 #3",
        "1234",
        "12345678901234567890",
    ],
)
def test_phone(text: str) -> None:
    assert cells.parse_phone(f" {text} ") == text


@pytest.mark.parametrize(
    "text",
    [
        "123",
        "123456789012345678901",
        "call me",
        "+1 425 555 0100 or 0200",
        "1+2345",
        "555-0100 ext",
        "555\n0100",
        "phone: 5550100",
        "9" * 70,
    ],
)
def test_phone_invalid(text: str) -> None:
    fails(cells.parse_phone, text, match="expected a phone number of 4 to 20 digits")


def test_phone_neutralized_by_export_reads_back() -> None:
    assert cells.parse_phone(neutralize("+1 425 555 0100")) == "+1 425 555 0100"


# ---------------------------------------------------------------------------
# Free text and formula neutralization


def test_text() -> None:
    assert cells.parse_text("  Contoso Deal ", 200) == "Contoso Deal"
    assert cells.parse_text("Ünïcødé — ok ✓", 200) == "Ünïcødé — ok ✓"
    assert cells.parse_text(dt.date(2027, 1, 30), 200) == "01/30/2027"


def test_text_too_long() -> None:
    assert fails(cells.parse_text, "x" * 102_400, 200) == (
        "expected at most 200 characters, got 102,400"
    )
    assert cells.parse_text("x" * 200, 200) == "x" * 200


@pytest.mark.parametrize("text", ["a\x00b", "a\x07b", "a\x1bb", "a\x7fb", "a\x85b", "a\x9fb"])
@pytest.mark.parametrize("multiline", [False, True])
def test_text_rejects_control_characters(text: str, multiline: bool) -> None:
    fails(cells.parse_text, text, 200, multiline=multiline, match="without control characters")


@pytest.mark.parametrize("text", ["a\tb", "a\nb", "a\r\nb"])
def test_single_line_text_rejects_tab_and_line_breaks(text: str) -> None:
    fails(cells.parse_text, text, 200, match="expected text without control characters")


def test_multiline_text_allows_tab_and_normalizes_line_breaks() -> None:
    assert cells.parse_text("a\tb\r\nc\rd\ne", 4000, multiline=True) == "a\tb\nc\nd\ne"


def test_lone_surrogate_is_rejected() -> None:
    fails(cells.parse_text, "a\ud800b", 200, match="control characters")


@pytest.mark.parametrize("text", ["a\ufffeb", "a\uffffb"])
def test_noncharacters_a_spreadsheet_cannot_hold_are_rejected(text: str) -> None:
    fails(cells.parse_text, text, 200, match="control characters")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("'=SUM(A1:A3)", "=SUM(A1:A3)"),
        ("'+31 20", "+31 20"),
        ("'-5", "-5"),
        ("'@cmd", "@cmd"),
        ("''=x", "'=x"),
        ("'tis", "'tis"),
        ("'", "'"),
        ("=SUM(A1)", "=SUM(A1)"),
        ("It's", "It's"),
    ],
)
def test_text_removes_formula_neutralization(cell: str, expected: str) -> None:
    assert cells.parse_text(cell, 200) == expected


def test_multiline_text_keeps_a_neutralized_tab_or_cr() -> None:
    assert cells.parse_text("'\tindented", 4000, multiline=True) == "\tindented"
    assert cells.parse_text("'\rline", 4000, multiline=True) == "\nline"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),
        ("''-x", "'''-x"),
        ("'x", "'x"),
        ("x=1", "x=1"),
        ("", ""),
    ],
)
def test_neutralize(text: str, written: str) -> None:
    assert neutralize(text) == written
    assert unneutralize(written) == text


@given(st.text())
@example("'=")
@example("''")
def test_neutralize_round_trip(text: str) -> None:
    written = neutralize(text)
    assert unneutralize(written) == text
    assert written[:1] not in ("=", "+", "-", "@", "\t", "\r")


PLAIN = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=80
).filter(lambda s: s == s.strip() and s != "")


@given(PLAIN)
@example('=HYPERLINK("http://x")')
def test_text_round_trip_through_export(text: str) -> None:
    assert cells.parse_text(neutralize(text), 200) == text


# ---------------------------------------------------------------------------
# Solutions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SOL-1234-PQRS, USD, 10, 100", SolutionLine("SOL-1234-PQRS", "USD", Decimal(10), 100)),
        ("SOL-1234-PQRS,usd,10.50,2", SolutionLine("SOL-1234-PQRS", "USD", Decimal("10.50"), 2)),
        ("SOL-1234-PQRS", SolutionLine("SOL-1234-PQRS")),
        ("  SOL-1234-PQRS  ", SolutionLine("SOL-1234-PQRS")),
        ("SOL-1, EUR", SolutionLine("SOL-1", "EUR")),
        ("SOL-1, , 10", SolutionLine("SOL-1", None, Decimal(10))),
        ("SOL-1, , , 3", SolutionLine("SOL-1", None, None, 3)),
        ("SOL-1, , , ", SolutionLine("SOL-1")),
        ("SOL-1, USD, 0, 1", SolutionLine("SOL-1", "USD", Decimal(0), 1)),
        ("SOL-1, USD, 1 000.5, 2.0", SolutionLine("SOL-1", "USD", Decimal("1000.5"), 2)),
        ("'=SOL, USD", SolutionLine("=SOL", "USD")),
    ],
)
def test_solution(text: str, expected: SolutionLine) -> None:
    assert cells.parse_solution(text, decimal_comma=False) == expected
    assert cells.parse_solution(text, decimal_comma=True) == expected


def test_solution_five_parts_in_a_semicolon_file_is_a_comma_price() -> None:
    line = cells.parse_solution("SOL-1, EUR, 10,50, 2", decimal_comma=True)
    assert line == SolutionLine("SOL-1", "EUR", Decimal("10.50"), 2)
    fails(cells.parse_solution, "SOL-1, EUR, 10,50, 2", decimal_comma=False, match="at most 4")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (", USD, 10", "solution ID: expected a value"),
        ("S" * 101, "solution ID: expected at most 100 characters"),
        ("SOL\x00, USD", "solution ID: expected text without control characters"),
        ("SOL-1, XAU", "currency: expected an ISO 4217 currency code"),
        ("SOL-1, Dollars, 10", "currency: expected"),
        ("SOL-1, USD, -1", "price: expected a number ≥ 0"),
        ("SOL-1, USD, 10.505", "price: expected a number ≥ 0 with at most 2 decimals"),
        ("SOL-1, USD, $10", "price: expected"),
        ("SOL-1, USD, 10, 0", "quantity: expected a whole number ≥ 1"),
        ("SOL-1, USD, 10, 1.5", "quantity: expected a whole number ≥ 1"),
        ("SOL-1, USD, 10, -2", "quantity: expected a whole number ≥ 1"),
        ("SOL-1, USD, 10, 2, extra", "expected at most 4 parts"),
    ],
)
def test_solution_invalid(text: str, match: str) -> None:
    fails(cells.parse_solution, text, decimal_comma=False, match=match)


@pytest.mark.parametrize(
    ("line", "text"),
    [
        (SolutionLine("SOL-1234-PQRS", "USD", Decimal(10), 100), "SOL-1234-PQRS, USD, 10, 100"),
        (SolutionLine("SOL-1", "EUR", Decimal("10.5")), "SOL-1, EUR, 10.50"),
        (SolutionLine("SOL-1"), "SOL-1"),
        (SolutionLine("SOL-1", None, None, 3), "SOL-1, , , 3"),
    ],
)
def test_format_solution(line: SolutionLine, text: str) -> None:
    assert cells.format_solution(line) == text
    assert cells.format_solution(line, decimal_comma=True) == text


SOLUTION_IDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=","),
    min_size=1,
    max_size=100,
).filter(lambda s: s == s.strip() and s != "")
SOLUTIONS = st.builds(
    SolutionLine,
    solution_id=SOLUTION_IDS,
    currency=st.none() | st.sampled_from(["USD", "EUR", "JPY", "XAF"]),
    price=st.none() | MONEY,
    quantity=st.none() | st.integers(min_value=1, max_value=999_999_999),
)


@given(SOLUTIONS, st.booleans())
def test_solution_round_trip(line: SolutionLine, decimal_comma: bool) -> None:
    text = neutralize(cells.format_solution(line, decimal_comma=decimal_comma))
    assert cells.parse_solution(text, decimal_comma=decimal_comma) == line


# ---------------------------------------------------------------------------
# Team members


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Bob, Partner, 999999, Bob.partner@Contoso.com",
            TeamMember("Bob", "Partner", "999999", "Bob.partner@Contoso.com"),
        ),
        ("Bob,Partner,,bob@x.com", TeamMember("Bob", "Partner", None, "bob@x.com")),
        ("Bob, Partner, bob@x.com", TeamMember("Bob", "Partner", None, "bob@x.com")),
        (
            "Ana María, de la Cruz, +34 600 000 000, ana@x.es",
            TeamMember("Ana María", "de la Cruz", "+34 600 000 000", "ana@x.es"),
        ),
        ("  Bob , Partner , , bob@x.com ", TeamMember("Bob", "Partner", None, "bob@x.com")),
    ],
)
def test_team_member(text: str, expected: TeamMember) -> None:
    assert cells.parse_team_member(text) == expected


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("Bob, Partner", "expected first name, last name, mobile, email"),
        ("Bob, Partner, 999999", "expected first name, last name, mobile, email"),
        ("Bob, Partner, 999, bob@x.com, extra", "expected first name, last name, mobile, email"),
        (", Partner, 999999, bob@x.com", "first name: expected a value"),
        ("Bob, , 999999, bob@x.com", "last name: expected a value"),
        ("Bob, Partner, 999999, ", "email: expected an email address"),
        ("Bob, Partner, 999999, bob", "email: expected an email address"),
        ("Bob, Partner, call me, bob@x.com", "mobile: expected a phone number"),
        ("B" * 101 + ", Partner, , bob@x.com", "first name: expected at most 100 characters"),
    ],
)
def test_team_member_invalid(text: str, match: str) -> None:
    fails(cells.parse_team_member, text, match=match)


def test_format_team_member() -> None:
    member = TeamMember("Bob", "Partner", "999999", "Bob.partner@Contoso.com")
    assert cells.format_team_member(member) == "Bob, Partner, 999999, Bob.partner@Contoso.com"
    no_phone = TeamMember("Bob", "Partner", None, "bob@x.com")
    assert cells.format_team_member(no_phone) == "Bob, Partner, , bob@x.com"


NAMES = SOLUTION_IDS.filter(lambda s: len(s) <= 100)
PHONES = st.from_regex(r"\+?[0-9]{4,15}", fullmatch=True)
ADDRESSES = st.from_regex(
    r"[A-Za-z0-9]{1,12}(\.[A-Za-z0-9+_-]{1,12})?@[a-z0-9]{1,12}(-[a-z0-9]{1,5})?\.[a-z]{2,6}",
    fullmatch=True,
)


@given(st.builds(TeamMember, NAMES, NAMES, st.none() | PHONES, ADDRESSES))
def test_team_member_round_trip(member: TeamMember) -> None:
    text = neutralize(cells.format_team_member(member))
    assert cells.parse_team_member(text) == member


# ---------------------------------------------------------------------------
# Messages


def test_no_cell_error_message_holds_a_semicolon() -> None:
    # Row messages are joined with "; ": a message holding one would read as two.
    import ast
    import inspect

    from cosell.domain import _cell_base, _dates, identifiers

    checked = 0
    for module in (cells, identifiers, _dates, _cell_base):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "CellError":
                for part in ast.walk(node):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        checked += 1
                        assert ";" not in part.value, (module.__name__, part.value)
    assert checked > 20
    assert ";" not in cells.MANGLED_NUMBER
