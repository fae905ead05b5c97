"""Turn one file row into a record of typed values, collecting every problem of the row.

A record holds only the columns the file has: an absent column leaves the field
unchanged on update; a present, empty cell is `None` (clears an optional field,
fails a required one).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

from cosell.domain import cells
from cosell.domain.cells import CellError, DateOrder
from cosell.domain.column_names import column_name
from cosell.domain.field_spec import Access, FieldSpec, Kind
from cosell.domain.fields import Field, Group
from cosell.domain.headers import ColumnMap, column_letter
from cosell.domain.model import Cell, SolutionLine, TeamMember
from cosell.i18n import Msg

#: Columns import never reads (rules §1.5: ignored, never an error).
_IGNORED: frozenset[Field] = frozenset(f for f in Field if f.spec.access is Access.IGNORED)

E = TypeVar("E", bound=Enum)


class Values(dict[Field, Any]):
    """A row's typed values by field, with a typed read for each kind of field, so
    that what is built from them (`decide_create`'s `Referral`) is type-checked."""

    __slots__ = ()

    def text(self, f: Field) -> str | None:
        """TEXT, MULTILINE, IDENTIFIER, COUNTRY, DUNS, PHONE, EMAIL and CURRENCY."""
        value: str | None = self.get(f)
        return value

    def number(self, f: Field) -> int | None:
        """CODE and SALES_STAGE."""
        value: int | None = self.get(f)
        return value

    def money(self, f: Field) -> Decimal | None:
        value: Decimal | None = self.get(f)
        return value

    def day(self, f: Field) -> dt.date | None:
        """DATE, once an ambiguous date (`cells.AmbiguousDate`) was read one way."""
        value: dt.date | None = self.get(f)
        return value

    def yes_no(self, f: Field) -> bool | None:
        value: bool | None = self.get(f)
        return value

    def choice(self, f: Field, _enum: type[E]) -> E | None:
        """CHOICE: the member of `_enum` (named for the type checker only)."""
        value: E | None = self.get(f)
        return value


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of a row, naming the column as the file spells it. The message is
    an `i18n.Msg` (shown in the file's or the reader's language); so is `str()` of
    the error when either part is one."""

    column: str
    message: str

    def __str__(self) -> str:
        if not self.column:
            return self.message
        if isinstance(self.message, Msg) or isinstance(self.column, Msg):
            return Msg("%(column)s: %(message)s", column=self.column, message=self.message)
        return f"{self.column}: {self.message}"


@dataclass(slots=True)
class RowRecord:
    number: int
    values: Values
    #: the items of the file's Solution N / Team member N cells, in column order, empty
    #: cells left out (None: the file has no such columns)
    solutions: tuple[SolutionLine, ...] | None = None
    team: tuple[TeamMember, ...] | None = None
    errors: list[RowError] = field(default_factory=list)
    #: the file's header for each field, for messages
    columns: dict[Field, str] = field(default_factory=dict)
    #: the item in each numbered group column the file has (None: an empty cell)
    solution_slots: dict[int, SolutionLine | None] = field(default_factory=dict)
    team_slots: dict[int, TeamMember | None] = field(default_factory=dict)
    #: the deal's version when the file was exported (the `Row Version` column)
    row_version: int | None = None
    #: the given items replace the stored ones entirely (API), instead of only the
    #: numbered columns the file has (a file)
    whole_groups: bool = False

    def column(self, f: Field) -> str:
        """The file's header of `f`; a column the file lacks by its English header (a
        message shows it in the language it is read in)."""
        return self.columns.get(f) or column_name(f)

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
    #: how to read `01/02/2027`; None: not known, such a date is an `AmbiguousDate`
    date_order: DateOrder | None = "MDY"

    def parse(self, number: int, row: Sequence[Cell]) -> RowRecord:
        """The row's typed values and every problem of the row, including each value
        to the right of the last header (the readers keep those so they are reported
        here, never dropped silently)."""
        record = RowRecord(number=number, values=Values())
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
            try:
                record.values[f] = parsers[f](cell)
            except CellError as exc:
                record.errors.append(RowError(header, _describe(cell, exc)))
        if self.column_map.solutions:
            self._group(record, row, Group.SOLUTION, record.solution_slots)
            record.solutions = tuple(i for i in record.solution_slots.values() if i is not None)
        if self.column_map.team_members:
            self._group(record, row, Group.TEAM_MEMBER, record.team_slots)
            record.team = tuple(i for i in record.team_slots.values() if i is not None)
        if self.column_map.row_version is not None:
            record.row_version = self._row_version(record, row)
        for idx in range(len(self.headers), n):
            self._past_headers(record, idx, row[idx])
        return record

    @staticmethod
    def _past_headers(record: RowRecord, idx: int, cell: Cell) -> None:
        shown = cell.strip() if isinstance(cell, str) else cells.format_date(cell)
        if not shown:
            return
        if len(shown) > 60:
            shown = f"{shown[:57]}…"
        record.errors.append(
            RowError(
                Msg("Column %(letter)s (no header)", letter=column_letter(idx)),
                Msg(
                    '"%(value)s" is not in any column, give the column a header '
                    "or delete the value",
                    value=shown.replace(";", ","),
                ),
            )
        )

    def _group(
        self, record: RowRecord, row: Sequence[Cell], group: Group, slots: dict[int, Any]
    ) -> None:
        positions = (
            self.column_map.solutions if group is Group.SOLUTION else self.column_map.team_members
        )
        n = len(row)
        for number in sorted(positions):
            idx = positions[number]
            cell = row[idx] if idx < n else ""
            text = cell.strip() if isinstance(cell, str) else cells.format_date(cell)
            slots[number] = None
            if not text:
                continue
            try:
                if group is Group.SOLUTION:
                    slots[number] = cells.parse_solution(text, decimal_comma=self.decimal_comma)
                else:
                    slots[number] = cells.parse_team_member(text)
            except CellError as exc:
                record.errors.append(RowError(self.headers[idx], _describe(text, exc)))

    def _row_version(self, record: RowRecord, row: Sequence[Cell]) -> int | None:
        idx = self.column_map.row_version
        assert idx is not None
        cell = row[idx] if idx < len(row) else ""
        text = cell.strip() if isinstance(cell, str) else ""
        if not text:
            return None
        match = _VERSION.fullmatch(text)
        if match is None:
            record.errors.append(
                RowError(
                    self.headers[idx],
                    Msg(
                        '"%(value)s" is not valid, expected the version number the export '
                        "wrote (or an empty cell to skip the check)",
                        value=text[:20].replace(";", ","),
                    ),
                )
            )
            return None
        return int(match.group(1))


_VERSION = re.compile(r"0*([1-9]\d{0,8})(?:[.,]0*)?", re.ASCII)


def _describe(cell: Cell, exc: CellError) -> Msg:
    shown = cell if isinstance(cell, str) else cells.format_date(cell)
    if len(shown) > 60:
        shown = f"{shown[:57]}…"
    # The Errors cell joins messages with "; ": a message never holds one itself.
    return Msg(
        '"%(value)s" is not valid, %(expected)s',
        value=shown.replace(";", ","),
        expected=exc.expected,
    )


def _text(limit: int, multiline: bool = False) -> Callable[[Cell], str]:
    def parse(cell: Cell) -> str:
        text = cells.parse_text(cell, limit, multiline=multiline)
        return text.replace("\r\n", "\n").replace("\r", "\n") if multiline else text

    return parse


def _identifier(limit: int) -> Callable[[Cell], str]:
    return lambda cell: cells.parse_identifier(cell, limit)


#: The parser of each kind that needs nothing of the field or the file.
_PLAIN_PARSERS: dict[Kind, Callable[[Cell], Any]] = {
    Kind.COUNTRY: cells.parse_country,
    Kind.DUNS: cells.parse_duns,
    Kind.PHONE: cells.parse_phone,
    Kind.EMAIL: cells.parse_email,
    Kind.SALES_STAGE: cells.parse_sales_stage,
    Kind.CURRENCY: cells.parse_currency,
    Kind.YES_NO: cells.parse_yes_no,
}


def _parser(
    spec: FieldSpec, decimal_comma: bool, date_order: DateOrder | None
) -> Callable[[Cell], Any]:
    kind, limit, choices, codes = spec.kind, spec.limit or 0, spec.choices, spec.codes
    if kind is Kind.TEXT or kind is Kind.MULTILINE:
        return _text(limit, multiline=kind is Kind.MULTILINE)
    if kind is Kind.IDENTIFIER:
        return _identifier(limit)
    if choices is not None:
        return lambda c: cells.parse_enum(c, choices)
    if codes is not None:
        return lambda c: cells.parse_int_code(c, codes)
    if kind is Kind.MONEY:
        return lambda c: cells.parse_decimal(c, decimal_comma=decimal_comma)
    if kind is Kind.DATE:
        return lambda c: cells.read_date(c, date_order)
    return _PLAIN_PARSERS[kind]


@functools.cache
def _parsers(
    decimal_comma: bool, date_order: DateOrder | None
) -> dict[Field, Callable[[Cell], Any]]:
    """The parser of each field import reads, for one kind of file (built once per kind)."""
    return {f: _parser(f.spec, decimal_comma, date_order) for f in Field if f not in _IGNORED}
