"""The edit form of one referral: what it holds, and how it is shown (rules §1.3–1.5).

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
from typing import Any

from cosell.domain import rules
from cosell.domain.cells import format_decimal
from cosell.domain.decide import SOLUTIONS, TEAM, show, show_pair
from cosell.domain.enums import HELP_CODES, SALES_STAGES, Status, Substatus
from cosell.domain.field_spec import Access, Kind, Need, Section
from cosell.domain.fields import Field, Group
from cosell.domain.header_names import headers_for
from cosell.domain.model import RECORD, Referral, SolutionLine, TeamMember
from cosell.domain.rows import RowError
from cosell.i18n import N_, current_locale, gettext
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
_SECTION_TITLES = {
    Section.DEAL: N_("Deal"),
    Section.CUSTOMER: N_("Customer"),
    Section.CONTACT: N_("Customer contact"),
    Section.MICROSOFT: N_("Microsoft"),
}

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


def read_form(form: Mapping[str, Any], referral: Referral) -> FormState:
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
    conflicts = [str(k) for k in _all(form, "conflict") if str(k) in stored.base]
    choices = {k: str(form.get(f"choose-{k}") or "") for k in conflicts}
    return FormState(values, items, base, -1 if version is None else version, conflicts, choices)


def _all(form: Mapping[str, Any], name: str) -> Sequence[Any]:
    getlist = getattr(form, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    value = form.get(name)
    return [] if value is None else [value]


def _number(value: object) -> int | None:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# ------------------------------------------------------------------ editability
def closed_reason(referral: Referral) -> str | None:
    if not rules.is_terminal(referral.status):
        return None
    return _(
        "This deal is closed (%(substatus)s): no field can change any more.",
        substatus=_(referral.substatus.value),
    )


def read_only_reason(f: Field, referral: Referral) -> str | None:
    """Why the page does not offer the field for change, or None when it does."""
    access = f.spec.access
    if access is Access.KEY:
        return _("identifies the deal, never changes")
    if access is Access.IGNORED:
        return _("set by Microsoft only")
    if access is Access.FIXED_AFTER_CREATE:
        return _("cannot change after the deal is created")
    if access is Access.LOCKED_AFTER_HELP and referral.help_required:
        return _("locked since the deal was shared with Microsoft for help")
    if f is Field.SHARE_WITH_MS and rules.share_lock_problem(referral.share_with_ms, False):
        return _("stays Yes once the deal was shared with the Microsoft sales team")
    return closed_reason(referral)


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


# ------------------------------------------------------------------ what the page shows
@dataclass(frozen=True, slots=True)
class Choice:
    """A field to choose for after a conflict: the user's text and the stored one."""

    mine: str
    theirs: str
    chosen: str
    missing: bool


@dataclass(frozen=True, slots=True)
class FieldView:
    key: str
    label: str
    #: text, textarea, date, select, status
    widget: str
    value: str
    options: list[tuple[str, str]]
    read_only: str | None
    shown: str
    hints: list[str]
    required: bool
    errors: list[str]
    choice: Choice | None
    mono: bool = False


@dataclass(frozen=True, slots=True)
class SectionView:
    title: str
    fields: list[FieldView]


@dataclass(frozen=True, slots=True)
class ItemsView:
    spec: Items
    title: str
    parts: list[tuple[str, str]]
    rows: Rows
    read_only: str | None
    #: form row → messages; None: the group's own
    errors: dict[int | None, list[str]]
    limit: int
    can_add: bool
    choice: Choice | None
    add_label: str
    item_labels: list[str]
    shown: list[str]


@dataclass(frozen=True, slots=True)
class SummaryLine:
    target: str
    label: str
    message: str


def anchor(key: str, row: int | None = None, spec: Items | None = None) -> str:
    if spec is not None:
        return f"f-{key}-{row}-{spec.parts[0][0]}" if row is not None else f"f-{key}-add"
    return f"f-{key}"


def _options(f: Field, referral: Referral, state: FormState) -> list[tuple[str, str]]:
    spec = f.spec
    if f is Field.STATUS:
        current = rules.normalize_pair(referral.status, referral.substatus)
        pairs = (current, *rules.allowed_moves(current))
        return [(show_pair(p), f"{_(p[0].value)} / {_(p[1].value)}") for p in pairs]
    if f is Field.REASON:
        pair = state.pair()
        codes = rules.reason_codes(pair[1]) if pair else None
        return [("", _("Choose a reason"))] + [
            (str(n), f"{n} – {_(text)}") for n, text in (codes or {}).items()
        ]
    if spec.kind is Kind.YES_NO:
        return [("Yes", _("Yes")), ("No", _("No"))]
    if spec.kind is Kind.SALES_STAGE:
        pair = state.pair() or (referral.status, referral.substatus)
        return [
            (str(n), f"{n}% – {_(name)}")
            for n, name in SALES_STAGES.items()
            if rules.stage_problem(pair, n) is None or str(n) == state.values.get(f.spec.attr or "")
        ]
    if spec.kind is Kind.CODE:
        codes = HELP_CODES if f is Field.HELP_CODE else (spec.codes or {})
        return [("", "—")] + [(str(n), f"{n} – {_(text)}") for n, text in codes.items()]
    return []


def _widget(f: Field) -> str:
    kind = f.spec.kind
    if f is Field.STATUS:
        return "status"
    if kind in (Kind.YES_NO, Kind.SALES_STAGE, Kind.CODE):
        return "select"
    if kind is Kind.MULTILINE:
        return "textarea"
    if kind is Kind.DATE:
        return "date"
    return "text"


