"""The Co-sell opportunities page: tabs, filters, search, the table, the chart, the last file."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from cosell.domain.headers import LANGUAGES
from cosell.i18n import N_
from cosell.services import referrals
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.ui import chart
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

#: The routes of this page (`ui.pages` puts every page's together).
router = APIRouter(include_in_schema=False)

#: The list page draws the chart itself when at most this many deals match (adding them
#: up takes a few milliseconds); above, the chart is loaded by a request of its own.
CHART_INLINE = 2_000

#: Sortable columns of the table: (sort key, header; shown translated).
COLUMNS = (
    ("deal_name", N_("Deal name")),
    ("customer", N_("Customer")),
    ("status", N_("Status")),
    ("stage", N_("Sales stage")),
    ("value", N_("Deal value")),
    ("close_date", N_("Close date")),
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
    if not page.items and query.page > 1:  # past the end: the last page (the first, if
        # the total is not exact)
        last = page.pages if page.total_exact else 1
        return RedirectResponse(query.url(page=last), status_code=303)
    # The chart adds up every deal that matches: at once when they are few, else in a
    # request of its own (`/chart`), so the list does not wait for it.
    inline = page.total_exact and page.total <= CHART_INLINE
    totals = referrals.pipeline(ctx.db, actor, parsed.filters) if inline else []
    return html(
        request,
        "opportunities.html",
        actor=actor,
        query=query,
        problems=parsed.problems,
        page=page,
        chart=chart.build(totals, query.chart),
        chart_url=None if inline else "/chart?" + urlencode(query.params()),
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


@router.get("/chart")
def pipeline_chart(request: Request, actor: CurrentActor, ctx: Ctx) -> Response:
    """The chart of the list with these parameters, as a fragment the list page loads.

    A tab's deals are added up from the covering index ix_referrals_org_pipeline; with
    filters or a search, only when the list's count is exact (adding up more would read
    every one of them): else the chart asks to narrow the filters."""
    parsed = parse(request.query_params.multi_items())
    query = parsed.query
    too_many = 0
    if query.active_filters or parsed.filters.search:
        bound = referrals.count_bound(parsed.filters)
        total, exact = referrals.count(ctx.db, actor, parsed.filters, bound)
        too_many = 0 if exact else total
    totals = [] if too_many else referrals.pipeline(ctx.db, actor, parsed.filters)
    return html(
        request,
        "_chart.html",
        actor=actor,
        query=query,
        chart=chart.build(totals, query.chart),
        too_many=too_many,
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
