"""A referral as JSON values → the record a file row with the same cells would give.

Each value becomes the canonical cell text export would write for it and goes through
the file's own `RowParser`, so a request is judged by exactly the parsers, limits and
messages of an import row. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from cosell.domain import cells
from cosell.domain.cells import CellError
from cosell.domain.decide import SOLUTIONS, TEAM
from cosell.domain.enums import Direction, MicrosoftStatus
from cosell.domain.field_spec import Access
from cosell.domain.fields import Field, Group
from cosell.domain.headers import ColumnMap
from cosell.domain.rows import RowError, RowParser, RowRecord
from cosell.errors import UsageError
from cosell.files.table import Cell
from cosell.i18n import Msg

Scalar = str | int | bool | Decimal | dt.date | None

#: JSON name of each field a request may give → the file column it stands for: every
#: stored field but the keys (Microsoft Referral Status too, which only Microsoft sets).
FIELDS: dict[str, Field] = {
    f.spec.attr: f for f in Field if f.spec.attr is not None and f.spec.access is not Access.KEY
}
#: file column → JSON name, for error reports
_NAMES: dict[str, str] = {f.value: name for name, f in FIELDS.items()}

_MS = Field.MS_STATUS


@dataclass(frozen=True, slots=True)
class SolutionInput:
    solution_id: str
    currency: str | None = None
    price: Decimal | str | None = None
    quantity: int | str | None = None


@dataclass(frozen=True, slots=True)
class MemberInput:
    first_name: str
    last_name: str
    email: str
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class ReferralInput:
    """What a request gives. `values` is keyed by the names of `FIELDS`; a list that is
    None was not given (left alone on update), an empty list clears (and fails)."""

    values: Mapping[str, Scalar] = dataclasses.field(default_factory=dict)
    solutions: Sequence[SolutionInput] | None = None
    team: Sequence[MemberInput] | None = None
    direction: Direction | None = None


def field_name(column: str) -> str | None:
    """The JSON name of a file column: `Customer Country` → `country`, `Solution 2` →
    `solutions[1]`, `Team member 1` → `team_members[0]`; None for the row as a whole."""
    if column in _NAMES:
        return _NAMES[column]
    for group, name in ((Group.SOLUTION, "solutions"), (Group.TEAM_MEMBER, "team_members")):
        number = column.removeprefix(group.value).strip()
        if column.startswith(group.value) and number.isdigit():
            return f"{name}[{int(number) - 1}]"
    return {SOLUTIONS: "solutions", TEAM: "team_members"}.get(column)


def parse_input(given: ReferralInput, max_items: int) -> RowRecord:
    """The record a file row with exactly these cells would give (pure; never raises
    for bad values: they become the record's errors). Unknown names raise UsageError."""
    headers: list[str] = []
    row: list[Cell] = []
    column_map = ColumnMap(columns=[])
    errors: list[RowError] = []
    for name, value in given.values.items():
        f = FIELDS.get(name)
        if f is None:
            raise UsageError(Msg('"%(name)s" is not a referral field', name=name))
        column_map.fields[f] = len(headers)
        headers.append(f.value)
        row.append(_cell(value))
    groups: tuple[
        tuple[Group, Sequence[SolutionInput | MemberInput] | None, dict[int, int], str], ...
    ] = (
        (Group.SOLUTION, given.solutions, column_map.solutions, Msg("solutions")),
        (Group.TEAM_MEMBER, given.team, column_map.team_members, Msg("team members")),
    )
    for group, items, positions, noun in groups:
        if items is None:
            continue
        if len(items) > max_items:
            errors.append(
                RowError(
                    group.header(max_items + 1),
                    Msg(
                        "at most %(limit)s %(items)s per deal, %(count)s given",
                        limit=max_items,
                        items=noun,
                        count=len(items),
                    ),
                )
            )
            continue
        texts: list[str] = [""] if not items else []
        for number, item in enumerate(items, start=1):
            try:
                texts.append(_item_text(item))
            except CellError as exc:
                errors.append(RowError(group.header(number), exc.expected))
                texts.append("")
        for number, text in enumerate(texts, start=1):
            positions[number] = len(headers)
            headers.append(group.header(number))
            row.append(text)
    record = RowParser(column_map, headers).parse(1, row)
    record.errors.extend(errors)
    record.whole_groups = True
    return record


def _cell(value: Scalar) -> Cell:
    """A JSON value as the canonical cell text export would write for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return cells.format_yes_no(value)
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, int):
        return str(value)
    return value


def _item_text(item: SolutionInput | MemberInput) -> str:
    """The cell of a solution or team member. Its parts are comma-separated in files,
    so a part holding a comma could not be exported and read back: refuse it."""
    if isinstance(item, SolutionInput):
        parts = {
            Msg("solution ID"): item.solution_id,
            Msg("currency"): item.currency,
            Msg("price"): _cell(item.price),
            Msg("quantity"): _cell(item.quantity),
        }
    else:
        parts = {
            Msg("first name"): item.first_name,
            Msg("last name"): item.last_name,
            Msg("mobile"): item.phone,
            Msg("email"): item.email,
        }
    for what, part in parts.items():
        if isinstance(part, str) and "," in part:
            raise CellError(
                Msg('%(part)s: "%(value)s" is not valid, expected no commas', part=what, value=part)
            )
    return ", ".join(str(part or "").strip() for part in parts.values())


def parse_ms_status(
    record: RowRecord, given: ReferralInput
) -> tuple[MicrosoftStatus | None, list[RowError]]:
    """Microsoft status (the file parser skips it: import always ignores that column)."""
    if "ms_status" not in given.values:
        return None, []
    record.columns[_MS] = _MS.value
    cell = _cell(given.values["ms_status"])
    text = cell.strip() if isinstance(cell, str) else cells.format_date(cell)
    if not text:
        return None, []
    try:
        return cells.parse_enum(text, MicrosoftStatus), []
    except CellError as exc:
        return None, [
            RowError(
                _MS.value,
                Msg(
                    '"%(value)s" is not valid, %(expected)s',
                    value=text[:60].replace(";", ","),
                    expected=exc.expected,
                ),
            )
        ]
