"""JSON shapes of referrals: what the API returns, and what create and PATCH accept.

Input values are deliberately lenient JSON (a string or a number, a boolean or
"Yes"): each becomes the cell a file would hold and goes through the file's own
parsers and rules (`services.referral_input`, `services.referral_changes`), so the
API accepts what a file accepts and reports the same messages. Output values are
canonical.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from cosell.domain import history
from cosell.domain.enums import Direction
from cosell.domain.field_spec import Access, Kind
from cosell.domain.model import RECORD, Referral
from cosell.services.referral_input import FIELDS, MemberInput, ReferralInput, SolutionInput
from cosell.web.api.common import utc
from cosell.web.api.job_schemas import PagedFilterSpec

Text = str | None
YesNo = bool | str | None
Code = int | str | None
Number = Decimal | str | None
Day = dt.date | str | None
_GROUPS = frozenset({"solutions", "team_members", "direction"})

_EXAMPLE: dict[str, Any] = {
    "deal_name": "UK Spring Deal",
    "customer_name": "Contoso Corporation",
    "address_1": "One Contoso Way",
    "address_2": "NE 148 street",
    "city": "Redmond",
    "state": "Washington",
    "postal_code": "98052",
    "country": "US",
    "duns": "081466849",
    "status": "Active",
    "substatus": "Accepted",
    "sales_stage": 40,
    "deal_value": "12563.50",
    "currency": "USD",
    "close_date": "2027-01-30",
    "crm_id": "34234324-sdfsdf-345345-sfd",
    "campaign_id": "BingSummer2020",
    "notes": "This is a sample note",
    "help_required": False,
    "share_with_ms": True,
    "consent": True,
    "solutions": [
        {"solution_id": "SOL-1234-PQRS", "currency": "USD", "price": "10", "quantity": 100}
    ],
    "team_members": [
        {
            "first_name": "Bob",
            "last_name": "Partner",
            "phone": "999999",
            "email": "bob.partner@contoso.com",
        }
    ],
}


class SolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    solution_id: str = Field(description="An ID of your organization's catalog")
    currency: Text = Field(None, description="ISO 4217 code")
    price: Number = Field(None, description="≥ 0, at most 2 decimals")
    quantity: Code = Field(None, description="a whole number ≥ 1")


class TeamMemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_name: str
    last_name: str
    phone: Text = Field(None, description="mobile phone, optional")
    email: str = Field(description="unique within the deal")


def _given_fields() -> dict[str, Any]:
    """The fields a request may give (`referral_input.FIELDS`), in `Referral`'s order, each
    as lenient JSON of its kind, documented as the field table says."""
    given: dict[str, Any] = {}
    for attr, f in RECORD:
        if f is None or attr not in FIELDS:
            continue
        info = Field(None, description=f.spec.doc) if f.spec.doc else Field(None)
        given[attr] = (_GIVEN.get(f.spec.kind, Text), info)
    return given


#: What JSON a field of each kind accepts (other kinds: text).
_GIVEN: dict[Kind, Any] = {
    Kind.CODE: Code,
    Kind.SALES_STAGE: Code,
    Kind.MONEY: Number,
    Kind.DATE: Day,
    Kind.YES_NO: YesNo,
}

if TYPE_CHECKING:
    _Given = BaseModel
else:
    _Given = create_model("_Given", **_given_fields())


class ReferralFields(_Given):
    """The changeable fields. On create, give every required one (rules §1.2)."""

    model_config = ConfigDict(extra="forbid")

    solutions: list[SolutionIn] | None = Field(None, description="1–50; replaces the list")
    team_members: list[TeamMemberIn] | None = Field(None, description="1–50; replaces the list")

    def to_input(self, direction: Direction | None = None) -> ReferralInput:
        """Only the fields the client sent (PATCH semantics); null is an empty cell."""
        sent = self.model_fields_set
        solutions, team = None, None
        if "solutions" in sent:  # null clears the list, which the rules then refuse
            solutions = [SolutionInput(**s.model_dump()) for s in self.solutions or ()]
        if "team_members" in sent:
            team = [MemberInput(**m.model_dump()) for m in self.team_members or ()]
        return ReferralInput(
            values={name: getattr(self, name) for name in sent - _GROUPS},
            solutions=solutions,
            team=team,
            direction=direction,
        )


class ReferralCreate(ReferralFields):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})
    direction: Direction | None = Field(
        None,
        description="Outgoing for partners, Incoming for the integration token (the default "
        "follows the token)",
    )


class ReferralPatch(ReferralFields):
    """Only the fields given change; `null` clears an optional field."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"notes": "Called the customer", "sales_stage": 60}]}
    )


