"""Who is signing in: passwords with the sign-in throttle, API tokens, sessions' users,
and the key that signs the session cookies (the web's `security` keeps the HTTP part).

Sign-in does one argon2 verify whatever the email (see `passwords.verify_password`),
outside any write transaction, so neither its time nor a stalled import tells whether
an account exists. Failed attempts are counted per email *and* client address: five
in 15 minutes lock that pair out, so a guesser elsewhere cannot lock the owner out.
Each address gets `ADDRESS_FREE_FAILURES` failures (over any emails) in the window;
after that it must wait 1, 2, 4 … seconds (at most 15 minutes) between attempts,
answered with `Throttled` (the web says 429 and `Retry-After`) rather than a sleep that
would hold a worker thread.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from cosell.domain.actor import Actor
from cosell.domain.enums import Role
from cosell.errors import ConcurrentChange
from cosell.i18n import Msg
from cosell.services.clock import utcnow
from cosell.services.passwords import token_hash, verify_password
from cosell.services.uow import Backend, SignInStore, UserRecord

MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
ADDRESS_FREE_FAILURES = 10
#: Processes that start together each try to store a key; the losers read the winner's.
_KEY_TRIES = 3


@dataclass(frozen=True, slots=True)
class Throttled:
    """A sign-in refused for a while after repeated failures: why, and after how many
    seconds to try again."""

    message: str
    retry_after: int


@dataclass(frozen=True, slots=True)
class Refused:
    """Credentials that name nobody who may act now, and why."""

    message: str


def secret_key(db: Backend, configured: str | None) -> str:
    """The configured key, or one generated once and kept in the database. Processes
    starting at the same time agree: the one that stores its key first wins, and the
    others read that key."""
    if configured:
        return configured
    for _ in range(_KEY_TRIES):
        try:
            with db.writing() as uow:
                value = uow.sign_ins.secret_key()
                if value is None:
                    value = secrets.token_urlsafe(48)
                    uow.sign_ins.keep_secret_key(value)
            return value
        except ConcurrentChange:
            # Another process, starting at the same time, stored its key first: read it.
            continue
    raise RuntimeError("the secret key could not be stored or read")


def sign_in(db: Backend, email: str, password: str, address: str) -> UserRecord | Throttled | None:
    """The user if the password is right, `Throttled` after too many failures, else None.

    The attempt is counted (in a short write that also checks the throttle, so parallel
    guesses cannot slip past it) before the password is verified outside any
    transaction; a success then clears the failures of this email and address."""
    key = email.strip().casefold()
    now = utcnow()
    with db.writing() as uow:
        uow.sign_ins.forget_attempts_before(now - FAILURE_WINDOW)
        throttled = _throttle(uow.sign_ins, key, address, now)
        if throttled is not None:
            return throttled
        uow.sign_ins.add_attempt(key, address, now)
        user = uow.accounts.user_by_email(key)
    usable = user is not None and user.is_active
    if not verify_password(user.password_hash if user and usable else None, password):
        return None
    with db.writing() as uow:
        uow.sign_ins.clear_attempts(key, address)
    return user


def _throttle(attempts: SignInStore, key: str, address: str, now: dt.datetime) -> Throttled | None:
    if attempts.attempts(key, address) >= MAX_FAILURES:
        return Throttled(
            Msg("too many failed sign-ins for this email; wait 15 minutes and try again"),
            int(FAILURE_WINDOW.total_seconds()),
        )
    count, last = attempts.attempts_from(address)
    if count < ADDRESS_FREE_FAILURES or last is None:
        return None
    wait = min(2 ** (count - ADDRESS_FREE_FAILURES), int(FAILURE_WINDOW.total_seconds()))
    left = int((last + dt.timedelta(seconds=wait) - now).total_seconds())
    if left > 0:
        message = (
            Msg("too many failed sign-ins from this address; wait 1 second and try again")
            if left == 1
            else Msg(
                "too many failed sign-ins from this address; wait %(seconds)s seconds and try "
                "again",
                seconds=left,
            )
        )
        return Throttled(message, left)
    return None


def token_actor(db: Backend, token: str) -> Actor | Refused:
    """Who an API token acts for: its user, or Microsoft for the integration token."""
    with db.reading() as uow:
        found = uow.accounts.token_by_hash(token_hash(token))
        if found is None:
            return Refused("the API token is not valid")
        if found.revoked_at is not None:
            return Refused("the API token was revoked")
        if found.kind == "integration":
            return Actor(None, found.org_id, Role.ADMIN, "integration", "Microsoft", True)
        user = uow.accounts.user_by_id(found.user_id or 0)
    if user is None or not user.is_active:
        return Refused("the API token's user is no longer active")
    return user.actor()


def session_user(db: Backend, user_id: int, version: int) -> Actor | None:
    """The user of a session started at `version` of the user's sessions, while it
    lasts (None once the user signed out, changed, or was deactivated)."""
    with db.reading() as uow:
        user = uow.accounts.user_by_id(user_id)
    if user is None or not user.is_active or user.session_version != version:
        return None
    return user.actor()
