"""What the command line prints: errors and exit codes, import reports, the progress bar.

Exit codes: 0 done (every row succeeded), 1 some rows failed, 2 file rejected or bad
usage, 3 an internal error. Errors go to stderr, never as a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import typer

from cosell.domain.job_summaries import ExportSummary, ImportSummary
from cosell.errors import CosellError

#: The keys of `cosell import --json` (rules §5.1), in order.
IMPORT_KEYS = (
    "job_id", "status", "dry_run", "rows", "created", "updated", "unchanged", "failed",
    "results_file", "duration_s", "errors", "warnings",
)  # fmt: skip


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def errors() -> Iterator[None]:
    """Turn every error into a message on stderr and an exit code."""
    try:
        yield
    except typer.Exit:
        raise
    except CosellError as exc:  # the database's too: "run `cosell init` first", "cannot be used"
        fail(exc.message, 2)
    except OSError as exc:
        fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), 2)
    except Exception as exc:  # the last line of defence: never a traceback
        fail(f"internal error ({type(exc).__name__}): {exc}", 3)


def report_rejected(
    job_id: str | None,
    message: str,
    dry_run: bool,
    as_json: bool,
    warnings: Sequence[str] = (),
) -> NoReturn:
    if as_json:
        summary = replace(ImportSummary.rejected(message, dry_run, 0.0), warnings=tuple(warnings))
        typer.echo(json.dumps(_import_json(job_id, summary, None)))
    fail(f"file rejected: {message}", 2)


def _import_json(job_id: str | None, summary: ImportSummary, results: str | None) -> Any:
    values = {**summary.to_json(), "job_id": job_id, "results_file": results}
    return {key: values[key] for key in IMPORT_KEYS}


def report_import(
    job_id: str, summary: ImportSummary, results_path: str | None, as_json: bool
) -> None:
    if as_json:
        typer.echo(json.dumps(_import_json(job_id, summary, results_path)))
    else:
        verb = "would be " if summary.dry_run else ""
        typer.echo(
            f"{summary.rows} rows: {summary.created} {verb}created, "
            f"{summary.updated} {verb}updated, {summary.unchanged} unchanged, "
            f"{summary.failed} not processed ({summary.duration_s:.3f} s)"
            + (" [dry run]" if summary.dry_run else "")
        )
        if results_path:
            typer.echo(f"results file: {results_path}")
    for warning in summary.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for failure in summary.failures:
        typer.echo(f"row {failure.row}: {'; '.join(failure.errors)}", err=True)
    unlisted = summary.failed - len(summary.failures)
    if unlisted > 0:  # a big import lists the first failures; the results file has all
        typer.echo(f"… and {unlisted:,} more rows failed: see the results file", err=True)
    for remark in summary.row_warnings:
        for warning in remark.warnings:
            typer.echo(f"row {remark.row}: warning: {warning}", err=True)


def export_json(job_id: str, status: str, summary: ExportSummary, output: Path) -> Any:
    """The object `cosell export --json` prints."""
    return {
        "job_id": job_id,
        "status": status,
        "rows": summary.rows,
        "matched": summary.matched,
        "truncated": summary.truncated,
        "file": str(output),
        "duration_s": round(summary.duration_s, 4),
    }


@contextmanager
def progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on a terminal (stderr), nothing otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=None) as bar:
        task = bar.add_task("importing", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
