"""HTML error pages for everything outside /api/ (403, 404, 405, 422, 429, 500, 503).

`problems.install` answers the API with JSON problem objects and calls
`app.state.render_error` for a `CosellError` raised by a page. Here the
handlers for unknown routes, invalid requests and unexpected exceptions are
wrapped: the API keeps its JSON answers, pages get a page.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cosell.i18n import N_, Msg, term, translate
from cosell.web.problems import problem
from cosell.web.security import actor_from_request
from cosell.web.ui.render import html

log = logging.getLogger("cosell.web")

Handler = Callable[[Request, Any], Response | Awaitable[Response]]

#: The error pages' titles (English; shown translated). Other statuses take the title
#: they are given (`problems.STATUS`'s, marked there).
_TITLES = {
    400: N_("Bad request"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not allowed here"),
    409: N_("Conflict"),
    413: N_("File too large"),
    422: N_("Something in the request is not right"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("Temporarily unavailable"),
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def render_error(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """An error page in the layout, in the reader's language (`message` is shown
    translated when it is an `i18n.Msg`); shows the navigation when the user is signed in."""
    title = term(_TITLES.get(status, title))
    try:
        actor = actor_from_request(request)
    except Exception:
        actor = None
    try:
        return html(
            request,
            "error.html",
            actor=actor,
            status=status,
            title=title,
            message=message,
            code=status,
        )
    except Exception:  # the layout itself failed (say, the database is down)
        log.exception("the error page could not be rendered")
        body = f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
        return HTMLResponse(f"{body}<p>{escape(translate(message))}</p>", status_code=status)


async def _answer(handler: Handler, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    return await result if inspect.isawaitable(result) else result


def install(app: FastAPI) -> None:
    app.state.render_error = render_error
    api_http: Handler | None = app.exception_handlers.get(StarletteHTTPException)
    api_invalid: Handler | None = app.exception_handlers.get(RequestValidationError)
    api_unexpected: Handler | None = app.exception_handlers.get(Exception)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _is_api(request) and api_http is not None:
            return await _answer(api_http, request, exc)
        message: str
        if exc.status_code == 404:
            message = Msg("There is no page at %(path)s.", path=request.url.path)
        else:
            message = str(exc.detail)
        return render_error(request, exc.status_code, str(exc.detail), message)

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _is_api(request) and api_invalid is not None:
            return await _answer(api_invalid, request, exc)
        issues = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', '')}"
            for e in exc.errors()
        ]
        return render_error(request, 422, N_("Invalid request"), "; ".join(issues))

    async def unexpected(request: Request, exc: Exception) -> Response:
        if _is_api(request) and api_unexpected is not None:
            return await _answer(api_unexpected, request, exc)
        # No logging here: Starlette re-raises after this answer, and the server logs it.
        message = Msg(
            "The request could not be completed because of an internal error. "
            "Nothing was lost; please try again, and tell your administrator if it happens again."
        )
        if _is_api(request):
            return problem(500, "Internal error", message)
        return render_error(request, 500, N_("Internal error"), message)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, unexpected)
