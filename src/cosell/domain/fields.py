"""The columns of the bulk file: the one table of the referral's scalar fields.

A `Field` names one scalar column of the file; its value is the canonical English
header, and its `spec` (a `field_spec.FieldSpec`) says everything else about it.
Adding a column is one entry here (plus the `Referral` attribute it fills, which a
test checks against this table, and a migration for its stored column): the file's
parsers, the import rules, the stored column, the API's models and the detail page
are derived from it. Solutions and team members are numbered groups (`Solution 1` …
`Solution 50`) and are described by `Group`.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from cosell.domain.enums import (
    DECLINED_LOST_REASONS,
    ERROR_REASONS,
    HELP_CODES,
    MicrosoftStatus,
    Status,
    Substatus,
)
from cosell.domain.field_spec import Access, FieldSpec, Kind, Need, Section
from cosell.i18n import N_

_FIXED = Access.FIXED_AFTER_CREATE
_LOCKED = Access.LOCKED_AFTER_HELP
_REQUIRED = Need.REQUIRED
#: Every reason code, so a row's reason parses before we know which list applies.
_ALL_REASONS = {**DECLINED_LOST_REASONS, **ERROR_REASONS}


class Field(StrEnum):
    """A scalar column; the value is the canonical English header (rules §2.1)."""

    spec: FieldSpec

    def __new__(cls, header: str, spec: FieldSpec) -> Field:
        member = str.__new__(cls, header)
        member._value_ = header
        member.spec = spec
        return member

    ERRORS = "Errors", FieldSpec(None, Kind.MULTILINE, access=Access.IGNORED)
    ENGAGEMENT_ID = "Engagement ID", FieldSpec(
        "engagement_id", Kind.IDENTIFIER, 100, Access.KEY, Need.ALWAYS, width=36,
        label=N_("Engagement ID"), section=Section.DEAL,
    )  # fmt: skip
    REFERRAL_ID = "Referral ID", FieldSpec(
        "id", Kind.IDENTIFIER, 100, Access.KEY, Need.ALWAYS, column="referral_id", width=36,
        doc="Referral ID", label=N_("Referral ID"), section=Section.DEAL,
    )  # fmt: skip
    DEAL_NAME = "Deal Name", FieldSpec(
        "deal_name", Kind.TEXT, 200, need=_REQUIRED, doc="required, ≤ 200 characters",
    )  # fmt: skip
    CUSTOMER_NAME = "Customer Name", FieldSpec(
        "customer_name", Kind.TEXT, 200, _FIXED, _REQUIRED,
        doc="required on create; fixed afterwards", label=N_("Name"), section=Section.CUSTOMER,
    )  # fmt: skip
    ADDRESS_1 = "Customer Address Line 1", FieldSpec(
        "address_1", Kind.TEXT, 200, _FIXED, _REQUIRED,
        doc="required on create; fixed afterwards", label=N_("Address line 1"),
        section=Section.CUSTOMER,
    )  # fmt: skip
    ADDRESS_2 = "Customer Address Line 2", FieldSpec(
        "address_2", Kind.TEXT, 200, _FIXED,
        doc="fixed after create", label=N_("Address line 2"), section=Section.CUSTOMER,
    )  # fmt: skip
    CITY = "Customer City", FieldSpec(
        "city", Kind.TEXT, 100, _FIXED, _REQUIRED,
        doc="required on create; fixed afterwards", label=N_("City"), section=Section.CUSTOMER,
    )  # fmt: skip
    STATE = "Customer State", FieldSpec(
        "state", Kind.TEXT, 100, _FIXED,
        doc="fixed after create", label=N_("State"), section=Section.CUSTOMER,
    )  # fmt: skip
    POSTAL_CODE = "Customer Postal Code", FieldSpec(
        "postal_code", Kind.IDENTIFIER, 20, _FIXED,
        doc="fixed after create", label=N_("Postal code"), section=Section.CUSTOMER,
    )  # fmt: skip
    COUNTRY = "Customer Country", FieldSpec(
        "country", Kind.COUNTRY, None, _FIXED, _REQUIRED,
        doc="ISO 3166 alpha-2 (alpha-3 accepted); fixed", label=N_("Country"),
        section=Section.CUSTOMER,
    )  # fmt: skip
    DUNS = "Customer D-U-N-S ID", FieldSpec(
        "duns", Kind.DUNS, None, _FIXED,
        doc="9 digits; fixed after create", label=N_("D-U-N-S ID"), section=Section.CUSTOMER,
    )  # fmt: skip
    CONTACT_FIRST_NAME = "Customer Contact First Name", FieldSpec(
        "contact_first_name", Kind.TEXT, 100, _LOCKED, with_help=True,
        doc="required when help_required", label=N_("First name"), section=Section.CONTACT,
    )  # fmt: skip
    CONTACT_LAST_NAME = "Customer Contact Last Name", FieldSpec(
        "contact_last_name", Kind.TEXT, 100, _LOCKED, with_help=True,
        doc="required when help_required", label=N_("Last name"), section=Section.CONTACT,
    )  # fmt: skip
    CONTACT_PHONE = "Customer Contact Phone number", FieldSpec(
        "contact_phone", Kind.PHONE, None, _LOCKED, with_help=True,
        doc="required when help_required", label=N_("Phone"), section=Section.CONTACT,
    )  # fmt: skip
    CONTACT_EMAIL = "Customer Contact Email Address", FieldSpec(
        "contact_email", Kind.EMAIL, None, _LOCKED, with_help=True,
        doc="required when help_required", label=N_("Email"), section=Section.CONTACT,
    )  # fmt: skip
    STATUS = "Partner Referral Status", FieldSpec(
        "status", Kind.CHOICE, need=_REQUIRED, choices=Status,
        doc="New, Active or Closed (rules §1.3)", label=N_("Partner referral status"),
        section=Section.DEAL,
    )  # fmt: skip
    SUBSTATUS = "Partner Referral Substatus", FieldSpec(
        "substatus", Kind.CHOICE, need=_REQUIRED, choices=Substatus,
        doc="Pending, Received, Accepted, Won, Lost …",
    )  # fmt: skip
    MS_STATUS = "Microsoft Referral Status", FieldSpec(
        "ms_status", Kind.CHOICE, access=Access.IGNORED, choices=MicrosoftStatus,
        doc="Microsoft Referral Status: set by the integration token only; "
        "partners may send only the stored value",
        label=N_("Microsoft referral status"), section=Section.DEAL,
    )  # fmt: skip
    REASON = "Declined/Lost reason", FieldSpec(
        "reason", Kind.CODE, codes=_ALL_REASONS,
        doc="Declined/Lost reason 1–8 or Error reason 1–9",
        label=N_("Declined/Lost/Error reason"), section=Section.DEAL,
    )  # fmt: skip
    SALES_STAGE = "Sales Stage", FieldSpec(
        "sales_stage", Kind.SALES_STAGE, need=Need.ALWAYS,
        doc="10, 20, 40, 60, 80 or 100, or a stage name", label=N_("Sales stage"),
        section=Section.DEAL,
    )  # fmt: skip
    DEAL_VALUE = "Estimated Deal Value", FieldSpec(
        "deal_value", Kind.MONEY, need=_REQUIRED, column="value_cents",
        doc="≥ 0, at most 2 decimals", label=N_("Estimated deal value"), section=Section.DEAL,
    )  # fmt: skip
    CURRENCY = "Currency", FieldSpec("currency", Kind.CURRENCY, need=_REQUIRED, doc="ISO 4217 code")
    CLOSE_DATE = "Estimated Close Date", FieldSpec(
        "close_date", Kind.DATE, need=_REQUIRED,
        doc="YYYY-MM-DD (or MM/DD/YYYY)", label=N_("Estimated close date"), section=Section.DEAL,
    )  # fmt: skip
    CRM_ID = "CRM ID", FieldSpec(
        "crm_id", Kind.IDENTIFIER, 100,
        doc="≤ 100 characters", label=N_("CRM ID"), section=Section.DEAL,
    )  # fmt: skip
    CAMPAIGN_ID = "Marketing Campaign ID", FieldSpec(
        "campaign_id", Kind.IDENTIFIER, 100,
        doc="≤ 100 characters", label=N_("Marketing campaign ID"), section=Section.DEAL,
    )  # fmt: skip
    NOTES = "Notes", FieldSpec(
        "notes", Kind.MULTILINE, 4000,
        doc="≤ 4000 characters", label=N_("Notes"), section=Section.DEAL,
    )  # fmt: skip
    HELP_REQUIRED = "Microsoft help required?", FieldSpec(
        "help_required", Kind.YES_NO, None, _LOCKED, _REQUIRED,
        doc="true/false (or Yes/No)", label=N_("Microsoft help required?"),
        section=Section.MICROSOFT,
    )  # fmt: skip
    HELP_CODE = "What specific help from Microsoft?", FieldSpec(
        "help_code", Kind.CODE, None, _LOCKED, with_help=True, codes=HELP_CODES,
        doc="1–6, required when help_required", label=N_("What specific help"),
        section=Section.MICROSOFT,
    )  # fmt: skip
    SHARE_WITH_MS = "Share with Microsoft sales team", FieldSpec(
        "share_with_ms", Kind.YES_NO, need=_REQUIRED,
        label=N_("Share with Microsoft sales team"), section=Section.MICROSOFT,
    )  # fmt: skip
    NOTES_TO_MS = "Notes to Microsoft", FieldSpec(
        "notes_to_ms", Kind.MULTILINE, 4000, _LOCKED,
        doc="≤ 4000 characters", label=N_("Notes to Microsoft"), section=Section.MICROSOFT,
    )  # fmt: skip
    CONSENT = "Consent to share Customer/Partner contact", FieldSpec(
        "consent", Kind.YES_NO, None, _FIXED, _REQUIRED,
        doc="must be true", label=N_("Consent to share contact"), section=Section.MICROSOFT,
    )  # fmt: skip

    @property
    def header(self) -> str:
        return self.value


class Group(StrEnum):
    """A numbered column group; the value is the canonical header stem."""

    SOLUTION = "Solution"
    TEAM_MEMBER = "Team member"

    def header(self, number: int) -> str:
        return f"{self.value} {number}"


def _having(test: Callable[[FieldSpec], bool]) -> tuple[Field, ...]:
    return tuple(f for f in Field if test(f.spec))


#: Scalar fields in file order (rules §2.1); groups follow them.
FIELD_ORDER: tuple[Field, ...] = tuple(Field)

#: Customer fields fixed once the deal exists (rules §1.5).
READ_ONLY_AFTER_CREATE: tuple[Field, ...] = _having(lambda s: s.access is _FIXED)

#: Fields locked once the deal was saved with "Microsoft help required" = yes.
LOCKED_AFTER_HELP_SHARED: tuple[Field, ...] = _having(lambda s: s.access is _LOCKED)

#: Columns required on create (rules §2.1 table "Required? Yes").
REQUIRED_ON_CREATE: tuple[Field, ...] = _having(lambda s: s.need is _REQUIRED)

#: Columns whose value is required when Microsoft help is requested.
REQUIRED_WITH_HELP: tuple[Field, ...] = _having(lambda s: s.with_help)

MAX_GROUP_ITEMS = 50
