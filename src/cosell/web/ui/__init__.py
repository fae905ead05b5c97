"""The server-rendered pages (SPEC §5.3). Each module adds its routes to `router`."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
