"""Enumerations and code lists of the referral model (rules §1.1–1.4)."""

from __future__ import annotations

from enum import StrEnum

from cosell.i18n import N_


class Direction(StrEnum):
    INCOMING = "Incoming"
    OUTGOING = "Outgoing"


class Role(StrEnum):
    ADMIN = "admin"
    USER = "user"

    @property
    def label(self) -> str:
        """Its name on the pages, in English (translated where shown)."""
        return N_("Referrals admin") if self is Role.ADMIN else N_("Referrals user")


class Status(StrEnum):
    NEW = "New"
    ACTIVE = "Active"
    CLOSED = "Closed"


class Substatus(StrEnum):
    PENDING = "Pending"
    RECEIVED = "Received"
    ACCEPTED = "Accepted"
    WON = "Won"
    LOST = "Lost"
    DECLINED = "Declined"
    EXPIRED = "Expired"
    ERROR = "Error"


class MicrosoftStatus(StrEnum):
    PENDING = "Pending"
    ACCEPTED = "Accepted"
    DECLINED = "Declined"
    EXPIRED = "Expired"
    WON = "Won"
    LOST = "Lost"


#: Which substatuses belong to which status (rules §1.3).
SUBSTATUSES: dict[Status, tuple[Substatus, ...]] = {
    Status.NEW: (Substatus.PENDING, Substatus.RECEIVED),
    Status.ACTIVE: (Substatus.ACCEPTED,),
    Status.CLOSED: (
        Substatus.WON,
        Substatus.LOST,
        Substatus.DECLINED,
        Substatus.EXPIRED,
        Substatus.ERROR,
    ),
}

#: Sales stage percentages and the stage names accepted as aliases.
SALES_STAGES: dict[int, str] = {
    10: N_("Created/Accepted"),
    20: N_("Qualified"),
    40: N_("Developed"),
    60: N_("Proposed"),
    80: N_("Negotiated"),
    100: N_("Won"),
}

DECLINED_LOST_REASONS: dict[int, str] = {
    1: N_("Project budget is not adequate"),
    2: N_("Customer did not respond"),
    3: N_("Customer chose another vendor"),
    4: N_("Customer requirement not met"),
    5: N_("Not a customer"),
    6: N_("Proposed time line was too short"),
    7: N_("Report as abuse, spam or phishing"),
    8: N_("Others"),
}

ERROR_REASONS: dict[int, str] = {
    1: N_("Duplicate – created through bulk upload"),
    2: N_("Duplicate – created in the portal"),
    3: N_("Duplicate – sent by Microsoft"),
    4: N_("Connector data sync issues"),
    5: N_("Customer matching issues"),
    6: N_("Solution issues"),
    7: N_("Test referral"),
    8: N_("Data error"),
    9: N_("Others"),
}

HELP_CODES: dict[int, str] = {
    1: N_("Workload-specific value proposition"),
    2: N_("Customer technical architecture"),
    3: N_("Proof of concept/Demo"),
    4: N_("Quotes and licensing"),
    5: N_("Post-sales customer success"),
    6: N_("General or other"),
}
