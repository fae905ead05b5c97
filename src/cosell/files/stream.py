"""Read a file of any size as a stream of rows, as many times as needed.

`read_table` (reader.py) turns a whole file into a `Table` in memory: right for the
files people usually upload, and what this module does too for small files and for
workbooks. A big CSV/TXT file is never held whole: `open_table` checks it the way
`read_table` does (the same rules, the same messages), reading it once from its
`Source`, and `TableStream.rows()` then reads it again, row by row, as often as it is
called. The rows, their numbers and every rejection are exactly those `read_table`
gives for the same bytes.

A workbook is read whole (python-calamine has no streaming reader): its size is bounded
by the upload limit and by the workbook guard (at most `MAX_SHEET_CELLS` cells, about
30,000 rows of a full template).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Protocol

from cosell.errors import FileRejected
from cosell.files import _text
from cosell.files._rows import clean_header, no_header, shape_row, size_over_limit, trim_headers
from cosell.files.reader import (
    _ENCRYPTED_PACKAGE,
    _ZIP_SIGNATURES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_XLSX_UNCOMPRESSED,
    _reject_known_binary,
    read_table,
)
from cosell.files.table import DELIMITERS, Cell, FileFormat, HeaderScore, SheetRow, Table
from cosell.i18n import Msg

__all__ = ["BytesSource", "Source", "TableStream", "open_table"]

#: Bytes read at a time while checking a file.
_BLOCK = 1024 * 1024
_SAMPLE = _text._SAMPLE
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


class Source(Protocol):
    """A stored file that can be read from the start any number of times."""

    @property
    def size(self) -> int: ...

    def open(self) -> IO[bytes]:
        """A new binary stream from the first byte (buffered: `read(n)` may be short
        only at the end)."""
        ...


@dataclass(frozen=True, slots=True)
class BytesSource:
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> IO[bytes]:
        return io.BytesIO(self.data)


class TableStream:
    """A table whose rows are read anew by each call of `rows()`."""

    format: FileFormat
    headers: list[str]
    encoding: str | None
    delimiter: str | None

    def rows(self) -> Iterator[SheetRow]:
        raise NotImplementedError

    def head(self) -> Table:
        """The table without its rows: format, headers, encoding and delimiter."""
        return Table(self.format, self.headers, [], self.encoding, self.delimiter)


class WholeTable(TableStream):
    """A table read whole (`read_table`)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.format = table.format
        self.headers = table.headers
        self.encoding = table.encoding
        self.delimiter = table.delimiter

    def rows(self) -> Iterator[SheetRow]:
        return iter(self.table.rows)


def open_table(
    source: Source,
    *,
    header_score: HeaderScore,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_xlsx_uncompressed: int = DEFAULT_MAX_XLSX_UNCOMPRESSED,
    whole_below: int = 0,
) -> TableStream:
    """Check the file and find its header row, as `read_table` does (raising the same
    `FileRejected`), without holding a CSV file whole; a file of at most `whole_below`
    bytes, and any workbook, is read whole instead.

    A problem found only further down (a quote never closed on row 400,000) is raised
    by the first pass of `rows()`, as `read_table` raises it for the whole file."""
    size = source.size
    if size == 0:
        raise FileRejected(
            Msg("The file is empty; expected a CSV or Excel file with a header row.")
        )
    if size > max_bytes:
        raise size_over_limit(size, max_bytes)
    with source.open() as stream:
        start = stream.read(_SAMPLE)
    if size <= whole_below or start.startswith(_ZIP_SIGNATURES):
        with source.open() as stream:
            data = stream.read()
        table = read_table(
            data,
            header_score=header_score,
            max_bytes=max_bytes,
            max_xlsx_uncompressed=max_xlsx_uncompressed,
        )
        return WholeTable(table)
    _reject_known_binary(start, lambda: _contains(source, _ENCRYPTED_PACKAGE))
    return _TextStream(source, start, header_score)


def _contains(source: Source, marker: bytes) -> bool:
    overlap = b""
    with source.open() as stream:
        while block := stream.read(_BLOCK):
            window = overlap + block
            if marker in window:
                return True
            overlap = window[-(len(marker) - 1) :]
    return False


