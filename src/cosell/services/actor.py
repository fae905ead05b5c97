"""What only a person may do (the integration token is no person)."""

from __future__ import annotations

from cosell.domain.actor import Actor
from cosell.errors import PermissionDenied
from cosell.i18n import Msg

__all__ = ["Actor", "require_user"]


def require_user(actor: Actor, what: str) -> int:
    """The acting user's id: favorites, imports and exports belong to a person, and the
    integration token is none (PermissionDenied)."""
    if actor.integration or actor.user_id is None:
        raise PermissionDenied(
            Msg("the integration token cannot %(what)s; use a user's API token", what=what)
        )
    return actor.user_id
