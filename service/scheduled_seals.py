"""Scheduled seals: the service signs each journal's head on a schedule (issue #12).

Sits beside ``sealing`` (``GET …/journal/tete``, signed on request): for each workspace
whose configuration names a ``sceaux`` file, a thread of the process that serves (the parent
under ``--processus N``, so one seal per period whatever the number of workers) does what
``tamis journal sceller --sortie FICHIER`` does: verify the chain (a PostgreSQL journal's
too, as ``verifier`` does), sign (seq, digest, time) with the journal's Ed25519 key
(``cle``, which a PostgreSQL journal must name: every machine should hold the same), append
the checkpoint. A damaged journal is never sealed; the refusal, like every seal, is one JSON
line of the operational log. The file should live elsewhere than the journal (another disk,
a synced folder): it is what later proves, with ``tamis journal verifier --sceau``, that the
journal's end was neither cut nor rewritten.
"""

from __future__ import annotations

import threading
from typing import Any

from tamis.audit import seal
from tamis.audit.errors import JournalError
from tamis.audit.postgres.backend import verify_any
from tamis.service.config import ServiceConfig, WorkspaceConfig


class Sealer(threading.Thread):
    """Seals every ``seal_every`` seconds, the first time right away, until ``stop``."""

    def __init__(self, config: ServiceConfig, logger: Any) -> None:
        super().__init__(name="tamis-sceaux", daemon=True)
        self.workspaces = [w for w in config.workspaces.values() if w.seals is not None]
        self.every, self.logger = config.seal_every, logger
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            for workspace in self.workspaces:
                self.seal(workspace)
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()

    def seal(self, workspace: WorkspaceConfig) -> None:
        where = {"espace": workspace.name}
        try:
            checked = verify_any(str(workspace.journal))
            if checked.problem is not None and checked.problem.empty:
                return  # nothing written yet: nothing to seal, nothing damaged
            if checked.problem is not None:
                self.logger.warning("sceau_refuse", **where, raison="journal endommagé")
                return
            if checked.last_seq == 0:
                return  # nothing written yet: nothing to seal
            key, _ = seal.load_or_create_key(workspace.seal_key, _quiet)  # type: ignore[arg-type]
            checkpoint = seal.sign_head(key, checked.last_seq, checked.last_digest)
            seal.append_checkpoint(workspace.seals, checkpoint)  # type: ignore[arg-type]
        except (JournalError, OSError) as error:
            self.logger.warning("sceau_refuse", **where, raison=type(error).__name__)
            return
        self.logger.info("sceau", **where, seq=checkpoint.seq, empreinte=checkpoint.empreinte)


def _quiet(_message: str) -> None:
    """Key warnings (a key readable by others) are the CLI's to print."""


def start(config: ServiceConfig, logger: Any) -> Sealer | None:
    """The sealing thread, started, when a workspace asks for seals; else None."""
    sealer = Sealer(config, logger)
    if not sealer.workspaces:
        return None
    sealer.start()
    return sealer
