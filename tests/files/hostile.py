"""Hostile files built in code: ZIP archives whose directory lies, and their parts.

`zip_raw` writes an archive byte by byte, so a test can declare any size and
CRC in the local headers and the central directory, whatever the data holds.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from tests.files.builders import raw_xlsx

HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>Deal Name</t></is></c></row>'
_BLOCK = 16 * 1024 * 1024


@dataclass(frozen=True)
class RawMember:
    """One member as stored: `data` is already compressed with `method`; the sizes and
    the CRC are what the archive declares (in both headers)."""

    name: str
    data: bytes
    method: int
    declared_size: int
    crc: int


def zip_raw(members: list[RawMember]) -> bytes:
    """An archive of `members` with exactly the declared sizes and CRCs."""
    out = io.BytesIO()
    central = io.BytesIO()
    for member in members:
        name = member.name.encode()
        offset = out.tell()
        sizes = (member.crc, len(member.data), member.declared_size)
        out.write(
            struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, 0, member.method, 0, 0x21, *sizes, len(name), 0
            )
        )
        out.write(name + member.data)
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                member.method,
                0,
                0x21,
                *sizes,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    count = len(members)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(directory), start, 0))
    return out.getvalue()


def deflated(content: bytes, name: str) -> RawMember:
    """A truthful deflated member."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(content) + compressor.flush()
    return RawMember(name, data, zipfile.ZIP_DEFLATED, len(content), zlib.crc32(content))


def zeros_stream(size: int) -> bytes:
    """A raw deflate stream that inflates to `size` zero bytes (a multiple of 16 MiB),
    built without compressing them: after a full flush every 16 MiB block of zeros
    compresses to the same bytes, so one block is repeated."""
    assert size % _BLOCK == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = bytes(_BLOCK)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    return first + again * (size // _BLOCK - 1) + compressor.flush()


def workbook_parts(sheet_data: str = HEADER_ROW) -> list[RawMember]:
    """The parts of a minimal readable workbook, as truthful deflated members."""
    with zipfile.ZipFile(io.BytesIO(raw_xlsx(sheet_data))) as archive:
        return [deflated(archive.read(name), name) for name in archive.namelist()]


def understated_bomb(
    inflated: int = 2 * 1024 * 1024 * 1024, declared: int = 1024 * 1024, name: str = ""
) -> bytes:
    """A ~2 MB workbook with a part that inflates to `inflated` zero bytes while the
    directory declares `declared` bytes, with the CRC of that many zeros (so a reader
    that stops at the declared size sees a valid part)."""
    bomb = RawMember(
        name or "xl/media/image1.png",
        zeros_stream(inflated),
        zipfile.ZIP_DEFLATED,
        declared,
        zlib.crc32(bytes(declared)),
    )
    return zip_raw([*workbook_parts(), bomb])
