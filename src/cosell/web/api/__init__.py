"""The JSON API under /api/v1 (SPEC §5.2). Each module adds its routes to `router`."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
