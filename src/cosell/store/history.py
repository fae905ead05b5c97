"""What undoing an import reads and writes besides the referrals themselves: the history
an import left, the removal of the deals it created, and
the mark on the import that it was undone.

Every function takes the organization and touches nothing outside it. Which deals
the acting user may see is the repository's rule (`ReferralRepository`); these
queries are for rows the caller has already resolved through it, or whose details
it does not show.

Removal does not rely on `ON DELETE CASCADE`: SQLite enforces foreign keys only
when a connection asks for it, and a database copied by another tool may not, so
the solutions, team members, favorites and history of a deal are deleted here
first, by statement, on every dialect.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, select, update

from cosell.store.bulk import executemany
from cosell.store.models import favorites_t, history_t, jobs_t, referrals_t, solutions_t, team_t

CHUNK = 500


@dataclass(frozen=True, slots=True)
class JobChangeRow:
    """One referral a job created or updated, as its history row recorded it."""

    history_id: int
    referral_pk: int
    referral_id: str
    action: str
    #: the referral's version right after the change; None before undo existed
    version: int | None
    #: the whole referral before the change (`referral_rows.snapshot`), for updates
    before: str | None


def job_changes(conn: Connection, org_id: int, job_id: str) -> list[JobChangeRow]:
    """The referrals `job_id` created or updated that still exist, in the order it wrote
    them (deals deleted since take their history with them)."""
    rows = conn.execute(
        select(
            history_t.c.id,
            history_t.c.referral_pk,
            referrals_t.c.referral_id,
            history_t.c.action,
            history_t.c.version,
            history_t.c.before,
        )
        .join(referrals_t, referrals_t.c.pk == history_t.c.referral_pk)
        .where(
            history_t.c.org_id == org_id,
            referrals_t.c.org_id == org_id,
            history_t.c.job_id == job_id,
        )
        .where(history_t.c.action.in_(("created", "updated")))
        .order_by(history_t.c.id)
    ).all()
    return [JobChangeRow(*r) for r in rows]


def delete_referrals(conn: Connection, org_id: int, expected: Sequence[tuple[int, int]]) -> int:
    """Delete referrals of the organization by primary key, each only if it is still at
    the given version, with their solutions, team members, favorites and history.

    A compare-and-set like `ReferralRepository.update_many`: returns how many referrals
    were deleted; fewer than `expected` means one changed meanwhile, and the caller must
    not commit (the items of that one are gone too)."""
    if not expected:
        return 0
    pks = [pk for pk, _ in expected]
    for chunk in _chunks(pks):
        owned = select(referrals_t.c.pk).where(
            referrals_t.c.org_id == org_id, referrals_t.c.pk.in_(chunk)
        )
        conn.execute(
            delete(solutions_t).where(
                solutions_t.c.org_id == org_id, solutions_t.c.referral_pk.in_(chunk)
            )
        )
        conn.execute(
            delete(team_t).where(team_t.c.org_id == org_id, team_t.c.referral_pk.in_(chunk))
        )
        conn.execute(
            delete(history_t).where(
                history_t.c.org_id == org_id, history_t.c.referral_pk.in_(chunk)
            )
        )
        conn.execute(delete(favorites_t).where(favorites_t.c.referral_pk.in_(owned)))
    stmt = delete(referrals_t).where(
        referrals_t.c.pk == bindparam("b_pk"),
        referrals_t.c.org_id == bindparam("b_org"),
        referrals_t.c.version == bindparam("b_version"),
    )
    params = [{"b_pk": pk, "b_org": org_id, "b_version": version} for pk, version in expected]
    return executemany(conn, stmt, params, referrals_t)


def undone_by(conn: Connection, org_id: int, job_id: str) -> str | None:
    """The id of the job that undid `job_id`, if one did."""
    return conn.execute(
        select(jobs_t.c.undone_by).where(jobs_t.c.id == job_id, jobs_t.c.org_id == org_id)
    ).scalar()


def mark_undone(conn: Connection, org_id: int, job_id: str, undo_job_id: str) -> bool:
    """Record that `undo_job_id` undid `job_id`, unless another job already did (then
    False). On PostgreSQL the row stays locked to the end of the transaction, so a
    second undo of the same import waits here and then finds it done."""
    result = conn.execute(
        update(jobs_t)
        .where(jobs_t.c.id == job_id, jobs_t.c.org_id == org_id, jobs_t.c.undone_by.is_(None))
        .values(undone_by=undo_job_id)
    )
    return result.rowcount == 1


def _chunks(items: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
