"""Writing CSV: Excel's dialect, neutralization, and a lossless round trip."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosell.files.neutralize import neutralize, unneutralize
from cosell.files.reader import read_table
from cosell.files.table import OutCell
from cosell.files.writer import write_csv
from tests.files.builders import header_score

BOM = codecs.BOM_UTF8


def test_bom_crlf_and_minimal_quoting() -> None:
    data = write_csv(
        ["Deal Name", "Notes", "Estimated Deal Value", "Estimated Close Date", "Sales Stage"],
        [
            ["A, Inc", 'say "hi"', Decimal("12563.50"), dt.date(2027, 1, 30), 40],
            ["B", "line 1\nline 2", None, None, None],
            ["C", "semi;colon", Decimal("1E+3"), dt.datetime(2027, 2, 3, 9, 30), 0],
        ],
    )
    assert data == BOM + (
        b"Deal Name,Notes,Estimated Deal Value,Estimated Close Date,Sales Stage\r\n"
        b'"A, Inc","say ""hi""",12563.50,01/30/2027,40\r\n'
        b'B,"line 1\nline 2",,,\r\n'
        b"C,semi;colon,1000,02/03/2027,0\r\n"
    )


def test_semicolon_delimiter_uses_decimal_comma() -> None:
    data = write_csv(
        ["Deal Name", "Estimated Deal Value", "Notes"],
        [["A", Decimal("12563.50"), "x;y, z"], ["B", Decimal("-7.5"), "1,5"]],
        delimiter=";",
    )
    assert data == BOM + (
        b'Deal Name;Estimated Deal Value;Notes\r\nA;12563,50;"x;y, z"\r\nB;-7,5;1,5\r\n'
    )


def test_tab_delimiter() -> None:
    data = write_csv(["Deal Name", "Notes"], [["A", "x\ty"]], delimiter="\t")
    assert data == BOM + b'Deal Name\tNotes\r\nA\t"x\ty"\r\n'


def test_other_delimiters_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unsupported CSV delimiter"):
        write_csv(["Deal Name"], [], delimiter="|")


def test_a_value_of_another_type_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="cannot write a float to a CSV cell"):
        write_csv(["Notes"], [[1.5]])  # type: ignore[list-item]


def test_header_only() -> None:
    assert write_csv(["Deal Name", "Notes"], []) == BOM + b"Deal Name,Notes\r\n"


def test_a_lone_empty_cell_is_quoted_so_the_row_survives() -> None:
    assert write_csv(["Notes"], [[""]]) == BOM + b'Notes\r\n""\r\n'


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", b"'=1+1"),
        ("+31 20 555 0100", b"'+31 20 555 0100"),
        ("-5", b"'-5"),
        ("@SUM(A1)", b"'@SUM(A1)"),
        ("\t=cmd", b"'\t=cmd"),
        ("\r=cmd", b'"\'\r=cmd"'),
        ("'=already", b"''=already"),
        ("'tis", b"'tis"),
        ("a=b", b"a=b"),
        ('=HYPERLINK("http://x","y")', b'"\'=HYPERLINK(""http://x"",""y"")"'),
    ],
)
def test_text_is_neutralized(text: str, written: bytes) -> None:
    data = write_csv(["Deal Name", "Notes"], [["A", text], [text, "B"]])
    assert data == BOM + b"Deal Name,Notes\r\nA," + written + b"\r\n" + written + b",B\r\n"


def test_numbers_are_not_neutralized() -> None:
    data = write_csv(["Sales Stage", "Estimated Deal Value"], [[-5, Decimal("-1.50")]])
    assert data == BOM + b"Sales Stage,Estimated Deal Value\r\n-5,-1.50\r\n"


def test_headers_are_neutralized_too() -> None:
    assert write_csv(["=evil", "Notes"], []) == BOM + b"'=evil,Notes\r\n"


def test_lone_surrogates_do_not_break_the_export() -> None:
    assert write_csv(["Notes"], [["a\udcffb"]]) == BOM + b"Notes\r\na?b\r\n"


# ---------------------------------------------------------------------------
# The fast path gives exactly what csv.writer gives.

_SPECIAL = st.text(alphabet=",;\"\n\r\t=+-@' aé", max_size=6)
_OUT_CELL = st.one_of(
    st.none(),
    st.text(max_size=8),
    _SPECIAL,
    st.integers(min_value=-(10**12), max_value=10**12),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, max_value=10**9),
    st.dates(),
)


def _reference(headers: Sequence[str], rows: list[list[OutCell]], delimiter: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")

    def text(value: OutCell) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return neutralize(value)
        if isinstance(value, Decimal):
            plain = format(value, "f")
            return plain.replace(".", ",") if delimiter == ";" else plain
        if isinstance(value, dt.date):
            return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"
        return str(value)

    writer.writerow([neutralize(h) for h in headers])
    writer.writerows([[text(v) for v in row] for row in rows])
    return BOM + buffer.getvalue().encode()


@settings(max_examples=300)
@given(
    st.lists(st.lists(_OUT_CELL, max_size=6), max_size=6),
    st.sampled_from([",", ";", "\t"]),
)
def test_output_is_what_csv_writer_gives(rows: list[list[OutCell]], delimiter: str) -> None:
    headers = ["Deal Name", "Notes", "=x"]
    assert write_csv(headers, rows, delimiter=delimiter) == _reference(headers, rows, delimiter)


# ---------------------------------------------------------------------------
# Round trip: write_csv, then read_table, gives the same text back.

_HEADERS = ["Deal Name", "Notes", "Customer Name"]
# Control characters other than TAB, LF and CR would make the reader call the
# file binary, which is a reader decision, not a round-trip loss.
_TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n\r,;\"'=+-@ "),
    max_size=12,
)


@settings(max_examples=300)
@given(st.lists(st.lists(_TEXT, min_size=3, max_size=3), max_size=8), st.sampled_from([",", ";"]))
def test_round_trip(rows: list[list[str]], delimiter: str) -> None:
    data = write_csv(_HEADERS, list(rows), delimiter=delimiter)
    table = read_table(data, header_score=header_score)
    assert table.headers == _HEADERS
    assert table.delimiter == delimiter
    # A row is skipped only when what was written is blank; a neutralized
    # TAB or CR cell carries its apostrophe and is not blank.
    expected = [
        (index + 2, row)
        for index, row in enumerate(rows)
        if "".join(neutralize(cell) for cell in row).strip()
    ]
    read_back = [(r.number, [unneutralize(str(cell)) for cell in r.cells]) for r in table.rows]
    assert read_back == expected
