"""Filters and sort orders of the referral list, shared by the list, the API and export
(plain values: the store turns them into a query)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from cosell.errors import UsageError
from cosell.i18n import Msg

#: Shortest search text (after trimming spaces): shorter would match nearly everything.
MIN_SEARCH = 3
_LAST_DAY = dt.date(9999, 12, 30)  # the query adds a day to `created_to`
_MAX_VALUE = Decimal(10**15)


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

    def check(self) -> None:
        """Raise UsageError naming the first filter the list query could not use, so a
        job is refused before it is stored rather than failing when it runs."""
        if not isinstance(self.tab, Tab):
            raise UsageError(
                Msg(
                    'tab must be one of %(tabs)s, not "%(value)s"',
                    tabs=", ".join(Tab),
                    value=self.tab,
                )
            )
        for name in ("statuses", "substatuses", "ms_statuses", "countries", "currencies"):
            values = getattr(self, name)
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise UsageError(Msg("%(name)s must be a list of texts", name=name))
        if not isinstance(self.sales_stages, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in self.sales_stages
        ):
            raise UsageError(Msg("sales stages must be a list of whole numbers"))
        if self.help_required is not None and not isinstance(self.help_required, bool):
            raise UsageError(Msg("help required must be true or false"))
        for name in ("created_from", "created_to", "close_from", "close_to"):
            day = getattr(self, name)
            if day is not None and (not isinstance(day, dt.date) or day > _LAST_DAY):
                raise UsageError(
                    Msg(
                        "%(name)s must be a date up to %(last)s",
                        name=name,
                        last=_LAST_DAY.isoformat(),
                    )
                )
        for name in ("value_min", "value_max"):
            value = getattr(self, name)
            if value is not None and (
                not isinstance(value, Decimal)
                or not value.is_finite()
                or not 0 <= value <= _MAX_VALUE
            ):
                raise UsageError(
                    Msg(
                        "%(name)s must be an amount from 0 to %(limit)s",
                        name=name,
                        limit=f"{_MAX_VALUE:,}",
                    )
                )
        for name in ("solution_id", "team_email", "search"):
            text = getattr(self, name)
            if text is not None and not isinstance(text, str):
                raise UsageError(Msg("%(name)s must be a text", name=name))
        if self.search is not None and len(self.search.strip()) < MIN_SEARCH:
            raise UsageError(Msg("search needs at least %(count)s characters", count=MIN_SEARCH))
        key = self.sort.lstrip("-") if isinstance(self.sort, str) else ""
        if key not in SORT_KEYS:
            raise UsageError(
                Msg(
                    'cannot sort by "%(sort)s"; expected one of %(keys)s',
                    sort=self.sort,
                    keys=", ".join(SORT_KEYS),
                )
            )
