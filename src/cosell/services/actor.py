"""What only a person may do (the integration token is no person)."""

from __future__ import annotations

from cosell.domain.actor import Actor
from cosell.errors import PermissionDenied

__all__ = ["Actor", "require_user"]


def require_user(actor: Actor, what: str) -> int:
    """The acting user's id: favorites, imports and exports belong to a person, and the
    integration token is none (PermissionDenied)."""
    if actor.integration or actor.user_id is None:
        raise PermissionDenied(f"the integration token cannot {what}; use a user's API token")
    return actor.user_id
