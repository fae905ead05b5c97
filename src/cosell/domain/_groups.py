"""The numbered groups of a row (Solution N, Team member N) against a deal's items.

A file names items by column: `Solution 2` is the deal's second solution. An
empty cell removes its item; an item whose column the file lacks is kept, so a
file with only `Solution 1` does not delete a deal's other solutions. Solution
IDs match the catalog case-insensitively and are stored as the catalog spells them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from cosell.domain import cells
from cosell.domain.column_names import group_column
from cosell.domain.fields import Group
from cosell.domain.model import SolutionLine, TeamMember
from cosell.domain.rows import RowError, RowRecord
from cosell.i18n import Msg


def canonical_solutions(record: RowRecord, catalog: Mapping[str, str]) -> None:
    """Spell each solution ID as the catalog does (`sol-1234-pqrs` → `SOL-1234-PQRS`)."""
    if not record.solutions:
        return

    def canonical(line: SolutionLine | None) -> SolutionLine | None:
        if line is None:
            return None
        sid = catalog.get(line.solution_id.upper(), line.solution_id)
        return line if sid == line.solution_id else dataclasses.replace(line, solution_id=sid)

    record.solutions = tuple(map(canonical, record.solutions))  # type: ignore[arg-type]
    record.solution_slots = {n: canonical(i) for n, i in record.solution_slots.items()}


def merged_items(
    record: RowRecord, group: Group, stored: tuple[Any, ...], warnings: list[str]
) -> tuple[Any, ...] | None:
    """The items a row gives a deal (see the module), or None when the file has no such
    columns; a warning when the deal has items beyond the file's columns."""
    given = record.solutions if group is Group.SOLUTION else record.team
    slots: Mapping[int, Any] = (
        record.solution_slots if group is Group.SOLUTION else record.team_slots
    )
    if given is None or record.whole_groups or not slots:
        return given
    top = max(slots)
    out = [
        slots[n] if n in slots else (stored[n - 1] if n <= len(stored) else None)
        for n in range(1, max(top, len(stored)) + 1)
    ]
    if len(stored) > top:
        first = group_column(group, top + 1)
        kept = (
            first
            if len(stored) == top + 1
            else Msg("%(first)s to %(last)s", first=first, last=group_column(group, len(stored)))
        )
        warnings.append(
            Msg(
                "%(items)s of the deal kept: the file has no column for them "
                "(export again to see every item)",
                items=kept,
            )
        )
    return tuple(item for item in out if item is not None)


def changed_items(given: tuple[Any, ...] | None, stored: tuple[Any, ...]) -> Any:
    """The new item list, or None when the file has no such columns or lists the same items."""
    if given is None or given == stored:
        return None
    return given


def group_error(record: RowRecord, group: Group) -> bool:
    return any(e.column.startswith(group.value) for e in record.errors)


def check_items(
    record: RowRecord,
    solutions: Iterable[SolutionLine],
    team: Iterable[TeamMember],
    catalog: Mapping[str, str],
    errors: list[RowError],
    *,
    solutions_changed: bool,
) -> None:
    """Solutions in the catalog and each listed once; team members' emails unique."""
    if solutions_changed:
        listed: dict[str, int] = {}
        # Only what the row gives is checked against the catalog: a stored item the
        # file has no column for is kept as it is.
        given = {line.solution_id.upper() for line in record.solutions or ()}
        for i, line in enumerate(solutions, start=1):
            key = line.solution_id.upper()
            if key in given and key not in catalog:
                errors.append(
                    RowError(
                        group_column(Group.SOLUTION, i),
                        Msg(
                            '"%(solution)s" is not in your organization\'s solution catalog',
                            solution=line.solution_id,
                        ),
                    )
                )
            elif key in listed:
                errors.append(
                    RowError(
                        group_column(Group.SOLUTION, i),
                        Msg(
                            "%(solution)s is already %(column)s, list each solution once per deal",
                            solution=line.solution_id,
                            column=group_column(Group.SOLUTION, listed[key]),
                        ),
                    )
                )
            else:
                listed[key] = i
    seen: dict[str, int] = {}
    for i, member in enumerate(team, start=1):
        key = cells.email_key(member.email)
        if key in seen:
            errors.append(
                RowError(
                    group_column(Group.TEAM_MEMBER, i),
                    Msg(
                        "%(email)s is already %(column)s, each team member's email must be "
                        "unique within the deal",
                        email=member.email,
                        column=group_column(Group.TEAM_MEMBER, seen[key]),
                    ),
                )
            )
        else:
            seen[key] = i
