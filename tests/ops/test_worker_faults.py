"""A worker killed mid-job, a server gone before any worker ran: nothing is lost,
nothing is applied twice (rules §3 "processed at most once", §6 "Nothing lost").

These run the real `cosell worker` command against a test database and its SQLite
queue file, and kill it with SIGKILL: no clean-up code of ours gets to run.
"""

from __future__ import annotations

import datetime as dt
import signal
import time

import pytest

from cosell.services.clock import utcnow
from cosell.store import jobs as job_store
from tests.ops.procs import (
    Procs,
    blob_names,
    crm_ids,
    db_path,
    deals_file,
    finished,
    history_of_job,
    job,
    submit,
    wait_for,
    write_locked,
)
from tests.support import World

pytestmark = pytest.mark.slow


def test_worker_killed_inside_the_write_transaction_then_job_completes_once(
    world: World, procs: Procs
) -> None:
    job_id = submit(world, deals_file("KILL", 25))

    first = procs.worker(hold_commit=60)
    first.wait_output(f"testing aid: job {job_id} waits")
    # Everything is written but not committed: the worker holds the write lock.
    assert write_locked(db_path(world))
    first.stop(signal.SIGKILL)
    assert first.popen.returncode == -signal.SIGKILL

    killed = job(world, job_id)
    assert (killed.status, killed.attempts) == (job_store.RUNNING, 1)
    assert crm_ids(world, "KILL") == []
    assert history_of_job(world, job_id) == 0
    assert blob_names(world) == ["deals.csv"]
    assert not write_locked(db_path(world))

    # The killed worker had taken the message off the queue; only the periodic upkeep
    # (run by every worker as it starts) can bring the job back: let its heartbeat age.
    stale = 1
    assert killed.heartbeat_at is not None
    ready = killed.heartbeat_at + dt.timedelta(seconds=stale + 1)
    time.sleep(max(0.0, (ready - utcnow()).total_seconds()) + 0.05)
    second = procs.worker(job_stale_seconds=stale)

    done = wait_for("the job to finish", lambda: finished(world, job_id))
    second.stop()
    assert "re-queued job" in second.output()
    assert (done.status, done.attempts) == (job_store.COMPLETED, 2)
    assert done.import_summary is not None
    assert (done.import_summary.created, done.import_summary.failed) == (25, 0)
    assert crm_ids(world, "KILL") == sorted(f"KILL-{i}" for i in range(25))
    assert history_of_job(world, job_id) == 25
    assert blob_names(world) == ["deals-results.csv", "deals.csv"]
    assert done.result_blob_id is not None


def test_uploads_survive_a_server_that_stopped_before_any_worker_ran(
    world: World, procs: Procs
) -> None:
    server = procs.server("--no-worker")
    assert "worker started" not in server.output()
    uploaded = server.upload(world, deals_file("UPLOADED", 3))
    server.stop(signal.SIGKILL)
    # A crash between storing an upload and queueing it leaves no message at all.
    unqueued = submit(world, deals_file("LOST", 2), enqueue=False)
    for job_id in (uploaded, unqueued):
        assert job(world, job_id).status == job_store.QUEUED
    assert blob_names(world) == ["deals.csv", "deals.csv"]

    stale = 1
    time.sleep(stale + 1.05)  # the un-queued job is now older than `stale`
    worker = procs.worker(job_stale_seconds=stale)
    first = wait_for("the uploaded job", lambda: finished(world, uploaded))
    second = wait_for("the re-queued job", lambda: finished(world, unqueued))
    worker.stop()

    assert first.status == second.status == job_store.COMPLETED
    assert crm_ids(world, "UPLOADED") == ["UPLOADED-0", "UPLOADED-1", "UPLOADED-2"]
    assert crm_ids(world, "LOST") == ["LOST-0", "LOST-1"]
    assert f"re-queued job {unqueued}" in worker.output()
