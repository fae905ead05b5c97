"""Suggest a column mapping for a file whose headers are not ours, from its header row
and its first rows: the names (our headers in any language, synonyms CRMs use, then
words in common) and the shapes of the values (dates, amounts, currency codes, e-mail
addresses, countries, phone numbers). Pure: the page shows the suggestion, the user
confirms or edits it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from cosell.domain import cells
from cosell.domain.cells import CellError
from cosell.domain.fields import REQUIRED_ON_CREATE, Field
from cosell.domain.headers import ColumnKey, normalize_header, resolve_header
from cosell.domain.mapping import country_code, our_column
from cosell.domain.model import Cell

__all__ = [
    "STATUS_CHOICES",
    "ColumnGuess",
    "Suggestion",
    "headers_are_ours",
    "status_choice",
    "suggest",
]

Reason = Literal["header", "synonym", "similar", "values", ""]

#: What a CRM's stage or status value can become: our status and substatus.
STATUS_CHOICES: Final = ("Active/Accepted", "Closed/Won", "Closed/Lost")
_STATUS: Final = Field.STATUS.value
_SUBSTATUS: Final = Field.SUBSTATUS.value
_STAGE: Final = Field.SALES_STAGE.value

# The names CRMs give our columns (normalized as headers are).
_SYNONYMS: Final[dict[Field, tuple[str, ...]]] = {
    Field.DEAL_NAME: ("opportunity name", "opportunity", "deal", "deal title", "topic",
                      "subject", "name of deal"),
    Field.CUSTOMER_NAME: ("account name", "account", "potential customer", "associated company",
                          "company", "company name", "customer", "client", "organization",
                          "organisation"),
    Field.ADDRESS_1: ("billing street", "street address", "street", "address",
                      "address 1: street 1", "address line 1", "street 1", "shipping street"),
    Field.ADDRESS_2: ("address 1: street 2", "address line 2", "street 2"),
    Field.CITY: ("billing city", "city", "address 1: city", "town", "shipping city"),
    Field.STATE: ("billing state/province", "state/region", "state", "province", "region",
                  "address 1: state/province", "shipping state/province"),
    Field.POSTAL_CODE: ("billing zip/postal code", "postal code", "zip", "zip code",
                        "postcode", "address 1: zip/postal code", "zip/postal code"),
    Field.COUNTRY: ("billing country", "country", "country/region", "address 1: country/region",
                    "shipping country"),
    Field.DEAL_VALUE: ("amount", "deal value", "est. revenue", "estimated revenue", "value",
                       "revenue", "opportunity amount", "expected revenue", "deal amount"),
    Field.CURRENCY: ("opportunity currency", "currency code", "deal currency code",
                     "currency iso code"),
    Field.CLOSE_DATE: ("close date", "est. close date", "estimated close date",
                       "expected close date", "closing date", "close"),
    Field.STATUS: ("stage", "deal stage", "status", "opportunity stage", "stage name",
                   "pipeline stage"),
    Field.CRM_ID: ("opportunity id", "record id", "deal id", "id", "(do not modify) opportunity",
                   "opportunity number", "external id"),
    Field.NOTES: ("description", "deal description", "comments", "comment", "note"),
    Field.CAMPAIGN_ID: ("campaign", "primary campaign source", "campaign name", "campaign id"),
    Field.CONTACT_FIRST_NAME: ("contact first name", "first name"),
    Field.CONTACT_LAST_NAME: ("contact last name", "last name"),
    Field.CONTACT_EMAIL: ("contact email", "email", "e-mail", "email address"),
    Field.CONTACT_PHONE: ("contact phone", "phone", "phone number", "business phone"),
    Field.DUNS: ("duns", "d-u-n-s", "duns number"),
}  # fmt: skip
_BY_SYNONYM: Final = {normalize_header(s): f for f, names in _SYNONYMS.items() for s in names}
_WORD: Final = re.compile(r"[a-z0-9]+")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
_PHONE: Final = re.compile(r"\+?[\d ()./-]{7,20}")
_AMOUNT: Final = re.compile(r"-?\d{1,3}(?:[,.\s]?\d{3})*(?:[.,]\d{1,2})?")
_MONEY_WORDS: Final = frozenset({"amount", "value", "revenue", "price", "total"})
_WON: Final = re.compile(r"\bwon\b|\bwin\b|gewonnen|gagn|vunnen", re.IGNORECASE)
_LOST: Final = re.compile(r"\blost\b|\bloss\b|verloren|perdu|förlorad", re.IGNORECASE)
#: Sample rows the suggestion looks at.
SAMPLE_ROWS: Final = 20


@dataclass(slots=True)
class ColumnGuess:
    """One of their columns and the column of ours it likely holds."""

    index: int
    header: str
    #: up to three non-empty sample values, as text
    samples: list[str]
    #: our canonical header ("" for none); `_STATUS` means status and substatus
    target: str = ""
    reason: Reason = ""


@dataclass(slots=True)
class Suggestion:
    columns: list[ColumnGuess]
    #: our column → constant, for the required columns no column of theirs fills
    values: dict[str, str] = field(default_factory=dict)
    #: their status-like column's distinct values → one of STATUS_CHOICES
    statuses: dict[str, str] = field(default_factory=dict)
    #: the distinct values of the status-like column (for the conversion table)
    status_values: list[str] = field(default_factory=list)


def headers_are_ours(headers: Sequence[str]) -> bool:
    """Whether a header row is one of ours (a Partner Center file, a template, an export,
    an update of a few columns): at least five known headers, or most of them."""
    named = [h for h in headers if h.strip()]
    known = sum(1 for h in named if isinstance(resolve_header(h), ColumnKey))
    return known >= 5 or (known > 0 and known * 2 >= len(named))


def _text(cell: Cell) -> str:
    return cell.strip() if isinstance(cell, str) else cells.format_date(cell)


def _words(text: str) -> set[str]:
    return set(_WORD.findall(normalize_header(text)))


def _by_name(header: str) -> tuple[str, Reason]:
    ours = our_column(header)
    if ours is not None:
        return ours, "header"
    found = _BY_SYNONYM.get(normalize_header(header))
    if found is not None:
        return found.value, "synonym"
    words = _words(header)
    if not words:
        return "", ""
    best, score = "", 0.0
    for f, names in _SYNONYMS.items():
        for name in (f.value, *names):
            other = _words(name)
            common = len(words & other) / len(words | other)
            if common > score:
                best, score = f.value, common
    return (best, "similar") if score >= 0.5 else ("", "")


def _all(values: Sequence[str], test: object) -> bool:
    assert callable(test)
    return bool(values) and all(test(v) for v in values)


def _is_date(value: str) -> bool:
    if not any(c in value for c in "-/.") or value.replace(".", "").isdigit():
        return False
    for order in ("MDY", "DMY"):
        try:
            cells.parse_date(value, order)
        except CellError:
            continue
        return True
    return False


def _is_currency(value: str) -> bool:
    try:
        cells.parse_currency(value)
    except CellError:
        return False
    return True


def _is_country(value: str) -> bool:
    if country_code(value) is not None:
        return True
    try:
        cells.parse_country(value)
    except CellError:
        return False
    return len(value) == 2 and value.isupper()


def _by_values(header: str, values: Sequence[str]) -> str:
    """Our column the values' shape says, or ""."""
    if _all(values, _EMAIL.fullmatch):
        return Field.CONTACT_EMAIL.value
    if _all(values, _is_date):
        return Field.CLOSE_DATE.value
    if _all(values, _is_currency):
        return Field.CURRENCY.value
    if _all(values, _is_country):
        return Field.COUNTRY.value
    if _all(values, _AMOUNT.fullmatch) and (
        _words(header) & _MONEY_WORDS or any("." in v or "," in v for v in values)
    ):
        return Field.DEAL_VALUE.value
    if _all(values, _PHONE.fullmatch) and all(sum(c.isdigit() for c in v) >= 7 for v in values):
        return Field.CONTACT_PHONE.value
    return ""


