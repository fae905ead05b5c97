"""Who may submit a page form: a signed-in user whose form carries the session's CSRF token.

Pages are read with `CurrentActor`. Every POST from a page goes through
`FormActor`, which also checks the token — the `csrf_token` form field, or the
`X-CSRF-Token` header htmx sends (set once on <body> with `hx-headers`).
A bearer token does not open the pages' forms: they belong to the browser session,
whose user is the one acting even when the request also carries a token.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from cosell.domain.actor import Actor
from cosell.errors import PermissionDenied
from cosell.i18n import Msg
from cosell.web.security import check_csrf, read_session, session_actor

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _form_actor(request: Request) -> Actor:
    if read_session(request) is None and request.headers.get("authorization"):
        raise PermissionDenied(Msg("an API token cannot submit the pages' forms; use the API"))
    actor, session = session_actor(request)
    token = request.headers.get("x-csrf-token")
    if not token and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        value = (await request.form()).get("csrf_token")
        token = value if isinstance(value, str) else None
    check_csrf(request, session, token)
    return actor


FormActor = Annotated[Actor, Depends(_form_actor)]


def came_from(request: Request, default: str = "/") -> str:
    """The page of this site the request came from (its Referer), else `default`."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc:
        return default
    return local_path(referer.path + (f"?{referer.query}" if referer.query else ""), default)


def local_path(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site, else `default` (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target
