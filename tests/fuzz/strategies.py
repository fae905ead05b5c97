"""Hypothesis strategies for hostile input: mutated real files, random XML parts and
random ZIP archives (whose directory may lie), and random header rows."""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import io
import zipfile
import zlib
from decimal import Decimal

from hypothesis import strategies as st

from cosell.domain.fields import Field
from cosell.domain.headers import LANGUAGES, localized_variants
from cosell.files.writer import write_xlsx
from tests.files.builders import raw_xlsx
from tests.files.hostile import RawMember, zip_raw
from tests.support import VALID_ROW, csv_bytes, row

# ---------------------------------------------------------------------------
# Seeds: real files as the product and spreadsheet programs write them

_TOKENS = [
    b'"',
    b'""',
    b"\r",
    b"\n",
    b"\r\n",
    b",",
    b";",
    b"\t",
    b"\x00",
    b"\xff",
    b"\xfe",
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    b"sep=;\r\n",
    b"=cmd|'/c calc'!A1",
    b"'",
    b"\xc3",
    b"\xe9",
    b"01/02/2027",
    b"1.5E+20",
    b"-",
    b"Solution 99999999999",
    b"<!DOCTYPE x>",
    b"<",
    b">",
    b"&amp;",
    b"&#0;",
    b"PK\x03\x04",
    b" " * 300,
]


@functools.cache
def csv_seeds() -> tuple[bytes, ...]:
    rows = [row(), row(Deal_Name='Ärger; "quoted"\nline', Notes="=1+1"), row()]
    text = csv_bytes(rows, bom=False).decode()
    return (
        csv_bytes(rows),
        csv_bytes(rows, delimiter=";"),
        csv_bytes(rows, delimiter="\t", bom=False),
        b"sep=;\r\n" + csv_bytes(rows, delimiter=";", bom=False),
        codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        text.replace("Ärger", "\xc4rger").encode("cp1252", errors="replace"),
        text.replace("\r\n", "\r").encode(),
    )


@functools.cache
def xlsx_seeds() -> tuple[bytes, ...]:
    headers = list(VALID_ROW)
    values: list[list[str | int | Decimal | dt.date | None]] = [
        [VALID_ROW[h] for h in headers] for _ in range(3)
    ]
    values[1][headers.index("Estimated Deal Value")] = Decimal("12563.50")
    values[2][headers.index("Estimated Close Date")] = dt.date(2027, 1, 30)
    values[2][0] = None
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Customer Name'
        '</t></is></c></row><row r="2"><c r="A2"><v>12</v></c><c r="B2" t="str"><v>x</v></c>'
        "</row>"
    )
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
        'uniqueCount="1"><si><t>Deal Name</t></si></sst>'
    )
    return (
        write_xlsx(headers, values, text_columns={0, 1}),
        raw_xlsx(sheet, shared_strings=strings),
    )


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# ---------------------------------------------------------------------------
# Byte-level mutation


