"""The streaming reader reads exactly what the whole-file reader reads: the same header,
rows, row numbers, encoding and delimiter, or the same rejection, for any bytes.

The samples and read blocks are made tiny here, so small files cross every boundary
the streaming reader has (a block ending between CR and LF, a `sep=` line, a header
row longer than the sample, a quoted cell spanning blocks).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cosell.errors import FileRejected
from cosell.files import _text, stream
from cosell.files.reader import read_table
from cosell.files.stream import BytesSource, open_table
from tests.files.builders import header_score
from tests.fuzz.strategies import csv_seeds, mutated
from tests.support import csv_bytes, row

PARITY = settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
)


@pytest.fixture(autouse=True, params=[None, 7], ids=["real-sizes", "tiny-blocks"])
def block_sizes(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.param is None:
        yield
        return
    patch = pytest.MonkeyPatch()
    patch.setattr(_text, "_SAMPLE", 16)
    patch.setattr(stream, "_SAMPLE", 16)
    patch.setattr(stream, "_BLOCK", request.param)
    yield
    patch.undo()


def outcome(read) -> object:
    try:
        return read()
    except FileRejected as exc:
        return ("rejected", exc.message)


def whole(data: bytes) -> object:
    def read() -> object:
        table = read_table(data, header_score=header_score)
        return (table.format, table.headers, table.encoding, table.delimiter, table.rows)

    return outcome(read)


def streamed(data: bytes) -> object:
    def read() -> object:
        table = open_table(BytesSource(data), header_score=header_score)
        first = list(table.rows())
        again = list(table.rows())
        assert first == again
        return (table.format, table.headers, table.encoding, table.delimiter, first)

    return outcome(read)


def same(data: bytes) -> None:
    assert streamed(data) == whole(data)


CASES = {
    "plain": csv_bytes([row(), row()]),
    "no bom": csv_bytes([row()], bom=False),
    "semicolons": csv_bytes([row(), row()], delimiter=";"),
    "sep line": b"sep=;\r\n" + csv_bytes([row()], delimiter=";", bom=False),
    "quoted sep line": b'"sep=;";;\n' + csv_bytes([row()], delimiter=";", bom=False),
    "bad sep": b"sep=|\r\nDeal Name\r\nx\r\n",
    "cr only": csv_bytes([row(), row()]).replace(b"\r\n", b"\r"),
    "lf only": csv_bytes([row(), row()]).replace(b"\r\n", b"\n"),
    "quoted newline": b'Deal Name,Notes\r\n"a","line 1\r\nline 2"\r\nb,c\r\n',
    "open quote": b'Deal Name,Notes\r\na,"never closed\r\nb,c\r\n',
    "text after quote": b'Deal Name,Notes\r\na,"x"y\r\n',
    "blank lines": b"  \r\n\r\n\t\r\n",
    "empty cells": b",,,\r\n,,\r\n",
    "only header": b"Deal Name,Notes\r\n",
    "unknown header": b"Foo,Bar\r\n1,2\r\n",
    "blank rows between": b"\r\n\r\nDeal Name,Notes\r\n\r\na,b\r\n,\r\nc,d\r\n",
    "past last header": b"Deal Name,Notes\r\na,b,c,,\r\nd,e,,\r\n",
    "utf16 le": "Deal Name\tNotes\r\nä,ö\r\n".encode("utf-16"),
    "utf16 be": codecs.BOM_UTF16_BE + "Deal Name\tNotes\r\nä,ö\r\n".encode("utf-16-be"),
    "utf16 without bom": "Deal Name,Notes\r\na,b\r\n".encode("utf-16-le"),
    "utf16 broken": codecs.BOM_UTF16_LE + "Deal Name\r\n".encode("utf-16-le") + b"\x00\xd8",
    "utf8 bom broken": codecs.BOM_UTF8 + b"Deal Name\r\nab\xffcd\r\n",
    "utf8 bom truncated": codecs.BOM_UTF8 + b"Deal Name\r\nab\xc3",
    "utf32": codecs.BOM_UTF32_LE + "Deal Name".encode("utf-32-le"),
    "cp1252": "Deal Name,Notes\r\ncafé,€\r\n".encode("cp1252"),
    "latin1": b"Deal Name,Notes\r\n\x81,x\r\n",
    "nul": b"Deal Name,Notes\r\na\x00,b\r\n",
    "binary": bytes(range(1, 32)) * 20,
    "two boms": codecs.BOM_UTF8 + "\ufeffDeal Name\r\nx\r\n".encode(),
    "pdf": b"%PDF-1.4 whatever",
    "ole2": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"x" * 40,
    "ole2 encrypted": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    + b"x" * 40
    + "EncryptedPackage".encode("utf-16-le"),
    "long header": ("Deal Name," + "x" * 200 + "\r\n" + "a,b\r\n").encode(),
    "long quoted header": ('"Deal Name' + "\r\n" * 30 + '",Notes\r\na,b\r\n').encode(),
    "whitespace then text": b"   \r\n   \r\nDeal Name\r\nx\r\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_streamed_reads_as_whole(name: str) -> None:
    same(CASES[name])


def test_a_big_file_streams_the_same_rows() -> None:
    data = csv_bytes([row(Deal_Name=f"deal {i}") for i in range(3000)])
    same(data)


@PARITY
@given(st.sampled_from(csv_seeds()).flatmap(mutated))
@example(b"sep=,\r")
@example(b"Deal Name\r")
def test_mutated_files_read_the_same(data: bytes) -> None:
    same(data)


@PARITY
@given(
    st.text(alphabet=st.sampled_from('ab,;\t"\r\n \ufeffé'), max_size=300),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_random_text_reads_the_same(text: str, codec: str) -> None:
    same(("Deal Name,Notes\r\n" + text).encode(codec, errors="replace"))
    same(text.encode(codec, errors="replace"))
