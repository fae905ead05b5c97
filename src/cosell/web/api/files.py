"""/api/v1/imports, /api/v1/exports and /api/v1/template: files in and out, as jobs.

An upload is stored with its job before the answer (202), and processed in the
background; the job then tells its status, progress, summary and file. A file
that cannot be processed at all comes back as a job with status "rejected" and
the same message the command line prints.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile, status

from cosell.domain.job_types import ImportOptions, JobKind
from cosell.services import jobs as job_service
from cosell.services.exports import render_template
from cosell.services.job_access import find_job, job_file, list_jobs
from cosell.services.mapping_profiles import mapping_json, resolve_mapping
from cosell.services.results_data import open_results
from cosell.services.undo import undo_import
from cosell.web.api.common import errors, file_responses
from cosell.web.api.job_schemas import ExportJob, ExportRequest, ImportJob, export_job, import_job
from cosell.web.api.undo_schemas import UNDO_BODY, UndoDryRun, UndoResultOut, undo_result
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.downloads import download
from cosell.web.limits import file_parts, too_many_files
from cosell.web.problems import problem

router = APIRouter()

PREFIX = "/api/v1"
JobId = Annotated[str, Path(max_length=100, description="the job's id")]
Limit = Annotated[int, Query(ge=1, le=100, description="how many, newest first")]
Format = Literal["csv", "xlsx"]
_ACCEPTED = {"Location": {"description": "the job", "schema": {"type": "string"}}}


def _job_routes(
    kind: JobKind,
    view: Callable[[Any, str], ImportJob | ExportJob],
    schema: type[ImportJob | ExportJob],
    about_one: str,
) -> None:
    """Add `GET /{kind}s`, the past jobs of `kind`, and `GET /{kind}s/{job_id}`, one job
    (`about_one` describes it), named `past_{kind}s` and `get_{kind}` in the OpenAPI."""
    plural = f"{kind.value}s"

    def past(actor: CurrentActor, ctx: Ctx, limit: Limit = 20) -> list[ImportJob | ExportJob]:
        return [view(j, PREFIX) for j in list_jobs(ctx.db, actor, kind, limit)]

    def one(job_id: JobId, actor: CurrentActor, ctx: Ctx) -> ImportJob | ExportJob:
        return view(find_job(ctx.db, actor, job_id, kind), PREFIX)

    router.add_api_route(
        f"/{plural}",
        past,
        methods=["GET"],
        tags=[plural],
        response_model=list[schema],  # type: ignore[valid-type]
        responses=errors(403, 422),
        name=f"past_{plural}",
        description=f"Past {plural}, newest first: all of your organization's for an admin, "
        "else your own.",
    )
    router.add_api_route(
        f"/{plural}/{{job_id}}",
        one,
        methods=["GET"],
        tags=[plural],
        response_model=schema,
        responses=errors(403, 404, 422),
        name=f"get_{kind.value}",
        description=about_one,
    )


# ------------------------------------------------------------------ imports
@router.post(
    "/imports",
    tags=["imports"],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJob,
    responses={202: {"headers": _ACCEPTED}, **errors(400, 403, 404, 413, 422)},
)
def upload(
    actor: CurrentActor,
    ctx: Ctx,
    response: Response,
    file: Annotated[UploadFile, File(description="a CSV or XLSX file, at most 1,000 rows")],
    dry_run: Annotated[bool, Form(description="validate only; change nothing")] = False,
    match: Annotated[
        Literal["referral-id", "crm-id"],
        Form(description="crm-id: a row without Referral ID updates the deal with its CRM ID"),
    ] = "referral-id",
    date_order: Annotated[
        Literal["MDY", "DMY", "YMD"] | None,
        Form(
            description="how to read 01/02/2027; by default the file's own dates decide "
            "(an unambiguous date such as 30/01/2027 proves the order)"
        ),
    ] = None,
    overwrite_newer: Annotated[
        bool,
        Form(description="apply rows whose deal changed since the file's Row Version anyway"),
    ] = False,
    allow_duplicates: Annotated[
        bool,
        Form(description="create rows that look like an existing deal anyway"),
    ] = False,
    mapping: Annotated[
        str | None,
        Form(
            description="a column mapping as JSON (see `MappingBody`) for a file from "
            "another system; with `mapping_profile`, its entries are added to the profile's"
        ),
    ] = None,
    mapping_profile: Annotated[
        str | None,
        Form(max_length=100, description="a mapping profile's name (`GET /mapping-profiles`)"),
    ] = None,
    files: Annotated[int, Depends(file_parts)] = 1,
) -> ImportJob | Response:
    """Upload a file to create and update referrals; answers 202 with the job at once.

    Poll `GET /api/v1/imports/{id}` for progress and the summary; download the results
    file (every row with its outcome and errors) from `results_url`."""
    refused = too_many_files(files)
    if refused is not None:
        return problem(400, "One file per upload", refused)
    options = ImportOptions(
        dry_run=dry_run,
        match=match,
        date_order=date_order,
        overwrite_newer=overwrite_newer,
        allow_duplicates=allow_duplicates,
        mapping=resolve_mapping(
            ctx.db,
            actor,
            data=mapping_json(mapping) if mapping else None,
            profile=mapping_profile or None,
        ),
        mapping_profile=mapping_profile or None,
    )
    # The upload waits in a temporary file (on disk past 1 MiB): it is copied into the
    # database a part at a time, never read whole. Only its size is judged before the job
    # exists (FileTooLarge: 413).
    job_id = job_service.submit_import_file(
        ctx.db, actor, file.filename or "upload", file.file, options, ctx.settings,
        size=file.size,
    )  # fmt: skip
    ctx.queue.enqueue(job_id)
    response.headers["Location"] = f"{PREFIX}/imports/{job_id}"
    return import_job(find_job(ctx.db, actor, job_id, JobKind.IMPORT), PREFIX)


_job_routes(
    JobKind.IMPORT,
    import_job,
    ImportJob,
    "An import's status, progress and summary (with every failed row's errors).",
)


@router.get(
    "/imports/{job_id}/results",
    tags=["imports"],
    response_class=Response,
    responses={**file_responses("the results file"), **errors(403, 404, 409, 422)},
)
def import_results(
    job_id: JobId,
    actor: CurrentActor,
    ctx: Ctx,
    fmt: Annotated[
        Format | None,
        Query(alias="format", description="csv or xlsx; the upload's format by default"),
    ] = None,
) -> Response:
    """The results file: every row in its original order with `Errors` first and
    `Import Result` last; created rows carry their new Referral ID."""
    job = find_job(ctx.db, actor, job_id, JobKind.IMPORT)
    return download(*open_results(ctx.db, actor.org_id, job, fmt))


_UNDO_RESPONSES = errors(403, 404, 409, 422)
_UNDO_RESPONSES[409] = {
    **_UNDO_RESPONSES[409],
    "description": "Cannot be undone: not an import, a dry run, not completed, already "
    "undone, or made before imports could be undone",
}


@router.post(
    "/imports/{job_id}/undo",
    tags=["imports"],
    response_model=UndoResultOut,
    responses=_UNDO_RESPONSES,
    openapi_extra=UNDO_BODY,
)
def undo(job_id: JobId, actor: CurrentActor, ctx: Ctx, dry_run: UndoDryRun) -> UndoResultOut:
    """Undo an import: delete the deals it created and restore every field it changed,
    as they were before it. A deal changed after the import is skipped and listed in
    `conflicts` with the fields changed since; nothing of it changes.

    With `dry_run` (JSON `{"dry_run": true}` or a form field) nothing changes, and the
    answer tells what the undo would do. An import can be undone once."""
    return undo_result(undo_import(ctx.db, actor, job_id, dry_run=dry_run))


# ------------------------------------------------------------------ exports
@router.post(
    "/exports",
    tags=["exports"],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ExportJob,
    responses={202: {"headers": _ACCEPTED}, **errors(400, 403, 422)},
)
def request_export(
    body: ExportRequest, actor: CurrentActor, ctx: Ctx, response: Response
) -> ExportJob:
    """Export the referrals you can see with these filters (at most 5,000); 202 with the job.

    Download the file from `file_url` when the job is completed."""
    job_id = job_service.submit_export(ctx.db, actor, body.to_options())
    ctx.queue.enqueue(job_id)
    response.headers["Location"] = f"{PREFIX}/exports/{job_id}"
    return export_job(find_job(ctx.db, actor, job_id, JobKind.EXPORT), PREFIX)


_job_routes(
    JobKind.EXPORT,
    export_job,
    ExportJob,
    """An export's status and summary ("5,000 of 7,214 exported — narrow the filters").""",
)


@router.get(
    "/exports/{job_id}/file",
    tags=["exports"],
    response_class=Response,
    responses={**file_responses("the exported file"), **errors(403, 404, 409, 422)},
)
def export_file(job_id: JobId, actor: CurrentActor, ctx: Ctx) -> Response:
    """The exported file, ready to edit and upload again."""
    job = find_job(ctx.db, actor, job_id, JobKind.EXPORT)
    name, data = job_file(ctx.db, actor, job, "file")
    return download(name, data, PurePath(name).suffix.lstrip(".") or "csv")


# ------------------------------------------------------------------ template
@router.get(
    "/template",
    tags=["exports"],
    response_class=Response,
    responses={**file_responses("an empty import template"), **errors(400, 422)},
)
def template(
    actor: CurrentActor,
    fmt: Annotated[Format, Query(alias="format")] = "csv",
    lang: Annotated[
        str | None, Query(max_length=20, description="header language, e.g. nl or fr-fr")
    ] = None,
) -> Response:
    """An empty file with every column; the XLSX one marks required columns and lists
    valid values."""
    data = render_template(fmt, lang)
    suffix = f"-{lang.strip().lower()}" if lang and lang.strip() else ""
    return download(f"cosell-template{suffix}.{fmt}", data, fmt)