class _TextStream(TableStream):
    """Delimited text read as a stream: the rules of `_text.read_text`, step by step."""

    def __init__(self, source: Source, start: bytes, header_score: HeaderScore) -> None:
        self.source = source
        self.format = "csv"
        self._header_score = header_score
        self.encoding, self._codec, self._skip = _encoding(source, start)
        csv.field_size_limit(max(csv.field_size_limit(), _text._FIELD_LIMIT))
        self._read_head()
        if self._whitespace_only():
            raise FileRejected(
                Msg(
                    "The file contains only blank lines; expected a CSV or Excel file with a "
                    "header row."
                )
            )
        if self.delimiter is None:
            self.delimiter = self._choose_delimiter()
        self.headers = self._find_headers()

    # ------------------------------------------------------------------ text
    def _open(self) -> IO[str]:
        stream = self.source.open()
        if self._skip:
            stream.read(self._skip)
        return io.TextIOWrapper(stream, encoding=self._codec, errors="strict", newline="")

    def _read_head(self) -> None:
        """The first complete lines of the text (at least _SAMPLE characters after the
        `sep=` line and up to a line feed, or all of it), with the BOM character and
        the `sep=` line taken off as `read_text` takes them off the whole text."""
        raw = ""
        self._whole = False
        with self._open() as text:
            while True:
                block = text.read(_SAMPLE)
                if not block:
                    self._whole = True
                # Complete the last line: never cut a line, nor a CR LF in two.
                raw += block + text.readline() if block else ""
                head = raw[1:] if raw.startswith("\ufeff") else raw
                head, self.delimiter = _text._split_sep_line(head)
                if self._whole or head.find("\n", _SAMPLE) != -1:
                    break
        self._raw_length = len(raw)
        self._head = head

    def _lines(self) -> Iterator[str]:
        """The text's lines after the `sep=` line, each with its line break."""
        yield from io.StringIO(self._head, newline="")
        if self._whole:
            return
        with self._open() as text:
            skipped = text.read(self._raw_length)
            assert len(skipped) == self._raw_length
            yield from text

    def _whitespace_only(self) -> bool:
        if self._head.strip():
            return False
        return not any(line.strip() for line in self._lines())

    def _choose_delimiter(self) -> str:
        cut = self._head.find("\n", _SAMPLE)
        whole = self._whole and cut in (-1, len(self._head) - 1)
        sample = self._head if cut == -1 else self._head[: cut + 1]
        best, best_score = ",", 0
        for delimiter in DELIMITERS:
            cells = _text._first_row(sample, delimiter)
            if cells is None and not whole:
                cells = _text._first_row(self._lines(), delimiter)
            if cells is not None:
                score = self._header_score(cells)
                if score > best_score:
                    best, best_score = delimiter, score
        return best

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        """(record number, cells) of every record; `FileRejected` for broken quoting."""
        assert self.delimiter is not None
        number = 0
        try:
            for record in _text._reader(self._lines(), self.delimiter):
                number += 1
                yield number, record
        except csv.Error as exc:
            raise _text._broken_row(number + 1, str(exc)) from None

    def _find_headers(self) -> list[str]:
        for number, record in self._records():
            if _text._blank(record):
                continue
            headers = trim_headers([clean_header(cell) for cell in record])
            if self._header_score(headers) <= 0:
                raise no_header(headers, number, csv=True)
            self._header_number = number
            return headers
        raise FileRejected(
            Msg(
                "The file contains only empty cells; expected a CSV or Excel file with a "
                "header row."
            )
        )

    def rows(self) -> Iterator[SheetRow]:
        width = len(self.headers)
        for number, record in self._records():
            if number <= self._header_number or _text._blank(record):
                continue
            cells: list[Cell] = record  # type: ignore[assignment]
            if len(cells) != width:
                shape_row(cells, width)
            yield SheetRow(number, cells)


def _encoding(source: Source, start: bytes) -> tuple[str, str, int]:
    """(the encoding as `read_text` names it, the codec to read with, BOM bytes to skip),
    after checking the whole file decodes, as `_text.decode` does."""
    if start.startswith(codecs.BOM_UTF32_LE) or start.startswith(codecs.BOM_UTF32_BE):
        raise _text._utf32()
    for bom, codec, name, encoding in (
        (codecs.BOM_UTF8, "utf-8", "UTF-8", "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16", "utf-16-be"),
    ):
        if start.startswith(bom):
            _check_decodes(source, len(bom), codec, name)
            _check_not_binary(source, len(bom), codec)
            return encoding, codec, len(bom)
    nul = False
    utf8: codecs.IncrementalDecoder | None = codecs.getincrementaldecoder("utf-8")()
    cp1252 = True
    with source.open() as stream:
        while block := stream.read(_BLOCK):
            nul = nul or b"\x00" in block
            if utf8 is not None:
                try:
                    utf8.decode(block)
                except UnicodeDecodeError:
                    utf8 = None
            cp1252 = cp1252 and _CP1252_UNDEFINED.search(block) is None
    if utf8 is not None:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = None
    if nul:
        raise _text._utf16_without_bom() if _text._looks_like_utf16(start) else _text._binary()
    encoding = "utf-8" if utf8 is not None else "cp1252" if cp1252 else "iso-8859-1"
    _check_not_binary(source, 0, encoding)
    return encoding, encoding, 0


def _check_decodes(source: Source, skip: int, codec: str, name: str) -> None:
    decoder = codecs.getincrementaldecoder(codec)()
    offset = skip  # of the decoder's first buffered byte in the file
    with source.open() as stream:
        stream.read(skip)
        while True:
            block = stream.read(_BLOCK)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                raise _text._undecodable(name, offset - pending + exc.start) from None
            offset += len(block)
            if not block:
                return


def _check_not_binary(source: Source, skip: int, codec: str) -> None:
    with source.open() as stream:
        stream.read(skip)
        with io.TextIOWrapper(stream, encoding=codec, errors="strict", newline="") as text:
            if _text._mostly_controls(text.read(_SAMPLE)):
                raise _text._binary()
