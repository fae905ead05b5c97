"""Which import and export jobs an actor may see: one rule for the API and the pages.

A job is visible to its organization's Referrals admins and to the user who started
it. Anything else is "not found", never "forbidden", so job ids reveal nothing.
"""

from __future__ import annotations

import dataclasses

from cosell.domain.actor import Actor
from cosell.domain.job_types import JobKind, JobRecord, JobStatus
from cosell.errors import Conflict, NotFound
from cosell.i18n import Msg
from cosell.services.actor import require_user
from cosell.services.jobs import options_problem
from cosell.services.uow import Backend


def find_job(db: Backend, actor: Actor, job_id: str, kind: JobKind) -> JobRecord:
    require_user(actor, Msg("use imports and exports"))
    with db.reading() as uow:
        job = uow.jobs.get_job(job_id, actor.org_id)
    if job is None or job.kind != kind or not (actor.is_admin or job.user_id == actor.user_id):
        raise NotFound(
            Msg("Import job %(job)s was not found", job=job_id)
            if kind == "import"
            else Msg("Export job %(job)s was not found", job=job_id)
            if kind == "export"
            else Msg("%(kind)s job %(job)s was not found", kind=kind.capitalize(), job=job_id)
        )
    return readable(job)


def list_jobs(
    db: Backend, actor: Actor, kind: JobKind, limit: int = 20, *, mine: bool = False
) -> list[JobRecord]:
    """Newest first: the organization's for an admin (unless `mine`), else the user's own."""
    require_user(actor, Msg("use imports and exports"))
    with db.reading() as uow:
        found = uow.jobs.list_jobs(
            actor.org_id,
            kind,
            user_id=None if actor.is_admin and not mine else actor.user_id,
            limit=limit,
        )
    return [readable(job) for job in found]


def readable(job: JobRecord) -> JobRecord:
    """The job as every reader shows it. A job whose stored options cannot be used (an
    older version's, a hand edit's) will never run: unless it finished, it reads as
    failed, saying why (a status this version does not know reads so already)."""
    problem = options_problem(job)
    if problem is None or job.finished:
        return job
    return dataclasses.replace(job, status=JobStatus.FAILED, error=problem)


def job_file(db: Backend, actor: Actor, job: JobRecord, what: str) -> tuple[str, bytes]:
    """(name, bytes) of a job's results or export file; NotFound when there is none."""
    if not job.finished:
        raise Conflict(
            Msg(
                "The %(kind)s is still %(status)s; the %(what)s is not ready yet",
                kind=job.kind,
                status=job.status,
                what=what,
            )
        )
    with db.reading() as uow:
        blob = uow.blobs.get(actor.org_id, job.result_blob_id or "")
    if blob is None:
        raise NotFound(
            Msg(
                "The %(kind)s job %(job)s has no %(what)s (it is %(status)s)",
                kind=job.kind,
                job=job.id,
                what=what,
                status=job.status,
            )
        )
    return blob[0], blob[2]
