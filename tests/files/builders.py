"""Files built in code for the reader and writer tests, and a stand-in header score."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

import xlsxwriter

from cosell.domain.fields import Field

_KNOWN = {field.value.casefold() for field in Field}
_NUMBERED = re.compile(r"(?:solution|team member) \d+", re.IGNORECASE)


def header_score(cells: Sequence[str]) -> int:
    """Count the cells that are a canonical English header (the real registry is richer)."""
    return sum(1 for cell in cells if cell.casefold() in _KNOWN or _NUMBERED.fullmatch(cell))


def xlsx_from(build: Callable[[Any, Any], None], **options: Any) -> bytes:
    """A workbook made by XlsxWriter; `build(workbook, worksheet)` fills the first sheet."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"in_memory": True, **options})
    worksheet = workbook.add_worksheet()
    build(workbook, worksheet)
    workbook.close()
    return output.getvalue()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def raw_xlsx(sheet_data: bytes | str, *, shared_strings: bytes | str | None = None) -> bytes:
    """A minimal workbook whose only sheet has the given `<sheetData>` content, byte for byte."""
    if isinstance(sheet_data, str):
        sheet_data = sheet_data.encode()
    parts: dict[str, bytes] = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" '
            f'xmlns:r="{_RELS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<worksheet xmlns="{_MAIN}" xmlns:x="{_MAIN}"><sheetData>'
        ).encode()
        + sheet_data
        + b"</sheetData></worksheet>",
    }
    if shared_strings is not None:
        if isinstance(shared_strings, str):
            shared_strings = shared_strings.encode()
        parts["xl/sharedStrings.xml"] = shared_strings
    return zip_of(parts)


def zip_of(parts: dict[str, bytes], *, stored: bool = False) -> bytes:
    output = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(output, "w", method) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return output.getvalue()


def with_declared_size(archive: bytes, member: str, size: int) -> bytes:
    """Rewrite the size the ZIP directory declares for `member` (the data stays the same)."""
    data = bytearray(archive)
    name = member.encode()
    position = data.find(b"PK\x01\x02")
    while position != -1:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if bytes(data[position + 46 : position + 46 + name_length]) == name:
            struct.pack_into("<I", data, position + 24, size)
            return bytes(data)
        position = data.find(b"PK\x01\x02", position + 46)
    raise AssertionError(f"{member} is not in the archive")
