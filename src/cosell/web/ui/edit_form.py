"""The edit form of one referral: what it holds and what a save sends (rules §1.3–1.5);
`edit_view` says how it is shown.

The form is derived from the field table (`domain.fields`): every stored field of the
deal is an input chosen by its kind, or a read-only value with the reason the rules
give (its `Access`, the help lock, the share lock, a closed deal). Status and substatus
are one choice among the current pair and the moves `rules.allowed_moves` offers; the
reason appears only when the chosen substatus takes one (`rules.reason_codes`).

A form is stateless: besides what the user typed it carries the version it was loaded
with and, per field, the text the user started from (its *base*). Only fields whose
text differs from their base are sent to the service, so a save means "these changes",
as an API PATCH does, and a change someone else saved meanwhile can be told apart from
one of this user (`conflicts`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from cosell.domain import decide, rules
from cosell.domain.cells import format_decimal
from cosell.domain.decide import SOLUTIONS, TEAM, show, show_pair
from cosell.domain.enums import Status, Substatus
from cosell.domain.fields import Field, Group
from cosell.domain.header_names import headers_for
from cosell.domain.model import RECORD, Referral, SolutionLine, TeamMember
from cosell.domain.rows import RowError
from cosell.i18n import N_, current_locale, gettext, translate
from cosell.services.referral_input import FIELDS, MemberInput, ReferralInput, SolutionInput

_ = gettext

#: the form's key for status and substatus together ("Active/Accepted")
STATUS = "status"
REASON = Field.REASON.spec.attr or "reason"


@dataclass(frozen=True, slots=True)
class Items:
    """A numbered group as the form shows it: one row of inputs per item."""

    key: str
    group: Group
    #: the summary column of the service's messages about the group as a whole
    column: str
    #: each part of an item: (name, label)
    parts: tuple[tuple[str, str], ...]
    title: str
    add_label: str
    limit_message: str
    item_label: str


SOLUTION_ITEMS = Items(
    "solutions",
    Group.SOLUTION,
    SOLUTIONS,
    (
        ("solution_id", N_("Solution ID")),
        ("currency", N_("Currency")),
        ("price", N_("Price")),
        ("quantity", N_("Quantity")),
    ),
    N_("Solutions"),
    N_("Add a solution"),
    N_("At most %(limit)s solutions per deal."),
    N_("Solution %(number)s"),
)
TEAM_ITEMS = Items(
    "team",
    Group.TEAM_MEMBER,
    TEAM,
    (
        ("first_name", N_("First name")),
        ("last_name", N_("Last name")),
        ("phone", N_("Mobile")),
        ("email", N_("Email")),
    ),
    N_("Team"),
    N_("Add a team member"),
    N_("At most %(limit)s team members per deal."),
    N_("Team member %(number)s"),
)
ITEMS: tuple[Items, ...] = (SOLUTION_ITEMS, TEAM_ITEMS)

#: The fields the form holds (keys stay read-only and are shown apart), in the order of
#: `Referral`; substatus travels with status.
FORM_FIELDS: tuple[Field, ...] = tuple(
    f for _attr, f in RECORD if f is not None and f.spec.attr in FIELDS and f is not Field.SUBSTATUS
)
_BY_COLUMN: dict[str, Field] = {f.value: f for f in Field}

Rows = list[dict[str, str]]


def key_of(f: Field) -> str:
    return STATUS if f in (Field.STATUS, Field.SUBSTATUS) else (f.spec.attr or f.value)


def label_of(f: Field) -> str:
    """The field's name on the page: its label, or where the table gives none, the
    file's header as Partner Center writes it in the reader's language."""
    if f.spec.label:
        return _(f.spec.label)
    return headers_for(current_locale()).field(f)


def text_of(value: object) -> str:
    """A stored value as the form's text: dates as ISO (what a date input holds), the
    rest as a file writes it."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return show(value) or ""


def _solution_row(line: SolutionLine) -> dict[str, str]:
    return {
        "solution_id": line.solution_id,
        "currency": line.currency or "",
        "price": format_decimal(line.price) if line.price is not None else "",
        "quantity": "" if line.quantity is None else str(line.quantity),
    }


def _member_row(member: TeamMember) -> dict[str, str]:
    return {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "phone": member.phone or "",
        "email": member.email,
    }


