"""Jobs (imports and exports) and blobs (uploaded, results and export files).

Files live in the database so a web process and a worker on another machine
need no shared disk. Job state lives here too; the queue carries only job ids.

A file is stored in parts of at most `PART_SIZE` bytes (`blob_parts`), written from a
stream and read back as one, a part at a time: a file of hundreds of megabytes never
sits whole in a process's memory. Files stored before parts existed keep their bytes
in `blobs.data` (`parts` = 0) and read the same way.

A big import commits its work in chunks (`import_chunks`): each chunk's outcomes are
written in the chunk's transaction, so a re-run goes on after the last one.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from cosell.domain.job_summaries import ImportSummary, JobSummary
from cosell.domain.job_types import (
    JobKind,
    JobRecord,
    JobStatus,
    StoredOptions,
    UnreadableOptions,
    options_from_json,
    summary_from_json,
)
from cosell.store.models import (
    blob_parts_t,
    blobs_t,
    chunks_t,
    jobs_t,
    settings_t,
)

if TYPE_CHECKING:
    from cosell.store.db import Database


#: The bytes of one stored part of a file.
PART_SIZE = 1024 * 1024
#: Bytes of files one retention round deletes at most (at least one file a round).
DELETE_BYTES_PER_ROUND = 256 * 1024 * 1024

QUEUED = JobStatus.QUEUED
RUNNING = JobStatus.RUNNING
COMPLETED = JobStatus.COMPLETED
REJECTED = JobStatus.REJECTED
FAILED = JobStatus.FAILED
FINISHED = (COMPLETED, REJECTED, FAILED)

_COLS = [jobs_t.c[name] for name in JobRecord.__slots__]


def _job(row: Any) -> JobRecord | None:
    """A stored job, typed. Its options and summary as their kind reads them; a status
    this version does not know reads as failed, saying so; a kind it does not know
    reads as no job at all (None): such a job is left to the version that wrote it."""
    values = dict(zip(JobRecord.__slots__, row, strict=True))
    try:
        kind = values["kind"] = JobKind(values["kind"])
    except ValueError:
        return None
    options = options_from_json(kind, _json(values["options"] or "{}"))
    try:
        values["status"] = JobStatus(values["status"])
    except ValueError:
        problem = f'The job has a status this version does not know ("{values["status"]}").'
        values.update(status=JobStatus.FAILED, error=problem)
        options = UnreadableOptions(problem)
    values["options"] = options
    values["summary"] = summary_from_json(kind, _json(values["summary"] or "null"))
    return JobRecord(**values)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def put_blob(
    conn: Connection, *, org_id: int, name: str, content_type: str, data: bytes, now: dt.datetime
) -> str:
    return put_blob_stream(
        conn,
        org_id=org_id,
        name=name,
        content_type=content_type,
        source=io.BytesIO(data),
        now=now,
    )


class TooLarge(Exception):
    """A streamed file went past the size it was allowed (`put_blob_stream`)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def put_blob_stream(
    conn: Connection,
    *,
    org_id: int,
    name: str,
    content_type: str,
    source: IO[bytes] | Iterable[bytes],
    now: dt.datetime,
    max_bytes: int | None = None,
) -> str:
    """Store a file read from `source` (a binary file, or an iterable of byte strings) in
    parts of `PART_SIZE`, holding at most one part in memory; returns its id. Raises
    `TooLarge` (nothing is kept once the caller's transaction rolls back) when it holds
    more than `max_bytes`."""
    blob_id = str(uuid.uuid4())
    conn.execute(
        insert(blobs_t).values(
            id=blob_id,
            org_id=org_id,
            name=name,
            content_type=content_type,
            size=0,
            data=b"",
            parts=0,
            created_at=now,
        )
    )
    size = parts = 0
    for part in _parts_of(source):
        size += len(part)
        if max_bytes is not None and size > max_bytes:
            raise TooLarge(size)
        conn.execute(insert(blob_parts_t).values(blob_id=blob_id, position=parts, data=part))
        parts += 1
    conn.execute(update(blobs_t).where(blobs_t.c.id == blob_id).values(size=size, parts=parts))
    return blob_id


def _parts_of(source: IO[bytes] | Iterable[bytes]) -> Iterator[bytes]:
    """`source` cut (or joined) into pieces of exactly PART_SIZE bytes, the last shorter."""
    read = getattr(source, "read", None)
    if read is not None:
        while True:
            piece = _read_full(read, PART_SIZE)
            if piece:
                yield piece
            if len(piece) < PART_SIZE:
                return
    buffer = bytearray()
    for data in source:
        buffer += data
        while len(buffer) >= PART_SIZE:
            yield bytes(buffer[:PART_SIZE])
            del buffer[:PART_SIZE]
    if buffer:
        yield bytes(buffer)


