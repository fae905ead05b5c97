"""Cell parsers and formatters of the bulk file (rules §2.2, §2.4).

Every `parse_*` takes a `Cell` (text, or a date from a spreadsheet date cell)
that is not empty — empty cells are the caller's business — and returns a typed
value or raises `CellError` whose message says what was expected; the caller
adds row, column and value. Text is stripped and a formula-neutralizing `'`
removed first (`formula.unneutralize`), because export adds it to any text cell.

Every `format_*` gives the canonical text export writes, and parsing it gives
the same value back. Parsers run ~40 times per row, so lookups are dicts built
once and parsers whose inputs repeat across rows are cached.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Final, TypeVar, cast

from cosell.domain._cell_base import CACHE_SIZE, CellError
from cosell.domain._cell_base import cell_text as _text
from cosell.domain._dates import (
    AmbiguousDate,
    DateOrder,
    date_evidence,
    format_date,
    parse_date,
    read_date,
)
from cosell.domain._names import look_up as _look_up
from cosell.domain._names import name_table as _name_table
from cosell.domain.enums import SALES_STAGES
from cosell.domain.formula import neutralize, unneutralize
from cosell.domain.identifiers import (
    MANGLED_NUMBER,
    email_key,
    mangled_number_problem,
    parse_country,
    parse_currency,
    parse_duns,
    parse_email,
    parse_phone,
)
from cosell.domain.model import Cell, SolutionLine, TeamMember
from cosell.domain.value_names import (
    accepted_enum_names,
    accepted_stage_names,
    accepted_yes_no,
)
from cosell.i18n import Msg

# fmt: off
__all__ = [
    "MANGLED_NUMBER", "AmbiguousDate", "Cell", "CellError", "DateOrder", "date_evidence",
    "email_key", "format_date", "format_decimal", "format_solution", "format_team_member",
    "format_yes_no", "mangled_number_problem", "neutralize", "parse_country", "parse_currency",
    "parse_date", "parse_decimal", "parse_duns", "parse_email", "parse_enum", "parse_identifier",
    "parse_int_code", "parse_phone", "parse_sales_stage", "parse_solution", "parse_team_member",
    "parse_text", "parse_yes_no", "read_date", "unneutralize",
]
# fmt: on

_E = TypeVar("_E", bound=Enum)

#: Largest deal value or price: 15 integer digits, so cents fit a 64-bit integer column.
MAX_INTEGER_DIGITS: Final = 15
#: Longest name part of a team member and longest solution ID.
MAX_NAME_LEN: Final = 100


# ---------------------------------------------------------------------------
# Names of values: yes/no, enumerations, sales stages (looked up as `_names` says)

# English, yes/no in the 17 locales, and the TRUE/FALSE of localized Excel.
# fmt: off
_YES: Final = (
    "yes", "y", "true", "1", "ja", "oui", "sí", "si", "sim", "sì", "はい", "是", "예", "네", "да",
    "tak", "evet", "ano", "igen", "vrai", "wahr", "waar", "verdadero", "vero", "verdadeiro", "sant",
)
_NO: Final = (
    "no", "n", "false", "0", "nee", "nej", "nein", "non", "não", "nao", "いいえ", "否", "아니요",
    "아니오", "нет", "nie", "hayır", "hayir", "ne", "nem", "faux", "falsch", "onwaar", "falso",
    "falskt",
)
# fmt: on
_YES_NO: Final[Mapping[str, bool]] = _name_table(
    [
        *((name, True) for name in _YES),
        *((name, False) for name in _NO),
        *accepted_yes_no(),
    ]
)


def parse_yes_no(cell: Cell) -> bool:
    """Yes/No in any case; Y/N, true/false, 1/0 and yes/no in the 17 locales."""
    value = _look_up(_YES_NO, _text(cell))
    if value is None:
        raise CellError(Msg("expected Yes or No"))
    return value


@functools.cache
def _enum_table(enum_cls: type[Enum]) -> tuple[dict[str, Enum], Msg]:
    names = [str(member.value) for member in enum_cls]
    english = [(str(member.value), member) for member in enum_cls]
    table = _name_table([*english, *accepted_enum_names(enum_cls)])
    return table, Msg("expected one of %(values)s", values=", ".join(names))


def parse_enum(cell: Cell, enum_cls: type[_E]) -> _E:
    """A member of a str-valued enum by its value, case-insensitive (`active` → Active);
    a status, substatus or Microsoft status also by its Dutch, Swedish or French
    name (`Actief`, `Aktiv`, `Actif`)."""
    table, expected = _enum_table(enum_cls)
    member = _look_up(table, _text(cell))
    if member is None:
        raise CellError(expected)
    return cast(_E, member)


_INT_CODE: Final = re.compile(r"0*(\d{1,4})(?:\.0*)?", re.ASCII)
#: A code picked from the template's list, with its meaning: `6 – Customer did not …`.
_CODE_WITH_MEANING: Final = re.compile(r"(\d{1,3}) *[–—-] +\S.*", re.DOTALL)


def parse_int_code(cell: Cell, codes: Mapping[int, str]) -> int:
    """A code of `codes` (reason or help code): `6`, `6.0` as spreadsheets write it, or
    `6 – <meaning>` as the template's list of valid values shows it."""
    text = _text(cell)
    match = _INT_CODE.fullmatch(text) or _CODE_WITH_MEANING.fullmatch(text)
    if match is not None and int(match.group(1)) in codes:
        return int(match.group(1))
    for code, label in codes.items():
        if label.casefold() == text.casefold():
            return code
    numbers = sorted(codes)
    if numbers == list(range(numbers[0], numbers[-1] + 1)):
        raise CellError(
            Msg("expected a number from %(first)s to %(last)s", first=numbers[0], last=numbers[-1])
        )
    raise CellError(Msg("expected one of %(values)s", values=", ".join(map(str, numbers))))


