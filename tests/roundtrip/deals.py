"""The referrals every round-trip scenario starts from, made through the services, and the
files they are exported to, read back without the product's reader.

Six deals cover what a spreadsheet finds awkward: formula-like text (`+`, `-`, `=`, `@`
first), notes with line breaks, commas and quotes, leading zeros (D-U-N-S, postal code,
phone, CRM ID), an 18-digit CRM ID, decimal deal values, close dates whose day is ≤ 12,
non-ASCII text, empty optional fields, 1–3 solutions and team members, Active/Accepted
and Closed/Won deals, one with Microsoft help requested.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import python_calamine as calamine

from cosell.domain.job_types import ExportOptions
from cosell.services.exports import Format, export_referrals
from tests.support import SELLER, VALID_ROW, World, csv_bytes, run_import

BOB = f"Bob, Partner, +31 6 1234 5678, {SELLER}"
ANN = "Ann, O'Neil, , ann@example.com"
ASA = "Åsa, Ström, 070-123 45 67, asa@example.se"
ALPHA_NOTES = 'First line, with a comma\nSecond "quoted" line\n- a dash item'
LONG_CRM_ID = "123456789012345678"


def _deal(cells: dict[str, str]) -> dict[str, str]:
    """The article's sample row (`tests.support.VALID_ROW`) with `cells` changed."""
    return {**VALID_ROW, **cells}


#: The referrals of the world, by a short key. Created through an import; the keys in
#: WON are then closed as Won by a second import.
DEALS: dict[str, dict[str, str]] = {
    # Help requested (so the contact is filled), 3 solutions, 3 team members, notes with
    # line breaks, commas and quotes, a D-U-N-S and a postal code with a leading zero.
    "alpha": _deal(
        {
            "Deal Name": "Alpha, the big one",
            "Customer Postal Code": "02134",
            "Customer D-U-N-S ID": "012345678",
            "Customer Contact First Name": "Jane",
            "Customer Contact Last Name": "Doe",
            "Customer Contact Phone number": "+1 425 555 0100",
            "Customer Contact Email Address": "jane@contoso.com",
            "Sales Stage": "40",
            "Estimated Deal Value": "12563.50",
            "Estimated Close Date": "01/30/2027",
            "Notes": ALPHA_NOTES,
            "Microsoft help required?": "Yes",
            "What specific help from Microsoft?": "3",
            "Notes to Microsoft": "@mention the architect",
            "Solution 1": "SOL-1234-PQRS, USD, 10.50, 100",
            "Solution 2": "SOL-2001-AZML, EUR, 2500, 3",
            "Solution 3": "SOL-3100-SECR",
            "Team member 1": BOB,
            "Team member 2": ANN,
            "Team member 3": ASA,
        }
    ),
    # Formula-like texts, optional fields empty, a day ≤ 12 (03/04: March 4, not April 3),
    # a phone number with a leading zero, a whole deal value.
    "plus": _deal(
        {
            "Deal Name": "+Plus deal",
            "Customer Name": "@Home Ltd",
            "Customer Address Line 2": "",
            "Customer City": "Amsterdam",
            "Customer State": "",
            "Customer Postal Code": "1015 CX",
            "Customer Country": "NL",
            "Customer D-U-N-S ID": "",
            "Customer Contact Phone number": "0612345678",
            "Sales Stage": "20",
            "Estimated Deal Value": "1000",
            "Currency": "EUR",
            "Estimated Close Date": "03/04/2027",
            "CRM ID": "",
            "Marketing Campaign ID": "",
            "Notes": "-minus first",
            "Share with Microsoft sales team": "No",
            "Solution 1": "SOL-2001-AZML, EUR, 2500, 3",
        }
    ),
    # Closed/Won: a D-U-N-S with two leading zeros, a CRM ID of digits with leading zeros,
    # a formula as notes, cents only, day and month both ≤ 12.
    "won": _deal(
        {
            "Deal Name": "Gamma closed",
            "Customer City": "Stockholm",
            "Customer State": "",
            "Customer Postal Code": "114 55",
            "Customer Country": "SE",
            "Customer D-U-N-S ID": "004567891",
            "Sales Stage": "60",
            "Estimated Deal Value": "0.05",
            "Currency": "SEK",
            "Estimated Close Date": "12/11/2026",
            "CRM ID": "004217",
            "Notes": "=SUM(A1:A2)",
            "Solution 1": "SOL-1234-PQRS",
            "Team member 2": ASA,
        }
    ),
    # Non-ASCII text, a large value, a formula-like CRM ID and notes.
    "zurich": _deal(
        {
            "Deal Name": "Société Générale – Zürich",
            "Customer Name": "Société Générale",
            "Customer City": "Zürich",
            "Customer State": "Île-de-France",
            "Customer Postal Code": "75008",
            "Customer Country": "FR",
            "Sales Stage": "80",
            "Estimated Deal Value": "1234567.89",
            "Currency": "EUR",
            "Estimated Close Date": "02/01/2028",
            "CRM ID": "=CRM-7",
            "Notes": "+1 for this",
            "Team member 2": ANN,
        }
    ),
    # A CRM ID of 18 digits: more than a spreadsheet number holds (15 significant digits).
    "long_id": _deal(
        {
            "Deal Name": "Long CRM ID",
            "Sales Stage": "10",
            "Estimated Deal Value": "250000",
            "Estimated Close Date": "07/04/2027",
            "CRM ID": LONG_CRM_ID,
            "Notes": "",
            "Solution 1": "SOL-3100-SECR, USD, 99.99, 1",
        }
    ),
    # A second Won deal: no D-U-N-S, a value with one significant decimal.
    "won_us": _deal(
        {
            "Deal Name": "Fabrikam renewal",
            "Customer Name": "Fabrikam, Inc.",
            "Customer D-U-N-S ID": "",
            "Sales Stage": "80",
            "Estimated Deal Value": "500.10",
            "Estimated Close Date": "10/02/2026",
            "CRM ID": "CRM-0099",
            "Notes": "Renewal @ 10%, signed",
        }
    ),
}
WON = ("won", "won_us")


