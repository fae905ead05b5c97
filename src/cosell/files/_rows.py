"""What the CSV and XLSX readers share: header cleaning, row shaping, messages."""

from __future__ import annotations

from collections.abc import Sequence

from cosell.errors import FileRejected, FileTooLarge
from cosell.files.table import Cell
from cosell.i18n import Msg

EXPECTED_FILE = Msg("expected a CSV file (.csv or .txt) or an Excel workbook (.xlsx)")
EXPECTED_HEADERS = Msg(
    "expected column headers such as Referral ID, Deal Name, Customer Name and "
    "Partner Referral Status (in English or one of the supported languages)"
)

_MIB = 1024 * 1024


def clean_header(text: str) -> str:
    """A header cell without byte-order marks or surrounding whitespace."""
    return text.replace("\ufeff", "").strip()


def trim_headers(cells: list[str]) -> list[str]:
    """Drop trailing empty header cells: spreadsheets often save a few blank columns."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def shape_row(cells: list[Cell], width: int) -> list[Cell]:
    """Make a data row exactly `width` cells long, unless it holds more.

    Short rows are padded with "". Blank cells past the last header are dropped;
    a row that has something past the last header keeps it (up to its last
    non-blank cell), so the row validator can report it. Changes `cells` in place.
    """
    size = len(cells)
    if size < width:
        cells.extend([""] * (width - size))
    elif size > width:
        if not any(cells[width:]):
            del cells[width:]
        else:
            while len(cells) > width and _blank_cell(cells[-1]):
                cells.pop()
    return cells


def _blank_cell(cell: Cell) -> bool:
    return isinstance(cell, str) and not cell.strip()


def no_header(first_row: Sequence[str], number: int, *, csv: bool) -> FileRejected:
    """The rejection for a file whose first non-empty row has no known header."""
    shown = [f'"{_shorten(cell, 30)}"' for cell in first_row[:4]]
    more = " …" if len(first_row) > 4 else ""
    reads = ", ".join(shown) + more
    values = {"number": number, "reads": reads, "expected": EXPECTED_HEADERS}
    return FileRejected(
        Msg(
            "No header row with known columns was found: the first non-empty row (row "
            "%(number)s) reads %(reads)s. The first row must hold the column headers "
            "separated by commas, semicolons or tabs; %(expected)s.",
            **values,
        )
        if csv
        else Msg(
            "No header row with known columns was found: the first non-empty row (row "
            "%(number)s) reads %(reads)s. The first row must hold the column headers; "
            "%(expected)s.",
            **values,
        )
    )


def unreadable_workbook(reason: str) -> FileRejected:
    return FileRejected(
        Msg("The file looks like an Excel workbook but cannot be read: %(reason)s.", reason=reason)
    )


def format_size(size: int) -> str:
    """A byte count for people: "21.3 MiB", "512 KiB", "80 bytes"."""
    if size >= _MIB:
        text = f"{size / _MIB:.1f}"
        return f"{text.removesuffix('.0')} MiB"
    if size >= 1024:
        return f"{round(size / 1024)} KiB"
    return f"{size} bytes"


def size_over_limit(size: int, limit: int) -> FileTooLarge:
    shown, allowed = format_size(size), format_size(limit)
    if shown == allowed:  # just over the limit: rounding would hide the difference
        shown, allowed = f"{size:,} bytes", f"{limit:,} bytes ({allowed})"
    message = Msg(
        "The file is %(size)s; at most %(limit)s can be processed.", size=shown, limit=allowed
    )
    return FileTooLarge(message, size=size, limit=limit)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