_STAGE_NUMBER: Final = re.compile(r"(\d{1,3})(?:\.0*)? ?%?", re.ASCII)
_STAGE_LABELS: Final = (
    *((label, stage) for stage, label in SALES_STAGES.items()),
    *accepted_stage_names(),
)
_STAGE_NAMES: Final[Mapping[str, int]] = _name_table(
    (name, stage) for label, stage in _STAGE_LABELS for name in (label, *label.split("/"))
)
_SLASH_SPACES: Final = re.compile(r"\s*/\s*")


def parse_sales_stage(cell: Cell) -> int:
    """10, 20, 40, 60, 80 or 100 (also `40%`, `40.0`, `40 – Developed`), or a stage name in English,
    Dutch, Swedish or French (`Qualified`, `Gekwalificeerd` → 20)."""
    text = _text(cell)
    match = _STAGE_NUMBER.fullmatch(text) or _CODE_WITH_MEANING.fullmatch(text)
    if match is not None and int(match.group(1)) in SALES_STAGES:
        return int(match.group(1))
    stage = _look_up(_STAGE_NAMES, _SLASH_SPACES.sub("/", text))
    if stage is None:
        raise CellError(
            Msg(
                "expected a sales stage: 10, 20, 40, 60, 80 or 100, or one of %(names)s",
                names=", ".join(SALES_STAGES.values()),
            )
        )
    return stage


# ---------------------------------------------------------------------------
# Numbers

_GROUPED_DOT: Final = re.compile(
    r"(\d+|\d{1,3}([,' \u00a0\u202f\u2009])\d{3}(?:\2\d{3})*)?(?:\.(\d+))?", re.ASCII
)
_GROUPED_COMMA: Final = re.compile(
    r"(\d+|\d{1,3}([.' \u00a0\u202f\u2009])\d{3}(?:\2\d{3})*)?(?:,(\d+))?", re.ASCII
)

_PLAIN_DOT: Final = re.compile(r"\d+\.\d{1,2}", re.ASCII)


def parse_decimal(cell: Cell, *, decimal_comma: bool) -> Decimal:
    """A number ≥ 0 with at most 2 decimals, exact.

    The decimal separator is `.`, or `,` when `decimal_comma` (files separated
    by `;`). Thousands are grouped by `,` (`.` with `decimal_comma`), `'`, or a
    (no-break) space in groups of exactly three. Extra zero decimals are fine
    (`1.500`); signs, currency, exponents, NaN and infinity are errors.
    """
    if not isinstance(cell, str):
        raise CellError(_number_expected(decimal_comma))
    return _decimal_from_text(_text(cell), decimal_comma)


