"""Reading delimited text: one golden file per spreadsheet dialect, built in code."""

from __future__ import annotations

import codecs

import pytest

from cosell.errors import FileRejected
from cosell.files.reader import read_table
from cosell.files.table import SheetRow, Table
from tests.files.builders import header_score


def read(data: bytes) -> Table:
    return read_table(data, header_score=header_score)


def rows_of(table: Table) -> list[tuple[int, list[object]]]:
    return [(row.number, list(row.cells)) for row in table.rows]


# ---------------------------------------------------------------------------
# Golden files


def test_utf8_with_bom_and_comma() -> None:
    data = codecs.BOM_UTF8 + (
        b"Deal Name,Customer Name,Customer Postal Code,Estimated Deal Value\r\n"
        b"Contoso deal,Contoso Corporation,98052,12563.50\r\n"
        b"Fabrikam deal,Fabrikam,,\r\n"
    )
    table = read(data)
    assert table.format == "csv"
    assert table.encoding == "utf-8-sig"
    assert table.delimiter == ","
    assert table.headers == [
        "Deal Name",
        "Customer Name",
        "Customer Postal Code",
        "Estimated Deal Value",
    ]
    assert rows_of(table) == [
        (2, ["Contoso deal", "Contoso Corporation", "98052", "12563.50"]),
        (3, ["Fabrikam deal", "Fabrikam", "", ""]),
    ]


def test_utf8_without_bom_and_lf() -> None:
    table = read("Deal Name,Customer City\nŁódź deal,Kraków\n".encode())
    assert table.encoding == "utf-8"
    assert rows_of(table) == [(2, ["Łódź deal", "Kraków"])]


def test_cp1252_semicolon_with_sep_line() -> None:
    data = (
        "sep=;\r\n"
        "Deal Name;Customer Name;Customer City;Estimated Deal Value;Notes\r\n"
        "Café Crème;Müller GmbH;Straße 5;12563,50;Preis 5 €\r\n"
    ).encode("cp1252")
    table = read(data)
    assert table.encoding == "cp1252"
    assert table.delimiter == ";"
    assert table.headers == [
        "Deal Name",
        "Customer Name",
        "Customer City",
        "Estimated Deal Value",
        "Notes",
    ]
    # The sep= line is hidden by Excel, so the header is still row 1.
    assert rows_of(table) == [
        (2, ["Café Crème", "Müller GmbH", "Straße 5", "12563,50", "Preis 5 €"]),
    ]


def test_latin1_when_bytes_are_not_windows_1252() -> None:
    # 0x81 is undefined in Windows-1252.
    data = b"Deal Name,Notes\r\nCaf\xe9,a\x81b\r\n"
    table = read(data)
    assert table.encoding == "iso-8859-1"
    assert rows_of(table) == [(2, ["Café", "a\x81b"])]


@pytest.mark.parametrize(
    ("bom", "codec", "encoding"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
    ],
)
def test_utf16_with_bom_and_tabs(bom: bytes, codec: str, encoding: str) -> None:
    text = 'Deal Name\tCustomer Name\tNotes\r\nSüd deal\t日本株式会社\t"a\tb"\r\n'
    table = read(bom + text.encode(codec))
    assert table.encoding == encoding
    assert table.delimiter == "\t"
    assert table.headers == ["Deal Name", "Customer Name", "Notes"]
    assert rows_of(table) == [(2, ["Süd deal", "日本株式会社", "a\tb"])]


def test_crlf_with_quoted_newlines_commas_and_quotes() -> None:
    data = (
        b"Deal Name,Notes,Customer Name\r\n"
        b'"Deal, the first","Line 1\r\nLine 2 ""quoted""",Contoso\r\n'
        b'Second,"a\nb",Fabrikam\r\n'
        b"Third,,Northwind\r\n"
    )
    table = read(data)
    # A record spanning two lines is one row, as Excel shows it.
    assert rows_of(table) == [
        (2, ["Deal, the first", 'Line 1\r\nLine 2 "quoted"', "Contoso"]),
        (3, ["Second", "a\nb", "Fabrikam"]),
        (4, ["Third", "", "Northwind"]),
    ]


def test_cr_only_line_ends_and_blank_rows_counted() -> None:
    table = read(b"Deal Name,Customer Name\rA,B\r\r,\rC,D\r")
    assert rows_of(table) == [(2, ["A", "B"]), (5, ["C", "D"])]


# ---------------------------------------------------------------------------
# Row numbers, blank rows, row shape


def test_blank_and_whitespace_rows_are_skipped_but_counted() -> None:
    table = read(b"Deal Name,Notes\r\nA,1\r\n\r\n , \t\r\n,,,\r\nB,2\r\n")
    assert rows_of(table) == [(2, ["A", "1"]), (6, ["B", "2"])]


def test_leading_blank_lines_move_the_header_down() -> None:
    table = read(b"\r\n,\r\nDeal Name,Notes\r\nA,1\r\n")
    assert table.headers == ["Deal Name", "Notes"]
    assert rows_of(table) == [(4, ["A", "1"])]


