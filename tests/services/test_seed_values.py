"""Reading the seeds more kindly (issue 6 §5): an ignored reason, translated values in
Dutch, Swedish and French, solution IDs in any case, and one clean message per
problem in the Errors cell."""

from __future__ import annotations

import io

import pytest

from cosell.domain.enums import Status, Substatus
from cosell.domain.fields import Field, Group
from cosell.domain.header_names import headers_for
from cosell.domain.headers import header_score
from cosell.domain.job_types import ExportOptions
from cosell.files.reader import read_table
from cosell.services.exports import Format, export_referrals, render_template
from cosell.store.referrals import ReferralRepository
from tests.support import Imported, World, csv_bytes, row, run_import

REASON = "Declined/Lost reason"
HELP = "Microsoft help required?"
SHARE = "Share with Microsoft sales team"
CONSENT = "Consent to share Customer/Partner contact"


def get(world: World, rid: str):
    with world.db.read() as conn:
        ref = ReferralRepository(conn, world.admin).get(rid)
    assert ref is not None
    return ref


def rid_of(result: Imported) -> str:
    return result.result_rows()[0]["Referral ID"]


def csv_of(rows: list[dict[str, str]]) -> bytes:
    """A CSV with every column any of the rows has."""
    return csv_bytes(rows, list(dict.fromkeys(k for r in rows for k in r)))


def translated_headers(lang: str, rows: list[dict[str, str]]) -> bytes:
    names = headers_for(lang)
    english = {f.value: names.field(f) for f in Field}
    english |= {g.header(1): names.group(g, 1) for g in Group}
    return csv_bytes([{english[k]: v for k, v in r.items()} for r in rows])


# ------------------------------------------------------------------ an ignored reason
def test_a_reason_on_a_deal_that_is_not_closing_is_ignored_with_a_warning(world):
    """The article's own sample row: Active/Accepted with reason 6."""
    sample = row(Partner_Referral_Status="Active", **{REASON: "6"})
    result = run_import(world, world.admin, csv_bytes([sample]))
    assert (result.count("created"), result.count("failed")) == (1, 0), result.failures
    [line] = result.result_rows()
    assert line["Errors"].startswith(f"Warning: {REASON} ignored")
    assert "Accepted" in line["Errors"] and ";" not in line["Errors"]
    assert result.summary["row_warnings"] == [{"row": 2, "warnings": [line["Errors"][9:]]}]
    ref = get(world, line["Referral ID"])
    assert ref.reason is None and (ref.status, ref.substatus) == (Status.ACTIVE, Substatus.ACCEPTED)
    # The same file again: the deal it created, nothing to change.
    again = run_import(world, world.admin, csv_bytes([sample]))
    assert (again.count("unchanged"), again.count("created")) == (1, 0), again.failures


def test_a_reason_on_an_update_that_does_not_close_is_ignored(world):
    rid = rid_of(run_import(world, world.admin, csv_bytes([row()])))
    result = run_import(world, world.admin, csv_bytes([{"Referral ID": rid, REASON: "3"}]))
    assert (result.count("unchanged"), result.count("failed")) == (1, 0), result.failures
    assert "Warning: " in result.result_rows()[0]["Errors"]
    assert get(world, rid).reason is None


def test_a_reason_on_a_closing_row_is_kept(world):
    rid = rid_of(run_import(world, world.admin, csv_bytes([row()])))
    data = csv_bytes(
        [
            {
                "Referral ID": rid,
                "Partner Referral Status": "Closed",
                "Partner Referral Substatus": "Lost",
                REASON: "3",
            }
        ]
    )
    result = run_import(world, world.admin, data)
    assert result.count("updated") == 1, result.failures
    assert result.result_rows()[0]["Errors"] == ""
    assert get(world, rid).reason == 3


# ------------------------------------------------------------------ translated values
@pytest.mark.parametrize(
    ("status", "substatus", "yes", "no", "stage"),
    [
        ("Nieuw", "Geaccepteerd", "Ja", "Nee", "Gekwalificeerd"),
        ("Actief", "Geaccepteerd", "ja", "nee", "Gekwalificeerd"),
        ("Ny", "Accepterad", "Ja", "Nej", "Kvalificerad"),
        ("Aktiv", "Har godkänts", "JA", "NEJ", "Kvalificerad"),
        ("Nouveau", "Accepté", "Oui", "Non", "Qualifié"),
        ("Actif", "Acceptée", "oui", "non", "Qualifie"),
    ],
)
def test_translated_values_are_accepted(world, status, substatus, yes, no, stage):
    cells = {
        "Partner Referral Status": status,
        "Partner Referral Substatus": substatus,
        "Sales Stage": stage,
        HELP: no,
        SHARE: yes,
        CONSENT: yes,
    }
    result = run_import(world, world.admin, csv_bytes([row(**cells)]))
    assert result.count("created") == 1, result.failures
    ref = get(world, rid_of(result))
    assert (ref.status, ref.substatus, ref.sales_stage) == (Status.ACTIVE, Substatus.ACCEPTED, 20)
    assert (ref.help_required, ref.share_with_ms, ref.consent) == (False, True, True)


