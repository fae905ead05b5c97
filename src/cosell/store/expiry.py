"""Incoming referrals nobody answered: found and closed for every organization at once
(the deployment's upkeep, `services.maintenance.expire_unanswered`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Connection, and_, insert, select, update

from cosell.domain.enums import Direction, Status, Substatus
from cosell.domain.history import HistoryEntry
from cosell.store.models import history_t, referrals_t
from cosell.store.referral_rows import history_row


def _unanswered(created_before: dt.datetime) -> ColumnElement[bool]:
    return and_(
        referrals_t.c.direction == Direction.INCOMING.value,
        referrals_t.c.status == Status.NEW.value,
        referrals_t.c.created_at < created_before,
    )


def any_unanswered(conn: Connection, created_before: dt.datetime) -> bool:
    query = select(referrals_t.c.pk).where(_unanswered(created_before)).limit(1)
    return conn.execute(query).first() is not None


def expire_unanswered(conn: Connection, created_before: dt.datetime, now: dt.datetime) -> int:
    """Make them Closed/Expired, each with a history entry of the system; how many."""
    condition = _unanswered(created_before)
    rows = conn.execute(
        # Locked in primary-key order, as imports lock the deals they update: two
        # writers taking the same rows in one order cannot deadlock (PostgreSQL).
        select(
            referrals_t.c.pk,
            referrals_t.c.org_id,
            referrals_t.c.referral_id,
            referrals_t.c.substatus,
            referrals_t.c.version,
        )
        .where(condition)
        .order_by(referrals_t.c.pk)
        .with_for_update()
    ).all()
    if not rows:
        return 0
    # The same condition, not a list of keys: a first run on a large organization
    # may expire more rows than a statement may carry parameters. (The write
    # transaction holds the lock, so it selects exactly the rows read above.)
    conn.execute(
        update(referrals_t)
        .where(condition)
        .values(
            status=Status.CLOSED.value,
            substatus=Substatus.EXPIRED.value,
            version=referrals_t.c.version + 1,
            updated_at=now,
        )
    )
    entries = [
        history_row(
            r.pk,
            r.org_id,
            HistoryEntry(
                at=now,
                user_id=None,
                source="system",
                job_id=None,
                action="expired",
                changes={"Partner Referral Status": (f"New/{r.substatus}", "Closed/Expired")},
                referral_id=r.referral_id,
                version=r.version + 1,
            ),
        )
        for r in rows
    ]
    conn.execute(insert(history_t), entries)
    return len(rows)
