"""The command line (rules §5.1): parse, call one service, print. A contract: scripts rely on it.

Exit codes and output are in `cli_output`.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from cosell.cli_app import (
    DateOrderChoice,
    MatchChoice,
    RoleChoice,
    TabChoice,
    app,
    org_app,
    safe_url,
    solution_app,
    state,
    token_app,
    user_app,
)
from cosell.cli_output import (
    errors,
    export_json,
    fail,
    progress,
    report_import,
    report_rejected,
)
from cosell.domain import cells
from cosell.domain.cells import CellError
from cosell.domain.enums import Role, Status, Substatus
from cosell.domain.filters import ReferralFilters, Tab
from cosell.domain.job_types import ExportOptions, ImportOptions, JobStatus
from cosell.errors import FileRejected
from cosell.services import accounts, demo, job_access, results_data
from cosell.services import jobs as job_service
from cosell.services.exports import render_template


@app.command()
def init(
    demo_data: Annotated[bool, typer.Option("--demo", help="Add the demo organization.")] = False,
) -> None:
    """Create or upgrade the schema; --demo adds a demo organization and prints the logins."""
    with errors():
        db = state.database()
        db.upgrade()
        typer.echo(f"database ready: {safe_url(db.url)}")
        if demo_data:
            logins = demo.install_demo(db)
            if logins:
                typer.echo(f'demo organization "{demo.DEMO_ORG}" created with 200 referrals')
                for login in logins:
                    typer.echo(f"  {login.role.label:16} {login.email}  password: {login.password}")
            else:
                typer.echo(f'demo organization "{demo.DEMO_ORG}" already exists')
                typer.echo(
                    f"  logins: {', '.join(e for e, _, _ in demo.DEMO_USERS)}"
                    f"  password: {demo.DEMO_PASSWORD}"
                )


@org_app.command("create")
def org_create(
    name: str,
    partner_id: Annotated[str | None, typer.Option("--partner-id")] = None,
) -> None:
    """Create an organization (a partner company)."""
    with errors():
        org = accounts.create_org(state.database(), name, partner_id)
        typer.echo(f'organization "{org.name}" created (id {org.id})')


@user_app.command("add")
def user_add(
    email: str,
    org: Annotated[str, typer.Option("--org", help="Organization name.")],
    role: Annotated[RoleChoice, typer.Option("--role")],
    password: Annotated[str | None, typer.Option("--password")] = None,
    name: Annotated[str | None, typer.Option("--name")] = None,
) -> None:
    """Add a user: a Referrals admin or a Referrals user."""
    with errors():
        user, pw = accounts.add_user(
            state.database(),
            email,
            org_name=org,
            role=Role(role.value),
            password=password,
            name=name,
        )
        typer.echo(f"{Role(role.value).label} {user.email} added to {org}")
        if password is None:
            typer.echo(f"password: {pw}")


@solution_app.command("add")
def solution_add(
    solution_id: Annotated[str, typer.Argument(metavar="SOL-ID")],
    org: Annotated[str, typer.Option("--org", help="Organization name.")],
    name: Annotated[str | None, typer.Option("--name")] = None,
) -> None:
    """Add a solution to an organization's catalog."""
    with errors():
        db = state.database()
        found = accounts.find_org(db, org)
        created = accounts.add_solution(db, solution_id, org_id=found.id, name=name)
        typer.echo(f"solution {solution_id} {'added to' if created else 'updated in'} {org}")


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(exists=False, dir_okay=False)],
    as_: Annotated[str, typer.Option("--as", help="Email of the acting user.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate only.")] = False,
    match: Annotated[MatchChoice, typer.Option("--match")] = MatchChoice.referral_id,
    date_order: Annotated[
        DateOrderChoice | None,
        typer.Option(
            "--date-order",
            help="How 01/02/2027 is written; by default the file's own dates decide.",
        ),
    ] = None,
    overwrite_newer: Annotated[
        bool,
        typer.Option(
            "--overwrite-newer",
            help="Apply rows whose deal changed since the file's Row Version anyway.",
        ),
    ] = False,
    allow_duplicates: Annotated[
        bool,
        typer.Option(
            "--allow-duplicates", help="Create rows that look like an existing deal anyway."
        ),
    ] = False,
    results: Annotated[
        Path | None, typer.Option("--results", help="Write the results file (.csv or .xlsx).")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping",
            metavar="MAP.json",
            help="How the file's columns become ours: a JSON column mapping (with "
            "--mapping-profile, its entries are added to the profile's).",
        ),
    ] = None,
    mapping_profile: Annotated[
        str | None,
        typer.Option(
            "--mapping-profile",
            metavar="NAME",
            help="A saved or built-in mapping profile (see `cosell mapping list`).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Import a CSV or XLSX file: create and update referrals."""
    from cosell.cli_mapping import read_mapping
    from cosell.services.mapping_profiles import resolve_mapping

    with errors():
        if results is not None and results.suffix.lower() not in (".csv", ".xlsx"):
            fail("--results must name a .csv or .xlsx file")
        db = state.database()
        actor = accounts.actor_for(db, as_)
        options = ImportOptions(
            dry_run=dry_run,
            match=match.value,
            date_order=date_order.value if date_order else None,
            overwrite_newer=overwrite_newer,
            allow_duplicates=allow_duplicates,
            mapping=resolve_mapping(
                db,
                actor,
                data=read_mapping(mapping) if mapping is not None else None,
                profile=mapping_profile,
            ),
            mapping_profile=mapping_profile,
        )
        try:
            with file.open("rb") as source:  # stored a part at a time, never read whole
                job_id = job_service.submit_import_file(
                    db, actor, file.name, source, options, state.settings,
                    size=file.stat().st_size,
                )  # fmt: skip
        except FileRejected as exc:
            report_rejected(None, exc.message, dry_run, as_json)
        with progress(enabled=not as_json) as on_progress:
            job = job_service.run_job(db, job_id, state.settings, on_progress)
        summary = job.import_summary
        if job.status is JobStatus.REJECTED:
            errors_, warnings = (summary.errors, summary.warnings) if summary else ((), ())
            report_rejected(job_id, (errors_ or (job.error or "",))[0], dry_run, as_json, warnings)
        if summary is None:  # failed: the message says why
            fail(job.error or "the import failed", 3)
        results_path = None
        if results is not None:
            fmt: Literal["csv", "xlsx"] = "xlsx" if results.suffix.lower() == ".xlsx" else "csv"
            _, data, _ = results_data.open_results(db, actor.org_id, job, fmt)
            with results.open("wb") as out:  # a big results file a part at a time
                for part in [data] if isinstance(data, bytes) else data:
                    out.write(part)
            results_path = str(results)
        report_import(job_id, summary, results_path, as_json)
        raise typer.Exit(1 if summary.failed else 0)


@app.command()
def export(
    as_: Annotated[str, typer.Option("--as", help="Email of the acting user.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="OUT.csv or OUT.xlsx")],
    tab: Annotated[TabChoice, typer.Option("--tab")] = TabChoice.all,
    status: Annotated[list[str] | None, typer.Option("--status")] = None,
    substatus: Annotated[list[str] | None, typer.Option("--substatus")] = None,
    country: Annotated[list[str] | None, typer.Option("--country")] = None,
    search: Annotated[str | None, typer.Option("--search")] = None,
    lang: Annotated[str | None, typer.Option("--lang")] = None,
    delimiter: Annotated[str, typer.Option("--delimiter")] = ",",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Export the referrals the user can see, with filters, to CSV or XLSX."""
    with errors():
        fmt = _format_of(output)
        db = state.database()
        actor = accounts.actor_for(db, as_)
        filters = ReferralFilters(
            tab=Tab(tab.value),
            statuses=_enum_values(status or [], Status),
            substatuses=_enum_values(substatus or [], Substatus),
            countries=[c.strip().upper() for c in country or []],
            search=search,
        )
        options = ExportOptions(filters=filters, format=fmt, lang=lang, delimiter=delimiter)
        job_id = job_service.submit_export(db, actor, options)
        job = job_service.run_job(db, job_id, state.settings)
        summary = job.export_summary
        if job.status is not JobStatus.COMPLETED or summary is None:
            fail(job.error or "the export failed", 3)
        output.write_bytes(job_access.job_file(db, actor, job, "exported file")[1])
        if as_json:
            typer.echo(json.dumps(export_json(job_id, job.status, summary, output)))
        else:
            typer.echo(f"{summary.message} to {output}")
        if summary.truncated and not as_json:
            typer.echo(f"warning: {summary.message}", err=True)


@app.command()
def template(
    output: Annotated[Path, typer.Option("-o", "--output", help="OUT.csv or OUT.xlsx")],
    lang: Annotated[str | None, typer.Option("--lang")] = None,
) -> None:
    """Write an empty import template with every column."""
    with errors():
        output.write_bytes(render_template(_format_of(output), lang))
        typer.echo(f"template written to {output}")


@app.command()
def undo(
    job_id: Annotated[str, typer.Argument(metavar="JOB_ID", help="The import job to undo.")],
    as_: Annotated[str, typer.Option("--as", help="Email of the acting user.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would be undone; change nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Undo an import: remove the deals it created, restore the fields it changed."""
    from cosell.cli_undo import report_undo, report_undo_rejected
    from cosell.errors import CosellError
    from cosell.services.undo import undo_import

    with errors():
        try:
            db = state.database()
            actor = accounts.actor_for(db, as_)
            result = undo_import(db, actor, job_id, dry_run=dry_run)
        except CosellError as exc:
            report_undo_rejected(exc.message, dry_run, as_json)
        report_undo(result, as_json)


@token_app.command("create")
def token_create(
    as_: Annotated[str | None, typer.Option("--as", help="Email of the token's user.")] = None,
    integration: Annotated[
        bool, typer.Option("--integration", help="A token for the Microsoft side.")
    ] = False,
    org: Annotated[str | None, typer.Option("--org", help="Organization (integration).")] = None,
) -> None:
    """Create an API bearer token (shown once; only its hash is stored)."""
    with errors():
        if integration == (as_ is not None) or (integration and not org):
            fail("give either --as EMAIL, or --integration --org NAME")
        token = accounts.create_token(
            state.database(), user_email=as_, integration_org=org if integration else None
        )
        typer.echo(token)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Run no embedded worker (scale-out).")
    ] = False,
    processes: Annotated[
        int,
        typer.Option("--processes", min=1, help="Web server processes sharing the port."),
    ] = 1,
) -> None:
    """Run the web application and API, with an embedded job worker by default."""
    from cosell.serve import run_server

    with errors():
        state.database().upgrade()
        run_server(state.settings, host, port, with_worker=not no_worker, processes=processes)


@app.command()
def worker(
    threads: Annotated[int, typer.Option("--threads", help="Jobs processed at once.")] = 1,
) -> None:
    """Run a job worker alone (scale-out: any number, on any machine)."""
    from cosell.serve import run_worker

    with errors():
        run_worker(state.settings, workers=threads)


def _format_of(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        fail(f"{path} must end in .csv or .xlsx")
    return suffix[1:]


def _enum_values(values: list[str], enum: type[StrEnum]) -> list[str]:
    """Status names as the file accepts them (any case), or a usage error."""
    out = []
    for value in values:
        try:
            out.append(cells.parse_enum(value, enum).value)
        except CellError as exc:
            fail(f'unknown {enum.__name__.lower()} "{value}": {exc}')
    return out


def main() -> None:
    app()


# The access and operator commands add themselves to the groups of `cli_app` when
# imported; imported last so `cosell --help` lists the everyday commands first.
from cosell import cli_access, cli_mapping, cli_ops  # noqa: E402, F401
