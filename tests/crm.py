"""The CRM export samples of tests/fixtures/crm and what importing each with its
built-in profile (plus the organization's own Solution 1 and Team member 1) does."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support import ADMIN

FOLDER = Path(__file__).parent / "fixtures" / "crm"

#: What every organization adds to a built-in profile: its solution and its team member.
ORG_VALUES = {
    "values": {
        "Solution 1": "SOL-1234-PQRS",
        "Team member 1": f"Alex, Admin, , {ADMIN}",
    }
}


@dataclass(frozen=True)
class Sample:
    file: str
    profile: str
    rows: int
    created: int
    #: failed rows (the spreadsheet's row number) → a part of their error
    failures: dict[int, str]

    @property
    def path(self) -> Path:
        return FOLDER / self.file

    @property
    def failed(self) -> int:
        return len(self.failures)


SAMPLES = {
    "salesforce": Sample(
        "salesforce_opportunities.csv",
        "salesforce",
        15,
        10,
        {
            12: "Stage (Partner Referral Substatus): a new deal must have status New or Active",
            13: 'Amount: "-2500.00" is not valid, expected a number ≥ 0',
            14: "Billing City: Mandatory field Customer City missing",
            15: 'Billing Country: "Atlantis" is not valid, expected a two-letter ISO 3166',
            16: 'Close Date: "2/30/2027" is not valid',
        },
    ),
    "hubspot": Sample(
        "hubspot_deals.csv",
        "hubspot",
        13,
        9,
        {
            11: "Deal Stage (Partner Referral Substatus): a new deal must have status New or",
            12: "not Closed/Lost",
            13: 'Amount: "twenty thousand" is not valid, expected a plain number',
            14: "Associated Company: Mandatory field Customer Name missing",
        },
    ),
    "dynamics365": Sample(
        "dynamics365_opportunities.csv",
        "dynamics365",
        14,
        10,
        {
            12: "Status (Partner Referral Substatus): a new deal must have status New or",
            13: 'Currency: "Bitcoin" is not valid, expected an ISO 4217 currency code',
            14: "Est. Close Date: Mandatory field Estimated Close Date missing",
            15: "Address 1: Street 1: Mandatory field Customer Address Line 1 missing",
        },
    ),
}
