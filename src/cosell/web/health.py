"""`GET /healthz` for load balancers and monitoring: no sign-in, no tenant data.

200 when the database answers and a worker beat recently (jobs will run), else 503;
the JSON body says which part is missing and how deep the queue is.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from cosell.services import health
from cosell.web.context import get_ctx

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz(request: Request) -> JSONResponse:
    found = await run_in_threadpool(health.check, get_ctx(request).db)
    return JSONResponse(
        found.to_json(),
        status_code=200 if found.ok else 503,
        headers={"Cache-Control": "no-store"},
    )