def filled(rows: Rows) -> list[tuple[int, dict[str, str]]]:
    """The rows that hold anything, with their place on the form (an empty row is no
    item, as an empty cell of a file removes one)."""
    return [(n, r) for n, r in enumerate(rows) if any(v.strip() for v in r.values())]


def rows_text(rows: Rows) -> str:
    """The rows as one comparable text: what a group holds, not how it was typed."""
    return " | ".join(", ".join(v.strip() for v in r.values()) for _n, r in filled(rows))


@dataclass(slots=True)
class FormState:
    """What one edit form holds (see the module)."""

    values: dict[str, str]
    items: dict[str, Rows]
    base: dict[str, str]
    version: int
    #: keys whose stored value changed since `base` was read, still to be chosen
    conflicts: list[str] = field(default_factory=list)
    #: key → "mine" or "theirs"
    choices: dict[str, str] = field(default_factory=dict)

    def text(self, key: str) -> str:
        if key in self.items:
            return rows_text(self.items[key])
        return self.values.get(key, "")

    def pair(self) -> rules.Pair | None:
        """The chosen status pair, when it names one."""
        status, _sep, substatus = self.values.get(STATUS, "").partition("/")
        try:
            return rules.normalize_pair(Status(status.strip()), Substatus(substatus.strip()))
        except ValueError:
            return None


def stored_state(referral: Referral) -> FormState:
    """The form as it opens: the stored values, which are also its base."""
    values = {
        attr: text_of(getattr(referral, attr))
        for attr in FIELDS
        if attr not in (Field.STATUS.spec.attr, Field.SUBSTATUS.spec.attr)
    }
    values[STATUS] = show_pair((referral.status, referral.substatus))
    items = {
        SOLUTION_ITEMS.key: [_solution_row(s) for s in referral.solutions],
        TEAM_ITEMS.key: [_member_row(m) for m in referral.team],
    }
    state = FormState(values, items, {}, referral.version)
    state.base = {key: state.text(key) for key in (*values, *items)}
    return state


def read_form(form: FormData, referral: Referral) -> FormState:
    """The state a posted form holds; what it lacks is taken from the stored referral
    (read-only fields have no input)."""
    stored = stored_state(referral)
    values = {
        key: str(form[key]) if isinstance(form.get(key), str) else text
        for key, text in stored.values.items()
    }
    items: dict[str, Rows] = {}
    for spec in ITEMS:
        count = _number(form.get(f"{spec.key}-count"))
        if count is None:
            items[spec.key] = stored.items[spec.key]
            continue
        items[spec.key] = [
            {part: str(form.get(f"{spec.key}-{n}-{part}") or "") for part, _label in spec.parts}
            for n in range(min(count, 1000))
        ]
    base = {
        key: str(form[f"base-{key}"]) if isinstance(form.get(f"base-{key}"), str) else text
        for key, text in stored.base.items()
    }
    version = _number(form.get("version"))
    conflicts = [str(k) for k in form.getlist("conflict") if str(k) in stored.base]
    choices = {k: str(form.get(f"choose-{k}") or "") for k in conflicts}
    return FormState(values, items, base, -1 if version is None else version, conflicts, choices)


def _number(value: object) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# ------------------------------------------------------------------ editability
def closed_reason(referral: Referral) -> str | None:
    """Why nothing of the deal can change (`decide.closed_reason`), in the reader's language."""
    reason = decide.closed_reason(referral)
    return None if reason is None else translate(reason)


def read_only_reason(f: Field, referral: Referral) -> str | None:
    """Why the page does not offer the field for change (`decide.read_only_reason`, the
    domain's own checks), or None when it does."""
    reason = decide.read_only_reason(f, referral)
    return None if reason is None else translate(reason)


def editable_keys(referral: Referral) -> list[str]:
    """The keys the page lets the user change (the groups included)."""
    if closed_reason(referral):
        return []
    keys = [key_of(f) for f in FORM_FIELDS if read_only_reason(f, referral) is None]
    return [*keys, *(spec.key for spec in ITEMS)]