def _number_expected(decimal_comma: bool) -> Msg:
    example = "12563,50" if decimal_comma else "12563.50"
    return Msg("expected a number ≥ 0 with at most 2 decimals, e.g. %(example)s", example=example)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _decimal_from_text(text: str, decimal_comma: bool) -> Decimal:
    if text.isascii() and text.isdigit():
        whole, fraction = text, ""
    else:
        match = (_GROUPED_COMMA if decimal_comma else _GROUPED_DOT).fullmatch(text)
        if match is None and decimal_comma and _PLAIN_DOT.fullmatch(text):
            # `12563.50` in a `;` file cannot be thousands (not 3 digits after the
            # dot): people paste such values from English sheets, so read them.
            match = _GROUPED_DOT.fullmatch(text)
        if match is None or not text:
            raise CellError(_why_not_a_number(text, decimal_comma))
        whole, fraction = match.group(1) or "0", match.group(3) or ""
        if match.group(2):
            whole = whole.replace(match.group(2), "")
    if len(fraction) > 2:
        if fraction[2:].strip("0"):
            raise CellError(Msg("expected at most 2 decimals"))
        fraction = fraction[:2]
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise CellError(Msg("expected a number below 10^%(digits)s", digits=MAX_INTEGER_DIGITS))
    return Decimal(f"{whole}.{fraction}" if fraction else whole)


def _why_not_a_number(text: str, decimal_comma: bool) -> Msg:
    if text.startswith(("-", "(", "−")):
        return Msg("expected a number ≥ 0")
    if any(ch.isalpha() or unicodedata.category(ch) == "Sc" for ch in text):
        example = "12563,50" if decimal_comma else "12563.50"
        return Msg(
            "expected a plain number without currency or letters, e.g. %(example)s",
            example=example,
        )
    if decimal_comma and "." in text:
        return Msg('expected "," as the decimal separator (the file is separated by semicolons)')
    if not decimal_comma and "," in text:
        return Msg('expected "." as the decimal separator, or "," between groups of three digits')
    return _number_expected(decimal_comma)


_CENT: Final = Decimal("0.01")


def format_decimal(value: Decimal, decimal_comma: bool = False) -> str:
    """No thousands separators; whole numbers without decimals, else exactly two
    (`12563`, `12563.50`); `,` as the decimal separator when `decimal_comma`.
    Raises ValueError for a negative value or one with more than 2 decimals."""
    if not value.is_finite() or value < 0:
        raise ValueError(f"not a deal value: {value}")
    if value == value.to_integral_value():
        text = str(int(value))
    else:
        rounded = value.quantize(_CENT)
        if rounded != value:
            raise ValueError(f"more than 2 decimals: {value}")
        text = f"{rounded:f}"
    return text.replace(".", ",") if decimal_comma else text


# ---------------------------------------------------------------------------
# Free text

# Control characters, lone surrogates and the noncharacters U+FFFE/U+FFFF: none can be
# stored in a spreadsheet (XML forbids them), so a deal holding one could not round-trip.
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_CONTROL_MULTILINE: Final = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
)


def parse_text(cell: Cell, max_len: int, *, multiline: bool = False) -> str:
    """Free text of at most `max_len` characters without control characters;
    with `multiline`, tab and line breaks are allowed and CRLF/CR become LF."""
    text = _text(cell)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > max_len:
        raise CellError(
            Msg(
                "expected at most %(limit)s characters, got %(length)s",
                limit=f"{max_len:,}",
                length=f"{len(text):,}",
            )
        )
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(text):
        raise CellError(
            Msg("expected text without control characters other than tab and line breaks")
            if multiline
            else Msg("expected text without control characters")
        )
    return text


def parse_identifier(cell: Cell, max_len: int) -> str:
    """An identifier typed as free text (CRM ID, campaign ID, postal code, referral or
    engagement ID): like `parse_text`, and not a number a spreadsheet made of it
    (`1.23457E+19`, `12345678901234600000`)."""
    text = parse_text(cell, max_len)
    problem = mangled_number_problem(text)
    if problem is not None:
        raise CellError(problem)
    return text


def _part(what: str, expected: str) -> Msg:
    """A problem of one part of a cell: `price: expected …`."""
    return Msg("%(part)s: %(expected)s", part=what, expected=expected)


def _name(part: str, what: Msg, max_len: int = MAX_NAME_LEN) -> str:
    if not part:
        raise CellError(_part(what, Msg("expected a value")))
    if len(part) > max_len:
        raise CellError(_part(what, Msg("expected at most %(limit)s characters", limit=max_len)))
    if _CONTROL.search(part):
        raise CellError(_part(what, Msg("expected text without control characters")))
    return part


# ---------------------------------------------------------------------------
# Solutions and team members

