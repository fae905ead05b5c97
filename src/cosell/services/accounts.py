"""Organizations, users, API tokens and the solution catalog: the CLI's and admin pages' use cases.

Changes to a user's access take effect at their next request: deactivation, a role
change and a new password raise the user's session version (every session ends), and
deactivation also revokes the user's API tokens. Each change is made by the operator
(`by=None`, the CLI) or by a Referrals admin of the user's organization (`by=actor`,
the Users page), who cannot deactivate or demote themselves. No change leaves an
organization without an active admin.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

from cosell import i18n
from cosell.domain import cells
from cosell.domain.actor import Actor
from cosell.domain.cells import CellError
from cosell.domain.enums import Role
from cosell.errors import Conflict, NotFound, PermissionDenied, UsageError
from cosell.i18n import Msg
from cosell.services.clock import utcnow
from cosell.services.passwords import hash_password, new_password, new_token, token_hash
from cosell.services.uow import Backend, OrgRecord, TokenListing, UnitOfWork, UserRecord

_SOLUTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def create_org(db: Backend, name: str, partner_id: str | None = None) -> OrgRecord:
    name = name.strip()
    if not name or len(name) > 200:
        raise UsageError(Msg("an organization needs a name of 1 to 200 characters"))
    with db.writing() as uow:
        if uow.accounts.org_by_name(name):
            raise Conflict(Msg('an organization named "%(name)s" already exists', name=name))
        return uow.accounts.add_org(name, partner_id, utcnow())


def find_org(db: Backend, name: str) -> OrgRecord:
    with db.reading() as uow:
        return _org_named(uow, name)


def _org_named(uow: UnitOfWork, name: str) -> OrgRecord:
    org = uow.accounts.org_by_name(name)
    if org is None:
        raise NotFound(Msg('no organization is named "%(name)s"', name=name))
    return org


def add_user(
    db: Backend,
    email: str,
    *,
    org_name: str | None = None,
    org_id: int | None = None,
    role: Role,
    password: str | None = None,
    name: str | None = None,
) -> tuple[UserRecord, str]:
    """Adds a user; returns it with its password (generated when none was given)."""
    try:
        email = cells.parse_email(email)
    except CellError as exc:
        raise UsageError(
            Msg('"%(email)s" is not an email address: %(why)s', email=email, why=exc.expected)
        ) from None
    if password is not None and len(password) < 8:
        raise UsageError(Msg("a password needs at least 8 characters"))
    password = password or new_password()
    with db.writing() as uow:
        if org_id is None:
            org = uow.accounts.org_by_name(org_name or "")
            if org is None:
                raise NotFound(Msg('no organization is named "%(name)s"', name=org_name))
            org_id = org.id
        if uow.accounts.user_by_email(email):
            raise Conflict(Msg("a user with the email %(email)s already exists", email=email))
        user = uow.accounts.add_user(
            org_id=org_id,
            email=email,
            name=(name or email.split("@")[0]).strip(),
            role=role,
            password_hash=hash_password(password),
            now=utcnow(),
        )
    return user, password


def actor_for(db: Backend, email: str) -> Actor:
    with db.reading() as uow:
        user = uow.accounts.user_by_email(email)
    if user is None or not user.is_active:
        raise NotFound(Msg("no active user has the email %(email)s", email=email))
    return user.actor()


def add_solution(db: Backend, solution_id: str, *, org_id: int, name: str | None = None) -> bool:
    solution_id = solution_id.strip()
    if not _SOLUTION_ID.match(solution_id):
        raise UsageError(
            Msg(
                '"%(value)s" is not a solution ID; expected letters, digits, "-", "." or "_" '
                "such as SOL-1234-PQRS",
                value=solution_id,
            )
        )
    with db.writing() as uow:
        return uow.accounts.add_solution(org_id, solution_id, name, utcnow())


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied(Msg("only a Referrals admin may do this"))


def create_token(
    db: Backend, *, user_email: str | None = None, integration_org: str | None = None
) -> str:
    token, digest = new_token()
    with db.writing() as uow:
        if integration_org is not None:
            org = uow.accounts.org_by_name(integration_org)
            if org is None:
                raise NotFound(Msg('no organization is named "%(name)s"', name=integration_org))
            uow.accounts.add_token(
                org_id=org.id,
                user_id=None,
                kind="integration",
                token_hash=digest,
                name="integration",
                now=utcnow(),
            )
        else:
            user = uow.accounts.user_by_email(user_email or "")
            if user is None:
                raise NotFound(Msg("no user has the email %(email)s", email=user_email))
            if not user.is_active:
                raise UsageError(
                    Msg("%(email)s is deactivated; activate them first", email=user.email)
                )
            uow.accounts.add_token(
                org_id=user.org_id,
                user_id=user.id,
                kind="user",
                token_hash=digest,
                name=None,
                now=utcnow(),
            )
    return token


def list_users(db: Backend, actor: Actor) -> list[UserRecord]:
    """The organization's users, for its Referrals admins."""
    require_admin(actor)
    with db.reading() as uow:
        return uow.accounts.users_of(actor.org_id)


