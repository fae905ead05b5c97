"""Security headers on every answer, set in one place.

Pages get a Content-Security-Policy that allows scripts, styles and images from
this site only: no inline script, no `on…=` handler, no `eval`, so an injected
`<script>` cannot run even if escaping were ever missed. htmx and Swagger UI are
vendored under /static for that reason. The JSON API and files are never meant
to be rendered or framed: they get `default-src 'none'`. Everything gets
`X-Content-Type-Options: nosniff`, so a browser never guesses a type we did not say.

A header a route set itself (the pages' `render.PAGE_HEADERS`, the API docs page)
is left as it is.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"

_COMMON = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith("/api/")
        policy = API_POLICY if api else PAGE_POLICY

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in (*_COMMON.items(), ("Content-Security-Policy", policy)):
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)
