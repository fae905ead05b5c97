"""Whether jobs will run: worker heartbeats, the queue's depth, the oldest waiting job.

Every worker process (embedded in `cosell serve` or alone as `cosell worker`, on any
machine) writes a heartbeat to the database every `BEAT_SECONDS`. The service is
healthy when the database answers and some worker beat within `FRESH_SECONDS`:
then an upload that answers 202 will also be processed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from dataclasses import dataclass
from typing import Any

from cosell.services.clock import utcnow
from cosell.services.uow import Backend

log = logging.getLogger("cosell.health")

BEAT_SECONDS = 5.0
#: Long enough for a few beats to wait behind an import's write transaction.
FRESH_SECONDS = 30.0
#: Jobs queued longer than this make the pages say so.
WAITING_NOTICE = dt.timedelta(minutes=1)
#: Heartbeats of workers not heard of for this long are removed.
FORGET_AFTER = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Health:
    database: bool
    workers: int
    last_beat_age_s: float | None
    queued: int
    running: int
    oldest_queued_age_s: float | None

    @property
    def ok(self) -> bool:
        return self.database and self.workers > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "unavailable",
            "database": "ok" if self.database else "unreachable",
            "worker": {
                "fresh": self.workers > 0,
                "count": self.workers,
                "last_heartbeat_age_s": self.last_beat_age_s,
            },
            "queue": {
                "depth": self.queued,
                "running": self.running,
                "oldest_queued_age_s": self.oldest_queued_age_s,
            },
        }


def check(db: Backend, now: dt.datetime | None = None) -> Health:
    """The service's health; a database that cannot be reached is an answer, not an error."""
    now = now or utcnow()
    try:
        with db.reading() as uow:
            beats = uow.jobs.worker_beats()
            queued, running, oldest = uow.jobs.queue_depth()
    except Exception as exc:
        if not db.is_unavailable(exc):
            raise
        log.warning("health check: the database cannot be reached: %s", exc)
        return Health(False, 0, None, 0, 0, None)
    ages = [(now - at).total_seconds() for at in beats.values()]
    fresh = [age for age in ages if age <= FRESH_SECONDS]
    return Health(
        database=True,
        workers=len(fresh),
        last_beat_age_s=round(min(ages), 3) if ages else None,
        queued=queued,
        running=running,
        oldest_queued_age_s=round((now - oldest).total_seconds(), 3) if oldest else None,
    )


def waiting_for(db: Backend, org_id: int, now: dt.datetime | None = None) -> dt.timedelta | None:
    """How long the organization's oldest queued job has waited, when over a minute."""
    now = now or utcnow()
    with db.reading() as uow:
        oldest = uow.jobs.oldest_queued(org_id)
    if oldest is None or now - oldest <= WAITING_NOTICE:
        return None
    return now - oldest


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(db: Backend, worker: str, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    # A heartbeat never queues behind a hung process's locks: it is late, then next.
    with db.writing(lock_timeout=BEAT_SECONDS) as uow:
        uow.jobs.beat(worker, now)
        uow.jobs.forget_workers_before(now - FORGET_AFTER)


def forget(db: Backend, worker: str) -> None:
    with db.writing() as uow:
        uow.jobs.forget_worker(worker)


def start_beating(db: Backend, worker: str, stop: threading.Event) -> threading.Thread:
    """A daemon thread writing `worker`'s heartbeat every BEAT_SECONDS until `stop`."""

    def run() -> None:
        while True:
            try:
                beat(db, worker)
            except Exception as exc:
                if not db.is_unavailable(exc):
                    raise
                # the database is away: try again next time
                log.warning("heartbeat not written: %s", exc)
            if stop.wait(BEAT_SECONDS):
                return

    thread = threading.Thread(target=run, name="heartbeat", daemon=True)
    thread.start()
    return thread
