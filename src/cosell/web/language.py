"""The language of each request: set before any route runs, so every string a route
builds (`i18n._`) and every page it renders is in that language.

Order: the user's choice (kept on the user, and in the `cosell_lang` cookie that signing
in and choosing set), then the browser's `Accept-Language`, then English.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.requests import Request, cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cosell import i18n

#: The cookie that carries the user's chosen language between requests.
COOKIE = "cosell_lang"
#: A year: the choice is also kept on the user, and signing in sets the cookie again.
COOKIE_SECONDS = 365 * 86400

#: The languages the chooser offers, each named in its own language (not translated).
NAMES = {"en": "English", "nl": "Nederlands", "sv": "Svenska", "fr": "Français"}


def remember(response: Response, locale: str | None, request: Request) -> None:
    """Sets the cookie to the chosen `locale` (secure when `request` came over HTTPS);
    None (no choice) removes it."""
    if locale is None or locale not in i18n.LOCALES:
        response.delete_cookie(COOKIE, path="/")
        return
    response.set_cookie(
        COOKIE,
        locale,
        max_age=COOKIE_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def request_locale(headers: Mapping[str, str]) -> str:
    """The language of a request with these (lower-case) headers."""
    chosen = cookie_parser(headers.get("cookie", "")).get(COOKIE)
    if chosen in i18n.LOCALES:
        return chosen
    return i18n.best_match(headers.get("accept-language")) or i18n.DEFAULT_LOCALE


class RequestLanguage:
    """ASGI middleware: runs each HTTP request in its language (`i18n.use_locale`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with i18n.use_locale(request_locale(Headers(scope=scope))):
            await self.app(scope, receive, send)
