"""The JSON API under /api/v1 (rules §5.2). Each module adds its routes to `router`.

Authentication: `Authorization: Bearer <token>` (`cosell token create --as EMAIL`),
or the browser session, whose unsafe requests must echo the `X-CSRF-Token` header.
Errors are problem objects (`application/problem+json`); anything of another
organization, or not visible to a Referrals user, is 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Security
from fastapi.security import HTTPBearer

from cosell.web.api import files, mappings, referrals
from cosell.web.api.common import errors

#: Documents the bearer scheme in OpenAPI (and the docs' Authorize button); the token
#: itself is checked by `CurrentActor`, which also accepts the session cookie.
_bearer = HTTPBearer(auto_error=False, description="an API token: cosell token create")

router = APIRouter()
for _module in (referrals, files, mappings):
    router.include_router(_module.router, dependencies=[Security(_bearer)], responses=errors(401))