def list_solutions(db: Backend, actor: Actor) -> list[tuple[str, str | None]]:
    """The organization's solution catalog (ID, name), for its Referrals admins."""
    require_admin(actor)
    with db.reading() as uow:
        return uow.accounts.catalog(actor.org_id)


# ------------------------------------------------------------------ access
UserRef = str | int
"""A user by email (the CLI) or by id (the Users page)."""

_KEEP_ADMIN = Msg("the organization must keep an admin")


def _no_deactivating_yourself() -> Msg:
    return Msg("you cannot deactivate yourself: %(why)s; another admin can do it", why=_KEEP_ADMIN)


def _no_demoting_yourself() -> Msg:
    return Msg(
        "you cannot take the admin role from yourself: %(why)s; another admin can do it",
        why=_KEEP_ADMIN,
    )


def _target(uow: UnitOfWork, who: UserRef, by: Actor | None) -> UserRecord:
    if by is not None:
        require_admin(by)
    user = uow.accounts.user_by_id(who) if isinstance(who, int) else uow.accounts.user_by_email(who)
    if user is None or (by is not None and user.org_id != by.org_id):
        raise NotFound(
            Msg("no user of your organization has the id %(id)s", id=who)
            if isinstance(who, int)
            else Msg("no user has the email %(email)s", email=who)
        )
    return user


def _keeps_an_admin(
    uow: UnitOfWork, user: UserRecord, by: Actor | None, yourself: Callable[[], Msg]
) -> None:
    """Refuses to take the admin role away from the acting admin or the last active one."""
    if user.role is not Role.ADMIN or not user.is_active:
        return
    if by is not None and by.user_id == user.id:
        raise Conflict(yourself())
    if uow.accounts.active_admins(user.org_id) == [user.id]:
        raise Conflict(
            Msg(
                "%(email)s is the last active admin of the organization and %(why)s; "
                "make another user an admin first",
                email=user.email,
                why=_KEEP_ADMIN,
            )
        )


T = TypeVar("T")


def _change(
    db: Backend, who: UserRef, by: Actor | None, apply: Callable[[UnitOfWork, UserRecord], T]
) -> tuple[UserRecord, T]:
    with db.writing() as uow:
        user = _target(uow, who, by)
        return user, apply(uow, user)


def deactivate_user(
    db: Backend, who: UserRef, *, by: Actor | None = None
) -> tuple[UserRecord, int]:
    """Deactivates a user: their sessions end and their API tokens are revoked (returns the
    user and how many tokens). A reactivated user needs new tokens."""

    def apply(uow: UnitOfWork, user: UserRecord) -> int:
        _keeps_an_admin(uow, user, by, _no_deactivating_yourself)
        uow.accounts.end_sessions(user.id, is_active=False)
        return uow.accounts.revoke_tokens(utcnow(), user_id=user.id)

    return _change(db, who, by, apply)


