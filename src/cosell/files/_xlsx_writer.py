"""Write rows as an Excel workbook (.xlsx) with XlsxWriter (rules §2.4, §4 template)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Collection, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from cosell.domain.cells import format_date, format_yes_no
from cosell.domain.formula import guard_quotes
from cosell.files.table import OutCell

VALID_VALUES_SHEET = "Valid values"
#: Data validation covers this many rows below the header in a template.
TEMPLATE_ROWS = 1000

_MAX_TEXT = 32_767  # Excel's limit for one cell
_REQUIRED_FILL = "#FCE4D6"


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[OutCell]],
    *,
    text_columns: Collection[int] = (),
    sheet_name: str = "Referrals",
    required_columns: Collection[int] = (),
    valid_values: Mapping[int, Sequence[str]] | None = None,
) -> bytes:
    """Encode a header row and data rows as an .xlsx workbook.

    One sheet named `sheet_name`: a bold header row, frozen, with an auto-filter
    over the data and column widths from the header lengths. Text is always a
    string cell (never a formula or a hyperlink, so `=1+1` stays text, and it is
    not neutralized: a typed string cell cannot run; only text that itself starts
    with `'` before a formula trigger gets one more `'`, see `formula.guard_quotes`).
    Columns in `text_columns` (IDs, phone numbers, postal codes, D-U-N-S, CRM IDs)
    are formatted as text, and numbers or dates given for them are written as text, so a spreadsheet
    keeps leading zeros. Elsewhere `int` and `Decimal` are numbers and dates are
    date cells shown as mm/dd/yyyy; `None` and "" leave the cell empty. Text
    longer than Excel's 32,767-character cell limit is cut there.

    For the import template: headers of `required_columns` get a light orange
    fill and a "Required" note, and each column in `valid_values` gets a
    drop-down list of its allowed values on rows 2 to 1001, listed on a second
    sheet named "Valid values".
    """
    output = io.BytesIO()
    write_xlsx_to(
        output,
        headers,
        rows,
        text_columns=text_columns,
        sheet_name=sheet_name,
        required_columns=required_columns,
        valid_values=valid_values,
    )
    return output.getvalue()


def write_xlsx_to(
    out: IO[bytes],
    headers: Sequence[str],
    rows: Iterable[Sequence[OutCell]],
    *,
    text_columns: Collection[int] = (),
    sheet_name: str = "Referrals",
    required_columns: Collection[int] = (),
    valid_values: Mapping[int, Sequence[str]] | None = None,
) -> None:
    """`write_xlsx` into the binary file `out`: rows go to a temporary file as they come
    and the workbook is zipped into `out` at the end, so memory stays flat."""
    options = {
        # Rows are streamed to a temporary file instead of kept as objects:
        # about a third faster, and memory stays flat for large exports.
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    # The context manager closes the workbook (and its temporary files) even
    # when a row holds a value that cannot be written.
    with xlsxwriter.Workbook(out, options) as workbook:
        styles = _Styles(workbook)
        sheet = workbook.add_worksheet(sheet_name)
        text_set = frozenset(text_columns)
        _write_header(sheet, headers, styles, text_set, frozenset(required_columns))
        last_row = _write_rows(sheet, rows, styles, text_set)
        sheet.freeze_panes(1, 0)
        if headers:
            sheet.autofilter(0, 0, last_row, len(headers) - 1)
        if valid_values:
            _add_valid_values(workbook, sheet, headers, valid_values, styles)


class _Styles:
    def __init__(self, workbook: Any) -> None:
        self.header = workbook.add_format({"bold": True})
        self.required = workbook.add_format({"bold": True, "bg_color": _REQUIRED_FILL})
        self.text = workbook.add_format({"num_format": "@"})
        self.date = workbook.add_format({"num_format": "mm/dd/yyyy"})


def _write_header(
    sheet: Any,
    headers: Sequence[str],
    styles: _Styles,
    text_columns: frozenset[int],
    required: frozenset[int],
) -> None:
    for column, header in enumerate(headers):
        width = min(max(len(header) * 1.1 + 2, 12), 50)
        sheet.set_column(column, column, width, styles.text if column in text_columns else None)
        if column in required:
            sheet.write_string(0, column, header, styles.required)
            sheet.write_comment(0, column, "Required")
        else:
            sheet.write_string(0, column, header, styles.header)


def _write_rows(
    sheet: Any,
    rows: Iterable[Sequence[OutCell]],
    styles: _Styles,
    text_columns: frozenset[int],
) -> int:
    """Write the data rows from row 2 on; return the 0-based index of the last one."""
    write_string = sheet.write_string
    write_number = sheet.write_number
    write_datetime = sheet.write_datetime
    text_format = styles.text
    date_format = styles.date
    last = 0
    for last, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if value.__class__ is str:
                if value:
                    if value[0] in "'\t\r":
                        value = guard_quotes(value)
                    write_string(
                        last,
                        column,
                        value[:_MAX_TEXT],
                        text_format if column in text_columns else None,
                    )
            elif column in text_columns:
                write_string(last, column, _as_text(value), text_format)
            elif isinstance(value, bool):
                write_string(last, column, format_yes_no(value))
            elif isinstance(value, int | Decimal):
                write_number(last, column, value if isinstance(value, int) else float(value))
            elif isinstance(value, dt.date):
                day = value.date() if isinstance(value, dt.datetime) else value
                write_datetime(last, column, day, date_format)
            else:
                raise TypeError(f"cannot write a {type(value).__name__} to a spreadsheet cell")
    return last


def _as_text(value: OutCell) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)


def _add_valid_values(
    workbook: Any,
    sheet: Any,
    headers: Sequence[str],
    valid_values: Mapping[int, Sequence[str]],
    styles: _Styles,
) -> None:
    lists = sorted(valid_values.items())
    values_sheet = workbook.add_worksheet(VALID_VALUES_SHEET)
    # Streaming mode writes row by row, so the lists go out row-major.
    longest = max(len(values) for _, values in lists)
    for row in range(longest + 1):
        for out_column, (column, values) in enumerate(lists):
            if row == 0:
                values_sheet.write_string(0, out_column, headers[column], styles.header)
            elif row <= len(values):
                values_sheet.write_string(row, out_column, values[row - 1])
    for out_column, (column, values) in enumerate(lists):
        letter = xl_col_to_name(out_column)
        values_sheet.set_column(out_column, out_column, min(max(len(headers[column]), 12), 50))
        if not values:
            continue
        sheet.data_validation(
            1,
            column,
            TEMPLATE_ROWS,
            column,
            {
                "validate": "list",
                "source": f"='{VALID_VALUES_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
                "error_type": "warning",
                "error_title": "Not a listed value",
                "error_message": f"Pick a value from the list on the '{VALID_VALUES_SHEET}' sheet.",
            },
        )
