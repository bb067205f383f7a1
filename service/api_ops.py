"""``GET /sante``: is the process up, every journal writable, every policy loaded.

No token: a load balancer or a supervisor asks it. It names no workspace (their names are
not public), only how many there are and how many are unwell; 503 when any is.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tamis.service.errors import json_response
from tamis.service.schemas import Sante


def register(router: APIRouter) -> None:
    @router.get(
        "/sante",
        summary="État du service",
        response_model=Sante,
        responses={503: {"model": Sante, "description": "Un journal ou une politique en défaut"}},
    )
    async def sante(request: Request) -> Response:
        """200 si chaque journal est inscriptible et chaque politique chargée, 503 sinon."""
        workspaces = request.app.state.workspaces.by_name.values()
        unwell = sum(1 for workspace in workspaces if not workspace.healthy())
        body = {
            "etat": "ok" if not unwell else "en_erreur",
            "espaces": len(workspaces),
            "espaces_en_erreur": unwell,
        }
        return json_response(body, 503 if unwell else 200)