class SolutionOut(BaseModel):
    solution_id: str
    currency: str | None
    price: str | None = Field(description="exact decimal as text")
    quantity: int | None


class TeamMemberOut(BaseModel):
    first_name: str
    last_name: str
    phone: str | None
    email: str


def _stored_fields() -> dict[str, Any]:
    """The deal's own values as the API returns them, in `Referral`'s order: canonical
    values of each field's kind (money as exact text)."""
    stored: dict[str, Any] = {}
    for attr, f in RECORD:
        if f is None:
            stored[attr] = (Direction, ...)
            continue
        spec = f.spec
        kind = str if spec.kind is Kind.MONEY else spec.value_type
        doc = _MONEY if spec.kind is Kind.MONEY else spec.doc if spec.access is Access.KEY else ""
        stored[attr] = (kind | None if spec.optional else kind, Field(description=doc or None))
    return stored


_MONEY = "exact decimal as text, two decimals"

if TYPE_CHECKING:
    _Stored = BaseModel
else:
    _Stored = create_model("_Stored", **_stored_fields())


class ReferralOut(_Stored):
    solutions: list[SolutionOut]
    team_members: list[TeamMemberOut]
    version: int = Field(description="also the ETag; send it as If-Match to PATCH")
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    favorite: bool = Field(description="a favorite of the calling user")


class ReferralPage(BaseModel):
    items: list[ReferralOut]
    total: int = Field(
        description="referrals matching the filters, counted exactly up to 10,000 (1,000 "
        "with a search); beyond that the bound, and `total_exact` is false"
    )
    total_exact: bool = Field(
        description="whether `total` is the exact number; false: more than `total` match"
    )
    page: int
    size: int
    pages: int = Field(description="pages of `total` (at least this many when not exact)")
    has_next: bool = Field(description="whether a page follows this one")
    next_cursor: str | None = Field(
        description="pass as `cursor` (same filters and sort) for the page after this one, "
        "read without counting the rows before it; null on the last page"
    )


class ReferralListQuery(PagedFilterSpec):
    cursor: str | None = Field(
        None,
        max_length=2000,
        description="`next_cursor` of the previous page: the next page in the same sort "
        "order (keyset paging: as fast on page 10,000 as on page 1); leave `page` at 1",
    )


class HistoryEntry(BaseModel):
    at: dt.datetime
    who: str
    user_id: int | None
    source: str = Field(description="import, api, page or system")
    job_id: str | None
    action: str = Field(description="created, updated or expired")
    changes: dict[str, list[str | None]] = Field(description="field → [before, after]")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def referral_out(ref: Referral) -> ReferralOut:
    values = {attr: getattr(ref, attr) for attr, _ in RECORD}
    for attr in _MONEY_ATTRS:
        values[attr] = _money(values[attr])
    return ReferralOut(
        **values,
        solutions=[
            SolutionOut(
                solution_id=s.solution_id,
                currency=s.currency,
                price=None if s.price is None else _money(s.price),
                quantity=s.quantity,
            )
            for s in ref.solutions
        ],
        team_members=[
            TeamMemberOut(
                first_name=m.first_name, last_name=m.last_name, phone=m.phone, email=m.email
            )
            for m in ref.team
        ],
        version=ref.version,
        created_at=utc(ref.created_at),
        updated_at=utc(ref.updated_at),
        favorite=ref.favorite,
    )


_MONEY_ATTRS = [attr for attr, f in RECORD if f is not None and f.spec.kind is Kind.MONEY]


def history_out(entry: history.HistoryEntry) -> HistoryEntry:
    return HistoryEntry(
        at=utc(entry.at) or entry.at,
        who=entry.who,
        user_id=entry.user_id,
        source=entry.source,
        job_id=entry.job_id,
        action=entry.action,
        changes={name: list(pair) for name, pair in entry.changes.items()},
    )