def test_translated_values_under_translated_headers(world):
    cells = {
        "Partner Referral Status": "Nieuw",
        "Partner Referral Substatus": "Geaccepteerd",
        HELP: "Nee",
        SHARE: "Ja",
        CONSENT: "Ja",
        "Estimated Close Date": "2027-01-30",
    }
    result = run_import(world, world.admin, translated_headers("nl", [row(**cells)]))
    assert result.count("created") == 1, result.failures
    rid = result.result_rows()[0]["Referral ID"]
    assert (get(world, rid).status, get(world, rid).share_with_ms) == (Status.ACTIVE, True)


def test_closing_with_translated_values(world):
    rid = rid_of(run_import(world, world.admin, csv_bytes([row()])))
    data = csv_bytes(
        [
            {
                "Referral ID": rid,
                "Partner Referral Status": "Gesloten",
                "Partner Referral Substatus": "Verloren",
                REASON: "3",
            }
        ]
    )
    result = run_import(world, world.admin, data)
    assert result.count("updated") == 1, result.failures
    assert (get(world, rid).status, get(world, rid).substatus) == (Status.CLOSED, Substatus.LOST)


LABELS = {
    "nl": ("Actief", "Geaccepteerd", "Ja", "Nee"),
    "sv": ("Aktiv", "Accepterad", "Ja", "Nej"),
    "fr": ("Actif", "Accepté", "Oui", "Non"),
}


def export_rows(world: World, lang: str, fmt: Format) -> tuple[bytes, list[dict[str, object]]]:
    with world.db.reading() as uow:
        data = export_referrals(
            uow, world.admin, ExportOptions(lang=lang, format=fmt), world.settings
        ).data
    table = read_table(data, header_score=header_score)
    return data, [dict(zip(table.headers, r.cells, strict=True)) for r in table.rows]


def two_deals(world: World) -> None:
    helped = row(
        **{HELP: "Yes", SHARE: "No"},
        Customer_Contact_First_Name="Ann",
        Customer_Contact_Last_Name="Buyer",
        Customer_Contact_Phone_number="+31 20 555 0100",
        Customer_Contact_Email_Address="ann@contoso.example",
        **{"What specific help from Microsoft?": "3"},
        Deal_Name="Helped deal",
    )
    result = run_import(world, world.admin, csv_of([row(), helped]))
    assert result.count("created") == 2, result.failures


