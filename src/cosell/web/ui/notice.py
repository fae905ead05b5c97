"""Notices in the layout.

The export notice: "your export is being prepared" → "ready: download". Shown on
every page so the user may leave the list while an export runs. The notice of a
finished export stays until the user downloads the file or closes the notice
(remembered in a cookie holding that job's id), or for an hour.

The queue notice: the organization's imports or exports have waited for a worker
longer than a minute (the worker is down or swamped), so nobody waits in silence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import Request, Response

from cosell.domain.actor import Actor
from cosell.services import health
from cosell.services.clock import utcnow
from cosell.web.context import get_ctx
from cosell.web.ui.job_views import EXPORT, JobView, latest

SEEN_COOKIE = "cosell_export_seen"
SHOWN_FOR = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ExportNotice:
    job: JobView

    @property
    def pending(self) -> bool:
        return self.job.pending

    @property
    def ready(self) -> bool:
        return self.job.status == "completed"


def current(request: Request, actor: Actor) -> ExportNotice | None:
    if actor.user_id is None:
        return None
    job = latest(get_ctx(request).db, actor, EXPORT)
    if job is None:
        return None
    if job.pending:
        return ExportNotice(job)
    if request.cookies.get(SEEN_COOKIE) == job.id:
        return None
    finished = job.finished_at or job.created_at
    if utcnow() - finished > SHOWN_FOR:
        return None
    return ExportNotice(job)


def mark_seen(response: Response, job_id: str) -> None:
    response.set_cookie(SEEN_COOKIE, job_id, max_age=86400, httponly=True, samesite="lax")


@dataclass(frozen=True, slots=True)
class QueueNotice:
    waited: dt.timedelta

    @property
    def minutes(self) -> int:
        return int(self.waited.total_seconds() // 60)


def queue_delay(request: Request, actor: Actor) -> QueueNotice | None:
    waited = health.waiting_for(get_ctx(request).db, actor.org_id)
    return QueueNotice(waited) if waited is not None else None
