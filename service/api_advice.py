"""``POST …/conseils``: advice on a request you are about to send (``tamis conseiller``), and
``GET …/journal/conseils``: the advice the workspace's journal holds (``tamis journal
conseils``).

Routes only: the body (JSON: ``a``, ``message``, optional ``profil`` and
``contexte_rencontre``) is read within the size limit, the draft is checked by
``tamis.outreach.advice`` against the workspace's own context (its network, its name), the
advice is journaled in the workspace's journal as a ``conseil`` record (never a decision:
``outreach.journaled``), under the workspace's lock, before the answer is sent; the answer is
``tamis conseiller --format json``'s, ``journal`` saying where the record is. ``?apercu=true``
checks without journaling (``journal`` is then ``null``): what a client checking a note as it
is typed asks for, so that each keystroke is not journaled (the web page does the same).
With an ``Idempotency-Key``, a retried request gets the first answer and nothing is journaled
again (``Workspace.once_locked``: the answer kept as for ``POST …/decisions``).
``GET …/journal/conseils`` lists the advice of the journal, by pages like ``GET …/journal``.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the ``Annotated`` dependency
# of the route defined inside ``register`` at run time.
import itertools
from typing import Annotated, Any

import orjson
from anyio import to_thread
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from tamis.audit import advice_log
from tamis.audit.advice import Origin
from tamis.audit.filters import FilterError, parse_filter
from tamis.outreach import journaled
from tamis.outreach.advice import Draft, advise, profile_refusal, recipient_refusal
from tamis.outreach.findings import Verdict
from tamis.service import idempotence, inputs
from tamis.service.api_journal import After, Limit, check_query_text, filter_error, page
from tamis.service.errors import ApiError, json_bytes, json_response, quoted
from tamis.service.schemas import ADVICE_BODY, ERRORS, Conseil, PageConseils
from tamis.service.tokens import Right
from tamis.service.workspaces import Workspace

TEXT_FIELDS = ("a", "message", "profil", "contexte_rencontre")


VERDICTS = tuple(verdict.value for verdict in Verdict)
ADVICE_OPTIONS = "conseils"  # in the fingerprint: a key used for decisions is a 409 here


def register(router: APIRouter, need) -> None:
    deciding = Annotated[Workspace, Depends(need(Right.DECIDER))]
    reading = Annotated[Workspace, Depends(need(Right.LIRE))]

    @router.get(
        "/journal/conseils",
        summary="Les conseils inscrits au journal (tamis journal conseils)",
        response_model=PageConseils,
        responses=ERRORS,
    )
    async def conseils(
        request: Request,
        workspace: reading,
        flt: Annotated[advice_log.AdviceFilter, Depends(advice_filter)],
        apres: After = 0,
        limite: Limit = 100,
    ) -> Response:
        """Les conseils du journal de l'espace, jamais mêlés aux décisions, le plus ancien
        d'abord, par pages (comme GET …/journal)."""
        warn, path = request.app.state.warn, str(workspace.journal.path)
        rows = await to_thread.run_sync(listed, path, flt, apres, limite + 1, warn)
        return json_response(page("conseils", rows, limite))

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
        idempotency_key: Annotated[
            str | None,
            Header(alias=idempotence.HEADER, description="rejouée : même réponse, rien réinscrit"),
        ] = None,
    ) -> Response:
        """Tous les constats d'un brouillon de demande, avec leur source et une suggestion ;
        le conseil est inscrit au journal de l'espace (événement « conseil »), sauf avec
        ?apercu=true. Renvoyée avec la même Idempotency-Key, la requête reçoit la première
        réponse et rien n'est inscrit de nouveau."""
        body, draft = await read_draft(request)
        if apercu or idempotency_key is None:
            origin = None if apercu else Origin.SERVICE
            return json_response(await to_thread.run_sync(advise_in, workspace, draft, origin))
        key = idempotence.check_key(idempotency_key)
        fingerprint = idempotence.fingerprint(body, ADVICE_OPTIONS)
        given, replayed = await to_thread.run_sync(advise_once, workspace, draft, key, fingerprint)
        return json_bytes(given, {"Idempotency-Replayed": "true" if replayed else "false"})


