"""The Import page: template download, upload, the last processed file card, past imports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from cosell.domain.headers import LANGUAGES
from cosell.errors import FileRejected, UsageError
from cosell.services import job_access, jobs
from cosell.services.actor import Actor
from cosell.services.exports import render_template
from cosell.services.imports import ImportOptions
from cosell.web.context import AppContext
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.downloads import download
from cosell.web.ui import router
from cosell.web.ui.guard import FormActor
from cosell.web.ui.job_views import IMPORT, latest, own_job, own_jobs
from cosell.web.ui.render import html

Format = Literal["csv", "xlsx"]
MATCH_CHOICES = (
    ("referral-id", "Referral ID (rows without one create deals)"),
    ("crm-id", "CRM ID when a row has no Referral ID"),
)
DATE_ORDERS = (
    ("MDY", "MM/DD/YYYY (Partner Center)"),
    ("DMY", "DD/MM/YYYY"),
    ("YMD", "YYYY/MM/DD"),
)


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
        form=form or {"match": "referral-id", "date_order": "MDY", "dry_run": ""},
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
    date_order: Annotated[str, Form()] = "MDY",
) -> Response:
    form = {"match": match, "date_order": date_order, "dry_run": dry_run}
    if file is None or not file.filename:
        return _page(request, ctx, actor, error="Choose a file to upload.", status=422, form=form)
    data = file.file.read()
    try:
        options = ImportOptions(
            dry_run=dry_run in ("1", "on", "yes", "true"),
            match=match,  # type: ignore[arg-type]  # checked by ImportOptions
            date_order=date_order,  # type: ignore[arg-type]
        )
        job_id = jobs.submit_import(ctx.db, actor, file.filename, data, options, ctx.settings)
    except (FileRejected, UsageError) as exc:
        return _page(request, ctx, actor, error=exc.message, status=422, form=form)
    ctx.queue.enqueue(job_id)
    return RedirectResponse("/imports#last-file", status_code=303)


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
    return download(*job_access.results_file(ctx.db, actor, job.job, format))
