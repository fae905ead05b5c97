"""Read an uploaded file into a `Table`: bytes in, header and rows out.

The type is decided by the content, never by the file name: a ZIP archive
holding `xl/workbook.xml` is an Excel workbook, known binary formats are
rejected by name, and anything else is read as delimited text (rules §2.3).
Every problem with the file as a whole is a `FileRejected` whose message says
what was expected; no parser exception escapes.
"""

from __future__ import annotations

from collections.abc import Callable

from cosell.errors import FileRejected
from cosell.files._rows import EXPECTED_FILE, size_over_limit
from cosell.files._text import read_text
from cosell.files._xlsx import read_xlsx
from cosell.files.table import HeaderScore, Table
from cosell.i18n import Msg

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_XLSX_UNCOMPRESSED", "check_size", "read_table"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024

_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# An encrypted .xlsx is an OLE2 container with a stream of this (UTF-16) name.
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_BINARY_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", Msg("a PNG image")),
    (b"%PDF-", Msg("a PDF document")),
    (b"GIF87a", Msg("a GIF image")),
    (b"GIF89a", Msg("a GIF image")),
    (b"\xff\xd8\xff", Msg("a JPEG image")),
    (b"\x1f\x8b", Msg("a gzip archive")),
    (b"Rar!\x1a\x07", Msg("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", Msg("a 7-Zip archive")),
)


def read_table(
    data: bytes,
    *,
    header_score: HeaderScore,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_xlsx_uncompressed: int = DEFAULT_MAX_XLSX_UNCOMPRESSED,
) -> Table:
    """Read a CSV/TXT or XLSX file into its header row and non-empty data rows.

    `header_score(cells)` counts the recognized headers among a row's cells
    (cleaned as `headers` below); it picks the CSV delimiter (the best score
    wins, comma on a tie, unless a `sep=` first line names it), and a header
    row scoring 0 rejects the file.

    The returned table holds:

    * `headers`: the first non-empty row, each cell without BOM or surrounding
      whitespace, trailing empty headers dropped;
    * `rows`: every later row that has a non-blank cell, each padded with "" to
      `len(headers)`. A row with values past the last header keeps them (its
      `cells` is then longer than `headers`) so the row validator can report
      them. CSV cells are the text as written (not stripped, still
      neutralized); XLSX cells are text or `datetime.date` for date cells;
    * `SheetRow.number`: the row number a spreadsheet shows: the header row is
      1 in a file that starts with it, blank rows are skipped but counted, an
      Excel `sep=` line is not counted, and a CSV record spanning several lines
      is one row. In a workbook, rows above and columns left of the first
      used cell are not part of the table, but row numbers still count from
      the sheet's row 1;
    * `encoding` and `delimiter` for CSV (for example "utf-8-sig" and ";").

    A file without data rows is not an error here: `rows` is then empty.

    Raises `FileRejected` for an empty or oversized file (`max_bytes`), a
    binary or unsupported format, undecodable text, broken quoting, a workbook
    that is damaged or unpacks beyond `max_xlsx_uncompressed` bytes, or no
    recognizable header row.
    """
    if not data:
        raise FileRejected(
            Msg("The file is empty; expected a CSV or Excel file with a header row.")
        )
    if len(data) > max_bytes:
        raise size_over_limit(len(data), max_bytes)
    if data.startswith(_ZIP_SIGNATURES):
        return read_xlsx(data, header_score, max_xlsx_uncompressed)
    _reject_known_binary(data)
    return read_text(data, header_score)


def _reject_known_binary(data: bytes, encrypted: Callable[[], bool] | None = None) -> None:
    """Refuse the binary formats people upload by mistake, by their first bytes (`data`
    may be only the start of the file; `encrypted` then says whether the whole file
    holds an encrypted package)."""
    if data.startswith(_OLE2_SIGNATURE):
        if encrypted() if encrypted is not None else _ENCRYPTED_PACKAGE in data:
            raise FileRejected(
                Msg(
                    "The file is a password-protected Excel workbook; remove the password "
                    "(File › Info › Protect Workbook) and upload it again."
                )
            )
        raise FileRejected(
            Msg(
                "The file is an old Excel 97-2003 workbook (.xls), which cannot be read; open "
                "it in Excel and save it as .xlsx or CSV."
            )
        )
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise FileRejected(
                Msg("The file is %(kind)s; %(expected)s.", kind=kind, expected=EXPECTED_FILE)
            )


def check_size(size: int, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Raise FileTooLarge when a file of `size` bytes is over the limit (callers refuse
    an upload with it before storing anything)."""
    if size > max_bytes:
        raise size_over_limit(size, max_bytes)
