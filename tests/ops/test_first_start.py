"""Several processes starting at once on a new PostgreSQL database: each creates what it
needs (huey's queue tables, the generated secret key) without failing on another's."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cosell.queue.job_queue import JobQueue
from cosell.services.sign_in import secret_key
from cosell.settings import Settings
from cosell.store.sql_backend import SqlBackend

STARTS = 8


def all_at_once(start: Callable[[], Any]) -> list[Any]:
    """`start()` in STARTS threads released together; their results, or their errors."""
    gate = threading.Barrier(STARTS)
    out: list[Any] = [None] * STARTS

    def run(i: int) -> None:
        gate.wait()
        try:
            out[i] = start()
        except Exception as exc:  # collected: the test shows every failure
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(STARTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_queue_tables_are_created_once_by_processes_starting_together(postgres_url: str) -> None:
    settings = Settings(database_url=postgres_url, queue_url=postgres_url)
    db = SqlBackend(postgres_url)
    db.upgrade()
    try:
        queues = all_at_once(lambda: JobQueue(settings, db))
        assert [q for q in queues if not isinstance(q, JobQueue)] == []
        queues[0].enqueue("a-job-id")
        assert queues[1].huey.pending_count() == 1
    finally:
        db.dispose()


def test_the_generated_secret_key_is_one_for_processes_starting_together(
    postgres_url: str,
) -> None:
    db = SqlBackend(postgres_url)
    db.upgrade()
    try:
        keys = all_at_once(lambda: secret_key(db, None))
        assert [k for k in keys if not isinstance(k, str)] == []
        assert len(set(keys)) == 1
        assert secret_key(db, None) == keys[0]
    finally:
        db.dispose()
