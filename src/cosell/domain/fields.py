"""The columns of the bulk file, as field keys with their canonical English headers.

A `Field` names one scalar column of the file. Solutions and team members are
numbered groups (`Solution 1` … `Solution 50`) and are described by `Group`.
"""

from __future__ import annotations

from enum import StrEnum


class Field(StrEnum):
    """A scalar column; the value is the canonical English header (SPEC §2.1)."""

    ERRORS = "Errors"
    ENGAGEMENT_ID = "Engagement ID"
    REFERRAL_ID = "Referral ID"
    DEAL_NAME = "Deal Name"
    CUSTOMER_NAME = "Customer Name"
    ADDRESS_1 = "Customer Address Line 1"
    ADDRESS_2 = "Customer Address Line 2"
    CITY = "Customer City"
    STATE = "Customer State"
    POSTAL_CODE = "Customer Postal Code"
    COUNTRY = "Customer Country"
    DUNS = "Customer D-U-N-S ID"
    CONTACT_FIRST_NAME = "Customer Contact First Name"
    CONTACT_LAST_NAME = "Customer Contact Last Name"
    CONTACT_PHONE = "Customer Contact Phone number"
    CONTACT_EMAIL = "Customer Contact Email Address"
    STATUS = "Partner Referral Status"
    SUBSTATUS = "Partner Referral Substatus"
    MS_STATUS = "Microsoft Referral Status"
    REASON = "Declined/Lost reason"
    SALES_STAGE = "Sales Stage"
    DEAL_VALUE = "Estimated Deal Value"
    CURRENCY = "Currency"
    CLOSE_DATE = "Estimated Close Date"
    CRM_ID = "CRM ID"
    CAMPAIGN_ID = "Marketing Campaign ID"
    NOTES = "Notes"
    HELP_REQUIRED = "Microsoft help required?"
    HELP_CODE = "What specific help from Microsoft?"
    SHARE_WITH_MS = "Share with Microsoft sales team"
    NOTES_TO_MS = "Notes to Microsoft"
    CONSENT = "Consent to share Customer/Partner contact"

    @property
    def header(self) -> str:
        return self.value


class Group(StrEnum):
    """A numbered column group; the value is the canonical header stem."""

    SOLUTION = "Solution"
    TEAM_MEMBER = "Team member"

    def header(self, number: int) -> str:
        return f"{self.value} {number}"


#: Scalar fields in file order (SPEC §2.1); groups follow them.
FIELD_ORDER: tuple[Field, ...] = tuple(Field)

#: Columns that import ignores whatever they hold (SPEC §1.5).
ALWAYS_READ_ONLY: frozenset[Field] = frozenset(
    {Field.ERRORS, Field.ENGAGEMENT_ID, Field.REFERRAL_ID, Field.MS_STATUS}
)

#: Customer fields fixed once the deal exists (SPEC §1.5).
READ_ONLY_AFTER_CREATE: tuple[Field, ...] = (
    Field.CUSTOMER_NAME,
    Field.ADDRESS_1,
    Field.ADDRESS_2,
    Field.CITY,
    Field.STATE,
    Field.POSTAL_CODE,
    Field.COUNTRY,
    Field.DUNS,
    Field.CONSENT,
)

#: Fields locked once the deal was saved with "Microsoft help required" = yes.
LOCKED_AFTER_HELP_SHARED: tuple[Field, ...] = (
    Field.HELP_REQUIRED,
    Field.HELP_CODE,
    Field.CONTACT_FIRST_NAME,
    Field.CONTACT_LAST_NAME,
    Field.CONTACT_PHONE,
    Field.CONTACT_EMAIL,
    Field.NOTES_TO_MS,
)

#: Columns required on create (SPEC §2.1 table "Required? Yes").
REQUIRED_ON_CREATE: tuple[Field, ...] = (
    Field.DEAL_NAME,
    Field.CUSTOMER_NAME,
    Field.ADDRESS_1,
    Field.CITY,
    Field.COUNTRY,
    Field.STATUS,
    Field.SUBSTATUS,
    Field.DEAL_VALUE,
    Field.CURRENCY,
    Field.CLOSE_DATE,
    Field.HELP_REQUIRED,
    Field.SHARE_WITH_MS,
    Field.CONSENT,
)

#: Columns whose value is required when Microsoft help is requested.
REQUIRED_WITH_HELP: tuple[Field, ...] = (
    Field.CONTACT_FIRST_NAME,
    Field.CONTACT_LAST_NAME,
    Field.CONTACT_PHONE,
    Field.CONTACT_EMAIL,
    Field.HELP_CODE,
)

MAX_GROUP_ITEMS = 50
