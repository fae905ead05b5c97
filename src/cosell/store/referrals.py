"""The referral repository: every query is scoped to the acting user's organization
and, for a Referrals user, to the deals whose team lists the user's email.

Bulk by design: loads take lists of ids (one query per chunk), writes are
executemany statements; there is no query per row.

Callers name referrals by their Referral ID only. The table's own keys stay in here:
every referral the repository reads has its key remembered for the rest of the
transaction (`_keys`), so writes of what was read look nothing up again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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

from cosell.domain.actor import Actor
from cosell.domain.filters import ReferralFilters
from cosell.domain.history import Change, HistoryEntry, JobChange, changes_of
from cosell.domain.model import Referral, SolutionLine, TeamMember
from cosell.store import history as history_rows
from cosell.store import referral_query
from cosell.store.bulk import allocate_ids, executemany, fetch_all
from cosell.store.models import favorites_t, history_t, referrals_t, solutions_t, team_t, users_t
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
    cents,
    from_snapshot,
    history_row,
    money,
    referral_from_row,
    row_params,
    to_date,
    to_datetime,
)

__all__ = ["ReferralRepository", "to_date"]

CHUNK = 500
#: position of each column in a row of `COLUMNS` (the keyset cursor reads the sort value)
_POSITION = {column.name: i for i, column in enumerate(COLUMNS)}
#: The first key of the PostgreSQL advisory lock `lock_creates` takes (the second is the
#: organization). Two-key advisory locks never collide with one-key ones.
CREATES_LOCK_SPACE = 0x636F7365  # "cose"


class ReferralRepository:
    def __init__(self, conn: Connection, actor: Actor) -> None:
        self.conn = conn
        self.actor = actor
        self._plans: dict[str, SearchPlan] = {}
        self._team_sizes: dict[str, int] = {}
        #: Referral ID → primary key of every referral read or written so far
        self._keys: dict[str, int] = {}

    # ----------------------------------------------------------------- reads
    def by_referral_ids(self, ids: Iterable[str]) -> dict[str, Referral]:
        """The visible referrals among `ids` (others are simply absent)."""
        found: dict[str, Referral] = {}
        for chunk in _chunks(list(ids)):
            rows = self.conn.execute(
                select(*COLUMNS).where(visible(self.actor), referrals_t.c.referral_id.in_(chunk))
            ).all()
            for ref in self._hydrate(rows):
                found[ref.id] = ref
        return found

    def by_crm_ids(self, crm_ids: Iterable[str]) -> dict[str, list[Referral]]:
        """The visible referrals with these CRM IDs, by CRM ID."""
        return self._by_column(referrals_t.c.crm_id, crm_ids, lambda ref: ref.crm_id or "")

    def by_engagement_ids(self, ids: Iterable[str]) -> dict[str, list[Referral]]:
        """The visible referrals with these Engagement IDs, by Engagement ID."""
        return self._by_column(referrals_t.c.engagement_id, ids, lambda ref: ref.engagement_id)

    def by_deal_names(self, names: Iterable[str]) -> dict[str, list[Referral]]:
        """The visible referrals with exactly these deal names, by deal name, oldest first."""
        return self._by_column(referrals_t.c.deal_name, names, lambda ref: ref.deal_name)

    def _by_column(
        self, column: Any, values: Iterable[str], key: Callable[[Referral], str]
    ) -> dict[str, list[Referral]]:
        found: dict[str, list[Referral]] = {}
        for chunk in _chunks(sorted(set(values))):
            rows = self.conn.execute(
                select(*COLUMNS)
                .where(visible(self.actor), column.in_(chunk))
                .order_by(referrals_t.c.pk)
            ).all()
            for ref in self._hydrate(rows):
                found.setdefault(key(ref), []).append(ref)
        return found

    def changes_since(self, versions: Mapping[str, int]) -> dict[str, list[Change]]:
        """For referrals (Referral ID → a version), the recorded changes that made them
        newer than that version, oldest first."""
        keys = self._pks_of(versions)
        ids = {keys[rid]: rid for rid in versions if rid in keys}
        found: dict[str, list[Change]] = {}
        for chunk in _chunks(sorted(ids)):
            rows = self.conn.execute(
                select(
                    history_t.c.referral_pk,
                    history_t.c.at,
                    history_t.c.version,
                    history_t.c.source,
                    history_t.c.changes,
                    users_t.c.email,
                )
                .select_from(history_t.outerjoin(users_t, users_t.c.id == history_t.c.user_id))
                .where(history_t.c.org_id == self.actor.org_id, history_t.c.referral_pk.in_(chunk))
                .order_by(history_t.c.id)
            ).all()
            for pk, at, version, source, changes, email in rows:
                rid = ids[pk]
                if version is not None and version > versions[rid]:
                    who = email or ("Microsoft" if source == "api" else "the system")
                    fields = tuple(json.loads(changes)) if changes else ()
                    found.setdefault(rid, []).append(Change(to_datetime(at), who, fields))
        return found

    def created_by_job(self, referral_ids: Iterable[str], job_id: str) -> set[str]:
        """Which of these referrals the import `job_id` created."""
        asked = set(referral_ids)
        keys = self._pks_of(asked)
        ids = {keys[rid]: rid for rid in asked if rid in keys}
        wanted = sorted(ids)
        own: set[str] = set()
        for chunk in _chunks(wanted):
            own.update(
                ids[pk]
                for pk in self.conn.execute(
                    select(history_t.c.referral_pk).where(
                        history_t.c.org_id == self.actor.org_id,
                        history_t.c.job_id == job_id,
                        history_t.c.action == "created",
                        history_t.c.referral_pk.in_(chunk),
                    )
                ).scalars()
            )
        return own

    def job_changes(self, job_id: str) -> list[JobChange]:
        """The referrals `job_id` created or updated that still exist, in the order it
        wrote them, with the state each had before (for updates)."""
        return [
            JobChange(
                c.referral_id, c.action, c.version, from_snapshot(c.before) if c.before else None
            )
            for c in history_rows.job_changes(self.conn, self.actor.org_id, job_id)
        ]

    def get(self, referral_id: str) -> Referral | None:
        return self.by_referral_ids([referral_id]).get(referral_id)

    def exists(self, referral_id: str) -> bool:
        """Whether the referral exists and is visible."""
        return self.pk_of(referral_id) is not None

    def pk_of(self, referral_id: str) -> int | None:
        return self.conn.execute(
            select(referrals_t.c.pk).where(
                visible(self.actor), referrals_t.c.referral_id == referral_id
            )
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
                select(team_t.c.referral_pk)
                .where(team_t.c.org_id == self.actor.org_id, team_t.c.email_key == email_key)
                .limit(referral_query.SPARSE_MATCHES + 1)
                .subquery()
            )
            found = int(self.conn.execute(select(func.count()).select_from(first)).scalar_one())
            self._team_sizes[email_key] = found
        return found <= referral_query.SPARSE_MATCHES

    def count(self, filters: ReferralFilters) -> int:
        """How many deals match, all of them counted (see `count_upto` for lists)."""
        query = self._filtered(select(func.count()).select_from(referrals_t), filters, "count")
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
            joined = select(literal(1)).select_from(
                team_t.join(referrals_t, referrals_t.c.pk == team_t.c.referral_pk)
            )
            hints = Hints("sqlite", plan, "count", team_joined=email)
            query = filtered(
                joined.where(team_t.c.org_id == self.actor.org_id, team_t.c.email_key == email),
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
            select(
                referrals_t.c.sales_stage,
                referrals_t.c.currency,
                func.count(),
                func.sum(referrals_t.c.value_cents),
            ),
            filters,
            "count",
        ).group_by(referrals_t.c.sales_stage, referrals_t.c.currency)
        return [(int(a), str(b), int(c), int(d or 0)) for a, b, c, d in self.conn.execute(query)]

    def history(self, referral_id: str) -> list[HistoryEntry]:
        pk = self.pk_of(referral_id)
        if pk is None:
            return []
        rows = self.conn.execute(
            select(
                history_t.c.at,
                history_t.c.user_id,
                history_t.c.source,
                history_t.c.job_id,
                history_t.c.action,
                history_t.c.changes,
                history_t.c.version,
            )
            .where(history_t.c.org_id == self.actor.org_id, history_t.c.referral_pk == pk)
            .order_by(history_t.c.id.desc())
        ).all()
        return [
            HistoryEntry(
                at=to_datetime(r.at),
                user_id=r.user_id,
                source=r.source,
                job_id=r.job_id,
                action=r.action,
                changes=changes_of(r.changes),
                referral_id=referral_id,
                version=r.version,
            )
            for r in rows
        ]

    def is_favorite(self, referral_ids: Sequence[str]) -> set[str]:
        if self.actor.user_id is None or not referral_ids:
            return set()
        rows = self.conn.execute(
            select(referrals_t.c.referral_id)
            .join(favorites_t, favorites_t.c.referral_pk == referrals_t.c.pk)
            .where(
                favorites_t.c.user_id == self.actor.user_id,
                referrals_t.c.referral_id.in_(list(referral_ids)),
            )
        )
        return {r[0] for r in rows}

    def set_favorite(self, referral_id: str, on: bool) -> bool:
        """Returns False when the referral is not visible."""
        pk = self.pk_of(referral_id)
        if pk is None or self.actor.user_id is None:
            return False
        self.conn.execute(
            delete(favorites_t).where(
                favorites_t.c.user_id == self.actor.user_id, favorites_t.c.referral_pk == pk
            )
        )
        if on:
            self.conn.execute(
                insert(favorites_t).values(user_id=self.actor.user_id, referral_pk=pk)
            )
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

    def insert_many(self, referrals: Sequence[Referral], created_by: int | None) -> None:
        """Insert new referrals with their items."""
        if not referrals:
            return
        org = self.actor.org_id
        pks = allocate_ids(self.conn, referrals_t, len(referrals))
        params = []
        for pk, ref in zip(pks, referrals, strict=True):
            p = row_params(ref)
            p["pk"], p["org_id"], p["created_by"] = pk, org, created_by
            params.append(p)
        executemany(self.conn, insert(referrals_t), params, referrals_t)
        self._search_index("add", pks)
        self._insert_items(zip(pks, referrals, strict=True))
        self._keys.update(zip([ref.id for ref in referrals], pks, strict=True))

    def update_many(self, referrals: Sequence[Referral], *, items: bool = True) -> int:
        """Write the full new state of existing referrals (by Referral ID), each only if
        it is still at the version it was read at (`ref.version - 1`: a change adds one).

        A compare-and-set: returns how many referrals were written; fewer than
        `referrals` means another writer changed (or removed) some of them since they
        were read, and the caller must not commit.

        Rows are written in primary key order, whatever the order of `pairs`: two
        writers that lock the same rows in the same order wait for each other instead
        of deadlocking (PostgreSQL)."""
        if not referrals:
            return 0
        keys = self._pks_of(ref.id for ref in referrals)
        pairs = sorted(
            ((keys[ref.id], ref) for ref in referrals if ref.id in keys), key=lambda pair: pair[0]
        )
        if not pairs:
            return 0
        params = []
        for pk, ref in pairs:
            p = row_params(ref)
            del p["referral_id"], p["engagement_id"], p["direction"], p["created_at"]
            p["b_pk"], p["b_org"], p["b_version"] = pk, self.actor.org_id, ref.version - 1
            params.append(p)
        stmt = (
            update(referrals_t)
            .where(
                referrals_t.c.pk == bindparam("b_pk"),
                referrals_t.c.org_id == bindparam("b_org"),
                referrals_t.c.version == bindparam("b_version"),
            )
            .values({k: bindparam(k) for k in params[0] if not k.startswith("b_")})
        )
        pks = [pk for pk, _ in pairs]
        self._search_index("delete", pks)  # the values indexed are the ones stored now
        written = executemany(self.conn, stmt, params, referrals_t)
        self._search_index("add", pks)
        if items:
            for chunk in _chunks(pks):
                self.conn.execute(delete(solutions_t).where(solutions_t.c.referral_pk.in_(chunk)))
                self.conn.execute(delete(team_t).where(team_t.c.referral_pk.in_(chunk)))
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

    def add_history(self, entries: Sequence[HistoryEntry]) -> None:
        """Record changes of referrals this repository read or wrote."""
        if entries:
            org, keys = self.actor.org_id, self._keys
            rows = [history_row(keys[e.referral_id], org, e) for e in entries]
            executemany(self.conn, insert(history_t), rows, history_t)

    def delete_many(self, expected: Sequence[tuple[str, int]]) -> int:
        """Delete referrals (Referral ID, version), each only if still at that version,
        with their items, favorites and history (`history.delete_referrals`): returns
        how many were deleted; fewer than `expected` means the caller must not commit."""
        keys = self._pks_of(rid for rid, _ in expected)
        pairs = [(keys[rid], version) for rid, version in expected if rid in keys]
        return history_rows.delete_referrals(self.conn, self.actor.org_id, pairs)

    def _pks_of(self, referral_ids: Iterable[str]) -> dict[str, int]:
        """The keys known so far, with those of `referral_ids` not read yet looked up
        (visible referrals only; others stay absent)."""
        keys = self._keys
        missing = sorted({rid for rid in referral_ids if rid not in keys})
        for chunk in _chunks(missing):
            keys.update(
                (rid, pk)
                for rid, pk in self.conn.execute(
                    select(referrals_t.c.referral_id, referrals_t.c.pk).where(
                        visible(self.actor), referrals_t.c.referral_id.in_(chunk)
                    )
                )
            )
        return keys

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
        executemany(self.conn, insert(solutions_t), sol_rows, solutions_t)
        executemany(self.conn, insert(team_t), team_rows, team_t)

    # --------------------------------------------------------------- helpers
    def _hydrate(self, rows: Sequence[Any]) -> list[Referral]:
        if not rows:
            return []
        sols, team = self.children([r[0] for r in rows])
        self._keys.update((r[1], r[0]) for r in rows)
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
        for table, names, found in (
            (solutions_t, ("solution_id", "currency", "price_cents", "quantity"), sols),
            (team_t, ("first_name", "last_name", "phone", "email"), team),
        ):
            for chunk in _chunks(pks):
                statement = (
                    select(table.c.referral_pk, *(table.c[name] for name in names))
                    .where(table.c.referral_pk.in_(chunk))
                    .order_by(table.c.referral_pk, table.c.position)
                )
                for pk, *rest in fetch_all(self.conn, statement):
                    found.setdefault(pk, []).append(rest)
        return sols, team

    def raw_search(self, filters: ReferralFilters, *, limit: int) -> list[Any]:
        """Like `search`, as plain rows (`pk`, then the columns of `SCALARS`), for export,
        which formats thousands of rows and needs no objects."""
        query = self._filtered(select(*COLUMNS), filters)
        return fetch_all(self.conn, query.order_by(*order_by(filters.sort)).limit(limit))


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
