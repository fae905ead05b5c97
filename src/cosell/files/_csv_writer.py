"""Write rows as CSV the way Excel opens them correctly in every locale (rules §2.4)."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, cast

from cosell.domain.cells import format_date, format_yes_no
from cosell.files.neutralize import TRIGGERS, neutralize
from cosell.files.table import DELIMITERS, OutCell


def write_csv(
    headers: Sequence[str], rows: Iterable[Sequence[OutCell]], *, delimiter: str = ","
) -> bytes:
    """Encode a header row and data rows as CSV bytes.

    UTF-8 with BOM, CRLF line ends, cells quoted only when they must be (they
    hold the delimiter, a quote or a line break). Text cells (headers too) are
    neutralized against formula injection; `int` and `Decimal` are plain numbers
    (`Decimal` with a decimal comma when `delimiter` is ";"); dates are
    MM/DD/YYYY; `None` is an empty cell. Characters UTF-8 cannot encode (lone
    surrogates) become "?".

    `delimiter` is "," (default), ";" or a tab; anything else is a `ValueError`.
    """
    if delimiter not in DELIMITERS:
        raise ValueError(f"unsupported CSV delimiter {delimiter!r}")
    output = _Output(["\ufeff"])
    write = _RecordWriter(delimiter, output).write
    write(headers)
    for row in rows:
        write(row)
    return "".join(output).encode("utf-8", errors="replace")


#: Rows written to the output at a time by `write_csv_to`.
_FLUSH_ROWS = 1000


def write_csv_to(
    out: IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[OutCell]],
    *,
    delimiter: str = ",",
) -> int:
    """`write_csv`, written to the binary file `out` a thousand rows at a time (memory
    stays flat for any number of rows); the same bytes. Returns the rows written."""
    if delimiter not in DELIMITERS:
        raise ValueError(f"unsupported CSV delimiter {delimiter!r}")
    output = _Output(["\ufeff"])
    write = _RecordWriter(delimiter, output).write
    write(headers)
    count = 0
    for count, row in enumerate(rows, start=1):
        write(row)
        if count % _FLUSH_ROWS == 0:
            out.write("".join(output).encode("utf-8", errors="replace"))
            output.clear()
    out.write("".join(output).encode("utf-8", errors="replace"))
    return count


class _Output(list[str]):
    """The pieces of the file, in order; `csv.writer` appends to it through `write`."""

    def write(self, text: str) -> None:
        self.append(text)


class _RecordWriter:
    """Appends one row at a time to `output` as a CSV record.

    Most rows need no neutralization and at most cells holding the delimiter
    quoted; they are joined directly, several times faster than the csv module.
    A row that might need more (a quote or a line break in a cell, a cell
    starting with a formula trigger or an apostrophe) goes through `csv.writer`.
    Either way the output is exactly what `csv.writer` would write.
    """

    def __init__(self, delimiter: str, output: _Output) -> None:
        self._delimiter = delimiter
        self._decimal_comma = delimiter == ";"
        self._append = output.append
        self._starts = frozenset((*TRIGGERS, "'"))
        # A cell starting with a trigger or an apostrophe, after a delimiter.
        self._suspect = re.compile(
            re.escape(delimiter) + "[" + re.escape("".join(self._starts)) + "]"
        )
        self._csv = csv.writer(
            output,
            delimiter=delimiter,
            quotechar='"',
            doublequote=True,
            quoting=csv.QUOTE_MINIMAL,
            lineterminator="\r\n",
        )

    def write(self, row: Sequence[OutCell]) -> None:
        # `__class__ is str` is the cheapest test per cell; mypy cannot see it narrows.
        plain = self._plain
        texts = cast(
            list[str], [v if v.__class__ is str else "" if v is None else plain(v) for v in row]
        )
        delimiter = self._delimiter
        joined = delimiter.join(texts)
        if joined[:1] in self._starts or self._suspect.search(joined):
            # Rare: only text cells are neutralized; "-5" from an int stays a number.
            pairs = zip(row, texts, strict=True)
            self._csv.writerow([neutralize(v) if isinstance(v, str) else t for v, t in pairs])
            return
        if not joined or '"' in joined or "\n" in joined or "\r" in joined:
            self._csv.writerow(texts)
            return
        if joined.count(delimiter) != len(texts) - 1:
            # Cells holding the delimiter (a comma in an address or a note) are
            # common; without quotes or line breaks, quoting them is all csv does.
            joined = delimiter.join([f'"{t}"' if delimiter in t else t for t in texts])
        self._append(joined)
        self._append("\r\n")

    def _plain(self, value: OutCell) -> str:
        """The text of a non-text cell; text passes through unchanged."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return format_yes_no(value)
        if isinstance(value, int):
            return str(value)
        if isinstance(value, Decimal):
            text = format(value, "f")
            return text.replace(".", ",") if self._decimal_comma else text
        if isinstance(value, dt.date):
            return format_date(value)
        raise TypeError(f"cannot write a {type(value).__name__} to a CSV cell")
