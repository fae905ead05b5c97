"""Reading referrals one page at a time: the list, one deal with its history, favorites.

(Changing one referral through the API or a page lives in `referral_changes`.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from cosell.domain.actor import Actor
from cosell.domain.filters import ReferralFilters
from cosell.domain.history import HistoryEntry
from cosell.domain.model import Referral
from cosell.errors import NotFound, UsageError
from cosell.i18n import Msg
from cosell.services.actor import require_user
from cosell.services.uow import Backend
from cosell.store.referral_query import decode_cursor

MAX_PAGE_SIZE = 200
#: A list counts the deals that match exactly up to this many, and says "more than"
#: beyond: counting every one of a million deals would cost more than the page.
COUNT_BOUND = 10_000
#: The same for a list with a search. A common text (one deal in ten) needs about ten
#: rows read per match counted, and PostgreSQL's trigram index cannot stop early: an
#: exact count up to 10,000 would cost hundreds of milliseconds at a million deals.
SEARCH_COUNT_BOUND = 1_000


@dataclass(slots=True)
class Page:
    items: list[Referral]
    #: deals that match: exact when `total_exact`, else at least this many (the bound)
    total: int
    page: int
    size: int
    total_exact: bool = True
    #: whether a page follows this one
    has_next: bool = False
    #: where the next page starts (keyset paging); None on the last page
    next_cursor: str | None = None

    @property
    def pages(self) -> int:
        """Pages of `total` (at least this many when the total is not exact)."""
        return max(1, -(-self.total // self.size))


@dataclass(slots=True)
class StageTotal:
    stage: int
    currency: str
    deals: int
    value_cents: int


def count_bound(filters: ReferralFilters) -> int:
    """Up to how many deals a list with these filters counts exactly."""
    return SEARCH_COUNT_BOUND if filters.search else COUNT_BOUND


def list_referrals(
    db: Backend,
    actor: Actor,
    filters: ReferralFilters,
    *,
    page: int = 1,
    size: int = 50,
    cursor: str | None = None,
) -> Page:
    """One page of the list: by page number, or after a `cursor` of an earlier page
    (keyset paging: the deals before it are not read again). The total is exact up to
    `count_bound`; whether another page follows is known either way."""
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise UsageError(
            Msg("page must be ≥ 1 and size between 1 and %(limit)s", limit=MAX_PAGE_SIZE)
        )
    after = decode_cursor(cursor, filters.sort) if cursor else None
    if after is not None and page != 1:
        raise UsageError(Msg("give a cursor or a page number, not both"))
    with db.reading() as uow:
        repo = uow.referrals(actor)
        offset = (page - 1) * size if after is None else 0
        items, following = repo.search_page(filters, limit=size, offset=offset, cursor=after)
        if after is None and following is None and (items or page == 1):
            total, exact = offset + len(items), True  # the last page: nothing to count
        else:
            total, exact = repo.count_upto(filters, count_bound(filters))
        favorites = repo.is_favorite([r.id for r in items])
    for item in items:
        item.favorite = item.id in favorites
    return Page(items, total, page, size, exact, following is not None, following)


def count(db: Backend, actor: Actor, filters: ReferralFilters, bound: int) -> tuple[int, bool]:
    """(deals that match, exact), counted up to `bound` (`ReferralRepository.count_upto`)."""
    with db.reading() as uow:
        return uow.referrals(actor).count_upto(filters, bound)


def pipeline(db: Backend, actor: Actor, filters: ReferralFilters) -> list[StageTotal]:
    """Deal count and value per sales stage and currency, for the chart."""
    with db.reading() as uow:
        rows = uow.referrals(actor).stage_totals(filters)
    return [StageTotal(*row) for row in sorted(rows)]


def get_referral(db: Backend, actor: Actor, referral_id: str) -> Referral:
    with db.reading() as uow:
        repo = uow.referrals(actor)
        referral = repo.get(referral_id)
        if referral is None:
            raise NotFound(not_found(referral_id))
        referral.favorite = bool(repo.is_favorite([referral_id]))
    return referral


def history(db: Backend, actor: Actor, referral_id: str) -> list[HistoryEntry]:
    """Changes of a visible referral, newest first, with the name of who made them."""
    with db.reading() as uow:
        repo = uow.referrals(actor)
        if not repo.exists(referral_id):
            raise NotFound(not_found(referral_id))
        entries = repo.history(referral_id)
        names = {u.id: u.display_name for u in uow.accounts.users_of(actor.org_id)}
    return [
        replace(e, who=names.get(e.user_id, "system") if e.user_id is not None else "system")
        for e in entries
    ]


def set_favorite(db: Backend, actor: Actor, referral_id: str, on: bool) -> None:
    require_user(actor, Msg("keep favorites"))
    with db.writing() as uow:
        if not uow.referrals(actor).set_favorite(referral_id, on):
            raise NotFound(not_found(referral_id))


def not_found(referral_id: str) -> Msg:
    """`Referral ID … was not found`: a referral that does not exist or is not visible."""
    return Msg("Referral ID %(referral)s was not found", referral=referral_id)
