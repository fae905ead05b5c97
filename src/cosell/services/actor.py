"""Who is acting: every service call and repository query is scoped by it."""

from __future__ import annotations

from dataclasses import dataclass

from cosell.domain.enums import Role
from cosell.errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int | None
    org_id: int
    role: Role
    email: str
    name: str = ""
    #: the integration token stands for the Microsoft side (incoming referrals)
    integration: bool = False

    @property
    def email_key(self) -> str:
        return self.email.casefold()

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def require_user(actor: Actor, what: str) -> int:
    """The acting user's id: favorites, imports and exports belong to a person, and the
    integration token is none (PermissionDenied)."""
    if actor.integration or actor.user_id is None:
        raise PermissionDenied(f"the integration token cannot {what}; use a user's API token")
    return actor.user_id
