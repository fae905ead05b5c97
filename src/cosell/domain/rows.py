"""Turn one file row into a record of typed values, collecting every problem of the row.

A record holds only the columns the file has: an absent column leaves the field
unchanged on update; a present, empty cell is `None` (clears an optional field,
fails a required one).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cosell.domain import cells
from cosell.domain.cells import CellError, DateOrder
from cosell.domain.enums import (
    DECLINED_LOST_REASONS,
    ERROR_REASONS,
    HELP_CODES,
    MicrosoftStatus,
    Status,
    Substatus,
)
from cosell.domain.fields import Field, Group
from cosell.domain.formula import neutralize
from cosell.domain.headers import ColumnMap
from cosell.domain.model import Cell, SolutionLine, TeamMember

#: Every reason code, so a row's reason parses before we know which list applies.
_ALL_REASONS = {**DECLINED_LOST_REASONS, **ERROR_REASONS}

_TEXT_LIMITS: dict[Field, int] = {
    Field.REFERRAL_ID: 100,
    Field.ENGAGEMENT_ID: 100,
    Field.DEAL_NAME: 200,
    Field.CUSTOMER_NAME: 200,
    Field.ADDRESS_1: 200,
    Field.ADDRESS_2: 200,
    Field.CITY: 100,
    Field.STATE: 100,
    Field.POSTAL_CODE: 20,
    Field.CONTACT_FIRST_NAME: 100,
    Field.CONTACT_LAST_NAME: 100,
    Field.CRM_ID: 100,
    Field.CAMPAIGN_ID: 100,
}
_MULTILINE_LIMITS: dict[Field, int] = {Field.NOTES: 4000, Field.NOTES_TO_MS: 4000}

#: Columns import never reads (SPEC §1.5: ignored, never an error).
_IGNORED: frozenset[Field] = frozenset({Field.ERRORS, Field.MS_STATUS})


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of a row, naming the column as the file spells it."""

    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.column}: {self.message}" if self.column else self.message


@dataclass(slots=True)
class RowRecord:
    number: int
    values: dict[Field, Any]
    solutions: tuple[SolutionLine, ...] | None = None
    team: tuple[TeamMember, ...] | None = None
    errors: list[RowError] = field(default_factory=list)
    #: the file's header for each field, for messages
    columns: dict[Field, str] = field(default_factory=dict)

    def column(self, f: Field) -> str:
        return self.columns.get(f, f.value)

    def has(self, f: Field) -> bool:
        return f in self.values

    def get(self, f: Field) -> Any:
        return self.values.get(f)


@dataclass(frozen=True, slots=True)
class RowParser:
    """Parses rows of one file; built once per file from its column map."""

    column_map: ColumnMap
    headers: Sequence[str]
    decimal_comma: bool = False
    date_order: DateOrder = "MDY"
    #: Cells are literal text (XLSX), not CSV text where export put a formula-guarding
    #: `'` that the parsers remove: such a cell is guarded first so it comes back as is.
    literal: bool = False

    def parse(self, number: int, row: Sequence[Cell]) -> RowRecord:
        record = RowRecord(number=number, values={})
        n = len(row)
        parsers = _parsers(self.decimal_comma, self.date_order)
        for f, idx in self.column_map.fields.items():
            if f in _IGNORED:
                continue
            header = self.headers[idx]
            record.columns[f] = header
            cell = row[idx] if idx < n else ""
            if isinstance(cell, str):
                cell = cell.strip()
                if not cell:
                    record.values[f] = None
                    continue
                if self.literal and cell[0] == "'":
                    cell = neutralize(cell)
            try:
                record.values[f] = parsers[f](cell)
            except CellError as exc:
                record.errors.append(RowError(header, _describe(cell, exc)))
        if self.column_map.solutions:
            record.solutions = self._group(record, row, Group.SOLUTION)
        if self.column_map.team_members:
            record.team = self._group(record, row, Group.TEAM_MEMBER)
        return record

    def _group(self, record: RowRecord, row: Sequence[Cell], group: Group) -> tuple[Any, ...]:
        positions = (
            self.column_map.solutions if group is Group.SOLUTION else self.column_map.team_members
        )
        items: list[Any] = []
        n = len(row)
        for number in sorted(positions):
            idx = positions[number]
            cell = row[idx] if idx < n else ""
            text = cell.strip() if isinstance(cell, str) else cells.format_date(cell)
            if not text:
                continue
            if self.literal and text[0] == "'":
                text = neutralize(text)
            try:
                if group is Group.SOLUTION:
                    items.append(cells.parse_solution(text, decimal_comma=self.decimal_comma))
                else:
                    items.append(cells.parse_team_member(text))
            except CellError as exc:
                record.errors.append(RowError(self.headers[idx], _describe(text, exc)))
        return tuple(items)


def _describe(cell: Cell, exc: CellError) -> str:
    shown = cell if isinstance(cell, str) else cells.format_date(cell)
    if len(shown) > 60:
        shown = f"{shown[:57]}…"
    return f'"{shown}" is not valid; {exc}'


def _text(limit: int, multiline: bool = False) -> Callable[[Cell], str]:
    def parse(cell: Cell) -> str:
        text = cells.parse_text(cell, limit, multiline=multiline)
        return text.replace("\r\n", "\n").replace("\r", "\n") if multiline else text

    return parse


@functools.cache
def _parsers(decimal_comma: bool, date_order: DateOrder) -> dict[Field, Callable[[Cell], Any]]:
    """The parser of each field for one kind of file (built once per kind)."""
    table: dict[Field, Callable[[Cell], Any]] = {
        f: _text(limit) for f, limit in _TEXT_LIMITS.items()
    }
    table.update({f: _text(limit, multiline=True) for f, limit in _MULTILINE_LIMITS.items()})
    table.update(
        {
            Field.COUNTRY: cells.parse_country,
            Field.DUNS: cells.parse_duns,
            Field.CONTACT_PHONE: cells.parse_phone,
            Field.CONTACT_EMAIL: cells.parse_email,
            Field.STATUS: lambda c: cells.parse_enum(c, Status),
            Field.SUBSTATUS: lambda c: cells.parse_enum(c, Substatus),
            Field.MS_STATUS: lambda c: cells.parse_enum(c, MicrosoftStatus),
            Field.REASON: lambda c: cells.parse_int_code(c, _ALL_REASONS),
            Field.SALES_STAGE: cells.parse_sales_stage,
            Field.DEAL_VALUE: lambda c: cells.parse_decimal(c, decimal_comma=decimal_comma),
            Field.CURRENCY: cells.parse_currency,
            Field.CLOSE_DATE: lambda c: cells.parse_date(c, date_order),
            Field.HELP_REQUIRED: cells.parse_yes_no,
            Field.HELP_CODE: lambda c: cells.parse_int_code(c, HELP_CODES),
            Field.SHARE_WITH_MS: cells.parse_yes_no,
            Field.CONSENT: cells.parse_yes_no,
        }
    )
    return table
