"""The service's error bodies: ``{"erreur": …, "champ": …}`` in French, never a traceback.

Every refusal the service makes is an ``ApiError`` raised where the problem is found and
turned into a JSON response here (``error_response``); FastAPI's own errors (unknown path,
wrong method, a query parameter of the wrong type) are reworded by the handlers that
``install`` registers, and anything unexpected becomes a 500 whose body names no detail.

What an answer may quote of what the client sent. A short value the client typed in a query
parameter or in a form field of a filter (a fact name, a fact value, a filter value, a
parameter's or field's name) may be quoted back to it, because it needs to see which of its
values is wrong; always through ``quoted``, which escapes it (bytes that are not UTF-8,
control and invisible formatting characters) and cuts it to ``QUOTED_AT_MOST`` characters
(« … »). An answer never quotes any part of a request body that holds invitations (names,
messages, URLs of third parties): those are personal data about people who sent nothing.
The operations log (``logs``) never holds a quoted value: it logs no error message at all.
One departure is known, and left to the decide path that words it: the errors of an
invitation refused by its reader (``invitations.validation``, a 422 or ``rejetees``) name
its id and quote the wrong value, cut short.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

QUOTED_AT_MOST = 80
"""Characters of a client's value an error answer quotes at the most (« … » included)."""

_ESCAPED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Unicode categories shown escaped: controls, invisible formatting (bidirectional
overrides), lone surrogates, line and paragraph separators."""


def quoted(value: str, at_most: int = QUOTED_AT_MOST) -> str:
    """``value``, typed by the client in a query parameter or a form field, as an error
    answer quotes it (between « »): bytes that are not UTF-8 (read as lone surrogates) as
    ``\\xe9``, control and invisible characters escaped (``\\n``, ``\\u202e``), cut to
    ``at_most`` characters ending with « … ». Never for a body holding invitations."""
    shown = "".join(map(_escaped, value))
    return shown if len(shown) <= at_most else shown[: at_most - 1] + "…"


def _escaped(char: str) -> str:
    if "\udc80" <= char <= "\udcff":  # a byte that was not UTF-8 (``surrogateescape``)
        return f"\\x{ord(char) - 0xDC00:02x}"
    if unicodedata.category(char) in _ESCAPED:
        return char.encode("unicode_escape").decode("ascii")
    return char


class ApiError(Exception):
    """A request the service refuses: HTTP status, French message, the field at fault."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field
        self.headers, self.extra = dict(headers or {}), dict(extra or {})

    def body(self) -> dict[str, Any]:
        return {"erreur": self.message, "champ": self.field, **self.extra}


class Erreur(BaseModel):
    """What every error response holds (documented in the OpenAPI schema)."""

    erreur: str
    champ: str | None = None


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None):
    return Response(orjson.dumps(data), status, headers, media_type="application/json")


def json_bytes(data: bytes, headers: Mapping[str, str] | None = None) -> Response:
    """A 200 whose JSON is already serialised (an answer kept for an ``Idempotency-Key``)."""
    return Response(data, 200, headers, media_type="application/json")


def error_response(error: ApiError) -> Response:
    return json_response(error.body(), error.status, error.headers)


_STATUS_WORDS = {
    404: "chemin inconnu",
    405: "méthode non permise sur ce chemin",
}


Page = Callable[[Request, ApiError], Response | None]
"""The web interface's answer to a refusal, as a page (None: the request is not for a page)."""


def install(app: FastAPI, page: Page) -> None:
    """Register the handlers that word every error the way ``ApiError`` does; a refusal
    of FastAPI's own (unknown path, wrong method, unreadable form) is a page for a request
    to the web interface (``page``), the JSON body everywhere else."""

    @app.exception_handler(ApiError)
    async def _api(_request: Request, error: ApiError) -> Response:
        return error_response(error)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        message = _STATUS_WORDS.get(error.status_code, "requête refusée")
        status, headers = error.status_code, error.headers
        if status in (404, 405) and _exists_without_final_slash(request):  # 405: {id:path}
            message, status, headers = FINAL_SLASH, 404, None
        elif status == 405:
            headers = {**(headers or {}), **_allowed(request)}
        refused = ApiError(status, message, None, headers=headers)
        return page(request, refused) or error_response(refused)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> Response:
        return error_response(validation_error(error))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, _error: Exception) -> Response:
        """A bug: nothing of the exception is sent (uvicorn logs it, ``logs``); a web page
        gets a page (it got this JSON, which a browser shows as raw text)."""
        failed = ApiError(500, "erreur interne du service ; voir ses journaux")
        return page(request, failed) or error_response(failed)


FINAL_SLASH = "chemin inconnu : ce chemin s'écrit sans « / » final ; retirez-la"


def _allowed(request: Request) -> dict[str, str]:
    """A 405's ``Allow``: every method a route serves at this path (RFC 9110, 15.5.6), and
    HEAD beside GET (``head.HeadAsGet``). FastAPI names the first route's only: a ``PUT
    /interface/connexion`` was told « GET », though the login form POSTs there. Empty when
    no route names its methods (the static files say their own)."""
    scope, methods = {**request.scope}, set()
    for route in request.app.router.routes:
        if route.matches(scope)[0] != Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    if "GET" in methods:
        methods.add("HEAD")
    return {"Allow": ", ".join(sorted(methods))} if methods else {}


def _exists_without_final_slash(request: Request) -> bool:
    """A path that a route serves once its final ``/`` is dropped. The service does not
    redirect there (Starlette's default, an empty 307): a client that does not follow it saw
    nothing, and one that does resent its body to an address built from ``Host``."""
    path = request.scope["path"]
    if not path.endswith("/") or path == "/":
        return False
    scope = {**request.scope, "path": path.rstrip("/")}
    return any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes)


def validation_error(error: RequestValidationError) -> ApiError:
    """A query or path parameter FastAPI could not convert: its name, never its value."""
    first = error.errors()[0] if error.errors() else {}
    place = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body")]
    name = ".".join(place) or None
    kind = first.get("type", "")
    if kind == "missing":
        return ApiError(400, f"paramètre « {name} » manquant", name)
    expected = _expected(kind, first.get("ctx") or {})
    return ApiError(400, f"paramètre « {name} » invalide : {expected}", name)


_BOUNDS = {"ge": "au moins {}", "gt": "plus de {}", "le": "au plus {}", "lt": "moins de {}"}
"""A bound a parameter crossed, as pydantic's error context names it (``{"le": 1000}``)."""


def _expected(kind: str, context: dict) -> str:
    if kind.startswith("int"):
        return "un entier est attendu"
    if kind.startswith("bool"):
        return "« true » ou « false » est attendu"
    if "greater" in kind or "less" in kind:
        bounds = [words.format(context[key]) for key, words in _BOUNDS.items() if key in context]
        shown = f" ({', '.join(bounds)})" if bounds else ""
        return f"valeur hors des bornes permises{shown}"
    return "valeur de la mauvaise forme"
