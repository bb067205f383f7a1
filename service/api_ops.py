"""``GET /sante`` and ``GET /metriques``: for supervisors and monitoring.

``/sante`` needs no token (a load balancer asks it): is the process up, every journal
writable (a PostgreSQL journal: its server answers now), every policy loaded; it names no
workspace (their names are not public), only how many there are and how many are unwell
(``journaux_indisponibles``: those whose journal cannot be written now), 503 when any is, 200
again as soon as every journal is back. ``/metriques`` is Prometheus' text
format, for a token with the right ``lire``: the series of the workspaces where it has it.
"""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response

from tamis.service.auth import authorize_any
from tamis.service.errors import json_response
from tamis.service.metrics import CONTENT_TYPE
from tamis.service.schemas import ERRORS, Sante
from tamis.service.tokens import Right


def register(router: APIRouter) -> None:
    @router.get(
        "/sante",
        summary="État du service",
        response_model=Sante,
        responses={503: {"model": Sante, "description": "Un journal ou une politique en défaut"}},
    )
    async def sante(request: Request) -> Response:
        """200 si chaque journal est inscriptible et chaque politique chargée, 503 sinon."""
        workspaces = list(request.app.state.workspaces.by_name.values())
        healthy = await to_thread.run_sync(lambda: [w.healthy() for w in workspaces])
        unwell = healthy.count(False)
        body = {
            "etat": "ok" if not unwell else "en_erreur",
            "espaces": len(workspaces),
            "espaces_en_erreur": unwell,
            "journaux_indisponibles": unwell,
        }
        return json_response(body, 503 if unwell else 200)

    @router.get(
        "/metriques",
        summary="Métriques Prometheus",
        response_class=Response,
        responses={
            200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}},
            **{k: v for k, v in ERRORS.items() if k in (401, 403)},
        },
    )
    async def metriques(request: Request) -> Response:
        """Décisions par espace, action et règle ; latence ; entrées rejetées ; journal ;
        rechargements."""
        state = request.app.state
        header = request.headers.get("authorization")
        readable = authorize_any(state.workspaces, header, Right.LIRE)
        return Response(state.metrics.render(readable), media_type=CONTENT_TYPE)
