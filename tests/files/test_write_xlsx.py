"""Writing XLSX: typed cells, never formulas, the header, and the import template."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from typing import Any

import pytest
import python_calamine as calamine
from hypothesis import given, settings
from hypothesis import strategies as st

from cosell.domain.formula import unneutralize
from cosell.files.reader import read_table
from cosell.files.table import OutCell
from cosell.files.writer import write_xlsx
from tests.files.builders import header_score

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
HEADERS = [
    "Referral ID",
    "Customer D-U-N-S ID",
    "Customer Postal Code",
    "Estimated Deal Value",
    "Estimated Close Date",
    "Notes",
    "Sales Stage",
]
TEXT_COLUMNS = [0, 1, 2]
ROWS: list[list[OutCell]] = [
    ["81466849", "081466849", 98052, Decimal("12563.50"), dt.date(2027, 1, 30), "=1+1", 40],
    [None, "", None, None, None, "http://example.com", None],
    ["7", Decimal("81466849"), "01234", Decimal("0.10"), dt.datetime(2026, 5, 4, 9), "@x", 0],
]


def workbook() -> bytes:
    return write_xlsx(HEADERS, ROWS, text_columns=TEXT_COLUMNS)


def part(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name).decode()


def sheet_values(data: bytes, index: int = 0) -> list[list[Any]]:
    with calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
        return book.get_sheet_by_index(index).to_python()


def test_cells_have_the_right_types() -> None:
    assert sheet_values(workbook()) == [
        HEADERS,
        ["81466849", "081466849", "98052", 12563.5, dt.date(2027, 1, 30), "=1+1", 40.0],
        ["", "", "", "", "", "http://example.com", ""],
        ["7", "81466849", "01234", 0.1, dt.date(2026, 5, 4), "@x", 0.0],
    ]


def test_strings_are_never_formulas_or_links() -> None:
    data = workbook()
    sheet = part(data, "xl/worksheets/sheet1.xml")
    assert "<f>" not in sheet
    assert "<hyperlink" not in sheet
    assert "=1+1</t>" in sheet
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert not [name for name in archive.namelist() if "rels" in name and "sheet" in name]


def test_header_is_bold_and_frozen_with_an_auto_filter() -> None:
    data = workbook()
    sheet = part(data, "xl/worksheets/sheet1.xml")
    assert re.search(r'<pane ySplit="1" topLeftCell="A2" [^>]*state="frozen"/>', sheet)
    assert '<autoFilter ref="A1:G4"/>' in sheet
    styles = ET.fromstring(part(data, "xl/styles.xml"))
    fonts = styles.findall("m:fonts/m:font", NS)
    formats = styles.findall("m:cellXfs/m:xf", NS)
    root = ET.fromstring(sheet)
    for cell in root.findall("m:sheetData/m:row[@r='1']/m:c", NS):
        font = fonts[int(formats[int(cell.get("s", "0"))].get("fontId", "0"))]
        assert font.find("m:b", NS) is not None


def test_text_columns_and_dates_are_formatted() -> None:
    data = workbook()
    styles = ET.fromstring(part(data, "xl/styles.xml"))
    formats = styles.findall("m:cellXfs/m:xf", NS)
    custom = {
        n.get("numFmtId"): n.get("formatCode") for n in styles.findall("m:numFmts/m:numFmt", NS)
    }
    root = ET.fromstring(part(data, "xl/worksheets/sheet1.xml"))

    def number_format(style: str | None) -> str | None:
        number = formats[int(style or "0")].get("numFmtId", "0")
        return "@" if number == "49" else custom.get(number)

    def cell_format(reference: str) -> str | None:
        cell = root.find(f"m:sheetData/m:row/m:c[@r='{reference}']", NS)
        assert cell is not None
        return number_format(cell.get("s"))

    assert [cell_format(ref) for ref in ("A2", "B2", "C2", "E2", "D2")] == [
        "@",
        "@",
        "@",
        "mm/dd/yyyy",
        None,
    ]
    # Whole text columns are text, so a value typed later keeps its zeros.
    column_formats = {
        column: number_format(col.get("style"))
        for col in root.findall("m:cols/m:col", NS)
        for column in range(int(col.get("min", "0")), int(col.get("max", "0")) + 1)
    }
    assert column_formats == {1: "@", 2: "@", 3: "@", 4: None, 5: None, 6: None, 7: None}


def test_column_widths_follow_the_headers() -> None:
    data = write_xlsx(["CRM ID", "Customer Contact Email Address", "x" * 90], [])
    root = ET.fromstring(part(data, "xl/worksheets/sheet1.xml"))
    widths = [float(c.get("width", "0")) for c in root.findall("m:cols/m:col", NS)]
    # At least 12 characters (a date), about the header's length, at most 50.
    assert [round(width) for width in widths] == [13, 36, 51]


def test_one_sheet_with_the_given_name() -> None:
    data = write_xlsx(["Deal Name"], [], sheet_name="Results")
    assert re.findall(r'<sheet name="([^"]+)"', part(data, "xl/workbook.xml")) == ["Results"]


def test_header_only_workbook() -> None:
    data = write_xlsx(["Deal Name", "Notes"], [])
    assert sheet_values(data) == [["Deal Name", "Notes"]]
    assert '<autoFilter ref="A1:B1"/>' in part(data, "xl/worksheets/sheet1.xml")


def test_text_longer_than_excel_allows_is_cut() -> None:
    data = write_xlsx(["Notes"], [["x" * 40_000]])
    assert sheet_values(data)[1] == ["x" * 32_767]


def test_a_value_of_another_type_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="cannot write a object to a spreadsheet cell"):
        write_xlsx(["Notes"], [[object()]])  # type: ignore[list-item]


def test_reads_back_through_the_reader() -> None:
    table = read_table(workbook(), header_score=header_score)
    assert table.headers == HEADERS
    assert [(row.number, row.cells) for row in table.rows] == [
        (2, ["81466849", "081466849", "98052", "12563.5", dt.date(2027, 1, 30), "=1+1", "40"]),
        (3, ["", "", "", "", "", "http://example.com", ""]),
        (4, ["7", "81466849", "01234", "0.1", dt.date(2026, 5, 4), "@x", "0"]),
    ]


_TEXT = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_TEXT, min_size=2, max_size=2), min_size=1, max_size=5))
def test_any_text_survives(rows: list[list[str]]) -> None:
    """Text comes back as import reads it: a leading `'` before a formula trigger is the
    guard in a workbook too, so text that starts that way (or with a tab or CR, which
    import would trim) is written with one more `'`, and only such text."""
    data = write_xlsx(["Deal Name", "Notes"], list(rows))
    written = sheet_values(data)[1:]
    assert [[unneutralize(cell) for cell in line] for line in written] == rows
    for line, original in zip(written, rows, strict=True):
        for cell, text in zip(line, original, strict=True):
            assert cell == text or cell == "'" + text


# ---------------------------------------------------------------------------
# The import template


def template() -> bytes:
    return write_xlsx(
        ["Deal Name", "Notes", "Partner Referral Status", "Microsoft help required?"],
        [],
        required_columns=[0, 2, 3],
        valid_values={2: ["New", "Active", "Won", "Lost"], 3: ["Yes", "No"]},
    )


def test_template_marks_required_columns() -> None:
    data = template()
    styles = ET.fromstring(part(data, "xl/styles.xml"))
    fills = styles.findall("m:fills/m:fill", NS)
    formats = styles.findall("m:cellXfs/m:xf", NS)
    root = ET.fromstring(part(data, "xl/worksheets/sheet1.xml"))

    def fill_colour(reference: str) -> str | None:
        cell = root.find(f"m:sheetData/m:row/m:c[@r='{reference}']", NS)
        assert cell is not None
        fill = fills[int(formats[int(cell.get("s", "0"))].get("fillId", "0"))]
        colour = fill.find("m:patternFill/m:fgColor", NS)
        return None if colour is None else colour.get("rgb")

    assert [fill_colour(ref) for ref in ("A1", "B1", "C1", "D1")] == [
        "FFFCE4D6",
        None,
        "FFFCE4D6",
        "FFFCE4D6",
    ]
    comments = ET.fromstring(part(data, "xl/comments1.xml"))
    notes = {c.get("ref"): "".join(c.itertext()) for c in comments.findall(".//m:comment", NS)}
    assert notes == {"A1": "Required", "C1": "Required", "D1": "Required"}


def test_template_lists_valid_values() -> None:
    data = template()
    sheet = part(data, "xl/worksheets/sheet1.xml")
    validations = re.findall(
        r'<dataValidation type="list"[^>]*sqref="([A-Z0-9:]+)"><formula1>([^<]+)</formula1>',
        sheet,
    )
    assert validations == [
        ("C2:C1001", "'Valid values'!$A$2:$A$5"),
        ("D2:D1001", "'Valid values'!$B$2:$B$3"),
    ]
    assert re.findall(r'<sheet name="([^"]+)"', part(data, "xl/workbook.xml")) == [
        "Referrals",
        "Valid values",
    ]
    assert sheet_values(data, 1) == [
        ["Partner Referral Status", "Microsoft help required?"],
        ["New", "Yes"],
        ["Active", "No"],
        ["Won", ""],
        ["Lost", ""],
    ]


def test_template_reads_as_a_header_only_file() -> None:
    table = read_table(template(), header_score=header_score)
    assert table.headers == [
        "Deal Name",
        "Notes",
        "Partner Referral Status",
        "Microsoft help required?",
    ]
    assert table.rows == []
