"""Checks an .xlsx archive before python-calamine reads it.

calamine is fast but trusts its input: a tiny workbook can make it allocate
terabytes and abort the whole process (not raise). Three things cause that,
and each is checked here on the raw archive:

* a ZIP bomb: parts that unpack to far more than the file's size. The ZIP
  directory is checked first; every part is then unpacked once, 1 MiB at a
  time, and unpacking stops one byte past the size the directory declares: a
  part that yields more (or less) than declared is damaged or crafted, and is
  rejected without ever holding more than its declared size in memory. A
  crafted 2 MB file whose directory declares 1 MiB for a part that inflates to
  2 GiB costs ~1 MiB here, not 2 GiB;
* a sparse sheet: calamine builds a dense grid from the top-left to the
  bottom-right value, so two values in A1 and XFD1048576 need 17 billion cells;
* a shared-strings table whose `uniqueCount` announces billions of strings
  (calamine reserves memory for all of them up front).

A part with a DTD (`<!DOCTYPE` or `<!ENTITY`, in UTF-8 or UTF-16) is rejected
too: no spreadsheet writer produces one, and entities are how XML parsers are
made to read local files (XXE) or expand a few bytes into gigabytes.

The sheet check has a fast path for the layout every common writer produces
(each `<c>` starts with `r="…"` and no reference is far away), which bounds the
grid without parsing; anything else is walked tag by tag the way calamine does.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
import zlib

from cosell.domain.headers import column_letter
from cosell.errors import FileRejected
from cosell.files._rows import EXPECTED_FILE, format_size, unreadable_workbook
from cosell.i18n import Msg

#: The largest grid (rows × columns from A1) a sheet may span.
MAX_SHEET_CELLS = 2_000_000

_BOMB_RATIO = 100
_BOMB_MIN_SIZE = 10 * 1024 * 1024
_CHUNK = 1024 * 1024

_Bytes = bytes | bytearray

# A DTD starts with one of these, in ASCII or in UTF-16 (an XML part may be either).
_DTD = re.compile(
    rb"<!(?:doctype|entity)"
    rb"|<\x00!\x00[dD]\x00[oO]\x00[cC]\x00[tT]\x00[yY]\x00[pP]\x00[eE]"
    rb"|<\x00!\x00[eE]\x00[nN]\x00[tT]\x00[iI]\x00[tT]\x00[yY]"
    rb"|\x00<\x00!\x00[dD]\x00[oO]\x00[cC]\x00[tT]\x00[yY]\x00[pP]\x00[eE]"
    rb"|\x00<\x00!\x00[eE]\x00[nN]\x00[tT]\x00[iI]\x00[tT]\x00[yY]",
    re.IGNORECASE,
)

# Fast path. A cell start tag that is not `<c r="`, an `r` attribute written in
# any other way (calamine accepts quotes, spaces and duplicates, the last one
# winning), a prefixed `x:c` / `x:row`, or a reference past column EZ or row
# 9999: any of these sends the sheet to the exact walk. Otherwise every value
# lies within EZ9999, 156 × 9,999 cells, which is under MAX_SHEET_CELLS.
_ODD_CELL_TAG = re.compile(rb'<c(?:[>/\t\n\r]| (?!r="))')
_ODD_R_ATTRIBUTE = re.compile(rb"""r(?:\s+=\s*["']|=\s+["']|='|(?<=[\t\n\r"']r)=")""")
_PREFIXED_TAG = re.compile(rb":(?:c|row)[\s/>]")
_FAR_REFERENCE = re.compile(
    rb' r="(?:[A-Za-z]{3}|[F-Zf-z][A-Za-z]|[A-Za-z]{0,2}\d{5}|[^A-Za-z0-9])'
)

# Exact walk.
_NOT_MARKUP = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.DOTALL)
_TAG = re.compile(
    rb"""<(/?)(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>"""
)
_ATTRIBUTE = re.compile(rb"""([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"([A-Za-z]*)([0-9]+)")

_SST_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sst\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_UNIQUE_COUNT = re.compile(rb"""uniqueCount\s*=\s*["']\s*([0-9]+)""")

_OTHER_ZIPS = (
    ("xl/workbook.bin", Msg("an Excel binary workbook (.xlsb); save it as .xlsx or CSV")),
    ("content.xml", Msg("an OpenDocument file (.ods); save it as .xlsx or CSV")),
    ("word/document.xml", Msg("a Word document")),
    ("ppt/presentation.xml", Msg("a PowerPoint presentation")),
)


def check_workbook(data: bytes, max_uncompressed: int) -> None:
    """Raise `FileRejected` unless `data` is an .xlsx archive calamine can read safely."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise unreadable_workbook(Msg("it is damaged (not a complete ZIP archive)")) from None
    names = {info.filename.lower() for info in infos}
    if "xl/workbook.xml" not in names:
        what = next((kind for name, kind in _OTHER_ZIPS if name in names), Msg("a ZIP archive"))
        raise FileRejected(
            Msg(
                "The file is %(kind)s, not an Excel workbook; %(expected)s.",
                kind=what,
                expected=EXPECTED_FILE,
            )
        )
    _check_sizes(infos, max_uncompressed)
    with archive:
        for info in infos:
            if not info.filename:  # zipfile's own `is_dir()` fails on it
                raise unreadable_workbook(Msg("it is damaged (a part has no name)"))
            if info.filename.endswith("/"):
                continue
            content = _unpack(archive, info)
            if _DTD.search(content):
                raise unreadable_workbook(
                    Msg(
                        "the workbook contains a DTD, which is not allowed (its part "
                        "'%(part)s' declares a document type or entities); save it again "
                        "from Excel or as CSV",
                        part=info.filename,
                    )
                )
            if info.filename.lower() == "xl/sharedstrings.xml":
                _check_shared_strings(content)
            elif b"sheetData" in content:
                _check_sheet_extent(content)


def _check_sizes(infos: list[zipfile.ZipInfo], max_uncompressed: int) -> None:
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > _BOMB_MIN_SIZE and info.file_size > _BOMB_RATIO * max(
            info.compress_size, 1
        ):
            raise FileRejected(
                Msg(
                    "The workbook cannot be processed safely: its part '%(part)s' unpacks "
                    "from %(packed)s to %(unpacked)s, far more than any spreadsheet needs.",
                    part=info.filename,
                    packed=format_size(info.compress_size),
                    unpacked=format_size(info.file_size),
                )
            )
    if total > max_uncompressed:
        raise FileRejected(
            Msg(
                "The workbook unpacks to %(size)s; at most %(limit)s can be processed. Remove "
                "unused sheets, pictures or formatting, or save the sheet as CSV.",
                size=format_size(total),
                limit=format_size(max_uncompressed),
            )
        )


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytearray:
    """The part's content, exactly `info.file_size` bytes, or `FileRejected`.

    The stream is told the part is one byte longer than declared, so it stops
    there (`zipfile` never yields more than the size it is given); the CRC is
    checked when the compressed data ends. Memory: the declared size plus one
    chunk, whatever the compressed data would inflate to.
    """
    declared = info.file_size
    probe = copy.copy(info)
    probe.file_size = declared + 1
    content = bytearray()
    try:
        with archive.open(probe) as stream:
            while len(content) <= declared:
                chunk = stream.read(min(_CHUNK, declared + 1 - len(content)))
                if not chunk:
                    break
                content += chunk
        if len(content) == declared:
            return content
        reason = Msg("its part '%(part)s' is damaged", part=info.filename)
    except RuntimeError:
        reason = Msg("its part '%(part)s' is encrypted", part=info.filename)
    except NotImplementedError:
        reason = Msg(
            "its part '%(part)s' uses an unsupported compression method", part=info.filename
        )
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
        reason = Msg("its part '%(part)s' is damaged", part=info.filename)
    raise unreadable_workbook(reason)


def _check_shared_strings(content: _Bytes) -> None:
    tag = _SST_TAG.search(content, 0, 64 * 1024)
    count = _UNIQUE_COUNT.search(tag.group(1)) if tag else None
    if count is None:
        return
    digits = count.group(1).lstrip(b"0")
    # Every string needs at least "<si/>" (five bytes) in the part.
    if len(digits) > 15 or int(digits or b"0") > len(content) // 5 + 1:
        raise unreadable_workbook(
            Msg("its shared-strings part announces far more strings than it holds")
        )


def _check_sheet_extent(xml: _Bytes) -> None:
    if _fast_path_applies(xml):
        return
    rows, columns = _used_extent(xml)
    if rows * columns > MAX_SHEET_CELLS:
        raise FileRejected(
            Msg(
                "A sheet of the workbook has values up to row %(rows)s and column %(column)s, "
                "a grid of %(cells)s cells; at most %(limit)s can be read. Delete the unused "
                "rows and columns (a single stray value far from the table is enough) and save "
                "the workbook again.",
                rows=f"{rows:,}",
                column=column_letter(columns - 1),
                cells=f"{rows * columns:,}",
                limit=f"{MAX_SHEET_CELLS:,}",
            )
        )


def _fast_path_applies(xml: _Bytes) -> bool:
    return not (
        _ODD_CELL_TAG.search(xml)
        or _ODD_R_ATTRIBUTE.search(xml)
        or _PREFIXED_TAG.search(xml)
        or _FAR_REFERENCE.search(xml)
    )


def _used_extent(xml: _Bytes) -> tuple[int, int]:
    """Rows and columns from A1 to the last value, positioned as calamine does.

    A cell is placed by its `r` attribute (the last one, if repeated) or after
    the previous cell; a row without `r` follows the previous row. A cell counts
    unless it is empty (`<c …/>` or `<c …></c>`); anything else may hold a value.
    """
    xml = _NOT_MARKUP.sub(b"", xml)
    row_index = column_index = 0
    last_row = last_column = -1
    for match in _TAG.finditer(xml):
        closing, name, attributes = match.groups()
        if name == b"row":
            if closing:
                row_index, column_index = row_index + 1, 0
                continue
            reference = _r_attribute(attributes)
            position = _parse_reference(reference) if reference is not None else None
            if position is not None:
                row_index = position[0]
            if attributes.rstrip().endswith(b"/"):
                row_index, column_index = row_index + 1, 0
            continue
        if closing:
            continue
        reference = _r_attribute(attributes)
        if reference is None:
            row, column = row_index, column_index
        else:
            position = _parse_reference(reference)
            if position is None or position[1] < 0:
                continue  # calamine rejects the workbook for this reference
            row, column = position
        column_index = column + 1
        if attributes.rstrip().endswith(b"/") or xml.startswith(b"</", match.end()):
            continue
        last_row = max(last_row, row)
        last_column = max(last_column, column)
    return last_row + 1, last_column + 1


def _r_attribute(attributes: bytes) -> bytes | None:
    value = None
    for match in _ATTRIBUTE.finditer(attributes):
        if match.group(1) == b"r":
            value = match.group(2) if match.group(2) is not None else match.group(3)
    return value


def _parse_reference(reference: bytes) -> tuple[int, int] | None:
    """(row, column), 0-based, of "B12"; column -1 when there are no letters."""
    match = _REFERENCE.fullmatch(reference.strip())
    if match is None:
        return None
    letters, digits = match.groups()
    row = int(digits[-12:]) - 1 if len(digits.lstrip(b"0")) <= 12 else 10**12
    column = 0
    for letter in letters.upper()[-12:]:
        column = column * 26 + letter - 64
    return max(row, 0), column - 1