def _hints(f: Field) -> list[str]:
    spec = f.spec
    hints: list[str] = []
    if spec.with_help:
        hints.append(_("required when Microsoft help is requested"))
    if spec.limit:
        hints.append(_("at most %(limit)s characters", limit=spec.limit))
    if spec.kind is Kind.MONEY:
        hints.append(_("at least 0, at most 2 decimals, e.g. 12563.50"))
    if spec.kind is Kind.CURRENCY:
        hints.append(_("ISO 4217 code, e.g. USD or EUR"))
    if f is Field.STATUS:
        hints.append(
            _(
                "Only the moves the rules allow are offered. Declined, Lost and Error need "
                'a reason: with "Show the reason" (or when you save) the page asks for it.'
            )
        )
    return hints


def _shown(f: Field, referral: Referral) -> str:
    value = getattr(referral, f.spec.attr or "", None)
    if f is Field.STATUS:
        return f"{_(referral.status.value)} / {_(referral.substatus.value)}"
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if f.spec.kind is Kind.YES_NO:
        return _("Yes") if value else _("No")
    if f.spec.kind is Kind.CODE and f.spec.codes is not None:
        codes = rules.reason_codes(referral.substatus) if f is Field.REASON else f.spec.codes
        return f"{value} – {_((codes or {}).get(value, ''))}"
    return show(value) or ""


def _choice(state: FormState, key: str, stored: FormState, missing: Sequence[str]) -> Choice | None:
    if key not in state.conflicts:
        return None
    return Choice(
        mine=state.text(key) or "—",
        theirs=stored.text(key) or "—",
        chosen=state.choices.get(key, ""),
        missing=key in missing,
    )


def sections(
    referral: Referral,
    state: FormState,
    problems: Sequence[Problem],
    missing: Sequence[str] = (),
) -> list[SectionView]:
    """The cards of the form, each field with its widget or its read-only reason."""
    stored = stored_state(referral)
    errors: dict[str, list[str]] = {}
    for p in problems:
        if p.key and p.row is None:
            errors.setdefault(p.key, []).append(p.message)
    pair = state.pair()
    wants_reason = pair is not None and rules.reason_codes(pair[1]) is not None
    by_section: dict[Section, list[FieldView]] = {s: [] for s in Section}
    keys = [f for _a, f in RECORD if f is not None and f.spec.access is Access.KEY]
    for f in (*keys, *FORM_FIELDS):
        key = key_of(f)
        reason = read_only_reason(f, referral)
        if f is Field.REASON and reason is None and not wants_reason:
            if referral.reason is None and key not in errors:
                continue
            reason = _("only for the substatuses Declined, Lost and Error")
        view = FieldView(
            key=key,
            label=label_of(f),
            widget=_widget(f),
            value=state.values.get(key, ""),
            options=_options(f, referral, state) if reason is None else [],
            read_only=reason,
            shown=_shown(f, referral),
            hints=_hints(f) if reason is None else [],
            required=f.spec.need is Need.REQUIRED or f is Field.REASON,
            errors=errors.get(key, []),
            choice=_choice(state, key, stored, missing),
            mono=f.spec.access is Access.KEY or f.spec.kind is Kind.DUNS,
        )
        by_section[f.spec.section or Section.DEAL].append(view)
    return [SectionView(_(_SECTION_TITLES[s]), views) for s, views in by_section.items() if views]


def groups(
    referral: Referral,
    state: FormState,
    problems: Sequence[Problem],
    limit: int,
    missing: Sequence[str] = (),
) -> list[ItemsView]:
    stored = stored_state(referral)
    reason = closed_reason(referral)
    views: list[ItemsView] = []
    for spec in ITEMS:
        errors: dict[int | None, list[str]] = {}
        for p in problems:
            if p.key == spec.key:
                errors.setdefault(p.row, []).append(p.message)
        rows = state.items[spec.key]
        views.append(
            ItemsView(
                spec=spec,
                title=_(spec.title),
                parts=[(name, _(label)) for name, label in spec.parts],
                rows=rows,
                read_only=reason,
                errors=errors,
                limit=limit,
                can_add=len(rows) < limit,
                choice=_choice(state, spec.key, stored, missing),
                add_label=_(spec.add_label),
                item_labels=[_(spec.item_label, number=n + 1) for n in range(len(rows))],
                shown=[", ".join(v for v in r.values() if v) for r in stored.items[spec.key]],
            )
        )
    return views


def _label_of_key(key: str) -> str:
    for spec in ITEMS:
        if spec.key == key:
            return _(spec.title)
    labels: dict[str, str] = {key_of(f): label_of(f) for f in Field if f.spec.attr}
    return labels.get(key, key)


def conflict_links(state: FormState) -> list[SummaryLine]:
    """The fields to choose for after a conflict, each with a link to its choice."""
    return [SummaryLine(f"f-{key}-choice", _label_of_key(key), "") for key in state.conflicts]


def summary(
    problems: Sequence[Problem], state: FormState, missing: Sequence[str]
) -> list[SummaryLine]:
    """The error summary: each problem with a link to its input."""
    labels: dict[str, str] = {key_of(f): label_of(f) for f in Field if f.spec.attr}
    specs = {spec.key: spec for spec in ITEMS}
    lines: list[SummaryLine] = []
    for p in problems:
        spec = specs.get(p.key)
        if spec is not None:
            label = _(spec.item_label, number=p.row + 1) if p.row is not None else _(spec.title)
            lines.append(SummaryLine(anchor(p.key, p.row, spec), label, p.message))
        elif p.key:
            lines.append(SummaryLine(anchor(p.key), labels.get(p.key, p.key), p.message))
        else:
            lines.append(SummaryLine("", "", p.message))
    for key in missing:
        spec = specs.get(key)
        label = _(spec.title) if spec else labels.get(key, key)
        lines.append(SummaryLine(f"choose-{key}-mine", label, _("Choose which value to keep.")))
    return lines
