"""Organizations, users, API tokens and the solution catalog: the CLI's and admin pages' use cases.

Changes to a user's access take effect at their next request: deactivation, a role
change and a new password raise the user's session version (every session ends), and
deactivation also revokes the user's API tokens. Each change is made by the operator
(`by=None`, the CLI) or by a Referrals admin of the user's organization (`by=actor`,
the Users page), who cannot deactivate or demote themselves. No change leaves an
organization without an active admin.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import Connection

from cosell.domain import cells
from cosell.domain.actor import Actor
from cosell.domain.cells import CellError
from cosell.domain.enums import Role
from cosell.errors import Conflict, NotFound, PermissionDenied, UsageError
from cosell.services.clock import utcnow
from cosell.services.passwords import hash_password, new_password, new_token, token_hash
from cosell.store import accounts as store
from cosell.store.db import Database

_SOLUTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def create_org(db: Database, name: str, partner_id: str | None = None) -> store.OrgRecord:
    name = name.strip()
    if not name or len(name) > 200:
        raise UsageError("an organization needs a name of 1 to 200 characters")
    with db.write() as conn:
        if store.org_by_name(conn, name):
            raise Conflict(f'an organization named "{name}" already exists')
        return store.add_org(conn, name, partner_id, utcnow())


def find_org(db: Database, name: str) -> store.OrgRecord:
    with db.read() as conn:
        return _org_named(conn, name)


def _org_named(conn: Connection, name: str) -> store.OrgRecord:
    org = store.org_by_name(conn, name)
    if org is None:
        raise NotFound(f'no organization is named "{name}"')
    return org


def add_user(
    db: Database,
    email: str,
    *,
    org_name: str | None = None,
    org_id: int | None = None,
    role: Role,
    password: str | None = None,
    name: str | None = None,
) -> tuple[store.UserRecord, str]:
    """Adds a user; returns it with its password (generated when none was given)."""
    try:
        email = cells.parse_email(email)
    except CellError as exc:
        raise UsageError(f'"{email}" is not an email address: {exc}') from None
    if password is not None and len(password) < 8:
        raise UsageError("a password needs at least 8 characters")
    password = password or new_password()
    with db.write() as conn:
        if org_id is None:
            org = store.org_by_name(conn, org_name or "")
            if org is None:
                raise NotFound(f'no organization is named "{org_name}"')
            org_id = org.id
        if store.user_by_email(conn, email):
            raise Conflict(f"a user with the email {email} already exists")
        user = store.add_user(
            conn,
            org_id=org_id,
            email=email,
            name=(name or email.split("@")[0]).strip(),
            role=role,
            password_hash=hash_password(password),
            now=utcnow(),
        )
    return user, password


def actor_for(db: Database, email: str) -> Actor:
    with db.read() as conn:
        user = store.user_by_email(conn, email)
    if user is None or not user.is_active:
        raise NotFound(f"no active user has the email {email}")
    return user.actor()


def add_solution(db: Database, solution_id: str, *, org_id: int, name: str | None = None) -> bool:
    solution_id = solution_id.strip()
    if not _SOLUTION_ID.match(solution_id):
        raise UsageError(
            f'"{solution_id}" is not a solution ID; expected letters, digits, "-", "." or "_" '
            "such as SOL-1234-PQRS"
        )
    with db.write() as conn:
        return store.add_solution(conn, org_id, solution_id, name, utcnow())


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("only a Referrals admin may do this")


def create_token(
    db: Database, *, user_email: str | None = None, integration_org: str | None = None
) -> str:
    token, digest = new_token()
    with db.write() as conn:
        if integration_org is not None:
            org = store.org_by_name(conn, integration_org)
            if org is None:
                raise NotFound(f'no organization is named "{integration_org}"')
            store.add_token(
                conn,
                org_id=org.id,
                user_id=None,
                kind="integration",
                token_hash=digest,
                name="integration",
                now=utcnow(),
            )
        else:
            user = store.user_by_email(conn, user_email or "")
            if user is None:
                raise NotFound(f"no user has the email {user_email}")
            if not user.is_active:
                raise UsageError(f"{user.email} is deactivated; activate them first")
            store.add_token(
                conn,
                org_id=user.org_id,
                user_id=user.id,
                kind="user",
                token_hash=digest,
                name=None,
                now=utcnow(),
            )
    return token


def list_users(db: Database, actor: Actor) -> list[store.UserRecord]:
    """The organization's users, for its Referrals admins."""
    require_admin(actor)
    with db.read() as conn:
        return store.users_of(conn, actor.org_id)


def list_solutions(db: Database, actor: Actor) -> list[tuple[str, str | None]]:
    """The organization's solution catalog (ID, name), for its Referrals admins."""
    require_admin(actor)
    with db.read() as conn:
        return store.catalog(conn, actor.org_id)