@st.composite
def mutated(draw: st.DrawFn, base: bytes, max_steps: int = 6) -> bytes:
    """`base` with a few random edits: flipped bytes, inserted tokens or bytes,
    deleted, duplicated or truncated ranges."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, max_steps))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["flip", "token", "bytes", "delete", "repeat", "cut"]))
        if kind == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "token":
            data[at:at] = draw(st.sampled_from(_TOKENS))
        elif kind == "bytes":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "repeat":
            piece = data[at : at + draw(st.integers(1, 256))]
            data[at:at] = piece * draw(st.integers(1, 20))
        elif kind == "cut":
            del data[at:]
    return bytes(data)


# ---------------------------------------------------------------------------
# Random XML parts

_NAMES = [
    "worksheet",
    "sheetData",
    "row",
    "c",
    "v",
    "t",
    "is",
    "si",
    "sst",
    "f",
    "r",
    "rPr",
    "workbook",
    "sheets",
    "sheet",
    "Relationships",
    "Relationship",
    "Types",
    "Override",
    "Default",
    "dimension",
    "x:c",
    "x:row",
    "mergeCell",
    "definedName",
    "numFmt",
    "xf",
]
_ATTRIBUTES = [
    "r",
    "t",
    "s",
    "count",
    "uniqueCount",
    "name",
    "sheetId",
    "r:id",
    "Id",
    "Target",
    "Type",
    "state",
    "PartName",
    "ContentType",
    "ref",
    "spans",
    "xmlns",
    "xml:space",
    "numFmtId",
]
_VALUES = st.one_of(
    st.sampled_from(
        [
            "1",
            "0",
            "A1",
            "XFD1048576",
            "ZZZZ99999999",
            "s",
            "inlineStr",
            "str",
            "b",
            "e",
            "n",
            "d",
            "rId1",
            "worksheets/sheet1.xml",
            "/xl/workbook.xml",
            "hidden",
            "99999999999999",
            "-1",
            "1:16384",
            "A1:XFD1048576",
            "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet",
        ]
    ),
    st.text(max_size=12),
)
_TEXT = st.one_of(
    st.sampled_from(
        [
            "Deal Name",
            "Customer Name",
            "1",
            "2027-01-30",
            "&amp;",
            "&lt;",
            "&#65;",
            "&#0;",
            "&bogus;",
            "]]>",
            "<![CDATA[x]]>",
            "<!-- c -->",
        ]
    ),
    st.text(max_size=20).map(lambda s: s.replace("<", "&lt;")),
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def build(name: str, attributes: list[tuple[str, str]], inner: list[str], empty: bool) -> str:
        attrs = "".join(f' {k}="{v.replace(chr(34), "&quot;")}"' for k, v in attributes)
        if empty:
            return f"<{name}{attrs}/>"
        return f"<{name}{attrs}>{''.join(inner)}</{name}>"

    return st.builds(
        build,
        st.sampled_from(_NAMES),
        st.lists(st.tuples(st.sampled_from(_ATTRIBUTES), _VALUES), max_size=4),
        st.lists(children, max_size=5),
        st.booleans(),
    )


_XML_BODY = st.recursive(_TEXT, _element, max_leaves=40)
_PROLOGS = st.sampled_from(
    [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        "",
        "<?xml version='1.0'?>",
        '<?xml version="1.0" encoding="UTF-16"?>',
        "\ufeff",
        "<!-- -->",
    ]
)


@st.composite
def xml_parts(draw: st.DrawFn) -> bytes:
    """A random XML document (sometimes broken, sometimes UTF-16)."""
    text = draw(_PROLOGS) + draw(_XML_BODY)
    if draw(st.integers(0, 9)) == 0:
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    data = text.encode()
    return draw(mutated(data, 3)) if draw(st.integers(0, 4)) == 0 else data


# ---------------------------------------------------------------------------
# Random archives

_PART_NAMES = [
    "[Content_Types].xml",
    "_rels/.rels",
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/worksheets/sheet1.xml",
    "xl/worksheets/sheet2.xml",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
    "xl/media/image1.png",
    "docProps/app.xml",
    "XL/Workbook.xml",
]


@st.composite
def archives(draw: st.DrawFn) -> bytes:
    """A ZIP archive of random parts: parts of a real workbook, random XML and random
    bytes, stored or deflated, whose directory sometimes lies about sizes or CRCs."""
    base = parts_of(draw(st.sampled_from(xlsx_seeds())))
    names = draw(
        st.lists(
            st.sampled_from(_PART_NAMES) | st.text(min_size=1, max_size=20),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    if draw(st.integers(0, 4)) > 0 and "xl/workbook.xml" not in names:
        names.append("xl/workbook.xml")
    members = []
    for name in names:
        source = draw(st.integers(0, 3))
        if source == 0 and name in base:
            content = base[name]
        elif source == 1 and name in base:
            content = draw(mutated(base[name], 4))
        elif source == 3:
            content = draw(st.binary(max_size=64))
        else:
            content = draw(xml_parts())
        members.append(_member(draw, name, content))
    return zip_raw(members)


def _member(draw: st.DrawFn, name: str, content: bytes) -> RawMember:
    if draw(st.booleans()):
        packer = zlib.compressobj(draw(st.integers(0, 9)), zlib.DEFLATED, -15)
        data, method = packer.compress(content) + packer.flush(), zipfile.ZIP_DEFLATED
    else:
        data, method = content, zipfile.ZIP_STORED
    size, crc = len(content), zlib.crc32(content)
    lie = draw(st.integers(0, 9))
    if lie == 0:
        size = draw(st.integers(0, 2**32 - 1))
    elif lie == 1:
        size = max(0, size + draw(st.integers(-8, 8)))
        crc = zlib.crc32(content[:size].ljust(size, b"\x00"))
    elif lie == 2:
        crc = draw(st.integers(0, 2**32 - 1))
    return RawMember(name, data, method, size, crc)


# ---------------------------------------------------------------------------
# Header rows


@functools.cache
def known_headers() -> tuple[str, ...]:
    texts = {f.value for f in Field} | {"Row Version", "Import Result", "Errors"}
    for locale in LANGUAGES:
        for spellings in localized_variants(locale).values():
            texts.update(spellings)
    return tuple(sorted(texts))


def _respell(text: str, how: int) -> str:
    return [
        text,
        text.upper(),
        f"  {text}\t",
        f"\ufeff{text}",
        text.replace(" ", "_"),
        text.replace(" ", "  "),
        f"{text}*",
    ][how]


header_cells = st.one_of(
    st.builds(_respell, st.sampled_from(known_headers()), st.integers(0, 6)),
    st.builds(
        "{} {}".format,
        st.sampled_from(["Solution", "Team member", "Oplossing"]),
        st.integers(-5, 10**12),
    ),
    st.text(max_size=30),
    st.just(""),
)
header_rows = st.lists(header_cells, max_size=40)
