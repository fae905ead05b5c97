"""Rows and referrals for the tests of `domain.rows` and `domain.decide`, built from the
field table: a valid row, parsing cells by header, and valid values of each field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from cosell.domain.decide import Context, Decision, decide_create, show
from cosell.domain.enums import Direction, MicrosoftStatus, Role
from cosell.domain.field_spec import Kind
from cosell.domain.fields import Field
from cosell.domain.headers import map_columns
from cosell.domain.model import Cell, Referral
from cosell.domain.rows import RowParser, RowRecord

SELLER = "seller@org-a.example"
SOLUTION = "SOL-1234-PQRS"
NOW = dt.datetime(2026, 5, 1, 12, 0)

#: A row that creates a deal, by header.
VALID: dict[str, str] = {
    "Deal Name": "UK Spring Deal",
    "Customer Name": "Contoso Corporation",
    "Customer Address Line 1": "One Contoso Way",
    "Customer City": "Redmond",
    "Customer Postal Code": "08052",
    "Customer Country": "US",
    "Partner Referral Status": "Active",
    "Partner Referral Substatus": "Accepted",
    "Sales Stage": "40",
    "Estimated Deal Value": "12563.50",
    "Currency": "USD",
    "Estimated Close Date": "1/30/2027",
    "Microsoft help required?": "No",
    "Share with Microsoft sales team": "Yes",
    "Consent to share Customer/Partner contact": "Yes",
    "Solution 1": f"{SOLUTION}, USD, 10, 100",
    "Team member 1": f"Sam, Seller, , {SELLER}",
}


def parse(cells: Mapping[str, Cell], *, decimal_comma: bool = False) -> RowRecord:
    """The record of one row with these cells under these headers."""
    headers = list(cells)
    return RowParser(map_columns(headers), headers, decimal_comma).parse(2, list(cells.values()))


def context(role: Role = Role.ADMIN, email: str = SELLER) -> Context:
    return Context(role=role, email_key=email, catalog={SOLUTION: SOLUTION}, now=NOW)


def create(
    cells: Mapping[str, Cell],
    role: Role = Role.ADMIN,
    *,
    direction: Direction = Direction.OUTGOING,
    ms_status: MicrosoftStatus | None = None,
) -> Decision:
    return decide_create(
        parse(cells), context(role), "R-1", "E-1", direction=direction, ms_status=ms_status
    )


def created(cells: Mapping[str, Cell] = VALID) -> Referral:
    decision = create(cells)
    assert decision.referral is not None, decision.errors
    return decision.referral


def cell(value: Any) -> str:
    """A value as the cell export writes for it (read back to the same value)."""
    return show(value) or ""


_TEXT = st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"], exclude_characters="\x1f")


def _text(limit: int) -> st.SearchStrategy[str]:
    return st.text(_TEXT, min_size=1, max_size=min(limit, 40)).map(str.strip).filter(bool)


_BY_KIND: dict[Kind, st.SearchStrategy[Any]] = {
    Kind.IDENTIFIER: st.from_regex(r"[A-Z][A-Z0-9-]{0,18}", fullmatch=True),
    Kind.COUNTRY: st.sampled_from(["US", "NL", "SE", "FR", "DE"]),
    Kind.DUNS: st.from_regex(r"[0-9]{9}", fullmatch=True),
    Kind.PHONE: st.sampled_from(["+1 425 555 0100", "0612345678", "+31 (0)6-1234 5678"]),
    Kind.EMAIL: st.from_regex(r"[a-z]{1,8}\.[a-z]{1,8}@[a-z]{2,8}\.example", fullmatch=True),
    Kind.CURRENCY: st.sampled_from(["USD", "EUR", "SEK", "JPY"]),
    Kind.SALES_STAGE: st.sampled_from([10, 20, 40, 60, 80]),
    Kind.MONEY: st.integers(0, 10**11).map(lambda cents: Decimal(cents).scaleb(-2)),
    Kind.DATE: st.dates(dt.date(2001, 1, 1), dt.date(2099, 12, 31)),
    Kind.YES_NO: st.booleans(),
}


def values(f: Field) -> st.SearchStrategy[Any]:
    """Valid values of a field, as `RowParser` gives them."""
    spec = f.spec
    if spec.choices is not None:
        return st.sampled_from(list(spec.choices))
    if spec.codes is not None:
        return st.sampled_from(sorted(spec.codes))
    if spec.kind in (Kind.TEXT, Kind.MULTILINE):
        return _text(spec.limit or 0)
    if spec.kind is Kind.IDENTIFIER:
        return _BY_KIND[Kind.IDENTIFIER].filter(lambda text: len(text) <= (spec.limit or 0))
    return _BY_KIND[spec.kind]
