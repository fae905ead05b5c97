"""File answers: the right content type and a download name that survives any browser."""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import quote

from fastapi.responses import Response

from cosell.services.exports import CONTENT_TYPES


def _ascii(name: str) -> str:
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_. ") else "_" for c in name)
    return safe.strip() or "download"


def file_response(name: str, data: bytes, fmt: str) -> Response:
    """`data` as an attachment named `name` with the suffix of `fmt` (csv or xlsx)."""
    name = str(PurePath(name).with_suffix(f".{fmt}"))
    disposition = f"attachment; filename=\"{_ascii(name)}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        data,
        media_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )
