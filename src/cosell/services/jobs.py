"""Jobs: an upload or an export request is stored first, then processed by a worker.

`submit_*` stores the file and the job in one transaction and returns its id; the
caller hands the id to the queue (or runs it at once, as the CLI does).
`run_job` processes a job at most once: its data changes, results file and final
status are written in one transaction, so a worker that dies mid-way leaves the
job as it was, and the re-run cannot create anything twice.

A file of more than `import_chunk_rows` rows is imported a chunk at a time, read from
its stored parts as a stream: one pass checks the whole file (`imports.check_file`),
then each chunk's changes, history and outcomes are committed together, only while
the worker still holds the job, and the results (as data: `results_data`) are written
from the stored outcomes at the end. A worker that dies goes on, on its next attempt,
after the last committed chunk: no row is applied twice.

Tests step in through `job_hooks` (after each committed chunk, before each commit).
"""

from __future__ import annotations

import contextlib
import io
import logging
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import PurePath
from typing import IO

from cosell.domain.actor import Actor
from cosell.domain.job_summaries import ImportSummary
from cosell.domain.job_types import (
    ExportOptions,
    ImportOptions,
    JobKind,
    JobRecord,
    JobStatus,
    UnreadableOptions,
)
from cosell.domain.rows import RowParser, RowRecord
from cosell.errors import ConcurrentChange, FileRejected, HandBack, NotFound, UsageError
from cosell.files.reader import check_size
from cosell.files.stream import TableStream, WholeTable, open_table
from cosell.files.table import SheetRow
from cosell.i18n import Msg
from cosell.services import imports, job_hooks, results_data
from cosell.services.actor import require_user
from cosell.services.clock import utcnow
from cosell.services.exports import CONTENT_TYPES, export_referrals
from cosell.services.gc import gc_paused
from cosell.services.job_hooks import CommitPoint, JobHooks
from cosell.services.results import (
    RowResult,
    decode_results,
    encode_results,
    write_results_data,
)
from cosell.services.uow import Backend, BlobInfo, ChunkRecord
from cosell.settings import Settings
from cosell.store import jobs as job_rows

log = logging.getLogger("cosell.jobs")
Progress = Callable[[int, int], None]


def submit_import(
    db: Backend,
    actor: Actor,
    file_name: str,
    data: bytes,
    options: ImportOptions,
    settings: Settings,
) -> str:
    return submit_import_file(
        db, actor, file_name, io.BytesIO(data), options, settings, size=len(data)
    )


def submit_import_file(
    db: Backend,
    actor: Actor,
    file_name: str,
    source: IO[bytes],
    options: ImportOptions,
    settings: Settings,
    *,
    size: int | None = None,
) -> str:
    """Store an upload read from the binary file `source` (a part at a time, never whole
    in memory) and its job; returns the job's id. FileTooLarge, with nothing stored, for
    a file over the upload limit (`size`, when known, is checked before reading)."""
    if size is not None:
        check_size(size, settings.max_upload_bytes)
    name = stored_file_name(file_name)
    user_id = require_user(actor, Msg("import files"))
    now = utcnow()
    with db.writing() as uow:
        try:
            blob = uow.blobs.put_stream(
                org_id=actor.org_id,
                name=name,
                content_type="application/octet-stream",
                source=source,
                now=now,
                max_bytes=settings.max_upload_bytes,
            )
        except job_rows.TooLarge as exc:
            check_size(exc.size, settings.max_upload_bytes)
            raise
        return uow.jobs.add_job(
            org_id=actor.org_id,
            user_id=user_id,
            kind=JobKind.IMPORT,
            options=options,
            file_name=name,
            input_blob_id=blob,
            now=now,
        )


def stored_file_name(file_name: str) -> str:
    """The name an upload is kept under: its last path part, without control characters
    (NUL cannot be stored in PostgreSQL text and has no business in a name), at most
    255 characters."""
    text = "".join(c for c in file_name if unicodedata.category(c) != "Cc")
    return PurePath(text.replace("\\", "/")).name.strip()[:255] or "upload"


