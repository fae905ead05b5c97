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
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cosell.domain import history
from cosell.domain.enums import Direction, MicrosoftStatus, Status, Substatus
from cosell.domain.model import Referral
from cosell.services.referral_input import MemberInput, ReferralInput, SolutionInput
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


class ReferralFields(BaseModel):
    """The changeable fields. On create, give every required one (SPEC §1.2)."""

    model_config = ConfigDict(extra="forbid")

    deal_name: Text = Field(None, description="required, ≤ 200 characters")
    customer_name: Text = Field(None, description="required on create; fixed afterwards")
    address_1: Text = Field(None, description="required on create; fixed afterwards")
    address_2: Text = Field(None, description="fixed after create")
    city: Text = Field(None, description="required on create; fixed afterwards")
    state: Text = Field(None, description="fixed after create")
    postal_code: Text = Field(None, description="fixed after create")
    country: Text = Field(None, description="ISO 3166 alpha-2 (alpha-3 accepted); fixed")
    duns: Text = Field(None, description="9 digits; fixed after create")
    contact_first_name: Text = Field(None, description="required when help_required")
    contact_last_name: Text = Field(None, description="required when help_required")
    contact_phone: Text = Field(None, description="required when help_required")
    contact_email: Text = Field(None, description="required when help_required")
    status: Text = Field(None, description="New, Active or Closed (SPEC §1.3)")
    substatus: Text = Field(None, description="Pending, Received, Accepted, Won, Lost …")
    ms_status: Text = Field(
        None,
        description="Microsoft Referral Status: set by the integration token only; "
        "partners may send only the stored value",
    )
    reason: Code = Field(None, description="Declined/Lost reason 1–8 or Error reason 1–9")
    sales_stage: Code = Field(None, description="10, 20, 40, 60, 80 or 100, or a stage name")
    deal_value: Number = Field(None, description="≥ 0, at most 2 decimals")
    currency: Text = Field(None, description="ISO 4217 code")
    close_date: Day = Field(None, description="YYYY-MM-DD (or MM/DD/YYYY)")
    crm_id: Text = Field(None, description="≤ 100 characters")
    campaign_id: Text = Field(None, description="≤ 100 characters")
    notes: Text = Field(None, description="≤ 4000 characters")
    notes_to_ms: Text = Field(None, description="≤ 4000 characters")
    help_required: YesNo = Field(None, description="true/false (or Yes/No)")
    help_code: Code = Field(None, description="1–6, required when help_required")
    share_with_ms: YesNo = None
    consent: YesNo = Field(None, description="must be true")
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


class ReferralOut(BaseModel):
    id: str = Field(description="Referral ID")
    engagement_id: str
    direction: Direction
    deal_name: str
    customer_name: str
    address_1: str
    address_2: str | None
    city: str
    state: str | None
    postal_code: str | None
    country: str
    duns: str | None
    contact_first_name: str | None
    contact_last_name: str | None
    contact_phone: str | None
    contact_email: str | None
    status: Status
    substatus: Substatus
    ms_status: MicrosoftStatus | None
    reason: int | None
    sales_stage: int
    deal_value: str = Field(description="exact decimal as text, two decimals")
    currency: str
    close_date: dt.date
    crm_id: str | None
    campaign_id: str | None
    notes: str | None
    notes_to_ms: str | None
    help_required: bool
    help_code: int | None
    share_with_ms: bool
    consent: bool
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
    return ReferralOut(
        id=ref.id,
        engagement_id=ref.engagement_id,
        direction=ref.direction,
        deal_name=ref.deal_name,
        customer_name=ref.customer_name,
        address_1=ref.address_1,
        address_2=ref.address_2,
        city=ref.city,
        state=ref.state,
        postal_code=ref.postal_code,
        country=ref.country,
        duns=ref.duns,
        contact_first_name=ref.contact_first_name,
        contact_last_name=ref.contact_last_name,
        contact_phone=ref.contact_phone,
        contact_email=ref.contact_email,
        status=ref.status,
        substatus=ref.substatus,
        ms_status=ref.ms_status,
        reason=ref.reason,
        sales_stage=ref.sales_stage,
        deal_value=_money(ref.deal_value),
        currency=ref.currency,
        close_date=ref.close_date,
        crm_id=ref.crm_id,
        campaign_id=ref.campaign_id,
        notes=ref.notes,
        notes_to_ms=ref.notes_to_ms,
        help_required=ref.help_required,
        help_code=ref.help_code,
        share_with_ms=ref.share_with_ms,
        consent=ref.consent,
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
