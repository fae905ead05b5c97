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

Who a password, a token or a session's user is, the sign-in throttle and the generated
secret key are the service's (`services.sign_in`); this module turns its answers into
cookies and HTTP errors (401, and 429 with `Retry-After`).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cosell.domain.actor import Actor
from cosell.errors import NotAuthenticated, PermissionDenied, TooManyAttempts
from cosell.i18n import Msg
from cosell.services import sign_in as signing_in
from cosell.services.sign_in import Refused, Throttled
from cosell.services.uow import Backend, UserRecord
from cosell.web.context import AppContext, get_ctx

COOKIE = "cosell_session"
SESSION_SECONDS = 12 * 3600
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Session:
    user_id: int
    csrf: str
    #: the user's session version when it started (cookies made before versions: 0)
    version: int = 0


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


def start_session(request: Request, response: Response, user: UserRecord) -> Session:
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
            Msg(
                "the form has expired or did not come from this site; reload the page and try again"
            )
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


def _token_actor(db: Backend, token: str) -> Actor:
    found = signing_in.token_actor(db, token)
    if isinstance(found, Refused):
        raise NotAuthenticated(found.message)
    return found


def session_actor(request: Request) -> tuple[Actor, Session]:
    """The signed-in user of the session cookie (never a bearer token), with the session.
    Raises NotAuthenticated when the session has ended or the user is inactive."""
    session = read_session(request)
    if session is None:
        raise NotAuthenticated("sign in first")
    actor = signing_in.session_user(get_ctx(request).db, session.user_id, session.version)
    if actor is None:
        raise NotAuthenticated("sign in first")
    return actor, session


def sign_in(db: Backend, email: str, password: str, address: str) -> UserRecord | None:
    """The user if the password is right, else None; raises TooManyAttempts
    (`services.sign_in.sign_in`)."""
    found = signing_in.sign_in(db, email, password, address)
    if isinstance(found, Throttled):
        raise TooManyAttempts(found.message, found.retry_after)
    return found
