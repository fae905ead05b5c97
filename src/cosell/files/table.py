"""The shape every reader returns and every writer takes (`Cell` is the domain's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from cosell.domain.model import Cell as Cell  # re-exported: the readers hand out cells

#: A cell to write: text, a number, a date, or nothing.
OutCell = str | int | Decimal | dt.date | None
#: How many of a header row's cells are known column headers.
HeaderScore = Callable[[Sequence[str]], int]

FileFormat = Literal["csv", "xlsx"]
#: The delimiters a CSV file may use: read (the one that fits the header best) and written.
DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class SheetRow:
    """A data row. `number` is the row number a spreadsheet shows (header = 1)."""

    number: int
    cells: list[Cell]


@dataclass(slots=True)
class Table:
    format: FileFormat
    headers: list[str]
    rows: list[SheetRow]
    encoding: str | None = None
    delimiter: str | None = None
