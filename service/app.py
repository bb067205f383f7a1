"""The HTTP application: FastAPI routes over the workspaces, under two sets of paths.

Built by ``create_app`` from open ``Workspaces`` (start-up has already checked every policy
and opened every journal). Every route exists twice: under ``/v1/espaces/{espace}/…`` and,
for the workspace ``defaut``, without the prefix. ``need(right)`` is the dependency that
authorises a request and gives its route the workspace (``auth``).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from tamis.audit.errors import JournalUnavailable
from tamis.service import (
    api_advice,
    api_decisions,
    api_docs,
    api_journal,
    api_ops,
    api_policy,
    errors,
    flat_routes,
    sealing,
    web_pages,
)
from tamis.service.auth import authorize
from tamis.service.calls import JournalError
from tamis.service.config import DEFAULT_WORKSPACE, WORKSPACE_PREFIX, Limits
from tamis.service.errors import ApiError, error_response
from tamis.service.head import HeadAsGet
from tamis.service.hosts import LoopbackHost
from tamis.service.logs import RequestLog, name_workspace
from tamis.service.metrics import Metrics
from tamis.service.parameters import known_parameters
from tamis.service.tokens import Right
from tamis.service.web_session import Sessions, session_key
from tamis.service.workspaces import Workspace, Workspaces

DESCRIPTION = (
    "Décisions sur les invitations LinkedIn selon une politique tamis ; chaque décision est "
    "inscrite au journal d'audit avant la réponse. Voir docs/service.md."
)


def prefixed(right: Right) -> Callable[..., Any]:
    async def workspace(request: Request, espace: str) -> Workspace:
        return await _authorize(request, espace, right)

    return workspace


def unprefixed(right: Right) -> Callable[..., Any]:
    async def workspace(request: Request) -> Workspace:
        return await _authorize(request, DEFAULT_WORKSPACE, right)

    return workspace


async def _authorize(request: Request, name: str, right: Right) -> Workspace:
    """The workspace, then the query's parameter names: the resource is judged first (404,
    401, 403), its parameters after (400), as their values are (FastAPI checks those once
    every dependency is solved), whatever else is wrong with the request."""
    state = request.app.state
    name_workspace(request.scope, state.workspaces, name)
    workspace = authorize(state.workspaces, name, request.headers.get("authorization"), right)
    await known_parameters(request)
    return workspace


RETRY_AFTER_SECONDS = 2  # what a 503 for a journal out of reach tells clients to wait

_UNAVAILABLE = (
    "journal momentanément injoignable (base de données arrêtée ou en redémarrage) : aucune "
    f"décision n'est confirmée ; renvoyez la même requête dans {RETRY_AFTER_SECONDS} s"
)


_PAGE_UNAVAILABLE = {
    True: "Le journal est momentanément injoignable (base de données arrêtée ou en "
    f"redémarrage) : aucune décision n'est confirmée. Réessayez dans {RETRY_AFTER_SECONDS} s.",
    False: "Le journal est inutilisable ; l'opérateur du service en trouvera la cause dans ses "
    "journaux. Aucune décision n'est confirmée.",
}
"""What a web page says of a journal out of reach (True) or out of use (False)."""


async def _journal_error(request: Request, error: Exception) -> Response:
    """A journal that cannot be written or read: 503, nothing decided is acknowledged; the
    detail (a path, a line, a URL without its password) is logged for the operator, not sent
    to the client. A journal out of reach for now (``JournalUnavailable``) adds
    ``Retry-After``: the same request may succeed once the server is back. A web page gets
    the same status and headers, as a French page (``web_pages.unavailable``)."""
    request.app.state.logger.error("journal_inutilisable", detail=str(error))
    out_of_reach = isinstance(error, JournalUnavailable)
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)} if out_of_reach else {}
    if web_pages.is_page(request):
        return web_pages.unavailable(request, _PAGE_UNAVAILABLE[out_of_reach], retry)
    if out_of_reach:
        return error_response(ApiError(503, _UNAVAILABLE, "journal", headers=retry))
    message = "journal inutilisable ; l'opérateur du service en trouvera la cause dans ses journaux"
    return error_response(ApiError(503, message, None))


def routes(need: Callable[[Right], Any], prefix: str = "") -> APIRouter:
    router = APIRouter(prefix=prefix)  # every route's workspace dependency checks its parameters
    api_decisions.register(router, need)
    api_journal.register(router, need)
    api_policy.register(router, need)
    api_advice.register(router, need)
    sealing.register(router, need)
    return router


def create_app(
    workspaces: Workspaces, limits: Limits, logger: Any, *, supervised: bool = False
) -> FastAPI:
    """The app; ``supervised``: one of several worker processes (``--processus N``)."""
    app = FastAPI(
        title="tamis",
        version=version("tamis"),
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,  # a path with a final « / » is a 404 that says so (errors)
    )
    app.state.workspaces, app.state.limits, app.state.logger = workspaces, limits, logger
    app.state.metrics, app.state.supervised = Metrics(), supervised
    app.state.query_parameters = {}  # each route's, read once from its OpenAPI operation
    app.state.warn = lambda message: logger.warning("avertissement", message=message)
    errors.install(app, web_pages.refusal)
    app.add_exception_handler(JournalError, _journal_error)
    ops = APIRouter()
    api_ops.register(ops)
    flat_routes.include(app, ops)
    flat_routes.include(app, routes(prefixed, WORKSPACE_PREFIX))
    flat_routes.include(app, routes(unprefixed))
    web_pages.install(app, Sessions(session_key()))
    api_docs.install(app)
    if not workspaces.config.guarded:  # trusting whoever reaches it: this machine only
        app.add_middleware(LoopbackHost)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RequestLog, logger=logger, metrics=app.state.metrics)
    return app
