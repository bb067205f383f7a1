"""``GET …/politique``, ``POST …/politiques/valider``, ``POST …/politique/recharger``.

Routes only, over the workspace (``workspaces``) and ``calls``: the policy in force and
when it was loaded; the diagnostics of a policy text (``tamis valider --format json``);
reloading the policy file, checked first, the old policy staying in force if the new one is
refused. A reload that changes the policy is written to the journal at once, and, under
``--processus N``, the parent is asked (SIGHUP) to have every worker reload too.
"""

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tamis.service import calls
from tamis.service.api_journal import policy_text, refused
from tamis.service.errors import json_response
from tamis.service.hangups import others_reload
from tamis.service.schemas import ERRORS, POLICY_BODY, Diagnostics, Politique, Rechargement
from tamis.service.tokens import Right
from tamis.service.workspaces import Workspace


def register(router: APIRouter, need) -> None:
    reading = Annotated[Workspace, Depends(need(Right.LIRE))]
    admin = Annotated[Workspace, Depends(need(Right.ADMIN))]

    @router.get(
        "/politique",
        summary="La politique en vigueur",
        response_model=Politique,
        responses=ERRORS,
    )
    async def politique(workspace: reading) -> Response:
        """Nom, chemin, SHA-256, source, paramètres, moteur, date de chargement."""
        return json_response(workspace.loaded.describe())

    @router.post(
        "/politiques/valider",
        summary="Diagnostics d'une politique (tamis valider --format json)",
        response_model=Diagnostics,
        responses=ERRORS,
        openapi_extra=POLICY_BODY,
    )
    async def valider(request: Request, workspace: admin) -> Response:
        """Vérifie la politique envoyée dans le corps, sans rien changer."""
        source = await policy_text(request)
        found = await to_thread.run_sync(calls.validate, source, "politique-proposee.tamis")
        valid = not any(d["severity"] == "erreur" for d in found)
        return json_response({"valide": valid, "diagnostics": found})

    @router.post(
        "/politique/recharger",
        summary="Relire et vérifier le fichier de la politique",
        response_model=Rechargement,
        responses=ERRORS,
    )
    async def recharger(request: Request, workspace: admin) -> Response:
        """Relit la politique ; refusée (422, avec ses diagnostics), l'ancienne reste en vigueur."""
        try:
            done = await to_thread.run_sync(workspace.reload)
        except calls.PolicyRefused as error:
            request.app.state.metrics.reloaded(workspace.name, ok=False)
            raise refused(error) from None
        request.app.state.metrics.reloaded(workspace.name, ok=True)
        if request.app.state.supervised:  # the other workers may not have this policy yet
            others_reload()
        return json_response(
            {"sha256_avant": done.before, "sha256": done.after, "change": done.changed}
        )
