"""Files that cannot be read are rejected with a message saying what was expected."""

from __future__ import annotations

import codecs
from typing import Any

import pytest

from cosell.errors import FileRejected
from cosell.files.reader import read_table
from tests.files.builders import header_score, xlsx_from, zip_of

EXPECTED = "expected a CSV file (.csv or .txt) or an Excel workbook (.xlsx)"


def rejection(data: bytes, **limits: int) -> str:
    with pytest.raises(FileRejected) as caught:
        read_table(data, header_score=header_score, **limits)
    return caught.value.message


def test_empty_file() -> None:
    assert rejection(b"") == ("The file is empty; expected a CSV or Excel file with a header row.")


@pytest.mark.parametrize("data", [b"   ", b"\r\n\r\n \t\r\n", codecs.BOM_UTF8, b"sep=;\r\n"])
def test_blank_file(data: bytes) -> None:
    assert rejection(data).startswith("The file contains only blank lines;")


def test_only_empty_cells() -> None:
    assert rejection(b',,\r\n"",""\r\n').startswith("The file contains only empty cells;")


def test_oversized_file() -> None:
    data = b"Deal Name\r\n" + b"x" * int(21.3 * 1024 * 1024)
    assert rejection(data) == "The file is 21.3 MiB; at most 20 MiB can be processed."


def test_size_limit_is_a_parameter() -> None:
    message = rejection(b"Deal Name\r\n" + b"x" * 2000, max_bytes=1000)
    assert message == "The file is 2 KiB; at most 1000 bytes can be processed."


def test_just_over_the_limit_shows_bytes() -> None:
    message = rejection(b"x" * (20 * 1024 * 1024 + 1))
    assert message == (
        "The file is 20,971,521 bytes; at most 20,971,520 bytes (20 MiB) can be processed."
    )


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64)), "a PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "a PDF document"),
        (b"GIF89a\x01\x00\x01\x00", "a GIF image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
    ],
    ids=["png", "pdf", "gif", "jpeg"],
)
def test_renamed_images_and_documents(data: bytes, kind: str) -> None:
    assert rejection(data) == f"The file is {kind}; {EXPECTED}."


def test_old_xls() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    message = rejection(data)
    assert "old Excel 97-2003 workbook (.xls)" in message
    assert "save it as .xlsx or CSV" in message


def test_password_protected_xlsx() -> None:
    data = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le")
    )
    assert "password-protected Excel workbook" in rejection(data)


@pytest.mark.parametrize(
    ("member", "kind"),
    [
        ("xl/workbook.bin", "an Excel binary workbook (.xlsb)"),
        ("content.xml", "an OpenDocument file (.ods)"),
        ("word/document.xml", "a Word document"),
        ("notes.txt", "a ZIP archive"),
    ],
)
def test_zip_files_that_are_not_workbooks(member: str, kind: str) -> None:
    assert rejection(zip_of({member: b"x"})).startswith(f"The file is {kind}")


def test_nul_bytes_mean_binary() -> None:
    assert rejection(b"Deal Name\r\nA\x00B\r\n") == (
        f"The file does not look like text (it contains binary data); {EXPECTED}."
    )


def test_many_control_characters_mean_binary() -> None:
    assert "does not look like text" in rejection(bytes(range(1, 32)) * 40)


def test_utf16_marker_with_broken_text() -> None:
    message = rejection(codecs.BOM_UTF16_LE + "Deal Name".encode("utf-16-le") + b"\x00\xdc")
    assert message.startswith("The file starts with a UTF-16 byte-order mark but is not valid")


def test_utf8_marker_with_broken_text() -> None:
    message = rejection(codecs.BOM_UTF8 + b"Deal Name\r\nCaf\xe9\r\n")
    assert "UTF-8 byte-order mark but is not valid UTF-8 text" in message
    assert "offset 17" in message


def test_utf32_is_named() -> None:
    assert "UTF-32 text" in rejection(codecs.BOM_UTF32_LE + "Deal Name".encode("utf-32-le"))


def test_no_recognizable_header() -> None:
    message = rejection(b"name,amount,when\r\nContoso,5,today\r\n")
    assert message == (
        "No header row with known columns was found: the first non-empty row (row 1) reads "
        '"name", "amount", "when". The first row must hold the column headers separated by '
        "commas, semicolons or tabs; expected column headers such as Referral ID, Deal Name, "
        "Customer Name and Partner Referral Status (in English or one of the supported "
        "languages)."
    )


def test_no_header_preview_is_short() -> None:
    message = rejection(("a" * 100 + ",b,c,d,e,f\r\n").encode())
    assert '(row 1) reads "' + "a" * 29 + '…", "b", "c", "d" …' in message


def test_corrupt_xlsx() -> None:
    data = zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"\x00garbage<<"})
    message = rejection(data)
    assert message.startswith("The file looks like an Excel workbook but cannot be read:")


def test_truncated_xlsx() -> None:
    data = xlsx_from(lambda workbook, sheet: sheet.write_string(0, 0, "Deal Name"))
    message = rejection(data[: len(data) // 2])
    assert message == (
        "The file looks like an Excel workbook but cannot be read: "
        "it is damaged (not a complete ZIP archive)."
    )


def test_damaged_part_of_an_xlsx() -> None:
    def build(workbook: Any, sheet: Any) -> None:
        sheet.write_string(0, 0, "Deal Name")
        sheet.write_string(1, 0, "x" * 5000)

    data = bytearray(xlsx_from(build))
    position = data.find(b"xl/sharedStrings.xml") + len("xl/sharedStrings.xml") + 40
    data[position : position + 8] = b"\xff" * 8
    assert rejection(bytes(data)).startswith(
        "The file looks like an Excel workbook but cannot be read: its part"
    )
