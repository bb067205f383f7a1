"""``POST …/decisions`` and ``GET …/decisions/{id}``: decide over HTTP, explain from the journal.

Routes only: the body is read and parsed by ``inputs``, the records decided and journaled by
the workspace (``workspaces`` -> ``calls`` -> ``tamis.triage``) before the answer is built,
and the explanation is ``tamis journal pourquoi``'s JSON. An answer is built from the
``Outcome`` values ``calls`` returns: one invitation in, one decision out (or 422 with its
errors, nothing journaled); a list in, every valid one decided and the others reported by
their index.
"""

import enum
import functools
import re
from typing import Annotated, Any

import orjson
from anyio import to_thread
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response

from tamis.invitations.models import INCOMING, OUTGOING
from tamis.service import calls, idempotence, inputs
from tamis.service.calls import Outcome
from tamis.service.errors import ApiError, json_bytes, json_response
from tamis.service.schemas import (
    DECISIONS_BODY,
    DECISIONS_ERRORS,
    ERRORS,
    Explications,
    Lot,
    Resultat,
)
from tamis.service.tokens import Right
from tamis.service.workspaces import Workspace

_FIELD = re.compile(r"champ « ([^»]+?) »")


class Sens(enum.StrEnum):
    ENTRANTE = INCOMING
    SORTANTE = OUTGOING
    TOUTES = "toutes"


def register(router: APIRouter, need) -> None:
    deciding = Annotated[Workspace, Depends(need(Right.DECIDER))]
    reading = Annotated[Workspace, Depends(need(Right.LIRE))]

    @router.post(
        "/decisions",
        summary="Décider une invitation ou une liste d'invitations",
        response_model=Resultat | Lot,
        responses=DECISIONS_ERRORS,
        openapi_extra=DECISIONS_BODY,
    )
    async def decider(
        request: Request,
        workspace: deciding,
        trace: bool = False,
        sens: Sens = Sens.ENTRANTE,
        idempotency_key: Annotated[
            str | None,
            Header(alias=idempotence.HEADER, description="rejouée : même réponse, rien redécidé"),
        ] = None,
    ) -> Response:
        """Décide chaque invitation et l'inscrit au journal **avant** de répondre."""
        body, records, is_list = await read_records(request, sens)

        def respond(outcomes: list[Outcome]) -> bytes:
            try:
                return orjson.dumps(lot(outcomes) if is_list else single(outcomes[0]))
            except ApiError:  # one invalid invitation: nothing journaled, still counted
                count(request, workspace, outcomes)
                raise

        if idempotency_key is None:
            decide = functools.partial(workspace.decide, records, trace=trace)
            outcomes = await to_thread.run_sync(decide)
            answer = respond(outcomes)
            count(request, workspace, outcomes)
            return json_bytes(answer)
        given = await to_thread.run_sync(
            functools.partial(
                workspace.answer_once,
                records,
                respond,
                trace=trace,
                key=idempotence.check_key(idempotency_key),
                fingerprint=idempotence.fingerprint(body, f"?trace={trace}&sens={sens.value}"),
            )
        )
        if given.outcomes is not None:
            count(request, workspace, given.outcomes)
        replayed = "false" if given.outcomes is not None else "true"
        return json_bytes(given.body, {"Idempotency-Replayed": replayed})

    @router.get(
        "/decisions/{identifiant}",
        summary="Pourquoi cette décision (tamis journal pourquoi)",
        response_model=Explications,
        responses=ERRORS,
    )
    @router.get(  # an id holding a « / » (sent as %2F or as is): {…:path} reads no line break
        "/decisions/{identifiant:path}", include_in_schema=False, responses=ERRORS
    )
    async def pourquoi(request: Request, identifiant: str, workspace: reading) -> Response:
        """L'explication complète de chaque décision inscrite au journal pour cette invitation."""
        if not identifiant:  # « GET /decisions/ »: {identifiant:path} matches the empty text
            raise ApiError(404, "identifiant d'invitation manquant : …/decisions/ID", "id")
        warn = request.app.state.warn
        found = await to_thread.run_sync(calls.explain, workspace.journal.path, identifiant, warn)
        if not found:
            raise ApiError(404, "aucune décision pour cette invitation dans le journal", "id")
        return json_response({"id": identifiant, "decisions": found})


async def read_records(request: Request, sens: Sens) -> tuple[bytes, list[calls.Record], bool]:
    """The body, its records, and whether the answer is a list; ``ApiError`` on bad input."""
    limits = request.app.state.limits
    kind = inputs.body_kind(request.headers.get("content-type"))
    body = await inputs.request_body(request)
    inputs.no_archive(body)
    if kind is inputs.BodyKind.JSON:
        parsed = inputs.parse_json(body, limits.max_invitations)
        return body, calls.records_from_json(parsed.objects), parsed.is_list
    text = inputs.decode(body)
    if kind is inputs.BodyKind.JSON_LINES:
        records = calls.records_from_lines(text)
    else:
        records = calls.records_from_csv(text, sens.value)
    problem = calls.whole_body_problem(records)
    if problem is not None:
        raise ApiError(400, problem, "corps")
    if len(records) > limits.max_invitations:
        raise ApiError(413, f"trop d'invitations : {limits.max_invitations} au plus", "corps")
    return body, records, True


def count(request: Request, workspace: Workspace, outcomes: list[Outcome]) -> None:
    metrics = request.app.state.metrics
    actions = [(o.action, o.rule) for o in outcomes if o.action is not None and o.rule]
    undecided = sum(o.undecided for o in outcomes)
    metrics.decided(workspace.name, actions, len(outcomes) - len(actions) - undecided, undecided)
    metrics.synced(workspace.name, workspace.new_syncs())


def field_of(errors: tuple[str, ...]) -> str | None:
    """The field the first error names (« champ « expediteur.photo » … »), if any."""
    found = _FIELD.search(errors[0]) if errors else None
    return found[1] if found else None


def single(outcome: Outcome) -> dict[str, Any]:
    """One invitation's answer: ``tamis decider``'s JSON line, or 422 with its errors, also
    when the workspace's engine could not decide it: a value past what the durable engine
    reads (a text of more than 65,535 bytes), which the client can change, as a too large
    body; never a 500, which would say tamis failed, nor a 503, which would say to retry.
    Its reason names the value; ``champ`` is null there, as the value may be a fact's."""
    if outcome.result is None:
        field = None if outcome.undecided else field_of(outcome.errors) or "corps"
        raise ApiError(422, outcome.errors[0], field, extra={"erreurs": list(outcome.errors)})
    if outcome.warnings:
        return {**outcome.result, "avertissements": list(outcome.warnings)}
    return outcome.result


def lot(outcomes: list[Outcome]) -> dict[str, Any]:
    """A list's answer: the decisions, the rejected records and those the engine could not
    decide (« non_decidees »: the request was right), each with its index."""
    decided, rejected, undecided, warnings = [], [], [], []
    for outcome in outcomes:
        where = {"index": outcome.index, **({"ligne": outcome.line} if outcome.line else {})}
        warnings += [{**where, "message": text} for text in outcome.warnings]
        if outcome.undecided:
            undecided.append({**where, "erreurs": list(outcome.errors)})
        elif outcome.result is None:
            errors = list(outcome.errors)
            rejected.append({**where, "erreurs": errors, "champ": field_of(outcome.errors)})
        else:
            decided.append({**where, **outcome.result})
    return {
        "decisions": decided,
        "rejetees": rejected,
        "non_decidees": undecided,
        "avertissements": warnings,
    }
