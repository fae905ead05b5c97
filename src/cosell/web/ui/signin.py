"""Signing in and out.

There is no session before sign-in, so the sign-in form's CSRF token is tied to
a short-lived signed cookie of its own (a double submit): a foreign site can
neither read the token nor set the cookie, so it cannot sign a browser in to an
account of its choosing.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cosell.errors import TooManyAttempts
from cosell.i18n import _, translate
from cosell.services import accounts
from cosell.web import language
from cosell.web.context import get_ctx
from cosell.web.security import (
    actor_from_request,
    end_session,
    sign_in,
    start_session,
)
from cosell.web.ui.guard import FormActor, local_path
from cosell.web.ui.render import html

#: The routes of this page (`ui.pages` puts every page's together).
router = APIRouter(include_in_schema=False)

FORM_COOKIE = "cosell_signin"
FORM_SECONDS = 3600


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_ctx(request).secret_key, salt="cosell-signin-form")


def _form(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    error: str = "",
    status: int = 200,
) -> Response:
    token = secrets.token_urlsafe(24)
    response = html(
        request,
        "sign_in.html",
        status=status,
        form_token=token,
        next_path=next_path,
        email=email,
        error=error,
    )
    response.set_cookie(
        FORM_COOKIE,
        _serializer(request).dumps(token),
        max_age=FORM_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/sign-in",
    )
    return response


def _form_token_ok(request: Request, given: str) -> bool:
    raw = request.cookies.get(FORM_COOKIE, "")
    try:
        expected = str(_serializer(request).loads(raw, max_age=FORM_SECONDS))
    except BadSignature:
        return False
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def _signed_in(request: Request) -> bool:
    try:
        actor_from_request(request)
    except Exception:
        return False
    return True


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/") -> Response:
    target = local_path(next)
    if _signed_in(request):
        return RedirectResponse(target, status_code=303)
    return _form(request, next_path=target)


@router.post("/sign-in")
def sign_in_submit(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = local_path(next)
    if not _form_token_ok(request, csrf_token):
        return _form(
            request,
            next_path=target,
            email=email,
            error=_("The sign-in form had expired. Please try again."),
            status=403,
        )
    if not email.strip() or not password:
        return _form(
            request,
            next_path=target,
            email=email,
            error=_("Enter your email and your password."),
            status=422,
        )
    ctx = get_ctx(request)
    address = request.client.host if request.client else ""
    try:
        user = sign_in(ctx.db, email, password, address)
    except TooManyAttempts as exc:
        text = translate(exc.message)
        message = text[0].upper() + text[1:] + "."
        answer = _form(request, next_path=target, email=email, error=message, status=429)
        answer.headers["Retry-After"] = str(exc.retry_after)
        return answer
    if user is None:
        return _form(
            request,
            next_path=target,
            email=email,
            error=_("The email or the password is not right."),
            status=401,
        )
    response = RedirectResponse(target, status_code=303)
    start_session(request, response, user)
    if user.language is not None:  # the user's choice follows them to this browser
        language.remember(response, user.language, request)
    response.delete_cookie(FORM_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
def sign_out(request: Request, actor: FormActor) -> Response:
    """Ends the user's sessions on the server (on every device), not just this cookie."""
    if actor.user_id is not None:
        accounts.end_sessions(get_ctx(request).db, actor.user_id)
    response = RedirectResponse("/sign-in", status_code=303)
    end_session(response)
    return response