def submit_export(db: Backend, actor: Actor, options: ExportOptions) -> str:
    """Store an export job. `options` were checked when they were made (ExportOptions
    refuses what the list query could not use), and are checked again in their stored
    form here, so a job that is stored can always be read back and run."""
    user_id = require_user(actor, Msg("export files"))
    ExportOptions.from_json(options.to_json())
    with db.writing() as uow:
        return uow.jobs.add_job(
            org_id=actor.org_id,
            user_id=user_id,
            kind=JobKind.EXPORT,
            options=options,
            file_name=None,
            input_blob_id=None,
            now=utcnow(),
        )


def run_job(
    db: Backend,
    job_id: str,
    settings: Settings,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    hooks: JobHooks | None = None,
) -> JobRecord:
    """Process a queued job once; returns the job as it then is: finished (also when it
    already was, or another worker has it), or queued again when `stop` was set before
    its commit (the worker is stopping: the job is handed back, its attempt not counted,
    for the caller to queue again). `hooks` (by default the process's, none in
    production) let tests step in; see `job_hooks`."""
    hooks = hooks or job_hooks.installed()
    with db.writing() as uow:
        job = uow.jobs.claim(job_id, utcnow(), settings.job_max_attempts)
        if job is None:
            found = uow.jobs.get_job(job_id)
            if found is None:
                raise NotFound(Msg("job %(job)s was not found", job=job_id))
            return found
        user = uow.accounts.user_by_id(job.user_id)
        problem = options_problem(job)
        if problem is not None:
            # Deterministic: a retry would fail the same way. Fail it once, quietly.
            log.warning("job %s failed: %s", job.id, problem)
            uow.jobs.mark_failed(job.id, problem, utcnow())
            failed = uow.jobs.get_job(job.id)
            assert failed is not None
            return failed
    if user is None:
        raise NotFound(Msg("the user of job %(job)s no longer exists", job=job_id))
    actor = user.actor()
    try:
        if job.kind is JobKind.IMPORT:
            _run_import(db, job, actor, settings, progress, stop, hooks)
        else:
            _run_export(db, job, actor, settings)
    except HandBack:
        with db.writing() as uow:
            uow.jobs.release(job.id, job.attempts, utcnow(), used=False)
        log.warning("job %s handed back to the queue: the worker is stopping", job.id)
    except UsageError as exc:
        # A request the service refuses is refused again on every retry: fail it now.
        with db.writing() as uow:
            if uow.jobs.owns(job.id, job.attempts):
                message = f"the {job.kind} cannot be run: {exc.message}"
                uow.jobs.mark_failed(job.id, message, utcnow())
        log.warning("job %s failed: %s", job.id, exc.message)
    except Exception as exc:
        # Nothing of the job was written (one transaction). Let the queue retry it,
        # unless this was the last attempt: then it is failed for good. Either only
        # while this attempt still holds the job: a hung worker whose job was
        # re-queued and run by another must not touch it when it wakes up.
        with contextlib.suppress(Exception), db.writing() as uow:
            if job.attempts >= settings.job_max_attempts:
                if uow.jobs.owns(job.id, job.attempts):
                    message = f"the job failed: {type(exc).__name__}: {exc}"
                    uow.jobs.mark_failed(job.id, message, utcnow())
            else:
                uow.jobs.release(job.id, job.attempts, utcnow(), used=True)
        raise
    with db.reading() as uow:
        done = uow.jobs.get_job(job_id)
    assert done is not None
    return done


def _beat(db: Backend, job_id: str, progress: Progress | None) -> Progress:
    def beat(done: int, total: int) -> None:
        with db.writing() as uow:
            uow.jobs.heartbeat(job_id, utcnow(), done, total)
        if progress is not None:
            progress(done, total)

    return beat


class _Beat:
    """The job's heartbeat during the long passes of a big import: written at most every
    quarter of `job_stale_seconds` (so upkeep never takes the job for abandoned), and
    the point where a stopping worker hands the job back."""

    def __init__(
        self,
        db: Backend,
        job_id: str,
        settings: Settings,
        progress: Progress | None,
        stop: threading.Event | None,
    ) -> None:
        self.write = _beat(db, job_id, progress)
        self.progress = progress
        self.every = min(5.0, max(0.1, settings.job_stale_seconds / 4))
        self.stop = stop
        self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        if self.stop is not None and self.stop.is_set():
            raise HandBack
        if time.monotonic() - self.last >= self.every:
            self.write(done, total)
            self.last = time.monotonic()


