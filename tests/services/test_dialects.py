"""Golden files end to end: every spreadsheet dialect and each seed language imports.

The files are generated in code; each is imported into a fresh organization and the
stored referral is checked, then the results file is re-imported (nothing twice).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import xlsxwriter

from cosell.domain.filters import ReferralFilters
from cosell.domain.headers import resolve_header
from cosell.store.referrals import ReferralRepository
from tests.domain.test_headers import seed_headers
from tests.support import VALID_ROW, csv_bytes, results_as, run_import


def only_referral(world):
    with world.db.read() as conn:
        [ref] = ReferralRepository(conn, world.admin).search(ReferralFilters(), limit=10)
    return ref


def text_file(rows: list[list[str]], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def table(**changes: str) -> list[list[str]]:
    values = {**VALID_ROW, **changes}
    return [list(values), list(values.values())]


def assert_round_trip(world, data: bytes, name: str, *, deal: str = VALID_ROW["Deal Name"]):
    first = run_import(world, world.admin, data, name=name)
    assert first.count("created") == 1, (first.summary, first.failures)
    ref = only_referral(world)
    assert ref.deal_name == deal
    again = run_import(world, world.admin, first.results or b"", name=name)
    assert (again.count("created"), again.count("unchanged")) == (0, 1), again.failures
    return ref


def test_utf8_bom_comma(world):
    ref = assert_round_trip(world, csv_bytes([VALID_ROW]), "deals.csv")
    assert ref.deal_value == Decimal("12563.50")


def test_cp1252_semicolon_with_sep_line(world):
    rows = table(
        **{
            "Deal Name": "Café Straße €uro",
            "Customer City": "Düsseldorf",
            "Estimated Deal Value": "12.563,50",
        },
    )
    data = ("sep=;\r\n" + text_file(rows, ";")).encode("cp1252")
    ref = assert_round_trip(world, data, "deals.csv", deal="Café Straße €uro")
    assert ref.city == "Düsseldorf" and ref.deal_value == Decimal("12563.50")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_tab_unicode_text(world, codec):
    bom = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    rows = table(**{"Deal Name": "Ünïcödé 取引"})
    data = bom + text_file(rows, "\t").encode(codec)
    assert_round_trip(world, data, "deals.txt", deal="Ünïcödé 取引")


def test_crlf_with_quoted_newlines_commas_and_quotes(world):
    notes = 'Line one, with a comma\r\nLine two "quoted"'
    rows = table(**{"Notes": notes, "Deal Name": 'Deal "Big", phase 2'})
    ref = assert_round_trip(
        world, text_file(rows, ",").encode(), "d.csv", deal='Deal "Big", phase 2'
    )
    assert ref.notes == 'Line one, with a comma\nLine two "quoted"'


def test_xlsx_with_date_cells_and_numeric_ids(world):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    values = dict(VALID_ROW)
    for col, header in enumerate(values):
        sheet.write_string(0, col, header)
        value = values[header]
        if header == "Estimated Close Date":
            sheet.write_datetime(1, col, dt.datetime(2027, 1, 30), date_format)
        elif header in (
            "Customer Postal Code",
            "Customer D-U-N-S ID",
            "Estimated Deal Value",
            "Sales Stage",
        ):
            sheet.write_number(1, col, float(value))
        else:
            sheet.write_string(1, col, value)
    book.close()
    first = run_import(world, world.admin, out.getvalue(), name="deals.xlsx")
    assert first.count("created") == 1, first.failures
    assert (first.results or b"").startswith(b"PK")
    ref = only_referral(world)
    assert ref.close_date == dt.date(2027, 1, 30)
    assert ref.postal_code == "98052"
    assert ref.duns == "081466849"  # the number 81466849 lost its leading zero in Excel
    assert ref.deal_value == Decimal("12563.50")
    again = run_import(world, world.admin, first.results or b"", name="results.xlsx")
    assert (again.count("created"), again.count("unchanged")) == (0, 1), again.failures


@pytest.mark.parametrize("prefix", ["000", "002", "003"], ids=["dutch", "swedish", "french"])
def test_seed_language_headers_exactly_as_in_the_seeds(world, prefix):
    headers = seed_headers(prefix)
    by_label = {}
    for header in headers:
        key = resolve_header(header)
        assert key is not None and key != "ignored", header
        by_label[header] = VALID_ROW.get(key.label, "")
    data = csv_bytes([by_label], headers)
    ref = assert_round_trip(world, data, f"{prefix}.csv")
    assert ref.customer_name == VALID_ROW["Customer Name"]


def test_a_leading_apostrophe_guard_is_removed_in_every_format(world):
    """A CSV export saved as XLSX keeps the guard `'` as text: it is the guard in a
    workbook too (whoever types `'=x` in a spreadsheet gets `=x` anyway); `''=x` is
    the text `'=x`."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    values = {
        **VALID_ROW,
        "Deal Name": "'=guarded in a workbook",
        "Notes": "=not a formula",
        "Marketing Campaign ID": "''=kept quote",
    }
    for col, (header, value) in enumerate(values.items()):
        sheet.write_string(0, col, header)
        sheet.write_string(1, col, value)
    book.close()
    assert run_import(world, world.admin, out.getvalue(), name="d.xlsx").count("created") == 1
    ref = only_referral(world)
    assert (ref.deal_name, ref.notes, ref.campaign_id) == (
        "=guarded in a workbook",
        "=not a formula",
        "'=kept quote",
    )
    csv_row = {**VALID_ROW, "Deal Name": "'=guarded", "CRM ID": "other"}
    assert run_import(world, world.admin, csv_bytes([csv_row])).count("created") == 1
    with world.db.read() as conn:
        names = {
            r.deal_name
            for r in ReferralRepository(conn, world.admin).search(ReferralFilters(), limit=10)
        }
    assert names == {"=guarded in a workbook", "=guarded"}


def test_csv_results_converted_to_xlsx_reimport_unchanged(world):

    first = run_import(world, world.admin, csv_bytes([{**VALID_ROW, "Notes": "=not a formula"}]))
    assert b"'=not a formula" in (first.results or b"")  # guarded in the CSV results
    xlsx = results_as(world, first, "xlsx")
    again = run_import(world, world.admin, xlsx, name="results.xlsx")
    assert (again.count("unchanged"), again.count("failed")) == (1, 0), again.failures
    assert only_referral(world).notes == "=not a formula"
