"""The job queue: huey carries job ids; job state lives in the database.

Storage follows `COSELL_QUEUE_URL`: `sqlite:///path` (the default: a file of its own
beside the SQLite database), `redis://…`, or `postgresql://…`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from sqlalchemy.engine import make_url

from cosell.errors import UsageError
from cosell.services import jobs as job_service
from cosell.services import maintenance
from cosell.services.clock import utcnow
from cosell.settings import Settings
from cosell.store.db import Database

log = logging.getLogger("cosell.jobs")

#: How often an idle worker looks at the queue (SQLite and PostgreSQL storage poll;
#: Redis blocks and needs none of it). huey's defaults back off to one look per 10 s,
#: which would leave a fresh upload waiting seconds; a look costs one indexed query.
POLLING: dict[str, float] = {"initial_delay": 0.05, "backoff": 1.25, "max_delay": 0.25}


def queue_url(settings: Settings) -> str:
    """The queue's URL: the setting, or a SQLite file beside the SQLite database."""
    if settings.queue_url:
        return settings.queue_url
    db = make_url(settings.database_url)
    if db.get_backend_name() == "sqlite" and db.database:
        path = Path(db.database)
        return f"sqlite:///{path.with_name(path.stem + '-queue.db')}"
    raise UsageError("set COSELL_QUEUE_URL (redis://… or postgresql://…) for this database")


def _make_huey(url: str, immediate: bool) -> Huey:
    # Only the scheme is ever echoed: the rest of the URL may hold a password.
    scheme, sep, rest = url.partition("://")
    family = scheme.lower().split("+", 1)[0] if sep else ""
    if family == "sqlite":
        path = make_url(url).database
        if not path or path == ":memory:":
            raise UsageError("a SQLite queue needs a file: sqlite:///path/to/queue.db")
        return SqliteHuey("cosell", filename=path, immediate=immediate)
    if family in ("redis", "rediss"):
        return RedisHuey("cosell", url=url, immediate=immediate)
    if family in ("postgresql", "postgres"):
        return PostgresHuey("cosell", dsn=f"postgresql://{rest}", immediate=immediate)
    raise UsageError(
        f"the queue URL scheme {scheme + ':' if sep else '(none)'} is not supported; "
        "set COSELL_QUEUE_URL to sqlite:///path, redis://host:port/db or postgresql://…"
    )


class JobQueue:
    """Queue port: `enqueue(job_id)`; a worker runs `consumer().run()`.

    `immediate=True` runs each task at once in the calling thread (huey's own
    test mode), for in-process tests of the web layer.
    """

    def __init__(self, settings: Settings, db: Database, *, immediate: bool = False) -> None:
        self.settings = settings
        self.db = db
        self.huey = _make_huey(queue_url(settings), immediate)
        self._run = self.huey.task(name="cosell.run_job", retries=2, retry_delay=2)(self._run_job)
        self.huey.periodic_task(crontab(minute="*"), name="cosell.maintenance")(self._maintenance)

    def enqueue(self, job_id: str) -> None:
        """Hand a stored job to the queue. Should the queue be unreachable, the job stays
        queued in the database and the periodic re-queue of stale jobs picks it up, so
        the caller (an upload, an export request) never fails or loses it here."""
        try:
            self._run(job_id)
        except Exception:
            log.exception("could not enqueue job %s; it will be re-queued", job_id)

    def consumer(self, workers: int = 1) -> Any:
        return self.huey.create_consumer(
            workers=workers, worker_type="thread", periodic=True, **POLLING
        )

    def _run_job(self, job_id: str) -> None:
        job_service.run_job(self.db, job_id, self.settings)

    def _maintenance(self) -> None:
        now = utcnow()
        for job_id in maintenance.requeue_stale_jobs(self.db, self.settings, now):
            log.warning("re-queued job %s: its worker stopped answering", job_id)
            self.enqueue(job_id)
        expired = maintenance.expire_unanswered(self.db, self.settings, now)
        if expired:
            log.info("expired %d unanswered incoming referrals", expired)
