"""Organizations, users and the solution catalog: the CLI's and admin pages' use cases."""

from __future__ import annotations

import re
import secrets

from cosell.domain import cells
from cosell.domain.cells import CellError
from cosell.domain.enums import Role
from cosell.errors import Conflict, NotFound, PermissionDenied, UsageError
from cosell.services.actor import Actor
from cosell.services.clock import utcnow
from cosell.services.passwords import hash_password, new_token
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
    password = password or secrets.token_urlsafe(12)
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
