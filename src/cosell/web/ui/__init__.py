"""The server-rendered pages (SPEC §5.3). Each module adds its routes to `router`.

Pages are Jinja2 templates (`web/templates`) enhanced with htmx (a vendored file in
`web/static`, no build step): favorites toggle in place, the last processed
file card and the export notice poll while their job runs. Every page works
without JavaScript, only less live.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

router = APIRouter(include_in_schema=False)


def install(app: FastAPI) -> None:
    """HTML error pages for everything outside /api/; call after `problems.install`."""
    from cosell.web.ui import errors

    errors.install(app)


# The route modules register themselves on `router` when imported.
from cosell.web.ui import (  # noqa: E402
    admin,
    detail,
    exports,
    imports,
    opportunities,
    signin,
)

__all__ = ["admin", "detail", "exports", "imports", "install", "opportunities", "router", "signin"]
