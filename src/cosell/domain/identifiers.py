"""Parsers of identifiers and contact data: country, currency, D-U-N-S, email, phone,
and the check for identifiers a spreadsheet turned into numbers."""

from __future__ import annotations

import functools
import re
from typing import Final

from cosell.domain._cell_base import CACHE_SIZE, CellError
from cosell.domain._cell_base import cell_text as _text
from cosell.domain.model import Cell
from cosell.i18n import Msg


@functools.cache
def _countries() -> dict[str, str]:
    import pycountry

    table: dict[str, str] = {}
    for country in pycountry.countries:
        table[country.alpha_3.casefold()] = country.alpha_2
        table[country.alpha_2.casefold()] = country.alpha_2
    return table


def parse_country(cell: Cell) -> str:
    """An ISO 3166-1 country as alpha-2 (`nl`, `NLD` → `NL`)."""
    country = _countries().get(_text(cell).casefold())
    if country is None:
        raise CellError(Msg("expected a two-letter ISO 3166 country code, e.g. US or NL"))
    return country


# X codes are units, metals and test codes except these circulating currencies;
# the rest are funds (Bolivian Mvdol, Swiss WIR, Chilean UF …), not money to quote.
_X_CURRENCIES: Final = frozenset({"XAF", "XCD", "XCG", "XOF", "XPF"})
_FUNDS: Final = frozenset({"BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW"})


@functools.cache
def _currencies() -> frozenset[str]:
    import pycountry

    return frozenset(
        code
        for code in (currency.alpha_3 for currency in pycountry.currencies)
        if code not in _FUNDS and (not code.startswith("X") or code in _X_CURRENCIES)
    )


def parse_currency(cell: Cell) -> str:
    """An active ISO 4217 currency code, upper case; no funds, metals or test codes."""
    text = _text(cell).upper()
    if text not in _currencies():
        raise CellError(Msg("expected an ISO 4217 currency code, e.g. USD or EUR"))
    return text


#: What to do about an identifier a spreadsheet turned into a number.
MANGLED_NUMBER: Final = Msg(
    "a spreadsheet turned this into a number, format the column as text and paste the original"
)
# Spreadsheets always sign the exponent (`E+19`), so an ID like `2019E001` is not one.
_SCIENTIFIC: Final = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]\d+", re.ASCII)
#: Significant digits a spreadsheet keeps of a number (Excel: 15).
_KEPT_DIGITS: Final = 15
#: Digits a spreadsheet number must have to have lost some.
_LONG_NUMBER: Final = _KEPT_DIGITS + 1
#: Digits of the largest float (1.8E+308); a spreadsheet never writes a longer number.
_LONGEST_FLOAT: Final = 309


def mangled_number_problem(text: str) -> str | None:
    """`MANGLED_NUMBER` when `text` looks like what a spreadsheet makes of a long
    numeric ID: scientific notation (`1.23457E+19`, `1,23E+05`), or 16 or more
    digits that hold at most 15 significant ones (`12345678901234600000`) or are
    exactly a float of at most 15 significant digits (`12345678901234599936`).
    A genuine long ID (`12345678901234567890`) or one with leading zeros passes."""
    text = text.strip()
    if len(text) < _LONG_NUMBER and "e" not in text and "E" not in text:
        return None
    return _mangled(text)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _mangled(text: str) -> str | None:
    if _SCIENTIFIC.fullmatch(text):
        return MANGLED_NUMBER
    # A spreadsheet writes no leading zeros, so such text was typed as text.
    if not _LONG_NUMBER <= len(text) <= _LONGEST_FLOAT or text[0] == "0":
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text.rstrip("0")) <= _KEPT_DIGITS:
        return MANGLED_NUMBER
    as_float = float(text)
    if int(as_float) == int(text):
        mantissa = repr(as_float).partition("e")[0].replace(".", "").strip("0")
        if len(mantissa) <= _KEPT_DIGITS:
            return MANGLED_NUMBER
    return None


def _check_not_mangled(text: str) -> None:
    problem = mangled_number_problem(text)
    if problem is not None:
        raise CellError(problem)


_DUNS_NOISE: Final = re.compile(r"[\s\-‐‑–—]")


def parse_duns(cell: Cell) -> str:
    """Nine digits; dashes and spaces dropped, 1 to 8 digits padded with the leading
    zeros a spreadsheet dropped (`81466849` → `081466849`)."""
    text = _text(cell)
    _check_not_mangled(text)
    if text.endswith(".0"):
        text = text[:-2]
    digits = _DUNS_NOISE.sub("", text)
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 9):
        raise CellError(
            Msg("expected a 9-digit D-U-N-S number, e.g. %(example)s", example="150483782")
        )
    return digits.zfill(9)


_ATOM: Final = r"[\w!#$%&'*+/=?^`{|}~-]+"
_EMAIL: Final = re.compile(
    rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)"
    r"@(?P<domain>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59}))",
    re.IGNORECASE,
)


def parse_email(cell: Cell) -> str:
    """An address `local@domain`, trimmed, case kept; IDN domains allowed, no DNS."""
    return _email_from_text(_text(cell))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _email_from_text(text: str) -> str:
    match = _EMAIL.fullmatch(text) if len(text) <= 254 else None
    if match is None or len(match.group("local")) > 64 or "_" in match.group("domain"):
        raise CellError(
            Msg("expected an email address like %(example)s", example="name@example.com")
        )
    return text


def email_key(email: str) -> str:
    """The form in which two addresses are compared (case-insensitive)."""
    return email.strip().casefold()


# The repetition counts the digits (4 to 20), so no Python loop runs per cell.
_PHONE: Final = re.compile(
    r"\+?(?=[\d(])(?:[ ()./\u00a0-]*\d){4,20}[ ()./\u00a0-]*(?: *(?:ext\.?|x|#) *\d{1,6})?",
    re.ASCII | re.IGNORECASE,
)


def parse_phone(cell: Cell) -> str:
    """Lenient: 4–20 digits with spaces, `+`, `-`, `(`, `)`, `.`, `/`, and an optional
    `ext`/`x` extension. Returns the trimmed text. A number a spreadsheet made of
    it (`4.25555E+09`) is an error of its own."""
    text = _text(cell)
    _check_not_mangled(text)
    if len(text) > 60 or _PHONE.fullmatch(text) is None:
        raise CellError(
            Msg(
                "expected a phone number of 4 to 20 digits, e.g. %(example)s",
                example="+1 425 555 0100",
            )
        )
    return text
