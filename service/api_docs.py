"""``/docs``: the HTTP API described in French, from the service's own OpenAPI schema, by a
page the service serves itself.

FastAPI's own ``/docs`` and ``/redoc`` load Swagger UI or ReDoc from a public CDN: the
reader's browser would tell a third party that it runs tamis (and get nothing on a network
without the Internet), and both speak English. This page reads the same schema
(``/openapi.json``, which tools keep using), and is rendered under the web interface's
security headers: nothing is loaded from elsewhere.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from tamis.service import web_pages

DEFAULT_SUCCESS = "Successful Response"  # FastAPI's description of a 200 left undescribed
SUCCESS = "Réussite"
WHERE = {"path": "chemin", "query": "requête", "header": "en-tête", "cookie": "témoin"}


class Parameter(NamedTuple):
    name: str
    where: str  # French: chemin, requête, en-tête
    required: bool
    description: str


class Operation(NamedTuple):
    method: str  # GET, POST…
    path: str
    summary: str
    description: Markup  # the docstring, ``**bold**`` rendered, everything else escaped
    parameters: list[Parameter]
    bodies: list[str]  # media types the body may have
    responses: list[tuple[str, str]]  # (status, description)


def in_french(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with FastAPI's English description of a plain 200 said in French."""
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            ok = operation.get("responses", {}).get("200")
            if ok is not None and ok.get("description") == DEFAULT_SUCCESS:
                ok["description"] = SUCCESS
    return schema


def operations(schema: dict[str, Any]) -> list[Operation]:
    """Every operation of ``schema``, in its order."""
    found = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            parameters = [
                Parameter(
                    p["name"],
                    WHERE.get(p["in"], p["in"]),
                    p.get("required", False),
                    p.get("description", ""),
                )
                for p in operation.get("parameters", [])
            ]
            found.append(
                Operation(
                    method.upper(),
                    path,
                    operation.get("summary", ""),
                    _bold(operation.get("description", "")),
                    parameters,
                    list(operation.get("requestBody", {}).get("content", {})),
                    [(code, r.get("description", "")) for code, r in _responses(operation)],
                )
            )
    return found


def _responses(operation: dict[str, Any]) -> list[tuple[str, dict]]:
    return list(operation.get("responses", {}).items())


def _bold(text: str) -> Markup:
    return Markup(re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", str(escape(text))))


def install(app: FastAPI) -> None:
    """French in ``/openapi.json``, and the ``/docs`` page (the app is created without
    FastAPI's own ``docs_url`` and ``redoc_url``)."""
    generate = app.openapi
    app.openapi = lambda: in_french(generate())  # FastAPI caches the schema it returns

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        schema = app.openapi()
        values = {"schema": schema, "operations": operations(schema)}
        return web_pages.page(request, "api.html", None, values)