def test_header_after_many_blank_lines() -> None:
    table = read(b"\r\n" * 40_000 + b"Deal Name;Notes\r\nA;B\r\n")
    assert table.delimiter == ";"
    assert rows_of(table) == [(40_002, ["A", "B"])]


def test_header_cells_lose_bom_and_whitespace_and_trailing_blanks() -> None:
    table = read(" Deal Name ,\ufeffNotes\u00a0,,\r\nA,B,,\r\n".encode())
    assert table.headers == ["Deal Name", "Notes"]
    assert rows_of(table) == [(2, ["A", "B"])]


def test_data_cells_are_kept_as_written() -> None:
    table = read(b"Deal Name,Notes\r\n  A  ,'=1+1\r\n")
    assert rows_of(table) == [(2, ["  A  ", "'=1+1"])]


def test_short_rows_are_padded_and_long_rows_keep_their_values() -> None:
    table = read(b"Deal Name,Notes,Customer Name\r\nA\r\nB,,,,x\r\nC,1,2,,\r\n")
    assert rows_of(table) == [
        (2, ["A", "", ""]),
        (3, ["B", "", "", "", "x"]),
        (4, ["C", "1", "2"]),
    ]


def test_header_only_file_has_no_rows() -> None:
    table = read(b"Deal Name,Notes\r\n\r\n")
    assert table.headers == ["Deal Name", "Notes"]
    assert table.rows == []


def test_rows_are_sheet_rows() -> None:
    table = read(b"Deal Name\r\nA\r\n")
    assert table.rows == [SheetRow(2, ["A"])]


def test_long_cells_are_left_to_the_row_validator() -> None:
    long = "x" * 300_000
    table = read(f'Deal Name,Notes\r\nA,"{long}"\r\n'.encode())
    assert table.rows[0].cells[1] == long


# ---------------------------------------------------------------------------
# Delimiter


def test_semicolon_file_with_commas_in_cells() -> None:
    table = read(b"Deal Name;Customer Name;Notes\r\nA, B;C, D;x,y,z\r\n")
    assert table.delimiter == ";"
    assert rows_of(table) == [(2, ["A, B", "C, D", "x,y,z"])]


def test_tab_file_with_commas_and_semicolons_in_cells() -> None:
    table = read(b"Deal Name\tNotes\r\nA,B;C\tD;E,F\r\n")
    assert table.delimiter == "\t"
    assert rows_of(table) == [(2, ["A,B;C", "D;E,F"])]


def test_header_score_decides_not_the_delimiter_count() -> None:
    # More commas than semicolons, but only ";" yields known headers.
    data = b"Deal Name;Notes;Customer City, State, Zip\r\nA;B;C, D, E\r\n"
    table = read(data)
    assert table.delimiter == ";"
    assert table.headers == ["Deal Name", "Notes", "Customer City, State, Zip"]


def test_tie_goes_to_comma() -> None:
    assert read(b"Deal Name\r\nA;B\r\n").delimiter == ","


def test_sep_line_wins_over_the_score() -> None:
    # ";" would find 2 known headers, "," only 1; the sep= line says ",".
    data = b"sep=,\r\nDeal Name;Customer Name;Customer City,Notes\r\nA;B;C,D\r\n"
    table = read(data)
    assert table.delimiter == ","
    assert table.headers == ["Deal Name;Customer Name;Customer City", "Notes"]
    assert rows_of(table) == [(2, ["A;B;C", "D"])]


@pytest.mark.parametrize(
    ("line", "delimiter"),
    [(b"sep=;", ";"), (b"SEP=;", ";"), (b'"sep=;"', ";"), (b"sep=\t", "\t"), (b"sep=;;;", ";")],
)
def test_sep_line_variants(line: bytes, delimiter: str) -> None:
    body = f"Deal Name{delimiter}Notes\r\nA{delimiter}B\r\n".encode()
    table = read(line + b"\r\n" + body)
    assert table.delimiter == delimiter
    assert rows_of(table) == [(2, ["A", "B"])]


def test_sep_line_after_a_bom() -> None:
    table = read(codecs.BOM_UTF8 + b"sep=;\nDeal Name;Notes\nA;B\n")
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ";")


def test_sep_line_with_an_unsupported_delimiter_is_rejected() -> None:
    with pytest.raises(FileRejected, match=r"'\|' as the delimiter; expected a comma"):
        read(b"sep=|\r\nDeal Name|Notes\r\n")


# ---------------------------------------------------------------------------
# Broken quoting


def test_unterminated_quote_names_the_row() -> None:
    data = b'Deal Name,Notes\r\nA,B\r\nC,"never closed\r\nD,E\r\n'
    with pytest.raises(FileRejected, match=r"^Row 3: a quoted cell is not closed"):
        read(data)


def test_text_after_a_closing_quote_names_the_row() -> None:
    with pytest.raises(FileRejected, match=r"^Row 2: a quoted cell has text after its closing"):
        read(b'Deal Name,Notes\r\nA,"x"y\r\n')


def test_a_quote_inside_an_unquoted_cell_is_text() -> None:
    table = read(b'Deal Name,Notes\r\n15" screen,B\r\n')
    assert rows_of(table) == [(2, ['15" screen', "B"])]
