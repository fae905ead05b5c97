"""What `cosell check` looks for: damage the schema's own constraints do not prevent.

Each check is a read-only query returning `Problem`s, so a check runs on a live
database (one read transaction, one snapshot) and never repairs anything behind
the operator's back. Foreign keys make most orphans impossible while they are
enforced; these checks are for the times they were not: a restore or a hand-made
fix with foreign keys off, a file copied while it was being written, a worker
killed at the wrong moment.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, cast

from sqlalchemy import Connection, Table, and_, func, inspect, or_, select, text

from cosell.domain.cells import format_solution, format_team_member
from cosell.domain.mapping import KEPT_UPLOAD_TYPE
from cosell.domain.model import SolutionLine, TeamMember
from cosell.store import jobs as job_store
from cosell.store.backup import existing_sqlite_file
from cosell.store.models import (
    Favorite,
    HistoryRow,
    blob_parts_t,
    blobs_t,
    jobs_t,
    referrals_t,
    solutions_t,
    team_t,
)
from cosell.store.referral_rows import ITEM_SEPARATOR, money

if TYPE_CHECKING:
    from cosell.store.db import Database

#: Rows that belong to a referral and go with it (ON DELETE CASCADE).
CHILDREN = [
    solutions_t,
    team_t,
    cast(Table, HistoryRow.__table__),
    cast(Table, Favorite.__table__),
]
#: Ids a problem line names before "and N more".
SHOWN = 5
#: Referrals read at once by the cells check.
_BATCH = 2000


@dataclass(frozen=True, slots=True)
class Problem:
    """One line of `cosell check`: `{check}: {message}`."""

    check: str
    message: str
    count: int = 1
    ids: tuple[str, ...] = field(default=())


def _named(ids: Sequence[object]) -> str:
    shown = ", ".join(str(i) for i in ids[:SHOWN])
    return shown + (f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else "")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --- the schema ---------------------------------------------------------------------


def schema_heads() -> tuple[str, ...]:
    """The newest migration(s) this version of cosell knows."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(resources.files("cosell.store").joinpath("migrations")))
    return tuple(sorted(script.get_heads()))


def schema_head() -> str:
    return ", ".join(schema_heads())


def has_schema(conn: Connection) -> bool:
    return inspect(conn).has_table(jobs_t.name)


def check_database(
    db: Database, now: dt.datetime, stale_after: dt.timedelta, queued_after: dt.timedelta
) -> tuple[str | None, list[Problem], dict[str, int]]:
    """Every check on one snapshot: (schema revision, problems, rows counted)."""
    if db.is_sqlite:
        existing_sqlite_file(db.url)
    with db.read() as conn:
        revision, problems = schema_problems(conn)
        if not has_schema(conn):
            return revision, problems, {}
        if db.is_sqlite:
            problems += sqlite_problems(conn)
        problems += orphan_blobs(conn)
        problems += broken_files(conn)
        problems += orphan_children(conn)
        problems += cells_out_of_step(conn)
        problems += stuck_jobs(conn, now, stale_after, queued_after)
        return revision, problems, counts(conn)


def schema_revision_at(url: str) -> str | None:
    """The schema revision of the database at `url` (opened for the question, then closed)."""
    from cosell.store.db import Database

    db = Database(url)
    try:
        with db.read() as conn:
            return schema_problems(conn)[0]
    finally:
        db.dispose()


def schema_problems(conn: Connection) -> tuple[str | None, list[Problem]]:
    """The database's schema revision, and a problem unless it is the newest."""
    from alembic.script import ScriptDirectory

    if not inspect(conn).has_table("alembic_version"):
        return None, [
            Problem("schema", "the database has no cosell schema revision: run `cosell init`")
        ]
    current = sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))
    heads = schema_heads()
    revision = ", ".join(current) or None
    if tuple(current) == heads:
        return revision, []
    script = ScriptDirectory(str(resources.files("cosell.store").joinpath("migrations")))
    known = {rev.revision for rev in script.walk_revisions()}
    if not current:
        message = "the database has no cosell schema revision: run `cosell init`"
    elif set(current) - known:
        message = (
            f"the schema is at revision {revision}, which this version of cosell does not "
            f"know (its newest is {', '.join(heads)}): use the cosell that wrote it"
        )
    else:
        message = (
            f"the schema is at revision {revision}, the newest is {', '.join(heads)}: "
            "run `cosell init` to upgrade it"
        )
    return revision, [Problem("schema", message)]


# --- orphans ------------------------------------------------------------------------


