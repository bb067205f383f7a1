"""What each workspace keeps for the service beside its journal, the ``Idempotency-Key``
answers and the web sessions logged out (``revocations``): checked at start, pruned on a
schedule.

Sits beside ``scheduled_seals``: ``check_stores`` runs before the socket is announced (a
store the service could not use, a read-only folder or a PostgreSQL role without its
grants, stops the start with a French reason, instead of a 503 at the first keyed request);
``Pruner``, a thread of the process that serves (the parent under ``--processus N``), forgets
answers older than ``idempotence_duree`` right away and then every ``period`` seconds, each
pruning that removes something giving one ``idempotence_purge`` line of the operational log.
A retry that comes after its answer was forgotten is a new request: it is decided again.
The same thread forgets the sessions logged out whose cookies expired more than
``revocations.MARGIN_S`` ago (``sessions_purge``); a PostgreSQL role without ``DELETE`` on
them keeps them (one ``sessions_purge_non_accordee`` line per workspace).
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from tamis.audit.errors import JournalError
from tamis.service import revocations
from tamis.service.config import ServiceConfig
from tamis.service.idempotence import store_for

LONGEST_PERIOD = 3600  # seconds: prune at least hourly, more often for short retentions


def check_stores(config: ServiceConfig) -> None:
    """Each workspace's stores open and take writes; else a ``JournalError`` naming it."""
    for workspace in config.workspaces.values():
        try:
            store_for(workspace.journal).check()
            with contextlib.closing(revocations.store_for(workspace.journal)) as revoked:
                revoked.check()
        except JournalError as error:
            raise JournalError(f"espace « {workspace.name} » : {error}") from None


def period(kept_s: int) -> float:
    return float(min(kept_s, LONGEST_PERIOD))


class Pruner(threading.Thread):
    """Prunes every workspace's answers now, then every ``period`` seconds, until ``stop``."""

    def __init__(self, config: ServiceConfig, logger: Any) -> None:
        super().__init__(name="tamis-idempotence", daemon=True)
        self.config, self.logger = config, logger
        self.stopped = threading.Event()
        self.unpruned: set[str] = set()  # workspaces whose role may not prune sessions

    def run(self) -> None:
        while not self.stopped.is_set():
            self.prune_all()
            self.stopped.wait(period(self.config.answers_kept))

    def stop(self) -> None:
        self.stopped.set()

    def prune_all(self) -> None:
        for workspace in self.config.workspaces.values():
            try:
                gone = store_for(workspace.journal).prune(self.config.answers_kept)
            except JournalError as error:
                where = {"espace": workspace.name, "detail": str(error)}
                self.logger.warning("idempotence_purge_refusee", **where)
                continue
            if gone:
                self.logger.info("idempotence_purge", espace=workspace.name, cles=gone)
            self.prune_sessions(workspace.name, workspace.journal)

    def prune_sessions(self, name: str, journal: Any) -> None:
        try:
            with contextlib.closing(revocations.store_for(journal)) as revoked:
                gone = revoked.prune(revocations.MARGIN_S)
        except JournalError as error:
            self.logger.warning("sessions_purge_refusee", espace=name, detail=str(error))
            return
        if gone is None and name not in self.unpruned:
            self.unpruned.add(name)
            self.logger.info("sessions_purge_non_accordee", espace=name)
        elif gone:
            self.logger.info("sessions_purge", espace=name, sessions=gone)


def start(config: ServiceConfig, logger: Any) -> Pruner:
    pruner = Pruner(config, logger)
    pruner.start()
    return pruner
