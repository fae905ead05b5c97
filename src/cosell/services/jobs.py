"""Jobs: an upload or an export request is stored first, then processed by a worker.

`submit_*` stores the file and the job in one transaction and returns its id; the
caller hands the id to the queue (or runs it at once, as the CLI does).
`run_job` processes a job at most once: its data changes, results file and final
status are written in one transaction, so a worker that dies mid-way leaves the
job as it was, and the re-run cannot create anything twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from cosell.errors import ConcurrentChange, FileRejected, NotFound, UsageError
from cosell.files.reader import check_size
from cosell.services import imports
from cosell.services.actor import Actor, require_user
from cosell.services.clock import utcnow
from cosell.services.exports import CONTENT_TYPES, ExportOptions, export_referrals
from cosell.services.gc import gc_paused
from cosell.services.imports import ImportOptions
from cosell.settings import Settings
from cosell.store import accounts
from cosell.store import jobs as store
from cosell.store.db import Database
from cosell.store.filters import ReferralFilters, Tab

log = logging.getLogger("cosell.jobs")
Progress = Callable[[int, int], None]
IMPORT, EXPORT = "import", "export"


def submit_import(
    db: Database,
    actor: Actor,
    file_name: str,
    data: bytes,
    options: ImportOptions,
    settings: Settings,
) -> str:
    check_size(len(data), settings.max_upload_bytes)
    name = stored_file_name(file_name)
    user_id = require_user(actor, "import files")
    now = utcnow()
    with db.write() as conn:
        blob = store.put_blob(
            conn,
            org_id=actor.org_id,
            name=name,
            content_type="application/octet-stream",
            data=data,
            now=now,
        )
        return store.add_job(
            conn,
            org_id=actor.org_id,
            user_id=user_id,
            kind=IMPORT,
            options=options.to_json(),
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


def submit_export(db: Database, actor: Actor, options: ExportOptions) -> str:
    """Store an export job. `options` were checked when they were made (ExportOptions
    refuses what the list query could not use), and are checked again in their stored
    form here, so a job that is stored can always be read back and run."""
    user_id = require_user(actor, "export files")
    stored = export_options_to_json(options)
    export_options_from_json(stored)
    with db.write() as conn:
        return store.add_job(
            conn,
            org_id=actor.org_id,
            user_id=user_id,
            kind=EXPORT,
            options=stored,
            file_name=None,
            input_blob_id=None,
            now=utcnow(),
        )


def run_job(
    db: Database,
    job_id: str,
    settings: Settings,
    progress: Progress | None = None,
    stop: threading.Event | None = None,
) -> store.JobRecord:
    """Process a queued job once; returns the job as it then is: finished (also when it
    already was, or another worker has it), or queued again when `stop` was set before
    its commit (the worker is stopping: the job is handed back, its attempt not counted,
    for the caller to queue again)."""
    with db.write() as conn:
        job = store.claim(conn, job_id, utcnow(), settings.job_max_attempts)
        if job is None:
            found = store.get_job(conn, job_id)
            if found is None:
                raise NotFound(f"job {job_id} was not found")
            return found
        user = accounts.user_by_id(conn, job.user_id)
        problem = options_problem(job)
        if problem is not None:
            # Deterministic: a retry would fail the same way. Fail it once, quietly.
            log.warning("job %s failed: %s", job.id, problem)
            store.mark_failed(conn, job.id, problem, utcnow())
            failed = store.get_job(conn, job.id)
            assert failed is not None
            return failed
    if user is None:
        raise NotFound(f"the user of job {job_id} no longer exists")
    actor = user.actor()
    try:
        if job.kind == IMPORT:
            _run_import(db, job, actor, settings, progress, stop)
        else:
            _run_export(db, job, actor, settings)
    except _HandBack:
        with db.write() as conn:
            store.release(conn, job.id, job.attempts, utcnow(), used=False)
        log.warning("job %s handed back to the queue: the worker is stopping", job.id)
    except UsageError as exc:
        # A request the service refuses is refused again on every retry: fail it now.
        with db.write() as conn:
            if store.owns(conn, job.id, job.attempts):
                message = f"the {job.kind} cannot be run: {exc.message}"
                store.mark_failed(conn, job.id, message, utcnow())
        log.warning("job %s failed: %s", job.id, exc.message)
    except Exception as exc:
        # Nothing of the job was written (one transaction). Let the queue retry it,
        # unless this was the last attempt: then it is failed for good. Either only
        # while this attempt still holds the job: a hung worker whose job was
        # re-queued and run by another must not touch it when it wakes up.
        with contextlib.suppress(Exception), db.write() as conn:
            if job.attempts >= settings.job_max_attempts:
                if store.owns(conn, job.id, job.attempts):
                    message = f"the job failed: {type(exc).__name__}: {exc}"
                    store.mark_failed(conn, job.id, message, utcnow())
            else:
                store.release(conn, job.id, job.attempts, utcnow(), used=True)
        raise
    with db.read() as conn:
        done = store.get_job(conn, job_id)
    assert done is not None
    return done


class _HandBack(Exception):
    """The worker is stopping: roll the job's transaction back and queue it again."""


