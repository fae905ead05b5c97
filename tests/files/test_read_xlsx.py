"""Reading Excel workbooks: cell types, row numbers, sheet choice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cosell.errors import FileRejected
from cosell.files.reader import read_table
from cosell.files.table import Table
from tests.files.builders import header_score, raw_xlsx, xlsx_from


def read(data: bytes) -> Table:
    return read_table(data, header_score=header_score)


def rows_of(table: Table) -> list[tuple[int, list[object]]]:
    return [(row.number, list(row.cells)) for row in table.rows]


HEADERS = [
    "Deal Name",
    "Customer D-U-N-S ID",
    "Customer Postal Code",
    "Estimated Deal Value",
    "Estimated Close Date",
    "CRM ID",
    "Microsoft help required?",
]


def golden(workbook: Any, sheet: Any) -> None:
    date = workbook.add_format({"num_format": "mm/dd/yyyy"})
    for column, header in enumerate(HEADERS):
        sheet.write_string(0, column, header)
    sheet.write_string(1, 0, "Contoso deal")
    sheet.write_string(1, 1, "081466849")
    sheet.write_number(1, 2, 98052)
    sheet.write_number(1, 3, 12563.5)
    sheet.write_datetime(1, 4, dt.datetime(2027, 1, 30, 14, 45), date)
    sheet.write_number(1, 5, 81466849)
    sheet.write_boolean(1, 6, False)
    # row 3 is empty
    sheet.write_string(3, 0, "Fabrikam deal")
    sheet.write_number(3, 1, 81466849)
    sheet.write_string(3, 2, "01234")
    sheet.write_number(3, 3, 100000)
    sheet.write_datetime(3, 4, dt.date(2026, 12, 1), date)
    sheet.write_string(3, 5, "=1+1")
    sheet.write_boolean(3, 6, True)


def test_golden_workbook() -> None:
    table = read(xlsx_from(golden))
    assert table.format == "xlsx"
    assert (table.encoding, table.delimiter) == (None, None)
    assert table.headers == HEADERS
    assert rows_of(table) == [
        (
            2,
            [
                "Contoso deal",
                "081466849",
                "98052",
                "12563.5",
                dt.date(2027, 1, 30),
                "81466849",
                "No",
            ],
        ),
        (
            4,
            [
                "Fabrikam deal",
                "81466849",
                "01234",
                "100000",
                dt.date(2026, 12, 1),
                "=1+1",
                "Yes",
            ],
        ),
    ]


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (12563.5, "12563.5"),
        (1234.5678, "1234.5678"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
        (-0.0, "0"),
        (-42.25, "-42.25"),
        (123456789012.0, "123456789012"),
    ],
)
def test_numbers_become_plain_decimal_text(number: float, text: str) -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_string(0, 0, "Estimated Deal Value")
        sheet.write_number(1, 0, number)

    assert read(xlsx_from(build)).rows[0].cells == [text]


def test_time_cells_become_text() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_string(0, 0, "Notes")
        sheet.write_datetime(1, 0, dt.time(10, 30), workbook.add_format({"num_format": "hh:mm"}))

    assert read(xlsx_from(build)).rows[0].cells == ["10:30:00"]


def test_table_away_from_a1_keeps_spreadsheet_row_numbers() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_row(2, 1, [" Deal Name ", "Notes", "", ""])
        sheet.write_row(3, 1, ["A", "x"])
        sheet.write_row(6, 1, ["B", "", "", "extra"])

    table = read(xlsx_from(build))
    # Columns left of the table are not part of it; rows count from row 1.
    assert table.headers == ["Deal Name", "Notes"]
    assert rows_of(table) == [(4, ["A", "x"]), (7, ["B", "", "", "extra"])]


def test_whitespace_only_rows_are_skipped() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_row(0, 0, ["Deal Name", "Notes"])
        sheet.write_row(1, 0, ["  ", " "])
        sheet.write_row(2, 0, ["", "0"])

    assert rows_of(read(xlsx_from(build))) == [(3, ["", "0"])]


def test_number_zero_is_a_value() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_row(0, 0, ["Deal Name", "Estimated Deal Value"])
        sheet.write_number(1, 1, 0)

    assert rows_of(read(xlsx_from(build))) == [(2, ["", "0"])]


def test_first_visible_sheet_is_read() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_string(0, 0, "Notes")
        sheet.write_string(1, 0, "from the hidden sheet")
        visible = workbook.add_worksheet("Deals")
        visible.write_string(0, 0, "Deal Name")
        visible.write_string(1, 0, "from the visible sheet")
        visible.activate()
        sheet.hide()

    table = read(xlsx_from(build))
    assert rows_of(table) == [(2, ["from the visible sheet"])]


def test_only_the_first_sheet_is_read() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_string(0, 0, "Deal Name")
        workbook.add_worksheet("Other").write_string(0, 0, "Notes")

    table = read(xlsx_from(build))
    assert table.headers == ["Deal Name"]


def test_shared_and_inline_strings_both_read() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_row(0, 0, ["Deal Name", "Notes"])
        sheet.write_row(1, 0, ["A", "line 1\nline 2"])

    for options in ({}, {"constant_memory": True}):
        assert rows_of(read(xlsx_from(build, **options))) == [(2, ["A", "line 1\nline 2"])]


def test_header_only_workbook_has_no_rows() -> None:
    table = read(xlsx_from(lambda workbook, sheet: sheet.write_string(0, 0, "Deal Name")))
    assert (table.headers, table.rows) == (["Deal Name"], [])


def test_empty_sheet_is_rejected() -> None:
    with pytest.raises(FileRejected, match=r"The sheet 'Sheet1' of the workbook is empty"):
        read(xlsx_from(lambda workbook, sheet: None))


def test_workbook_without_known_headers_is_rejected() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_row(1, 0, ["Referrals export", "", "2027"])

    with pytest.raises(FileRejected) as caught:
        read(xlsx_from(build))
    message = caught.value.message
    assert message.startswith("No header row with known columns was found")
    assert '(row 2) reads "Referrals export", "", "2027"' in message


def test_a_minimal_hand_written_workbook_reads() -> None:
    data = raw_xlsx(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Deal Name</t></is></c>'
        '<c r="B1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>A</t></is></c><c r="B2"><v>7</v></c></row>',
        shared_strings=(
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'uniqueCount="1"><si><t>Notes</t></si></sst>'
        ),
    )
    table = read(data)
    assert table.headers == ["Deal Name", "Notes"]
    assert rows_of(table) == [(2, ["A", "7"])]
