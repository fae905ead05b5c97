"""Status rules and conditional requirements (rules §1.3–1.5).

Each function states one rule and returns the problems it finds as messages
(an empty list or None when the rule holds). They take plain values so the
import pipeline, the API and the pages all apply exactly the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping

from cosell.domain.enums import (
    DECLINED_LOST_REASONS,
    ERROR_REASONS,
    SUBSTATUSES,
    Status,
    Substatus,
)
from cosell.i18n import Msg

Pair = tuple[Status, Substatus]

ACTIVE_ACCEPTED: Pair = (Status.ACTIVE, Substatus.ACCEPTED)

#: Moves a partner may make (rules §1.3). Staying on the same pair is always allowed.
_PARTNER_MOVES: dict[Pair, frozenset[Pair]] = {
    (Status.NEW, Substatus.PENDING): frozenset(
        {
            ACTIVE_ACCEPTED,
            (Status.CLOSED, Substatus.DECLINED),
            (Status.CLOSED, Substatus.ERROR),
        }
    ),
    (Status.NEW, Substatus.RECEIVED): frozenset(
        {
            ACTIVE_ACCEPTED,
            (Status.CLOSED, Substatus.DECLINED),
            (Status.CLOSED, Substatus.ERROR),
        }
    ),
    ACTIVE_ACCEPTED: frozenset(
        {
            (Status.CLOSED, Substatus.WON),
            (Status.CLOSED, Substatus.LOST),
            (Status.CLOSED, Substatus.ERROR),
        }
    ),
}

WON_STAGE = 100


def normalize_pair(status: Status, substatus: Substatus) -> Pair:
    """New/Accepted is read as Active/Accepted wherever it appears (rules §1.3)."""
    if status is Status.NEW and substatus is Substatus.ACCEPTED:
        return ACTIVE_ACCEPTED
    return (status, substatus)


def pair_problem(status: Status, substatus: Substatus) -> str | None:
    """A substatus must belong to its status."""
    if substatus in SUBSTATUSES[status]:
        return None
    valid = ", ".join(s.value for s in SUBSTATUSES[status])
    return Msg(
        '"%(substatus)s" is not a substatus of %(status)s, expected %(valid)s',
        substatus=substatus.value,
        status=status.value,
        valid=valid,
    )


def create_status_problem(pair: Pair) -> str | None:
    """A new deal is created as Active/Accepted (given as New or Active with Accepted)."""
    if pair == ACTIVE_ACCEPTED:
        return None
    return Msg(
        "a new deal must have status New or Active with substatus Accepted, not %(pair)s",
        pair=f"{pair[0].value}/{pair[1].value}",
    )


def transition_problem(old: Pair, new: Pair) -> str | None:
    """Whether a partner may move a deal from `old` to `new`."""
    if old == new:
        return None
    if old[0] is Status.CLOSED:
        return Msg(
            "the deal is closed (%(substatus)s), a closed deal cannot change",
            substatus=old[1].value,
        )
    if new == (Status.CLOSED, Substatus.EXPIRED):
        return Msg("only the system expires a deal (an incoming referral not answered in 14 days)")
    if new in _PARTNER_MOVES.get(old, frozenset()):
        return None
    allowed = sorted(f"{s.value}/{ss.value}" for s, ss in _PARTNER_MOVES.get(old, frozenset()))
    return Msg(
        "a deal cannot move from %(old)s to %(new)s (allowed: %(allowed)s)",
        old=f"{old[0].value}/{old[1].value}",
        new=f"{new[0].value}/{new[1].value}",
        allowed=", ".join(allowed),
    )


def allowed_moves(old: Pair) -> tuple[Pair, ...]:
    """The pairs a partner may move a deal to from `old`, in the order of the enums (the
    current pair itself not included; none from a closed deal)."""
    moves = _PARTNER_MOVES.get(normalize_pair(*old), frozenset())
    order = {pair: n for n, pair in enumerate((s, ss) for s in Status for ss in Substatus)}
    return tuple(sorted(moves, key=order.__getitem__))


def is_terminal(status: Status) -> bool:
    """Closed is terminal: no field of a Won, Lost, Declined, Expired or Error deal changes."""
    return status is Status.CLOSED


def reason_codes(substatus: Substatus) -> Mapping[int, str] | None:
    """The reason code list a substatus requires, or None when a reason does not apply."""
    if substatus in (Substatus.DECLINED, Substatus.LOST):
        return DECLINED_LOST_REASONS
    if substatus is Substatus.ERROR:
        return ERROR_REASONS
    return None


def reason_problem(substatus: Substatus, reason: int | None) -> str | None:
    """A reason is required for Declined, Lost and Error, and applies to nothing else."""
    codes = reason_codes(substatus)
    if codes is None:
        if reason is None:
            return None
        return Msg(
            "the reason applies only when the substatus is Declined, Lost or Error, "
            "not %(substatus)s",
            substatus=substatus.value,
        )
    if reason is None:
        return Msg(
            "a reason is required when the substatus is %(substatus)s", substatus=substatus.value
        )
    if reason not in codes:
        return Msg(
            "%(reason)s is not a %(substatus)s reason, expected 1 to %(last)s",
            reason=reason,
            substatus=substatus.value,
            last=max(codes),
        )
    return None


def stage_for(pair: Pair, stage: int | None) -> int:
    """The stage to store: 100 for a Won deal whatever the row says, 10 when not given."""
    if pair == (Status.CLOSED, Substatus.WON):
        return WON_STAGE
    return 10 if stage is None else stage


def stage_problem(pair: Pair, stage: int) -> str | None:
    """Sales stage 100 belongs to Won deals only."""
    if stage == WON_STAGE and pair != (Status.CLOSED, Substatus.WON):
        return Msg("sales stage 100 (Won) is only for a deal closed as Won")
    return None


def share_lock_problem(stored_share: bool, new_share: bool) -> str | None:
    """Once shared with the Microsoft sales team, a deal stays shared."""
    if stored_share and not new_share:
        return Msg(
            "the deal was already shared with the Microsoft sales team, this cannot be undone"
        )
    return None
