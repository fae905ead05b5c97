"""Referrals as table rows and back: the column list, money in cents, dates, history rows.

Kept apart from the repository so the conversions, which run for thousands of rows
per import or export, stay small, plain and easy to measure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from operator import itemgetter
from typing import Any

from sqlalchemy import String, type_coerce

from cosell.domain.cells import format_solution, format_team_member
from cosell.domain.enums import Direction
from cosell.domain.field_spec import Kind
from cosell.domain.fields import Field
from cosell.domain.history import HistoryEntry
from cosell.domain.model import RECORD, Referral, SolutionLine, TeamMember
from cosell.store.models import (
    referrals_t,
)

#: The stored column of each of the deal's own values, in `RECORD` order: (column,
#: `Referral` attribute, field; None for `direction`, which is no field of the table).
_RECORD_COLUMNS = [
    ("direction" if f is None else f.spec.column_name, attr, f) for attr, f in RECORD
]
#: Bookkeeping columns that `Referral` also holds, in its order (after its items).
_KEPT = ("version", "created_at", "updated_at")
SCALARS = [*(column for column, _, _ in _RECORD_COLUMNS), *_KEPT, "solution_cells", "team_cells"]
#: Dates are read as stored text and parsed with `fromisoformat`: several times faster
#: than the generic result processing, which dominates reading thousands of rows.
_DATES = frozenset(
    [
        *(c for c, _, f in _RECORD_COLUMNS if f and f.spec.kind is Kind.DATE),
        "created_at",
        "updated_at",
    ]
)
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


#: The columns of a snapshot's "row", in order: the stored columns when the format was
#: set (schema 0007). Never change it: history rows keep snapshots written in it. A
#: column added since is kept by name under "more".
_SNAPSHOT_ROW = (
    "referral_id", "engagement_id", "direction", "deal_name", "customer_name", "address_1",
    "address_2", "city", "state", "postal_code", "country", "duns", "contact_first_name",
    "contact_last_name", "contact_phone", "contact_email", "status", "substatus", "ms_status",
    "reason", "sales_stage", "value_cents", "currency", "close_date", "crm_id", "campaign_id",
    "notes", "notes_to_ms", "help_required", "help_code", "share_with_ms", "consent", "version",
    "created_at", "updated_at", "solution_cells", "team_cells",
)  # fmt: skip


def snapshot(ref: Referral) -> str:
    """The referral as JSON (every stored column and item), for `from_snapshot`."""
    params = row_params(ref)
    for key in _DATES:
        if params[key] is not None:
            params[key] = params[key].isoformat()
    data: dict[str, Any] = {"row": [params.pop(name) for name in _SNAPSHOT_ROW]}
    if params:
        data["more"] = params
    data["solutions"] = [
        [s.solution_id, s.currency, None if s.price is None else cents(s.price), s.quantity]
        for s in ref.solutions
    ]
    data["team"] = [[m.first_name, m.last_name, m.phone, m.email] for m in ref.team]
    return json.dumps(data, ensure_ascii=False)


def from_snapshot(text: str) -> Referral:
    """The referral a `snapshot` recorded (read as a table row is; a column the snapshot
    predates reads as empty)."""
    data = json.loads(text)
    solutions = tuple(
        SolutionLine(sid, cur, None if price is None else money(price), qty)
        for sid, cur, price, qty in data["solutions"]
    )
    team = tuple(TeamMember(*member) for member in data["team"])
    stored = dict(zip(_SNAPSHOT_ROW, data["row"], strict=True)) | data.get("more", {})
    return referral_from_row([None, *(stored.get(name) for name in SCALARS)], solutions, team)


# Rows ⇄ referrals, by column name, planned once from the field table: both run for
# every row of an import or an export. `referral_from_row` takes a row's values in one
# C-level call, in the order of `Referral`'s attributes (positions found by column name),
# and converts only those that change type; `row_params` is written out as one dict
# display, as a hand-written one would be.


def _choice(enum: type[Enum]) -> Callable[[Any], Any]:
    members = {member.value: member for member in enum}

    def load(value: Any) -> Any:
        try:
            return members[value]
        except KeyError:
            return enum(value)  # raises ValueError, as a stored value never does

    return load


def _or_none(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _loader(f: Field | None) -> Callable[[Any], Any] | None:
    """How a stored value becomes the attribute's (None: as it is)."""
    if f is None:
        return _choice(Direction)
    spec = f.spec
    load: Callable[[Any], Any] | None = {
        Kind.MONEY: money,
        Kind.DATE: to_date,
        Kind.YES_NO: bool,
    }.get(spec.kind)
    if spec.choices is not None:
        load = _choice(spec.choices)
    return _or_none(load) if load is not None and spec.optional else load


def _stored(f: Field | None, attr: str) -> str:
    """The expression of an attribute's stored value, in `row_params`'s source."""
    value = f"ref.{attr}"
    if f is None or f.spec.choices is not None:
        stored = f"{value}._value_"  # an enum member's value (`.value` is a slower property)
    elif f.spec.kind is Kind.MONEY:
        stored = f"_cents({value})"
    else:
        return value
    return f"(None if {value} is None else {stored})" if f and f.spec.optional else stored


def _compile_row_params() -> Callable[[Referral], dict[str, Any]]:
    """`row_params`, written out once from the field table as one dict display: as fast
    as a hand-written one, and it runs for every row an import or an undo writes."""
    items = [f"{column!r}: {_stored(f, attr)}" for column, attr, f in _RECORD_COLUMNS]
    items += [f"{name!r}: ref.{name}" for name in _KEPT]
    items += [
        "'solution_cells': _SEPARATOR.join(map(_solution, ref.solutions))",
        "'team_cells': _SEPARATOR.join(map(_member, ref.team))",
    ]
    body = ",\n        ".join(items)
    source = f"def row_params(ref):\n    return {{\n        {body},\n    }}\n"
    env: dict[str, Any] = {
        "_cents": cents,
        "_SEPARATOR": ITEM_SEPARATOR,
        "_solution": format_solution,
        "_member": format_team_member,
    }
    exec(compile(source, f"<row_params of {__name__}>", "exec"), env)
    function: Callable[[Referral], dict[str, Any]] = env["row_params"]
    function.__doc__ = "The stored columns of a referral (`SCALARS`), by name."
    return function


_ATTRS = [attr for _, attr, _ in _RECORD_COLUMNS]
assert [a.name for a in dataclasses.fields(Referral)][len(_ATTRS) : len(_ATTRS) + 5] == [
    "solutions",
    "team",
    *_KEPT,
], "Referral's attributes: its own values, then solutions, team, version, created_at, updated_at"
_AT = {name: i for i, name in enumerate(["pk", *SCALARS])}
#: the stored values in the order of `Referral`'s attributes (its items left out)
_TAKE_ROW = itemgetter(*(_AT[column] for column, _, _ in _RECORD_COLUMNS), *(_AT[n] for n in _KEPT))
_LOADS = [
    (i, load)
    for i, load in enumerate(
        [*map(_loader, (f for _, _, f in _RECORD_COLUMNS)), None, to_datetime, to_datetime]
    )
    if load is not None
]


def referral_from_row(
    r: Any, solutions: tuple[SolutionLine, ...], team: tuple[TeamMember, ...]
) -> Referral:
    """A referral from a row of `COLUMNS` (or any sequence in its order)."""
    values = list(_TAKE_ROW(r))
    for i, load in _LOADS:
        values[i] = load(values[i])
    values[len(_ATTRS) : len(_ATTRS)] = (solutions, team)
    return Referral(*values)


row_params = _compile_row_params()
