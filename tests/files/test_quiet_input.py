"""Input that used to pass quietly is now named: UTF-16 text without a byte-order mark,
a DTD in a workbook, and values to the right of the last header."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest

from cosell.domain.headers import column_letter, header_score, map_columns
from cosell.domain.rows import RowError, RowParser
from cosell.errors import FileRejected
from cosell.files.reader import read_table
from tests.files.builders import raw_xlsx, xlsx_from, zip_of
from tests.support import World, csv_bytes, row, run_import

UTF16 = (
    "The file looks like UTF-16 without a byte-order mark; save it as UTF-8 ('CSV UTF-8' in "
    "Excel) or as 'Unicode Text', which has one."
)
DTD = "The file looks like an Excel workbook but cannot be read: the workbook contains a DTD"


def rejection(data: bytes) -> str:
    with pytest.raises(FileRejected) as caught:
        read_table(data, header_score=header_score)
    return caught.value.message


# ---------------------------------------------------------------------------
# UTF-16 without a byte-order mark


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text",
    [
        "Deal Name,Customer Name\r\nContoso deal,Contoso\r\n",
        "Deal Name\tCustomer Name\r\nCafé Ünïcode,Zoë\r\n",
        "Deal Name\n",
    ],
    ids=["comma", "tab-accents", "header-only"],
)
def test_utf16_without_bom_is_named(codec: str, text: str) -> None:
    assert rejection(text.encode(codec)) == UTF16


def test_utf16_without_bom_of_a_real_export_is_named() -> None:
    text = csv_bytes([row(), row()], bom=False).decode()
    assert rejection(text.encode("utf-16-le")) == UTF16


@pytest.mark.parametrize(
    "data",
    [b"Deal Name\r\nA\x00B\r\n", bytes(range(256)) * 8, b"\x00" * 64],
    ids=["one-nul", "all-bytes", "only-nuls"],
)
def test_other_bytes_with_nuls_are_still_binary(data: bytes) -> None:
    assert rejection(data).startswith("The file does not look like text")


# ---------------------------------------------------------------------------
# A DTD in any XML part of a workbook

_XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
_LAUGHS = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'


def _with_dtd(part: str, dtd: str, *, utf16: bool = False) -> bytes:
    with zipfile.ZipFile(io.BytesIO(raw_xlsx(_HEADER, shared_strings=_SST))) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    text = parts[part].decode()
    if text.startswith("<?xml"):
        end = text.index("?>") + 2
        text = text[:end] + dtd + text[end:]
    else:
        text = dtd + text
    if utf16:
        text = text.replace('encoding="UTF-8"', 'encoding="UTF-16"')
        parts[part] = b"\xff\xfe" + text.encode("utf-16-le")
    else:
        parts[part] = text.encode()
    return zip_of(parts)


_HEADER = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
_SST = (
    '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>Deal Name</t></si></sst>'
)


def test_the_workbook_without_a_dtd_is_read() -> None:
    table = read_table(raw_xlsx(_HEADER, shared_strings=_SST), header_score=header_score)
    assert table.headers == ["Deal Name"]


def _parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize(
    "part",
    [
        "[Content_Types].xml",
        "_rels/.rels",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/worksheets/sheet1.xml",
        "xl/sharedStrings.xml",
    ],
)
@pytest.mark.parametrize(
    "dtd",
    [_XXE, _LAUGHS, "<!DOCTYPE worksheet>", "<!doctype worksheet>", '<!ENTITY x "y">'],
    ids=["xxe", "laughs", "doctype", "lowercase", "entity-only"],
)
def test_a_dtd_in_any_part_rejects_the_workbook(part: str, dtd: str) -> None:
    message = rejection(_with_dtd(part, dtd))
    assert message == (
        f"{DTD}, which is not allowed (its part '{part}' declares a document type or "
        "entities); save it again from Excel or as CSV."
    )


def test_a_dtd_in_a_utf16_part_rejects_the_workbook() -> None:
    assert rejection(_with_dtd("xl/worksheets/sheet1.xml", _XXE, utf16=True)).startswith(DTD)


def test_a_dtd_in_a_part_nobody_reads_rejects_the_workbook() -> None:
    parts = _parts_of(raw_xlsx(_HEADER, shared_strings=_SST))
    parts["customXml/item1.xml"] = f'<?xml version="1.0"?>{_XXE}<x>&xxe;</x>'.encode()
    assert rejection(zip_of(parts)).startswith(DTD)


def test_doctype_as_cell_text_is_only_text() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_row(0, 0, ["Deal Name", "Notes"])
        sheet.write_row(1, 0, ["x", _XXE])

    table = read_table(xlsx_from(build), header_score=header_score)
    assert table.rows[0].cells == ["x", _XXE]


# ---------------------------------------------------------------------------
# Values to the right of the last header


def _errors(data: bytes) -> list[list[RowError]]:
    table = read_table(data, header_score=header_score)
    parser = RowParser(map_columns(table.headers), table.headers)
    return [parser.parse(r.number, r.cells).errors for r in table.rows]


def _past(column: str, value: str) -> RowError:
    return RowError(
        f"Column {column} (no header)",
        f'"{value}" is not in any column, give the column a header or delete the value',
    )


def test_csv_values_right_of_the_last_header_are_reported() -> None:
    data = b"Deal Name,Customer Name,,\r\nA,B,,xyz\r\nC,D\r\nE,F, , \r\nG,H,1;2,\r\n"
    assert _errors(data) == [[_past("D", "xyz")], [], [], [_past("C", "1,2")]]


def test_xlsx_values_right_of_the_last_header_are_reported() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        date = workbook.add_format({"num_format": "mm/dd/yyyy"})
        sheet.write_row(0, 0, ["Deal Name", "Customer Name"])
        sheet.write_row(1, 0, ["A", "B", 42])
        sheet.write_row(2, 0, ["C", "D"])
        sheet.write_datetime(2, 5, dt.datetime(2027, 1, 30), date)
        sheet.write_string(3, 0, "E")
        sheet.write_string(3, 27, "x" * 100)

    assert _errors(xlsx_from(build)) == [
        [_past("C", "42")],
        [_past("F", "01/30/2027")],
        [_past("AB", "x" * 57 + "…")],
    ]


def test_an_import_reports_values_right_of_the_last_header(world: World) -> None:
    lines = csv_bytes([row(), row()]).split(b"\r\n")
    lines[2] += b",stray value"
    imported = run_import(world, world.admin, b"\r\n".join(lines))
    assert imported.status == "completed"
    assert imported.summary["created"] == 1 and imported.summary["failed"] == 1
    column = f"Column {column_letter(len(row()))} (no header)"
    assert imported.failures == {
        3: [
            f'{column}: "stray value" is not in any column, give the column a header or '
            "delete the value"
        ]
    }


def test_a_part_without_a_name_is_a_damaged_workbook() -> None:
    """Found by `make fuzz`: a ZIP entry with an empty name made zipfile raise IndexError."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(zipfile.ZipInfo(""), "x")
    with pytest.raises(FileRejected, match=r"cannot be read: it is damaged \(a part has no name\)"):
        read_table(out.getvalue(), header_score=header_score)