#: A cell as read back: text from a CSV; text, a number or a date from a workbook.
Cell = str | float | int | bool | dt.date


def create_deals(world: World) -> dict[str, str]:
    """Create DEALS through an import as the admin, close WON as Won through a second
    import; return each deal's Referral ID by key."""
    headers = list(dict.fromkeys(h for deal in DEALS.values() for h in deal))
    created = run_import(world, world.admin, csv_bytes(list(DEALS.values()), headers))
    assert created.count("created") == len(DEALS), created.failures
    ids = {key: r["Referral ID"] for key, r in zip(DEALS, created.result_rows(), strict=True)}
    closing = [
        {
            "Referral ID": ids[key],
            "Partner Referral Status": "Closed",
            "Partner Referral Substatus": "Won",
            "Sales Stage": "100",
        }
        for key in WON
    ]
    closed = run_import(world, world.admin, csv_bytes(closing))
    assert closed.count("updated") == len(WON), closed.failures
    return ids


def export(world: World, fmt: Format, delimiter: str = ",") -> bytes:
    """Every referral the admin sees, as `export_referrals` writes them."""
    options = ExportOptions(format=fmt, delimiter=delimiter)
    with world.db.reading() as uow:
        return export_referrals(uow, world.admin, options, world.settings).data


def read_rows(data: bytes, delimiter: str | None) -> list[dict[str, Cell]]:
    """The data rows of a UTF-8 CSV or of a workbook's first sheet, by header, without
    the product's reader: what the file really holds (date-times as dates)."""
    if data.startswith(b"PK"):
        with calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
            values = book.get_sheet_by_index(0).to_python()
        headers = [str(h) for h in values[0]]
        return [
            {h: _cell(v) for h, v in zip(headers, row, strict=False)}
            for row in values[1:]
            if any(v != "" for v in row)
        ]
    text = data.decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or ","))
    headers = records[0]
    return [dict(zip(headers, record, strict=False)) for record in records[1:] if any(record)]


def _cell(value: object) -> Cell:
    if isinstance(value, dt.datetime):
        return value.date()
    assert isinstance(value, str | float | int | bool | dt.date), type(value)
    return value