def orphan_blobs(conn: Connection) -> list[Problem]:
    """Files no job refers to: space nobody can reach or clean up."""
    used = select(jobs_t.c.id).where(
        or_(jobs_t.c.input_blob_id == blobs_t.c.id, jobs_t.c.result_blob_id == blobs_t.c.id)
    )
    # An upload kept for the import page's mapping step has no job until it is imported;
    # one left behind is deleted by the upkeep with the other old files.
    kept = blobs_t.c.content_type == KEPT_UPLOAD_TYPE
    ids = [
        r[0]
        for r in conn.execute(
            select(blobs_t.c.id).where(~used.exists(), ~kept).order_by(blobs_t.c.id)
        )
    ]
    if not ids:
        return []
    size = conn.execute(
        select(func.coalesce(func.sum(blobs_t.c.size), 0)).where(blobs_t.c.id.in_(ids))
    )
    return [
        Problem(
            "orphan blobs",
            f"{_plural(len(ids), 'file')} ({size.scalar()} bytes) referenced by no job: "
            f"{_named(ids)}",
            len(ids),
            tuple(ids),
        )
    ]


def broken_files(conn: Connection) -> list[Problem]:
    """Parts whose file is gone, and files stored in parts whose parts are missing or do
    not add up to the file's size (a copy taken mid-write, a hand-made fix)."""
    problems = []
    gone = ~select(blobs_t.c.id).where(blobs_t.c.id == blob_parts_t.c.blob_id).exists()
    rows = conn.execute(
        select(blob_parts_t.c.blob_id, func.count())
        .where(gone)
        .group_by(blob_parts_t.c.blob_id)
        .order_by(blob_parts_t.c.blob_id)
    ).all()
    if rows:
        total = sum(int(n) for _, n in rows)
        ids = [str(blob_id) for blob_id, _ in rows]
        problems.append(
            Problem(
                "orphan blob_parts",
                f"{_plural(total, 'part')} belong to {_plural(len(ids), 'missing file')}: "
                f"{_named(ids)}",
                total,
                tuple(ids),
            )
        )
    stored = (
        select(
            blob_parts_t.c.blob_id,
            func.count().label("parts"),
            func.coalesce(func.sum(func.length(blob_parts_t.c.data)), 0).label("size"),
            func.max(blob_parts_t.c.position).label("last"),
        )
        .group_by(blob_parts_t.c.blob_id)
        .subquery()
    )
    bad = [
        str(r[0])
        for r in conn.execute(
            select(blobs_t.c.id)
            .select_from(blobs_t.outerjoin(stored, stored.c.blob_id == blobs_t.c.id))
            .where(
                blobs_t.c.parts > 0,
                or_(
                    stored.c.parts.is_(None),
                    stored.c.parts != blobs_t.c.parts,
                    stored.c.last != blobs_t.c.parts - 1,
                    stored.c.size != blobs_t.c.size,
                ),
            )
            .order_by(blobs_t.c.id)
        )
    ]
    if bad:
        problems.append(
            Problem(
                "incomplete files",
                f"{_plural(len(bad), 'file')} whose stored parts are missing or do not add up "
                f"to its size: {_named(bad)}",
                len(bad),
                tuple(bad),
            )
        )
    return problems


def orphan_children(conn: Connection) -> list[Problem]:
    """Items, history and favorites whose referral is gone."""
    problems = []
    for table in CHILDREN:
        gone = ~select(referrals_t.c.pk).where(referrals_t.c.pk == table.c.referral_pk).exists()
        rows = conn.execute(
            select(table.c.referral_pk, func.count()).where(gone).group_by(table.c.referral_pk)
        ).all()
        if rows:
            total = sum(int(n) for _, n in rows)
            pks = [str(pk) for pk, _ in sorted(rows)]
            problems.append(
                Problem(
                    f"orphan {table.name}",
                    f"{_plural(total, 'row')} belong to {_plural(len(pks), 'missing referral')}"
                    f" (pk {_named(pks)})",
                    total,
                    tuple(pks),
                )
            )
    return problems


# --- the export copy of the items ---------------------------------------------------


def _batches(conn: Connection) -> Iterator[list[tuple[int, str, str, str]]]:
    after = None
    while True:
        query = select(
            referrals_t.c.pk,
            referrals_t.c.referral_id,
            referrals_t.c.solution_cells,
            referrals_t.c.team_cells,
        )
        if after is not None:
            query = query.where(referrals_t.c.pk > after)
        rows = [tuple(r) for r in conn.execute(query.order_by(referrals_t.c.pk).limit(_BATCH))]
        if not rows:
            return
        yield cast(list[tuple[int, str, str, str]], rows)
        after = rows[-1][0]


