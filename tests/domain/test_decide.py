"""What a row does to the stored deals (`domain.decide`): examples and properties."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cosell.domain.decide import ATTR, Outcome, decide_update, show
from cosell.domain.enums import Direction, MicrosoftStatus, Role, Status, Substatus
from cosell.domain.field_spec import Access
from cosell.domain.fields import REQUIRED_ON_CREATE, Field
from cosell.domain.model import Referral
from tests.domain.records import SELLER, VALID, cell, context, create, created, parse, values

#: Fields a create takes as given (the others follow rules: status, reason, stage …).
AS_GIVEN = [
    f
    for f in ATTR
    if f not in (Field.STATUS, Field.SUBSTATUS, Field.REASON, Field.SALES_STAGE, Field.CONSENT)
    and f not in (Field.HELP_REQUIRED, Field.HELP_CODE)
]
#: Writable fields whose every change is a change (status moves have rules of their own:
#: tests/domain/test_rules.py).
WRITABLE = [
    f
    for f in ATTR
    if f.spec.access is Access.WRITABLE
    and f not in (Field.STATUS, Field.SUBSTATUS, Field.REASON, Field.SALES_STAGE)
]


def messages(decision: Any) -> list[str]:
    return [str(e) for e in decision.errors]


# --------------------------------------------------------------------------- create


@given(st.data())
def test_a_create_takes_every_field_as_given(data: st.DataObject) -> None:
    row = dict(VALID)
    given_values = {f: data.draw(values(f), label=f.name) for f in AS_GIVEN}
    row |= {f.value: cell(v) for f, v in given_values.items()}
    decision = create(row)
    assert decision.outcome is Outcome.CREATED, messages(decision)
    referral = decision.referral
    assert referral is not None
    for f, value in given_values.items():
        assert getattr(referral, ATTR[f]) == value, f.name


def test_a_create_is_active_accepted_with_defaults() -> None:
    row = {k: v for k, v in VALID.items() if k != "Sales Stage"}
    referral = created(row | {"Partner Referral Status": "New"})
    assert (referral.status, referral.substatus) == (Status.ACTIVE, Substatus.ACCEPTED)
    assert (referral.direction, referral.ms_status, referral.reason) == (
        Direction.OUTGOING,
        None,
        None,
    )
    assert (referral.sales_stage, referral.help_required, referral.consent) == (10, False, True)
    assert (referral.id, referral.engagement_id, referral.version) == ("R-1", "E-1", 1)


@given(st.sets(st.sampled_from(REQUIRED_ON_CREATE), min_size=1))
def test_each_missing_required_field_is_named(missing: set[Field]) -> None:
    row = dict(VALID) | {f.value: "" for f in missing}
    decision = create(row)
    assert decision.outcome is Outcome.FAILED
    reported = {e.column for e in decision.errors if e.message.startswith("Mandatory field")}
    assert reported == {f.value for f in missing}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"Partner Referral Status": "Closed", "Partner Referral Substatus": "Won"}, "must have"),
        ({"Consent to share Customer/Partner contact": "No"}, "must be Yes"),
        ({"Microsoft help required?": "Yes"}, "required when Microsoft help"),
        ({"What specific help from Microsoft?": "2"}, "applies only when"),
        ({"Sales Stage": "100"}, "only for a deal closed as Won"),
        ({"Solution 1": "SOL-9999-NONE"}, "not in your organization's solution catalog"),
        ({"Solution 1": ""}, "Mandatory field Solution 1 missing"),
        ({"Team member 1": ""}, "Mandatory field Team member 1 missing"),
    ],
)
def test_a_create_that_breaks_a_rule_fails(changes: dict[str, str], expected: str) -> None:
    decision = create(VALID | changes)
    assert decision.outcome is Outcome.FAILED
    assert any(expected in m for m in messages(decision)), messages(decision)
    assert all(";" not in m for m in messages(decision))


def test_a_reason_on_create_is_ignored_with_a_warning() -> None:
    decision = create(VALID | {"Declined/Lost reason": "2"})
    assert decision.referral is not None and decision.referral.reason is None
    assert decision.warnings and "ignored" in decision.warnings[0]


def test_a_user_creates_only_deals_that_list_them() -> None:
    decision = create(VALID | {"Team member 1": "Bob, Partner, , bob@org-a.example"}, Role.USER)
    assert any("list you as a team member" in m for m in messages(decision))
    assert create(VALID, Role.USER).outcome is Outcome.CREATED


def test_an_outgoing_referral_has_no_microsoft_status() -> None:
    decision = create(VALID, ms_status=MicrosoftStatus.ACCEPTED)
    assert messages(decision) == [
        "Microsoft Referral Status: is set by Microsoft only, leave it empty"
    ]


# ------------------------------------------------------------------ incoming create

INCOMING = {
    k: v
    for k, v in VALID.items()
    if k not in ("Partner Referral Status", "Partner Referral Substatus", "Team member 1")
}


def incoming(row: dict[str, str], ms_status: MicrosoftStatus | None = None) -> Any:
    return create(row, direction=Direction.INCOMING, ms_status=ms_status)


def test_an_incoming_referral_is_new_pending_without_a_team_by_default() -> None:
    decision = incoming(INCOMING)
    referral = decision.referral
    assert referral is not None, messages(decision)
    assert (referral.direction, referral.status, referral.substatus) == (
        Direction.INCOMING,
        Status.NEW,
        Substatus.PENDING,
    )
    assert (referral.ms_status, referral.team, referral.reason) == (
        MicrosoftStatus.PENDING,
        (),
        None,
    )


def test_an_incoming_referral_may_be_received_with_a_team_and_its_status() -> None:
    row = INCOMING | {
        "Partner Referral Status": "New",
        "Partner Referral Substatus": "Received",
        "Team member 1": f"Sam, Seller, , {SELLER}",
    }
    referral = incoming(row, MicrosoftStatus.ACCEPTED).referral
    assert referral is not None
    assert (referral.substatus, referral.ms_status) == (
        Substatus.RECEIVED,
        MicrosoftStatus.ACCEPTED,
    )
    assert [m.email for m in referral.team] == [SELLER]


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        (
            {"Partner Referral Status": "Active", "Partner Referral Substatus": "Accepted"},
            "Partner Referral Substatus",
            "an incoming referral is created as New with substatus Pending or Received, "
            "not Active/Accepted",
        ),
        (
            {"Declined/Lost reason": "2"},
            "Declined/Lost reason",
            "the reason applies only when the substatus is Declined, Lost or Error, not Pending",
        ),
        ({"Sales Stage": "100"}, "Sales Stage", "sales stage 100 (Won)"),
    ],
)
def test_the_incoming_rules(changes: dict[str, str], column: str, message: str) -> None:
    decision = incoming(INCOMING | changes)
    [error] = decision.errors
    assert error.column == column and error.message.startswith(message)


def test_the_incoming_status_errors_come_before_the_rows_own() -> None:
    row = INCOMING | {"Partner Referral Substatus": "Won", "Customer Country": "Narnia"}
    columns = [e.column for e in incoming(row).errors]
    assert columns == ["Partner Referral Substatus", "Customer Country"]


def test_a_user_cannot_create_an_incoming_referral_without_themselves() -> None:
    decision = create(INCOMING, Role.USER, direction=Direction.INCOMING)
    assert any("list you as a team member" in m for m in messages(decision))


# --------------------------------------------------------------------------- update


def row_of(referral: Referral, fields: list[Field]) -> dict[str, str]:
    """The cells a file exported from the deal holds for these fields."""
    return {f.value: cell(getattr(referral, f.spec.attr or "")) for f in fields}


def update(referral: Referral, row: dict[str, str], role: Role = Role.ADMIN) -> Any:
    return decide_update(parse(row), referral, context(role))


#: A deal not yet shared with Microsoft (once shared, it stays shared).
STORED = created(
    VALID
    | {
        "Customer Address Line 2": "Suite 5",
        "Notes": "first",
        "Share with Microsoft sales team": "No",
    }
)


def test_the_row_of_a_stored_deal_changes_nothing() -> None:
    row = row_of(STORED, [*ATTR, Field.ENGAGEMENT_ID, Field.REFERRAL_ID])
    decision = update(STORED, row | {"Solution 1": VALID["Solution 1"]})
    assert decision.outcome is Outcome.UNCHANGED, messages(decision)


@given(st.data())
def test_a_writable_field_changes_and_history_shows_it(data: st.DataObject) -> None:
    f = data.draw(st.sampled_from(WRITABLE))
    new = data.draw(values(f).filter(lambda v: v != getattr(STORED, ATTR[f])), label="new")
    decision = update(STORED, {f.value: cell(new)})
    assert decision.outcome is Outcome.UPDATED, messages(decision)
    assert decision.referral is not None and getattr(decision.referral, ATTR[f]) == new
    assert decision.changes == {f.value: (show(getattr(STORED, ATTR[f])), show(new))}
    assert decision.referral.version == STORED.version + 1


@pytest.mark.parametrize(
    "f", [f for f in ATTR if f.spec.access is Access.FIXED_AFTER_CREATE], ids=lambda f: f.name
)
def test_a_field_fixed_after_create_cannot_change(f: Field) -> None:
    new = {"Customer Country": "NL", "Consent to share Customer/Partner contact": "No"}.get(
        f.value, "01234"
    )
    [error] = update(STORED, {f.value: new}).errors
    assert error.column == f.value
    assert (
        "cannot change after the deal is created" in error.message or "must be Yes" in error.message
    )


def test_fields_lock_once_the_deal_was_shared_for_help() -> None:
    helped = dataclasses.replace(
        STORED,
        help_required=True,
        help_code=2,
        contact_first_name="Jan",
        contact_last_name="Customer",
        contact_phone="0612345678",
        contact_email="jan@example.com",
    )
    decision = update(
        helped, {"Notes to Microsoft": "later", "Customer Contact Phone number": "0698765432"}
    )
    assert [e.column for e in decision.errors] == [
        "Customer Contact Phone number",
        "Notes to Microsoft",
    ]
    assert all("locked since the deal was shared" in e.message for e in decision.errors)


def test_leading_zeros_a_spreadsheet_dropped_are_no_change() -> None:
    assert STORED.postal_code == "08052"
    assert update(STORED, {"Customer Postal Code": "8052"}).outcome is Outcome.UNCHANGED


def test_no_field_of_a_closed_deal_changes() -> None:
    closed = dataclasses.replace(STORED, status=Status.CLOSED, substatus=Substatus.WON)
    [error] = update(closed, {"Notes": "after"}).errors
    assert error.message.startswith("the deal is closed (Won), no field can change (tried: Notes)")


def test_a_required_field_cannot_be_cleared() -> None:
    [error] = update(STORED, {"Deal Name": ""}).errors
    assert str(error) == "Deal Name: Mandatory field Deal Name missing"


@given(st.dictionaries(st.sampled_from(list(Field)), st.text(max_size=30), max_size=8))
def test_no_row_makes_a_message_with_a_semicolon(cells: dict[Field, str]) -> None:
    row = {f.value: text for f, text in cells.items()}
    for decision in (create(VALID | row), update(STORED, {"CRM ID": "X-1"} | row)):
        assert all(";" not in m for m in messages(decision) + decision.warnings)
