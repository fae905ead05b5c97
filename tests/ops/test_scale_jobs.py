"""Jobs in the scale-out mode: PostgreSQL database, Redis queue, several real `cosell
worker` processes (issue 8 §0 and §3).

Each job must be applied exactly once whatever the queue does: a message delivered
twice, a worker hung (SIGSTOP) or killed (SIGKILL) inside an import's transaction,
a worker stopped with SIGTERM, a Redis restart that loses every queued message.
A worker started with `hold_commit` (tests/ops/slow_worker.py) holds an import's write
transaction open just before its commit, so each fault lands at the same point every run.
"""

from __future__ import annotations

import random
import signal
import threading
import time

import pytest
from sqlalchemy import text

from cosell.domain.job_types import ImportOptions, JobRecord
from cosell.queue.job_queue import JobQueue
from cosell.services import jobs as job_service
from cosell.store import jobs as job_store
from tests.ops.procs import (
    Proc,
    Procs,
    crm_ids,
    deals_file,
    finished,
    history_of_job,
    job,
    submit,
    wait_for,
)
from tests.redis_server import RedisServer
from tests.support import World

pytestmark = pytest.mark.slow

#: Short enough for a test, and what every worker of these tests is started with.
STALE = 2


def workers(
    procs: Procs, world: World, count: int, hold_commit: float | None = None, **settings: float
) -> list[Proc]:
    base: dict[str, str | float] = {
        "queue_url": str(world.settings.queue_url),
        "job_stale_seconds": STALE,
        "db_idle_transaction_seconds": STALE,
    }
    return procs.workers(count, hold_commit, **(base | settings))


def waiting_at_commit(started: list[Proc], job_id: str) -> Proc:
    """The worker whose import of `job_id` is holding its commit (testing aid)."""
    text = f"testing aid: job {job_id} waits"
    return wait_for(text, lambda: next((p for p in started if text in p.output()), None))


def applied_once(world: World, job_id: str, prefix: str, rows: int) -> JobRecord:
    done = wait_for(f"job {job_id} to finish", lambda: finished(world, job_id), timeout=30)
    assert done.status == job_store.COMPLETED, done
    assert done.import_summary is not None
    assert (done.import_summary.created, done.import_summary.failed) == (rows, 0), (
        done.import_summary
    )
    assert crm_ids(world, prefix) == sorted(f"{prefix}-{i}" for i in range(rows))
    assert history_of_job(world, job_id) == rows
    return done