def _cells_of(
    conn: Connection, table: Table, lo: int, hi: int, columns: Iterable[str]
) -> dict[int, list[str]]:
    cells: dict[int, list[str]] = {}
    query = (
        select(table.c.referral_pk, *(table.c[c] for c in columns))
        .where(and_(table.c.referral_pk >= lo, table.c.referral_pk <= hi))
        .order_by(table.c.referral_pk, table.c.position)
    )
    for pk, *values in conn.execute(query):
        if table is solutions_t:
            sid, currency, price, quantity = values
            price = None if price is None else money(price)
            cell = format_solution(SolutionLine(sid, currency, price, quantity))
        else:
            cell = format_team_member(TeamMember(*values))
        cells.setdefault(pk, []).append(cell)
    return cells


def cells_out_of_step(conn: Connection) -> list[Problem]:
    """Referrals whose `solution_cells` / `team_cells` (what export writes) disagree
    with their `referral_solutions` / `referral_team_members` rows."""
    wrong: list[str] = []
    for batch in _batches(conn):
        lo, hi = batch[0][0], batch[-1][0]
        solutions = _cells_of(
            conn, solutions_t, lo, hi, ("solution_id", "currency", "price_cents", "quantity")
        )
        team = _cells_of(conn, team_t, lo, hi, ("first_name", "last_name", "phone", "email"))
        for pk, referral_id, solution_cells, team_cells in batch:
            if solution_cells != ITEM_SEPARATOR.join(solutions.get(pk, [])) or (
                team_cells != ITEM_SEPARATOR.join(team.get(pk, []))
            ):
                wrong.append(referral_id)
    if not wrong:
        return []
    return [
        Problem(
            "cells",
            f"{_plural(len(wrong), 'referral')} whose exported Solution/Team member cells "
            f"disagree with their items: {_named(wrong)}",
            len(wrong),
            tuple(wrong),
        )
    ]


# --- jobs ---------------------------------------------------------------------------


def stuck_jobs(
    conn: Connection, now: dt.datetime, stale_after: dt.timedelta, queued_after: dt.timedelta
) -> list[Problem]:
    """Running jobs whose worker stopped reporting, and jobs no worker picked up."""
    silent = func.coalesce(jobs_t.c.heartbeat_at, jobs_t.c.started_at, jobs_t.c.created_at)
    running = [
        r[0]
        for r in conn.execute(
            select(jobs_t.c.id)
            .where(jobs_t.c.status == job_store.RUNNING, silent < now - stale_after)
            .order_by(jobs_t.c.created_at)
        )
    ]
    queued = [
        r[0]
        for r in conn.execute(
            select(jobs_t.c.id)
            .where(jobs_t.c.status == job_store.QUEUED, jobs_t.c.created_at < now - queued_after)
            .order_by(jobs_t.c.created_at)
        )
    ]
    problems = []
    if running:
        problems.append(
            Problem(
                "stuck jobs",
                f"{_plural(len(running), 'job')} running without a heartbeat for over "
                f"{_duration(stale_after)} (is a worker alive?): {_named(running)}",
                len(running),
                tuple(running),
            )
        )
    if queued:
        problems.append(
            Problem(
                "stuck jobs",
                f"{_plural(len(queued), 'job')} queued for over {_duration(queued_after)} "
                f"(is a worker running?): {_named(queued)}",
                len(queued),
                tuple(queued),
            )
        )
    return problems


def _duration(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 60 or seconds < 60:
        return _plural(seconds, "second")
    return _plural(seconds // 60, "minute")


# --- SQLite's own checks ------------------------------------------------------------


def sqlite_problems(conn: Connection) -> list[Problem]:
    """`PRAGMA integrity_check` and `PRAGMA foreign_key_check`."""
    problems = []
    lines = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check")]
    if lines != ["ok"]:
        problems.append(
            Problem(
                "integrity",
                f"SQLite's integrity check found {_plural(len(lines), 'problem')}: "
                f"{'; '.join(lines[:SHOWN])}" + (" …" if len(lines) > SHOWN else ""),
                len(lines),
            )
        )
    violations = Counter(
        (str(r[0]), str(r[2])) for r in conn.exec_driver_sql("PRAGMA foreign_key_check")
    )
    for (table, parent), n in sorted(violations.items()):
        problems.append(
            Problem(
                "foreign keys",
                f"{_plural(n, 'row')} of {table} refer to a missing row of {parent}",
                n,
            )
        )
    return problems


def counts(conn: Connection) -> dict[str, int]:
    """Rows checked, for the "healthy" line."""
    return {
        name: int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)
        for name, table in (("referrals", referrals_t), ("jobs", jobs_t), ("files", blobs_t))
    }
