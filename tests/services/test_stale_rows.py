"""Stale rows (issue 6 §1): an export carries each deal's `Row Version`; a row whose
deal changed since then fails, naming who changed it, when and which fields, unless
the import is told to overwrite newer deals."""

from __future__ import annotations

import re

from cosell.domain.fields import FIELD_ORDER
from cosell.domain.headers import header_score
from cosell.domain.job_types import ExportOptions
from cosell.files.reader import read_table
from cosell.files.writer import write_xlsx
from cosell.services.exports import export_referrals
from cosell.store.referrals import ReferralRepository
from tests.support import ADMIN, SELLER, World, csv_bytes, read_csv, row, run_import


def export(world: World, actor=None, **options) -> bytes:
    with world.db.reading() as uow:
        return export_referrals(
            uow, actor or world.admin, ExportOptions(**options), world.settings
        ).data


def stored(world: World, rid: str):
    with world.db.read() as conn:
        ref = ReferralRepository(conn, world.admin).get(rid)
    assert ref is not None
    return ref


def create(world: World, count: int = 1) -> list[str]:
    result = run_import(world, world.admin, csv_bytes([row() for _ in range(count)]))
    assert result.count("created") == count, result.failures
    return [r["Referral ID"] for r in result.result_rows()]


def edited(data: bytes, **changes: str) -> bytes:
    """The exported CSV with `changes` (`Notes="x"`) made to every row, as a user saves it."""
    rows = read_csv(data)
    for r in rows:
        for key, value in changes.items():
            r[key.replace("_", " ")] = value
    return csv_bytes(rows, list(rows[0].keys()))


# ------------------------------------------------------------------ the column
def test_export_has_row_version_after_the_group_columns(world):
    [rid] = create(world)
    run_import(world, world.admin, csv_bytes([{"Referral ID": rid, "Notes": "second version"}]))
    data = export(world)
    header = data.decode("utf-8-sig").split("\r\n", 1)[0].split(",")
    assert header[-1] == "Row Version"
    assert header[-3:-1] == ["Solution 1", "Team member 1"]
    assert header[: len(FIELD_ORDER)] == [f.value for f in FIELD_ORDER]
    [line] = read_csv(data)
    assert line["Row Version"] == "2" == str(stored(world, rid).version)


def test_export_xlsx_has_row_version_too(world):
    [rid] = create(world)
    table = read_table(export(world, format="xlsx"), header_score=header_score)
    assert table.headers[-1] == "Row Version"
    [line] = table.rows
    assert str(line.cells[-1]).removesuffix(".0") == "1"
    assert line.cells[table.headers.index("Referral ID")] == rid


# ------------------------------------------------------------------ two people
def test_second_stale_upload_fails_naming_who_when_and_which_fields(world):
    [rid] = create(world)
    admins_copy = export(world, world.admin)
    sellers_copy = export(world, world.seller)
    first = run_import(world, world.admin, edited(admins_copy, Notes="Admin called them"))
    assert first.count("updated") == 1, first.failures
    second = run_import(world, world.seller, edited(sellers_copy, CRM_ID="CRM-SELLER-1"))
    assert (second.count("updated"), second.count("failed")) == (0, 1)
    [errors] = second.failures.values()
    [message] = errors
    assert message.startswith("Row Version: changed since you exported it")
    assert f"by {ADMIN} at " in message
    assert re.search(r"at \d{4}-\d{2}-\d{2} \d{2}:\d{2}", message)
    assert message.rstrip().endswith("export again or use --overwrite-newer")
    assert ": Notes)" in message or ": Notes " in message or ": Notes," in message
    ref = stored(world, rid)
    assert ref.notes == "Admin called them"  # the newer value stays
    assert ref.crm_id != "CRM-SELLER-1" and ref.version == 2
    [line] = second.result_rows()
    assert line["Import Result"] == "Failed" and "changed since you exported it" in line["Errors"]
    assert line["Row Version"] == "1"  # still the version the row was exported at


def test_overwrite_newer_applies_the_stale_row(world):
    [rid] = create(world)
    admins_copy = export(world, world.admin)
    sellers_copy = export(world, world.seller)
    run_import(world, world.admin, edited(admins_copy, Notes="Admin called them"))
    forced = run_import(
        world, world.seller, edited(sellers_copy, CRM_ID="CRM-SELLER-1"), overwrite_newer=True
    )
    assert (forced.count("updated"), forced.count("failed")) == (1, 0), forced.failures
    ref = stored(world, rid)
    assert ref.crm_id == "CRM-SELLER-1" and ref.version == 3
    assert forced.result_rows()[0]["Row Version"] == "3"


