"""The ``Idempotency-Key`` answers each workspace keeps: checked at start, pruned on a schedule.

Sits beside ``scheduled_seals``: ``check_stores`` runs before the socket is announced (a
store the service could not use, a read-only folder or a PostgreSQL role without its
grants, stops the start with a French reason, instead of a 503 at the first keyed request);
``Pruner``, a thread of the process that serves (the parent under ``--processus N``), forgets
answers older than ``idempotence_duree`` right away and then every ``period`` seconds, each
pruning that removes something giving one ``idempotence_purge`` line of the operational log.
A retry that comes after its answer was forgotten is a new request: it is decided again.
"""

from __future__ import annotations

import threading
from typing import Any

from tamis.audit.errors import JournalError
from tamis.service.config import ServiceConfig
from tamis.service.idempotence import store_for

LONGEST_PERIOD = 3600  # seconds: prune at least hourly, more often for short retentions


def check_stores(config: ServiceConfig) -> None:
    """Each workspace's store opens and takes writes; else a ``JournalError`` naming it."""
    for workspace in config.workspaces.values():
        try:
            store_for(workspace.journal).check()
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


def start(config: ServiceConfig, logger: Any) -> Pruner:
    pruner = Pruner(config, logger)
    pruner.start()
    return pruner