def _read_full(read: Any, size: int) -> bytes:
    """`size` bytes from `read`, fewer only at the end (a raw stream may return less)."""
    first = read(size) or b""
    if len(first) == size or not first:
        return bytes(first)
    pieces = [first]
    got = len(first)
    while got < size:
        more = read(size - got)
        if not more:
            break
        pieces.append(more)
        got += len(more)
    return b"".join(pieces)


@dataclass(frozen=True, slots=True)
class BlobInfo:
    id: str
    name: str
    content_type: str
    size: int
    #: 0: a file stored before parts existed (its bytes in `blobs.data`)
    parts: int


def blob_info(conn: Connection, org_id: int, blob_id: str) -> BlobInfo | None:
    """A blob of the organization, without its bytes."""
    row = conn.execute(
        select(
            blobs_t.c.id, blobs_t.c.name, blobs_t.c.content_type, blobs_t.c.size, blobs_t.c.parts
        ).where(blobs_t.c.id == blob_id, blobs_t.c.org_id == org_id)
    ).first()
    return BlobInfo(*row) if row else None


@contextmanager
def unmapped(conn: Connection, *, cache_kib: int | None = None) -> Iterator[None]:
    """SQLite: within the block the connection reads the database file with read() calls
    instead of through its memory map (and, with `cache_kib`, keeps at most that many
    KiB of pages). Every page of a memory-mapped file a process has touched counts in
    its resident memory: a big import reads its upload (hundreds of MB) several times
    and touches indexes all over a file of gigabytes, and would otherwise look, and be
    measured, that big. PostgreSQL: nothing to do."""
    if conn.dialect.name != "sqlite":
        yield
        return
    mapped = int(conn.exec_driver_sql("PRAGMA mmap_size").scalar() or 0)
    cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0) if cache_kib else None
    conn.exec_driver_sql("PRAGMA mmap_size=0")
    if cache_kib:
        conn.exec_driver_sql(f"PRAGMA cache_size=-{int(cache_kib)}")
    try:
        yield
    finally:
        with suppress(Exception):  # a connection that cannot be set back is no harm
            conn.exec_driver_sql(f"PRAGMA mmap_size={mapped}")
            if cache is not None:
                conn.exec_driver_sql(f"PRAGMA cache_size={cache}")


#: KiB of pages a connection keeps while it reads a part of a stored file (SQLite).
_PART_CACHE_KIB = 2048


def blob_part(conn: Connection, info: BlobInfo, position: int) -> bytes:
    """Part `position` of a blob (a file stored before parts existed is its one part)."""
    if info.parts == 0:
        if position != 0:
            return b""
        data = conn.execute(select(blobs_t.c.data).where(blobs_t.c.id == info.id)).scalar()
        return bytes(data or b"")
    data = conn.execute(
        select(blob_parts_t.c.data).where(
            blob_parts_t.c.blob_id == info.id, blob_parts_t.c.position == position
        )
    ).scalar()
    if data is None:
        raise LookupError(f"part {position} of file {info.id} is missing")
    return bytes(data)


def get_blob(conn: Connection, org_id: int, blob_id: str) -> tuple[str, str, bytes] | None:
    """(name, content type, bytes) of a blob of the organization, read whole: for files
    known to be small (use `open_blob` for one that may be big)."""
    info = blob_info(conn, org_id, blob_id)
    if info is None:
        return None
    count = max(info.parts, 1)
    return info.name, info.content_type, b"".join(blob_part(conn, info, i) for i in range(count))


class BlobReader(io.RawIOBase):
    """A stored file as a readable binary stream that fetches one part at a time, each in
    a short read transaction of its own (so a long reader holds no snapshot open)."""

    def __init__(self, db: Database, info: BlobInfo) -> None:
        super().__init__()
        self.db = db
        self.info = info
        self._next = 0
        self._buffer = b""
        self._offset = 0

    @property
    def size(self) -> int:
        return self.info.size

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        view = memoryview(target).cast("B")
        if self._offset >= len(self._buffer):
            if self._next >= max(self.info.parts, 1):
                return 0
            with self.db.read() as conn, unmapped(conn, cache_kib=_PART_CACHE_KIB):
                self._buffer = blob_part(conn, self.info, self._next)
            self._next += 1
            self._offset = 0
            if not self._buffer:
                return 0
        n = min(len(view), len(self._buffer) - self._offset)
        view[:n] = self._buffer[self._offset : self._offset + n]
        self._offset += n
        return n


