"""Refuse oversized request bodies before they are buffered (HTTP 413).

A declared Content-Length over the limit is answered at once; a body sent
without one (chunked) is counted as it streams and cut off at the limit.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

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

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    refused = True
                    raise _TooLarge
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send)
        except Exception:
            if refused and not started:
                await self._refuse(scope, send)
            else:
                raise

    async def _refuse(self, scope: Scope, send: Send) -> None:
        limit = self.max_bytes / 1048576
        body: dict[str, Any] = {
            "type": "about:blank",
            "title": "Request body too large",
            "status": 413,
            "detail": f"The upload is larger than {limit:.0f} MiB; at most {limit:.0f} MiB "
            "can be processed.",
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


class _TooLarge(Exception):
    pass
