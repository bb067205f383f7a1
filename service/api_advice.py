"""``POST …/conseils``: advice on a request you are about to send (``tamis conseiller``).

Routes only: the body (JSON: ``a``, ``message``, optional ``profil`` and
``contexte_rencontre``) is read within the size limit, the draft is checked by
``tamis.outreach.advice`` against the workspace's own context (its network, its name), and
the answer is ``tamis conseiller --format json``'s. Nothing is decided, so nothing is
journaled as a decision (a ``conseil`` event of its own is not written yet).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the ``Annotated`` dependency
# of the route defined inside ``register`` at run time.
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tamis.outreach.advice import Draft, advise
from tamis.service import inputs
from tamis.service.errors import ApiError, json_response
from tamis.service.schemas import ADVICE_BODY, ERRORS, Conseil
from tamis.service.tokens import Right
from tamis.service.workspaces import Workspace

TEXT_FIELDS = ("a", "message", "profil", "contexte_rencontre")


def register(router: APIRouter, need) -> None:
    deciding = Annotated[Workspace, Depends(need(Right.DECIDER))]

    @router.post(
        "/conseils",
        summary="Conseils sur une demande à envoyer (tamis conseiller)",
        response_model=Conseil,
        responses=ERRORS,
        openapi_extra=ADVICE_BODY,
    )
    async def conseiller(request: Request, workspace: deciding) -> Response:
        """Tous les constats d'un brouillon de demande, avec leur source et une suggestion."""
        draft = await read_draft(request)
        return json_response(advise(draft, workspace.loaded.setup.context).to_json())


async def read_draft(request: Request) -> Draft:
    """The draft in the body; ``ApiError`` naming the field, never echoing its value."""
    if inputs.body_kind(request.headers.get("content-type")) is not inputs.BodyKind.JSON:
        raise ApiError(415, "le corps doit être du JSON (Content-Type: application/json)", "corps")
    length = request.headers.get("content-length")
    body = await inputs.read_body(request.stream(), length, request.app.state.limits.max_body)
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ApiError(400, "corps JSON illisible", "corps") from None
    return draft_of(data)


def draft_of(data: Any) -> Draft:
    if not isinstance(data, dict):
        raise ApiError(400, "le corps doit être un objet JSON", "corps")
    for key in data:
        if key not in TEXT_FIELDS:
            raise ApiError(400, f"champ inconnu « {str(key)[:40]} »", str(key)[:40])
    for key in TEXT_FIELDS:
        if key in data and data[key] is not None and not isinstance(data[key], str):
            raise ApiError(400, f"champ « {key} » : un texte est attendu", key)
    if not (data.get("a") or "").strip():
        raise ApiError(400, "champ « a » manquant : le nom du destinataire", "a")
    if data.get("message") is None:
        raise ApiError(400, 'champ « message » manquant ("" : une demande sans note)', "message")
    return Draft(data["a"], data["message"], data.get("profil"), data.get("contexte_rencontre"))
