"""The operator's commands: `cosell backup`, `cosell restore`, `cosell check`.

Registered on the `app` of `cosell.cli_app` when `cosell.cli` imports this module. Exit
codes as everywhere (`cli_output`): 0 done or healthy, 1 `check` found problems
(one line each on stdout), 2 refused or bad usage, 3 an internal error.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from cosell.cli_app import app, safe_url, state
from cosell.cli_output import errors
from cosell.services import upkeep


@app.command()
def backup(
    out: Annotated[Path, typer.Argument(metavar="OUT", dir_okay=False, help="The backup file.")],
) -> None:
    """Write a consistent copy of the database to OUT, also while the server runs
    (SQLite: a database file; PostgreSQL: a pg_dump custom archive)."""
    with errors():
        made = upkeep.backup(state.settings.database_url, out)
        typer.echo(f"backup written to {made.path} ({_size(made.size)} in {made.seconds:.2f} s)")


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(metavar="IN", dir_okay=False, help="A backup file.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that holds data.")
    ] = False,
) -> None:
    """Replace the database with the backup IN; refused over data without --force.
    Stop the server and workers first: they would keep working on the old data."""
    with errors():
        done = upkeep.restore(state.settings.database_url, source, force=force)
        url = safe_url(state.settings.database_url)
        typer.echo(
            f"{'replaced' if done.replaced else 'restored'} {url} from {done.source} "
            f"(schema {done.revision}, {done.seconds:.2f} s); run `cosell check` to verify it"
        )


@app.command()
def check(
    queued_minutes: Annotated[
        float,
        typer.Option("--queued-minutes", help="A job queued for longer than this is stuck."),
    ] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Verify the database: schema at the newest migration, no orphan files or rows,
    no stuck jobs, SQLite's integrity. Exit 1 with one line per problem."""
    with errors():
        report = upkeep.check(
            state.database(), state.settings, queued_after=dt.timedelta(minutes=queued_minutes)
        )
    if as_json:
        problems = [
            {"check": p.check, "message": p.message, "count": p.count, "ids": list(p.ids)}
            for p in report.problems
        ]
        typer.echo(json.dumps({"ok": report.ok, "problems": problems}))
    else:
        for p in report.problems:
            typer.echo(f"{p.check}: {p.message}")
        if report.ok:
            checked = ", ".join(f"{n} {name}" for name, n in report.counts.items())
            typer.echo(f"ok: schema at {report.revision}; {checked} checked")
    raise typer.Exit(0 if report.ok else 1)


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / 1024 / 1024:.1f} MiB"
