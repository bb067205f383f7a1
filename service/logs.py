"""Operational logs: one structlog JSON line per request on stderr, never personal data;
the same middleware feeds the latency, refused-request and server-error metrics.

Separate from the audit journal (which holds the decisions): method, path template, status,
duration and workspace, nothing from the body, the query string or the headers. The
middleware is plain ASGI (no per-request task as ``BaseHTTPMiddleware`` would add).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
import traceback
from typing import Any

import orjson
import structlog
from starlette.routing import Match

from tamis.service.config import WORKSPACE_PREFIX


def make_logger() -> Any:
    """A JSON-lines logger writing to stderr, built explicitly (no global configuration).
    Each line is written whole, its line break with it (``WriteLogger``; ``PrintLogger``
    writes the break apart): the workers of ``--processus N`` share one stderr."""
    return structlog.wrap_logger(
        structlog.WriteLogger(sys.stderr),
        processors=[
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="horodatage"),
            structlog.processors.EventRenamer("evenement"),
            structlog.processors.JSONRenderer(serializer=lambda d, **_: orjson.dumps(d).decode()),
        ],
        context_class=dict,
    )


_SERVER_MESSAGES = {
    "Invalid HTTP request received.": "requête HTTP illisible, refusée (400)",
    "Exception in ASGI application": "erreur interne du service (500)",
    "Cancel %s running task(s), timeout graceful shutdown exceeded": "délai de grâce de "
    "l'arrêt écoulé : {} requête(s) en cours interrompue(s)",
}
"""uvicorn's messages a service meets, in French (by their text, or their format and its
arguments); any other is logged as uvicorn wrote it."""

CUT_SHORT = "_tamis_statut_envoye"
"""Set by ``RequestLog`` on an error raised once the answer's status had gone: the status."""


class ServerMessages(logging.Handler):
    """uvicorn's own messages (a request its parser refused, an error that escaped the app)
    as JSON lines of this log, instead of Python's plain-text last resort on stderr, which a
    collector reading one JSON object per line would drop or choke on. An error keeps its
    type and its frames, not its message, which may quote personal data."""

    def __init__(self, logger: Any) -> None:
        super().__init__(logging.WARNING)
        self.logger = logger

    def emit(self, record: logging.LogRecord) -> None:
        raised = record.exc_info[1] if record.exc_info else None
        if isinstance(raised, asyncio.CancelledError):
            return  # a request interrupted as the service stopped: ``requete_interrompue``
        error = record.levelno >= logging.ERROR
        fields: dict[str, object] = {
            "message": _worded(record, raised),
            "niveau": "erreur" if error else "avertissement",
        }
        if raised is not None:
            fields.update(failure(raised))
        self.logger.msg("serveur_http", **fields)


def _worded(record: logging.LogRecord, raised: BaseException | None) -> str:
    """uvicorn's message in French (``_SERVER_MESSAGES``). An error it logs once the answer
    had begun is no 500 (« Exception in ASGI application » is said of both): the client
    has its status, and uvicorn closes the connection before the end of the body."""
    sent = getattr(raised, CUT_SHORT, None)
    if sent is not None:
        return (
            f"réponse interrompue après son statut ({sent}) : une erreur pendant l'envoi de "
            "son corps ; aucune réponse 500 n'a été envoyée"
        )
    if isinstance(record.msg, str) and record.args and record.msg in _SERVER_MESSAGES:
        return _SERVER_MESSAGES[record.msg].format(*record.args)
    message = record.getMessage().strip()  # uvicorn ends some with a line break
    return _SERVER_MESSAGES.get(message, message)


def failure(error: BaseException) -> dict[str, object]:
    """An error as a log line gives it: its type and its frames, not its message, which may
    quote personal data."""
    return {
        "exception": type(error).__name__,
        "pile": [
            f"{frame.filename}:{frame.lineno} {frame.name}"
            for frame in traceback.extract_tb(error.__traceback__)
        ],
    }


def route_server_messages(logger: Any) -> None:
    """Send uvicorn's messages (warnings and errors) through ``logger`` only."""
    server = logging.getLogger("uvicorn")
    server.handlers[:] = [ServerMessages(logger)]
    server.setLevel(logging.WARNING)
    server.propagate = False


