"""Enumerations and code lists of the referral model (rules §1.1–1.4)."""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    INCOMING = "Incoming"
    OUTGOING = "Outgoing"


class Role(StrEnum):
    ADMIN = "admin"
    USER = "user"

    @property
    def label(self) -> str:
        return "Referrals admin" if self is Role.ADMIN else "Referrals user"


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
    10: "Created/Accepted",
    20: "Qualified",
    40: "Developed",
    60: "Proposed",
    80: "Negotiated",
    100: "Won",
}

DECLINED_LOST_REASONS: dict[int, str] = {
    1: "Project budget is not adequate",
    2: "Customer did not respond",
    3: "Customer chose another vendor",
    4: "Customer requirement not met",
    5: "Not a customer",
    6: "Proposed time line was too short",
    7: "Report as abuse, spam or phishing",
    8: "Others",
}

ERROR_REASONS: dict[int, str] = {
    1: "Duplicate – created through bulk upload",
    2: "Duplicate – created in the portal",
    3: "Duplicate – sent by Microsoft",
    4: "Connector data sync issues",
    5: "Customer matching issues",
    6: "Solution issues",
    7: "Test referral",
    8: "Data error",
    9: "Others",
}

HELP_CODES: dict[int, str] = {
    1: "Workload-specific value proposition",
    2: "Customer technical architecture",
    3: "Proof of concept/Demo",
    4: "Quotes and licensing",
    5: "Post-sales customer success",
    6: "General or other",
}