#: Files up to this size are read whole (as every file was before big imports).
WHOLE_FILE_BYTES = 2 * 1024 * 1024


class _StoredFile:
    """A stored upload as a `files.stream.Source`: read from its parts as a stream."""

    def __init__(self, db: Backend, info: BlobInfo) -> None:
        self.db = db
        self.info = info

    @property
    def size(self) -> int:
        return self.info.size

    def open(self) -> IO[bytes]:
        return io.BufferedReader(self.db.blob_reader(self.info), job_rows.PART_SIZE)


def _run_import(
    db: Backend,
    job: JobRecord,
    actor: Actor,
    settings: Settings,
    progress: Progress | None,
    stop: threading.Event | None,
    hooks: JobHooks,
) -> None:
    started = time.perf_counter()
    options = job.import_options
    assert options is not None  # `run_job` failed a job whose options it cannot use
    with db.reading() as uow:
        info = uow.blobs.info(job.org_id, job.input_blob_id or "")
        done = uow.jobs.chunks_done(job.id)
    if info is None:
        raise NotFound(Msg("the file of job %(job)s is missing", job=job.id))
    beat = _Beat(db, job.id, settings, progress, stop)
    prepared: imports.Prepared | None = None
    try:
        with gc_paused():
            table = open_table(
                _StoredFile(db, info),
                header_score=imports.score_for(options),
                max_bytes=settings.max_upload_bytes,
                whole_below=WHOLE_FILE_BYTES,
            )
            whole = table.table if isinstance(table, WholeTable) else None
            if whole is not None and not done and len(whole.rows) <= settings.import_chunk_rows:
                prepared = imports.prepare_table(
                    whole, options, settings, _beat(db, job.id, progress)
                )
            else:
                checks = imports.check_file(table, options, settings, lambda n: beat(0, 0))
                log.info(
                    "job %s: %d rows checked in %.1f s; importing %d rows at a time",
                    job.id, checks.rows, time.perf_counter() - started,
                    settings.import_chunk_rows,
                )  # fmt: skip
    except FileRejected as exc:
        refused = ImportSummary.rejected(
            exc.message, options.dry_run, time.perf_counter() - started
        )
        with db.writing() as uow:
            if not uow.jobs.owns(job.id, job.attempts):
                return
            uow.jobs.finish(
                job.id,
                status=JobStatus.REJECTED,
                summary=refused,
                result_blob_id=None,
                now=utcnow(),
                error=exc.message,
            )
        return
    if stop is not None and stop.is_set():
        raise HandBack
    if prepared is None:
        _run_chunks(db, job, actor, settings, table, checks, options, done, beat, started, hooks)
        return
    result = None
    for attempt in range(1, _APPLY_ATTEMPTS + 1):
        try:
            result = _apply(db, job, actor, prepared, options, started, stop, hooks)
            break
        except ConcurrentChange:
            # Another writer changed a deal of the file between our read and our write
            # (PostgreSQL); nothing was written. Decide again on the fresh data.
            if attempt == _APPLY_ATTEMPTS:
                raise
            log.info("job %s: a deal changed meanwhile, deciding again (%d)", job.id, attempt)
    if result is not None and progress is not None:
        progress(result.rows, result.rows)


