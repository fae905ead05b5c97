"""Periodic upkeep: re-queue jobs whose worker died, expire unanswered incoming referrals,
delete stored files past their retention.

Upkeep is one task for the whole deployment, not one per worker: each worker asks
every `upkeep_interval()` whether it is its turn (`store.take_upkeep_turn`), and one
of them runs it. It runs beside the queue, not in it, so it never waits behind
imports. It never waits on a lock either: stale jobs locked by a live transaction are
skipped, and the other writes give up after `LOCK_TIMEOUT` until the next turn.
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import and_, select, update

from cosell.domain.enums import Direction, Status, Substatus
from cosell.settings import Settings
from cosell.store import jobs as store
from cosell.store.db import Database
from cosell.store.models import HistoryRow, ReferralRow, table_of

#: How long an upkeep write waits for a row lock (PostgreSQL) before it gives up.
LOCK_TIMEOUT = 2.0
#: Files deleted per transaction, so a first clean-up of years of files stays small.
_FILES_PER_ROUND = 200


def upkeep_interval(settings: Settings) -> dt.timedelta:
    """How often the deployment's upkeep runs: a quarter of `job_stale_seconds` (so a
    dead worker's job runs again soon after its heartbeat is stale), 0.5 s to 15 s."""
    return dt.timedelta(seconds=min(15.0, max(0.5, settings.job_stale_seconds / 4)))


def take_turn(db: Database, settings: Settings, now: dt.datetime) -> bool:
    """Whether the calling worker runs the upkeep now (one worker per interval)."""
    with db.write(lock_timeout=LOCK_TIMEOUT) as conn:
        return store.take_upkeep_turn(conn, now, upkeep_interval(settings))


def requeue_stale_jobs(db: Database, settings: Settings, now: dt.datetime) -> list[str]:
    """Jobs running without a heartbeat for `job_stale_seconds` (or queued that long)
    go back to the queue; the caller enqueues the returned ids again."""
    cutoff = now - dt.timedelta(seconds=settings.job_stale_seconds)
    with db.write(lock_timeout=LOCK_TIMEOUT) as conn:
        return store.requeue_stale(conn, cutoff, now)


def delete_old_files(db: Database, settings: Settings, now: dt.datetime) -> int:
    """Delete uploads, results and export files older than `file_retention_days` (an
    unfinished job's upload is kept); returns how many."""
    cutoff = now - dt.timedelta(days=settings.file_retention_days)
    deleted = 0
    while True:
        with db.write(lock_timeout=LOCK_TIMEOUT) as conn:
            done = store.delete_files_before(conn, cutoff, _FILES_PER_ROUND)
        deleted += done
        if done < _FILES_PER_ROUND:
            return deleted


def expire_unanswered(db: Database, settings: Settings, now: dt.datetime) -> int:
    """Incoming referrals still New after `expire_after_days` become Closed/Expired."""
    referrals = table_of(ReferralRow)
    history = table_of(HistoryRow)
    cutoff = now - dt.timedelta(days=settings.expire_after_days)
    condition = and_(
        referrals.c.direction == Direction.INCOMING.value,
        referrals.c.status == Status.NEW.value,
        referrals.c.created_at < cutoff,
    )
    with db.read() as conn:
        # The usual answer, found without taking the write lock: nothing to expire.
        if conn.execute(select(referrals.c.pk).where(condition).limit(1)).first() is None:
            return 0
    with db.write(lock_timeout=LOCK_TIMEOUT) as conn:
        rows = conn.execute(
            # Locked in primary-key order, as imports lock the deals they update: two
            # writers taking the same rows in one order cannot deadlock (PostgreSQL).
            select(referrals.c.pk, referrals.c.org_id, referrals.c.substatus, referrals.c.version)
            .where(condition)
            .order_by(referrals.c.pk)
            .with_for_update()
        ).all()
        if not rows:
            return 0
        # The same condition, not a list of keys: a first run on a large organization
        # may expire more rows than a statement may carry parameters. (The write
        # transaction holds the lock, so it selects exactly the rows read above.)
        conn.execute(
            update(referrals)
            .where(condition)
            .values(
                status=Status.CLOSED.value,
                substatus=Substatus.EXPIRED.value,
                version=referrals.c.version + 1,
                updated_at=now,
            )
        )
        conn.execute(
            history.insert(),
            [
                {
                    "org_id": r.org_id,
                    "referral_pk": r.pk,
                    "at": now,
                    "user_id": None,
                    "source": "system",
                    "job_id": None,
                    "action": "expired",
                    "version": r.version + 1,
                    "changes": json.dumps(
                        {"Partner Referral Status": [f"New/{r.substatus}", "Closed/Expired"]}
                    ),
                }
                for r in rows
            ],
        )
    return len(rows)
