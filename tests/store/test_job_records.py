"""Jobs come out of the store typed; stored values this version does not know never crash
a reader."""

from __future__ import annotations

from sqlalchemy import update

from cosell.domain.job_types import ImportOptions, JobKind, JobStatus, UnreadableOptions
from cosell.services.clock import utcnow
from cosell.store import jobs as job_store
from cosell.store.models import Job, table_of
from tests.support import World


def stored_job(world: World, **values: str) -> str:
    with world.db.write() as conn:
        job_id = job_store.add_job(
            conn,
            org_id=world.admin.org_id,
            user_id=world.admin.user_id or 0,
            kind=JobKind.IMPORT,
            options=ImportOptions(dry_run=True),
            file_name="deals.csv",
            input_blob_id=None,
            now=utcnow(),
        )
        if values:
            jobs = table_of(Job)
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))
    return job_id


def test_a_job_reads_back_typed(world: World) -> None:
    job_id = stored_job(world)
    with world.db.read() as conn:
        job = job_store.get_job(conn, job_id)
    assert job is not None
    assert (job.kind, job.status) == (JobKind.IMPORT, JobStatus.QUEUED)
    assert job.options == ImportOptions(dry_run=True) and job.summary is None


def test_a_status_this_version_does_not_know_reads_as_failed(world: World) -> None:
    job_id = stored_job(world, status="paused")
    with world.db.read() as conn:
        job = job_store.get_job(conn, job_id)
    assert job is not None and job.status is JobStatus.FAILED
    assert job.error == 'The job has a status this version does not know ("paused").'
    assert isinstance(job.options, UnreadableOptions)


def test_a_kind_this_version_does_not_know_is_left_alone(world: World) -> None:
    job_id = stored_job(world, kind="merge")
    with world.db.read() as conn:
        assert job_store.get_job(conn, job_id) is None
        assert job_store.list_jobs(conn, world.admin.org_id, JobKind.IMPORT) == []
