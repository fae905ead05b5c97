"""What the edit page shows of a `edit_form.FormState`: each field with its widget (by
its kind) or its read-only reason, the solutions and team rows, the choices after a
conflict, and the summary of the service's messages with links to their inputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cosell.domain import rules
from cosell.domain.decide import show, show_pair
from cosell.domain.enums import HELP_CODES, SALES_STAGES
from cosell.domain.field_spec import Access, Kind, Need, Section
from cosell.domain.fields import Field
from cosell.domain.model import RECORD, Referral
from cosell.i18n import N_, gettext
from cosell.web.ui.edit_form import (
    FORM_FIELDS,
    ITEMS,
    FormState,
    Items,
    Problem,
    Rows,
    closed_reason,
    key_of,
    label_of,
    read_only_reason,
    stored_state,
)

_ = gettext

_SECTION_TITLES = {
    Section.DEAL: N_("Deal"),
    Section.CUSTOMER: N_("Customer"),
    Section.CONTACT: N_("Customer contact"),
    Section.MICROSOFT: N_("Microsoft"),
}


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