def _beat(db: Database, job_id: str, progress: Progress | None) -> Progress:
    def beat(done: int, total: int) -> None:
        with db.write() as conn:
            store.heartbeat(conn, job_id, utcnow(), done, total)
        if progress is not None:
            progress(done, total)

    return beat


def _run_import(
    db: Database,
    job: store.JobRecord,
    actor: Actor,
    settings: Settings,
    progress: Progress | None,
    stop: threading.Event | None,
) -> None:
    started = time.perf_counter()
    options = import_options_from_json(job.options)
    with db.read() as conn:
        blob = store.get_blob(conn, job.org_id, job.input_blob_id or "")
    if blob is None:
        raise NotFound(f"the file of job {job.id} is missing")
    try:
        with gc_paused():
            prepared = imports.prepare(blob[2], options, settings, _beat(db, job.id, progress))
    except FileRejected as exc:
        refused = imports.rejected(exc.message, options.dry_run, started)
        with db.write() as conn:
            if not store.owns(conn, job.id, job.attempts):
                return
            store.finish(
                conn,
                job.id,
                status=store.REJECTED,
                summary=refused.summary(),
                result_blob_id=None,
                now=utcnow(),
                error=exc.message,
            )
        return
    if stop is not None and stop.is_set():
        raise _HandBack
    result = None
    for attempt in range(1, _APPLY_ATTEMPTS + 1):
        try:
            result = _apply(db, job, actor, prepared, options, settings, started, stop)
            break
        except ConcurrentChange:
            # Another writer changed a deal of the file between our read and our write
            # (PostgreSQL); nothing was written. Decide again on the fresh data.
            if attempt == _APPLY_ATTEMPTS:
                raise
            log.info("job %s: a deal changed meanwhile, deciding again (%d)", job.id, attempt)
    if result is not None and progress is not None:
        progress(result.rows, result.rows)


#: Tries of an import's write transaction when deals change under it.
_APPLY_ATTEMPTS = 5


def _apply(
    db: Database,
    job: store.JobRecord,
    actor: Actor,
    prepared: imports.Prepared,
    options: ImportOptions,
    settings: Settings,
    started: float,
    stop: threading.Event | None = None,
) -> imports.ImportResult | None:
    """Decide and write the file, its results file and the job's end in one transaction;
    None when this attempt no longer holds the job (re-queued meanwhile, as its worker
    seemed gone, and taken by another worker): never apply a file twice."""
    with db.write() as conn, gc_paused():
        if not store.owns(conn, job.id, job.attempts):
            log.warning(
                "job %s: attempt %d no longer holds it; nothing applied", job.id, job.attempts
            )
            return None
        now = utcnow()
        result = imports.apply(
            conn, actor, prepared, options, now=now, job_id=job.id, started=started
        )
        results_blob = None
        if result.results_file is not None:
            stem = PurePath(job.file_name or "upload").stem
            fmt = result.results_format or "csv"
            results_blob = store.put_blob(
                conn,
                org_id=job.org_id,
                name=f"{stem}-results.{fmt}",
                content_type=CONTENT_TYPES[fmt],
                data=result.results_file,
                now=now,
            )
        result.duration_s = time.perf_counter() - started
        store.finish(
            conn,
            job.id,
            status=store.COMPLETED,
            summary=result.summary(),
            result_blob_id=results_blob,
            now=now,
        )
        if settings.job_test_delay_seconds > 0:
            _test_delay(job.id, settings.job_test_delay_seconds, stop)
    return result


