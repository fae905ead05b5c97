"""Write a header row and data rows as CSV or XLSX bytes (rules §2.4).

`write_csv` gives UTF-8 with BOM, CRLF and minimal quoting, with formula
neutralization of text cells; `write_xlsx` gives a typed workbook with a frozen
bold header, and can mark required columns and list valid values (the import
template).
"""

from __future__ import annotations

from cosell.files._csv_writer import write_csv, write_csv_to
from cosell.files._xlsx_writer import TEMPLATE_ROWS, VALID_VALUES_SHEET, write_xlsx, write_xlsx_to

__all__ = [
    "TEMPLATE_ROWS",
    "VALID_VALUES_SHEET",
    "write_csv",
    "write_csv_to",
    "write_xlsx",
    "write_xlsx_to",
]
