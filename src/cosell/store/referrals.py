"""The referral repository: every query is scoped to the acting user's organization
and, for a Referrals user, to the deals whose team lists the user's email.

Bulk by design: loads take lists of ids (one query per chunk), writes are
executemany statements; there is no query per row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    String,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)

from cosell.domain.enums import Direction, MicrosoftStatus, Role, Status, Substatus
from cosell.domain.model import Referral, SolutionLine, TeamMember
from cosell.errors import UsageError
from cosell.services.actor import Actor
from cosell.store.bulk import allocate_ids, executemany, fetch_all
from cosell.store.filters import SORT_KEYS, ReferralFilters, Tab
from cosell.store.models import Favorite, HistoryRow, ReferralRow, ReferralSolutionRow
from cosell.store.models import ReferralTeamMemberRow as TeamRow

R = cast(Table, ReferralRow.__table__)
S = cast(Table, ReferralSolutionRow.__table__)
T = cast(Table, TeamRow.__table__)
F = cast(Table, Favorite.__table__)
H = cast(Table, HistoryRow.__table__)

CHUNK = 500

SCALARS = [
    "referral_id",
    "engagement_id",
    "direction",
    "deal_name",
    "customer_name",
    "address_1",
    "address_2",
    "city",
    "state",
    "postal_code",
    "country",
    "duns",
    "contact_first_name",
    "contact_last_name",
    "contact_phone",
    "contact_email",
    "status",
    "substatus",
    "ms_status",
    "reason",
    "sales_stage",
    "value_cents",
    "currency",
    "close_date",
    "crm_id",
    "campaign_id",
    "notes",
    "notes_to_ms",
    "help_required",
    "help_code",
    "share_with_ms",
    "consent",
    "version",
    "created_at",
    "updated_at",
]
#: Dates are read as stored text and parsed with `fromisoformat`: several times faster
#: than the generic result processing, which dominates reading thousands of rows.
_DATES = frozenset({"close_date", "created_at", "updated_at"})
_COLUMNS = [
    R.c.pk,
    *(type_coerce(R.c[n], String).label(n) if n in _DATES else R.c[n] for n in SCALARS),
]


def _cents(value: Decimal) -> int:
    return int((value * 100).to_integral_exact())


def to_date(value: Any) -> dt.date:
    """A date column's value: text on SQLite (read raw for speed), a date elsewhere."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


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


