"""CSV and tab-separated text: encoding, `sep=` line, delimiter and rows."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import cast

from cosell.errors import FileRejected
from cosell.files._rows import EXPECTED_FILE, clean_header, no_header, shape_row, trim_headers
from cosell.files.table import DELIMITERS, Cell, HeaderScore, SheetRow, Table
from cosell.i18n import Msg

# Excel writes `sep=;` as the first line of a CSV to name its delimiter and
# hides that line; other tools sometimes quote it or pad it with delimiters.
_SEP_LINE = re.compile(r'"?sep=([^\r\n])"?(?:\1|[^\S\r\n])*(?:\r\n|\n|\r|\Z)', re.IGNORECASE)
# Control characters other than TAB, LF and CR (and C1 controls, which is what
# undecodable bytes turn into): text files hold almost none of them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SAMPLE = 64 * 1024
# The row validator, not the reader, rejects overlong cells, and a cell can
# legitimately be as large as the file.
_FIELD_LIMIT = 1 << 30


def read_text(data: bytes, header_score: HeaderScore) -> Table:
    """Decode `data` as delimited text and split it into a header and data rows."""
    text, encoding = decode(data)
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    if text.startswith("\ufeff"):
        text = text[1:]
    text, delimiter = _split_sep_line(text)
    if not text.strip():
        raise FileRejected(
            Msg(
                "The file contains only blank lines; expected a CSV or Excel file with a "
                "header row."
            )
        )
    if delimiter is None:
        delimiter = _choose_delimiter(text, header_score)
    headers, rows = _parse(text, delimiter, header_score)
    return Table("csv", headers, rows, encoding=encoding, delimiter=delimiter)


def decode(data: bytes) -> tuple[str, str]:
    """Decode text bytes; return the text and the name of the encoding used.

    A byte-order mark decides (UTF-8, UTF-16 LE/BE); otherwise strict UTF-8,
    then Windows-1252, then ISO-8859-1. Raises `FileRejected` for bytes that are
    not text.
    """
    if data.startswith(codecs.BOM_UTF32_LE) or data.startswith(codecs.BOM_UTF32_BE):
        raise _utf32()
    if data.startswith(codecs.BOM_UTF8):
        text = _decode_marked(data, 3, "utf-8", "UTF-8")
        encoding = "utf-8-sig"
    elif data.startswith(codecs.BOM_UTF16_LE):
        text = _decode_marked(data, 2, "utf-16-le", "UTF-16")
        encoding = "utf-16-le"
    elif data.startswith(codecs.BOM_UTF16_BE):
        text = _decode_marked(data, 2, "utf-16-be", "UTF-16")
        encoding = "utf-16-be"
    else:
        # Without a BOM a NUL byte cannot be part of text in any supported encoding.
        if b"\x00" in data:
            raise _utf16_without_bom() if _looks_like_utf16(data) else _binary()
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                # Only five byte values are undefined in Windows-1252; Latin-1
                # maps them to C1 controls, which the binary check counts.
                text, encoding = data.decode("iso-8859-1"), "iso-8859-1"
    if _mostly_controls(text[:_SAMPLE]):
        raise _binary()
    return text, encoding


def _mostly_controls(sample: str) -> bool:
    """Whether the start of a decoded text holds too many control characters for text."""
    bad = len(_CONTROL.findall(sample))
    return bad > 8 and bad * 50 > len(sample)


def _looks_like_utf16(data: bytes) -> bool:
    """True for UTF-16 text without a BOM: NULs in most even or most odd positions (the
    high bytes of Latin text), almost none in the others, and text when decoded."""
    sample = data[: _SAMPLE & ~1]
    pairs = len(sample) // 2
    if pairs < 2:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    nuls, others = max(even, odd), min(even, odd)
    if nuls * 2 < pairs or others * 20 > nuls:
        return False
    text = sample.decode("utf-16-le" if odd > even else "utf-16-be", errors="replace")
    return len(_CONTROL.findall(text)) + text.count("\ufffd") <= pairs // 20


def _decode_marked(data: bytes, bom_size: int, codec: str, name: str) -> str:
    try:
        return data[bom_size:].decode(codec)
    except UnicodeDecodeError as exc:
        raise _undecodable(name, exc.start + bom_size) from None


def _undecodable(name: str, offset: int) -> FileRejected:
    return FileRejected(
        Msg(
            "The file starts with a %(encoding)s byte-order mark but is not valid %(encoding)s "
            "text (the bytes at offset %(offset)s cannot be decoded); "
            "save it again as 'CSV UTF-8' or 'Unicode Text'.",
            encoding=name,
            offset=offset,
        )
    )


def _utf32() -> FileRejected:
    return FileRejected(
        Msg(
            "The file is UTF-32 text, which is not supported; save it as 'CSV UTF-8' "
            "or 'Unicode Text' (UTF-16)."
        )
    )


def _utf16_without_bom() -> FileRejected:
    return FileRejected(
        Msg(
            "The file looks like UTF-16 without a byte-order mark; save it as UTF-8 "
            "('CSV UTF-8' in Excel) or as 'Unicode Text', which has one."
        )
    )


def _binary() -> FileRejected:
    return FileRejected(
        Msg(
            "The file does not look like text (it contains binary data); %(expected)s.",
            expected=EXPECTED_FILE,
        )
    )


def _split_sep_line(text: str) -> tuple[str, str | None]:
    match = _SEP_LINE.match(text)
    if match is None:
        return text, None
    delimiter = match.group(1)
    if delimiter not in DELIMITERS:
        raise FileRejected(
            Msg(
                "The first line '%(line)s' names %(delimiter)s as the delimiter; "
                "expected a comma, a semicolon or a tab.",
                line=match.group(0).strip(),
                delimiter=repr(delimiter),
            )
        )
    return text[match.end() :], delimiter


def _reader(text: str | Iterable[str], delimiter: str) -> Iterator[list[str]]:
    """CSV records of a text, or of its lines (each with its line break, as a text file
    opened with newline="" gives them)."""
    # newline="" splits records on CRLF, LF and CR alike and leaves line breaks
    # inside quoted cells to the csv module; strict=True reports broken quoting.
    return csv.reader(
        io.StringIO(text, newline="") if isinstance(text, str) else text,
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        strict=True,
    )


def _choose_delimiter(text: str, header_score: HeaderScore) -> str:
    """The delimiter under which the first non-empty row scores best; comma on a tie."""
    # The header is near the top: parsing a few lines instead of a 20 MiB text
    # three times matters. The full text is the fallback when that is not enough.
    cut = text.find("\n", _SAMPLE)
    sample = text if cut == -1 else text[: cut + 1]
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        cells = _first_row(sample, delimiter)
        if cells is None and sample is not text:
            cells = _first_row(text, delimiter)
        if cells is not None:
            score = header_score(cells)
            if score > best_score:
                best, best_score = delimiter, score
    return best


def _first_row(text: str | Iterable[str], delimiter: str) -> list[str] | None:
    try:
        for record in _reader(text, delimiter):
            if not _blank(record):
                return trim_headers([clean_header(cell) for cell in record])
    except csv.Error:
        return None
    return None


def _parse(
    text: str, delimiter: str, header_score: HeaderScore
) -> tuple[list[str], list[SheetRow]]:
    headers: list[str] | None = None
    width = 0
    rows: list[SheetRow] = []
    # Row numbers count records, not physical lines, and blank records too:
    # that is how Excel numbers the rows of a CSV file it opens.
    number = 0
    try:
        for record in _reader(text, delimiter):
            number += 1
            if _blank(record):
                continue
            if headers is None:
                headers = trim_headers([clean_header(cell) for cell in record])
                if header_score(headers) <= 0:
                    raise no_header(headers, number, csv=True)
                width = len(headers)
                continue
            cells = cast(list[Cell], record)
            if len(cells) != width:
                shape_row(cells, width)
            rows.append(SheetRow(number, cells))
    except csv.Error as exc:
        raise _broken_row(number + 1, str(exc)) from None
    if headers is None:
        raise FileRejected(
            Msg(
                "The file contains only empty cells; expected a CSV or Excel file with a "
                "header row."
            )
        )
    return headers, rows


def _blank(record: list[str]) -> bool:
    return not any(record) or not "".join(record).strip()


def _broken_row(number: int, reason: str) -> FileRejected:
    if "unexpected end of data" in reason:
        return FileRejected(
            Msg(
                "Row %(row)s: a quoted cell is not closed (the file ends inside quotes). "
                'Check row %(row)s for a missing closing quote (").',
                row=number,
            )
        )
    if "expected after" in reason:
        return FileRejected(
            Msg(
                "Row %(row)s: a quoted cell has text after its closing quote. A cell that "
                'starts with a quote (") must end with a quote followed by the delimiter or '
                'the end of the line; a quote inside a cell is written as two quotes ("").',
                row=number,
            )
        )
    return FileRejected(
        Msg("Row %(row)s cannot be read as CSV text: %(reason)s.", row=number, reason=reason)
    )
