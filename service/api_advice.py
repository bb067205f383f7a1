"""``POST …/conseils``: advice on a request you are about to send (``tamis conseiller``).

Routes only: the body (JSON: ``a``, ``message``, optional ``profil`` and
``contexte_rencontre``) is read within the size limit, the draft is checked by
``tamis.outreach.advice`` against the workspace's own context (its network, its name), the
advice is journaled in the workspace's journal as a ``conseil`` record (never a decision:
``outreach.journaled``), under the workspace's lock, before the answer is sent; the answer is
``tamis conseiller --format json``'s, ``journal`` saying where the record is. ``?apercu=true``
checks without journaling (``journal`` is then ``null``): what a client checking a note as it
is typed asks for, so that each keystroke is not journaled (the web page does the same).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the ``Annotated`` dependency
# of the route defined inside ``register`` at run time.
from typing import Annotated, Any

import orjson
from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from tamis.audit.advice import Origin
from tamis.outreach import journaled
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
    async def conseiller(
        request: Request,
        workspace: deciding,
        apercu: Annotated[
            bool,
            Query(
                description="true : vérifier sans inscrire le conseil au journal (vérification "
                "pendant la frappe) ; « journal » vaut alors null."
            ),
        ] = False,
    ) -> Response:
        """Tous les constats d'un brouillon de demande, avec leur source et une suggestion ;
        le conseil est inscrit au journal de l'espace (événement « conseil »), sauf avec
        ?apercu=true."""
        draft = await read_draft(request)
        origin = None if apercu else Origin.SERVICE
        return json_response(await to_thread.run_sync(advise_in, workspace, draft, origin))


def advise_in(workspace: Workspace, draft: Draft, origin: Origin | None) -> dict[str, Any]:
    """The advice on ``draft`` with the workspace's context, journaled in its journal under
    its lock (``origin``: who asked), or not journaled (``origin`` None: a preview)."""
    context = workspace.loaded.setup.context
    advice = advise(draft, context)
    if origin is None:
        return journaled.answer(advice, None)
    with workspace.lock:
        written = journaled.record(workspace.journal, draft, advice, origin, context)
    return journaled.answer(advice, written)


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