REFUSED = range(400, 500)  # every refusal: body, token, workspace, Idempotency-Key…
FAILED = range(500, 600)  # the service's: an unexpected error, a journal out of use…
WORKSPACE_KEY = "tamis_espace"  # in the request's scope: the workspace it was for
STOPPING = {
    "erreur": "le service s'arrête : requête interrompue avant sa réponse ; elle a pu être prise "
    "en compte, vérifiez-le avant de la renvoyer (avec Idempotency-Key, un renvoi n'est pas "
    "décidé deux fois)"
}
"""The 503 of a request interrupted before its answer began: the service stops."""


class RequestLog:
    """ASGI middleware: logs each HTTP request once it is answered. A request still running
    when a stop's grace ends is cancelled by uvicorn (``asyncio.CancelledError``): it is no
    error of the service, and was logged and counted as a 500, uvicorn answering its own
    « Internal Server Error ». It is now one ``requete_interrompue`` line, counted in no
    metric (the process stops, no one would read it); one not yet answered gets a 503 in
    French (``STOPPING``) with ``Connection: close``."""

    def __init__(self, app: Any, logger: Any, metrics: Any) -> None:
        self.app, self.logger, self.metrics = app, logger, metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status, asked = time.perf_counter(), [500], {**scope}  # before a Mount edits it
        begun, interrupted = [False], False

        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start":
                status[0], begun[0] = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except asyncio.CancelledError:
            interrupted = True
            if not begun[0]:
                with contextlib.suppress(Exception):  # the client gone: nothing to say to it
                    await _stopping(sending)
            raise
        except BaseException as error:
            if begun[0]:  # no 500 was sent: ``ServerMessages`` says what was
                with contextlib.suppress(AttributeError):  # an error without attributes
                    setattr(error, CUT_SHORT, status[0])
            raise
        finally:
            seconds, path = time.perf_counter() - started, _template(scope, asked)
            workspace, method = scope.get(WORKSPACE_KEY), scope["method"]
            fields = {
                "methode": method,
                "chemin": path,
                "statut": status[0],
                "duree_ms": round(seconds * 1000, 2),
                "espace": workspace,
            }
            if interrupted:  # the CancelledError goes on: uvicorn closes the connection
                self.logger.warning("requete_interrompue", **fields, message=INTERRUPTED)
            else:
                self._answered(fields, seconds)

    def _answered(self, fields: dict[str, Any], seconds: float) -> None:
        """A request answered: its ``requete`` line, its latency, and its refusal (4xx) or
        error (5xx) counted by route."""
        self.logger.info("requete", **fields)
        method, path, status = fields["methode"], fields["chemin"], fields["statut"]
        workspace = fields["espace"]
        self.metrics.observed(method, path, seconds)
        if status in REFUSED:
            self.metrics.refused(workspace, method, path, status)
        elif status in FAILED:  # 500 too if an error escaped before any answer
            self.metrics.failed(workspace, method, path, status)


INTERRUPTED = "requête interrompue : le service s'arrêtait et le délai de grâce était écoulé"


async def _stopping(send: Any) -> None:
    """The 503 of a request interrupted before it was answered (``STOPPING``)."""
    body = orjson.dumps({**STOPPING, "champ": None})
    head = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": head})
    await send({"type": "http.response.body", "body": body})


def name_workspace(scope: dict, workspaces: Any, name: str) -> None:
    """Log the request as one for the workspace ``name`` (refused or not), if it exists: a
    name that no workspace has is whatever the client wrote, and is not logged."""
    if workspaces.get(name) is not None:
        scope[WORKSPACE_KEY] = name


def _template(scope: dict, asked: dict) -> str:
    """The route's template (``/decisions/{identifiant}``): an invitation id in the path is
    personal data, the template is not. The routes that do not name themselves in the
    request (``/openapi.json``, the static files) are found by matching the path as asked
    (``asked``) again, so that « (chemin inconnu) » is only said of paths no route serves.
    FastAPI's route knows its path without the prefix it was included under: a request under
    ``/v1/espaces/{espace}`` gets it back, or it would read as one to the workspace ``defaut``."""
    route = scope.get("route") or _served_by(asked)
    template = getattr(route, "path_format", None)  # no « :path »
    if template is None:
        return "(chemin inconnu)"
    prefixed = "espace" in scope.get("path_params", {}) and "{espace}" not in template
    return WORKSPACE_PREFIX + template if prefixed else template


def _served_by(scope: dict) -> Any:
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        if route.matches(scope)[0] == Match.FULL:
            return route
    return None