# ------------------------------------------------------------------ access
UserRef = str | int
"""A user by email (the CLI) or by id (the Users page)."""

_KEEP_ADMIN = "the organization must keep an admin"


def _target(conn: Connection, who: UserRef, by: Actor | None) -> store.UserRecord:
    if by is not None:
        require_admin(by)
    user = store.user_by_id(conn, who) if isinstance(who, int) else store.user_by_email(conn, who)
    if user is None or (by is not None and user.org_id != by.org_id):
        raise NotFound(
            f"no user of your organization has the id {who}"
            if isinstance(who, int)
            else f"no user has the email {who}"
        )
    return user


def _keeps_an_admin(conn: Connection, user: store.UserRecord, by: Actor | None, doing: str) -> None:
    """Refuses to take the admin role away from the acting admin or the last active one."""
    if user.role is not Role.ADMIN or not user.is_active:
        return
    if by is not None and by.user_id == user.id:
        raise Conflict(f"you cannot {doing} yourself: {_KEEP_ADMIN}; another admin can do it")
    if store.active_admins(conn, user.org_id) == [user.id]:
        raise Conflict(
            f"{user.email} is the last active admin of the organization and {_KEEP_ADMIN}; "
            "make another user an admin first"
        )


T = TypeVar("T")


def _change(
    db: Database, who: UserRef, by: Actor | None, apply: Callable[[Connection, store.UserRecord], T]
) -> tuple[store.UserRecord, T]:
    with db.write() as conn:
        user = _target(conn, who, by)
        return user, apply(conn, user)


def deactivate_user(
    db: Database, who: UserRef, *, by: Actor | None = None
) -> tuple[store.UserRecord, int]:
    """Deactivates a user: their sessions end and their API tokens are revoked (returns the
    user and how many tokens). A reactivated user needs new tokens."""

    def apply(conn: Connection, user: store.UserRecord) -> int:
        _keeps_an_admin(conn, user, by, "deactivate")
        store.end_sessions(conn, user.id, is_active=False)
        return store.revoke_tokens(conn, utcnow(), user_id=user.id)

    return _change(db, who, by, apply)


def activate_user(db: Database, who: UserRef, *, by: Actor | None = None) -> store.UserRecord:
    def apply(conn: Connection, user: store.UserRecord) -> None:
        store.set_user(conn, user.org_id, user.id, is_active=True)

    user, _ = _change(db, who, by, apply)
    return user


def set_role(
    db: Database, who: UserRef, role: Role, *, by: Actor | None = None
) -> store.UserRecord:
    """Gives a user a role; their sessions end so every page is drawn for the new one."""

    def apply(conn: Connection, user: store.UserRecord) -> None:
        if role is not Role.ADMIN:
            _keeps_an_admin(conn, user, by, "take the admin role from")
        store.end_sessions(conn, user.id, role=role.value)

    user, _ = _change(db, who, by, apply)
    return user


def set_password(
    db: Database, who: UserRef, password: str | None = None, *, by: Actor | None = None
) -> tuple[store.UserRecord, str]:
    """Sets a user's password (generated when none is given; returned to be shown once);
    every session of the user ends."""
    if password is not None and len(password) < 8:
        raise UsageError("a password needs at least 8 characters")
    password = password or new_password()
    digest = hash_password(password)  # slow on purpose: outside the write transaction

    def apply(conn: Connection, user: store.UserRecord) -> None:
        store.end_sessions(conn, user.id, password_hash=digest)

    user, _ = _change(db, who, by, apply)
    return user, password


def end_sessions(db: Database, user_id: int) -> None:
    """Signs the user out everywhere (sign-out)."""
    with db.write() as conn:
        store.end_sessions(conn, user_id)


def list_tokens(db: Database, *, org_name: str | None = None) -> list[store.TokenListing]:
    with db.read() as conn:
        org_id = None if org_name is None else _org_named(conn, org_name).id
        return store.tokens(conn, org_id)


def revoke_tokens(
    db: Database,
    *,
    token_ids: Sequence[int] = (),
    user_email: str | None = None,
    token: str | None = None,
) -> int:
    """Revokes tokens by id, all of a user's, or one by its value; returns how many were
    revoked now (a token revoked before is not counted again)."""
    if not token_ids and user_email is None and token is None:
        raise UsageError("name the tokens to revoke: token ids, --as EMAIL or --token TOKEN")
    with db.write() as conn:
        missing = sorted(set(token_ids) - store.token_ids(conn, token_ids))
        if missing:
            raise NotFound(f"no token has the id {', '.join(map(str, missing))}")
        user_id = None if user_email is None else _target(conn, user_email, None).id
        digest = token_hash(token.strip()) if token is not None else None
        if digest is not None and store.token_by_hash(conn, digest) is None:
            raise NotFound("that token is not one of this database's")
        return store.revoke_tokens(
            conn, utcnow(), ids=token_ids, user_id=user_id, token_hash=digest
        )
