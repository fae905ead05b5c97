"""Refuse oversized request bodies before they are buffered (HTTP 413).

A declared Content-Length over the limit is answered at once; a body sent
without one (chunked) is counted as it streams and cut off at the limit. Once cut
off, whatever the application answers (FastAPI turns the broken body into a 400
"error parsing the body") is replaced by the 413: the size is the reason.

The API gets a JSON problem object; a page (an upload with JavaScript off) gets
the error page in the layout, with the same message.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cosell.i18n import Msg

log = logging.getLogger("cosell.web")

TITLE = "File too large"


def size_text(size: int) -> str:
    """As the file readers say it: "20 MiB", "21.3 MiB", "98 KiB"."""
    if size >= 1048576:
        return f"{size / 1048576:.1f}".removesuffix(".0") + " MiB"
    if size >= 1024:
        return f"{round(size / 1024)} KiB"
    return f"{size} bytes"


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, file_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        allowed = size_text(file_bytes or max_bytes)
        self.message = Msg(
            "The upload is larger than %(size)s; at most %(size)s can be processed.", size=allowed
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0
        refused = False
        started = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the application's answer to a cut-off body: ours replaces it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            if not refused:
                raise
        if refused and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        if not str(scope.get("path", "")).startswith("/api/") and await self._page(scope, send):
            return
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": "Request body too large",
            "status": 413,
            "detail": self.message,
        }
        data = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(data)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})

    async def _page(self, scope: Scope, send: Send) -> bool:
        """The error page, as every page's errors are shown; False when there is none."""
        app = scope.get("app")
        render = getattr(getattr(app, "state", None), "render_error", None)
        if render is None:
            return False

        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        response = render(Request(scope, no_body), 413, TITLE, self.message)
        response.headers["Connection"] = "close"
        await response(scope, no_body, send)
        return True


class _TooLarge(Exception):
    pass


async def file_parts(request: Request) -> int:
    """A dependency: how many files the request's form holds (FastAPI parsed the form
    already; this reads it again from the request's cache)."""
    if "multipart/form-data" not in request.headers.get("content-type", ""):
        return 0
    form = await request.form()
    return sum(1 for _, value in form.multi_items() if isinstance(value, UploadFile))


def too_many_files(count: int) -> str | None:
    """The message refusing an upload of `count` files; None for one (or none)."""
    if count <= 1:
        return None
    return Msg("Send one file per upload; this request holds %(count)s files.", count=count)