_QUANTITY: Final = re.compile(r"0*([1-9]\d{0,8})(?:\.0*)?", re.ASCII)
_WHOLE: Final = re.compile(r"\d+", re.ASCII)
_CENTS: Final = re.compile(r"\d{1,2}", re.ASCII)


def parse_solution(cell: Cell, *, decimal_comma: bool) -> SolutionLine:
    """`SOL-1234-PQRS, USD, 10.50, 100`: ID (required), currency, price ≥ 0, quantity ≥ 1.

    Parts are separated by commas, so the price uses `.` in every file. In a
    `;` file (`decimal_comma`) the five-part form `SOL, EUR, 10,50, 2` is also
    read as price 10.50, since five parts have no other reading; but note that
    `SOL, EUR, 10,50` is price 10 and quantity 50.
    """
    return _solution_from_text(_text(cell), decimal_comma)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _solution_from_text(text: str, decimal_comma: bool) -> SolutionLine:
    parts = [part.strip() for part in text.split(",")]
    if (
        decimal_comma
        and len(parts) == 5
        and _WHOLE.fullmatch(parts[2])
        and _CENTS.fullmatch(parts[3])
    ):
        parts[2:4] = [f"{parts[2]}.{parts[3]}"]
    if len(parts) > 4:
        raise CellError(
            Msg(
                "expected at most 4 parts separated by commas: "
                "solution ID, currency, price, quantity"
            )
        )
    solution_id, currency, price, quantity = parts + [""] * (4 - len(parts))
    _name(solution_id, Msg("solution ID"))
    try:
        currency_code = parse_currency(currency) if currency else None
    except CellError as exc:
        raise CellError(_part(Msg("currency"), exc.expected)) from None
    try:
        amount = _decimal_from_text(price, False) if price else None
    except CellError:
        raise CellError(
            _part(
                Msg("price"),
                Msg(
                    "expected a number ≥ 0 with at most 2 decimals, e.g. %(example)s",
                    example="10.50",
                ),
            )
        ) from None
    count = None
    if quantity:
        match = _QUANTITY.fullmatch(quantity)
        if match is None:
            raise CellError(_part(Msg("quantity"), Msg("expected a whole number ≥ 1")))
        count = int(match.group(1))
    return SolutionLine(solution_id, currency_code, amount, count)


def format_solution(line: SolutionLine, decimal_comma: bool = False) -> str:
    """`SOL-1234-PQRS, USD, 10.50, 100`, trailing empty parts left off.

    `decimal_comma` changes nothing: inside a solution cell `,` separates the
    parts, so the price is written with `.` in every file and reads back anywhere.
    """
    parts = [
        line.solution_id,
        line.currency or "",
        format_decimal(line.price) if line.price is not None else "",
        str(line.quantity) if line.quantity is not None else "",
    ]
    while parts[-1] == "":
        parts.pop()
    return ", ".join(parts)


def parse_team_member(cell: Cell) -> TeamMember:
    """`Bob, Partner, 999999, Bob.partner@Contoso.com`: first and last name, mobile
    (optional, may be empty) and email; or three parts when the third is the email."""
    return _member_from_text(_text(cell))


@functools.lru_cache(maxsize=CACHE_SIZE)
def _member_from_text(text: str) -> TeamMember:
    parts = [part.strip() for part in text.split(",")]
    if len(parts) == 3 and "@" in parts[2]:
        parts.insert(2, "")
    if len(parts) != 4:
        raise CellError(
            Msg(
                "expected first name, last name, mobile, email separated by commas, "
                "e.g. %(example)s",
                example="Bob, Partner, 999999, bob@contoso.com",
            )
        )
    first, last, mobile, email = parts
    try:
        phone = parse_phone(mobile) if mobile else None
    except CellError as exc:
        raise CellError(_part(Msg("mobile"), exc.expected)) from None
    try:
        address = parse_email(email)
    except CellError as exc:
        raise CellError(_part(Msg("email"), exc.expected)) from None
    return TeamMember(
        _name(first, Msg("first name")), _name(last, Msg("last name")), phone, address
    )


def format_team_member(member: TeamMember) -> str:
    """`Bob, Partner, 999999, bob@contoso.com` (an empty mobile keeps its place)."""
    return f"{member.first_name}, {member.last_name}, {member.phone or ''}, {member.email}"


def format_yes_no(value: bool) -> str:
    return "Yes" if value else "No"
