"""FastAPI dependencies shared by the API and the pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from cosell.services.actor import Actor
from cosell.web.context import AppContext, get_ctx
from cosell.web.security import actor_from_request


def _actor(request: Request) -> Actor:
    return actor_from_request(request)


CurrentActor = Annotated[Actor, Depends(_actor)]
Ctx = Annotated[AppContext, Depends(get_ctx)]
