"""The Co-sell opportunities page: tabs, filters, search, the table, the chart, the last file."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from cosell.domain.headers import LANGUAGES
from cosell.services import referrals
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.ui import chart, router
from cosell.web.ui.guard import FormActor, local_path
from cosell.web.ui.job_views import IMPORT, latest
from cosell.web.ui.listing import (
    CHOICES,
    HELP_CHOICES,
    LABELS,
    PAGE_SIZES,
    TABS,
    parse,
)
from cosell.web.ui.render import html

#: Sortable columns of the table: (sort key, header).
COLUMNS = (
    ("deal_name", "Deal name"),
    ("customer", "Customer"),
    ("status", "Status"),
    ("stage", "Sales stage"),
    ("value", "Deal value"),
    ("close_date", "Close date"),
)


@router.get("/")
def opportunities(request: Request, actor: CurrentActor, ctx: Ctx) -> Response:
    items = request.query_params.multi_items()
    given = [(k, v) for k, v in items if v.strip()]
    if len(given) < len(items):  # the filters form sends its empty fields too: tidy the URL
        return RedirectResponse("/?" + urlencode(given) if given else "/", status_code=303)
    parsed = parse(items)
    query = parsed.query
    page = referrals.list_referrals(ctx.db, actor, parsed.filters, page=query.page, size=query.size)
    if query.page > page.pages:
        return RedirectResponse(query.url(page=page.pages), status_code=303)
    totals = referrals.pipeline(ctx.db, actor, parsed.filters)
    return html(
        request,
        "opportunities.html",
        actor=actor,
        query=query,
        problems=parsed.problems,
        page=page,
        chart=chart.build(totals, query.chart),
        last_file=latest(ctx.db, actor, IMPORT),
        tabs=TABS,
        columns=COLUMNS,
        choices=CHOICES,
        help_choices=HELP_CHOICES,
        labels=LABELS,
        page_sizes=PAGE_SIZES,
        languages=LANGUAGES,
        here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
    )


@router.post("/referrals/{referral_id}/favorite")
def toggle_favorite(
    request: Request,
    referral_id: str,
    actor: FormActor,
    ctx: Ctx,
    on: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "/",
) -> Response:
    wanted = on == "1"
    referrals.set_favorite(ctx.db, actor, referral_id, wanted)
    if request.headers.get("hx-request"):
        return html(request, "_favorite.html", referral_id=referral_id, favorite=wanted, back=back)
    return RedirectResponse(local_path(back), status_code=303)
