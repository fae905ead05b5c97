"""Periodic upkeep: re-queue jobs whose worker died, expire unanswered incoming referrals."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import and_, select, update

from cosell.domain.enums import Direction, Status, Substatus
from cosell.settings import Settings
from cosell.store import jobs as store
from cosell.store.db import Database
from cosell.store.models import HistoryRow, ReferralRow, table_of


def requeue_stale_jobs(db: Database, settings: Settings, now: dt.datetime) -> list[str]:
    """Jobs running without a heartbeat for `job_stale_seconds` (or queued that long)
    go back to the queue; the caller enqueues the returned ids again."""
    cutoff = now - dt.timedelta(seconds=settings.job_stale_seconds)
    with db.write() as conn:
        stale = store.stale_jobs(conn, cutoff)
        for job_id in stale:
            store.requeue(conn, job_id, now)
    return stale


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
    with db.write() as conn:
        rows = conn.execute(
            select(
                referrals.c.pk, referrals.c.org_id, referrals.c.substatus, referrals.c.version
            ).where(condition)
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