def idle_in_transaction(world: World) -> int:
    """Sessions of the database stopped inside a transaction."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND state = 'idle in transaction'"
    )
    with world.db.read() as conn:
        return int(conn.execute(query).scalar() or 0)


def requeued_by(started: list[Proc], job_id: str) -> int:
    return sum(p.output().count(f"re-queued job {job_id}") for p in started)


def test_same_job_delivered_again_while_it_commits_is_applied_once(
    scale_world: World, scale_procs: Procs
) -> None:
    started = workers(scale_procs, scale_world, 3, hold_commit=1.5)
    job_id = submit(scale_world, deals_file("TWICE", 30))
    waiting_at_commit(started, job_id)
    # The first worker holds its commit: two more deliveries of the same id now.
    queue = JobQueue(scale_world.settings, scale_world.db)
    queue.enqueue(job_id)
    queue.enqueue(job_id)
    applied_once(scale_world, job_id, "TWICE", 30)
    time.sleep(2)  # long enough for a second run to pass its own 1.5 s wait
    again = applied_once(scale_world, job_id, "TWICE", 30)
    assert again.attempts == 1


def test_three_workers_run_each_job_exactly_once_under_repeated_delivery(
    scale_world: World, scale_procs: Procs
) -> None:
    workers(scale_procs, scale_world, 3)
    trials, rows = 20, 10
    ids = [submit(scale_world, deals_file(f"T{n}", rows), enqueue=False) for n in range(trials)]
    queue = JobQueue(scale_world.settings, scale_world.db)
    rng = random.Random(8)

    def deliver(job_id: str) -> None:
        for _ in range(3):  # the upload's message, then two duplicates 0-0.3 s apart
            queue.enqueue(job_id)
            time.sleep(rng.uniform(0, 0.3))

    threads = [threading.Thread(target=deliver, args=(j,)) for j in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    doubles = []
    for n, job_id in enumerate(ids):
        applied_once(scale_world, job_id, f"T{n}", rows)
    time.sleep(1)  # any duplicate delivery still in flight has run by now
    for job_id in ids:
        if job(scale_world, job_id).attempts != 1:
            doubles.append(job_id)
    assert doubles == [], f"{len(doubles)} of {trials} jobs ran more than once"


def test_a_hung_worker_stops_nobody_and_its_job_is_applied_once(
    scale_world: World, scale_procs: Procs
) -> None:
    (hung,) = workers(scale_procs, scale_world, 1, hold_commit=3, db_idle_transaction_seconds=6)
    stuck = submit(scale_world, deals_file("HUNG", 40))
    hung.wait_output(f"testing aid: job {stuck} waits")
    hung.popen.send_signal(signal.SIGSTOP)
    try:
        others = workers(scale_procs, scale_world, 2)
        # Other organizations' imports go on, and the others' upkeep runs, while the
        # hung worker still holds its job's row and its organization's create lock.
        # (Imports that create deals in the hung worker's organization wait for that
        # lock until the server ends the hung session: `db_idle_transaction_seconds`.)
        for n in range(3):
            other = job_service.submit_import(
                scale_world.db,
                scale_world.other_admin,
                "deals.csv",
                deals_file(f"OTHER{n}", 5),
                ImportOptions(),
                scale_world.settings,
            )
            JobQueue(scale_world.settings, scale_world.db).enqueue(other)
            applied_once(scale_world, other, f"OTHER{n}", 5)
        assert idle_in_transaction(scale_world) == 1
        # The hung worker's session ends after `db_idle_transaction_seconds`; then the
        # job's heartbeat is stale and one of the others re-runs it.
        done = applied_once(scale_world, stuck, "HUNG", 40)
        assert done.attempts == 2
        assert requeued_by(others, stuck) == 1
    finally:
        hung.popen.send_signal(signal.SIGCONT)
    # The hung worker wakes up inside its old transaction: it must not apply it again.
    hung.wait_output("idle-in-transaction timeout")
    time.sleep(0.5)
    again = applied_once(scale_world, stuck, "HUNG", 40)
    assert again.attempts == 2
    assert hung.popen.poll() is None, hung.output()


def test_a_killed_worker_s_job_is_picked_up_after_the_stale_timeout(
    scale_world: World, scale_procs: Procs
) -> None:
    (doomed,) = workers(scale_procs, scale_world, 1, hold_commit=60, db_idle_transaction_seconds=60)
    job_id = submit(scale_world, deals_file("KILLED", 40))
    doomed.wait_output(f"testing aid: job {job_id} waits")
    others = workers(scale_procs, scale_world, 2)
    doomed.stop(signal.SIGKILL)
    killed_at = time.monotonic()
    done = applied_once(scale_world, job_id, "KILLED", 40)
    recovered = time.monotonic() - killed_at
    assert recovered < STALE + 3, f"recovered after {recovered:.1f} s"
    assert done.attempts == 2
    assert requeued_by(others, job_id) == 1


def test_no_job_is_lost_when_redis_restarts(
    scale_world: World, scale_procs: Procs, redis: RedisServer
) -> None:
    # Queued while no worker runs, then the queue forgets them all.
    queued = [submit(scale_world, deals_file(f"LOST{n}", 5)) for n in range(5)]
    redis.restart()
    started = workers(scale_procs, scale_world, 2)
    for n, job_id in enumerate(queued):
        applied_once(scale_world, job_id, f"LOST{n}", 5)
    # The running workers carry on with the restarted server.
    redis.restart()
    later = [submit(scale_world, deals_file(f"LATER{n}", 5)) for n in range(3)]
    for n, job_id in enumerate(later):
        applied_once(scale_world, job_id, f"LATER{n}", 5)
    assert all(job(scale_world, j).attempts == 1 for j in queued + later)
    assert all(p.popen.poll() is None for p in started)


def test_sigterm_hands_the_running_job_back(scale_world: World, scale_procs: Procs) -> None:
    (leaving,) = workers(scale_procs, scale_world, 1, hold_commit=30)
    job_id = submit(scale_world, deals_file("TERM", 20))
    leaving.wait_output(f"testing aid: job {job_id} waits")
    began = time.monotonic()
    assert leaving.stop(signal.SIGTERM, timeout=10) == 0, leaving.output()
    assert time.monotonic() - began < 5
    handed = job(scale_world, job_id)
    assert (handed.status, handed.attempts) == (job_store.QUEUED, 0), leaving.output()
    assert crm_ids(scale_world, "TERM") == []
    # Handed back to the queue, not left for the stale re-queue (a minute here).
    workers(scale_procs, scale_world, 1, job_stale_seconds=60)
    done = applied_once(scale_world, job_id, "TERM", 20)
    assert done.attempts == 1
