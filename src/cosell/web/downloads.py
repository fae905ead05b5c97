"""File answers for the API and the pages: the right content type and a download name
that survives any browser (an ASCII `filename` and the exact name in `filename*`, RFC 6266)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath
from urllib.parse import quote

from fastapi.responses import Response, StreamingResponse

from cosell.services.exports import CONTENT_TYPES


def download(name: str, data: bytes | Iterator[bytes], fmt: str) -> Response:
    """`data` as an attachment named `name`, its suffix set to `fmt` (csv or xlsx); bytes
    given a part at a time (a big stored file) are streamed as they are read."""
    name = str(PurePath(PurePath(name).name or "download").with_suffix(f".{fmt}"))
    plain = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
    headers = {"Content-Disposition": disposition, "Cache-Control": "no-store"}
    if not isinstance(data, bytes):
        return StreamingResponse(data, media_type=CONTENT_TYPES[fmt], headers=headers)
    return Response(data, media_type=CONTENT_TYPES[fmt], headers=headers)