# ------------------------------------------------------------------ saving
def changes(state: FormState, keys: Sequence[str]) -> tuple[ReferralInput, dict[str, list[int]]]:
    """What to send to the service: each field whose text differs from its base (`keys`
    are those the form offers; a posted field it does not offer is sent too, and the
    service judges it). Also, per group, the form row of each item sent."""
    values: dict[str, str | None] = {}
    for key, text in state.values.items():
        if key == REASON or text == state.base.get(key, ""):
            continue
        if key == STATUS:
            status, _sep, substatus = text.partition("/")
            values["status"], values["substatus"] = status.strip(), substatus.strip()
        else:
            values[key] = text
    pair = state.pair()
    if (
        pair is not None
        and rules.reason_codes(pair[1]) is not None
        and (REASON in keys or state.values.get(REASON))
    ):
        values[REASON] = state.values.get(REASON, "")
    places: dict[str, list[int]] = {}
    sent: dict[str, list[dict[str, str]]] = {}
    for spec in ITEMS:
        if state.text(spec.key) == state.base.get(spec.key, ""):
            continue
        rows = filled(state.items[spec.key])
        places[spec.key] = [n for n, _r in rows]
        sent[spec.key] = [r for _n, r in rows]
    solutions = None
    if SOLUTION_ITEMS.key in sent:
        solutions = [
            SolutionInput(
                r["solution_id"].strip(),
                r["currency"].strip() or None,
                r["price"].strip() or None,
                r["quantity"].strip() or None,
            )
            for r in sent[SOLUTION_ITEMS.key]
        ]
    team = None
    if TEAM_ITEMS.key in sent:
        team = [
            MemberInput(
                r["first_name"].strip(),
                r["last_name"].strip(),
                r["email"].strip(),
                r["phone"].strip() or None,
            )
            for r in sent[TEAM_ITEMS.key]
        ]
    given = ReferralInput(values=values, solutions=solutions, team=team)
    return given, places


def conflicts(state: FormState, fresh: Referral) -> FormState:
    """The form after a save found the deal changed since `state.base`: based on the
    stored deal now, with each offered field whose stored value differs from its base
    (and from the user's) to be chosen; one the user did not touch defaults to theirs."""
    now = stored_state(fresh)
    pending: list[str] = []
    choices: dict[str, str] = {}
    for key in editable_keys(fresh):
        theirs, mine = now.base[key], state.text(key)
        if theirs == state.base.get(key, "") or mine == theirs:
            continue
        pending.append(key)
        if mine == state.base.get(key, ""):
            choices[key] = "theirs"
    return dataclasses.replace(
        state, base=now.base, version=fresh.version, conflicts=pending, choices=choices
    )


def resolve(state: FormState, referral: Referral) -> tuple[FormState, list[str]]:
    """Apply the choices of the conflicts (theirs: the stored value); the keys still
    without a choice are returned."""
    stored = stored_state(referral)
    missing = [k for k in state.conflicts if state.choices.get(k) not in ("mine", "theirs")]
    if missing:
        return state, missing
    values, items = dict(state.values), dict(state.items)
    for key in state.conflicts:
        if state.choices[key] == "theirs":
            if key in items:
                items[key] = stored.items[key]
            else:
                values[key] = stored.values[key]
    return dataclasses.replace(state, values=values, items=items, conflicts=[], choices={}), []


# ------------------------------------------------------------------ errors
@dataclass(frozen=True, slots=True)
class Problem:
    """A message of the service placed on the form: `key` is a field's key or a group's,
    `row` an item's form row; an empty key is about the deal as a whole."""

    key: str
    row: int | None
    message: str


def place(errors: Sequence[RowError], places: Mapping[str, list[int]]) -> list[Problem]:
    """Each service message beside the input it is about."""
    placed: list[Problem] = []
    for error in errors:
        column = error.column
        f = _BY_COLUMN.get(column)
        if f is not None:
            placed.append(Problem(key_of(f), None, error.message))
            continue
        for spec in ITEMS:
            if column == spec.column:
                placed.append(Problem(spec.key, None, error.message))
                break
            number = column.removeprefix(spec.group.value).strip()
            if column.startswith(spec.group.value) and number.isdigit():
                rows = places.get(spec.key, [])
                index = int(number) - 1
                row = rows[index] if 0 <= index < len(rows) else None
                placed.append(Problem(spec.key, row, error.message))
                break
        else:
            placed.append(Problem("", None, error.message))
    return placed
