"""Plain data of the referral model (SPEC §1.2). No I/O, no ORM."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from cosell.domain.enums import Direction, MicrosoftStatus, Status, Substatus

#: A cell as read from a file: text, or a real date from a spreadsheet date cell.
Cell = str | dt.date


@dataclass(frozen=True, slots=True)
class SolutionLine:
    solution_id: str
    currency: str | None = None
    price: Decimal | None = None
    quantity: int | None = None


@dataclass(frozen=True, slots=True)
class TeamMember:
    first_name: str
    last_name: str
    phone: str | None
    email: str


@dataclass(slots=True)
class Referral:
    """A referral as stored. Money is exact (`Decimal` with at most 2 places)."""

    id: str
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
    deal_value: Decimal
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
    solutions: tuple[SolutionLine, ...] = ()
    team: tuple[TeamMember, ...] = ()
    version: int = 1
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    favorite: bool = False

    @property
    def is_closed(self) -> bool:
        return self.status is Status.CLOSED
