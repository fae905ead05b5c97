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

from cosell.services import jobs as job_service
from cosell.services import maintenance
from cosell.services.clock import utcnow
from cosell.settings import Settings
from cosell.store.db import Database

log = logging.getLogger("cosell.jobs")


def queue_url(settings: Settings) -> str:
    """The queue's URL: the setting, or a SQLite file beside the SQLite database."""
    if settings.queue_url:
        return settings.queue_url
    db = make_url(settings.database_url)
    if db.get_backend_name() == "sqlite" and db.database:
        path = Path(db.database)
        return f"sqlite:///{path.with_name(path.stem + '-queue.db')}"
    raise ValueError("set COSELL_QUEUE_URL (redis://… or postgresql://…) for this database")


def _make_huey(url: str, immediate: bool) -> Huey:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return SqliteHuey("cosell", filename=parsed.database, immediate=immediate)
    if backend == "redis" or url.startswith(("redis://", "rediss://")):
        return RedisHuey("cosell", url=url, immediate=immediate)
    if backend == "postgresql":
        dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
        return PostgresHuey("cosell", dsn=dsn, immediate=immediate)
    raise ValueError(
        f"unsupported queue URL {url!r}; expected sqlite://, redis:// or postgresql://"
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
        self._run(job_id)

    def consumer(self, workers: int = 1) -> Any:
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)

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
