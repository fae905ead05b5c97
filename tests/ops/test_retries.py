"""Retries: huey runs a failing job again (task `retries=2`, so three tries) and the
job service marks it failed after `job_max_attempts`; nothing of a failed try is kept.

The queue is the real SqliteHuey file; the consumer's loop is played here step by
step (dequeue, execute, and a scheduled retry taken as soon as it is scheduled)
instead of waiting out huey's retry delay.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cosell.domain.job_types import ImportOptions
from cosell.queue.job_queue import JobQueue
from cosell.services import imports
from cosell.settings import Settings
from cosell.store import jobs as job_store
from tests.ops.procs import blob_names, crm_ids, deals_file, job
from tests.support import World


def drain(queue: JobQueue) -> int:
    """Run every task a consumer would run, retries included; returns how many ran."""
    huey = queue.huey
    ran = 0
    while ran < 20:
        task = huey.dequeue()
        if task is not None:
            huey.execute(task)
            ran += 1
            continue
        # Nothing queued: jump to when the scheduled retries are due.
        later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5)
        due = huey.read_schedule(later)
        if not due:
            return ran
        for retry in due:
            huey.execute(retry, later)
            ran += 1
    raise AssertionError("the queue never ran dry")


def submit(world: World, settings: Settings) -> tuple[JobQueue, str]:
    from cosell.services import jobs as job_service

    queue = JobQueue(settings, world.db)
    job_id = job_service.submit_import(
        world.db,
        world.admin,
        "deals.csv",
        deals_file("RETRY", 4),
        ImportOptions(),
        settings,
    )
    queue.enqueue(job_id)
    return queue, job_id


def always_failing(calls: list[int]) -> Any:
    def apply(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        raise RuntimeError("the disk is on fire")

    return apply


def test_a_job_failing_every_time_ends_failed_after_max_attempts(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(imports, "apply", always_failing(calls))
    queue, job_id = submit(world, world.settings)

    assert drain(queue) == 3 == world.settings.job_max_attempts
    failed = job(world, job_id)
    assert (failed.status, failed.attempts, len(calls)) == (job_store.FAILED, 3, 3)
    assert failed.error == "the job failed: RuntimeError: the disk is on fire"
    assert failed.finished_at is not None
    assert crm_ids(world, "RETRY") == []
    assert blob_names(world) == ["deals.csv"]


def test_fewer_attempts_than_huey_retries_stops_at_the_setting(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(imports, "apply", always_failing(calls))
    queue, job_id = submit(world, world.settings.model_copy(update={"job_max_attempts": 2}))

    assert drain(queue) == 3  # huey's last retry finds the job finished and does nothing
    failed = job(world, job_id)
    assert (failed.status, failed.attempts, len(calls)) == (job_store.FAILED, 2, 2)


def test_a_job_failing_twice_then_succeeding_is_applied_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_apply = imports.apply
    calls: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) < 3:
            raise OSError("disk I/O error")
        return real_apply(*args, **kwargs)

    monkeypatch.setattr(imports, "apply", flaky)
    queue, job_id = submit(world, world.settings)

    assert drain(queue) == 3
    done = job(world, job_id)
    assert (done.status, done.attempts, done.error) == (job_store.COMPLETED, 3, None)
    assert done.import_summary is not None and done.import_summary.created == 4
    assert crm_ids(world, "RETRY") == ["RETRY-0", "RETRY-1", "RETRY-2", "RETRY-3"]
    assert blob_names(world) == ["deals-results.csv", "deals.csv"]