def _test_delay(job_id: str, seconds: float, stop: threading.Event | None) -> None:
    """The JOB_TEST_DELAY_SECONDS testing aid: hold the import's write transaction
    open, everything written but not committed, so a fault test can kill the worker
    at exactly this point. A worker told to stop meanwhile hands the job back."""
    log.warning("testing aid: job %s waits %.1f s before its commit", job_id, seconds)
    if stop is None:
        time.sleep(seconds)
    elif stop.wait(seconds):
        raise _HandBack


def _run_export(db: Database, job: store.JobRecord, actor: Actor, settings: Settings) -> None:
    options = export_options_from_json(job.options)
    with db.read() as conn:
        result = export_referrals(conn, actor, options, settings)
    with db.write() as conn:
        if not store.owns(conn, job.id, job.attempts):
            return
        now = utcnow()
        blob = store.put_blob(
            conn,
            org_id=job.org_id,
            name=f"referrals-{now:%Y%m%d-%H%M%S}.{options.format}",
            content_type=CONTENT_TYPES[options.format],
            data=result.data,
            now=now,
        )
        store.finish(
            conn,
            job.id,
            status=store.COMPLETED,
            summary=result.summary(),
            result_blob_id=blob,
            now=now,
        )


def export_options_to_json(options: ExportOptions) -> dict[str, Any]:
    f = options.filters
    filters = {
        name: getattr(f, name)
        for name in ReferralFilters.__dataclass_fields__
        if getattr(f, name) not in (None, [], "")
    }
    filters["tab"] = f.tab.value
    for name in ("created_from", "created_to", "close_from", "close_to"):
        if name in filters:
            filters[name] = filters[name].isoformat()
    for name in ("value_min", "value_max"):
        if name in filters:
            filters[name] = str(filters[name])
    return {
        "filters": filters,
        "format": options.format,
        "lang": options.lang,
        "delimiter": options.delimiter,
    }


def export_options_from_json(data: Any) -> ExportOptions:
    """The stored options of an export job; UsageError saying why when they cannot be
    used (stored by an older version, or by hand), never another exception."""
    try:
        if not isinstance(data, dict):
            raise TypeError("they are not a JSON object")
        raw = dict(data.get("filters") or {})
        raw["tab"] = Tab(raw.get("tab", "all"))
        for name in ("created_from", "created_to", "close_from", "close_to"):
            if name in raw:
                raw[name] = dt.date.fromisoformat(raw[name])
        for name in ("value_min", "value_max"):
            if name in raw:
                raw[name] = Decimal(raw[name])
        return ExportOptions(
            filters=ReferralFilters(**raw),
            format=data.get("format", "csv"),
            lang=data.get("lang"),
            delimiter=data.get("delimiter", ","),
        )
    except UsageError:
        raise
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise UsageError(f"a value cannot be read ({exc})") from None


def import_options_from_json(data: Any) -> ImportOptions:
    """The stored options of an import job; UsageError when they cannot be used."""
    if not isinstance(data, dict):
        raise UsageError("they are not a JSON object")
    for name in ("dry_run", "overwrite_newer", "allow_duplicates"):
        if not isinstance(data.get(name, False), bool):
            raise UsageError(f"{name} is not true or false")
    return ImportOptions.from_json(data)


def options_problem(job: store.JobRecord) -> str | None:
    """Why a job's stored options cannot be used, for people; None when they can."""
    if job.kind not in (IMPORT, EXPORT):
        return None
    unreadable = job.options.get(store.UNREADABLE)
    try:
        if unreadable:
            raise UsageError(str(unreadable))
        if job.kind == IMPORT:
            import_options_from_json(job.options)
        else:
            export_options_from_json(job.options)
    except UsageError as exc:
        return (
            f"The {job.kind}'s stored options cannot be used: {exc.message}. "
            f"Nothing was changed; start the {job.kind} again."
        )
    return None
