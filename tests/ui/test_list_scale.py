"""The list page at scale: a count that stops at a bound ("more than …"), Next known
without the total, and a chart that is drawn in a request of its own when many deals
match."""

from __future__ import annotations

import random
from html import unescape

import pytest

from cosell.domain.model import TeamMember
from cosell.services import demo
from cosell.services import referrals as reading
from cosell.services.clock import utcnow
from cosell.store.referrals import ReferralRepository
from cosell.web.ui import opportunities
from tests.support import ADMIN, SELLER, World


def bulk(world: World, count: int) -> None:
    team = [TeamMember("Sam", "Seller", None, SELLER)]
    made = demo.make_referrals(random.Random(3), count, team=team, now=utcnow())
    outgoing = [r for r in made if r.direction.value == "Outgoing"]
    with world.db.write() as conn:
        ReferralRepository(conn, world.admin).insert_many(outgoing, world.admin.user_id)


@pytest.fixture
def many(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    bulk(world, 120)  # about 80 outgoing: more than a page of 25
    monkeypatch.setattr(reading, "COUNT_BOUND", 30)
    monkeypatch.setattr(reading, "SEARCH_COUNT_BOUND", 30)
    return world


def test_beyond_the_bound_the_page_says_more_than(many: World, make_client) -> None:
    client = make_client(ADMIN)
    page = unescape(client.get("/?tab=outbound").text)
    assert 'data-total="30" data-total-exact="false"' in page
    assert "More than 30 referrals · page 1" in page
    assert "Exports the <strong>more than 30 referrals</strong>" in page
    assert 'rel="next"' in page and "Page 1 of" not in page
    last = unescape(client.get("/?tab=outbound&page=4").text)
    assert 'data-total-exact="true"' in last and 'rel="next"' not in last
    assert "Page 4 of 4" in last
    assert client.get("/?tab=outbound&page=99", follow_redirects=False).status_code == 303


def test_many_deals_get_their_chart_from_a_request_of_its_own(
    many: World, make_client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(opportunities, "CHART_INLINE", 10)
    client = make_client(ADMIN)
    page = unescape(client.get("/?tab=outbound&sort=value").text)
    assert 'hx-get="/chart?tab=outbound&sort=value"' in page and 'class="bars"' not in page
    chart = client.get("/chart?tab=outbound&sort=value")
    assert chart.status_code == 200 and "<svg" in chart.text and "<html" not in chart.text
    # filtered: added up only when the count is exact
    too_many = client.get("/chart?tab=outbound&currency=USD&currency=EUR&currency=GBP")
    assert "More than 30 deals match: narrow the filters" in unescape(too_many.text)
    few = client.get("/chart?tab=outbound&stage=10")
    assert "<svg" in few.text or "No deals match" in few.text
    assert make_client().get("/chart?tab=outbound", follow_redirects=False).status_code in (
        303,
        401,
    )


def test_a_search_shows_its_bounded_count(many: World, make_client) -> None:
    client = make_client(ADMIN)
    page = unescape(client.get("/?tab=outbound&q=deal").text)  # every deal name
    assert "Search: <strong>deal</strong>" in page
    nomatch = client.get("/?tab=outbound&q=nomatchxyz").text
    assert 'data-total="0" data-total-exact="true"' in nomatch