def test_stale_rows_fail_one_by_one_and_fresh_rows_of_the_file_apply(world):
    rids = create(world, 3)
    copy = export(world)
    # Someone else changes the second deal only.
    run_import(world, world.seller, csv_bytes([{"Referral ID": rids[1], "Notes": "newer"}]))
    result = run_import(world, world.admin, edited(copy, Marketing_Campaign_ID="Spring27"))
    outcomes = {r["Referral ID"]: r["Import Result"] for r in result.result_rows()}
    assert outcomes == {rids[0]: "Updated", rids[1]: "Failed", rids[2]: "Updated"}
    [errors] = result.failures.values()
    assert f"by {SELLER} at " in errors[0] and "Notes" in errors[0]
    assert stored(world, rids[1]).notes == "newer"
    assert stored(world, rids[1]).campaign_id == "BingSummer2020"


def test_a_stale_row_identical_to_the_stored_deal_is_unchanged(world):
    [rid] = create(world)
    copy = export(world)
    run_import(world, world.seller, csv_bytes([{"Referral ID": rid, "Notes": "agreed text"}]))
    # The stale copy, edited to exactly what is now stored: nothing to change, no error.
    result = run_import(world, world.admin, edited(copy, Notes="agreed text"))
    assert (result.count("unchanged"), result.count("failed")) == (1, 0), result.failures
    assert result.result_rows()[0]["Row Version"] == "2"
    assert stored(world, rid).version == 2


def test_a_file_without_row_version_gets_no_check(world):
    """Partner Center's files and the template have no Row Version column."""
    [rid] = create(world)
    run_import(world, world.seller, csv_bytes([{"Referral ID": rid, "Notes": "newer"}]))
    result = run_import(world, world.admin, csv_bytes([{"Referral ID": rid, "CRM ID": "X-1"}]))
    assert result.count("updated") == 1, result.failures
    assert stored(world, rid).crm_id == "X-1" and stored(world, rid).notes == "newer"


def test_an_empty_row_version_cell_skips_the_check(world):
    [rid] = create(world)
    copy = export(world)
    run_import(world, world.seller, csv_bytes([{"Referral ID": rid, "Notes": "newer"}]))
    result = run_import(world, world.admin, edited(copy, Row_Version="", CRM_ID="X-2"))
    assert result.count("updated") == 1, result.failures
    assert stored(world, rid).crm_id == "X-2"


def test_stale_xlsx_upload_fails_too(world):
    [rid] = create(world)
    table = read_table(export(world, format="xlsx"), header_score=header_score)
    run_import(world, world.seller, csv_bytes([{"Referral ID": rid, "Notes": "newer"}]))
    notes = table.headers.index("Notes")
    rows = [[*r.cells[:notes], "from the workbook", *r.cells[notes + 1 :]] for r in table.rows]
    data = write_xlsx(table.headers, rows)
    result = run_import(world, world.admin, data, name="deals.xlsx")
    assert result.count("failed") == 1
    assert "changed since you exported it" in result.failures[2][0]
    assert stored(world, rid).notes == "newer"


# ------------------------------------------------------------------ results file
def test_results_file_has_row_version_before_import_result_with_the_new_version(world):
    [rid] = create(world)
    data = csv_bytes(
        [
            {"Referral ID": rid, "Notes": "changed", "Deal Name": "UK Spring Deal"},
            {"Referral ID": "", "Notes": "new", "Deal Name": ""},
        ]
    )
    result = run_import(world, world.admin, data)
    assert result.results is not None
    header = result.results.decode("utf-8-sig").split("\r\n", 1)[0].split(",")
    assert header[-2:] == ["Row Version", "Import Result"]
    updated, failed = result.result_rows()
    assert (updated["Import Result"], updated["Row Version"]) == ("Updated", "2")
    assert (failed["Import Result"], failed["Row Version"]) == ("Failed", "")


def test_results_file_of_an_export_reuploaded_is_unchanged(world):
    create(world, 2)
    copy = export(world)
    first = run_import(world, world.admin, edited(copy, Notes="edited once"))
    assert first.count("updated") == 2
    lines = first.result_rows()
    assert [r["Row Version"] for r in lines] == ["2", "2"]
    assert first.results is not None
    header = first.results.decode("utf-8-sig").split("\r\n", 1)[0].split(",")
    assert header.count("Row Version") == 1 and header[-2:] == ["Row Version", "Import Result"]
    again = run_import(world, world.admin, first.results or b"")
    assert (again.count("unchanged"), again.count("failed")) == (2, 0), again.failures
    assert [r["Row Version"] for r in again.result_rows()] == ["2", "2"]


def test_results_file_of_created_rows_carries_version_1_and_reuploads_unchanged(world):
    first = run_import(world, world.admin, csv_bytes([row(), row()]))
    assert [r["Row Version"] for r in first.result_rows()] == ["1", "1"]
    again = run_import(world, world.admin, first.results or b"")
    assert again.count("unchanged") == 2, again.failures