def _run_chunks(
    db: Backend,
    job: JobRecord,
    actor: Actor,
    settings: Settings,
    table: TableStream,
    checks: imports.FileChecks,
    options: ImportOptions,
    done: list[ChunkRecord],
    beat: _Beat,
    started: float,
    hooks: JobHooks,
) -> None:
    """Import a big file a chunk at a time, going on after the chunks already committed
    (`done`, by an earlier attempt), then write its results file and finish the job."""
    total = checks.rows
    first = 0
    for chunk in done:
        if chunk.first_row != first:
            raise RuntimeError(f"job {job.id}: chunk {chunk.position} does not follow on")
        first += chunk.rows
    position = len(done)
    if done:
        log.info("job %s: going on after row %d of %d", job.id, first, total)
    work = checks.mapped(table)
    parser = imports.row_parser(work.head(), checks.column_map, options, checks.layout)
    rows = islice(work.rows(), first, None)
    size = max(1, settings.import_chunk_rows)
    beat.write(first, total)
    while chunk_rows := list(islice(rows, size)):
        if beat.stop is not None and beat.stop.is_set():
            raise HandBack
        with gc_paused():
            records = imports.parse_rows(parser, chunk_rows, checks.contradicting)
            applied = _apply_chunk(
                db, job, actor, options, parser, checks, chunk_rows, records, position, first,
                CommitPoint(job.id, position, beat.stop), hooks,
            )  # fmt: skip
        if not applied:
            return
        del records
        position += 1
        first += len(chunk_rows)
        beat.last = time.monotonic()  # the chunk's transaction wrote the heartbeat
        if beat.progress is not None:
            beat.progress(first, total)
        hooks.after_row_batch(job.id, position)
    log.info("job %s: %d rows imported after %.1f s", job.id, total, time.perf_counter() - started)
    if _finish_chunks(db, job, table, checks, options, beat, started) and beat.progress:
        beat.progress(total, total)
    log.info("job %s: results file written after %.1f s", job.id, time.perf_counter() - started)


def _apply_chunk(
    db: Backend,
    job: JobRecord,
    actor: Actor,
    options: ImportOptions,
    parser: RowParser,
    checks: imports.FileChecks,
    rows: list[SheetRow],
    records: list[RowRecord],
    position: int,
    first: int,
    point: CommitPoint,
    hooks: JobHooks,
) -> bool:
    """Decide and write one chunk (its `rows`, parsed as `records`), record its outcomes
    and the job's progress, in one transaction, only while this attempt holds the job;
    False when it no longer does."""
    for attempt in range(1, _APPLY_ATTEMPTS + 1):
        if attempt > 1:  # deciding changed the records: parse them again
            records = imports.parse_rows(parser, rows, checks.contradicting)
        try:
            with db.writing(bulk=True) as uow:
                if not uow.jobs.owns(job.id, job.attempts):
                    log.warning(
                        "job %s: attempt %d no longer holds it; chunk %d not applied",
                        job.id,
                        job.attempts,
                        position,
                    )
                    return False
                now = utcnow()
                results = imports.apply_records(
                    uow,
                    actor,
                    records,
                    options,
                    now=now,
                    job_id=job.id,
                    date_order=checks.date_order,
                    duplicates=checks.duplicates,
                    not_of_job=job.id if position and not options.dry_run else None,
                )
                uow.jobs.add_chunk(
                    job.id,
                    position=position,
                    first_row=first,
                    rows=len(rows),
                    summary=imports.chunk_summary(results),
                    results=encode_results(results),
                )
                uow.jobs.heartbeat(job.id, now, first + len(rows), checks.rows)
                hooks.before_commit(point)
            return True
        except ConcurrentChange:
            if attempt == _APPLY_ATTEMPTS:
                raise
            log.info(
                "job %s: a deal of chunk %d changed meanwhile, deciding again (%d)",
                job.id,
                position,
                attempt,
            )
    return False  # pragma: no cover - the loop returns or raises


def _finish_chunks(
    db: Backend,
    job: JobRecord,
    table: TableStream,
    checks: imports.FileChecks,
    options: ImportOptions,
    beat: _Beat,
    started: float,
) -> bool:
    """Write the results file from every chunk's stored outcomes (to a temporary file,
    no transaction open meanwhile), then store it and finish the job in one transaction,
    only while this attempt holds the job (False when it no longer does)."""
    with db.reading() as uow:
        done = uow.jobs.chunks_done(job.id)
    head = table.head()
    with tempfile.TemporaryFile(prefix="cosell-results-") as out:
        with gc_paused():
            rows = _with_results(db, job.id, table, done, beat)
            write_results_data(out, head, checks.results_map(head), rows)
        out.seek(0)
        with db.writing() as uow:
            if not uow.jobs.owns(job.id, job.attempts):
                log.warning("job %s: attempt %d no longer holds it", job.id, job.attempts)
                return False
            now = utcnow()
            stem = PurePath(job.file_name or "upload").stem
            results_blob = uow.blobs.put_stream(
                org_id=job.org_id,
                name=f"{stem}-results.{head.format}",
                content_type=results_data.CONTENT_TYPE,
                source=out,
                now=now,
            )
            summary = imports.merged_summary(
                (c.summary for c in done),
                dry_run=options.dry_run,
                warnings=checks.warnings,
                duration_s=time.perf_counter() - started,
            )
            uow.jobs.finish(
                job.id,
                status=JobStatus.COMPLETED,
                summary=summary,
                result_blob_id=results_blob,
                now=now,
            )
            uow.jobs.delete_chunks(job.id)
    return True


