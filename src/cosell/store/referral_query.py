"""The referral list's WHERE and ORDER BY: visibility, tabs, filters, search, sort.

One place builds them for the list, the API, the chart and export, so the same
filters always select the same deals.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select

from cosell.domain.enums import Direction, Role
from cosell.errors import UsageError
from cosell.services.actor import Actor
from cosell.store.filters import SORT_KEYS, ReferralFilters, Tab
from cosell.store.referral_rows import F, R, S, T, cents


def visible(actor: Actor) -> ColumnElement[bool]:
    """The WHERE clause of what the actor may see."""
    clause: ColumnElement[bool] = R.c.org_id == actor.org_id
    if actor.role is Role.USER and not actor.integration:
        clause = and_(
            clause,
            R.c.pk.in_(
                select(T.c.referral_pk).where(
                    T.c.org_id == actor.org_id, T.c.email_key == actor.email_key
                )
            ),
        )
    return clause


def filtered(query: Select[Any], actor: Actor, f: ReferralFilters) -> Select[Any]:
    """`query` narrowed to what `actor` may see and to the list's filters."""
    conds: list[ColumnElement[bool]] = [visible(actor)]
    if f.tab is Tab.INBOUND:
        conds.append(R.c.direction == Direction.INCOMING.value)
    elif f.tab is Tab.OUTBOUND:
        conds.append(R.c.direction == Direction.OUTGOING.value)
    elif f.tab is Tab.FAVORITES:
        conds.append(
            exists().where(F.c.referral_pk == R.c.pk, F.c.user_id == (actor.user_id or -1))
        )
    for column, values in (
        (R.c.status, f.statuses),
        (R.c.substatus, f.substatuses),
        (R.c.ms_status, f.ms_statuses),
        (R.c.country, f.countries),
        (R.c.currency, f.currencies),
        (R.c.sales_stage, f.sales_stages),
    ):
        if values:
            conds.append(column.in_(values))
    if f.help_required is not None:
        conds.append(R.c.help_required == f.help_required)
    if f.created_from:
        conds.append(R.c.created_at >= _day(f.created_from))
    if f.created_to:
        conds.append(R.c.created_at < _day(f.created_to + dt.timedelta(days=1)))
    if f.close_from:
        conds.append(R.c.close_date >= f.close_from)
    if f.close_to:
        conds.append(R.c.close_date <= f.close_to)
    if f.value_min is not None:
        conds.append(R.c.value_cents >= cents(f.value_min))
    if f.value_max is not None:
        conds.append(R.c.value_cents <= cents(f.value_max))
    if f.solution_id:
        conds.append(
            R.c.pk.in_(
                select(S.c.referral_pk).where(
                    S.c.org_id == actor.org_id, S.c.solution_id == f.solution_id
                )
            )
        )
    if f.team_email:
        conds.append(
            R.c.pk.in_(
                select(T.c.referral_pk).where(
                    T.c.org_id == actor.org_id,
                    T.c.email_key == f.team_email.strip().casefold(),
                )
            )
        )
    if f.search:
        text = f.search.strip()
        if len(text) < 3:
            raise UsageError("search needs at least 3 characters")
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conds.append(
            or_(
                *(
                    col.ilike(pattern, escape="\\")
                    for col in (
                        R.c.deal_name,
                        R.c.referral_id,
                        R.c.customer_name,
                        R.c.notes,
                        R.c.crm_id,
                    )
                )
            )
        )
    return query.where(*conds)


def order_by(sort: str) -> list[Any]:
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        raise UsageError(f'cannot sort by "{key}"; expected one of {", ".join(SORT_KEYS)}')
    col = R.c[SORT_KEYS[key]]
    return [col.desc() if desc else col.asc(), R.c.pk.desc() if desc else R.c.pk.asc()]


def _day(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day)
