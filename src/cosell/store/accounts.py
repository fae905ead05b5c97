"""Organizations, users, API tokens and the solution catalog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, func, insert, select, update

from cosell.domain.enums import Role
from cosell.services.actor import Actor
from cosell.store.models import ApiToken, Organization, Solution, User

ORGS = cast(Table, Organization.__table__)
U = cast(Table, User.__table__)
K = cast(Table, ApiToken.__table__)
C = cast(Table, Solution.__table__)


@dataclass(frozen=True, slots=True)
class OrgRecord:
    id: int
    name: str
    partner_id: str | None


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    org_id: int
    email: str
    display_name: str
    role: Role
    password_hash: str | None
    is_active: bool

    def actor(self) -> Actor:
        return Actor(self.id, self.org_id, self.role, self.email, self.display_name)


_ORG_QUERY = select(ORGS.c.id, ORGS.c.name, ORGS.c.partner_id)


def org_by_name(conn: Connection, name: str) -> OrgRecord | None:
    row = conn.execute(_ORG_QUERY.where(ORGS.c.name == name)).first()
    return OrgRecord(*row) if row else None


def org_by_id(conn: Connection, org_id: int) -> OrgRecord | None:
    row = conn.execute(_ORG_QUERY.where(ORGS.c.id == org_id)).first()
    return OrgRecord(*row) if row else None


def add_org(conn: Connection, name: str, partner_id: str | None, now: dt.datetime) -> OrgRecord:
    pk = conn.execute(
        insert(ORGS).values(name=name, partner_id=partner_id, created_at=now).returning(ORGS.c.id)
    ).scalar_one()
    return OrgRecord(pk, name, partner_id)


_USER_COLS = (
    U.c.id,
    U.c.org_id,
    U.c.email,
    U.c.display_name,
    U.c.role,
    U.c.password_hash,
    U.c.is_active,
)


def _user(row: Any) -> UserRecord:
    uid, org, email, name, role, pw, active = row
    return UserRecord(
        int(uid),
        int(org),
        str(email),
        str(name),
        Role(role),
        pw if isinstance(pw, str) else None,
        bool(active),
    )


def user_by_email(conn: Connection, email: str) -> UserRecord | None:
    row = conn.execute(select(*_USER_COLS).where(U.c.email_key == email.strip().casefold())).first()
    return _user(row) if row else None


def user_by_id(conn: Connection, user_id: int) -> UserRecord | None:
    row = conn.execute(select(*_USER_COLS).where(U.c.id == user_id)).first()
    return _user(row) if row else None


def users_of(conn: Connection, org_id: int) -> list[UserRecord]:
    rows = conn.execute(select(*_USER_COLS).where(U.c.org_id == org_id).order_by(U.c.email_key))
    return [_user(r) for r in rows]


def add_user(
    conn: Connection,
    *,
    org_id: int,
    email: str,
    name: str,
    role: Role,
    password_hash: str | None,
    now: dt.datetime,
) -> UserRecord:
    pk = conn.execute(
        insert(U)
        .values(
            org_id=org_id,
            email=email,
            email_key=email.casefold(),
            display_name=name,
            password_hash=password_hash,
            role=role.value,
            is_active=True,
            created_at=now,
        )
        .returning(U.c.id)
    ).scalar_one()
    return UserRecord(pk, org_id, email, name, role, password_hash, True)


def set_user(conn: Connection, org_id: int, user_id: int, **values: object) -> bool:
    result = conn.execute(update(U).where(U.c.id == user_id, U.c.org_id == org_id).values(**values))
    return bool(result.rowcount)


def known_solutions(conn: Connection, org_id: int, ids: Iterable[str]) -> dict[str, str]:
    """The catalog entries among `ids`, matched case-insensitively: upper-cased ID →
    the ID as the catalog spells it."""
    wanted = sorted({i.upper() for i in ids})
    if not wanted:
        return {}
    found: dict[str, str] = {}
    for i in range(0, len(wanted), 500):
        found.update(
            (sid.upper(), sid)
            for sid in conn.execute(
                select(C.c.solution_id).where(
                    C.c.org_id == org_id, func.upper(C.c.solution_id).in_(wanted[i : i + 500])
                )
            ).scalars()
        )
    return found


def catalog(conn: Connection, org_id: int) -> list[tuple[str, str | None]]:
    rows = conn.execute(
        select(C.c.solution_id, C.c.name).where(C.c.org_id == org_id).order_by(C.c.solution_id)
    )
    return [(r[0], r[1]) for r in rows]


def add_solution(
    conn: Connection, org_id: int, solution_id: str, name: str | None, now: dt.datetime
) -> bool:
    """Adds or renames a catalog entry; returns True when it was new."""
    existing = conn.execute(
        select(C.c.id).where(C.c.org_id == org_id, C.c.solution_id == solution_id)
    ).scalar()
    if existing is not None:
        if name is not None:
            conn.execute(update(C).where(C.c.id == existing).values(name=name))
        return False
    conn.execute(
        insert(C).values(org_id=org_id, solution_id=solution_id, name=name, created_at=now)
    )
    return True


def count_users(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(U)).scalar_one())


def add_token(
    conn: Connection,
    *,
    org_id: int,
    user_id: int | None,
    kind: str,
    token_hash: str,
    name: str | None,
    now: dt.datetime,
) -> int:
    return int(
        conn.execute(
            insert(K)
            .values(
                org_id=org_id,
                user_id=user_id,
                kind=kind,
                token_hash=token_hash,
                name=name,
                created_at=now,
            )
            .returning(K.c.id)
        ).scalar_one()
    )


def token_by_hash(conn: Connection, token_hash: str) -> tuple[int, int | None, str] | None:
    """(org id, user id, kind) of a token."""
    row = conn.execute(
        select(K.c.org_id, K.c.user_id, K.c.kind).where(K.c.token_hash == token_hash)
    ).first()
    return (int(row[0]), row[1], str(row[2])) if row else None
