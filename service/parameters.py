"""Unknown query parameters are refused, as ``tamis journal chercher`` refuses an unknown option.

A mistyped filter (``?decison=refuser``) would otherwise be ignored, and the whole journal
answered as if it had been filtered. ``known_parameters`` is the dependency of every API
route: the query parameters a route takes are the ones its OpenAPI operation lists (one
description of the routes, read once per route); any other is a 400 naming it, with the
closest known name.
"""

from __future__ import annotations

from fastapi import Request

from tamis.grammar.suggest import did_you_mean
from tamis.service.errors import ApiError

_SHOWN = 40  # characters of an unknown name shown at most


async def known_parameters(request: Request) -> None:
    allowed = _allowed(request)
    for name in request.query_params:
        if name not in allowed:
            raise unknown(name[:_SHOWN], allowed)


def unknown(name: str, allowed: frozenset[str]) -> ApiError:
    hint = did_you_mean(name, allowed)
    if hint is None:
        known = ", ".join(sorted(allowed))
        hint = f"ce chemin accepte : {known}" if known else "ce chemin n'en accepte aucun"
    return ApiError(400, f"paramètre inconnu « {name} » ; {hint}", name)


def _allowed(request: Request) -> frozenset[str]:
    """The query parameters of the request's route, from the app's OpenAPI description."""
    route = request.scope["route"]
    method = request.method.lower()
    cache = request.app.state.query_parameters  # (path, method) -> names
    key = (route.path, method)
    if key not in cache:
        operation = request.app.openapi()["paths"][route.path][method]
        parameters = operation.get("parameters", ())
        cache[key] = frozenset(p["name"] for p in parameters if p["in"] == "query")
    return cache[key]
