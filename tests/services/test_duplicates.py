"""Duplicates (issue 6 §2): the same file uploaded twice creates nothing twice, rows
that only look like an existing deal fail unless duplicates are allowed, and an
Engagement ID without a Referral ID updates its deal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cosell.domain.filters import ReferralFilters
from cosell.files.table import OutCell
from cosell.files.writer import write_xlsx
from cosell.store.referrals import ReferralRepository
from tests.support import World, csv_bytes, row, run_import


def stored(world: World):
    with world.db.read() as conn:
        return ReferralRepository(conn, world.admin).search(ReferralFilters(), limit=1000)


def ids(result) -> list[tuple[str, str]]:
    return [(r["Referral ID"], r["Engagement ID"]) for r in result.result_rows()]


# ------------------------------------------------------------------ the same file twice
def test_the_same_create_only_file_twice_is_unchanged_with_the_existing_ids(world):
    data = csv_bytes([row(), row(Deal_Name="Second deal"), row(Deal_Name="Third deal")])
    first = run_import(world, world.admin, data)
    assert first.count("created") == 3
    second = run_import(world, world.admin, data)
    assert (second.count("created"), second.count("unchanged"), second.count("failed")) == (
        0,
        3,
        0,
    ), second.failures
    assert [r["Import Result"] for r in second.result_rows()] == ["Unchanged"] * 3
    assert ids(second) == ids(first)
    assert all(len(rid) == 36 and len(eid) == 36 for rid, eid in ids(second))
    assert len(stored(world)) == 3


def test_the_same_file_twice_without_crm_ids_is_unchanged(world):
    """Equal in every column the file has, even without the CRM ID that tells rows apart."""
    data = csv_bytes([row(CRM_ID=""), row(CRM_ID="", Deal_Name="Other deal")])
    first = run_import(world, world.admin, data)
    assert first.count("created") == 2
    second = run_import(world, world.admin, data)
    assert second.count("unchanged") == 2, second.failures
    assert ids(second) == ids(first)
    assert len(stored(world)) == 2


def test_two_deals_with_the_same_name_each_match_their_own_row(world):
    """Two earlier deals look alike; each row of the re-uploaded file is its own deal."""
    data = csv_bytes([row(Notes="first of two"), row(Notes="second of two")])
    first = run_import(world, world.admin, data, allow_duplicates=True)
    assert first.count("created") == 2
    second = run_import(world, world.admin, data)
    assert second.count("unchanged") == 2, second.failures
    assert ids(second) == ids(first)


def test_the_original_file_again_after_its_results_file_was_used(world):
    original = csv_bytes([row(), row(Deal_Name="Broken deal", Currency="EURO")])
    first = run_import(world, world.admin, original)
    assert (first.count("created"), first.count("failed")) == (1, 1)
    fixed = first.result_rows()
    fixed[1]["Currency"] = "EUR"
    second = run_import(world, world.admin, csv_bytes(fixed))
    assert (second.count("created"), second.count("unchanged")) == (1, 1), second.failures
    third = run_import(world, world.admin, original)
    assert third.count("created") == 0
    assert [r["Import Result"] for r in third.result_rows()] == ["Unchanged", "Failed"]
    assert third.result_rows()[0]["Referral ID"] == first.result_rows()[0]["Referral ID"]
    # The broken row fails for its own reason, or as a duplicate of the fixed deal:
    # it is never created a second time.
    assert len(stored(world)) == 2


# ------------------------------------------------------------------ likely duplicates
def test_same_deal_name_customer_and_country_with_other_notes_fails(world):
    first = run_import(world, world.admin, csv_bytes([row()]))
    rid = first.result_rows()[0]["Referral ID"]
    again = run_import(world, world.admin, csv_bytes([row(Notes="typed again")]))
    assert (again.count("created"), again.count("failed")) == (0, 1)
    [errors] = again.failures.values()
    assert any(f"looks like a duplicate of referral {rid}" in e for e in errors), errors
    assert any("--allow-duplicates" in e for e in errors)
    [line] = again.result_rows()
    assert "looks like a duplicate of referral" in line["Errors"] and line["Referral ID"] == ""
    assert len(stored(world)) == 1


def test_the_deal_name_is_matched_with_customer_in_any_case(world):
    first = run_import(world, world.admin, csv_bytes([row()]))
    rid = first.result_rows()[0]["Referral ID"]
    again = run_import(
        world,
        world.admin,
        csv_bytes([row(Customer_Name="CONTOSO corporation", Customer_Country="us")]),
    )
    assert again.count("failed") == 1
    assert f"looks like a duplicate of referral {rid}" in " ".join(again.failures[2])


def test_the_same_crm_id_fails_as_a_duplicate(world):
    first = run_import(world, world.admin, csv_bytes([row(CRM_ID="CRM-42")]))
    rid = first.result_rows()[0]["Referral ID"]
    again = run_import(
        world, world.admin, csv_bytes([row(CRM_ID="CRM-42", Deal_Name="A whole other deal")])
    )
    assert again.count("failed") == 1
    [errors] = again.failures.values()
    assert any(f"looks like a duplicate of referral {rid}" in e for e in errors), errors
    assert len(stored(world)) == 1


def test_other_customer_or_country_is_no_duplicate(world):
    run_import(world, world.admin, csv_bytes([row()]))
    other = run_import(
        world,
        world.admin,
        csv_bytes([row(Customer_Name="Fabrikam"), row(Customer_Country="NL", Notes="NL deal")]),
    )
    assert other.count("created") == 2, other.failures


def test_allow_duplicates_creates_a_lookalike(world):
    first = run_import(world, world.admin, csv_bytes([row(CRM_ID="CRM-7")]))
    data = csv_bytes([row(Notes="typed again"), row(CRM_ID="CRM-7", Deal_Name="Other")])
    refused = run_import(world, world.admin, data)
    assert refused.count("failed") == 2
    allowed = run_import(world, world.admin, data, allow_duplicates=True)
    assert (allowed.count("created"), allowed.count("failed")) == (2, 0), allowed.failures
    new_ids = {r["Referral ID"] for r in allowed.result_rows()}
    assert first.result_rows()[0]["Referral ID"] not in new_ids
    assert len(stored(world)) == 3


def test_allow_duplicates_still_reports_an_identical_row_as_unchanged(world):
    data = csv_bytes([row()])
    run_import(world, world.admin, data)
    again = run_import(world, world.admin, data, allow_duplicates=True)
    assert (again.count("unchanged"), again.count("created")) == (1, 0)
    assert len(stored(world)) == 1


def test_dry_run_says_a_lookalike_would_fail(world):
    run_import(world, world.admin, csv_bytes([row()]))
    dry = run_import(world, world.admin, csv_bytes([row(Notes="other")]), dry_run=True)
    assert dry.count("failed") == 1
    assert any("looks like a duplicate" in e for e in dry.failures[2])
    assert len(stored(world)) == 1


# ------------------------------------------------------------------ Engagement ID
def test_engagement_id_without_referral_id_updates_that_deal(world):
    first = run_import(world, world.admin, csv_bytes([row()]))
    [(rid, eid)] = ids(first)
    update = run_import(
        world, world.admin, csv_bytes([{"Engagement ID": eid, "Notes": "found by engagement"}])
    )
    assert (update.count("updated"), update.count("created")) == (1, 0), update.failures
    [line] = update.result_rows()
    assert (line["Referral ID"], line["Engagement ID"]) == (rid, eid)
    [ref] = stored(world)
    assert ref.id == rid and ref.notes == "found by engagement" and ref.version == 2


def test_a_full_row_with_an_engagement_id_updates_and_never_creates(world):
    first = run_import(world, world.admin, csv_bytes([row()]))
    [(rid, eid)] = ids(first)
    full = row(Notes="changed through the engagement")
    full["Engagement ID"] = eid
    update = run_import(world, world.admin, csv_bytes([full]))
    assert (update.count("updated"), update.count("created")) == (1, 0), update.failures
    assert [r.id for r in stored(world)] == [rid]


def test_an_unknown_engagement_id_fails_and_creates_nothing(world):
    unknown = row()
    unknown["Engagement ID"] = "4c9d2f8e-1111-4222-8333-944455556666"
    result = run_import(world, world.admin, csv_bytes([unknown]))
    assert (result.count("created"), result.count("failed")) == (0, 1)
    [errors] = result.failures.values()
    assert any("unknown Engagement ID" in e for e in errors), errors
    assert any("leave it empty to create a deal" in e for e in errors)
    assert stored(world) == []


def test_an_engagement_id_of_another_organization_is_unknown(world):
    theirs = run_import(world, world.other_admin, csv_bytes([row()]))
    [(_, eid)] = ids(theirs)
    ours = run_import(world, world.admin, csv_bytes([{"Engagement ID": eid, "Notes": "x"}]))
    assert ours.count("failed") == 1
    assert "unknown Engagement ID" in ours.failures[2][0]


def test_the_same_xlsx_file_twice_is_unchanged(world):
    """Real date and number cells, as a spreadsheet keeps them."""
    lines = [row(), row(Deal_Name="Other deal")]
    headers = list(lines[0])
    cells: list[list[OutCell]] = []
    for line in lines:
        values: list[OutCell] = [line[h] for h in headers]
        values[headers.index("Estimated Close Date")] = dt.date(2027, 1, 30)
        values[headers.index("Estimated Deal Value")] = Decimal("12563.50")
        values[headers.index("Sales Stage")] = 40
        cells.append(values)
    data = write_xlsx(headers, cells)
    first = run_import(world, world.admin, data, name="deals.xlsx")
    assert first.count("created") == 2, first.failures
    second = run_import(world, world.admin, data, name="deals.xlsx")
    assert (second.count("unchanged"), second.count("created")) == (2, 0), second.failures
    assert len(stored(world)) == 2
