"""What every cell parser shares: the error it raises and the cleaning of a cell's text."""

from __future__ import annotations

from typing import Final

from cosell.domain.formula import unneutralize
from cosell.domain.model import Cell

#: Entries kept by the parsers' caches; the values of one column repeat across rows.
CACHE_SIZE: Final = 4096


class CellError(ValueError):
    """A cell that does not hold what its column needs; the message says what was expected."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def cell_text(cell: Cell) -> str:
    """The cell's text, stripped, without a formula-neutralizing `'`; a date as MM/DD/YYYY."""
    if isinstance(cell, str):
        text = cell.strip()
        return unneutralize(text) if text[:1] == "'" else text
    return f"{cell.month:02d}/{cell.day:02d}/{cell.year:04d}"
