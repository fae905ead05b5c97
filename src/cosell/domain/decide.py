"""Decide what a parsed row does to the stored referrals: create, update, nothing, or fail.

Pure functions over plain data. The import pipeline loads what they need in bulk
(stored referrals, the solution catalog), calls them once per row, and writes
the outcome; the API uses the same functions for single changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any, TypeVar

from cosell import i18n
from cosell.domain import cells, rules
from cosell.domain._groups import (
    canonical_solutions,
    changed_items,
    check_items,
    group_error,
    merged_items,
)
from cosell.domain.cells import DateOrder
from cosell.domain.column_names import column_name, group_column
from cosell.domain.enums import Direction, MicrosoftStatus, Role, Status, Substatus
from cosell.domain.field_spec import Access
from cosell.domain.fields import (
    LOCKED_AFTER_HELP_SHARED,
    READ_ONLY_AFTER_CREATE,
    REQUIRED_ON_CREATE,
    REQUIRED_WITH_HELP,
    Field,
    Group,
)
from cosell.domain.model import Referral, SolutionLine, TeamMember
from cosell.domain.rows import RowError, RowRecord, Values
from cosell.i18n import N_, Msg

T = TypeVar("T")


class Outcome(StrEnum):
    CREATED = "Created"
    UPDATED = "Updated"
    UNCHANGED = "Unchanged"
    FAILED = "Failed"


#: Field → attribute of `Referral` for the fields import may write.
ATTR: dict[Field, str] = {
    f: f.spec.attr
    for f in Field
    if f.spec.attr is not None and f.spec.access not in (Access.KEY, Access.IGNORED)
}

#: Text fields where a spreadsheet may have dropped leading zeros (rules §2.1).
_ZERO_TOLERANT = frozenset(f for f in ATTR if f.spec.kind.numeric_looking)

#: What an incoming referral (Microsoft's) may be created as; the first is the default.
INCOMING_PAIRS: tuple[rules.Pair, ...] = (
    (Status.NEW, Substatus.PENDING),
    (Status.NEW, Substatus.RECEIVED),
)
#: An incoming referral gets its status from Microsoft, not from the required columns.
_REQUIRED_INCOMING = tuple(
    f for f in REQUIRED_ON_CREATE if f not in (Field.STATUS, Field.SUBSTATUS)
)

SOLUTIONS = "Solutions"
TEAM = "Team members"


@dataclass(frozen=True, slots=True)
class Context:
    """Who acts, and what the pipeline loaded for this file."""

    role: Role
    email_key: str
    #: the organization's solutions among those the rows name: upper-cased ID → the
    #: ID as the catalog spells it (IDs match case-insensitively)
    catalog: Mapping[str, str]
    now: dt.datetime
    #: how an ambiguous date (`03/04/2027`) reads when it changes a deal; None: it
    #: cannot (the file does not show its order, and the user did not say)
    date_order: DateOrder | None = None


@dataclass(slots=True)
class Decision:
    number: int
    outcome: Outcome
    referral: Referral | None = None
    #: changed field → (before, after), as display text; for history
    changes: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    #: the stored referral an update starts from
    before: Referral | None = None
    #: remarks that do not stop the row (shown in the results file)
    warnings: list[str] = field(default_factory=list)


def show(value: Any) -> str | None:
    """A value as the file shows it (for messages and history)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return cells.format_yes_no(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return cells.format_decimal(value, decimal_comma=False)
    if isinstance(value, dt.date):
        return cells.format_date(value)
    if isinstance(value, tuple):
        return " | ".join(_show_item(v) for v in value)
    return str(value)


def _show_item(item: object) -> str:
    if isinstance(item, SolutionLine):
        return cells.format_solution(item, decimal_comma=False)
    if isinstance(item, TeamMember):
        return cells.format_team_member(item)
    return str(item)


def decide_create(
    record: RowRecord,
    ctx: Context,
    referral_id: str,
    engagement_id: str,
    *,
    direction: Direction = Direction.OUTGOING,
    ms_status: MicrosoftStatus | None = None,
) -> Decision:
    """A new deal from a row, or every problem of the row.

    An outgoing referral is the partner's: created as Active/Accepted, with a team
    that (for a Referrals user) lists the user. An incoming one is Microsoft's: New with
    substatus Pending (the default) or Received, no reason, Microsoft status
    `ms_status` (Pending when not given) and a team only if Microsoft knows it; only
    Microsoft sets that status, so an outgoing referral must come without one."""
    incoming = direction is Direction.INCOMING
    errors: list[RowError] = []
    if incoming:
        pair = _incoming_pair(record, errors)
    elif ms_status is not None:
        errors.append(
            RowError(
                record.column(Field.MS_STATUS), Msg("is set by Microsoft only, leave it empty")
            )
        )
    errors.extend(record.errors)
    warnings: list[str] = []
    canonical_solutions(record, ctx.catalog)
    v = record.values
    if isinstance(day := v.get(Field.CLOSE_DATE), cells.AmbiguousDate):
        if ctx.date_order is None:
            errors.append(_ambiguous(record, day))
        else:
            v = Values(v)
            v[Field.CLOSE_DATE] = _reading(day, ctx.date_order)
    for f in _REQUIRED_INCOMING if incoming else REQUIRED_ON_CREATE:
        if v.get(f) is None and not _has_error(record, f):
            errors.append(RowError(record.column(f), _missing(column_name(f))))
    if not record.solutions and not group_error(record, Group.SOLUTION):
        errors.append(_missing_item(Group.SOLUTION))
    if not incoming and not record.team and not group_error(record, Group.TEAM_MEMBER):
        errors.append(_missing_item(Group.TEAM_MEMBER))
    if not incoming:
        pair = _outgoing_pair(record, errors)
        if v.get(Field.REASON) is not None:
            warnings.extend(_ignored_reason(record, pair))
    stage = rules.stage_for(pair, v.number(Field.SALES_STAGE))
    _check_stage(record, pair, stage, errors)
    if Field.CONSENT in v and v[Field.CONSENT] is False:
        errors.append(RowError(record.column(Field.CONSENT), _consent_message()))
    help_required = bool(v.yes_no(Field.HELP_REQUIRED))
    _check_help(record, help_required, v, errors)
    solutions = record.solutions or ()
    team = record.team or ()
    check_items(record, solutions, team, ctx.catalog, errors, solutions_changed=True)
    if (
        ctx.role is Role.USER
        and not group_error(record, Group.TEAM_MEMBER)
        and not any(cells.email_key(m.email) == ctx.email_key for m in team)
    ):
        errors.append(
            RowError(
                group_column(Group.TEAM_MEMBER, 1),
                Msg(
                    "you can only create deals that list you as a team member, "
                    "add your email address to a Team member column"
                ),
            )
        )
    if errors:
        return _failed(record, errors, warnings)
    referral = Referral(
        id=referral_id,
        engagement_id=engagement_id,
        direction=direction,
        deal_name=_given(v.text(Field.DEAL_NAME)),
        customer_name=_given(v.text(Field.CUSTOMER_NAME)),
        address_1=_given(v.text(Field.ADDRESS_1)),
        address_2=v.text(Field.ADDRESS_2),
        city=_given(v.text(Field.CITY)),
        state=v.text(Field.STATE),
        postal_code=v.text(Field.POSTAL_CODE),
        country=_given(v.text(Field.COUNTRY)),
        duns=v.text(Field.DUNS),
        contact_first_name=v.text(Field.CONTACT_FIRST_NAME),
        contact_last_name=v.text(Field.CONTACT_LAST_NAME),
        contact_phone=v.text(Field.CONTACT_PHONE),
        contact_email=v.text(Field.CONTACT_EMAIL),
        status=pair[0],
        substatus=pair[1],
        ms_status=(ms_status or MicrosoftStatus.PENDING) if incoming else None,
        reason=None,
        sales_stage=stage,
        deal_value=_given(v.money(Field.DEAL_VALUE)),
        currency=_given(v.text(Field.CURRENCY)),
        close_date=_given(v.day(Field.CLOSE_DATE)),
        crm_id=v.text(Field.CRM_ID),
        campaign_id=v.text(Field.CAMPAIGN_ID),
        notes=v.text(Field.NOTES),
        notes_to_ms=v.text(Field.NOTES_TO_MS),
        help_required=help_required,
        help_code=v.number(Field.HELP_CODE),
        share_with_ms=bool(v.yes_no(Field.SHARE_WITH_MS)),
        consent=True,
        solutions=solutions,
        team=team,
        version=1,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    return Decision(record.number, Outcome.CREATED, referral=referral, warnings=warnings)


def _given(value: T | None) -> T:
    """A value of a required field, which the checks before made sure of."""
    assert value is not None
    return value


def _outgoing_pair(record: RowRecord, errors: list[RowError]) -> rules.Pair:
    """A partner's deal is created as Active/Accepted (given so, or as New/Accepted)."""
    status = record.values.choice(Field.STATUS, Status)
    substatus = record.values.choice(Field.SUBSTATUS, Substatus)
    if status is None or substatus is None:
        return rules.ACTIVE_ACCEPTED
    pair = rules.normalize_pair(status, substatus)
    problem = rules.create_status_problem(pair)
    if problem:
        errors.append(RowError(record.column(Field.SUBSTATUS), problem))
    return pair


def _incoming_pair(record: RowRecord, errors: list[RowError]) -> rules.Pair:
    """The status an incoming referral is created with (New/Pending when not given);
    it takes no reason."""
    v = record.values
    status = v.choice(Field.STATUS, Status) or Status.NEW
    substatus = v.choice(Field.SUBSTATUS, Substatus) or Substatus.PENDING
    pair = (status, substatus)
    if pair not in INCOMING_PAIRS:
        errors.append(
            RowError(
                record.column(Field.SUBSTATUS),
                Msg(
                    "an incoming referral is created as New with substatus Pending or "
                    "Received, not %(pair)s",
                    pair=f"{status.value}/{substatus.value}",
                ),
            )
        )
        pair = INCOMING_PAIRS[0]
    problem = rules.reason_problem(pair[1], v.number(Field.REASON))
    if problem:
        errors.append(RowError(record.column(Field.REASON), problem))
    return pair


def closed_reason(stored: Referral) -> Msg | None:
    """Why no field of a closed deal changes (the first check of `decide_update`)."""
    if not rules.is_terminal(stored.status):
        return None
    return Msg(
        "This deal is closed (%(substatus)s): no field can change any more.",
        substatus=Msg(stored.substatus.value),
    )


def read_only_reason(f: Field, stored: Referral) -> Msg | None:
    """Why `f` of the stored deal cannot change, by the checks `decide_update` makes
    (the field's access, the help lock, the share lock, a closed deal); None when it can."""
    if f.spec.access is Access.KEY:
        return Msg("identifies the deal, never changes")
    if f.spec.access is Access.IGNORED:
        return Msg("set by Microsoft only")
    if f in READ_ONLY_AFTER_CREATE:
        return Msg("cannot change after the deal is created")
    if stored.help_required and f in LOCKED_AFTER_HELP_SHARED:
        return Msg("locked since the deal was shared with Microsoft for help")
    if f is Field.SHARE_WITH_MS and rules.share_lock_problem(stored.share_with_ms, False):
        return Msg("stays Yes once the deal was shared with the Microsoft sales team")
    return closed_reason(stored)


def decide_update(record: RowRecord, stored: Referral, ctx: Context) -> Decision:
    """Compare a row with the stored deal; apply every rule of rules §1.3–1.5 and report
    every problem of the row (cells that did not parse are left out of the comparison)."""
    v: dict[Field, Any] = record.values
    errors: list[RowError] = list(record.errors)
    warnings: list[str] = []
    canonical_solutions(record, ctx.catalog)
    engagement = v.get(Field.ENGAGEMENT_ID)
    if engagement is not None and engagement != stored.engagement_id:
        errors.append(
            RowError(
                record.column(Field.ENGAGEMENT_ID),
                Msg(
                    '%(engagement_column)s "%(engagement)s" does not belong to '
                    "%(referral_column)s %(referral)s",
                    engagement_column=column_name(Field.ENGAGEMENT_ID),
                    engagement=_quoted(engagement),
                    referral_column=column_name(Field.REFERRAL_ID),
                    referral=stored.id,
                ),
            )
        )
    pair = _new_pair(record, stored, errors)
    old_pair = (stored.status, stored.substatus)
    if v.get(Field.REASON) is not None and (ignored := _ignored_reason(record, pair)):
        warnings.extend(ignored)
        v = {f: value for f, value in v.items() if f is not Field.REASON}
    if isinstance(day := v.get(Field.CLOSE_DATE), cells.AmbiguousDate):
        # Either reading equal to the stored date: the cell did not change.
        if stored.close_date in day.readings():
            v = {**v, Field.CLOSE_DATE: stored.close_date}
        elif ctx.date_order is None:
            errors.append(_ambiguous(record, day))
            v = {f: value for f, value in v.items() if f is not Field.CLOSE_DATE}
        else:
            v = {**v, Field.CLOSE_DATE: _reading(day, ctx.date_order)}
    new_values: dict[str, Any] = {}
    changed: dict[Field, tuple[Any, Any]] = {}
    for f, attr in ATTR.items():
        if f not in v:
            continue
        given = v[f]
        old = getattr(stored, attr)
        if f in (Field.STATUS, Field.SUBSTATUS):
            continue
        if f is Field.SALES_STAGE and stored.substatus is Substatus.WON:
            continue
        if given is None and f in _REQUIRED_SCALARS:
            errors.append(RowError(record.column(f), _missing(column_name(f))))
            continue
        if _same(f, old, given):
            continue
        new_values[attr] = given
        changed[f] = (old, given)
    if pair != old_pair:
        new_values["status"], new_values["substatus"] = pair
        changed[Field.STATUS] = (old_pair, pair)
    given_solutions = merged_items(record, Group.SOLUTION, stored.solutions, warnings)
    given_team = merged_items(record, Group.TEAM_MEMBER, stored.team, warnings)
    new_solutions = changed_items(given_solutions, stored.solutions)
    new_team = changed_items(given_team, stored.team)
    if given_solutions == () and not group_error(record, Group.SOLUTION):
        errors.append(_missing_item(Group.SOLUTION))
    if given_team == () and not group_error(record, Group.TEAM_MEMBER):
        errors.append(_missing_item(Group.TEAM_MEMBER))
    if not changed and new_solutions is None and new_team is None and not errors:
        return Decision(record.number, Outcome.UNCHANGED, referral=stored, warnings=warnings)
    if rules.is_terminal(stored.status):
        names = [record.column(f) for f in changed] + _item_names(new_solutions, new_team)
        if names:
            errors.append(
                RowError(
                    "",
                    Msg(
                        "the deal is closed (%(substatus)s), no field can change "
                        "(tried: %(columns)s)",
                        substatus=stored.substatus.value,
                        columns=i18n.joined(", ", names),
                    ),
                )
            )
        return _failed(record, errors, warnings)
    for f in READ_ONLY_AFTER_CREATE:
        if f in changed:
            old, given = changed[f]
            if f is Field.CONSENT and given is False:
                errors.append(RowError(record.column(f), _consent_message()))
                continue
            errors.append(
                RowError(
                    record.column(f),
                    Msg(
                        'cannot change after the deal is created (stored "%(stored)s", '
                        'given "%(given)s")',
                        stored=_quoted(old),
                        given=_quoted(given),
                    ),
                )
            )
    if stored.help_required:
        for f in LOCKED_AFTER_HELP_SHARED:
            if f in changed:
                old, given = changed[f]
                errors.append(
                    RowError(
                        record.column(f),
                        Msg(
                            "locked since the deal was shared with Microsoft for help "
                            '(stored "%(stored)s", given "%(given)s")',
                            stored=_quoted(old),
                            given=_quoted(given),
                        ),
                    )
                )
    if Field.SHARE_WITH_MS in changed:
        problem = rules.share_lock_problem(stored.share_with_ms, bool(v[Field.SHARE_WITH_MS]))
        if problem:
            errors.append(RowError(record.column(Field.SHARE_WITH_MS), problem))
    if pair != old_pair:
        problem = rules.transition_problem(old_pair, pair)
        if problem:
            errors.append(RowError(record.column(Field.SUBSTATUS), problem))
    merged = dataclasses.replace(stored, **new_values)
    if Field.REASON in v or pair != old_pair:
        problem = rules.reason_problem(pair[1], merged.reason)
        if problem:
            errors.append(RowError(record.column(Field.REASON), problem))
    merged.sales_stage = rules.stage_for(pair, merged.sales_stage)
    if Field.SALES_STAGE in changed or pair != old_pair:
        _check_stage(record, pair, merged.sales_stage, errors)
    if not stored.help_required:
        _check_help(record, merged.help_required, _values_of(merged), errors)
    solutions = new_solutions if new_solutions is not None else stored.solutions
    team = new_team if new_team is not None else stored.team
    check_items(
        record, solutions, team, ctx.catalog, errors, solutions_changed=new_solutions is not None
    )
    if (
        new_team is not None
        and ctx.role is Role.USER
        and not any(cells.email_key(m.email) == ctx.email_key for m in team)
    ):
        errors.append(
            RowError(
                group_column(Group.TEAM_MEMBER, 1),
                Msg("you cannot remove yourself from the team: you would no longer see the deal"),
            )
        )
    if errors:
        return _failed(record, errors, warnings)
    merged.solutions = solutions
    merged.team = team
    merged.version = stored.version + 1
    merged.updated_at = ctx.now
    changes = {f.value: (show(a), show(b)) for f, (a, b) in changed.items()}
    if Field.STATUS in changed:
        changes[Field.STATUS.value] = (show_pair(old_pair), show_pair(pair))
    if merged.sales_stage != stored.sales_stage:
        changes[Field.SALES_STAGE.value] = (str(stored.sales_stage), str(merged.sales_stage))
    if new_solutions is not None:
        changes[SOLUTIONS] = (show(stored.solutions), show(new_solutions))
    if new_team is not None:
        changes[TEAM] = (show(stored.team), show(new_team))
    return Decision(
        record.number,
        Outcome.UPDATED,
        referral=merged,
        changes=changes,
        before=stored,
        warnings=warnings,
    )


_REQUIRED_SCALARS = frozenset(REQUIRED_ON_CREATE) - {Field.STATUS, Field.SUBSTATUS}


def _new_pair(record: RowRecord, stored: Referral, errors: list[RowError]) -> rules.Pair:
    status: Status | None = record.values.get(Field.STATUS, stored.status)
    substatus: Substatus | None = record.values.get(Field.SUBSTATUS, stored.substatus)
    if status is None or substatus is None:
        missing = Field.STATUS if status is None else Field.SUBSTATUS
        errors.append(RowError(record.column(missing), _missing(column_name(missing))))
        return (stored.status, stored.substatus)
    pair = rules.normalize_pair(status, substatus)
    problem = rules.pair_problem(*pair)
    if problem:
        errors.append(RowError(record.column(Field.SUBSTATUS), problem))
        return (stored.status, stored.substatus)
    return pair


def _quoted(value: Any) -> str:
    """A value as a message quotes it: the Errors cell joins messages with "; ", so a
    message never holds one."""
    return (show(value) or "").replace(";", ",")


def show_pair(pair: rules.Pair) -> str:
    """A status pair as history shows it: `Active/Accepted`."""
    return f"{pair[0].value}/{pair[1].value}"


def _same(f: Field, old: Any, given: Any) -> bool:
    if old == given:
        return True
    return (
        f in _ZERO_TOLERANT
        and isinstance(old, str)
        and isinstance(given, str)
        and len(given) < len(old)
        and old.lstrip("0") == given.lstrip("0")
    )


def _reading(day: cells.AmbiguousDate, order: DateOrder) -> dt.date:
    return day.day_first if order == "DMY" else day.month_first


def _ambiguous(record: RowRecord, day: cells.AmbiguousDate) -> RowError:
    first, second = day.readings()
    return RowError(
        record.column(Field.CLOSE_DATE),
        Msg(
            '"%(value)s" could be %(first)s or %(second)s: the file does not show whether it '
            "writes month or day first. Import it with the date order set (--date-order MDY "
            "or DMY), or write dates as YYYY-MM-DD",
            value=day.text,
            first=_day_name(first),
            second=_day_name(second),
        ),
    )


_MONTHS = (
    N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
    N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
)  # fmt: skip


def _day_name(day: dt.date) -> Msg:
    """`March 4` (`4 maart` in Dutch)."""
    return Msg("%(month)s %(day)s", month=Msg(_MONTHS[day.month - 1]), day=day.day)


def _ignored_reason(record: RowRecord, pair: rules.Pair) -> list[str]:
    """A reason given for a substatus that takes none is ignored (the seed: "You can
    ignore this column otherwise")."""
    if rules.reason_codes(pair[1]) is not None:
        return []
    return [
        Msg(
            "%(column)s ignored: a reason applies only when the substatus is Declined, Lost "
            "or Error, not %(substatus)s",
            column=record.column(Field.REASON),
            substatus=pair[1].value,
        )
    ]


def _failed(record: RowRecord, errors: list[RowError], warnings: list[str]) -> Decision:
    """A failed row, each problem reported once: a cell that did not parse is not also
    reported as a missing mandatory field."""
    unreadable = {e.column for e in record.errors}
    kept = [
        e
        for e in errors
        if e in record.errors
        or not (e.column in unreadable and e.message.startswith("Mandatory field"))
    ]
    return Decision(
        record.number, Outcome.FAILED, errors=list(dict.fromkeys(kept)), warnings=warnings
    )


def _has_error(record: RowRecord, f: Field) -> bool:
    column = record.column(f)
    return any(e.column == column for e in record.errors)


def _consent_message() -> Msg:
    return Msg("must be Yes: deals are not created or updated without consent to share contacts")


def _missing(column: str) -> Msg:
    """Partner Center's own wording: `Mandatory field Solution 1 missing`."""
    return Msg("Mandatory field %(field)s missing", field=column)


def _missing_item(group: Group) -> RowError:
    column = group_column(group, 1)
    return RowError(column, _missing(column))


def _check_stage(record: RowRecord, pair: rules.Pair, stage: int, errors: list[RowError]) -> None:
    problem = rules.stage_problem(pair, stage)
    if problem:
        errors.append(RowError(record.column(Field.SALES_STAGE), problem))


def _values_of(referral: Referral) -> dict[Field, Any]:
    return {f: getattr(referral, attr) for f, attr in ATTR.items()}


def _check_help(
    record: RowRecord, help_required: bool, values: dict[Field, Any], errors: list[RowError]
) -> None:
    if help_required:
        for f in REQUIRED_WITH_HELP:
            if values.get(f) is None:
                errors.append(
                    RowError(
                        record.column(f),
                        Msg(
                            "Mandatory field %(field)s missing (required when Microsoft help "
                            "is requested)",
                            field=column_name(f),
                        ),
                    )
                )
    elif values.get(Field.HELP_CODE) is not None:
        errors.append(
            RowError(
                record.column(Field.HELP_CODE),
                Msg(
                    'applies only when "%(column)s" is Yes',
                    column=column_name(Field.HELP_REQUIRED),
                ),
            )
        )


def _item_names(solutions: object, team: object) -> list[str]:
    names: list[str] = [Msg("Solutions")] if solutions is not None else []
    return names + ([Msg("Team members")] if team is not None else [])
