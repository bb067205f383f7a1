"""``HEAD`` answered as ``GET`` without its body (RFC 9110, 9.3.2), for every route.

FastAPI routes only the methods a route names, so ``curl -I …/sante`` or a supervisor that
checks with ``HEAD`` would get a 405 from a route that answers ``GET``. This plain ASGI
middleware (under ``logs.RequestLog``, which logs the request as ``HEAD``) runs the request
as a ``GET`` and sends its status and headers, ``Content-Length`` included, with an empty
body. A path without ``GET`` still answers 405 with its ``Allow``.
"""

from __future__ import annotations

from typing import Any


class HeadAsGet:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        scope["method"] = "GET"

        async def headers_only(message: dict) -> None:
            if message["type"] == "http.response.start":
                scope["method"] = "HEAD"  # the server sends no body for a HEAD
                await send(message)
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                await send({"type": "http.response.body", "body": b""})

        try:
            await self.app(scope, receive, headers_only)
        finally:
            scope["method"] = "HEAD"
