"""Export: queued from the list with its tab and filters; the notice; past exports."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from cosell.domain.job_types import ExportOptions
from cosell.services import jobs
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.downloads import download
from cosell.web.ui import notice
from cosell.web.ui.guard import FormActor, came_from, local_path
from cosell.web.ui.job_views import EXPORT, output_file, own_job, own_jobs
from cosell.web.ui.listing import FILTER_LABELS, TABS, parse
from cosell.web.ui.render import html

#: The routes of this page (`ui.pages` puts every page's together).
router = APIRouter(include_in_schema=False)


@router.get("/exports")
def exports_page(request: Request, actor: CurrentActor, ctx: Ctx) -> Response:
    return html(
        request,
        "exports.html",
        actor=actor,
        past=own_jobs(ctx.db, actor, EXPORT),
        tab_names={tab.value: label for tab, label in TABS},
        filter_labels=FILTER_LABELS,
        max_rows=ctx.settings.max_export_rows,
    )


@router.post("/exports")
async def start_export(request: Request, actor: FormActor, ctx: Ctx) -> Response:
    form = await request.form()
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    values = dict(fields)
    back = local_path(values.get("back"))
    parsed = parse(fields)
    lang = values.get("lang") or None
    options = ExportOptions(  # a bad choice raises UsageError: an error page says which
        filters=parsed.filters,
        format=values.get("format", "csv"),  # type: ignore[arg-type]  # checked there
        lang=None if lang == "en" else lang,
        delimiter=values.get("delimiter", ","),
    )
    job_id = await run_in_threadpool(jobs.submit_export, ctx.db, actor, options)
    await run_in_threadpool(ctx.queue.enqueue, job_id)
    return RedirectResponse(back, status_code=303)


@router.get("/exports/notice")
def export_notice(request: Request, actor: CurrentActor) -> Response:
    """The notice alone: htmx polls it while an export is being prepared."""
    return html(request, "_notice.html", export_notice=notice.current(request, actor))


@router.post("/exports/{job_id}/seen")
def export_seen(request: Request, actor: FormActor, ctx: Ctx, job_id: str) -> Response:
    own_job(ctx.db, actor, job_id, EXPORT)
    response: Response
    if request.headers.get("hx-request"):
        response = html(request, "_notice.html", export_notice=None)
    else:
        response = RedirectResponse(came_from(request), status_code=303)
    notice.mark_seen(response, job_id)
    return response


@router.get("/exports/{job_id}/file")
def export_file(actor: CurrentActor, ctx: Ctx, job_id: str) -> Response:
    job = own_job(ctx.db, actor, job_id, EXPORT)
    name, data = output_file(ctx.db, actor, job)
    response = download(name, data, job.export_format)
    notice.mark_seen(response, job_id)
    return response
