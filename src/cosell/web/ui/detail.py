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
from cosell.domain.history import HistoryEntry
from cosell.domain.model import PAGE_SECTIONS, Referral
from cosell.services import referrals
from cosell.web.deps import Ctx, CurrentActor
from cosell.web.ui.guard import came_from
from cosell.web.ui.render import html

#: The routes of this page (`ui.pages` puts every page's together).
router = APIRouter(include_in_schema=False)

SOURCES = {
    "import": "File import",
    "api": "API",
    "page": "Web page",
    "system": "System",
    "demo": "Demo data",
}


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
        who=entry.who or "system",
        source=SOURCES.get(entry.source, entry.source.capitalize()),
        action=entry.action.capitalize(),
        changes=[
            Change(name, before or "", after or "")
            for name, (before, after) in entry.changes.items()
        ],
    )


def reason_text(referral: Referral) -> str:
    if referral.reason is None:
        return ""
    codes = ERROR_REASONS if referral.substatus is Substatus.ERROR else DECLINED_LOST_REASONS
    return f"{referral.reason} – {codes.get(referral.reason, 'unknown code')}"


@router.get("/referrals/{referral_id}")
def referral_page(request: Request, actor: CurrentActor, ctx: Ctx, referral_id: str) -> Response:
    referral = referrals.get_referral(ctx.db, actor, referral_id)
    entries = [_entry(e) for e in referrals.history(ctx.db, actor, referral_id)]
    help_text = ""
    if referral.help_code is not None:
        help_text = f"{referral.help_code} – {HELP_CODES.get(referral.help_code, '')}"
    return html(
        request,
        "referral.html",
        actor=actor,
        r=referral,
        sections=PAGE_SECTIONS,
        history=entries,
        reason=reason_text(referral),
        stage_name=SALES_STAGES.get(referral.sales_stage, ""),
        help_text=help_text,
        back=_back_to_list(request),
    )


def _back_to_list(request: Request) -> str:
    """The list the user came from, with its tab and filters, else the plain list."""
    back = came_from(request)
    return back if back == "/" or back.startswith("/?") else "/"
