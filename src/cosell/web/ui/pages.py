"""Every page's routes on one router, and the HTML error pages."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from cosell.web.ui import (
    admin,
    chooser,
    detail,
    edit,
    errors,
    exports,
    imports,
    mapping,
    opportunities,
    signin,
)

router = APIRouter(include_in_schema=False)
for _page in (admin, chooser, detail, edit, exports, imports, mapping, opportunities, signin):
    router.include_router(_page.router)


def install(app: FastAPI) -> None:
    """HTML error pages for everything outside /api/; call after `problems.install`."""
    errors.install(app)
