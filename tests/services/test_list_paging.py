"""The list counts only up to a bound, knows whether a page follows without the total,
and pages with a keyset cursor: every deal exactly once, in order, for every sort key,
through ties."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from decimal import Decimal

import pytest

from cosell.domain.filters import SORT_KEYS, ReferralFilters, Tab
from cosell.domain.model import TeamMember
from cosell.errors import UsageError
from cosell.services import demo
from cosell.services import referrals as reading
from cosell.services.clock import utcnow
from cosell.store.referrals import ReferralRepository
from tests.support import World

DEALS = 57


def bulk(world: World, count: int, seed: int = 1) -> None:
    """`count` deals with many equal sort values (ties), through the bulk path."""
    rng = random.Random(seed)
    team = [TeamMember("Sam", "Seller", None, world.seller.email)]
    made = demo.make_referrals(rng, count, team=team, now=utcnow())
    day = dt.datetime(2027, 1, 5, 9, 30)
    tied = [
        dataclasses.replace(
            ref,
            deal_name=f"Deal {i % 7}",
            customer_name=("Fabrikam", "Contoso")[i % 2],
            deal_value=Decimal(100 * (i % 4)),
            close_date=dt.date(2027, 3, 1 + i % 3),
            sales_stage=(10, 20, 40)[i % 3],
            created_at=day + dt.timedelta(minutes=i % 5),
            updated_at=day + dt.timedelta(seconds=i % 2),
        )
        for i, ref in enumerate(made)
    ]
    with world.db.write() as conn:
        ReferralRepository(conn, world.admin).insert_many(tied, world.admin.user_id)


def every_page(world: World, filters: ReferralFilters, size: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(DEALS):
        page = reading.list_referrals(world.db, world.admin, filters, size=size, cursor=cursor)
        seen += [r.id for r in page.items]
        assert page.has_next == (page.next_cursor is not None)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize("sort", [*SORT_KEYS, *(f"-{k}" for k in SORT_KEYS)])
def test_the_cursor_visits_every_deal_once_in_order(world: World, sort: str) -> None:
    bulk(world, DEALS)
    filters = ReferralFilters(sort=sort)
    whole = reading.list_referrals(world.db, world.admin, filters, size=200)
    assert whole.total == DEALS and not whole.has_next
    expected = [r.id for r in whole.items]
    for size in (1, 4, 10):
        assert every_page(world, filters, size) == expected, size
    # numbered pages give the same order
    numbered = [
        r.id
        for n in range(1, 7)
        for r in reading.list_referrals(world.db, world.admin, filters, page=n, size=10).items
    ]
    assert numbered == expected


def test_the_cursor_keeps_the_filters_and_the_search(world: World) -> None:
    bulk(world, DEALS)
    filters = ReferralFilters(tab=Tab.OUTBOUND, search="deal 3", sort="-value")
    whole = reading.list_referrals(world.db, world.admin, filters, size=200)
    assert 0 < whole.total < DEALS
    assert every_page(world, filters, 2) == [r.id for r in whole.items]


def test_a_cursor_of_another_sort_order_or_made_up_is_refused(world: World) -> None:
    bulk(world, 5)
    first = reading.list_referrals(world.db, world.admin, ReferralFilters(sort="value"), size=2)
    assert first.next_cursor
    with pytest.raises(UsageError, match="sort order"):
        reading.list_referrals(
            world.db, world.admin, ReferralFilters(sort="-value"), cursor=first.next_cursor
        )
    for bad in ("nonsense", "W10", "WyJ2YWx1ZSIsdHJ1ZSwxXQ"):
        with pytest.raises(UsageError, match="cursor"):
            reading.list_referrals(world.db, world.admin, ReferralFilters(sort="value"), cursor=bad)
    with pytest.raises(UsageError, match="not both"):
        reading.list_referrals(
            world.db,
            world.admin,
            ReferralFilters(sort="value"),
            page=2,
            cursor=first.next_cursor,
        )


def test_the_count_stops_at_the_bound(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    bulk(world, 30)
    monkeypatch.setattr(reading, "COUNT_BOUND", 12)
    monkeypatch.setattr(reading, "SEARCH_COUNT_BOUND", 5)
    first = reading.list_referrals(world.db, world.admin, ReferralFilters(), size=10)
    assert (first.total, first.total_exact, first.has_next) == (12, False, True)
    assert first.pages == 2  # at least
    page = reading.list_referrals(world.db, world.admin, ReferralFilters(), page=3, size=10)
    assert (page.total, page.total_exact, len(page.items), page.has_next) == (30, True, 10, False)
    searched = reading.list_referrals(world.db, world.admin, ReferralFilters(search="deal"), size=3)
    assert (searched.total, searched.total_exact) == (5, False)
    exact = reading.list_referrals(world.db, world.admin, ReferralFilters(search="deal 3"), size=3)
    assert exact.total_exact and exact.total == 4 and exact.has_next
    with world.db.read() as conn:
        repo = ReferralRepository(conn, world.admin)
        assert repo.count_upto(ReferralFilters(), 30) == (30, True)
        assert repo.count_upto(ReferralFilters(), 29) == (29, False)
        assert repo.count(ReferralFilters()) == 30


def test_an_empty_list_is_one_exact_page(world: World) -> None:
    page = reading.list_referrals(world.db, world.admin, ReferralFilters(search="nomatchxyz"))
    assert (page.total, page.total_exact, page.has_next, page.pages) == (0, True, False, 1)


@pytest.mark.parametrize("common", [False, True], ids=["few", "many"])
def test_team_counts_agree_however_the_query_is_read(
    world: World, monkeypatch: pytest.MonkeyPatch, common: bool
) -> None:
    from cosell.store import referral_query

    bulk(world, 40)
    if common:  # every team counts as on many deals: counted by walking the team index
        monkeypatch.setattr(referral_query, "SPARSE_MATCHES", -1)
    seller = world.seller.email
    for actor, f in (
        (world.admin, ReferralFilters(team_email=seller.upper())),
        (world.admin, ReferralFilters(tab=Tab.OUTBOUND, team_email=seller)),
        (world.seller, ReferralFilters(tab=Tab.INBOUND)),
        (world.seller, ReferralFilters(team_email=seller, search="deal 1")),
        (world.admin, ReferralFilters(team_email="nobody@x.example")),
    ):
        listed = reading.list_referrals(world.db, actor, f, size=200)
        assert listed.total_exact
        assert reading.count(world.db, actor, f, 100) == (listed.total, True), f
        if listed.total:
            assert reading.count(world.db, actor, f, listed.total - 1)[1] is False
