"""The job and file functions of `store.jobs` and `store.history` bound to one
transaction's connection: `services.uow.JobStore` and `BlobStore` on the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

from sqlalchemy import Connection

from cosell.domain.job_summaries import ImportSummary, JobSummary
from cosell.domain.job_types import JobKind, JobRecord, JobStatus
from cosell.store import history
from cosell.store import jobs as job_rows
from cosell.store.jobs import BlobInfo, ChunkRecord


class SqlJobs:
    """Jobs, import chunks, worker heartbeats and the upkeep turn of one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add_job(self, **fields: Any) -> str:
        return job_rows.add_job(self.conn, **fields)

    def get_job(self, job_id: str, org_id: int | None = None) -> JobRecord | None:
        return job_rows.get_job(self.conn, job_id, org_id)

    def list_jobs(
        self, org_id: int, kind: JobKind, *, user_id: int | None = None, limit: int = 20
    ) -> list[JobRecord]:
        return job_rows.list_jobs(self.conn, org_id, kind, user_id=user_id, limit=limit)

    def claim(self, job_id: str, now: dt.datetime, max_attempts: int) -> JobRecord | None:
        return job_rows.claim(self.conn, job_id, now, max_attempts)

    def owns(self, job_id: str, attempt: int) -> bool:
        return job_rows.owns(self.conn, job_id, attempt)

    def release(self, job_id: str, attempt: int, now: dt.datetime, *, used: bool) -> bool:
        return job_rows.release(self.conn, job_id, attempt, now, used=used)

    def heartbeat(self, job_id: str, now: dt.datetime, progress: int, total: int) -> None:
        job_rows.heartbeat(self.conn, job_id, now, progress, total)

    def finish(
        self,
        job_id: str,
        *,
        status: JobStatus,
        summary: JobSummary,
        result_blob_id: str | None,
        now: dt.datetime,
        error: str | None = None,
    ) -> None:
        job_rows.finish(
            self.conn,
            job_id,
            status=status,
            summary=summary,
            result_blob_id=result_blob_id,
            now=now,
            error=error,
        )

    def mark_failed(self, job_id: str, error: str, now: dt.datetime) -> None:
        job_rows.mark_failed(self.conn, job_id, error, now)

    def requeue_stale(self, older_than: dt.datetime, now: dt.datetime) -> list[str]:
        return job_rows.requeue_stale(self.conn, older_than, now)

    def queue_depth(self, org_id: int | None = None) -> tuple[int, int, dt.datetime | None]:
        return job_rows.queue_depth(self.conn, org_id)

    def oldest_queued(self, org_id: int) -> dt.datetime | None:
        return job_rows.oldest_queued(self.conn, org_id)

    def undone_by(self, org_id: int, job_id: str) -> str | None:
        return history.undone_by(self.conn, org_id, job_id)

    def mark_undone(self, org_id: int, job_id: str, undo_job_id: str) -> bool:
        return history.mark_undone(self.conn, org_id, job_id, undo_job_id)

    def add_chunk(
        self,
        job_id: str,
        *,
        position: int,
        first_row: int,
        rows: int,
        summary: ImportSummary,
        results: bytes,
    ) -> None:
        job_rows.add_chunk(
            self.conn,
            job_id,
            position=position,
            first_row=first_row,
            rows=rows,
            summary=summary,
            results=results,
        )

    def chunks_done(self, job_id: str) -> list[ChunkRecord]:
        return job_rows.chunks_done(self.conn, job_id)

    def chunk_results(self, job_id: str, position: int) -> bytes:
        return job_rows.chunk_results(self.conn, job_id, position)

    def delete_chunks(self, job_id: str) -> None:
        job_rows.delete_chunks(self.conn, job_id)

    def beat(self, worker: str, now: dt.datetime) -> None:
        job_rows.beat(self.conn, worker, now)

    def forget_worker(self, worker: str) -> None:
        job_rows.forget_worker(self.conn, worker)

    def worker_beats(self) -> dict[str, dt.datetime]:
        return job_rows.worker_beats(self.conn)

    def forget_workers_before(self, cutoff: dt.datetime) -> None:
        job_rows.forget_workers_before(self.conn, cutoff)

    def take_upkeep_turn(self, now: dt.datetime, every: dt.timedelta) -> bool:
        return job_rows.take_upkeep_turn(self.conn, now, every)


class SqlBlobs:
    """Stored files of one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def put(
        self, *, org_id: int, name: str, content_type: str, data: bytes, now: dt.datetime
    ) -> str:
        return job_rows.put_blob(
            self.conn, org_id=org_id, name=name, content_type=content_type, data=data, now=now
        )

    def put_stream(
        self,
        *,
        org_id: int,
        name: str,
        content_type: str,
        source: IO[bytes] | Iterable[bytes],
        now: dt.datetime,
        max_bytes: int | None = None,
    ) -> str:
        return job_rows.put_blob_stream(
            self.conn,
            org_id=org_id,
            name=name,
            content_type=content_type,
            source=source,
            now=now,
            max_bytes=max_bytes,
        )

    def info(self, org_id: int, blob_id: str) -> BlobInfo | None:
        return job_rows.blob_info(self.conn, org_id, blob_id)

    def get(self, org_id: int, blob_id: str) -> tuple[str, str, bytes] | None:
        return job_rows.get_blob(self.conn, org_id, blob_id)

    def delete_before(self, cutoff: dt.datetime, limit: int) -> int:
        return job_rows.delete_files_before(self.conn, cutoff, limit)
