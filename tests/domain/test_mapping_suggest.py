"""The suggested mapping of a file whose headers are not ours (issue 10 §3)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from cosell.domain.mapping_suggest import headers_are_ours, status_choice, suggest

CRM = Path(__file__).parent.parent / "fixtures" / "crm"


def read(name: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO((CRM / name).read_text(encoding="utf-8-sig"))))
    return rows[0], rows[1:]


def targets(name: str) -> dict[str, str]:
    headers, rows = read(name)
    return {c.header: c.target for c in suggest(headers, rows).columns if c.target}


def test_the_crm_samples_headers_are_not_ours():
    for name in (
        "salesforce_opportunities.csv",
        "hubspot_deals.csv",
        "dynamics365_opportunities.csv",
    ):
        assert not headers_are_ours(read(name)[0])


def test_salesforce_export():
    assert targets("salesforce_opportunities.csv") == {
        "Opportunity Name": "Deal Name",
        "Account Name": "Customer Name",
        "Billing Street": "Customer Address Line 1",
        "Billing City": "Customer City",
        "Billing State/Province": "Customer State",
        "Billing Zip/Postal Code": "Customer Postal Code",
        "Billing Country": "Customer Country",
        "Amount": "Estimated Deal Value",
        "Opportunity Currency": "Currency",
        "Close Date": "Estimated Close Date",
        "Stage": "Partner Referral Status",
        "Opportunity ID": "CRM ID",
        "Description": "Notes",
    }


def test_synonyms_and_value_shapes():
    headers = ["Deal Title", "Expected close", "Buyer mail", "Land", "Worth (EUR)", "Cur", "Stage"]
    rows = [
        ["A", "2027-01-30", "a@b.example", "Netherlands", "1,200.50", "EUR", "Closed Won"],
        ["B", "30/01/2027", "c@d.example", "DE", "300.00", "USD", "Negotiation"],
        ["C", "", "", "", "", "", "Closed Lost"],
    ]
    found = suggest(headers, rows, team_member="Ann, Lee, , ann@x.example", solution="SOL-1")
    by = {c.header: (c.target, c.reason) for c in found.columns}
    assert by["Deal Title"] == ("Deal Name", "synonym")
    assert by["Expected close"] == ("Estimated Close Date", "similar")
    assert by["Buyer mail"] == ("Customer Contact Email Address", "values")
    assert by["Land"] == ("Customer Country", "values")
    assert by["Worth (EUR)"] == ("Estimated Deal Value", "values")
    assert by["Cur"] == ("Currency", "values")
    assert by["Stage"] == ("Partner Referral Status", "synonym")
    assert found.statuses == {
        "Closed Won": "Closed/Won",
        "Negotiation": "Active/Accepted",
        "Closed Lost": "Closed/Lost",
    }
    # Constants for the required columns no column fills, and our own team and solution.
    assert found.values["Consent to share Customer/Partner contact"] == "Yes"
    assert found.values["Microsoft help required?"] == "No"
    assert found.values["Customer Name"] == ""
    assert "Partner Referral Status" not in found.values
    assert "Partner Referral Substatus" not in found.values
    assert found.values["Team member 1"] == "Ann, Lee, , ann@x.example"
    assert found.values["Solution 1"] == "SOL-1"


def test_each_of_our_columns_is_suggested_once_the_clearest_first():
    found = suggest(["Amount", "Deal value", "Estimated Deal Value"], [["1", "2", "3"]])
    assert [c.target for c in found.columns] == ["", "", "Estimated Deal Value"]


@pytest.mark.parametrize(
    ("headers", "ours"),
    [
        (["Deal Name", "Customer Name", "Customer City", "Currency", "Notes", "Other"], True),
        (["Referral ID", "Notes"], True),
        (["Opportunity Name", "Amount", "Stage"], False),
        (
            ["Record ID", "Deal Name", "Deal Stage", "Close Date", "Amount", "Currency", "City"],
            False,
        ),
    ],
)
def test_headers_are_ours(headers, ours):
    assert headers_are_ours(headers) is ours


@pytest.mark.parametrize(
    ("value", "choice"),
    [
        ("Closed Won", "Closed/Won"),
        ("closedlost", "Active/Accepted"),
        ("Closed lost", "Closed/Lost"),
        ("Prospecting", "Active/Accepted"),
        ("Won", "Closed/Won"),
    ],
)
def test_status_choice(value, choice):
    assert status_choice(value) == choice
