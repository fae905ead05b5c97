"""One test per rule of rules §1.3–1.5 (the pure rule functions)."""

from __future__ import annotations

import pytest

from cosell.domain import rules
from cosell.domain.enums import SUBSTATUSES, Status, Substatus

NEW_PENDING = (Status.NEW, Substatus.PENDING)
NEW_RECEIVED = (Status.NEW, Substatus.RECEIVED)
ACTIVE = (Status.ACTIVE, Substatus.ACCEPTED)
WON = (Status.CLOSED, Substatus.WON)
LOST = (Status.CLOSED, Substatus.LOST)
DECLINED = (Status.CLOSED, Substatus.DECLINED)
ERROR = (Status.CLOSED, Substatus.ERROR)
EXPIRED = (Status.CLOSED, Substatus.EXPIRED)


@pytest.mark.parametrize("old", [NEW_PENDING, NEW_RECEIVED])
@pytest.mark.parametrize("new", [ACTIVE, DECLINED, ERROR])
def test_new_deals_may_be_accepted_declined_or_closed_as_error(old, new):
    assert rules.transition_problem(old, new) is None


@pytest.mark.parametrize("new", [WON, LOST])
def test_new_deals_cannot_jump_to_won_or_lost(new):
    problem = rules.transition_problem(NEW_PENDING, new)
    assert problem and "cannot move from New/Pending" in problem


@pytest.mark.parametrize("new", [WON, LOST, ERROR])
def test_active_deals_may_be_won_lost_or_closed_as_error(new):
    assert rules.transition_problem(ACTIVE, new) is None


@pytest.mark.parametrize(
    ("old", "moves"),
    [
        (NEW_PENDING, (ACTIVE, DECLINED, ERROR)),
        (NEW_RECEIVED, (ACTIVE, DECLINED, ERROR)),
        (ACTIVE, (WON, LOST, ERROR)),
        ((Status.NEW, Substatus.ACCEPTED), (WON, LOST, ERROR)),
        (WON, ()),
        (EXPIRED, ()),
    ],
)
def test_allowed_moves_are_exactly_those_the_transition_rule_accepts(old, moves):
    assert rules.allowed_moves(old) == moves
    pairs = [(s, ss) for s in Status for ss in Substatus if ss in SUBSTATUSES[s]]
    accepted = {
        new
        for new in pairs
        if new != rules.normalize_pair(*old)
        and rules.transition_problem(rules.normalize_pair(*old), new) is None
    }
    assert set(moves) == accepted


def test_active_deals_cannot_be_declined_or_go_back_to_new():
    assert rules.transition_problem(ACTIVE, DECLINED)
    assert rules.transition_problem(ACTIVE, NEW_PENDING)


@pytest.mark.parametrize("pair", [NEW_PENDING, ACTIVE, WON, LOST, DECLINED, ERROR, EXPIRED])
def test_same_pair_is_always_allowed(pair):
    assert rules.transition_problem(pair, pair) is None


@pytest.mark.parametrize("closed", [WON, LOST, DECLINED, ERROR, EXPIRED])
def test_closed_is_terminal(closed):
    assert rules.is_terminal(closed[0])
    problem = rules.transition_problem(closed, ACTIVE)
    assert problem and "closed" in problem


def test_only_the_system_expires_a_deal():
    problem = rules.transition_problem(NEW_PENDING, EXPIRED)
    assert problem and "only the system" in problem


def test_new_accepted_is_read_as_active_accepted():
    assert rules.normalize_pair(Status.NEW, Substatus.ACCEPTED) == ACTIVE
    assert rules.normalize_pair(Status.NEW, Substatus.PENDING) == NEW_PENDING


def test_substatus_must_belong_to_status():
    assert rules.pair_problem(Status.ACTIVE, Substatus.ACCEPTED) is None
    problem = rules.pair_problem(Status.ACTIVE, Substatus.WON)
    assert problem and "expected Accepted" in problem


def test_create_is_active_accepted_only():
    assert rules.create_status_problem(ACTIVE) is None
    assert rules.create_status_problem(NEW_PENDING)
    assert rules.create_status_problem(WON)


def test_won_deal_gets_sales_stage_100_whatever_the_row_says():
    assert rules.stage_for(WON, 40) == 100
    assert rules.stage_for(ACTIVE, 40) == 40


def test_sales_stage_defaults_to_10():
    assert rules.stage_for(ACTIVE, None) == 10


def test_sales_stage_100_on_a_deal_not_won_is_an_error():
    assert rules.stage_problem(ACTIVE, 100)
    assert rules.stage_problem(WON, 100) is None
    assert rules.stage_problem(ACTIVE, 80) is None


@pytest.mark.parametrize("substatus", [Substatus.DECLINED, Substatus.LOST, Substatus.ERROR])
def test_reason_is_required_when_declining_losing_or_closing_as_error(substatus):
    problem = rules.reason_problem(substatus, None)
    assert problem and "required" in problem
    assert rules.reason_problem(substatus, 1) is None


def test_reason_on_other_substatus_is_an_error():
    problem = rules.reason_problem(Substatus.ACCEPTED, 3)
    assert problem and "the reason applies only when" in problem


def test_error_reason_codes_go_to_nine_and_declined_lost_to_eight():
    assert rules.reason_problem(Substatus.ERROR, 9) is None
    assert rules.reason_problem(Substatus.LOST, 9)


def test_share_with_microsoft_is_locked_once_yes():
    assert rules.share_lock_problem(True, False)
    assert rules.share_lock_problem(False, True) is None
    assert rules.share_lock_problem(True, True) is None
