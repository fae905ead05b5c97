"""Plain data of the referral model (rules §1.2). No I/O, no ORM."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from cosell.domain.enums import Direction, MicrosoftStatus, Status, Substatus
from cosell.domain.field_spec import Section
from cosell.domain.fields import Field

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
    """A referral as stored. Money is exact (`Decimal` with at most 2 places).

    Its values before `solutions` are the fields of the table in `fields` (checked by
    tests/domain/test_fields.py), and `direction`; their order here is the order of the
    API's JSON and of the stored columns. A field added later may default to None."""

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


def _record() -> tuple[tuple[str, Field | None], ...]:
    by_attr = {f.spec.attr: f for f in Field if f.spec.attr is not None}
    names = [a.name for a in dataclasses.fields(Referral)]
    return tuple((name, by_attr.get(name)) for name in names[: names.index("solutions")])


#: The deal's own values (not its items, not its bookkeeping) in `Referral`'s order: each
#: attribute with the field it holds (None: `direction`, which no column of a file holds).
RECORD: tuple[tuple[str, Field | None], ...] = _record()

#: The fields the detail page lists on each of its cards, by `Section` value, in this order.
PAGE_SECTIONS: dict[str, tuple[Field, ...]] = {
    section.value: tuple(f for _, f in RECORD if f is not None and f.spec.section is section)
    for section in Section
}
