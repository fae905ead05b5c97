"""Who is acting: every service call and repository query is scoped by it (a plain value)."""

from __future__ import annotations

from dataclasses import dataclass

from cosell.domain.enums import Role


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