class ReferralRepository:
    def __init__(self, conn: Connection, actor: Actor) -> None:
        self.conn = conn
        self.actor = actor

    # ----------------------------------------------------------------- reads
    def by_referral_ids(self, ids: Iterable[str]) -> dict[str, Referral]:
        """The visible referrals among `ids` (others are simply absent)."""
        found: dict[str, Referral] = {}
        for chunk in _chunks(list(ids)):
            rows = self.conn.execute(
                select(*_COLUMNS).where(visible(self.actor), R.c.referral_id.in_(chunk))
            ).all()
            for ref in self._hydrate(rows):
                found[ref.id] = ref
        return found

    def by_crm_ids(self, crm_ids: Iterable[str]) -> dict[str, list[Referral]]:
        found: dict[str, list[Referral]] = {}
        for chunk in _chunks(list(crm_ids)):
            rows = self.conn.execute(
                select(*_COLUMNS).where(visible(self.actor), R.c.crm_id.in_(chunk))
            ).all()
            for ref in self._hydrate(rows):
                found.setdefault(ref.crm_id or "", []).append(ref)
        return found

    def get(self, referral_id: str) -> Referral | None:
        return self.by_referral_ids([referral_id]).get(referral_id)

    def pk_of(self, referral_id: str) -> int | None:
        return self.conn.execute(
            select(R.c.pk).where(visible(self.actor), R.c.referral_id == referral_id)
        ).scalar()

    def count(self, filters: ReferralFilters) -> int:
        query = self._filtered(select(func.count()).select_from(R), filters)
        return int(self.conn.execute(query).scalar_one())

    def search(self, filters: ReferralFilters, *, limit: int, offset: int = 0) -> list[Referral]:
        query = self._filtered(select(*_COLUMNS), filters)
        query = query.order_by(*_order(filters.sort)).limit(limit).offset(offset)
        return self._hydrate(self.conn.execute(query).all())

    def stage_totals(self, filters: ReferralFilters) -> list[tuple[int, str, int, int]]:
        """(sales stage, currency, deals, value in cents) for the filtered deals."""
        query = self._filtered(
            select(R.c.sales_stage, R.c.currency, func.count(), func.sum(R.c.value_cents)),
            filters,
        ).group_by(R.c.sales_stage, R.c.currency)
        return [(int(a), str(b), int(c), int(d or 0)) for a, b, c, d in self.conn.execute(query)]

    def history(self, referral_id: str) -> list[dict[str, Any]]:
        pk = self.pk_of(referral_id)
        if pk is None:
            return []
        rows = self.conn.execute(
            select(H.c.at, H.c.user_id, H.c.source, H.c.job_id, H.c.action, H.c.changes)
            .where(H.c.org_id == self.actor.org_id, H.c.referral_pk == pk)
            .order_by(H.c.id.desc())
        ).all()
        return [
            {
                "at": r.at,
                "user_id": r.user_id,
                "source": r.source,
                "job_id": r.job_id,
                "action": r.action,
                "changes": json.loads(r.changes),
            }
            for r in rows
        ]

    def is_favorite(self, referral_ids: Sequence[str]) -> set[str]:
        if self.actor.user_id is None or not referral_ids:
            return set()
        rows = self.conn.execute(
            select(R.c.referral_id)
            .join(F, F.c.referral_pk == R.c.pk)
            .where(F.c.user_id == self.actor.user_id, R.c.referral_id.in_(list(referral_ids)))
        )
        return {r[0] for r in rows}

    def set_favorite(self, referral_id: str, on: bool) -> bool:
        """Returns False when the referral is not visible."""
        pk = self.pk_of(referral_id)
        if pk is None or self.actor.user_id is None:
            return False
        self.conn.execute(delete(F).where(F.c.user_id == self.actor.user_id, F.c.referral_pk == pk))
        if on:
            self.conn.execute(insert(F).values(user_id=self.actor.user_id, referral_pk=pk))
        return True

    # ---------------------------------------------------------------- writes
    def insert_many(self, referrals: Sequence[Referral], created_by: int | None) -> list[int]:
        """Insert new referrals with their items; returns their primary keys in order."""
        if not referrals:
            return []
        org = self.actor.org_id
        pks = allocate_ids(self.conn, R, len(referrals))
        params = []
        for pk, ref in zip(pks, referrals, strict=True):
            p = _params(ref)
            p["pk"], p["org_id"], p["created_by"] = pk, org, created_by
            params.append(p)
        executemany(self.conn, insert(R), params, R)
        self._insert_items(zip(pks, referrals, strict=True))
        return pks

    def update_many(self, pairs: Sequence[tuple[int, Referral]], *, items: bool = True) -> None:
        """Write the full new state of existing referrals (by primary key)."""
        if not pairs:
            return
        params = []
        for pk, ref in pairs:
            p = _params(ref)
            del p["referral_id"], p["engagement_id"], p["direction"], p["created_at"]
            p["b_pk"], p["b_org"] = pk, self.actor.org_id
            params.append(p)
        stmt = (
            update(R)
            .where(R.c.pk == bindparam("b_pk"), R.c.org_id == bindparam("b_org"))
            .values({k: bindparam(k) for k in params[0] if not k.startswith("b_")})
        )
        executemany(self.conn, stmt, params, R)
        if items:
            pks = [pk for pk, _ in pairs]
            for chunk in _chunks(pks):
                self.conn.execute(delete(S).where(S.c.referral_pk.in_(chunk)))
                self.conn.execute(delete(T).where(T.c.referral_pk.in_(chunk)))
            self._insert_items(pairs)

    def add_history(self, entries: Sequence[dict[str, Any]]) -> None:
        if entries:
            for e in entries:
                e["org_id"] = self.actor.org_id
            executemany(self.conn, insert(H), list(entries), H)

    def _insert_items(self, pairs: Iterable[tuple[int, Referral]]) -> None:
        org = self.actor.org_id
        sol_rows: list[dict[str, Any]] = []
        team_rows: list[dict[str, Any]] = []
        for pk, ref in pairs:
            for i, s in enumerate(ref.solutions, start=1):
                sol_rows.append(
                    {
                        "referral_pk": pk,
                        "position": i,
                        "org_id": org,
                        "solution_id": s.solution_id,
                        "currency": s.currency,
                        "price_cents": None if s.price is None else _cents(s.price),
                        "quantity": s.quantity,
                    }
                )
            for i, m in enumerate(ref.team, start=1):
                team_rows.append(
                    {
                        "referral_pk": pk,
                        "position": i,
                        "org_id": org,
                        "first_name": m.first_name,
                        "last_name": m.last_name,
                        "phone": m.phone,
                        "email": m.email,
                        "email_key": m.email.casefold(),
                    }
                )
        executemany(self.conn, insert(S), sol_rows, S)
        executemany(self.conn, insert(T), team_rows, T)

    # --------------------------------------------------------------- helpers
    def _filtered(self, query: Select[Any], f: ReferralFilters) -> Select[Any]:
        conds: list[ColumnElement[bool]] = [visible(self.actor)]
        if f.tab is Tab.INBOUND:
            conds.append(R.c.direction == Direction.INCOMING.value)
        elif f.tab is Tab.OUTBOUND:
            conds.append(R.c.direction == Direction.OUTGOING.value)
        elif f.tab is Tab.FAVORITES:
            conds.append(
                exists().where(F.c.referral_pk == R.c.pk, F.c.user_id == (self.actor.user_id or -1))
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
            conds.append(R.c.value_cents >= _cents(f.value_min))
        if f.value_max is not None:
            conds.append(R.c.value_cents <= _cents(f.value_max))
        if f.solution_id:
            conds.append(
                R.c.pk.in_(
                    select(S.c.referral_pk).where(
                        S.c.org_id == self.actor.org_id, S.c.solution_id == f.solution_id
                    )
                )
            )
        if f.team_email:
            conds.append(
                R.c.pk.in_(
                    select(T.c.referral_pk).where(
                        T.c.org_id == self.actor.org_id,
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

    def _hydrate(self, rows: Sequence[Any]) -> list[Referral]:
        if not rows:
            return []
        sols, team = self.children([r[0] for r in rows])
        return [
            _referral(
                r,
                tuple(
                    SolutionLine(sid, cur, None if price is None else _money(price), qty)
                    for sid, cur, price, qty in sols.get(r[0], ())
                ),
                tuple(TeamMember(*m) for m in team.get(r[0], ())),
            )
            for r in rows
        ]

    def children(
        self, pks: Sequence[int] | Select[Any]
    ) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
        """Solutions (id, currency, price in cents, quantity) and team members (first,
        last, phone, email) of the given referrals, in their order, as plain tuples.

        `pks` is a list of primary keys or a query selecting them (one statement each
        then, however many referrals it selects)."""
        sols: dict[int, list[Any]] = {}
        team: dict[int, list[Any]] = {}
        chunks = [pks] if isinstance(pks, Select) else list(_chunks(pks))
        for chunk in chunks:
            rows = fetch_all(
                self.conn,
                select(
                    S.c.referral_pk, S.c.solution_id, S.c.currency, S.c.price_cents, S.c.quantity
                )
                .where(S.c.referral_pk.in_(chunk))
                .order_by(S.c.referral_pk, S.c.position),
            )
            for pk, *rest in rows:
                sols.setdefault(pk, []).append(rest)
            rows = fetch_all(
                self.conn,
                select(T.c.referral_pk, T.c.first_name, T.c.last_name, T.c.phone, T.c.email)
                .where(T.c.referral_pk.in_(chunk))
                .order_by(T.c.referral_pk, T.c.position),
            )
            for pk, *rest in rows:
                team.setdefault(pk, []).append(rest)
        return sols, team

    def raw_search(
        self, filters: ReferralFilters, *, limit: int
    ) -> tuple[list[Any], dict[int, list[Any]], dict[int, list[Any]]]:
        """Like `search`, as plain rows (`pk` then the columns of `SCALARS`) and children;
        for export, which formats thousands of rows and needs no objects."""

        def selection(*columns: Any) -> Select[Any]:
            query = self._filtered(select(*columns), filters)
            return query.order_by(*_order(filters.sort)).limit(limit)

        rows = fetch_all(self.conn, selection(*_COLUMNS))
        pks = select(selection(R.c.pk).subquery().c.pk)
        return (rows, *self.children(pks))


def history_entry(
    pk: int,
    actor: Actor,
    source: str,
    action: str,
    changes: dict[str, Any],
    now: dt.datetime,
    job_id: str | None = None,
) -> dict[str, Any]:
    """One history row for `add_history`: who, when, from where, fields before/after."""
    return {
        "referral_pk": pk,
        "at": now,
        "user_id": actor.user_id,
        "source": source,
        "job_id": job_id,
        "action": action,
        "changes": json.dumps(changes, ensure_ascii=False),
    }


def _referral(
    r: Any, solutions: tuple[SolutionLine, ...], team: tuple[TeamMember, ...]
) -> Referral:
    (
        pk,
        rid,
        eid,
        direction,
        deal,
        cust,
        a1,
        a2,
        city,
        state,
        postal,
        country,
        duns,
        cf,
        cl,
        cp,
        ce,
        status,
        substatus,
        ms,
        reason,
        stage,
        cents,
        currency,
        close,
        crm,
        campaign,
        notes,
        notes_ms,
        help_req,
        help_code,
        share,
        consent,
        version,
        created,
        updated,
    ) = r
    ref = Referral(
        id=rid,
        engagement_id=eid,
        direction=Direction(direction),
        deal_name=deal,
        customer_name=cust,
        address_1=a1,
        address_2=a2,
        city=city,
        state=state,
        postal_code=postal,
        country=country,
        duns=duns,
        contact_first_name=cf,
        contact_last_name=cl,
        contact_phone=cp,
        contact_email=ce,
        status=Status(status),
        substatus=Substatus(substatus),
        ms_status=MicrosoftStatus(ms) if ms else None,
        reason=reason,
        sales_stage=stage,
        deal_value=_money(cents),
        currency=currency,
        close_date=to_date(close),
        crm_id=crm,
        campaign_id=campaign,
        notes=notes,
        notes_to_ms=notes_ms,
        help_required=bool(help_req),
        help_code=help_code,
        share_with_ms=bool(share),
        consent=bool(consent),
        solutions=solutions,
        team=team,
        version=version,
        created_at=_datetime(created),
        updated_at=_datetime(updated),
    )
    ref.extra["pk"] = pk
    return ref


def _datetime(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _params(ref: Referral) -> dict[str, Any]:
    return {
        "referral_id": ref.id,
        "engagement_id": ref.engagement_id,
        "direction": ref.direction.value,
        "deal_name": ref.deal_name,
        "customer_name": ref.customer_name,
        "address_1": ref.address_1,
        "address_2": ref.address_2,
        "city": ref.city,
        "state": ref.state,
        "postal_code": ref.postal_code,
        "country": ref.country,
        "duns": ref.duns,
        "contact_first_name": ref.contact_first_name,
        "contact_last_name": ref.contact_last_name,
        "contact_phone": ref.contact_phone,
        "contact_email": ref.contact_email,
        "status": ref.status.value,
        "substatus": ref.substatus.value,
        "ms_status": ref.ms_status.value if ref.ms_status else None,
        "reason": ref.reason,
        "sales_stage": ref.sales_stage,
        "value_cents": _cents(ref.deal_value),
        "currency": ref.currency,
        "close_date": ref.close_date,
        "crm_id": ref.crm_id,
        "campaign_id": ref.campaign_id,
        "notes": ref.notes,
        "notes_to_ms": ref.notes_to_ms,
        "help_required": ref.help_required,
        "help_code": ref.help_code,
        "share_with_ms": ref.share_with_ms,
        "consent": ref.consent,
        "version": ref.version,
        "created_at": ref.created_at,
        "updated_at": ref.updated_at,
    }


def _order(sort: str) -> list[Any]:
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORT_KEYS:
        raise UsageError(f'cannot sort by "{key}"; expected one of {", ".join(SORT_KEYS)}')
    col = R.c[SORT_KEYS[key]]
    return [col.desc() if desc else col.asc(), R.c.pk.desc() if desc else R.c.pk.asc()]


def _day(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
