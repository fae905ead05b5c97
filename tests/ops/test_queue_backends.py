"""The job queue on each of huey's storages, with real `cosell serve` and `cosell worker`
processes, as users run them:

- `sqlite`: the embedded mode, a SQLite database and its queue file beside it (the
  default, no COSELL_QUEUE_URL);
- `redis`: PostgreSQL database, Redis queue (the scale-out mode);
- `postgresql`: PostgreSQL database, the queue in the same database (huey's
  PostgresHuey on psycopg 3: no Redis to run).

The database decides who runs a job, whatever the queue delivers: each job is applied
once on every storage.
"""

from __future__ import annotations

import dataclasses
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from huey import PostgresHuey, RedisHuey, SqliteHuey

from cosell.queue.job_queue import JobQueue
from cosell.store import jobs as job_store
from tests import backends
from tests.ops.procs import Procs, crm_ids, deals_file, finished, job, submit, wait_for
from tests.ops.test_scale_jobs import applied_once, waiting_at_commit
from tests.support import World

pytestmark = pytest.mark.slow

STORAGES = {"sqlite": SqliteHuey, "redis": RedisHuey, "postgresql": PostgresHuey}
#: Short enough for a test, long past the few seconds a test's job takes.
STALE = 2


@pytest.fixture(params=list(STORAGES))
def queue_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    storage: str = request.param
    backend = backends.SQLITE if storage == "sqlite" else backends.POSTGRESQL
    with backends.world_on(request, backend, tmp_path) as world:
        queue_url = None
        if storage == "redis":
            queue_url = request.getfixturevalue("redis").url
        elif storage == "postgresql":
            queue_url = world.settings.database_url
        settings = world.settings.model_copy(update={"queue_url": queue_url})
        world = dataclasses.replace(world, settings=settings)
        assert type(JobQueue(world.settings, world.db).huey) is STORAGES[storage]
        yield world


@pytest.fixture
def queue_procs(queue_world: World, tmp_path: Path) -> Iterator[Procs]:
    url = queue_world.settings.queue_url
    started = Procs(
        tmp_path,
        queue_world.settings.database_url,
        job_stale_seconds=STALE,
        **({"queue_url": url} if url else {}),
    )
    yield started
    started.cleanup()


def test_an_uploaded_job_is_run_by_a_worker(queue_world: World, queue_procs: Procs) -> None:
    server = queue_procs.server("--no-worker")
    (worker,) = queue_procs.workers(1)
    job_id = server.upload(queue_world, deals_file("UPLOADED", 5))
    done = applied_once(queue_world, job_id, "UPLOADED", 5)
    assert done.attempts == 1
    assert "Executing cosell" in worker.output()
    assert "Executing cosell" not in server.output()


def test_a_job_delivered_twice_runs_once(queue_world: World, queue_procs: Procs) -> None:
    started = queue_procs.workers(2, hold_commit=1.5)
    job_id = submit(queue_world, deals_file("TWICE", 10))
    waiting_at_commit(started, job_id)
    JobQueue(queue_world.settings, queue_world.db).enqueue(job_id)  # the second delivery
    applied_once(queue_world, job_id, "TWICE", 10)
    # The second message is taken (by the other worker) and does nothing.
    wait_for("the second message to be taken", lambda: _pending(queue_world) == 0)
    wait_for(
        "both deliveries to be executed",
        lambda: sum(p.output().count("Executing cosell") for p in started) == 2,
    )
    again = applied_once(queue_world, job_id, "TWICE", 10)
    assert again.attempts == 1


def test_a_job_queued_while_no_worker_runs_is_run_when_one_starts(
    queue_world: World, queue_procs: Procs
) -> None:
    job_id = submit(queue_world, deals_file("WAITED", 5))
    assert _pending(queue_world) == 1
    assert job(queue_world, job_id).status == job_store.QUEUED
    # Not by the re-queue of stale jobs (a minute here): by the message itself.
    (worker,) = queue_procs.workers(1, job_stale_seconds=60)
    done = applied_once(queue_world, job_id, "WAITED", 5)
    assert done.attempts == 1
    assert "re-queued" not in worker.output()


def test_a_worker_stopped_mid_job_hands_it_to_another(
    queue_world: World, queue_procs: Procs
) -> None:
    (leaving,) = queue_procs.workers(1, hold_commit=30)
    job_id = submit(queue_world, deals_file("HANDED", 10))
    waiting_at_commit([leaving], job_id)
    # Another worker is running when the first stops; it does not re-queue stale jobs
    # within the test, so it gets the job from the message the first one sends back.
    (other,) = queue_procs.workers(1, job_stale_seconds=60)
    assert leaving.stop(signal.SIGTERM, timeout=10) == 0, leaving.output()
    assert f"job {job_id} handed back to the queue" in leaving.output()
    done = applied_once(queue_world, job_id, "HANDED", 10)
    assert done.attempts == 1
    assert "Executing cosell" in other.output() and "re-queued" not in other.output()
    assert crm_ids(queue_world, "HANDED") == [f"HANDED-{i}" for i in range(10)]
    assert finished(queue_world, job_id) is not None


def _pending(world: World) -> int:
    """Messages waiting in the queue."""
    return int(JobQueue(world.settings, world.db).huey.pending_count())
