"""Reading referrals one page at a time: the list, one deal with its history, favorites.

(Changing one referral through the API or a page lives in `referral_changes`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cosell.domain.model import Referral
from cosell.errors import NotFound, UsageError
from cosell.services.actor import Actor, require_user
from cosell.store import accounts
from cosell.store.db import Database
from cosell.store.filters import ReferralFilters
from cosell.store.referrals import ReferralRepository

MAX_PAGE_SIZE = 200


@dataclass(slots=True)
class Page:
    items: list[Referral]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


@dataclass(slots=True)
class StageTotal:
    stage: int
    currency: str
    deals: int
    value_cents: int


def list_referrals(
    db: Database, actor: Actor, filters: ReferralFilters, *, page: int = 1, size: int = 50
) -> Page:
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise UsageError(f"page must be ≥ 1 and size between 1 and {MAX_PAGE_SIZE}")
    with db.read() as conn:
        repo = ReferralRepository(conn, actor)
        items = repo.search(filters, limit=size, offset=(page - 1) * size)
        total = repo.count(filters)
        favorites = repo.is_favorite([r.id for r in items])
    for item in items:
        item.favorite = item.id in favorites
    return Page(items, total, page, size)


def pipeline(db: Database, actor: Actor, filters: ReferralFilters) -> list[StageTotal]:
    """Deal count and value per sales stage and currency, for the chart."""
    with db.read() as conn:
        rows = ReferralRepository(conn, actor).stage_totals(filters)
    return [StageTotal(*row) for row in sorted(rows)]


def get_referral(db: Database, actor: Actor, referral_id: str) -> Referral:
    with db.read() as conn:
        repo = ReferralRepository(conn, actor)
        referral = repo.get(referral_id)
        if referral is None:
            raise NotFound(f"Referral ID {referral_id} was not found")
        referral.favorite = bool(repo.is_favorite([referral_id]))
    return referral


def history(db: Database, actor: Actor, referral_id: str) -> list[dict[str, Any]]:
    """Changes of a visible referral, newest first, with the name of who made them."""
    with db.read() as conn:
        repo = ReferralRepository(conn, actor)
        if repo.pk_of(referral_id) is None:
            raise NotFound(f"Referral ID {referral_id} was not found")
        entries = repo.history(referral_id)
        names = {u.id: u.display_name for u in accounts.users_of(conn, actor.org_id)}
    for entry in entries:
        entry["who"] = names.get(entry["user_id"], "system")
    return entries


def set_favorite(db: Database, actor: Actor, referral_id: str, on: bool) -> None:
    require_user(actor, "keep favorites")
    with db.write() as conn:
        if not ReferralRepository(conn, actor).set_favorite(referral_id, on):
            raise NotFound(f"Referral ID {referral_id} was not found")