def open_blob(db: Database, org_id: int, blob_id: str) -> BlobReader | None:
    """A blob of the organization as a stream (None when there is no such blob)."""
    with db.read() as conn:
        info = blob_info(conn, org_id, blob_id)
    return BlobReader(db, info) if info is not None else None


def iter_blob(db: Database, info: BlobInfo) -> Iterator[bytes]:
    """The parts of a blob in order, each read in a short transaction (for downloads)."""
    for position in range(max(info.parts, 1)):
        with db.read() as conn, unmapped(conn, cache_kib=_PART_CACHE_KIB):
            part = blob_part(conn, info, position)
        if part:
            yield part


def add_job(
    conn: Connection,
    *,
    org_id: int,
    user_id: int,
    kind: JobKind,
    options: StoredOptions,
    file_name: str | None,
    input_blob_id: str | None,
    now: dt.datetime,
) -> str:
    job_id = str(uuid.uuid4())
    conn.execute(
        insert(jobs_t).values(
            id=job_id,
            org_id=org_id,
            user_id=user_id,
            kind=kind,
            status=QUEUED,
            options=json.dumps(options.to_json()),
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
    query = select(*_COLS).where(jobs_t.c.id == job_id)
    if org_id is not None:
        query = query.where(jobs_t.c.org_id == org_id)
    row = conn.execute(query).first()
    return _job(row) if row else None


def list_jobs(
    conn: Connection, org_id: int, kind: JobKind, *, user_id: int | None = None, limit: int = 20
) -> list[JobRecord]:
    query = select(*_COLS).where(jobs_t.c.org_id == org_id, jobs_t.c.kind == kind)
    if user_id is not None:
        query = query.where(jobs_t.c.user_id == user_id)
    rows = conn.execute(query.order_by(jobs_t.c.created_at.desc()).limit(limit))
    return [job for job in map(_job, rows) if job is not None]


def claim(conn: Connection, job_id: str, now: dt.datetime, max_attempts: int) -> JobRecord | None:
    """Take a queued job: mark it running as the next attempt and return it; None when it
    is not queued (finished, or running on another worker) or out of tries, and when it
    is of a kind this version does not know (then the caller rolls the claim back).

    One conditional UPDATE, so of workers handed the same id at once exactly one gets
    it: a second waits on the row lock, then finds the job no longer queued. The
    returned `attempts` is the attempt's token; `owns()` checks it before the commit."""
    row = conn.execute(
        update(jobs_t)
        .where(jobs_t.c.id == job_id, jobs_t.c.status == QUEUED, jobs_t.c.attempts < max_attempts)
        .values(
            status=RUNNING,
            attempts=jobs_t.c.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            progress=0,
        )
        .returning(*_COLS)
    ).first()
    if row is not None:
        return _job(row)
    error = "the job failed after several attempts"
    failed = conn.execute(
        update(jobs_t)
        .where(jobs_t.c.id == job_id, jobs_t.c.status == QUEUED, jobs_t.c.attempts >= max_attempts)
        .values(status=FAILED, error=error, finished_at=now)
    )
    if failed.rowcount:
        mark_failed(conn, job_id, error, now)
    return None


def owns(conn: Connection, job_id: str, attempt: int) -> bool:
    """Inside a write transaction: whether attempt `attempt` still holds the job (running,
    not re-queued and taken by another worker meanwhile). On PostgreSQL the job's row is
    locked until the commit, so the answer stays true until then."""
    query = select(jobs_t.c.status, jobs_t.c.attempts).where(jobs_t.c.id == job_id)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return row is not None and row[0] == RUNNING and row[1] == attempt


def release(conn: Connection, job_id: str, attempt: int, now: dt.datetime, *, used: bool) -> bool:
    """Back to queued, if attempt `attempt` still holds the job: after a failed try
    (`used`: it counts), or handed back unrun by a worker that stops (it does not)."""
    done = conn.execute(
        update(jobs_t)
        .where(jobs_t.c.id == job_id, jobs_t.c.status == RUNNING, jobs_t.c.attempts == attempt)
        .values(
            status=QUEUED,
            heartbeat_at=now,
            progress=0,
            attempts=jobs_t.c.attempts if used else jobs_t.c.attempts - 1,
        )
    )
    return bool(done.rowcount)


def heartbeat(conn: Connection, job_id: str, now: dt.datetime, progress: int, total: int) -> None:
    conn.execute(
        update(jobs_t)
        .where(jobs_t.c.id == job_id, jobs_t.c.status == RUNNING)
        .values(heartbeat_at=now, progress=progress, total=total)
    )


def finish(
    conn: Connection,
    job_id: str,
    *,
    status: JobStatus,
    summary: JobSummary,
    result_blob_id: str | None,
    now: dt.datetime,
    error: str | None = None,
) -> None:
    conn.execute(
        update(jobs_t)
        .where(jobs_t.c.id == job_id)
        .values(
            status=status,
            summary=json.dumps(summary.to_json(), default=str),
            result_blob_id=result_blob_id,
            finished_at=now,
            heartbeat_at=now,
            progress=summary.rows,
            total=summary.rows,
            error=error,
        )
    )


def mark_failed(conn: Connection, job_id: str, error: str, now: dt.datetime) -> None:
    conn.execute(
        update(jobs_t)
        .where(jobs_t.c.id == job_id)
        .values(status=FAILED, error=error + _partly_done(conn, job_id), finished_at=now)
    )


def _partly_done(conn: Connection, job_id: str) -> str:
    """A big import that fails after some of its chunks were committed keeps them: say
    so in its error, and drop the chunks' bookkeeping."""
    done = conn.execute(
        select(func.sum(chunks_t.c.rows)).where(chunks_t.c.job_id == job_id)
    ).scalar()
    if not done:
        return ""
    delete_chunks(conn, job_id)
    rows = "row was" if done == 1 else "rows were"
    return f" ({done:,} of its {rows} imported before it failed, and stay)"


def _stale(older_than: dt.datetime) -> Any:
    return or_(
        and_(jobs_t.c.status == RUNNING, jobs_t.c.heartbeat_at < older_than),
        and_(
            jobs_t.c.status == QUEUED,
            func.coalesce(jobs_t.c.heartbeat_at, jobs_t.c.created_at) < older_than,
        ),
    )


def requeue_stale(conn: Connection, older_than: dt.datetime, now: dt.datetime) -> list[str]:
    """Jobs whose worker seems gone (running with an old heartbeat) or whose message seems
    lost (queued long ago) go back to queued with a fresh `heartbeat_at`; returns exactly
    the ids this UPDATE changed. On PostgreSQL a job whose row is locked is skipped, not
    waited for: a live transaction holds it (a hung one loses it to the server's idle
    timeout, and the next round takes it)."""
    candidates = select(jobs_t.c.id).where(_stale(older_than))
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    rows = conn.execute(
        update(jobs_t)
        .where(jobs_t.c.id.in_(candidates.scalar_subquery()), _stale(older_than))
        .values(status=QUEUED, heartbeat_at=now)
        .returning(jobs_t.c.id)
    )
    return [r[0] for r in rows]


def queue_depth(conn: Connection, org_id: int | None = None) -> tuple[int, int, dt.datetime | None]:
    """(queued, running, when the oldest queued job was created), of one organization or
    of all."""
    query = select(
        func.count().filter(jobs_t.c.status == QUEUED),
        func.count().filter(jobs_t.c.status == RUNNING),
        func.min(jobs_t.c.created_at).filter(jobs_t.c.status == QUEUED),
    ).where(jobs_t.c.status.in_([QUEUED, RUNNING]))
    if org_id is not None:
        query = query.where(jobs_t.c.org_id == org_id)
    row = conn.execute(query).one()
    return int(row[0] or 0), int(row[1] or 0), row[2]


def oldest_queued(conn: Connection, org_id: int) -> dt.datetime | None:
    """When the organization's oldest still queued job was created."""
    return conn.execute(
        select(func.min(jobs_t.c.created_at)).where(
            jobs_t.c.org_id == org_id, jobs_t.c.status == QUEUED
        )
    ).scalar()


# Worker heartbeats live in `app_settings` as `worker:<host>:<pid>` → ISO timestamp: a
# worker on any machine can write them, and the web process reads them for /healthz.
_BEAT = "worker:"


def beat(conn: Connection, worker: str, now: dt.datetime) -> None:
    key = (_BEAT + worker)[:100]
    done = conn.execute(
        update(settings_t).where(settings_t.c.key == key).values(value=now.isoformat())
    )
    if not done.rowcount:
        conn.execute(insert(settings_t).values(key=key, value=now.isoformat()))


def forget_worker(conn: Connection, worker: str) -> None:
    conn.execute(settings_t.delete().where(settings_t.c.key == (_BEAT + worker)[:100]))


def worker_beats(conn: Connection) -> dict[str, dt.datetime]:
    """Each worker's last heartbeat (a value that is not a timestamp is left out)."""
    beats = {}
    for key, value in conn.execute(
        select(settings_t.c.key, settings_t.c.value).where(settings_t.c.key.like(_BEAT + "%"))
    ):
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
    job not yet finished; the jobs that named them keep their summary, not the file.
    A round stops early once it has deleted `DELETE_BYTES_PER_ROUND` bytes (big files
    are deleted a few per transaction; the next round goes on)."""
    busy = select(jobs_t.c.input_blob_id).where(
        jobs_t.c.status.in_([QUEUED, RUNNING]), jobs_t.c.input_blob_id.is_not(None)
    )
    rows = conn.execute(
        select(blobs_t.c.id, blobs_t.c.size)
        .where(blobs_t.c.created_at < cutoff, blobs_t.c.id.not_in(busy))
        .order_by(blobs_t.c.created_at)
        .limit(limit)
    ).all()
    ids: list[str] = []
    total = 0
    for blob_id, size in rows:
        if ids and total + int(size or 0) > DELETE_BYTES_PER_ROUND:
            break
        ids.append(blob_id)
        total += int(size or 0)
    if not ids:
        return 0
    conn.execute(update(jobs_t).where(jobs_t.c.input_blob_id.in_(ids)).values(input_blob_id=None))
    conn.execute(update(jobs_t).where(jobs_t.c.result_blob_id.in_(ids)).values(result_blob_id=None))
    conn.execute(delete(blob_parts_t).where(blob_parts_t.c.blob_id.in_(ids)))
    conn.execute(blobs_t.delete().where(blobs_t.c.id.in_(ids)))
    return len(ids)


# ------------------------------------------------------------------ import chunks
@dataclass(frozen=True, slots=True)
class ChunkRecord:
    position: int
    first_row: int
    rows: int
    summary: ImportSummary


def add_chunk(
    conn: Connection,
    job_id: str,
    *,
    position: int,
    first_row: int,
    rows: int,
    summary: ImportSummary,
    results: bytes,
) -> None:
    """Record a chunk of an import as done (inside the transaction that wrote its data).
    A chunk recorded twice fails on the primary key: never applied twice."""
    conn.execute(
        insert(chunks_t).values(
            job_id=job_id,
            position=position,
            first_row=first_row,
            rows=rows,
            summary=json.dumps(summary.to_json(), default=str),
            results=results,
        )
    )


def chunks_done(conn: Connection, job_id: str) -> list[ChunkRecord]:
    """The committed chunks of an import, in order (without their outcomes)."""
    rows = conn.execute(
        select(chunks_t.c.position, chunks_t.c.first_row, chunks_t.c.rows, chunks_t.c.summary)
        .where(chunks_t.c.job_id == job_id)
        .order_by(chunks_t.c.position)
    )
    return [ChunkRecord(p, f, n, _chunk_summary(s)) for p, f, n, s in rows]


def _chunk_summary(text: str) -> ImportSummary:
    summary = ImportSummary.from_json(_json(text))
    if summary is None:
        raise ValueError(f"a chunk's summary cannot be read: {text[:100]}")
    return summary


def chunk_results(conn: Connection, job_id: str, position: int) -> bytes:
    data = conn.execute(
        select(chunks_t.c.results).where(
            chunks_t.c.job_id == job_id, chunks_t.c.position == position
        )
    ).scalar()
    if data is None:
        raise LookupError(f"chunk {position} of job {job_id} is missing")
    return bytes(data)


def delete_chunks(conn: Connection, job_id: str) -> None:
    conn.execute(delete(chunks_t).where(chunks_t.c.job_id == job_id))


_UPKEEP = "upkeep:last_run"


def take_upkeep_turn(conn: Connection, now: dt.datetime, every: dt.timedelta) -> bool:
    """Whether this process runs the deployment's upkeep now: true for one caller per
    `every`, whichever of the workers (on any machine) asks first. A compare-and-set
    on one row of `app_settings`; a row that cannot be read counts as long ago."""
    row = conn.execute(select(settings_t.c.value).where(settings_t.c.key == _UPKEEP)).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(insert(settings_t).values(key=_UPKEEP, value=now.isoformat()))
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
        update(settings_t)
        .where(settings_t.c.key == _UPKEEP, settings_t.c.value == row[0])
        .values(value=now.isoformat())
    )
    return bool(done.rowcount)