def _with_results(
    db: Backend,
    job_id: str,
    table: TableStream,
    chunks: list[ChunkRecord],
    beat: _Beat,
) -> Iterator[tuple[SheetRow, RowResult]]:
    """Each row of the file with its stored outcome, in the file's order."""
    rows = table.rows()
    total = sum(c.rows for c in chunks)
    for chunk in chunks:
        with db.reading() as uow:
            results = decode_results(uow.jobs.chunk_results(job_id, chunk.position))
        for result in results:
            row = next(rows)
            if row.number != result.number:
                raise RuntimeError(
                    f"job {job_id}: row {row.number} of the file has the outcome of row "
                    f"{result.number}"
                )
            yield row, result
        beat(total, total)


#: Tries of an import's write transaction when deals change under it.
_APPLY_ATTEMPTS = 5


def _apply(
    db: Backend,
    job: JobRecord,
    actor: Actor,
    prepared: imports.Prepared,
    options: ImportOptions,
    started: float,
    stop: threading.Event | None,
    hooks: JobHooks,
) -> imports.ImportResult | None:
    """Decide and write the file, its results file and the job's end in one transaction;
    None when this attempt no longer holds the job (re-queued meanwhile, as its worker
    seemed gone, and taken by another worker): never apply a file twice."""
    with db.writing() as uow, gc_paused():
        if not uow.jobs.owns(job.id, job.attempts):
            log.warning(
                "job %s: attempt %d no longer holds it; nothing applied", job.id, job.attempts
            )
            return None
        now = utcnow()
        result = imports.apply(
            uow, actor, prepared, options, now=now, job_id=job.id, started=started
        )
        results_blob = None
        if result.results_data is not None:
            stem = PurePath(job.file_name or "upload").stem
            fmt = result.results_format or "csv"
            results_blob = uow.blobs.put(
                org_id=job.org_id,
                name=f"{stem}-results.{fmt}",
                content_type=results_data.CONTENT_TYPE,
                data=result.results_data,
                now=now,
            )
        result.duration_s = time.perf_counter() - started
        uow.jobs.finish(
            job.id,
            status=JobStatus.COMPLETED,
            summary=result.summary(),
            result_blob_id=results_blob,
            now=now,
        )
        hooks.before_commit(CommitPoint(job.id, None, stop))
    return result


def _run_export(db: Backend, job: JobRecord, actor: Actor, settings: Settings) -> None:
    options = job.export_options
    assert options is not None  # `run_job` failed a job whose options it cannot use
    with db.reading() as uow:
        result = export_referrals(uow, actor, options, settings)
    with db.writing() as uow:
        if not uow.jobs.owns(job.id, job.attempts):
            return
        now = utcnow()
        blob = uow.blobs.put(
            org_id=job.org_id,
            name=f"referrals-{now:%Y%m%d-%H%M%S}.{options.format}",
            content_type=CONTENT_TYPES[options.format],
            data=result.data,
            now=now,
        )
        uow.jobs.finish(
            job.id,
            status=JobStatus.COMPLETED,
            summary=result.summary(),
            result_blob_id=blob,
            now=now,
        )


def options_problem(job: JobRecord) -> str | None:
    """Why a job's stored options cannot be used, for people; None when they can."""
    if not isinstance(job.options, UnreadableOptions):
        return None
    return Msg(
        "The %(kind)s's stored options cannot be used: %(reason)s. "
        "Nothing was changed; start the %(kind)s again.",
        kind=job.kind,
        reason=job.options.reason,
    )
