"""The job hooks: tests step into a running import through them (production installs
none). `before_commit` runs inside the import's transaction, all written, nothing
committed; a hook that sees the worker stopping hands the job back."""

from __future__ import annotations

import threading

from cosell.domain.job_types import ImportOptions, JobStatus
from cosell.services import job_hooks, jobs
from cosell.services.job_hooks import CommitPoint, JobHooks
from tests.ops.procs import crm_ids, deals_file
from tests.support import World


def test_before_commit_sees_the_job_and_a_stop_hands_it_back(world: World) -> None:
    job_id = jobs.submit_import(
        world.db, world.admin, "d.csv", deals_file("HOOK", 3), ImportOptions(), world.settings
    )
    stop = threading.Event()
    seen: list[CommitPoint] = []

    def stopping(point: CommitPoint) -> None:
        seen.append(point)
        assert crm_ids(world, "HOOK") == []  # written, but not committed
        stop.set()
        point.hand_back()

    handed = jobs.run_job(
        world.db, job_id, world.settings, stop=stop, hooks=JobHooks(before_commit=stopping)
    )
    assert [(p.job_id, p.chunk) for p in seen] == [(job_id, None)]
    assert (handed.status, handed.attempts) == (JobStatus.QUEUED, 0)
    assert crm_ids(world, "HOOK") == []

    done = jobs.run_job(world.db, job_id, world.settings)
    assert done.status is JobStatus.COMPLETED and len(crm_ids(world, "HOOK")) == 3


def test_installed_hooks_serve_every_job_not_given_its_own(world: World) -> None:
    points: list[CommitPoint] = []
    job_hooks.install(JobHooks(before_commit=points.append))
    try:
        job_id = jobs.submit_import(
            world.db, world.admin, "d.csv", deals_file("ALL", 1), ImportOptions(), world.settings
        )
        jobs.run_job(world.db, job_id, world.settings)
    finally:
        job_hooks.install(job_hooks.NO_HOOKS)
    assert [p.job_id for p in points] == [job_id]
