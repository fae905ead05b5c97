"""Sign-in sessions, API tokens, CSRF protection and the sign-in throttle.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure behind HTTPS) holding
the user id and a per-session CSRF token; nothing secret is in them. Every form
and every state-changing request made with the session must echo that token —
as the `csrf_token` form field or the `X-CSRF-Token` header (htmx sends it). A
site that tricks the browser into posting cannot read the token, so it cannot
forge the request; SameSite=Lax is a second fence, not the only one. Requests
authenticated by a bearer token carry no ambient credentials and need no CSRF token.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, insert, select

from cosell.domain.enums import Role
from cosell.errors import CosellError, PermissionDenied
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
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class NotAuthenticated(CosellError):
    """No valid session or token (HTTP 401; pages redirect to sign-in)."""


class TooManyAttempts(CosellError):
    """Sign-in refused for a while after repeated failures (HTTP 429)."""


@dataclass(frozen=True, slots=True)
class Session:
    user_id: int
    csrf: str


def secret_key(db: Database, configured: str | None) -> str:
    """The configured key, or one generated once and kept in the database."""
    if configured:
        return configured
    table = table_of(Setting)
    with db.write() as conn:
        value = conn.execute(select(table.c.value).where(table.c.key == "secret_key")).scalar()
        if value is None:
            value = secrets.token_urlsafe(48)
            conn.execute(insert(table).values(key="secret_key", value=value))
    return str(value)


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
    return Session(int(data["uid"]), str(data["csrf"]))


def start_session(request: Request, response: Response, user_id: int) -> Session:
    session = Session(user_id, secrets.token_urlsafe(24))
    value = _serializer(get_ctx(request)).dumps({"uid": user_id, "csrf": session.csrf})
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
    ctx = get_ctx(request)
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        with ctx.db.read() as conn:
            found = accounts.token_by_hash(conn, token_hash(header[7:].strip()))
            if found is None:
                raise NotAuthenticated("the API token is not valid")
            org_id, user_id, kind = found
            if kind == "integration":
                return Actor(None, org_id, Role.ADMIN, "integration", "Microsoft", True)
            user = accounts.user_by_id(conn, user_id or 0)
        if user is None or not user.is_active:
            raise NotAuthenticated("the API token's user is no longer active")
        return user.actor()
    session = read_session(request)
    if session is None:
        raise NotAuthenticated("sign in first")
    with ctx.db.read() as conn:
        user = accounts.user_by_id(conn, session.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("sign in first")
    if request.method not in SAFE_METHODS and request.url.path.startswith("/api/"):
        check_csrf(request, session)
    return user.actor()


def sign_in(db: Database, email: str, password: str) -> accounts.UserRecord | None:
    """The user if the password is right; records failures and refuses after too many."""
    key = email.strip().casefold()
    table = table_of(LoginAttempt)
    now = utcnow()
    with db.write() as conn:
        conn.execute(delete(table).where(table.c.at < now - FAILURE_WINDOW))
        failures = conn.execute(
            select(func.count()).select_from(table).where(table.c.email_key == key)
        ).scalar_one()
        if failures >= MAX_FAILURES:
            raise TooManyAttempts(
                "too many failed sign-ins for this email; wait 15 minutes and try again"
            )
        user = accounts.user_by_email(conn, key)
        if user is not None and user.is_active and verify_password(user.password_hash, password):
            conn.execute(delete(table).where(table.c.email_key == key))
            return user
        conn.execute(insert(table).values(email_key=key, at=now))
    return None
