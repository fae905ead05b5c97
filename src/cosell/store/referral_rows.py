"""Referrals as table rows and back: the column list, money in cents, dates, history rows.

Kept apart from the repository so the conversions, which run for thousands of rows
per import or export, stay small, plain and easy to measure.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import String, Table, type_coerce

from cosell.domain.cells import format_solution, format_team_member
from cosell.domain.enums import Direction, MicrosoftStatus, Status, Substatus
from cosell.domain.history import HistoryEntry
from cosell.domain.model import Referral, SolutionLine, TeamMember
from cosell.store.models import Favorite, HistoryRow, ReferralRow, ReferralSolutionRow
from cosell.store.models import ReferralTeamMemberRow as TeamRow

referrals_t = cast(Table, ReferralRow.__table__)
solutions_t = cast(Table, ReferralSolutionRow.__table__)
team_t = cast(Table, TeamRow.__table__)
favorites_t = cast(Table, Favorite.__table__)
history_t = cast(Table, HistoryRow.__table__)

SCALARS = [
    "referral_id",
    "engagement_id",
    "direction",
    "deal_name",
    "customer_name",
    "address_1",
    "address_2",
    "city",
    "state",
    "postal_code",
    "country",
    "duns",
    "contact_first_name",
    "contact_last_name",
    "contact_phone",
    "contact_email",
    "status",
    "substatus",
    "ms_status",
    "reason",
    "sales_stage",
    "value_cents",
    "currency",
    "close_date",
    "crm_id",
    "campaign_id",
    "notes",
    "notes_to_ms",
    "help_required",
    "help_code",
    "share_with_ms",
    "consent",
    "version",
    "created_at",
    "updated_at",
    "solution_cells",
    "team_cells",
]
#: Dates are read as stored text and parsed with `fromisoformat`: several times faster
#: than the generic result processing, which dominates reading thousands of rows.
_DATES = frozenset({"close_date", "created_at", "updated_at"})
COLUMNS = [
    referrals_t.c.pk,
    *(
        type_coerce(referrals_t.c[n], String).label(n) if n in _DATES else referrals_t.c[n]
        for n in SCALARS
    ),
]


#: Joins the cells in `solution_cells` / `team_cells` (a control character never in a cell).
ITEM_SEPARATOR = "\x1f"


def cents(value: Decimal) -> int:
    """Money as stored: exact integer cents (values have at most two decimals)."""
    return int((value * 100).to_integral_exact())


def to_date(value: Any) -> dt.date:
    """A date column's value: text on SQLite (read raw for speed), a date elsewhere."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def money(amount_in_cents: int) -> Decimal:
    return Decimal(amount_in_cents).scaleb(-2)


def to_datetime(value: Any) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def history_row(pk: int, org_id: int, entry: HistoryEntry) -> dict[str, Any]:
    """The history table's row of `entry`, for the referral with primary key `pk`."""
    return {
        "org_id": org_id,
        "referral_pk": pk,
        "at": entry.at,
        "user_id": entry.user_id,
        "source": entry.source,
        "job_id": entry.job_id,
        "action": entry.action,
        "changes": json.dumps(entry.changes, ensure_ascii=False),
        "version": entry.version,
        "before": None if entry.before is None else snapshot(entry.before),
    }


def snapshot(ref: Referral) -> str:
    """The referral as JSON (every stored column and item), for `from_snapshot`."""
    params = row_params(ref)
    for key in _DATES:
        if params[key] is not None:
            params[key] = params[key].isoformat()
    return json.dumps(
        {
            "row": [params[name] for name in SCALARS],
            "solutions": [
                [s.solution_id, s.currency, None if s.price is None else cents(s.price), s.quantity]
                for s in ref.solutions
            ],
            "team": [[m.first_name, m.last_name, m.phone, m.email] for m in ref.team],
        },
        ensure_ascii=False,
    )


def from_snapshot(text: str) -> Referral:
    """The referral a `snapshot` recorded (read as a table row is)."""
    data = json.loads(text)
    solutions = tuple(
        SolutionLine(sid, cur, None if price is None else money(price), qty)
        for sid, cur, price, qty in data["solutions"]
    )
    team = tuple(TeamMember(*member) for member in data["team"])
    return referral_from_row([None, *data["row"]], solutions, team)


def referral_from_row(
    r: Any, solutions: tuple[SolutionLine, ...], team: tuple[TeamMember, ...]
) -> Referral:
    (
        _pk,
        rid,
        eid,
        direction,
        deal,
        cust,
        a1,
        a2,
        city,
        state,
        postal,
        country,
        duns,
        cf,
        cl,
        cp,
        ce,
        status,
        substatus,
        ms,
        reason,
        stage,
        cents,
        currency,
        close,
        crm,
        campaign,
        notes,
        notes_ms,
        help_req,
        help_code,
        share,
        consent,
        version,
        created,
        updated,
        _solution_cells,
        _team_cells,
    ) = r
    return Referral(
        id=rid,
        engagement_id=eid,
        direction=Direction(direction),
        deal_name=deal,
        customer_name=cust,
        address_1=a1,
        address_2=a2,
        city=city,
        state=state,
        postal_code=postal,
        country=country,
        duns=duns,
        contact_first_name=cf,
        contact_last_name=cl,
        contact_phone=cp,
        contact_email=ce,
        status=Status(status),
        substatus=Substatus(substatus),
        ms_status=MicrosoftStatus(ms) if ms else None,
        reason=reason,
        sales_stage=stage,
        deal_value=money(cents),
        currency=currency,
        close_date=to_date(close),
        crm_id=crm,
        campaign_id=campaign,
        notes=notes,
        notes_to_ms=notes_ms,
        help_required=bool(help_req),
        help_code=help_code,
        share_with_ms=bool(share),
        consent=bool(consent),
        solutions=solutions,
        team=team,
        version=version,
        created_at=to_datetime(created),
        updated_at=to_datetime(updated),
    )


def row_params(ref: Referral) -> dict[str, Any]:
    return {
        "referral_id": ref.id,
        "engagement_id": ref.engagement_id,
        "direction": ref.direction.value,
        "deal_name": ref.deal_name,
        "customer_name": ref.customer_name,
        "address_1": ref.address_1,
        "address_2": ref.address_2,
        "city": ref.city,
        "state": ref.state,
        "postal_code": ref.postal_code,
        "country": ref.country,
        "duns": ref.duns,
        "contact_first_name": ref.contact_first_name,
        "contact_last_name": ref.contact_last_name,
        "contact_phone": ref.contact_phone,
        "contact_email": ref.contact_email,
        "status": ref.status.value,
        "substatus": ref.substatus.value,
        "ms_status": ref.ms_status.value if ref.ms_status else None,
        "reason": ref.reason,
        "sales_stage": ref.sales_stage,
        "value_cents": cents(ref.deal_value),
        "currency": ref.currency,
        "close_date": ref.close_date,
        "crm_id": ref.crm_id,
        "campaign_id": ref.campaign_id,
        "notes": ref.notes,
        "notes_to_ms": ref.notes_to_ms,
        "help_required": ref.help_required,
        "help_code": ref.help_code,
        "share_with_ms": ref.share_with_ms,
        "consent": ref.consent,
        "version": ref.version,
        "created_at": ref.created_at,
        "updated_at": ref.updated_at,
        "solution_cells": ITEM_SEPARATOR.join(map(format_solution, ref.solutions)),
        "team_cells": ITEM_SEPARATOR.join(map(format_team_member, ref.team)),
    }