def activate_user(db: Backend, who: UserRef, *, by: Actor | None = None) -> UserRecord:
    def apply(uow: UnitOfWork, user: UserRecord) -> None:
        uow.accounts.set_user(user.org_id, user.id, is_active=True)

    user, _ = _change(db, who, by, apply)
    return user


def set_role(db: Backend, who: UserRef, role: Role, *, by: Actor | None = None) -> UserRecord:
    """Gives a user a role; their sessions end so every page is drawn for the new one."""

    def apply(uow: UnitOfWork, user: UserRecord) -> None:
        if role is not Role.ADMIN:
            _keeps_an_admin(uow, user, by, _no_demoting_yourself)
        uow.accounts.end_sessions(user.id, role=role.value)

    user, _ = _change(db, who, by, apply)
    return user


def set_password(
    db: Backend, who: UserRef, password: str | None = None, *, by: Actor | None = None
) -> tuple[UserRecord, str]:
    """Sets a user's password (generated when none is given; returned to be shown once);
    every session of the user ends."""
    if password is not None and len(password) < 8:
        raise UsageError(Msg("a password needs at least 8 characters"))
    password = password or new_password()
    digest = hash_password(password)  # slow on purpose: outside the write transaction

    def apply(uow: UnitOfWork, user: UserRecord) -> None:
        uow.accounts.end_sessions(user.id, password_hash=digest)

    user, _ = _change(db, who, by, apply)
    return user, password


def set_language(
    db: Backend, who: UserRef, language: str | None, *, by: Actor | None = None
) -> UserRecord:
    """Keeps the pages' language a user chose (one of `i18n.LOCALES`; None: no choice,
    the browser's language then). A user sets their own (`by` is then themselves); the
    operator anyone's."""
    if language is not None and language not in i18n.LOCALES:
        raise UsageError(
            Msg(
                'the language must be one of %(choices)s, not "%(value)s"',
                choices=", ".join(i18n.LOCALES),
                value=language,
            )
        )
    with db.writing() as uow:
        user = (
            uow.accounts.user_by_id(who)
            if isinstance(who, int)
            else uow.accounts.user_by_email(who)
        )
        if user is None or (by is not None and by.user_id != user.id):
            raise NotFound(
                Msg("no user of your organization has the id %(id)s", id=who)
                if isinstance(who, int)
                else Msg("no user has the email %(email)s", email=who)
            )
        uow.accounts.set_user(user.org_id, user.id, language=language)
    return dataclasses.replace(user, language=language)


def end_sessions(db: Backend, user_id: int) -> None:
    """Signs the user out everywhere (sign-out)."""
    with db.writing() as uow:
        uow.accounts.end_sessions(user_id)


def list_tokens(db: Backend, *, org_name: str | None = None) -> list[TokenListing]:
    with db.reading() as uow:
        org_id = None if org_name is None else _org_named(uow, org_name).id
        return uow.accounts.tokens(org_id)


def revoke_tokens(
    db: Backend,
    *,
    token_ids: Sequence[int] = (),
    user_email: str | None = None,
    token: str | None = None,
) -> int:
    """Revokes tokens by id, all of a user's, or one by its value; returns how many were
    revoked now (a token revoked before is not counted again)."""
    if not token_ids and user_email is None and token is None:
        raise UsageError(Msg("name the tokens to revoke: token ids, --as EMAIL or --token TOKEN"))
    with db.writing() as uow:
        missing = sorted(set(token_ids) - uow.accounts.token_ids(token_ids))
        if missing:
            raise NotFound(Msg("no token has the id %(ids)s", ids=", ".join(map(str, missing))))
        user_id = None if user_email is None else _target(uow, user_email, None).id
        digest = token_hash(token.strip()) if token is not None else None
        if digest is not None and uow.accounts.token_by_hash(digest) is None:
            raise NotFound(Msg("that token is not one of this database's"))
        return uow.accounts.revoke_tokens(
            utcnow(), ids=token_ids, user_id=user_id, token_hash=digest
        )
