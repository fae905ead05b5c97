"""Organizations, users, API tokens and the solution catalog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, insert, or_, select, update

from cosell.domain.actor import Actor
from cosell.domain.enums import Role
from cosell.store.models import (
    catalog_t,
    orgs_t,
    tokens_t,
    users_t,
)


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
    #: carried in the session cookie: a session of an older version has ended
    session_version: int = 0
    #: the pages' language the user chose (`i18n.LOCALES`); None: the browser's
    language: str | None = None

    def actor(self) -> Actor:
        return Actor(self.id, self.org_id, self.role, self.email, self.display_name)


_ORG_QUERY = select(orgs_t.c.id, orgs_t.c.name, orgs_t.c.partner_id)


def org_by_name(conn: Connection, name: str) -> OrgRecord | None:
    row = conn.execute(_ORG_QUERY.where(orgs_t.c.name == name)).first()
    return OrgRecord(*row) if row else None


def add_org(conn: Connection, name: str, partner_id: str | None, now: dt.datetime) -> OrgRecord:
    pk = conn.execute(
        insert(orgs_t)
        .values(name=name, partner_id=partner_id, created_at=now)
        .returning(orgs_t.c.id)
    ).scalar_one()
    return OrgRecord(pk, name, partner_id)


_USER_COLS = (
    users_t.c.id,
    users_t.c.org_id,
    users_t.c.email,
    users_t.c.display_name,
    users_t.c.role,
    users_t.c.password_hash,
    users_t.c.is_active,
    users_t.c.session_version,
    users_t.c.language,
)


def _user(row: Any) -> UserRecord:
    uid, org, email, name, role, pw, active, version, language = row
    return UserRecord(
        int(uid),
        int(org),
        str(email),
        str(name),
        Role(role),
        pw if isinstance(pw, str) else None,
        bool(active),
        int(version or 0),
        language if isinstance(language, str) else None,
    )


def user_by_email(conn: Connection, email: str) -> UserRecord | None:
    row = conn.execute(
        select(*_USER_COLS).where(users_t.c.email_key == email.strip().casefold())
    ).first()
    return _user(row) if row else None


def user_by_id(conn: Connection, user_id: int) -> UserRecord | None:
    row = conn.execute(select(*_USER_COLS).where(users_t.c.id == user_id)).first()
    return _user(row) if row else None


def users_of(conn: Connection, org_id: int) -> list[UserRecord]:
    rows = conn.execute(
        select(*_USER_COLS).where(users_t.c.org_id == org_id).order_by(users_t.c.email_key)
    )
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
        insert(users_t)
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
        .returning(users_t.c.id)
    ).scalar_one()
    return UserRecord(pk, org_id, email, name, role, password_hash, True)


def set_user(conn: Connection, org_id: int, user_id: int, **values: object) -> bool:
    result = conn.execute(
        update(users_t).where(users_t.c.id == user_id, users_t.c.org_id == org_id).values(**values)
    )
    return bool(result.rowcount)


def end_sessions(conn: Connection, user_id: int, **values: object) -> None:
    """Raises the user's session version (every session of theirs ends) and sets `values`."""
    conn.execute(
        update(users_t)
        .where(users_t.c.id == user_id)
        .values(session_version=users_t.c.session_version + 1, **values)
    )


def active_admins(conn: Connection, org_id: int) -> list[int]:
    """The ids of the organization's active Referrals admins."""
    return list(
        conn.execute(
            select(users_t.c.id).where(
                users_t.c.org_id == org_id,
                users_t.c.role == Role.ADMIN.value,
                users_t.c.is_active.is_(True),
            )
        ).scalars()
    )


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
                select(catalog_t.c.solution_id).where(
                    catalog_t.c.org_id == org_id,
                    func.upper(catalog_t.c.solution_id).in_(wanted[i : i + 500]),
                )
            ).scalars()
        )
    return found


def catalog(conn: Connection, org_id: int) -> list[tuple[str, str | None]]:
    rows = conn.execute(
        select(catalog_t.c.solution_id, catalog_t.c.name)
        .where(catalog_t.c.org_id == org_id)
        .order_by(catalog_t.c.solution_id)
    )
    return [(r[0], r[1]) for r in rows]


def add_solution(
    conn: Connection, org_id: int, solution_id: str, name: str | None, now: dt.datetime
) -> bool:
    """Adds or renames a catalog entry; returns True when it was new."""
    existing = conn.execute(
        select(catalog_t.c.id).where(
            catalog_t.c.org_id == org_id, catalog_t.c.solution_id == solution_id
        )
    ).scalar()
    if existing is not None:
        if name is not None:
            conn.execute(update(catalog_t).where(catalog_t.c.id == existing).values(name=name))
        return False
    conn.execute(
        insert(catalog_t).values(org_id=org_id, solution_id=solution_id, name=name, created_at=now)
    )
    return True


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
            insert(tokens_t)
            .values(
                org_id=org_id,
                user_id=user_id,
                kind=kind,
                token_hash=token_hash,
                name=name,
                created_at=now,
            )
            .returning(tokens_t.c.id)
        ).scalar_one()
    )


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    org_id: int
    user_id: int | None
    kind: str
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class TokenListing:
    id: int
    kind: str
    org: str
    user_email: str | None
    name: str | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def token_by_hash(conn: Connection, token_hash: str) -> TokenRecord | None:
    row = conn.execute(
        select(
            tokens_t.c.id,
            tokens_t.c.org_id,
            tokens_t.c.user_id,
            tokens_t.c.kind,
            tokens_t.c.revoked_at,
        ).where(tokens_t.c.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    return TokenRecord(int(row[0]), int(row[1]), row[2], str(row[3]), row[4])


def tokens(conn: Connection, org_id: int | None = None) -> list[TokenListing]:
    """Every token (of one organization), oldest first, with its user's email."""
    query = (
        select(
            tokens_t.c.id,
            tokens_t.c.kind,
            orgs_t.c.name.label("org"),
            users_t.c.email,
            tokens_t.c.name,
            tokens_t.c.created_at,
            tokens_t.c.last_used_at,
            tokens_t.c.revoked_at,
        )
        .join(orgs_t, orgs_t.c.id == tokens_t.c.org_id)
        .outerjoin(users_t, users_t.c.id == tokens_t.c.user_id)
        .order_by(tokens_t.c.id)
    )
    if org_id is not None:
        query = query.where(tokens_t.c.org_id == org_id)
    return [TokenListing(*row) for row in conn.execute(query)]


def token_ids(conn: Connection, ids: Iterable[int]) -> set[int]:
    """Those of `ids` that are tokens."""
    wanted = list(ids)
    if not wanted:
        return set()
    return set(conn.execute(select(tokens_t.c.id).where(tokens_t.c.id.in_(wanted))).scalars())


def revoke_tokens(
    conn: Connection,
    now: dt.datetime,
    *,
    ids: Iterable[int] = (),
    user_id: int | None = None,
    token_hash: str | None = None,
) -> int:
    """Revokes the tokens named by any of the arguments; returns how many were not revoked yet."""
    which: list[ColumnElement[bool]] = []
    if ids:
        which.append(tokens_t.c.id.in_(list(ids)))
    if user_id is not None:
        which.append(tokens_t.c.user_id == user_id)
    if token_hash is not None:
        which.append(tokens_t.c.token_hash == token_hash)
    if not which:
        return 0
    result = conn.execute(
        update(tokens_t).where(or_(*which), tokens_t.c.revoked_at.is_(None)).values(revoked_at=now)
    )
    return int(result.rowcount or 0)
