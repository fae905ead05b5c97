"""What spreadsheets do to cells (issue 6 §4): the formula guard in every format,
results files re-uploaded unedited, identifiers turned into numbers, dropped zeros,
and files with fewer Solution / Team member columns than the deal has items."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from decimal import Decimal

import pytest
import xlsxwriter

from cosell.domain.headers import header_score
from cosell.files.reader import read_table
from cosell.store.referrals import ReferralRepository
from tests.support import World, csv_bytes, results_as, row, run_import

MANGLED = (
    "a spreadsheet turned this into a number, format the column as text and paste the original"
)


def xlsx_bytes(rows: Sequence[Mapping[str, object]], headers: Sequence[str] | None = None) -> bytes:
    """A workbook as a user saves it: every given string is a plain string cell
    (nothing added or removed), numbers are number cells."""
    headers = list(headers or rows[0].keys())
    out = io.BytesIO()
    with xlsxwriter.Workbook(out, {"in_memory": True}) as book:
        sheet = book.add_worksheet("Sheet1")
        for c, h in enumerate(headers):
            sheet.write_string(0, c, h)
        for r, values in enumerate(rows, start=1):
            for c, h in enumerate(headers):
                value = values.get(h, "")
                if isinstance(value, str):
                    if value:
                        sheet.write_string(r, c, value)
                else:
                    sheet.write_number(r, c, value)
    return out.getvalue()


def get(world: World, rid: str):
    with world.db.read() as conn:
        ref = ReferralRepository(conn, world.admin).get(rid)
    assert ref is not None
    return ref


def outcomes(result) -> list[str]:
    if result.results.startswith(b"PK"):
        table = read_table(result.results, header_score=header_score)
        i = table.headers.index("Import Result")
        return [str(r.cells[i]) for r in table.rows]
    return [r["Import Result"] for r in result.result_rows()]


def xlsx_rows(data: bytes) -> list[dict[str, object]]:
    table = read_table(data, header_score=header_score)
    return [dict(zip(table.headers, r.cells, strict=True)) for r in table.rows]


# ------------------------------------------------------------------ the guard
GUARDED = {
    "Deal Name": ("'-call procurement", "-call procurement"),
    "Notes": ("'=SUM(A1:A2)", "=SUM(A1:A2)"),
    "Customer Address Line 2": ("'@home office", "@home office"),
    "Marketing Campaign ID": ("'+31-spring", "+31-spring"),
}
ATTRS = {
    "Deal Name": "deal_name",
    "Notes": "notes",
    "Customer Address Line 2": "address_2",
    "Marketing Campaign ID": "campaign_id",
}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_leading_quote_before_a_formula_trigger_is_removed(world, fmt):
    cells = {column: given for column, (given, _) in GUARDED.items()}
    data = csv_bytes([row(**cells)]) if fmt == "csv" else xlsx_bytes([row(**cells)])
    result = run_import(world, world.admin, data, name=f"deals.{fmt}")
    assert result.count("created") == 1, result.failures
    assert result.results is not None
    rid = (
        result.result_rows()[0]["Referral ID"]
        if fmt == "csv"
        else str(xlsx_rows(result.results)[0]["Referral ID"])
    )
    ref = get(world, rid)
    for column, (_, expected) in GUARDED.items():
        assert getattr(ref, ATTRS[column]) == expected, column


def test_a_quote_before_other_text_is_kept(world):
    result = run_import(world, world.admin, csv_bytes([row(Notes="'tis the season")]))
    assert get(world, result.result_rows()[0]["Referral ID"]).notes == "'tis the season"


# ------------------------------------------------------------------ results files
TRICKY = {
    "Deal Name": "'=already neutralized",
    "Notes": "\t=1+1",
    "Customer Address Line 2": "''=x",
    "CRM ID": "'-42-crm",
    "Marketing Campaign ID": "@campaign",
}


def tricky_rows() -> list[dict[str, str]]:
    return [
        row(**TRICKY),
        row(**{**TRICKY, "Deal_Name": "\t=1+1", "Notes": "''=x"}),
        row(Deal_Name="'+tab", Notes="ok", Customer_Address_Line_2='=HYPERLINK("x")'),
        row(Currency="EURO"),  # fails: stays Failed on re-upload
    ]


def test_csv_results_file_reuploaded_unedited_is_unchanged(world):
    first = run_import(world, world.admin, csv_bytes(tricky_rows()))
    assert outcomes(first) == ["Created", "Created", "Created", "Failed"], first.failures
    again = run_import(world, world.admin, first.results or b"")
    assert outcomes(again) == ["Unchanged", "Unchanged", "Unchanged", "Failed"], again.failures
    third = run_import(world, world.admin, again.results or b"")
    assert outcomes(third) == ["Unchanged", "Unchanged", "Unchanged", "Failed"], third.failures


def test_xlsx_results_file_reuploaded_unedited_is_unchanged(world):
    first = run_import(world, world.admin, xlsx_bytes(tricky_rows()), name="deals.xlsx")
    assert first.results is not None and first.results.startswith(b"PK")
    assert outcomes(first) == ["Created", "Created", "Created", "Failed"], first.failures
    again = run_import(world, world.admin, first.results, name="results.xlsx")
    assert outcomes(again) == ["Unchanged", "Unchanged", "Unchanged", "Failed"], again.failures


def test_csv_results_as_xlsx_and_back_reupload_unchanged(world):
    first = run_import(world, world.admin, csv_bytes(tricky_rows()))
    as_xlsx = results_as(world, first, "xlsx")
    again = run_import(world, world.admin, as_xlsx, name="results.xlsx")
    assert outcomes(again) == ["Unchanged", "Unchanged", "Unchanged", "Failed"], again.failures
    as_csv = results_as(world, again, "csv")
    third = run_import(world, world.admin, as_csv)
    assert outcomes(third) == ["Unchanged", "Unchanged", "Unchanged", "Failed"], third.failures


def test_results_file_of_updates_reuploaded_unedited_is_unchanged(world):
    created = run_import(world, world.admin, csv_bytes([row(), row()]))
    rids = [r["Referral ID"] for r in created.result_rows()]
    data = csv_bytes(
        [
            {"Referral ID": rids[0], "Notes": "'=now a formula", "Deal Name": "\t=1+1"},
            {"Referral ID": rids[1], "Notes": "''=x", "Deal Name": "'-minus"},
        ]
    )
    first = run_import(world, world.admin, data)
    assert outcomes(first) == ["Updated", "Updated"], first.failures
    assert (get(world, rids[0]).notes, get(world, rids[1]).deal_name) == (
        "=now a formula",
        "-minus",
    )
    again = run_import(world, world.admin, first.results or b"")
    assert outcomes(again) == ["Unchanged", "Unchanged"], again.failures


# ------------------------------------------------------------------ numbers of identifiers
@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("CRM ID", "1.23457E+19"),
        ("CRM ID", "12345678901234599936"),
        ("CRM ID", "12345678901234600000"),
        ("Marketing Campaign ID", "1,23E+05"),
        ("Marketing Campaign ID", "1.23457E+19"),
        ("Customer Contact Phone number", "12345678901234599936"),
        ("Customer Contact Phone number", "4.25555E+09"),
    ],
)
def test_an_identifier_a_spreadsheet_made_a_number_fails(world, column, value):
    result = run_import(world, world.admin, csv_bytes([row(**{column: value})]))
    assert (result.count("created"), result.count("failed")) == (0, 1)
    [errors] = result.failures.values()
    assert errors == [f'{column}: "{value}" is not valid, {MANGLED}']


def test_a_mangled_identifier_fails_an_update_too(world):
    created = run_import(world, world.admin, csv_bytes([row()]))
    rid = created.result_rows()[0]["Referral ID"]
    before = get(world, rid).crm_id
    result = run_import(world, world.admin, csv_bytes([{"Referral ID": rid, "CRM ID": "1.2E+19"}]))
    assert result.count("failed") == 1 and MANGLED in result.failures[2][0]
    assert get(world, rid).crm_id == before


def test_a_long_genuine_identifier_is_kept(world):
    result = run_import(
        world,
        world.admin,
        csv_bytes([row(CRM_ID="12345678901234567890", Marketing_Campaign_ID="0012345678901234")]),
    )
    assert result.count("created") == 1, result.failures
    ref = get(world, result.result_rows()[0]["Referral ID"])
    assert (ref.crm_id, ref.campaign_id) == ("12345678901234567890", "0012345678901234")


# ------------------------------------------------------------------ D-U-N-S
@pytest.mark.parametrize(("given", "stored"), [("81466849", "081466849"), ("1234", "000001234")])
def test_a_duns_with_dropped_zeros_is_padded_and_unchanged_on_reimport(world, given, stored):
    created = run_import(world, world.admin, csv_bytes([row(**{"Customer D-U-N-S ID": given})]))
    assert created.count("created") == 1, created.failures
    rid = created.result_rows()[0]["Referral ID"]
    assert get(world, rid).duns == stored
    for text in (given, stored):
        again = run_import(
            world, world.admin, csv_bytes([{"Referral ID": rid, "Customer D-U-N-S ID": text}])
        )
        assert again.count("unchanged") == 1, again.failures
    as_number = xlsx_bytes([{"Referral ID": rid, "Customer D-U-N-S ID": int(given)}])
    again = run_import(world, world.admin, as_number, name="deals.xlsx")
    assert again.count("unchanged") == 1, again.failures


def test_a_different_duns_still_fails_as_read_only(world):
    created = run_import(world, world.admin, csv_bytes([row()]))
    rid = created.result_rows()[0]["Referral ID"]
    result = run_import(
        world, world.admin, csv_bytes([{"Referral ID": rid, "Customer D-U-N-S ID": "81466848"}])
    )
    assert result.count("failed") == 1
    assert "cannot change after the deal is created" in result.failures[2][0]


# ------------------------------------------------------------------ partial group columns
SOLUTIONS = ("SOL-1234-PQRS, USD, 10, 100", "SOL-2001-AZML, USD, 20, 2", "SOL-3100-SECR")
TEAM = (
    "Ann, One, , ann@org-a.example",
    "Ben, Two, , ben@org-a.example",
    "Cat, Three, , cat@org-a.example",
)


def three_of_each(world: World) -> str:
    cells = {f"Solution {i}": s for i, s in enumerate(SOLUTIONS, start=1)}
    cells |= {f"Team member {i}": t for i, t in enumerate(TEAM, start=1)}
    result = run_import(world, world.admin, csv_bytes([row(**cells)]))
    assert result.count("created") == 1, result.failures
    rid = result.result_rows()[0]["Referral ID"]
    assert len(get(world, rid).solutions) == 3 and len(get(world, rid).team) == 3
    return rid


def test_a_file_with_only_the_first_group_columns_keeps_the_other_items(world):
    rid = three_of_each(world)
    data = csv_bytes(
        [
            {
                "Referral ID": rid,
                "Solution 1": "SOL-1234-PQRS, USD, 11, 100",
                "Team member 1": "Ann, One, 555 0100, ann@org-a.example",
            }
        ]
    )
    result = run_import(world, world.admin, data)
    assert result.count("updated") == 1, result.failures
    ref = get(world, rid)
    assert [s.solution_id for s in ref.solutions] == [
        "SOL-1234-PQRS",
        "SOL-2001-AZML",
        "SOL-3100-SECR",
    ]
    assert ref.solutions[0].price == Decimal("11")
    assert [m.email for m in ref.team] == [
        "ann@org-a.example",
        "ben@org-a.example",
        "cat@org-a.example",
    ]
    assert ref.team[0].phone == "555 0100"
    [line] = result.result_rows()
    assert line["Import Result"] == "Updated"
    assert line["Errors"].startswith("Warning: ")
    assert "Solution 2" in line["Errors"] and "Team member 2" in line["Errors"]


def test_an_identical_partial_row_is_unchanged_and_still_warns(world):
    rid = three_of_each(world)
    data = csv_bytes([{"Referral ID": rid, "Solution 1": SOLUTIONS[0], "Team member 1": TEAM[0]}])
    result = run_import(world, world.admin, data)
    assert result.count("unchanged") == 1, result.failures
    [line] = result.result_rows()
    parts = line["Errors"].split("; ")
    assert len(parts) == 2 and all(p.startswith("Warning: ") for p in parts)
    assert any("Solution 2" in p and "Solution 3" in p for p in parts)
    assert any("Team member 2" in p and "Team member 3" in p for p in parts)
    assert result.summary["row_warnings"] == [{"row": 2, "warnings": [p[9:] for p in parts]}]


def test_an_empty_group_cell_present_in_the_file_removes_that_item(world):
    rid = three_of_each(world)
    data = csv_bytes([{"Referral ID": rid, "Solution 1": SOLUTIONS[0], "Solution 2": ""}])
    result = run_import(world, world.admin, data)
    assert result.count("updated") == 1, result.failures
    ref = get(world, rid)
    assert [s.solution_id for s in ref.solutions] == ["SOL-1234-PQRS", "SOL-3100-SECR"]
    assert len(ref.team) == 3
    [line] = result.result_rows()
    assert "Warning: " in line["Errors"] and "Solution 3" in line["Errors"]


def test_a_file_with_every_group_column_has_no_warning(world):
    rid = three_of_each(world)
    cells = {f"Solution {i}": s for i, s in enumerate(SOLUTIONS, start=1)}
    cells |= {f"Team member {i}": t for i, t in enumerate(TEAM, start=1)}
    result = run_import(world, world.admin, csv_bytes([{"Referral ID": rid, **cells}]))
    assert result.count("unchanged") == 1
    assert result.result_rows()[0]["Errors"] == ""
