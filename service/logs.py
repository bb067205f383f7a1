"""Operational logs: one structlog JSON line per request on stderr, never personal data.

Separate from the audit journal (which holds the decisions): method, path template, status,
duration and workspace, nothing from the body, the query string or the headers. The
middleware is plain ASGI (no per-request task as ``BaseHTTPMiddleware`` would add).
"""

from __future__ import annotations

import sys
import time
from typing import Any

import orjson
import structlog


def make_logger() -> Any:
    """A JSON-lines logger writing to stderr, built explicitly (no global configuration)."""
    return structlog.wrap_logger(
        structlog.PrintLogger(sys.stderr),
        processors=[
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="horodatage"),
            structlog.processors.EventRenamer("evenement"),
            structlog.processors.JSONRenderer(serializer=lambda d, **_: orjson.dumps(d).decode()),
        ],
        context_class=dict,
    )


class RequestLog:
    """ASGI middleware: logs each HTTP request once it is answered."""

    def __init__(self, app: Any, logger: Any) -> None:
        self.app, self.logger = app, logger

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [500]

        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.logger.info(
                "requete",
                methode=scope["method"],
                chemin=_template(scope),
                statut=status[0],
                duree_ms=round((time.perf_counter() - started) * 1000, 2),
                espace=scope.get("tamis_espace"),
            )


def _template(scope: dict) -> str:
    """The route's template (``/v1/espaces/{espace}/decisions/{identifiant}``): an
    invitation id in the path is personal data, the template is not."""
    route = scope.get("route")
    return getattr(route, "path", None) or "(chemin inconnu)"
