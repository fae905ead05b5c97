"""What `cosell undo` prints, and its exit codes.

0 everything was undone (or, in a dry run, would be), 1 some deals were skipped
because they changed after the import, 2 the undo was refused (unknown or invisible
job, not an import, a dry-run import, already undone, made before undo existed).
With `--json`, stdout holds one JSON object in every case; messages go to stderr.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import typer

from cosell.cli_output import fail
from cosell.services.undo import UndoConflict, UndoResult


def report_undo(result: UndoResult, as_json: bool) -> NoReturn:
    """Print the result and exit 0, or 1 when deals were skipped."""
    if as_json:
        typer.echo(json.dumps(result.summary()))
    else:
        deals = "deal" if result.removed == 1 else "deals"
        counts = (
            f"{result.removed} {deals} removed, {result.restored} restored, "
            f"{result.skipped} skipped"
        )
        if result.dry_run:
            line = f"would be undone: {counts} (dry run: nothing was changed)"
        else:
            line = f"undone: {counts} (undo job {result.job_id})"
        typer.echo(f"import {result.target_id} {line}")
    for conflict in result.conflicts:
        typer.echo(f"skipped {conflict.referral_id}: {_why(conflict)}", err=True)
    raise typer.Exit(1 if result.skipped else 0)


def report_undo_rejected(message: str, dry_run: bool, as_json: bool) -> NoReturn:
    """Print why the undo was refused and exit 2."""
    if as_json:
        payload: dict[str, Any] = {
            "job_id": None,
            "status": "rejected",
            "dry_run": dry_run,
            "removed": 0,
            "restored": 0,
            "skipped": 0,
            "conflicts": [],
            "errors": [message],
        }
        typer.echo(json.dumps(payload))
    fail(message, 2)


def _why(conflict: UndoConflict) -> str:
    if conflict.changed_by is None:
        return "you can no longer see this deal, so it was left as it is"
    fields = ", ".join(conflict.fields) or "no field recorded"
    at = "" if conflict.changed_at is None else f" on {conflict.changed_at:%Y-%m-%d %H:%M} UTC"
    return f"changed after the import ({fields}) by {conflict.changed_by}{at}; left as it is"
