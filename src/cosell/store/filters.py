"""Filters and sort orders of the referral list, shared by the list, the API and export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Tab(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"
    FAVORITES = "favorites"
    ALL = "all"


#: sort keys a client may ask for → column name in `referrals`
SORT_KEYS: dict[str, str] = {
    "created": "created_at",
    "updated": "updated_at",
    "deal_name": "deal_name",
    "customer": "customer_name",
    "value": "value_cents",
    "close_date": "close_date",
    "stage": "sales_stage",
    "status": "status",
}


@dataclass(slots=True)
class ReferralFilters:
    tab: Tab = Tab.ALL
    statuses: list[str] = field(default_factory=list)
    substatuses: list[str] = field(default_factory=list)
    ms_statuses: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    sales_stages: list[int] = field(default_factory=list)
    help_required: bool | None = None
    currencies: list[str] = field(default_factory=list)
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    close_from: dt.date | None = None
    close_to: dt.date | None = None
    value_min: Decimal | None = None
    value_max: Decimal | None = None
    solution_id: str | None = None
    team_email: str | None = None
    search: str | None = None
    #: a key of SORT_KEYS, with a leading "-" for descending
    sort: str = "-created"
