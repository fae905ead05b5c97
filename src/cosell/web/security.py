"""Sign-in sessions, API tokens, CSRF protection and the sign-in throttle.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure behind HTTPS) holding
the user id, the user's session version and a per-session CSRF token; nothing secret
is in them. The version is compared with the user's at every request: sign-out, a
new password, a role change and deactivation raise it, so a copied cookie stops
working at once, on the server's word and not the browser's. Signing out therefore
ends the user's sessions on every device. Every form
and every state-changing request made with the session must echo that token —
as the `csrf_token` form field or the `X-CSRF-Token` header (htmx sends it). A
site that tricks the browser into posting cannot read the token, so it cannot
forge the request; SameSite=Lax is a second fence, not the only one. Requests
authenticated by a bearer token carry no ambient credentials and need no CSRF token.
A revoked token, or a token of a deactivated user, is refused at its next request.

Sign-in does one argon2 verify whatever the email (see `passwords.verify_password`),
outside any write transaction, so neither its time nor a stalled import tells whether
an account exists. Failed attempts are counted per email *and* client address: five
in 15 minutes lock that pair out, so a guesser elsewhere cannot lock the owner out.
Each address gets `ADDRESS_FREE_FAILURES` failures (over any emails) in the window;
after that it must wait 1, 2, 4 … seconds (at most 15 minutes) between attempts,
answered with 429 and `Retry-After` rather than a sleep that would hold a worker thread.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, Connection, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from cosell.domain.enums import Role
from cosell.errors import NotAuthenticated, PermissionDenied, TooManyAttempts
from cosell.services.actor import Actor
from cosell.services.clock import utcnow
from cosell.services.passwords import token_hash, verify_password
from cosell.store import accounts
from cosell.store.db import Database
from cosell.store.models import LoginAttempt, Setting, table_of
from cosell.web.context import AppContext, get_ctx

COOKIE = "cosell_session"
SESSION_SECONDS = 12 * 3600
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
ADDRESS_FREE_FAILURES = 10
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Session:
    user_id: int
    csrf: str
    #: the user's session version when it started (cookies made before versions: 0)
    version: int = 0


def secret_key(db: Database, configured: str | None) -> str:
    """The configured key, or one generated once and kept in the database."""
    if configured:
        return configured
    table = table_of(Setting)
    for _ in range(3):
        try:
            with db.write() as conn:
                key = select(table.c.value).where(table.c.key == "secret_key")
                value = conn.execute(key).scalar()
                if value is None:
                    value = secrets.token_urlsafe(48)
                    conn.execute(insert(table).values(key="secret_key", value=value))
            return str(value)
        except IntegrityError:
            # Another process, starting at the same time, stored its key first: read it.
            continue
    raise RuntimeError("the secret key could not be stored or read")


def _serializer(ctx: AppContext) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(ctx.secret_key, salt="cosell-session")


def read_session(request: Request) -> Session | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(get_ctx(request)).loads(raw, max_age=SESSION_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or "uid" not in data or "csrf" not in data:
        return None
    try:
        return Session(int(data["uid"]), str(data["csrf"]), int(data.get("sv", 0)))
    except (TypeError, ValueError):
        return None


def start_session(request: Request, response: Response, user: accounts.UserRecord) -> Session:
    session = Session(user.id, secrets.token_urlsafe(24), user.session_version)
    value = _serializer(get_ctx(request)).dumps(
        {"uid": user.id, "csrf": session.csrf, "sv": session.version}
    )
    response.set_cookie(
        COOKIE,
        value,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return session


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def check_csrf(request: Request, session: Session, form_token: str | None = None) -> None:
    given = form_token or request.headers.get("x-csrf-token") or ""
    if not hmac.compare_digest(given.encode(), session.csrf.encode()):
        raise PermissionDenied(
            "the form has expired or did not come from this site; reload the page and try again"
        )


def actor_from_request(request: Request) -> Actor:
    """The acting user: a bearer token, else the session cookie. Raises NotAuthenticated."""
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        return _token_actor(get_ctx(request).db, header[7:].strip())
    actor, session = session_actor(request)
    if request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
        check_csrf(request, session)
    return actor


def _token_actor(db: Database, token: str) -> Actor:
    with db.read() as conn:
        found = accounts.token_by_hash(conn, token_hash(token))
        if found is None:
            raise NotAuthenticated("the API token is not valid")
        if found.revoked_at is not None:
            raise NotAuthenticated("the API token was revoked")
        if found.kind == "integration":
            return Actor(None, found.org_id, Role.ADMIN, "integration", "Microsoft", True)
        user = accounts.user_by_id(conn, found.user_id or 0)
    if user is None or not user.is_active:
        raise NotAuthenticated("the API token's user is no longer active")
    return user.actor()


def session_actor(request: Request) -> tuple[Actor, Session]:
    """The signed-in user of the session cookie (never a bearer token), with the session.
    Raises NotAuthenticated when the session has ended or the user is inactive."""
    session = read_session(request)
    if session is None:
        raise NotAuthenticated("sign in first")
    with get_ctx(request).db.read() as conn:
        user = accounts.user_by_id(conn, session.user_id)
    if user is None or not user.is_active or user.session_version != session.version:
        raise NotAuthenticated("sign in first")
    return user.actor(), session


def sign_in(db: Database, email: str, password: str, address: str) -> accounts.UserRecord | None:
    """The user if the password is right, else None; raises TooManyAttempts.

    The attempt is counted (in a short write that also checks the throttle, so parallel
    guesses cannot slip past it) before the password is verified outside any
    transaction; a success then clears the failures of this email and address."""
    key = email.strip().casefold()
    table = table_of(LoginAttempt)
    pair = (table.c.email_key == key) & (table.c.address == address)
    now = utcnow()
    with db.write() as conn:
        conn.execute(delete(table).where(table.c.at < now - FAILURE_WINDOW))
        _throttle(conn, pair, table.c.address == address, now)
        conn.execute(insert(table).values(email_key=key, address=address, at=now))
        user = accounts.user_by_email(conn, key)
    usable = user is not None and user.is_active
    if not verify_password(user.password_hash if user and usable else None, password):
        return None
    with db.write() as conn:
        conn.execute(delete(table).where(pair))
    return user


def _throttle(
    conn: Connection, pair: ColumnElement[bool], from_address: ColumnElement[bool], now: dt.datetime
) -> None:
    table = table_of(LoginAttempt)
    if conn.execute(select(func.count()).select_from(table).where(pair)).scalar_one() >= (
        MAX_FAILURES
    ):
        raise TooManyAttempts(
            "too many failed sign-ins for this email; wait 15 minutes and try again",
            int(FAILURE_WINDOW.total_seconds()),
        )
    count, last = conn.execute(select(func.count(), func.max(table.c.at)).where(from_address)).one()
    if count < ADDRESS_FREE_FAILURES or last is None:
        return
    wait = min(2 ** (count - ADDRESS_FREE_FAILURES), int(FAILURE_WINDOW.total_seconds()))
    left = int((last + dt.timedelta(seconds=wait) - now).total_seconds())
    if left > 0:
        raise TooManyAttempts(
            "too many failed sign-ins from this address; "
            f"wait {left} second{'s' if left != 1 else ''} and try again",
            left,
        )
