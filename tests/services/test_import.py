"""The import pipeline end to end on SQLite (rules §3), through the job runner."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cosell.domain.enums import Status, Substatus
from cosell.domain.filters import ReferralFilters
from cosell.store.referrals import ReferralRepository
from tests.files.builders import zip_of
from tests.support import ADMIN, SELLER, VALID_ROW, World, csv_bytes, row, run_import


def stored(world: World, actor=None):
    with world.db.read() as conn:
        return ReferralRepository(conn, actor or world.admin).search(
            ReferralFilters(), limit=10_000
        )


def create_one(world: World, **changes: str) -> str:
    result = run_import(world, world.admin, csv_bytes([row(**changes)]))
    assert result.count("created") == 1, result.failures
    return result.result_rows()[0]["Referral ID"]


def test_a_valid_row_creates_a_referral_with_exact_values(world):
    result = run_import(world, world.admin, csv_bytes([row()]))
    assert result.status == "completed"
    assert (result.count("created"), result.count("failed")) == (1, 0)
    [ref] = stored(world)
    assert (ref.status, ref.substatus) == (Status.ACTIVE, Substatus.ACCEPTED)
    assert ref.deal_value == Decimal("12563.50")
    assert ref.close_date == dt.date(2027, 1, 30)
    assert ref.sales_stage == 40
    assert ref.duns == "081466849"
    assert [s.solution_id for s in ref.solutions] == ["SOL-1234-PQRS"]
    assert ref.solutions[0].price == Decimal("10") and ref.solutions[0].quantity == 100
    assert ref.team[0].email == SELLER


def test_results_file_has_errors_first_ids_filled_and_import_result_last(world):
    result = run_import(world, world.admin, csv_bytes([row(), row(Deal_Name="")]))
    data = result.results
    assert data is not None and data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    header = data.decode("utf-8-sig").split("\r\n", 1)[0].split(",")
    assert header[0] == "Errors" and header[-1] == "Import Result"
    assert "Referral ID" in header and "Engagement ID" in header
    created, failed = result.result_rows()
    assert created["Import Result"] == "Created" and len(created["Referral ID"]) == 36
    assert created["Engagement ID"] and created["Errors"] == ""
    assert failed["Import Result"] == "Failed" and failed["Referral ID"] == ""
    assert "Mandatory field Deal Name missing" in failed["Errors"]


def test_reuploading_the_results_file_creates_nothing_twice(world):
    first = run_import(world, world.admin, csv_bytes([row(), row(Deal_Name="")]))
    assert first.results is not None
    fixed = first.result_rows()
    fixed[1]["Deal Name"] = "Fixed deal"
    second = run_import(world, world.admin, csv_bytes(fixed))
    assert (second.count("created"), second.count("unchanged")) == (1, 1)
    assert second.count("failed") == 0
    third = run_import(world, world.admin, second.results or b"")
    assert (third.count("created"), third.count("unchanged")) == (0, 2)
    assert len(stored(world)) == 2


def test_every_problem_of_a_row_is_reported(world):
    bad = row(
        Customer_Country="Nederland",
        Estimated_Close_Date="31/31/2027",
        Currency="XAU",
        Sales_Stage="55",
    )
    result = run_import(world, world.admin, csv_bytes([bad]))
    [errors] = result.failures.values()
    text = " | ".join(errors)
    for column in ("Customer Country", "Estimated Close Date", "Currency", "Sales Stage"):
        assert column in text
    assert "MM/DD/YYYY" in text
    assert stored(world) == []


def test_missing_solution_and_team_member_are_named(world):
    bad = row(Solution_1="", Team_member_1="")
    errors = run_import(world, world.admin, csv_bytes([bad])).failures[2]
    assert "Solution 1: Mandatory field Solution 1 missing" in errors
    assert any("Team member 1" in e for e in errors)


def test_a_failed_row_does_not_stop_the_others(world):
    result = run_import(world, world.admin, csv_bytes([row(), row(Currency="EURO"), row()]))
    assert (result.count("created"), result.count("failed")) == (2, 1)
    assert list(result.failures) == [3]


def test_dry_run_reports_what_would_happen_and_writes_nothing(world):
    result = run_import(world, world.admin, csv_bytes([row(), row()]), dry_run=True)
    assert result.summary["dry_run"] is True and result.count("created") == 2
    assert stored(world) == []


def test_update_changes_only_the_given_field_and_keeps_absent_columns(world):
    rid = create_one(world)
    data = csv_bytes([{"Referral ID": rid, "Notes": "Called the customer"}])
    result = run_import(world, world.admin, data)
    assert result.count("updated") == 1
    [ref] = stored(world)
    assert ref.notes == "Called the customer" and ref.version == 2
    assert ref.deal_name == VALID_ROW["Deal Name"] and ref.consent is True


def test_present_empty_cell_clears_an_optional_field(world):
    rid = create_one(world)
    run_import(world, world.admin, csv_bytes([{"Referral ID": rid, "Notes": ""}]))
    assert stored(world)[0].notes is None


def test_present_empty_cell_fails_a_required_field(world):
    rid = create_one(world)
    result = run_import(world, world.admin, csv_bytes([{"Referral ID": rid, "Deal Name": ""}]))
    assert "Deal Name: Mandatory field Deal Name missing" in result.failures[2]


def test_identical_row_is_unchanged_without_a_version_change(world):
    rid = create_one(world, CRM_ID="CRM-SAME")
    result = run_import(world, world.admin, csv_bytes([row(Referral_ID=rid, CRM_ID="CRM-SAME")]))
    assert result.count("unchanged") == 1
    assert stored(world)[0].version == 1


def test_unknown_and_other_organizations_ids_get_the_same_not_found(world):
    rid = create_one(world)
    missing = "00000000-0000-4000-8000-000000000000"
    other = run_import(world, world.other_admin, csv_bytes([{"Referral ID": rid, "Notes": "x"}]))
    unknown = run_import(world, world.admin, csv_bytes([{"Referral ID": missing, "Notes": "x"}]))
    assert other.failures[2] == [f"Referral ID: Referral ID {rid} was not found"]
    assert unknown.failures[2] == [f"Referral ID: Referral ID {missing} was not found"]
    assert stored(world)[0].notes == VALID_ROW["Notes"]


def test_engagement_id_must_belong_to_the_referral(world):
    rid = create_one(world)
    data = csv_bytes([{"Referral ID": rid, "Engagement ID": "nope", "Notes": "x"}])
    [error] = run_import(world, world.admin, data).failures[2]
    assert "does not belong to Referral ID" in error


def test_duplicate_referral_ids_fail_every_such_row_naming_the_others(world):
    rid = create_one(world)
    data = csv_bytes([{"Referral ID": rid, "Notes": n} for n in ("a", "b", "c")])
    failures = run_import(world, world.admin, data).failures
    assert sorted(failures) == [2, 3, 4]
    assert "also row 3, 4" in failures[2][0]


def test_match_on_crm_id_updates_the_single_matching_referral(world):
    create_one(world, CRM_ID="CRM-1")
    data = csv_bytes([{"CRM ID": "CRM-1", "Notes": "matched"}])
    result = run_import(world, world.admin, data, match="crm-id")
    assert result.count("updated") == 1
    assert stored(world)[0].notes == "matched"


def test_match_on_crm_id_matching_several_is_an_error(world):
    create_one(world, CRM_ID="CRM-2")
    again = run_import(
        world, world.admin, csv_bytes([row(CRM_ID="CRM-2", Notes="2nd")]), allow_duplicates=True
    )
    assert again.count("created") == 1
    data = csv_bytes([{"CRM ID": "CRM-2", "Notes": "x"}])
    [error] = run_import(world, world.admin, data, match="crm-id").failures[2]
    assert "matches 2 referrals" in error


def test_without_crm_matching_a_row_without_id_is_a_create(world):
    create_one(world, CRM_ID="CRM-3")
    result = run_import(world, world.admin, csv_bytes([row(CRM_ID="CRM-3", Notes="other")]))
    assert result.count("failed") == 1  # a likely duplicate (tests/services/test_duplicates.py)
    result = run_import(
        world, world.admin, csv_bytes([row(CRM_ID="CRM-3", Notes="other")]), allow_duplicates=True
    )
    assert result.count("created") == 1


def test_referrals_user_must_be_on_the_team_of_deals_they_create(world):
    other_team = row(Team_member_1=f"Ann, Other, , {ADMIN}")
    result = run_import(world, world.seller, csv_bytes([row(), other_team]))
    assert result.count("created") == 1
    assert "list you as a team member" in result.failures[3][0]


def test_referrals_user_cannot_see_or_update_deals_they_are_not_on(world):
    rid = create_one(world, Team_member_1=f"Ann, Admin, , {ADMIN}")
    result = run_import(world, world.seller, csv_bytes([{"Referral ID": rid, "Notes": "x"}]))
    assert result.failures[2] == [f"Referral ID: Referral ID {rid} was not found"]
    assert stored(world, world.seller) == []


def test_customer_fields_are_read_only_after_creation(world):
    rid = create_one(world)
    data = csv_bytes([{"Referral ID": rid, "Customer Name": "Fabrikam"}])
    [error] = run_import(world, world.admin, data).failures[2]
    assert error.startswith("Customer Name: cannot change after the deal is created")
    assert '"Contoso Corporation"' in error and '"Fabrikam"' in error


def test_consent_no_fails_create_and_update(world):
    rid = create_one(world)
    created = run_import(
        world, world.admin, csv_bytes([row(**{"Consent to share Customer/Partner contact": "No"})])
    )
    updated = run_import(
        world,
        world.admin,
        csv_bytes([{"Referral ID": rid, "Consent to share Customer/Partner contact": "No"}]),
    )
    assert "must be Yes" in created.failures[2][0]
    assert "must be Yes" in updated.failures[2][0]


def test_help_requires_contact_fields_and_code(world):
    data = csv_bytes([row(**{"Microsoft help required?": "Yes"})])
    errors = " ".join(run_import(world, world.admin, data).failures[2])
    for column in (
        "Customer Contact First Name",
        "Customer Contact Last Name",
        "Customer Contact Phone number",
        "Customer Contact Email Address",
        "What specific help from Microsoft?",
    ):
        assert column in errors


def test_help_fields_are_locked_once_shared(world):
    helped = row(
        **{
            "Microsoft help required?": "Yes",
            "What specific help from Microsoft?": "3",
            "Customer Contact First Name": "Jan",
            "Customer Contact Last Name": "Klant",
            "Customer Contact Phone number": "0612345678",
            "Customer Contact Email Address": "jan@example.com",
            "Notes to Microsoft": "Need a POC",
        }
    )
    result = run_import(world, world.admin, csv_bytes([helped]))
    rid = result.result_rows()[0]["Referral ID"]
    change = csv_bytes([{"Referral ID": rid, "Notes to Microsoft": "Changed"}])
    [error] = run_import(world, world.admin, change).failures[2]
    assert error.startswith("Notes to Microsoft: locked since the deal was shared")


def test_share_with_microsoft_is_locked_once_yes(world):
    rid = create_one(world)
    data = csv_bytes([{"Referral ID": rid, "Share with Microsoft sales team": "No"}])
    assert "already shared" in run_import(world, world.admin, data).failures[2][0]


def test_winning_a_deal_sets_sales_stage_100(world):
    rid = create_one(world)
    data = csv_bytes(
        [
            {
                "Referral ID": rid,
                "Partner Referral Status": "Closed",
                "Partner Referral Substatus": "Won",
                "Sales Stage": "40",
            }
        ]
    )
    assert run_import(world, world.admin, data).count("updated") == 1
    [ref] = stored(world)
    assert (ref.substatus, ref.sales_stage) == (Substatus.WON, 100)


def test_losing_a_deal_needs_a_reason(world):
    rid = create_one(world)
    lost = {
        "Referral ID": rid,
        "Partner Referral Status": "Closed",
        "Partner Referral Substatus": "Lost",
    }
    failed = run_import(world, world.admin, csv_bytes([lost]))
    assert "a reason is required" in failed.failures[2][0]
    ok = run_import(world, world.admin, csv_bytes([{**lost, "Declined/Lost reason": "3"}]))
    assert ok.count("updated") == 1
    assert stored(world)[0].reason == 3


def test_a_reason_on_an_open_deal_is_ignored_with_a_warning(world):
    """The seed: "You can ignore this column otherwise"; its own sample row is
    Active/Accepted with reason 6."""
    rid = create_one(world)
    data = csv_bytes([{"Referral ID": rid, "Declined/Lost reason": "2"}])
    result = run_import(world, world.admin, data)
    assert (result.count("unchanged"), result.count("failed")) == (1, 0)
    [line] = result.result_rows()
    assert line["Errors"] == (
        "Warning: Declined/Lost reason ignored: a reason applies only when the substatus "
        "is Declined, Lost or Error, not Accepted"
    )
    assert stored(world)[0].reason is None
    created = run_import(
        world,
        world.admin,
        csv_bytes([row(Deal_Name="Another deal", **{"Declined/Lost reason": "6"})]),
    )
    assert created.count("created") == 1
    assert created.summary["row_warnings"] == [
        {"row": 2, "warnings": [line["Errors"].removeprefix("Warning: ")]}
    ]


def test_closed_deal_accepts_an_identical_row_and_refuses_changes(world):
    rid = create_one(world)
    won = {
        "Referral ID": rid,
        "Partner Referral Status": "Closed",
        "Partner Referral Substatus": "Won",
    }
    run_import(world, world.admin, csv_bytes([won]))
    same = run_import(world, world.admin, csv_bytes([{**won, "Sales Stage": "10"}]))
    assert same.count("unchanged") == 1
    changed = run_import(world, world.admin, csv_bytes([{**won, "Notes": "late edit"}]))
    assert "the deal is closed (Won)" in changed.failures[2][0]


def test_invalid_transition_is_refused(world):
    rid = create_one(world)
    data = csv_bytes(
        [
            {
                "Referral ID": rid,
                "Partner Referral Status": "Closed",
                "Partner Referral Substatus": "Declined",
                "Declined/Lost reason": "1",
            }
        ]
    )
    assert "cannot move from Active/Accepted" in run_import(world, world.admin, data).failures[2][0]


def test_create_with_a_closed_status_is_refused(world):
    data = csv_bytes([row(Partner_Referral_Status="Closed", Partner_Referral_Substatus="Won")])
    assert "a new deal must have status New or Active" in " ".join(
        run_import(world, world.admin, data).failures[2]
    )


def test_solution_must_be_in_the_catalog(world):
    data = csv_bytes([row(Solution_1="SOL-9999-NOPE")])
    assert (
        "not in your organization's solution catalog"
        in run_import(world, world.admin, data).failures[2][0]
    )


def test_team_member_emails_must_be_unique_within_a_deal(world):
    data = csv_bytes([row(**{"Team member 2": f"Bobby, Partner, , {SELLER.upper()}"})])
    assert "must be unique within the deal" in run_import(world, world.admin, data).failures[2][0]


def test_dropped_leading_zeros_count_as_unchanged(world):
    rid = create_one(world, Customer_Postal_Code="08052", CRM_ID="0042")
    data = csv_bytes(
        [
            {
                "Referral ID": rid,
                "Customer Postal Code": "8052",
                "CRM ID": "42",
                "Customer D-U-N-S ID": "81466849",
            }
        ]
    )
    assert run_import(world, world.admin, data).count("unchanged") == 1


def test_history_records_who_when_source_and_fields(world):
    rid = create_one(world)
    run_import(world, world.admin, csv_bytes([{"Referral ID": rid, "Deal Name": "Renamed"}]))
    with world.db.read() as conn:
        history = ReferralRepository(conn, world.admin).history(rid)
    assert [h.action for h in history] == ["updated", "created"]
    assert history[0].source == "import" and history[0].job_id
    assert history[0].user_id == world.admin.user_id
    assert history[0].changes["Deal Name"] == (VALID_ROW["Deal Name"], "Renamed")


def test_semicolon_file_uses_decimal_comma(world):
    data = csv_bytes([row(Estimated_Deal_Value="12.563,50")], delimiter=";")
    assert run_import(world, world.admin, data).count("created") == 1
    assert stored(world)[0].deal_value == Decimal("12563.50")


def test_control_characters_fail_the_row_only(world):
    result = run_import(world, world.admin, csv_bytes([row(Notes="bad\x00cell"), row()]))
    assert (result.count("created"), result.count("failed")) == (1, 1)
    assert result.failures[2][0].startswith("Notes:")


def test_a_huge_cell_fails_the_row_with_the_limit(world):
    result = run_import(world, world.admin, csv_bytes([row(Notes="x" * 100_000)]))
    assert "4000" in result.failures[2][0].replace(",", "")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (csv_bytes([]), "no data rows"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, ""),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 50, ""),
        (csv_bytes([row()], headers=[*VALID_ROW, "Solution 51"]), "Solution 51"),
        (csv_bytes([row()], headers=[*VALID_ROW, "Dealnaam"]), "Dealnaam"),
        (b'Deal Name,Notes\r\n"unterminated,x\r\n', "quote"),
        (
            zip_of({"xl/workbook.xml": b"<workbook", "xl/worksheets/sheet1.xml": b"\x00" * 9}),
            "workbook",
        ),
        (
            zip_of({"xl/workbook.xml": b"<workbook/>", "xl/x.bin": b"\x00" * 11_534_336}),
            "cannot be processed safely",
        ),
    ],
    ids=[
        "empty",
        "header-only",
        "png",
        "pdf",
        "solution-51",
        "duplicate-field",
        "unterminated-quote",
        "corrupt-xlsx",
        "zip-bomb",
    ],
)
def test_rejected_files_change_nothing(world, data, message):
    result = run_import(world, world.admin, data)
    assert result.status == "rejected"
    errors = result.summary["errors"]
    assert isinstance(errors, list)
    assert message.casefold() in " ".join(errors).casefold()
    assert stored(world) == []


def test_more_than_the_row_limit_is_rejected_as_a_whole(world):
    result = run_import(world, world.admin, csv_bytes([row()] * 1001))
    assert result.status == "rejected"
    assert result.summary["errors"] == [
        "The file has 1,001 records; at most 1,000 can be processed"
    ]
    assert stored(world) == []


def test_an_update_row_reports_every_problem_at_once(world):
    rid = create_one(world)
    data = csv_bytes(
        [
            {
                "Referral ID": rid,
                "Deal Name": "",
                "Customer Name": "Fabrikam",
                "Estimated Close Date": "31/31/2027",
                "Declined/Lost reason": "2",
            }
        ]
    )
    errors = " | ".join(run_import(world, world.admin, data).failures[2])
    assert "Mandatory field Deal Name missing" in errors
    assert "Customer Name: cannot change after the deal is created" in errors
    assert "Estimated Close Date" in errors and "MM/DD/YYYY" in errors
    assert "reason" not in errors  # ignored with a warning: the deal is not closing
    [ref] = stored(world)
    assert ref.version == 1 and ref.customer_name == "Contoso Corporation"
