"""Which import and export jobs an actor may see: one rule for the API and the pages.

A job is visible to its organization's Referrals admins and to the user who started
it. Anything else is "not found", never "forbidden", so job ids reveal nothing.
"""

from __future__ import annotations

import dataclasses
from pathlib import PurePath

from cosell.domain.actor import Actor
from cosell.errors import Conflict, NotFound
from cosell.services.actor import require_user
from cosell.services.jobs import options_problem
from cosell.services.results import convert
from cosell.services.uow import Backend, JobRecord
from cosell.store import jobs as job_rows
from cosell.store.jobs import COMPLETED, FAILED, QUEUED, REJECTED, RUNNING, UNREADABLE

#: The job states and record every reader shows (the interfaces import them from here).
__all__ = [
    "COMPLETED",
    "FAILED",
    "QUEUED",
    "REJECTED",
    "RUNNING",
    "UNREADABLE",
    "JobRecord",
    "find_job",
    "job_file",
    "list_jobs",
    "readable",
    "results_file",
]


def find_job(db: Backend, actor: Actor, job_id: str, kind: str) -> JobRecord:
    require_user(actor, "use imports and exports")
    with db.reading() as uow:
        job = uow.jobs.get_job(job_id, actor.org_id)
    if job is None or job.kind != kind or not (actor.is_admin or job.user_id == actor.user_id):
        raise NotFound(f"{kind.capitalize()} job {job_id} was not found")
    return readable(job)


def list_jobs(
    db: Backend, actor: Actor, kind: str, limit: int = 20, *, mine: bool = False
) -> list[JobRecord]:
    """Newest first: the organization's for an admin (unless `mine`), else the user's own."""
    require_user(actor, "use imports and exports")
    with db.reading() as uow:
        found = uow.jobs.list_jobs(
            actor.org_id,
            kind,
            user_id=None if actor.is_admin and not mine else actor.user_id,
            limit=limit,
        )
    return [readable(job) for job in found]


_STATUSES = (job_rows.QUEUED, job_rows.RUNNING, *job_rows.FINISHED)


def readable(job: JobRecord) -> JobRecord:
    """The job as every reader shows it. Stored options that cannot be used (an older
    version's, a hand edit's) read as empty, and a job that will therefore never run
    reads as failed, saying why; its finished state and file are kept otherwise."""
    problem = options_problem(job)
    if problem is None and job.status in _STATUSES:
        return job
    if problem is None:
        problem = f'The job has a status this version does not know ("{job.status}").'
    if job.finished and job.status in _STATUSES:
        return dataclasses.replace(job, options={job_rows.UNREADABLE: problem})
    return dataclasses.replace(
        job, status=job_rows.FAILED, error=problem, options={job_rows.UNREADABLE: problem}
    )


def job_file(db: Backend, actor: Actor, job: JobRecord, what: str) -> tuple[str, bytes]:
    """(name, bytes) of a job's results or export file; NotFound when there is none."""
    if not job.finished:
        raise Conflict(f"The {job.kind} is still {job.status}; the {what} is not ready yet")
    with db.reading() as uow:
        blob = uow.blobs.get(actor.org_id, job.result_blob_id or "")
    if blob is None:
        raise NotFound(f"The {job.kind} job {job.id} has no {what} (it is {job.status})")
    return blob[0], blob[2]


def results_file(
    db: Backend, actor: Actor, job: JobRecord, fmt: str | None = None
) -> tuple[str, bytes, str]:
    """(name, bytes, format) of an import's results file, in `fmt` (csv or xlsx) or, by
    default, the format of the upload it answers."""
    name, data = job_file(db, actor, job, "results file")
    stored = "xlsx" if name.lower().endswith(".xlsx") else "csv"
    wanted = fmt or stored
    if wanted != stored:
        data = convert(data, wanted)
        name = str(PurePath(name).with_suffix(f".{wanted}"))
    return name, data, wanted
