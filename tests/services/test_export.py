"""Export (rules §4) and the template: scope, tabs, filters, sort, the limit, columns, formats."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from cosell.domain.filters import ReferralFilters, Tab
from cosell.domain.headers import resolve_header
from cosell.domain.job_types import ExportOptions
from cosell.errors import UsageError
from cosell.services.exports import export_referrals, render_template
from cosell.services.referrals import set_favorite
from cosell.settings import Settings
from cosell.store.referrals import ReferralRepository
from tests.support import ADMIN, csv_bytes, read_csv, row, run_import


def export(world, actor=None, settings=None, **kwargs):
    filters = kwargs.pop("filters", ReferralFilters())
    options = ExportOptions(filters=filters, **kwargs)
    with world.db.reading() as uow:
        return export_referrals(uow, actor or world.admin, options, settings or world.settings)


def seed(world, *rows):
    result = run_import(world, world.admin, csv_bytes(list(rows)))
    assert result.count("failed") == 0, result.failures
    return [r["Referral ID"] for r in result.result_rows()]


def names(result):
    return [r["Deal Name"] for r in read_csv(result.data)]


def test_filters_status_country_search_and_sort(world):
    seed(
        world,
        row(Deal_Name="Alpha NL", Customer_Country="NL", Estimated_Deal_Value="300"),
        row(Deal_Name="Beta US", Estimated_Deal_Value="100"),
        row(Deal_Name="Gamma NL", Customer_Country="NL", Estimated_Deal_Value="200"),
    )
    nl = ReferralFilters(countries=["NL"], sort="value")
    assert names(export(world, filters=nl)) == ["Gamma NL", "Alpha NL"]
    assert names(export(world, filters=ReferralFilters(search="beta"))) == ["Beta US"]
    assert names(export(world, filters=ReferralFilters(statuses=["Closed"]))) == []
    with pytest.raises(UsageError):
        export(world, filters=ReferralFilters(search="ab"))


def test_tabs_inbound_outbound_and_favorites(world):
    first, _ = seed(world, row(Deal_Name="Mine"), row(Deal_Name="Other"))
    assert names(export(world, filters=ReferralFilters(tab=Tab.INBOUND))) == []
    assert len(names(export(world, filters=ReferralFilters(tab=Tab.OUTBOUND)))) == 2
    set_favorite(world.db, world.admin, first, True)
    assert names(export(world, filters=ReferralFilters(tab=Tab.FAVORITES))) == ["Mine"]


def test_the_limit_exports_the_first_rows_and_says_how_many_matched(world):
    seed(world, *[row(Deal_Name=f"Deal {i}") for i in range(7)])
    result = export(world, settings=Settings(database_url="sqlite://", max_export_rows=5))
    assert (result.rows, result.matched, result.truncated) == (5, 7, True)
    assert result.message == "5 of 7 exported — narrow the filters"


def test_referrals_user_exports_only_deals_listing_them(world):
    seed(
        world, row(Deal_Name="Seller's"), row(Deal_Name="Admin's", Team_member_1=f"A, B, , {ADMIN}")
    )
    assert names(export(world, actor=world.seller)) == ["Seller's"]
    assert names(export(world, actor=world.other_admin)) == []


def test_as_many_group_columns_as_the_widest_deal_and_an_empty_errors_column(world):
    wide = row(
        **{
            "Solution 2": "SOL-2001-AZML",
            "Solution 3": "SOL-3100-SECR",
            "Team member 2": "Ann, Other, , ann@example.com",
        }
    )
    seed(world, wide, row())
    header = export(world).data.decode("utf-8-sig").split("\r\n")[0].split(",")
    assert header[0] == "Errors"
    assert [h for h in header if h.startswith("Solution")] == [
        "Solution 1",
        "Solution 2",
        "Solution 3",
    ]
    assert [h for h in header if h.startswith("Team member")] == ["Team member 1", "Team member 2"]
    assert all(r["Errors"] == "" for r in read_csv(export(world).data))


def test_xlsx_export_has_typed_cells(world):
    seed(world, row(Customer_Postal_Code="08052"))
    data = export(world, format="xlsx").data
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    header, values = sheet.to_python()[:2]
    cell = dict(zip(header, values, strict=True))
    assert cell["Estimated Deal Value"] == 12563.5
    assert cell["Estimated Close Date"] in (dt.date(2027, 1, 30), dt.datetime(2027, 1, 30))
    assert cell["Customer Postal Code"] == "08052"
    assert cell["Customer D-U-N-S ID"] == "081466849"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode()


def test_language_and_semicolon_delimiter(world):
    seed(world, row())
    text = export(world, lang="sv", delimiter=";").data.decode("utf-8-sig")
    header = text.split("\r\n")[0].split(";")
    assert "Avtalsnamn" in header and "12563,50" in text
    assert header[-1] == "Row Version"  # ours, after the groups, in every language
    assert all(resolve_header(h) not in (None, "ignored") for h in header[:-1])


def test_exported_values_are_canonical(world):
    seed(world, row(Estimated_Close_Date="2027-01-30", Partner_Referral_Status="new"))
    [exported] = read_csv(export(world).data)
    assert exported["Estimated Close Date"] == "01/30/2027"
    assert exported["Partner Referral Status"] == "Active"
    assert exported["Partner Referral Substatus"] == "Accepted"
    assert exported["Microsoft help required?"] == "No"
    assert Decimal(exported["Estimated Deal Value"]) == Decimal("12563.50")


def test_csv_template_has_every_header_in_the_language(world):
    text = render_template("csv", "de").decode("utf-8-sig")
    headers = text.strip().split(",")
    assert len(headers) == 34 and "Lösung 1" in headers and "Teammitglied 1" in headers
    assert all(resolve_header(h) not in (None, "ignored") for h in headers)


def test_xlsx_template_marks_required_columns_and_lists_valid_values(world):
    data = render_template("xlsx", None)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        names_ = z.namelist()
    assert "<dataValidation" in sheet
    assert any("comments" in n for n in names_)  # the "Required" notes
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert len(book.sheet_names) == 2
    listed = book.get_sheet_by_index(1).to_python()
    flat = {str(v) for line in listed for v in line}
    assert {"New", "Active", "Accepted", "Yes", "No"} <= flat


def test_template_valid_values_show_each_code_with_its_meaning_and_read_back(world):
    """A code alone says nothing to the person filling in the template: the list shows
    its meaning, and a value picked from the list imports as its code."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(render_template("xlsx", None)))
    header, *lines = book.get_sheet_by_index(1).to_python()
    columns = {name: [line[i] for line in lines if line[i]] for i, name in enumerate(header)}
    reasons = columns["Declined/Lost reason"]
    assert "6 – Proposed time line was too short (Declined/Lost)" in reasons
    assert "6 – Solution issues (Error)" in reasons
    assert "3 – Proof of concept/Demo" in columns["What specific help from Microsoft?"]
    assert "40 – Developed" in columns["Sales Stage"]
    picked = row(
        Sales_Stage="40 – Developed",
        **{"Microsoft help required?": "Yes", "What specific help from Microsoft?": ""},
    )
    picked.update(
        {
            "What specific help from Microsoft?": "3 – Proof of concept/Demo",
            "Customer Contact First Name": "Ann",
            "Customer Contact Last Name": "Lee",
            "Customer Contact Phone number": "+1 425 555 0100",
            "Customer Contact Email Address": "ann@contoso.example",
        }
    )
    result = run_import(world, world.admin, csv_bytes([picked]))
    assert result.count("created") == 1, result.failures
    with world.db.read() as conn:
        [ref] = ReferralRepository(conn, world.admin).search(ReferralFilters(), limit=5)
    assert (ref.sales_stage, ref.help_code) == (40, 3)
