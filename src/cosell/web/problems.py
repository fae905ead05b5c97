"""Errors as JSON problem objects (RFC 9457) for the API; the pages render their own."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cosell.errors import (
    Conflict,
    CosellError,
    DatabaseNotInitialized,
    DatabaseUnavailable,
    FileRejected,
    FileTooLarge,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    PreconditionRequired,
    RowErrors,
    StaleVersion,
    TooManyAttempts,
    UsageError,
)
from cosell.i18n import N_, Msg
from cosell.services.referral_input import field_name

log = logging.getLogger("cosell.web")

#: Seconds a client is asked to wait when the database cannot be reached.
UNAVAILABLE_RETRY_AFTER = 5

#: Each error's status and title; an error not listed takes its nearest ancestor's
#: (`status_of`). `DatabaseNotInitialized` is answered as an unavailable database.
#: The titles stay English in the API (it is for programs); the error pages show them
#: translated (`ui.errors`).
STATUS: dict[type[CosellError], tuple[int, str]] = {
    StaleVersion: (412, N_("Changed since read")),
    RowErrors: (422, N_("Invalid referral")),
    NotAuthenticated: (401, N_("Not signed in")),
    PermissionDenied: (403, N_("Not allowed")),
    NotFound: (404, N_("Not found")),
    Conflict: (409, N_("Conflict")),
    FileTooLarge: (413, N_("File too large")),
    FileRejected: (422, N_("File rejected")),
    UsageError: (400, N_("Bad request")),
    PreconditionRequired: (428, N_("If-Match required")),
    TooManyAttempts: (429, N_("Too many attempts")),
}


def status_of(exc: CosellError) -> tuple[int, str]:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400, "Bad request"


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _members(exc: CosellError) -> dict[str, Any]:
    """Members an error adds to its problem object: a `RowErrors` lists every error with
    its JSON field and file column."""
    if isinstance(exc, RowErrors):
        return {
            "errors": [
                {"field": field_name(e.column), "column": e.column or None, "message": e.message}
                for e in exc.errors
            ]
        }
    return {}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def install(app: FastAPI) -> None:
    @app.exception_handler(CosellError)
    async def _cosell(request: Request, exc: CosellError) -> Response:
        status, title = status_of(exc)
        if not _is_api(request) and isinstance(exc, NotAuthenticated):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/sign-in?next={quote(target, safe='/')}", status_code=303)
        if not _is_api(request):
            renderer = getattr(request.app.state, "render_error", None)
            if renderer is not None:
                return renderer(request, status, title, exc.message)  # type: ignore[no-any-return]
        return problem(status, title, exc.message, **_members(exc))

    async def _unavailable(request: Request, exc: Exception) -> Response:
        """The database cannot be reached (down, restarting), the pool is exhausted, or
        the tables are gone: 503, without a traceback; the pool's pre-ping recovers once
        it is back."""
        log.warning(
            "%s %s: the database is unavailable: %s",
            request.method,
            request.url.path,
            str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
        )
        status, title = 503, N_("Service unavailable")
        message = Msg(
            "The database cannot be reached right now. Nothing was lost; please try again shortly."
        )
        headers = {"Retry-After": str(UNAVAILABLE_RETRY_AFTER), "Cache-Control": "no-store"}
        answer: Response | None = None
        if not _is_api(request):
            renderer = getattr(request.app.state, "render_error", None)
            if renderer is not None:
                answer = renderer(request, status, title, message)
        if answer is None:
            answer = problem(status, title, message)
        answer.headers.update(headers)
        return answer

    # The store raises these for a lost connection, a pool with no connection to give, a
    # lock waited on too long, and missing tables.
    app.add_exception_handler(DatabaseUnavailable, _unavailable)
    app.add_exception_handler(DatabaseNotInitialized, _unavailable)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        issues = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{i['field']}: {i['message']}" for i in issues) or "invalid request"
        return problem(422, "Invalid request", detail, errors=issues)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return problem(exc.status_code, str(exc.detail), str(exc.detail))
