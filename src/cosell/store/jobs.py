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
from sqlalchemy.exc import IntegrityError

from cosell.store.models import Blob, Job, Setting

J = cast(Table, Job.__table__)
B = cast(Table, Blob.__table__)
S = cast(Table, Setting.__table__)

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

#: The key `options` holds instead when the stored text is not a JSON object: readers
#: then see options that cannot be used (`services.jobs.options_problem`), never a crash.
UNREADABLE = "__unreadable__"


def _job(row: Any) -> JobRecord:
    values = dict(zip(JobRecord.__slots__, row, strict=True))
    options = _json(values["options"] or "{}")
    if not isinstance(options, dict):
        options = {UNREADABLE: "the stored options are not a JSON object"}
    values["options"] = options
    summary = _json(values["summary"]) if values["summary"] else None
    values["summary"] = summary if isinstance(summary, dict) else None
    return JobRecord(**values)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


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
    """Take a queued job: mark it running as the next attempt and return it; None when it
    is not queued (finished, or running on another worker) or out of tries.

    One conditional UPDATE, so of workers handed the same id at once exactly one gets
    it: a second waits on the row lock, then finds the job no longer queued. The
    returned `attempts` is the attempt's token; `owns()` checks it before the commit."""
    row = conn.execute(
        update(J)
        .where(J.c.id == job_id, J.c.status == QUEUED, J.c.attempts < max_attempts)
        .values(
            status=RUNNING,
            attempts=J.c.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            progress=0,
        )
        .returning(*_COLS)
    ).first()
    if row is not None:
        return _job(row)
    conn.execute(
        update(J)
        .where(J.c.id == job_id, J.c.status == QUEUED, J.c.attempts >= max_attempts)
        .values(status=FAILED, error="the job failed after several attempts", finished_at=now)
    )
    return None


