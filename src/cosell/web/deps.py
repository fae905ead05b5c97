"""FastAPI dependencies shared by the API and the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cosell.domain.actor import Actor
from cosell.errors import PermissionDenied
from cosell.web.context import AppContext, get_ctx
from cosell.web.security import actor_from_request


def _actor(request: Request) -> Actor:
    """The acting user. The integration token stands for no person: it may use the API,
    never a page (the pages list people and their deals)."""
    actor = actor_from_request(request)
    if actor.integration and not request.url.path.startswith("/api/"):
        raise PermissionDenied("the integration token may use the API only, not the pages")
    return actor


CurrentActor = Annotated[Actor, Depends(_actor)]
Ctx = Annotated[AppContext, Depends(get_ctx)]
