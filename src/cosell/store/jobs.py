"""Jobs (imports and exports) and blobs (uploaded, results and export files).

Files live in the database so a web process and a worker on another machine
need no shared disk. Job state lives here too; the queue carries only job ids.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, func, insert, or_, select, update

from cosell.store.models import Blob, Job

J = cast(Table, Job.__table__)
B = cast(Table, Blob.__table__)

QUEUED, RUNNING, COMPLETED, REJECTED, FAILED = (
    "queued",
    "running",
    "completed",
    "rejected",
    "failed",
)
FINISHED = (COMPLETED, REJECTED, FAILED)


@dataclass(slots=True)
class JobRecord:
    id: str
    org_id: int
    user_id: int
    kind: str
    status: str
    options: dict[str, Any]
    file_name: str | None
    input_blob_id: str | None
    result_blob_id: str | None
    progress: int
    total: int
    summary: dict[str, Any] | None
    error: str | None
    attempts: int
    heartbeat_at: dt.datetime | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    #: the undo job that undid this import
    undone_by: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


_COLS = [J.c[name] for name in JobRecord.__slots__]


def _job(row: Any) -> JobRecord:
    values = dict(zip(JobRecord.__slots__, row, strict=True))
    values["options"] = json.loads(values["options"] or "{}")
    values["summary"] = json.loads(values["summary"]) if values["summary"] else None
    return JobRecord(**values)


def put_blob(
    conn: Connection, *, org_id: int, name: str, content_type: str, data: bytes, now: dt.datetime
) -> str:
    blob_id = str(uuid.uuid4())
    conn.execute(
        insert(B).values(
            id=blob_id,
            org_id=org_id,
            name=name,
            content_type=content_type,
            size=len(data),
            data=data,
            created_at=now,
        )
    )
    return blob_id


def get_blob(conn: Connection, org_id: int, blob_id: str) -> tuple[str, str, bytes] | None:
    """(name, content type, bytes) of a blob of the organization."""
    row = conn.execute(
        select(B.c.name, B.c.content_type, B.c.data).where(B.c.id == blob_id, B.c.org_id == org_id)
    ).first()
    return (row[0], row[1], bytes(row[2])) if row else None


def add_job(
    conn: Connection,
    *,
    org_id: int,
    user_id: int,
    kind: str,
    options: dict[str, Any],
    file_name: str | None,
    input_blob_id: str | None,
    now: dt.datetime,
) -> str:
    job_id = str(uuid.uuid4())
    conn.execute(
        insert(J).values(
            id=job_id,
            org_id=org_id,
            user_id=user_id,
            kind=kind,
            status=QUEUED,
            options=json.dumps(options),
            file_name=file_name,
            input_blob_id=input_blob_id,
            progress=0,
            total=0,
            attempts=0,
            created_at=now,
        )
    )
    return job_id


def get_job(conn: Connection, job_id: str, org_id: int | None = None) -> JobRecord | None:
    """A job by id; with `org_id`, only if it belongs to that organization."""
    query = select(*_COLS).where(J.c.id == job_id)
    if org_id is not None:
        query = query.where(J.c.org_id == org_id)
    row = conn.execute(query).first()
    return _job(row) if row else None


def list_jobs(
    conn: Connection, org_id: int, kind: str, *, user_id: int | None = None, limit: int = 20
) -> list[JobRecord]:
    query = select(*_COLS).where(J.c.org_id == org_id, J.c.kind == kind)
    if user_id is not None:
        query = query.where(J.c.user_id == user_id)
    rows = conn.execute(query.order_by(J.c.created_at.desc()).limit(limit))
    return [_job(r) for r in rows]


def claim(conn: Connection, job_id: str, now: dt.datetime, max_attempts: int) -> JobRecord | None:
    """Mark a queued (or re-queued) job running; None when it is finished or out of tries."""
    job = get_job(conn, job_id)
    if job is None or job.finished:
        return None
    if job.attempts >= max_attempts:
        mark_failed(conn, job_id, "the job failed after several attempts", now)
        return None
    conn.execute(
        update(J)
        .where(J.c.id == job_id)
        .values(
            status=RUNNING,
            attempts=J.c.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            progress=0,
        )
    )
    job.status, job.attempts = RUNNING, job.attempts + 1
    return job


def heartbeat(conn: Connection, job_id: str, now: dt.datetime, progress: int, total: int) -> None:
    conn.execute(
        update(J)
        .where(J.c.id == job_id, J.c.status == RUNNING)
        .values(heartbeat_at=now, progress=progress, total=total)
    )


def finish(
    conn: Connection,
    job_id: str,
    *,
    status: str,
    summary: dict[str, Any],
    result_blob_id: str | None,
    now: dt.datetime,
    error: str | None = None,
) -> None:
    conn.execute(
        update(J)
        .where(J.c.id == job_id)
        .values(
            status=status,
            summary=json.dumps(summary, default=str),
            result_blob_id=result_blob_id,
            finished_at=now,
            heartbeat_at=now,
            progress=summary.get("rows", 0),
            total=summary.get("rows", 0),
            error=error,
        )
    )


def mark_failed(conn: Connection, job_id: str, error: str, now: dt.datetime) -> None:
    conn.execute(
        update(J).where(J.c.id == job_id).values(status=FAILED, error=error, finished_at=now)
    )


def stale_jobs(conn: Connection, older_than: dt.datetime) -> list[str]:
    """Jobs whose worker seems gone: running with an old heartbeat, or queued long ago."""
    rows = conn.execute(
        select(J.c.id).where(
            or_(
                and_(J.c.status == RUNNING, J.c.heartbeat_at < older_than),
                and_(
                    J.c.status == QUEUED,
                    func.coalesce(J.c.heartbeat_at, J.c.created_at) < older_than,
                ),
            )
        )
    )
    return [r[0] for r in rows]


def requeue(conn: Connection, job_id: str, now: dt.datetime) -> None:
    """Back to the queue; `created_at` is left alone, `heartbeat_at` restarts the clock."""
    conn.execute(
        update(J)
        .where(J.c.id == job_id, J.c.status.in_([RUNNING, QUEUED]))
        .values(status=QUEUED, heartbeat_at=now)
    )


def still_open(conn: Connection, job_id: str) -> bool:
    """Inside a write transaction: whether the job is still unfinished (and, on
    PostgreSQL, lock its row so a second worker on the same job waits here)."""
    query = select(J.c.status).where(J.c.id == job_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    status = conn.execute(query).scalar()
    return status is not None and status not in FINISHED