async def advice_filter(
    request: Request,
    expediteur: Annotated[str | None, Query(description="nom ou adresse du destinataire")] = None,
    verdict: Annotated[list[str] | None, Query(description=" ; ".join(VERDICTS))] = None,
    depuis: Annotated[str | None, Query(description="AAAA-MM-JJ (UTC)")] = None,
    jusqu_a: Annotated[str | None, Query(description="AAAA-MM-JJ incluse (UTC)")] = None,
) -> advice_log.AdviceFilter:
    """The ``AdviceFilter`` the query parameters describe (``tamis journal conseils``'s)."""
    chosen = [value for value in verdict or () if value]
    if any(value not in VERDICTS for value in chosen):
        raise ApiError(
            400, f"paramètre « verdict » : choisissez parmi {', '.join(VERDICTS)}", "verdict"
        )
    try:
        check_query_text(request, ("expediteur", "depuis", "jusqu_a"))
        period = parse_filter(sender=expediteur or None, since=depuis or None,
                              until=jusqu_a or None)  # fmt: skip
    except FilterError as error:
        raise filter_error(error) from None
    return advice_log.AdviceFilter(period, frozenset(chosen))


def listed(
    journal: str, flt: advice_log.AdviceFilter, after: int, limit: int, warn
) -> list[dict[str, Any]]:
    """Up to ``limit`` advice rows whose ``seq`` is above ``after``, in order."""
    rows = (
        advice_log.summary(record)
        for record in advice_log.select(journal, flt, warn)
        if record["seq"] > after
    )
    return list(itertools.islice(rows, limit))


def advise_once(
    workspace: Workspace, draft: Draft, key: str, fingerprint: str, origin: Origin = Origin.SERVICE
) -> tuple[bytes, bool]:
    """The answer kept for ``key`` (True: replayed, nothing journaled), else the advice on
    ``draft`` journaled, and its answer kept with it (``Workspace.once_locked``)."""
    context = workspace.loaded.setup.context
    advice = advise(draft, context)

    def write() -> idempotence.Reply:
        written = journaled.record(workspace.journal, draft, advice, origin, context)
        body = orjson.dumps(journaled.answer(advice, written))
        return idempotence.Reply(body, (written.seq, written.seq))

    return workspace.once_locked(key, fingerprint, write)


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


async def read_draft(request: Request) -> tuple[bytes, Draft]:
    """The body and its draft; ``ApiError`` naming the field, never echoing its value."""
    media = inputs.media_type(request.headers.get("content-type"))
    if not inputs.is_json(media):
        raise inputs.unsupported(media, "le brouillon en « application/json »")
    body = await inputs.request_body(request)
    if not body.strip():
        raise ApiError(400, 'corps vide : envoyez un brouillon {"a", "message"}', "corps")
    return body, draft_of(inputs.load_json(body))


def draft_of(data: Any) -> Draft:
    if not isinstance(data, dict):
        raise ApiError(400, "le corps doit être un objet JSON", "corps")
    for key in data:
        if key not in TEXT_FIELDS:
            name = quoted(str(key), 40)  # a key, never a value: those are third parties'
            raise ApiError(400, f"champ inconnu « {name} »", name)
    for key in TEXT_FIELDS:
        if key in data and data[key] is not None and not isinstance(data[key], str):
            raise ApiError(400, f"champ « {key} » : un texte est attendu", key)
    recipient = (data.get("a") or "").strip()
    if not recipient:
        raise ApiError(400, "champ « a » manquant : le nom du destinataire", "a")
    refusal = recipient_refusal(recipient)
    if refusal is not None:
        raise ApiError(422, f"champ « a » : {refusal}", "a")
    if data.get("message") is None:
        raise ApiError(400, 'champ « message » manquant ("" : une demande sans note)', "message")
    refusal = None if data.get("profil") is None else profile_refusal(data["profil"], None)
    if refusal is not None:
        raise ApiError(422, f"champ « profil » : {refusal}", "profil")
    return Draft(recipient, data["message"], data.get("profil"), data.get("contexte_rencontre"))
