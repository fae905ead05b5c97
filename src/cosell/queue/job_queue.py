"""The job queue: huey carries job ids; job state lives in the database.

Storage follows `COSELL_QUEUE_URL`: `sqlite:///path` (the default: a file of its own
beside the SQLite database), `redis://…`, or `postgresql://…`.

A message may be delivered twice, or lost (a Redis restart without persistence):
the database decides. `run_job` claims a job atomically, so a second delivery does
nothing, and the deployment's upkeep (`services.maintenance`, in a thread of each
worker beside the consumer, one worker per turn) queues again the jobs whose message
or worker is gone.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey
from sqlalchemy.engine import make_url

from cosell.domain.job_types import JobStatus
from cosell.errors import UsageError
from cosell.services import jobs as job_service
from cosell.services import maintenance
from cosell.services.clock import utcnow
from cosell.services.uow import Backend
from cosell.settings import Settings

log = logging.getLogger("cosell.jobs")

#: How often an idle worker looks at the queue (SQLite and PostgreSQL storage poll;
#: Redis blocks and needs none of it). huey's defaults back off to one look per 10 s,
#: which would leave a fresh upload waiting seconds; a look costs one indexed query.
POLLING: dict[str, float] = {"initial_delay": 0.05, "backoff": 1.25, "max_delay": 0.25}


#: The PostgreSQL advisory lock key held while huey's tables are created.
QUEUE_TABLES_LOCK = 7_300_415_001


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
        huey = PostgresHuey(
            "cosell", dsn=f"postgresql://{rest}", immediate=immediate, create_tables=False
        )
        if not immediate:
            _create_queue_tables(huey.storage)
        return huey
    raise UsageError(
        f"the queue URL scheme {scheme + ':' if sep else '(none)'} is not supported; "
        "set COSELL_QUEUE_URL to sqlite:///path, redis://host:port/db or postgresql://…"
    )


def _create_queue_tables(storage: Any) -> None:
    """huey's tables, created one process at a time: huey's own `CREATE TABLE IF NOT
    EXISTS` is not safe when several processes start at once on a new database (one of
    them fails on a duplicate key of the catalog). Every process holds the same
    advisory lock while it runs them, so the later ones find the tables made."""
    with storage.db(commit=True, close=True) as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", (QUEUE_TABLES_LOCK,))
        for statement in storage.ddl:
            cursor.execute(statement)


class JobQueue:
    """Queue port: `enqueue(job_id)`; a worker runs `consumer().run()` and
    `start_upkeep()`.

    `immediate=True` runs each task at once in the calling thread (huey's own
    test mode), for in-process tests of the web layer.
    """

    def __init__(self, settings: Settings, db: Backend, *, immediate: bool = False) -> None:
        self.settings = settings
        self.db = db
        self.huey = _make_huey(queue_url(settings), immediate)
        self._run = self.huey.task(name="cosell.run_job", retries=2, retry_delay=2)(self._run_job)
        #: Set when the worker stops: a job not yet committed is handed back.
        self.stopping = threading.Event()

    def enqueue(self, job_id: str) -> None:
        """Hand a stored job to the queue. Should the queue be unreachable, the job stays
        queued in the database and the periodic re-queue of stale jobs picks it up, so
        the caller (an upload, an export request) never fails or loses it here."""
        try:
            self._run(job_id)
        except Exception:
            log.exception("could not enqueue job %s; it will be re-queued", job_id)

    def consumer(self, workers: int = 1) -> Any:
        """huey's consumer; its stop flag is `stopping`, so a stopping consumer's jobs
        hand themselves back instead of making the stop wait for them."""
        consumer = self.huey.create_consumer(
            workers=workers, worker_type="thread", periodic=False, **POLLING
        )
        # huey takes SIGTERM as "stop now" (the job's transaction is cut and the job
        # waits for the stale re-queue) and SIGINT as "stop gently". SIGTERM is what
        # service managers send: make it gentle too. huey (3.x) reads this table of
        # signal -> (restart, graceful) when the consumer starts; it has no option
        # for both signals, so the table is set here.
        consumer._signal_actions[signal.SIGTERM] = (False, True)
        self.stopping = consumer.stop_flag
        return consumer

    def start_upkeep(self, stop: threading.Event) -> threading.Thread:
        """A daemon thread that, until `stop`, asks every upkeep interval whether this
        worker runs the deployment's upkeep now, and runs it if so."""
        every = maintenance.upkeep_interval(self.settings).total_seconds()

        def run() -> None:
            while True:
                try:
                    if maintenance.take_turn(self.db, self.settings, utcnow()):
                        self.upkeep()
                except Exception:  # the database is away, a lock timed out: next turn
                    log.exception("upkeep failed; it runs again at the next turn")
                if stop.wait(every):
                    return

        thread = threading.Thread(target=run, name="upkeep", daemon=True)
        thread.start()
        return thread

    def _run_job(self, job_id: str) -> None:
        job = job_service.run_job(self.db, job_id, self.settings, stop=self.stopping)
        if job.status is JobStatus.QUEUED:
            self.enqueue(job_id)  # handed back by a stopping worker: for the others

    def upkeep(self) -> None:
        """The deployment's upkeep, once (the caller makes sure it is its turn)."""
        now = utcnow()
        for job_id in maintenance.requeue_stale_jobs(self.db, self.settings, now):
            log.warning("re-queued job %s: its worker or its message is gone", job_id)
            self.enqueue(job_id)
        expired = maintenance.expire_unanswered(self.db, self.settings, now)
        if expired:
            log.info("expired %d unanswered incoming referrals", expired)
        deleted = maintenance.delete_old_files(self.db, self.settings, now)
        if deleted:
            log.info("deleted %d stored files past their retention", deleted)
