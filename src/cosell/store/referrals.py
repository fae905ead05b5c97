"""The referral repository: every query is scoped to the acting user's organization
and, for a Referrals user, to the deals whose team lists the user's email.

Bulk by design: loads take lists of ids (one query per chunk), writes are
executemany statements; there is no query per row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    update,
)

from cosell.domain.history import HistoryEntry, changes_of
from cosell.domain.model import Referral, SolutionLine, TeamMember
from cosell.services.actor import Actor
from cosell.store import referral_query
from cosell.store.bulk import allocate_ids, executemany, fetch_all
from cosell.store.filters import ReferralFilters
from cosell.store.models import User, table_of
from cosell.store.referral_query import (
    FTS,
    Cursor,
    Hints,
    SearchPlan,
    after,
    encode_cursor,
    filtered,
    fts_match,
    order_by,
    search_text,
    sort_column,
    team_emails,
    visible,
)
from cosell.store.referral_rows import (
    COLUMNS,
    F,
    H,
    R,
    S,
    T,
    cents,
    history_entry,
    money,
    referral_from_row,
    row_params,
    to_date,
    to_datetime,
)

__all__ = ["Change", "ReferralRepository", "history_entry", "to_date"]

CHUNK = 500
U = table_of(User)
#: position of each column in a row of `COLUMNS` (the keyset cursor reads the sort value)
_POSITION = {column.name: i for i, column in enumerate(COLUMNS)}
#: The first key of the PostgreSQL advisory lock `lock_creates` takes (the second is the
#: organization). Two-key advisory locks never collide with one-key ones.
CREATES_LOCK_SPACE = 0x636F7365  # "cose"


@dataclass(frozen=True, slots=True)
class Change:
    """One recorded change of a referral: when, by whom, which columns."""

    at: dt.datetime
    by: str
    fields: tuple[str, ...]


class ReferralRepository:
    def __init__(self, conn: Connection, actor: Actor) -> None:
        self.conn = conn
        self.actor = actor
        self._plans: dict[str, SearchPlan] = {}
        self._team_sizes: dict[str, int] = {}

    # ----------------------------------------------------------------- reads
    def by_referral_ids(self, ids: Iterable[str]) -> dict[str, Referral]:
        """The visible referrals among `ids` (others are simply absent)."""
        found: dict[str, Referral] = {}
        for chunk in _chunks(list(ids)):
            rows = self.conn.execute(
                select(*COLUMNS).where(visible(self.actor), R.c.referral_id.in_(chunk))
            ).all()
            for ref in self._hydrate(rows):
                found[ref.id] = ref
        return found

    def by_crm_ids(self, crm_ids: Iterable[str]) -> dict[str, list[Referral]]:
        """The visible referrals with these CRM IDs, by CRM ID."""
        return self._by_column(R.c.crm_id, crm_ids, lambda ref: ref.crm_id or "")

    def by_engagement_ids(self, ids: Iterable[str]) -> dict[str, list[Referral]]:
        """The visible referrals with these Engagement IDs, by Engagement ID."""
        return self._by_column(R.c.engagement_id, ids, lambda ref: ref.engagement_id)

    def by_deal_names(self, names: Iterable[str]) -> dict[str, list[Referral]]:
        """The visible referrals with exactly these deal names, by deal name, oldest first."""
        return self._by_column(R.c.deal_name, names, lambda ref: ref.deal_name)

    def _by_column(
        self, column: Any, values: Iterable[str], key: Callable[[Referral], str]
    ) -> dict[str, list[Referral]]:
        found: dict[str, list[Referral]] = {}
        for chunk in _chunks(sorted(set(values))):
            rows = self.conn.execute(
                select(*COLUMNS).where(visible(self.actor), column.in_(chunk)).order_by(R.c.pk)
            ).all()
            for ref in self._hydrate(rows):
                found.setdefault(key(ref), []).append(ref)
        return found

    def changes_since(self, versions: Mapping[int, int]) -> dict[int, list[Change]]:
        """For referrals (primary key → a version), the recorded changes that made
        them newer than that version, oldest first."""
        found: dict[int, list[Change]] = {}
        for chunk in _chunks(sorted(versions)):
            rows = self.conn.execute(
                select(H.c.referral_pk, H.c.at, H.c.version, H.c.source, H.c.changes, U.c.email)
                .select_from(H.outerjoin(U, U.c.id == H.c.user_id))
                .where(H.c.org_id == self.actor.org_id, H.c.referral_pk.in_(chunk))
                .order_by(H.c.id)
            ).all()
            for pk, at, version, source, changes, email in rows:
                if version is not None and version > versions[pk]:
                    who = email or ("Microsoft" if source == "api" else "the system")
                    fields = tuple(json.loads(changes)) if changes else ()
                    found.setdefault(pk, []).append(Change(to_datetime(at), who, fields))
        return found

    def get(self, referral_id: str) -> Referral | None:
        return self.by_referral_ids([referral_id]).get(referral_id)

    def pk_of(self, referral_id: str) -> int | None:
        return self.conn.execute(
            select(R.c.pk).where(visible(self.actor), R.c.referral_id == referral_id)
        ).scalar()

    def search_plan(self, filters: ReferralFilters) -> SearchPlan | None:
        """How this transaction answers the filters' search (None: no search). On SQLite
        the FTS index is asked once for the deals that match, when they are few."""
        text = search_text(filters)
        if text is None:
            return None
        plan = self._plans.get(text)
        if plan is None:
            dialect = self.conn.dialect.name
            plan = SearchPlan(text, dialect)
            if dialect == "sqlite":
                sparse = referral_query.SPARSE_MATCHES
                found = self.conn.execute(
                    select(FTS.c.rowid).where(fts_match(text)).limit(max(sparse, 0) + 1)
                ).scalars()
                pks = tuple(int(pk) for pk in found)
                if len(pks) <= sparse:
                    plan = SearchPlan(text, dialect, pks)
            self._plans[text] = plan
        return plan

    def _filtered(
        self, query: Select[Any], filters: ReferralFilters, purpose: str = "rows"
    ) -> Select[Any]:
        dialect = self.conn.dialect.name
        few = frozenset(
            email
            for email in team_emails(self.actor, filters)
            if dialect == "sqlite" and self._few_on_team(email)
        )
        hints = Hints(dialect, self.search_plan(filters), purpose, few)
        return filtered(query, self.actor, filters, hints=hints)

    def _common_team_email(self, filters: ReferralFilters) -> str | None:
        """SQLite: a team email of the query that is on many deals (None: none is)."""
        if self.conn.dialect.name != "sqlite":
            return None
        emails = [e for e in team_emails(self.actor, filters) if not self._few_on_team(e)]
        return emails[0] if emails else None

    def _few_on_team(self, email_key: str) -> bool:
        """Whether the email is on the team of few deals (SQLite then reads those first)."""
        found = self._team_sizes.get(email_key)
        if found is None:
            first = (
                select(T.c.referral_pk)
                .where(T.c.org_id == self.actor.org_id, T.c.email_key == email_key)
                .limit(referral_query.SPARSE_MATCHES + 1)
                .subquery()
            )
            found = int(self.conn.execute(select(func.count()).select_from(first)).scalar_one())
            self._team_sizes[email_key] = found
        return found <= referral_query.SPARSE_MATCHES

    def count(self, filters: ReferralFilters) -> int:
        """How many deals match, all of them counted (see `count_upto` for lists)."""
        query = self._filtered(select(func.count()).select_from(R), filters, "count")
        return int(self.conn.execute(query).scalar_one())

    def count_upto(self, filters: ReferralFilters, bound: int) -> tuple[int, bool]:
        """(deals that match, exact): counted up to `bound`, beyond it (bound, False). The
        count reads at most `bound` + 1 rows, however many match."""
        # A common text on SQLite is counted like the list finds it: the organization's
        # deals walked in index order, each checked, until the bound. Walking the text's
        # matches in the search index instead reads every organization's matches (the
        # index holds them all, in key order): 0.4-0.7 s for a text in 125,000 deals of
        # a 1,000-organization database, whatever the organization's own share.
        plan = self.search_plan(filters)
        if (email := self._common_team_email(filters)) is not None:
            # the deals of a team member on many of them: walk the team index in key
            # order joined to the deals, stop at the bound
            joined = select(literal(1)).select_from(T.join(R, R.c.pk == T.c.referral_pk))
            hints = Hints("sqlite", plan, "count", team_joined=email)
            query = filtered(
                joined.where(T.c.org_id == self.actor.org_id, T.c.email_key == email),
                self.actor,
                filters,
                hints=hints,
            )
        else:
            query = self._filtered(select(literal(1)), filters, "count")
        first = query.limit(bound + 1).subquery()
        found = int(self.conn.execute(select(func.count()).select_from(first)).scalar_one())
        return min(found, bound), found <= bound

    def search(
        self,
        filters: ReferralFilters,
        *,
        limit: int,
        offset: int = 0,
        cursor: Cursor | None = None,
    ) -> list[Referral]:
        """A page of the list: `limit` deals after `offset` deals, or after `cursor`."""
        return self._hydrate(self.page_rows(filters, limit=limit, offset=offset, cursor=cursor))

    def search_page(
        self,
        filters: ReferralFilters,
        *,
        limit: int,
        offset: int = 0,
        cursor: Cursor | None = None,
    ) -> tuple[list[Referral], str | None]:
        """Up to `limit` deals after `offset` deals or after `cursor`, and the cursor of
        the page after them (None when there is none): one query of `limit` + 1 rows."""
        rows = self.page_rows(filters, limit=limit + 1, offset=offset, cursor=cursor)
        following = None
        if len(rows) > limit:
            rows = rows[:limit]
            following = self.cursor_after(filters.sort, rows[-1])
        return self._hydrate(rows), following

    def cursor_after(self, sort: str, row: Any) -> str:
        """The cursor after a row of `page_rows`."""
        col, _ = sort_column(sort)
        return encode_cursor(sort, row[_POSITION[col.name]], int(row[0]))

    def page_rows(
        self,
        filters: ReferralFilters,
        *,
        limit: int,
        offset: int = 0,
        cursor: Cursor | None = None,
    ) -> list[Any]:
        query = self._filtered(select(*COLUMNS), filters)
        if cursor is not None:
            query = query.where(after(cursor))
        query = query.order_by(*order_by(filters.sort)).limit(limit)
        if offset:
            query = query.offset(offset)
        return list(self.conn.execute(query).all())

    def stage_totals(self, filters: ReferralFilters) -> list[tuple[int, str, int, int]]:
        """(sales stage, currency, deals, value in cents) for the filtered deals."""
        query = self._filtered(
            select(R.c.sales_stage, R.c.currency, func.count(), func.sum(R.c.value_cents)),
            filters,
            "count",
        ).group_by(R.c.sales_stage, R.c.currency)
        return [(int(a), str(b), int(c), int(d or 0)) for a, b, c, d in self.conn.execute(query)]

    def history(self, referral_id: str) -> list[HistoryEntry]:
        pk = self.pk_of(referral_id)
        if pk is None:
            return []
        rows = self.conn.execute(
            select(H.c.at, H.c.user_id, H.c.source, H.c.job_id, H.c.action, H.c.changes)
            .where(H.c.org_id == self.actor.org_id, H.c.referral_pk == pk)
            .order_by(H.c.id.desc())
        ).all()
        return [
            HistoryEntry(r.at, r.user_id, r.source, r.job_id, r.action, changes_of(r.changes))
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
    def lock_creates(self) -> None:
        """Wait for, and hold until the transaction ends, the organization's lock for
        writes that may create deals.

        Whether a row creates a deal depends on what is stored (no deal with its CRM
        ID, none that looks like it), so two imports of the same file must not both
        decide before either commits. Taken before those reads, the lock makes the
        later import read the earlier one's deals. SQLite needs nothing: every write
        transaction there already holds the database lock.

        One lock per organization rather than one per CRM ID and deal name: it covers
        every way a row can find or resemble a deal, costs one lock-table entry instead
        of up to two per row (PostgreSQL's table is shared and small), and imports of
        one organization that create deals are rare and short."""
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(
                text("SELECT pg_advisory_xact_lock(:space, :org)"),
                {"space": CREATES_LOCK_SPACE, "org": self.actor.org_id},
            )

    def insert_many(self, referrals: Sequence[Referral], created_by: int | None) -> list[int]:
        """Insert new referrals with their items; returns their primary keys in order."""
        if not referrals:
            return []
        org = self.actor.org_id
        pks = allocate_ids(self.conn, R, len(referrals))
        params = []
        for pk, ref in zip(pks, referrals, strict=True):
            p = row_params(ref)
            p["pk"], p["org_id"], p["created_by"] = pk, org, created_by
            params.append(p)
        executemany(self.conn, insert(R), params, R)
        self._search_index("add", pks)
        self._insert_items(zip(pks, referrals, strict=True))
        return pks

    def update_many(self, pairs: Sequence[tuple[int, Referral]], *, items: bool = True) -> int:
        """Write the full new state of existing referrals (by primary key), each only if it
        is still at the version it was read at (`ref.version - 1`: a change adds one).

        A compare-and-set: returns how many referrals were written; fewer than `pairs`
        means another writer changed some of them since they were read, and the caller
        must not commit.

        Rows are written in primary key order, whatever the order of `pairs`: two
        writers that lock the same rows in the same order wait for each other instead
        of deadlocking (PostgreSQL)."""
        if not pairs:
            return 0
        pairs = sorted(pairs, key=lambda pair: pair[0])
        params = []
        for pk, ref in pairs:
            p = row_params(ref)
            del p["referral_id"], p["engagement_id"], p["direction"], p["created_at"]
            p["b_pk"], p["b_org"], p["b_version"] = pk, self.actor.org_id, ref.version - 1
            params.append(p)
        stmt = (
            update(R)
            .where(
                R.c.pk == bindparam("b_pk"),
                R.c.org_id == bindparam("b_org"),
                R.c.version == bindparam("b_version"),
            )
            .values({k: bindparam(k) for k in params[0] if not k.startswith("b_")})
        )
        pks = [pk for pk, _ in pairs]
        self._search_index("delete", pks)  # the values indexed are the ones stored now
        written = executemany(self.conn, stmt, params, R)
        self._search_index("add", pks)
        if items:
            for chunk in _chunks(pks):
                self.conn.execute(delete(S).where(S.c.referral_pk.in_(chunk)))
                self.conn.execute(delete(T).where(T.c.referral_pk.in_(chunk)))
            self._insert_items(pairs)
        return written

    def _search_index(self, change: str, pks: Sequence[int]) -> None:
        """SQLite: add the stored search text of `pks` to the search index, or ("delete")
        take it out (FTS5 needs the very values it indexed: call before they change).

        Done here, in bulk, not by triggers: in a trigger, FTS5 flushes its pending terms
        once per row (each trigger step runs in a statement savepoint), which tripled the
        time of an import's inserts. Deletes go through a trigger (migration 0006)."""
        if self.conn.dialect.name != "sqlite" or not pks:
            return
        cols = ", ".join(col.name for col in referral_query.SEARCHED)
        head = "referrals_fts, rowid" if change == "delete" else "rowid"
        first = "'delete', pk" if change == "delete" else "pk"
        stmt = text(
            f"INSERT INTO referrals_fts ({head}, {cols}) "
            f"SELECT {first}, {cols} FROM referrals WHERE pk IN :pks"
        ).bindparams(bindparam("pks", expanding=True))
        for chunk in _chunks(pks):
            self.conn.execute(stmt, {"pks": list(chunk)})

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
                        "price_cents": None if s.price is None else cents(s.price),
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
    def _hydrate(self, rows: Sequence[Any]) -> list[Referral]:
        if not rows:
            return []
        sols, team = self.children([r[0] for r in rows])
        return [
            referral_from_row(
                r,
                tuple(
                    SolutionLine(sid, cur, None if price is None else money(price), qty)
                    for sid, cur, price, qty in sols.get(r[0], ())
                ),
                tuple(TeamMember(*m) for m in team.get(r[0], ())),
            )
            for r in rows
        ]

    def children(self, pks: Sequence[int]) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
        """Solutions (id, currency, price in cents, quantity) and team members (first,
        last, phone, email) of the given referrals, in their order, as plain tuples."""
        sols: dict[int, list[Any]] = {}
        team: dict[int, list[Any]] = {}
        for chunk in _chunks(pks):
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

    def raw_search(self, filters: ReferralFilters, *, limit: int) -> list[Any]:
        """Like `search`, as plain rows (`pk`, then the columns of `SCALARS`), for export,
        which formats thousands of rows and needs no objects."""
        query = self._filtered(select(*COLUMNS), filters)
        return fetch_all(self.conn, query.order_by(*order_by(filters.sort)).limit(limit))


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
