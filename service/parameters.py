"""Unknown query parameters are refused, as ``tamis journal chercher`` refuses an unknown option.

A mistyped filter (``?decison=refuser``) would otherwise be ignored, and the whole journal
answered as if it had been filtered. ``known_parameters`` is called by every API route's
workspace dependency (``app``), once the workspace is judged: the query parameters a route
takes are the ones its OpenAPI operation lists (one description of the routes, read once per
route); any other is a 400 naming it, with the closest known name. A parameter that takes one
value (``limite``, ``expediteur``) given twice is a 400 too: FastAPI would keep the last one
and silently drop the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from fastapi import Request

from tamis.grammar.suggest import did_you_mean
from tamis.service.errors import ApiError, quoted

_SHOWN = 40  # characters of an unknown name shown at most


async def known_parameters(request: Request) -> None:
    allowed = _allowed(request)
    query = request.query_params
    for name in query:
        if name not in allowed:
            raise unknown(quoted(name, _SHOWN), allowed)
        if not allowed[name] and len(query.getlist(name)) > 1:
            raise repeated(name, len(query.getlist(name)))


def repeated(name: str, times: int) -> ApiError:
    message = f"paramètre « {name} » donné {times} fois ; il ne prend qu'une valeur"
    return ApiError(400, message, name)


def unknown(name: str, allowed: Mapping[str, bool]) -> ApiError:
    if not name:
        message = "paramètre sans nom (« =valeur » seul dans l'adresse)"
        return ApiError(400, message, None)
    hint = did_you_mean(name, allowed)
    if hint is None:
        known = ", ".join(sorted(allowed))
        hint = f"ce chemin accepte : {known}" if known else "ce chemin n'en accepte aucun"
    return ApiError(400, f"paramètre inconnu « {name} » ; {hint}", name)


def _allowed(request: Request) -> Mapping[str, bool]:
    """The query parameters of the request's route, from the app's OpenAPI description, each
    with whether it may be repeated (a list)."""
    route = request.scope["route"]
    method = request.method.lower()
    cache = request.app.state.query_parameters  # (path, method) -> {name: repeatable}
    key = (route.path_format, method)  # OpenAPI's form: {identifiant}, not {identifiant:path}
    if key not in cache:
        operation = request.app.openapi()["paths"][route.path_format][method]
        parameters = operation.get("parameters", ())
        query = [p for p in parameters if p["in"] == "query"]
        cache[key] = MappingProxyType({p["name"]: _is_list(p["schema"]) for p in query})
    return cache[key]


def _is_list(schema: dict) -> bool:
    return schema.get("type") == "array" or any(
        part.get("type") == "array" for part in schema.get("anyOf", ())
    )