def owns(conn: Connection, job_id: str, attempt: int) -> bool:
    """Inside a write transaction: whether attempt `attempt` still holds the job (running,
    not re-queued and taken by another worker meanwhile). On PostgreSQL the job's row is
    locked until the commit, so the answer stays true until then."""
    query = select(J.c.status, J.c.attempts).where(J.c.id == job_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return row is not None and row[0] == RUNNING and row[1] == attempt


def release(conn: Connection, job_id: str, attempt: int, now: dt.datetime, *, used: bool) -> bool:
    """Back to queued, if attempt `attempt` still holds the job: after a failed try
    (`used`: it counts), or handed back unrun by a worker that stops (it does not)."""
    done = conn.execute(
        update(J)
        .where(J.c.id == job_id, J.c.status == RUNNING, J.c.attempts == attempt)
        .values(
            status=QUEUED,
            heartbeat_at=now,
            progress=0,
            attempts=J.c.attempts if used else J.c.attempts - 1,
        )
    )
    return bool(done.rowcount)


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


def _stale(older_than: dt.datetime) -> Any:
    return or_(
        and_(J.c.status == RUNNING, J.c.heartbeat_at < older_than),
        and_(J.c.status == QUEUED, func.coalesce(J.c.heartbeat_at, J.c.created_at) < older_than),
    )


def requeue_stale(conn: Connection, older_than: dt.datetime, now: dt.datetime) -> list[str]:
    """Jobs whose worker seems gone (running with an old heartbeat) or whose message seems
    lost (queued long ago) go back to queued with a fresh `heartbeat_at`; returns exactly
    the ids this UPDATE changed. On PostgreSQL a job whose row is locked is skipped, not
    waited for: a live transaction holds it (a hung one loses it to the server's idle
    timeout, and the next round takes it)."""
    candidates = select(J.c.id).where(_stale(older_than))
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    rows = conn.execute(
        update(J)
        .where(J.c.id.in_(candidates.scalar_subquery()), _stale(older_than))
        .values(status=QUEUED, heartbeat_at=now)
        .returning(J.c.id)
    )
    return [r[0] for r in rows]


def queue_depth(conn: Connection, org_id: int | None = None) -> tuple[int, int, dt.datetime | None]:
    """(queued, running, when the oldest queued job was created), of one organization or
    of all."""
    query = select(
        func.count().filter(J.c.status == QUEUED),
        func.count().filter(J.c.status == RUNNING),
        func.min(J.c.created_at).filter(J.c.status == QUEUED),
    ).where(J.c.status.in_([QUEUED, RUNNING]))
    if org_id is not None:
        query = query.where(J.c.org_id == org_id)
    row = conn.execute(query).one()
    return int(row[0] or 0), int(row[1] or 0), row[2]


def oldest_queued(conn: Connection, org_id: int) -> dt.datetime | None:
    """When the organization's oldest still queued job was created."""
    return conn.execute(
        select(func.min(J.c.created_at)).where(J.c.org_id == org_id, J.c.status == QUEUED)
    ).scalar()


# Worker heartbeats live in `app_settings` as `worker:<host>:<pid>` → ISO timestamp: a
# worker on any machine can write them, and the web process reads them for /healthz.
_BEAT = "worker:"


def beat(conn: Connection, worker: str, now: dt.datetime) -> None:
    key = (_BEAT + worker)[:100]
    done = conn.execute(update(S).where(S.c.key == key).values(value=now.isoformat()))
    if not done.rowcount:
        conn.execute(insert(S).values(key=key, value=now.isoformat()))


def forget_worker(conn: Connection, worker: str) -> None:
    conn.execute(S.delete().where(S.c.key == (_BEAT + worker)[:100]))


def worker_beats(conn: Connection) -> dict[str, dt.datetime]:
    """Each worker's last heartbeat (a value that is not a timestamp is left out)."""
    beats = {}
    for key, value in conn.execute(select(S.c.key, S.c.value).where(S.c.key.like(_BEAT + "%"))):
        try:
            beats[key.removeprefix(_BEAT)] = dt.datetime.fromisoformat(value)
        except ValueError:
            continue
    return beats


def forget_workers_before(conn: Connection, cutoff: dt.datetime) -> None:
    """Drop the heartbeats of workers gone long ago (killed ones never say goodbye)."""
    for worker, at in worker_beats(conn).items():
        if at < cutoff:
            forget_worker(conn, worker)


def delete_files_before(conn: Connection, cutoff: dt.datetime, limit: int) -> int:
    """Delete up to `limit` stored files created before `cutoff`, except the upload of a
    job not yet finished; the jobs that named them keep their summary, not the file."""
    busy = select(J.c.input_blob_id).where(
        J.c.status.in_([QUEUED, RUNNING]), J.c.input_blob_id.is_not(None)
    )
    ids = list(
        conn.execute(
            select(B.c.id)
            .where(B.c.created_at < cutoff, B.c.id.not_in(busy))
            .order_by(B.c.created_at)
            .limit(limit)
        ).scalars()
    )
    if not ids:
        return 0
    conn.execute(update(J).where(J.c.input_blob_id.in_(ids)).values(input_blob_id=None))
    conn.execute(update(J).where(J.c.result_blob_id.in_(ids)).values(result_blob_id=None))
    conn.execute(B.delete().where(B.c.id.in_(ids)))
    return len(ids)


_UPKEEP = "upkeep:last_run"


def take_upkeep_turn(conn: Connection, now: dt.datetime, every: dt.timedelta) -> bool:
    """Whether this process runs the deployment's upkeep now: true for one caller per
    `every`, whichever of the workers (on any machine) asks first. A compare-and-set
    on one row of `app_settings`; a row that cannot be read counts as long ago."""
    row = conn.execute(select(S.c.value).where(S.c.key == _UPKEEP)).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(S).values(key=_UPKEEP, value=now.isoformat()))
        except IntegrityError:
            return False  # another worker's first turn, at the same moment
        return True
    try:
        last = dt.datetime.fromisoformat(row[0])
    except ValueError:
        last = dt.datetime.min
    if abs(now - last) < every:  # abs: a clock ahead on another machine blocks no one
        return False
    done = conn.execute(
        update(S).where(S.c.key == _UPKEEP, S.c.value == row[0]).values(value=now.isoformat())
    )
    return bool(done.rowcount)
