"""The Import page: template download, upload, the last processed file card, past imports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from cosell.domain.actor import Actor
from cosell.domain.headers import LANGUAGES
from cosell.errors import Conflict, FileRejected, UsageError
from cosell.i18n import N_, _
from cosell.services import jobs
from cosell.services.exports import render_template
from cosell.services.results_data import open_results
from cosell.services.undo import undo_import
from cosell.web.context import AppContext
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.downloads import download
from cosell.web.limits import file_parts, too_many_files
from cosell.web.ui.guard import FormActor
from cosell.web.ui.import_form import import_options
from cosell.web.ui.job_views import IMPORT, latest, own_job, own_jobs
from cosell.web.ui.mapping import mapping_step
from cosell.web.ui.render import html

#: The routes of this page (`ui.pages` puts every page's together).
router = APIRouter(include_in_schema=False)

Format = Literal["csv", "xlsx"]
MATCH_CHOICES = (
    ("referral-id", N_("Referral ID (rows without one create deals)")),
    ("crm-id", N_("CRM ID when a row has no Referral ID")),
)
DATE_ORDERS = (
    ("", N_("Detect from the file (MM/DD/YYYY unless its dates show otherwise)")),
    ("MDY", N_("MM/DD/YYYY (Partner Center)")),
    ("DMY", "DD/MM/YYYY"),
    ("YMD", "YYYY/MM/DD"),
)


_FORM_FIELDS = ("match", "date_order", "dry_run", "overwrite_newer", "allow_duplicates")


def _page(
    request: Request,
    ctx: AppContext,
    actor: Actor,
    *,
    error: str = "",
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    return html(
        request,
        "imports.html",
        actor=actor,
        status=status,
        last_file=latest(ctx.db, actor, IMPORT),
        past=own_jobs(ctx.db, actor, IMPORT),
        languages=LANGUAGES,
        match_choices=MATCH_CHOICES,
        date_orders=DATE_ORDERS,
        max_rows=ctx.settings.max_import_rows,
        max_bytes=ctx.settings.max_upload_bytes,
        error=error,
        form=form or dict.fromkeys(_FORM_FIELDS, "") | {"match": "referral-id"},
    )


@router.get("/imports")
def imports_page(request: Request, actor: CurrentActor, ctx: Ctx) -> Response:
    return _page(request, ctx, actor)


@router.get("/imports/template")
def template_file(actor: CurrentActor, format: Format = "csv", lang: str = "en") -> Response:
    data = render_template(format, None if lang == "en" else lang)
    suffix = "" if lang == "en" else f"-{lang}"
    return download(f"co-sell-template{suffix}", data, format)


@router.post("/imports")
def upload(
    request: Request,
    actor: FormActor,
    ctx: Ctx,
    file: Annotated[UploadFile | None, File()] = None,
    dry_run: Annotated[str, Form()] = "",
    match: Annotated[str, Form()] = "referral-id",
    date_order: Annotated[str, Form()] = "",
    overwrite_newer: Annotated[str, Form()] = "",
    allow_duplicates: Annotated[str, Form()] = "",
    files: Annotated[int, Depends(file_parts)] = 1,
) -> Response:
    form = {
        "match": match,
        "date_order": date_order,
        "dry_run": dry_run,
        "overwrite_newer": overwrite_newer,
        "allow_duplicates": allow_duplicates,
    }
    if file is None or not file.filename:
        return _page(
            request, ctx, actor, error=_("Choose a file to upload."), status=422, form=form
        )
    refused = too_many_files(files)
    if refused is not None:
        return _page(request, ctx, actor, error=refused, status=422, form=form)
    try:
        step = _mapping_step(request, ctx, actor, file, form)
        if step is not None:
            return step
        options = import_options(form)
        # Copied from the upload's temporary file into the database a part at a time.
        job_id = jobs.submit_import_file(
            ctx.db, actor, file.filename, file.file, options, ctx.settings, size=file.size
        )
    except (FileRejected, UsageError) as exc:
        return _page(request, ctx, actor, error=exc.message, status=422, form=form)
    ctx.queue.enqueue(job_id)
    return RedirectResponse("/imports#last-file", status_code=303)


def _mapping_step(
    request: Request, ctx: AppContext, actor: Actor, file: UploadFile, form: dict[str, str]
) -> Response | None:
    """The mapping step when the file's headers are not ours (`ui.mapping`); None to
    import the file as it is."""
    if file.size is not None and file.size > ctx.settings.max_upload_bytes:
        return None
    try:
        return mapping_step(request, ctx, actor, file.filename or "upload", file.file, form)
    finally:
        file.file.seek(0)


@router.get("/imports/card")
def import_card(request: Request, actor: CurrentActor, ctx: Ctx, was: str = "") -> Response:
    """The last processed file card alone: htmx polls it while the import runs."""
    job = latest(ctx.db, actor, IMPORT)
    headers = {}
    just_done = was == "pending" and job is not None and not job.pending
    if just_done:
        headers["HX-Trigger"] = "cosell-import-done"
    return html(request, "_card.html", last_file=job, just_done=just_done, headers=headers)


@router.get("/imports/{job_id}/results")
def results_file(actor: CurrentActor, ctx: Ctx, job_id: str, format: Format = "csv") -> Response:
    job = own_job(ctx.db, actor, job_id, IMPORT)
    return download(*open_results(ctx.db, actor.org_id, job.job, format))


@router.post("/imports/{job_id}/undo")
def undo_past_import(
    request: Request,
    actor: FormActor,
    ctx: Ctx,
    job_id: str,
    dry_run: Annotated[str, Form()] = "",
) -> Response:
    """The Undo button of a past import: with `dry_run` a preview and a button to confirm,
    without it the undo itself. A refusal (already undone …) is shown on the page (409);
    a job the user may not see is "not found"."""
    try:
        result = undo_import(ctx.db, actor, job_id, dry_run=dry_run in ("1", "on", "yes", "true"))
    except Conflict as exc:
        return html(
            request, "undo.html", actor=actor, status=409, job_id=job_id, result=None,
            error=exc.message,
        )  # fmt: skip
    return html(request, "undo.html", actor=actor, job_id=job_id, result=result, error="")
