"""File answers for the API and the pages: the right content type and a download name
that survives any browser (an ASCII `filename` and the exact name in `filename*`, RFC 6266)."""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import quote

from fastapi.responses import Response

from cosell.services.exports import CONTENT_TYPES


def download(name: str, data: bytes, fmt: str) -> Response:
    """`data` as an attachment named `name`, its suffix set to `fmt` (csv or xlsx)."""
    name = str(PurePath(PurePath(name).name or "download").with_suffix(f".{fmt}"))
    plain = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
    return Response(
        data,
        media_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )
