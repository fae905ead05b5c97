"""One referral: every field, its solutions and team, and its change history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cosell.domain.enums import (
    DECLINED_LOST_REASONS,
    ERROR_REASONS,
    HELP_CODES,
    SALES_STAGES,
    Substatus,
)
from cosell.domain.fields import Field
from cosell.domain.history import HistoryEntry
from cosell.domain.model import PAGE_SECTIONS, Referral
from cosell.i18n import _, term
from cosell.services import referrals
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.ui import terms
from cosell.web.ui.guard import came_from
from cosell.web.ui.render import html

#: The routes of this page (`ui.pages` puts every page's together).
router = APIRouter(include_in_schema=False)

#: how the page names a change's source (English; shown translated)
SOURCES = terms.SOURCES


ACTIONS = terms.ACTIONS


@dataclass(frozen=True, slots=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Entry:
    at: dt.datetime | None
    who: str
    source: str
    action: str
    changes: list[Change]


def _entry(entry: HistoryEntry) -> Entry:
    return Entry(
        at=entry.at,
        who=_("system") if entry.who in ("", "system") else entry.who,
        source=term(SOURCES[entry.source])
        if entry.source in SOURCES
        else entry.source.capitalize(),
        action=term(ACTIONS[entry.action])
        if entry.action in ACTIONS
        else entry.action.capitalize(),
        changes=[
            Change(_column_label(name), before or "", after or "")
            for name, (before, after) in entry.changes.items()
        ],
    )


def _column_label(header: str) -> str:
    """A changed column as the page names it: a field's label in the reader's language,
    else its header (Solution 1 …)."""
    field = Field._value2member_map_.get(header)
    if isinstance(field, Field) and field.spec.label:
        return term(field.spec.label)
    return header


def reason_text(referral: Referral) -> str:
    if referral.reason is None:
        return ""
    codes = ERROR_REASONS if referral.substatus is Substatus.ERROR else DECLINED_LOST_REASONS
    name = codes.get(referral.reason)
    shown = term(name) if name else _("unknown code")
    return f"{referral.reason} – {shown}"


@router.get("/referrals/{referral_id}")
def referral_page(request: Request, actor: CurrentActor, ctx: Ctx, referral_id: str) -> Response:
    referral = referrals.get_referral(ctx.db, actor, referral_id)
    entries = [_entry(e) for e in referrals.history(ctx.db, actor, referral_id)]
    help_text = ""
    if referral.help_code is not None:
        name = HELP_CODES.get(referral.help_code)
        help_text = f"{referral.help_code} – {term(name) if name else ''}"
    return html(
        request,
        "referral.html",
        actor=actor,
        r=referral,
        sections=PAGE_SECTIONS,
        history=entries,
        reason=reason_text(referral),
        stage_name=term(SALES_STAGES[referral.sales_stage])
        if referral.sales_stage in SALES_STAGES
        else "",
        help_text=help_text,
        back=_back_to_list(request),
    )


def _back_to_list(request: Request) -> str:
    """The list the user came from, with its tab and filters, else the plain list."""
    back = came_from(request)
    return back if back == "/" or back.startswith("/?") else "/"
