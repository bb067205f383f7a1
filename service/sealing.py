"""The journal's guarantees over HTTP: ``GET …/journal/tete`` and retention at start.

The service side of ``tamis.audit.seal`` and ``tamis.audit.erase`` (issue #12). ``GET
…/journal/tete`` (right ``lire``) signs the workspace journal's head as the writer sees it
under the file lock (a PostgreSQL journal's: under its advisory lock), with the journal's
key (``cle``, else ``<journal>.cle.pem`` beside a file; created 0600 on first use) and
answers the checkpoint, the same JSON line ``tamis journal sceller`` writes: a monitor that
fetches it on a schedule and keeps the answers elsewhere can later prove, with ``tamis
journal verifier --sceau``, that the journal's end was neither cut nor rewritten.
``purge_expired`` runs once before the service starts serving: a workspace whose context
says ``conservation = "365j"`` has the personal data of older decisions erased.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Depends
from fastapi.responses import Response

from tamis.audit import seal
from tamis.audit.erase import Erasure, Selection, erase
from tamis.audit.errors import JournalError
from tamis.invitations.context import load_context
from tamis.service.config import NO_KEY, ServiceConfig, WorkspaceConfig
from tamis.service.errors import ApiError, json_response
from tamis.service.schemas import ERRORS
from tamis.service.tokens import Right
from tamis.service.workspaces import Workspace


def signed_head(workspace: Workspace, warn: Any) -> dict[str, Any]:
    """The checkpoint of the journal's head as its writers see it (under the file lock, or
    the advisory lock of a PostgreSQL journal), signed now with the workspace's key."""
    path = workspace.config.seal_key
    if path is None:
        raise ApiError(409, f"pas de clé de sceau pour cet espace : {NO_KEY}", "cle")
    journal = workspace.journal
    key, _created = seal.load_or_create_key(path, warn)
    with workspace.lock, journal.sink.locked() as head:
        seq, digest = head.seq, head.empreinte
    return seal.sign_head(key, seq, digest).as_dict()


def check_keys(config: ServiceConfig) -> None:
    """At start: a key named by ``cle`` that exists must be an Ed25519 key tamis can read
    (a ``JournalError`` naming the workspace otherwise); a missing one is created when first
    used, as ``tamis journal sceller`` does."""
    for workspace in config.workspaces.values():
        if workspace.key is None or not workspace.key.exists():
            continue
        try:
            seal.load_key(workspace.key, lambda message: None)
        except JournalError as error:
            raise JournalError(f"espace « {workspace.name} » : {error}") from None


def register(router: APIRouter, need: Any) -> None:
    reading = Annotated[Workspace, Depends(need(Right.LIRE))]

    @router.get(
        "/journal/tete",
        summary="Tête du journal, signée (tamis journal sceller)",
        responses=ERRORS,
    )
    async def tete(workspace: reading) -> Response:
        """Le numéro et l'empreinte du dernier enregistrement du journal, signés maintenant
        par la clé Ed25519 du journal : à conserver ailleurs, pour « tamis journal verifier
        --sceau »."""
        warn = lambda message: None  # noqa: E731 (a key readable by others: the CLI says so)
        return json_response(await to_thread.run_sync(signed_head, workspace, warn))


def purge_expired(config: ServiceConfig, logger: Any) -> None:
    """Erase, in each workspace whose context sets ``conservation``, the personal data of
    decisions older than that (``JournalError``/``ContextError`` stop the start-up)."""
    for workspace in config.workspaces.values():
        if workspace.context is None:
            continue
        days = load_context(workspace.context).retention_days
        if days is None:
            continue
        limit = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        motif = f"durée de conservation ({days} jours)"
        warn = lambda message: logger.warning("avertissement", message=message)  # noqa: E731
        done = _eraser(workspace)(workspace.journal, Selection(before=limit), motif, warn=warn)
        if done.erased:
            logger.info("purge", espace=workspace.name, effacees=len(done.erased), motif=motif)


def _eraser(workspace: WorkspaceConfig) -> Callable[..., Erasure]:
    """``audit.erase.erase`` for a file, ``audit.postgres.erase.erase`` for PostgreSQL (whose
    role then needs ``UPDATE (donnees_personnelles)``: docs/journal-postgresql.md)."""
    if workspace.journal_url is None:
        return erase
    from tamis.audit.postgres import erase as in_database

    return in_database.erase