@pytest.mark.parametrize("lang", ["nl", "sv", "fr"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_translated_export_writes_translated_values(world, lang, fmt):
    two_deals(world)
    _, lines = export_rows(world, lang, fmt)
    names = headers_for(lang)
    status, substatus, yes, no = LABELS[lang]
    for line in lines:
        assert line[names.field(Field.STATUS)] == status
        assert line[names.field(Field.SUBSTATUS)] == substatus
        assert line[names.field(Field.CONSENT)] == yes
    assert sorted(str(line[names.field(Field.HELP_REQUIRED)]) for line in lines) == sorted(
        [yes, no]
    )


@pytest.mark.parametrize("lang", ["nl", "sv", "fr"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_translated_export_reimports_unchanged(world, lang, fmt):
    two_deals(world)
    data, _ = export_rows(world, lang, fmt)
    result = run_import(world, world.admin, data, name=f"export.{fmt}")
    assert (result.count("unchanged"), result.count("failed")) == (2, 0), result.failures
    assert result.summary["row_warnings"] == []


# ------------------------------------------------------------------ solution IDs
def test_solution_ids_match_the_catalog_in_any_case(world):
    result = run_import(
        world, world.admin, csv_bytes([row(Solution_1="sol-1234-pqrs, usd, 10, 100")])
    )
    assert result.count("created") == 1, result.failures
    rid = rid_of(result)
    [line] = get(world, rid).solutions
    assert (line.solution_id, line.currency) == ("SOL-1234-PQRS", "USD")
    again = run_import(
        world,
        world.admin,
        csv_bytes([{"Referral ID": rid, "Solution 1": "Sol-1234-Pqrs, USD, 10, 100"}]),
    )
    assert again.count("unchanged") == 1, again.failures


def test_the_same_solution_twice_in_one_deal_fails(world):
    data = csv_bytes([row(Solution_1="SOL-1234-PQRS", Solution_2="sol-1234-pqrs, EUR, 5")])
    result = run_import(world, world.admin, data)
    assert (result.count("created"), result.count("failed")) == (0, 1)
    [errors] = result.failures.values()
    assert [e for e in errors if e.startswith("Solution 2:") and "Solution 1" in e], errors


def test_the_same_solution_twice_fails_an_update_too(world):
    rid = rid_of(run_import(world, world.admin, csv_bytes([row()])))
    data = csv_bytes(
        [{"Referral ID": rid, "Solution 1": "SOL-1234-PQRS", "Solution 2": "SOL-1234-PQRS"}]
    )
    result = run_import(world, world.admin, data)
    assert result.count("failed") == 1
    assert any(e.startswith("Solution 2:") for e in result.failures[2])
    assert len(get(world, rid).solutions) == 1


# ------------------------------------------------------------------ the Errors cell
MANY_PROBLEMS = {
    "Customer Country": "Nederland",
    "Currency": "XAU",
    "Sales Stage": "55",
    "Estimated Close Date": "31/31/2027",
    "Estimated Deal Value": "-5",
    HELP: "Yes",
    "Customer Contact Email Address": "not-an-email",
    "What specific help from Microsoft?": "9",
    "Customer Contact Phone number": "1.23457E+19",
    "CRM ID": "1,23E+05",
    "Solution 1": "SOL-9999-NONE, USD, ten",
    "Solution 2": "SOL-2001-AZML",
    "Solution 3": "sol-2001-azml",
    "Team member 1": "Bob Partner bob@contoso.example",
    "Team member 2": "Ann, Two, , ann@contoso.example",
    "Team member 3": "Ann, Again, , ANN@contoso.example",
    CONSENT: "No",
    "Partner Referral Status": "Closed",
    "Partner Referral Substatus": "Won",
}


def test_the_errors_cell_has_one_message_per_problem_joined_by_semicolons(world):
    first = row(**MANY_PROBLEMS)
    second = row(Customer_Name="", Deal_Name="x" * 201, Notes="fine", Currency="EURO")
    result = run_import(world, world.admin, csv_of([first, second]))
    assert result.count("failed") == 2
    for line, (number, errors) in zip(
        result.result_rows(), sorted(result.failures.items()), strict=True
    ):
        assert line["Errors"].split("; ") == errors, number
        for message in errors:
            assert ";" not in message, message
    errors = result.failures[2]
    assert len(errors) >= 15, errors
    assert len(errors) == len(set(errors))


def assert_cells_split_cleanly(result) -> None:
    failures = result.failures
    lines = result.result_rows()
    assert failures
    with_semicolon = [m for errors in failures.values() for m in errors if ";" in m]
    assert with_semicolon == []
    for number, errors in failures.items():
        assert lines[number - 2]["Errors"].split("; ") == errors, number


def test_rule_messages_have_no_semicolon(world):
    created = run_import(world, world.admin, csv_bytes([row(), row(), row(), row()]))
    rids = [line["Referral ID"] for line in created.result_rows()]
    status, substatus = "Partner Referral Status", "Partner Referral Substatus"
    updates = [  # one problem each
        {"Referral ID": rids[0], status: "New", substatus: "Won", REASON: "", SHARE: "Yes"},
        {"Referral ID": rids[1], status: "New", substatus: "Pending", REASON: "", SHARE: "Yes"},
        {"Referral ID": rids[2], status: "Closed", substatus: "Lost", REASON: "9", SHARE: "Yes"},
        {"Referral ID": rids[3], status: "Active", substatus: "Accepted", REASON: "", SHARE: "No"},
    ]
    result = run_import(world, world.admin, csv_bytes(updates))
    assert result.count("failed") == 4
    assert [len(errors) for errors in result.failures.values()] == [1, 1, 1, 1], result.failures
    assert_cells_split_cleanly(result)


def test_a_referrals_users_create_message_has_no_semicolon(world):
    result = run_import(
        world, world.seller, csv_bytes([row(Team_member_1="Ann, Other, , ann@org-a.example")])
    )
    assert result.count("failed") == 1
    assert_cells_split_cleanly(result)


def test_a_quoted_cell_holding_a_semicolon_does_not_split_its_message(world):
    bad = row(Team_member_1="Bob; Partner; bob@contoso.example", Currency="EURO")
    result = run_import(world, world.admin, csv_bytes([bad]))
    assert len(result.failures[2]) == 2
    assert_cells_split_cleanly(result)


def test_an_invalid_value_is_reported_once(world):
    bad = row(
        **{HELP: "Yes", "What specific help from Microsoft?": "1"},
        Customer_Contact_First_Name="Ann",
        Customer_Contact_Last_Name="Buyer",
        Customer_Contact_Phone_number="+31 20 555 0100",
        Customer_Contact_Email_Address="ann(at)contoso",
    )
    result = run_import(world, world.admin, csv_bytes([bad]))
    [errors] = result.failures.values()
    assert errors == [
        'Customer Contact Email Address: "ann(at)contoso" is not valid, '
        "expected an email address like name@example.com"
    ]


def test_an_invalid_value_is_reported_once_on_an_update(world):
    rid = rid_of(run_import(world, world.admin, csv_bytes([row()])))
    data = csv_bytes(
        [
            {
                "Referral ID": rid,
                HELP: "Yes",
                "What specific help from Microsoft?": "seven",
                "Customer Contact First Name": "Ann",
                "Customer Contact Last Name": "Buyer",
                "Customer Contact Phone number": "+31 20 555 0100",
                "Customer Contact Email Address": "ann(at)contoso",
            }
        ]
    )
    result = run_import(world, world.admin, data)
    [errors] = result.failures.values()
    columns = [e.split(":", 1)[0] for e in errors]
    assert columns == ["What specific help from Microsoft?", "Customer Contact Email Address"]
    assert not any("Mandatory field" in e for e in errors)


def test_an_invalid_team_member_is_reported_once_for_a_referrals_user(world):
    bad = row(Team_member_1="Bob, Partner, 999999, seller(at)org-a")
    result = run_import(world, world.seller, csv_bytes([bad]))
    [errors] = result.failures.values()
    assert [e.split(":", 1)[0] for e in errors] == ["Team member 1"], errors


# ------------------------------------------------------------------ the template's valid values
def test_the_templates_valid_values_show_each_code_with_its_meaning():
    import python_calamine

    data = render_template("xlsx", None)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert "Valid values" in book.sheet_names
    columns = list(zip(*book.get_sheet_by_name("Valid values").to_python(), strict=True))
    listed = {column[0]: [v for v in column[1:] if v] for column in columns}
    reasons = listed[REASON]
    assert any(v.startswith("6 – Proposed time line was too short") for v in reasons)
    assert any(v.startswith("7 – Test referral") for v in reasons)
    assert "40 – Developed" in listed["Sales Stage"]
    assert "3 – Proof of concept/Demo" in listed["What specific help from Microsoft?"]


def test_a_value_picked_from_the_templates_list_imports(world):
    helped = row(
        **{
            HELP: "Yes",
            SHARE: "No",
            "What specific help from Microsoft?": "3 – Proof of concept/Demo",
        },
        Customer_Contact_First_Name="Ann",
        Customer_Contact_Last_Name="Buyer",
        Customer_Contact_Phone_number="+31 20 555 0100",
        Customer_Contact_Email_Address="ann@contoso.example",
        Sales_Stage="40 – Developed",
    )
    result = run_import(world, world.admin, csv_bytes([helped]))
    assert result.count("created") == 1, result.failures
    rid = rid_of(result)
    assert (get(world, rid).help_code, get(world, rid).sales_stage) == (3, 40)
    lost = {
        "Referral ID": rid,
        "Partner Referral Status": "Closed",
        "Partner Referral Substatus": "Lost",
        REASON: "3 – Customer chose another vendor (Declined/Lost)",
    }
    closed = run_import(world, world.admin, csv_bytes([lost]))
    assert closed.count("updated") == 1, closed.failures
    assert get(world, rid).reason == 3


def test_a_french_semicolon_export_with_ambiguous_dates_reimports_unchanged(world):
    """A European file (`;`, French headers and values) whose dates are all ambiguous:
    each equals the stored date under one reading, so nothing changes."""
    data = csv_bytes([row(Estimated_Close_Date="03/04/2027"), row(Deal_Name="Other deal")])
    assert run_import(world, world.admin, data).count("created") == 2
    with world.db.reading() as uow:
        exported = export_referrals(
            uow, world.admin, ExportOptions(lang="fr", delimiter=";"), world.settings
        ).data
    text = exported.decode("utf-8-sig")
    assert "Oui" in text and "Actif" in text and "03/04/2027" in text and "01/30/2027" in text
    result = run_import(world, world.admin, exported)
    assert (result.count("unchanged"), result.count("failed")) == (2, 0), result.failures
    only_ambiguous = "\r\n".join(line for line in text.split("\r\n") if "01/30/2027" not in line)
    result = run_import(world, world.admin, only_ambiguous.encode("utf-8"))
    assert (result.count("rows"), result.count("unchanged")) == (1, 1), result.failures
