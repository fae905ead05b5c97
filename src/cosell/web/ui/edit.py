"""Editing one referral on its page (`/referrals/{id}/edit`; rules §1.3–1.5, §5.3).

A save calls the API's own service, `referral_changes.update_referral`, with the
version the page was loaded with and source "page": the rules, the messages and the
history are those of a PATCH. The messages are shown beside their inputs and in a
summary that takes the focus.

The other buttons of the form (add or remove a solution or a team member, show the
reason of a chosen status) post the form too and answer it again with what was typed,
so the page works without script; with htmx, choosing a status re-renders the form in
place. When the deal changed since the page was loaded, the form comes back with both
values of every field that differs and the user chooses (`edit_form.conflicts`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from cosell.domain.actor import Actor
from cosell.domain.model import Referral
from cosell.domain.rows import RowError
from cosell.errors import RowErrors, StaleVersion
from cosell.i18n import gettext as _
from cosell.services import referrals
from cosell.services.referral_changes import update_referral
from cosell.web.context import AppContext
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.ui import edit_form, edit_view
from cosell.web.ui.edit_form import ITEMS, FormState, Problem
from cosell.web.ui.guard import FormActor
from cosell.web.ui.render import html

#: The routes of this page (`ui.pages` puts every page's together).
router = APIRouter(include_in_schema=False)


@router.get("/referrals/{referral_id}/edit")
def edit_page(request: Request, actor: CurrentActor, ctx: Ctx, referral_id: str) -> Response:
    referral = referrals.get_referral(ctx.db, actor, referral_id)
    return _page(request, actor, ctx, referral, edit_form.stored_state(referral))


@router.post("/referrals/{referral_id}/edit")
async def edit_submit(request: Request, actor: FormActor, ctx: Ctx, referral_id: str) -> Response:
    form = await request.form()
    referral = referrals.get_referral(ctx.db, actor, referral_id)
    state = edit_form.read_form(form, referral)
    action = str(form.get("action") or "save")
    fragment = request.headers.get("HX-Request") == "true" and action == "refresh"
    if action == "refresh":
        return _page(request, actor, ctx, referral, state, focus="f-status", fragment=fragment)
    for spec in ITEMS:
        rows = state.items[spec.key]
        if action == f"add-{spec.key}":
            if len(rows) >= ctx.settings.max_group_items:
                message = _(spec.limit_message, limit=ctx.settings.max_group_items)
                problems = [Problem(spec.key, None, message)]
                return _page(request, actor, ctx, referral, state, problems=problems, status=422)
            rows.append({part: "" for part, _label in spec.parts})
            focus = edit_view.anchor(spec.key, len(rows) - 1, spec)
            return _page(request, actor, ctx, referral, state, focus=focus)
        prefix = f"remove-{spec.key}-"
        if action.startswith(prefix) and action.removeprefix(prefix).isdigit():
            row = int(action.removeprefix(prefix))
            if row < len(rows):
                del rows[row]
            focus = edit_view.anchor(spec.key, None, spec)
            return _page(request, actor, ctx, referral, state, focus=focus)
    return _save(request, actor, ctx, referral, state)


def _save(
    request: Request, actor: Actor, ctx: AppContext, referral: Referral, state: FormState
) -> Response:
    state, missing = edit_form.resolve(state, referral)
    if missing:
        return _page(request, actor, ctx, referral, state, missing=missing, status=422)
    given, places = edit_form.changes(state, edit_form.editable_keys(referral))
    try:
        saved = update_referral(
            ctx.db,
            actor,
            referral.id,
            given,
            expected_version=state.version,
            source="page",
            settings=ctx.settings,
        )
    except RowErrors as exc:
        errors = [RowError(e.column, e.message) for e in exc.errors]
        problems = edit_form.place(errors, places)
        return _page(request, actor, ctx, referral, state, problems=problems, status=422)
    except StaleVersion:
        fresh = referrals.get_referral(ctx.db, actor, referral.id)
        state = edit_form.conflicts(state, fresh)
        return _page(request, actor, ctx, fresh, state, stale=True, status=409)
    return RedirectResponse(f"/referrals/{saved.id}#history", status_code=303)


def _page(
    request: Request,
    actor: Actor,
    ctx: AppContext,
    referral: Referral,
    state: FormState,
    *,
    problems: list[Problem] | None = None,
    missing: list[str] | None = None,
    stale: bool = False,
    focus: str = "",
    fragment: bool = False,
    status: int = 200,
) -> Response:
    problems = problems or []
    missing = missing or []
    lines = edit_view.summary(problems, state, missing)
    context: dict[str, Any] = {
        "r": referral,
        "state": state,
        "base_keys": edit_form.editable_keys(referral),
        "sections": edit_view.sections(referral, state, problems, missing),
        "groups": edit_view.groups(
            referral, state, problems, ctx.settings.max_group_items, missing
        ),
        "closed": edit_form.closed_reason(referral),
        "problems": lines,
        "stale": stale,
        "conflict_count": len(state.conflicts),
        "conflict_links": edit_view.conflict_links(state) if stale else [],
        # after a refused save or a conflict, the summary takes the focus
        "focus": "edit-summary" if (lines or stale) else focus,
    }
    template = "_edit_form.html" if fragment else "referral_edit.html"
    return html(request, template, actor=actor, status=status, **context)
