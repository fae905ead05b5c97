"""Workbooks that would exhaust memory are rejected before python-calamine reads them.

If one of these checks regressed, calamine would abort the test process itself:
the crash is the failure.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from typing import Any

import pytest
import python_calamine as calamine
from hypothesis import given, settings
from hypothesis import strategies as st

from cosell.errors import FileRejected
from cosell.files._workbook_guard import _fast_path_applies, _used_extent
from cosell.files.reader import read_table
from cosell.files.table import Table
from tests.files.builders import header_score, raw_xlsx, with_declared_size, xlsx_from, zip_of

HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>Deal Name</t></is></c></row>'


def read(data: bytes, **limits: int) -> Table:
    return read_table(data, header_score=header_score, **limits)


def rejection(data: bytes, **limits: int) -> str:
    with pytest.raises(FileRejected) as caught:
        read(data, **limits)
    return caught.value.message


def sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


# ---------------------------------------------------------------------------
# ZIP bombs


def test_highly_compressed_part_is_rejected() -> None:
    zeros = b"\x00" * (11 * 1024 * 1024)
    data = raw_xlsx(HEADER)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts["xl/media/image1.png"] = zeros
    message = rejection(zip_of(parts))
    assert message.startswith(
        "The workbook cannot be processed safely: its part 'xl/media/image1.png' unpacks from "
    )
    assert message.endswith("to 11 MiB, far more than any spreadsheet needs.")


def test_total_unpacked_size_is_limited_at_the_default() -> None:
    parts = {"xl/workbook.xml": b"<workbook/>"}
    parts |= {f"xl/media/image{i}.bin": os.urandom(2 * 1024 * 1024) for i in (1, 2)}
    data = zip_of(parts, stored=True)
    for name in ("xl/media/image1.bin", "xl/media/image2.bin"):
        data = with_declared_size(data, name, 150 * 1024 * 1024)
    assert rejection(data).startswith(
        "The workbook unpacks to 300 MiB; at most 200 MiB can be processed."
    )


def test_total_unpacked_size_limit_is_a_parameter() -> None:
    data = xlsx_from(lambda workbook, sheet: sheet.write_string(0, 0, "Deal Name"))
    message = rejection(data, max_xlsx_uncompressed=2048)
    assert message.startswith("The workbook unpacks to ")
    assert "; at most 2 KiB can be processed." in message


def test_directory_that_understates_a_size_is_caught() -> None:
    data = raw_xlsx(HEADER + '<row r="2"><c r="A2"><v>1</v></c></row>' * 2000)
    data = with_declared_size(data, "xl/worksheets/sheet1.xml", 100)
    assert rejection(data) == (
        "The file looks like an Excel workbook but cannot be read: "
        "its part 'xl/worksheets/sheet1.xml' is damaged."
    )


# ---------------------------------------------------------------------------
# Sparse sheets


def test_value_in_the_last_cell_is_rejected() -> None:
    # What Excel writes; XlsxWriter would take a second to build it.
    stray = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    message = rejection(raw_xlsx(HEADER + stray))
    assert message == (
        "A sheet of the workbook has values up to row 1,048,576 and column XFD, a grid of "
        "17,179,869,184 cells; at most 2,000,000 can be read. Delete the unused rows and "
        "columns (a single stray value far from the table is enough) and save the workbook "
        "again."
    )


def test_formatting_far_away_is_not_a_value() -> None:
    formatted = '<row r="1048576"><c r="XFD1048576" s="1"/><c r="XFC1048576" s="1"></c></row>'
    data = raw_xlsx(HEADER + '<row r="2"><c r="A2"><v>7</v></c></row>' + formatted)
    table = read(data)
    assert [(row.number, row.cells) for row in table.rows] == [(2, ["7"])]


def test_many_rows_are_fine() -> None:
    data = raw_xlsx(HEADER + '<row r="12000"><c r="A12000"><v>5</v></c></row>')
    assert not _fast_path_applies(sheet_xml(data))
    assert [(row.number, row.cells) for row in read(data).rows] == [(12000, ["5"])]


@pytest.mark.parametrize(
    "cells",
    [
        # calamine takes the last of repeated attributes
        """<row r="2"><c r="A2" r='XFD1048576'><v>1</v></c></row>""",
        '<row r="2"><c r = "XFD1048576"><v>1</v></c></row>',
        '<row r="2"><c\nr="XFD1048576"><v>1</v></c></row>',
        '<row r="2"><x:c r="XFD1048576"><x:v>1</x:v></x:c></row>',
        # a cell without a reference follows its row's reference
        '<row r="2"><c r="Z2"><v>1</v></c></row><row r="1048576"><c><v>1</v></c></row>',
        # ... and a comment cannot reset the row
        '<row r="1048576"><!-- <row r="2"> --><c><v>1</v></c></row>'
        '<row r="3"><c r="Z3"><v>1</v></c></row>',
        # cells without references pile up to the right
        '<row r="1048576"><c><v>1</v></c></row><row r="1">' + "<c><v>1</v></c>" * 30 + "</row>",
        # a quoted ">" inside an attribute does not end the tag
        """<row r="2"><c r="A2" t='>' r="XFD1048576"><v>1</v></c></row>""",
    ],
)
def test_sparse_layouts_written_oddly_are_rejected(cells: str) -> None:
    assert "a grid of" in rejection(raw_xlsx(HEADER + cells))


def test_common_writers_take_the_fast_path() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        date = workbook.add_format({"num_format": "mm/dd/yyyy"})
        for row in range(200):
            notes = ["Partner = Contoso", "a\nb", "it's", "Note:c1"]
            sheet.write_row(row, 0, [f"text {row}", row, "=not a formula", *notes])
            sheet.write_datetime(row, 7, dt.date(2027, 1, 30), date)

    for options in ({}, {"constant_memory": True}):
        assert _fast_path_applies(sheet_xml(xlsx_from(build, **options)))


def test_shared_strings_that_announce_billions_are_rejected() -> None:
    data = raw_xlsx(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>',
        shared_strings=(
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'count="1" uniqueCount="1000000000000"><si><t>Deal Name</t></si></sst>'
        ),
    )
    assert rejection(data) == (
        "The file looks like an Excel workbook but cannot be read: "
        "its shared-strings part announces far more strings than it holds."
    )


# ---------------------------------------------------------------------------
# The exact walk places cells where calamine does.

_QUOTED = ('r="{}"', "r='{}'", 'r = "{}"')
_SEPARATORS = (" ", "\n", "\t")


def _reference(column: int, row: int) -> str:
    return chr(65 + column) + str(row)


_cell = st.fixed_dictionaries(
    {
        "ref": st.none() | st.tuples(st.integers(0, 20), st.integers(1, 20)),
        "again": st.none() | st.tuples(st.integers(0, 20), st.integers(1, 20)),
        "quote": st.sampled_from(_QUOTED),
        "separator": st.sampled_from(_SEPARATORS),
        "value": st.sampled_from(["none", "number", "inline"]),
    }
)
_row = st.tuples(st.none() | st.integers(1, 20), st.lists(_cell, max_size=5))


def _cell_xml(cell: dict[str, Any]) -> str:
    attributes = ""
    for ref in (cell["ref"], cell["again"] if cell["ref"] else None):
        if ref is not None:
            attributes += cell["separator"] + cell["quote"].format(_reference(*ref))
    if cell["value"] == "number":
        return f"<c{attributes}><v>1</v></c>"
    if cell["value"] == "inline":
        return f'<c{attributes} t="inlineStr"><is><t>x</t></is></c>'
    return f"<c{attributes}/>"


@settings(max_examples=150, deadline=None)
@given(st.lists(_row, max_size=6), st.booleans())
def test_exact_walk_matches_calamine(
    rows: list[tuple[int | None, list[Any]]], prefix: bool
) -> None:
    xml = ""
    for number, cells in rows:
        start = f'<row r="{number}">' if number else "<row>"
        xml += start + "".join(_cell_xml(cell) for cell in cells) + "</row>"
    if prefix:
        xml = xml.replace("<c", "<x:c").replace("</c>", "</x:c>").replace("<row", "<x:row")
        xml = xml.replace("</row>", "</x:row>")
    data = raw_xlsx(xml)
    with calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
        end = workbook.get_sheet_by_index(0).end
    expected = (end[0] + 1, end[1] + 1) if end else (0, 0)
    assert _used_extent(sheet_xml(data)) == expected