def status_choice(value: str) -> str:
    """The status and substatus a CRM's stage or status value most likely means."""
    if _LOST.search(value):
        return "Closed/Lost"
    if _WON.search(value):
        return "Closed/Won"
    return "Active/Accepted"


def suggest(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    team_member: str = "",
    solution: str = "",
) -> Suggestion:
    """The likely mapping of a file with `headers` and these first rows; `team_member`
    and `solution` are offered as the constants of Team member 1 and Solution 1."""
    sample = [list(r) for _, r in zip(range(SAMPLE_ROWS), rows, strict=False)]
    columns: list[ColumnGuess] = []
    for i, header in enumerate(headers):
        values = [t for t in (_text(r[i]) for r in sample if i < len(r)) if t]
        columns.append(ColumnGuess(i, header, list(dict.fromkeys(values))[:3]))
    taken: set[str] = set()
    strength = {"header": 0, "synonym": 1, "similar": 2}
    guesses = [(c, *_by_name(c.header)) for c in columns if c.header.strip()]
    # The strongest evidence first: our own headers, then synonyms, then likeness.
    for column, target, reason in sorted(guesses, key=lambda g: strength.get(g[2], 9)):
        if target and target not in taken:
            column.target, column.reason = target, reason
            taken.add(target)
    for column in columns:
        if column.target or not column.header.strip():
            continue
        values = [t for t in (_text(r[column.index]) for r in sample if column.index < len(r)) if t]
        target = _by_values(column.header, values)
        if target and target not in taken:
            column.target, column.reason = target, "values"
            taken.add(target)
    suggestion = Suggestion(columns)
    status = next((c for c in columns if c.target == _STATUS), None)
    if status is not None:
        distinct = [
            t
            for t in dict.fromkeys(_text(r[status.index]) for r in sample if status.index < len(r))
            if t
        ]
        suggestion.status_values = distinct
        suggestion.statuses = {v: status_choice(v) for v in distinct}
        taken |= {_SUBSTATUS}
    defaults = {
        Field.CONSENT: "Yes",
        Field.HELP_REQUIRED: "No",
        Field.SHARE_WITH_MS: "No",
        Field.STATUS: "Active",
        Field.SUBSTATUS: "Accepted",
    }
    for f in REQUIRED_ON_CREATE:
        if f.value not in taken:
            suggestion.values[f.value] = defaults.get(f, "")
    suggestion.values["Solution 1"] = solution
    suggestion.values["Team member 1"] = team_member
    return suggestion
