"""Periodic upkeep: re-queue jobs whose worker died, expire unanswered incoming referrals,
delete stored files past their retention.

Upkeep is one task for the whole deployment, not one per worker: each worker asks
every `upkeep_interval()` whether it is its turn (`JobStore.take_upkeep_turn`), and one
of them runs it. It runs beside the queue, not in it, so it never waits behind
imports. It never waits on a lock either: stale jobs locked by a live transaction are
skipped, and the other writes give up after `LOCK_TIMEOUT` until the next turn.
"""

from __future__ import annotations

import datetime as dt

from cosell.services.uow import Backend
from cosell.settings import Settings

#: How long an upkeep write waits for a row lock (PostgreSQL) before it gives up.
LOCK_TIMEOUT = 2.0
#: Files deleted per transaction, so a first clean-up of years of files stays small.
_FILES_PER_ROUND = 200


def upkeep_interval(settings: Settings) -> dt.timedelta:
    """How often the deployment's upkeep runs: a quarter of `job_stale_seconds` (so a
    dead worker's job runs again soon after its heartbeat is stale), 0.5 s to 15 s."""
    return dt.timedelta(seconds=min(15.0, max(0.5, settings.job_stale_seconds / 4)))


def take_turn(db: Backend, settings: Settings, now: dt.datetime) -> bool:
    """Whether the calling worker runs the upkeep now (one worker per interval)."""
    with db.writing(lock_timeout=LOCK_TIMEOUT) as uow:
        return uow.jobs.take_upkeep_turn(now, upkeep_interval(settings))


def requeue_stale_jobs(db: Backend, settings: Settings, now: dt.datetime) -> list[str]:
    """Jobs running without a heartbeat for `job_stale_seconds` (or queued that long)
    go back to the queue; the caller enqueues the returned ids again."""
    cutoff = now - dt.timedelta(seconds=settings.job_stale_seconds)
    with db.writing(lock_timeout=LOCK_TIMEOUT) as uow:
        return uow.jobs.requeue_stale(cutoff, now)


def delete_old_files(db: Backend, settings: Settings, now: dt.datetime) -> int:
    """Delete uploads, results and export files older than `file_retention_days` (an
    unfinished job's upload is kept); returns how many."""
    cutoff = now - dt.timedelta(days=settings.file_retention_days)
    deleted = 0
    while True:
        with db.writing(lock_timeout=LOCK_TIMEOUT) as uow:
            done = uow.blobs.delete_before(cutoff, _FILES_PER_ROUND)
        deleted += done
        if done < _FILES_PER_ROUND:
            return deleted


def expire_unanswered(db: Backend, settings: Settings, now: dt.datetime) -> int:
    """Incoming referrals still New after `expire_after_days` become Closed/Expired."""
    cutoff = now - dt.timedelta(days=settings.expire_after_days)
    with db.reading() as uow:
        # The usual answer, found without taking the write lock: nothing to expire.
        if not uow.any_unanswered(cutoff):
            return 0
    with db.writing(lock_timeout=LOCK_TIMEOUT) as uow:
        return uow.expire_unanswered(cutoff, now)
