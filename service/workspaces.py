"""The workspaces a running service holds: each one's policy in force, journal and lock.

Built once at start-up from the checked configuration (``config``), before the server
accepts anything: a policy that does not load stops the start. Each ``Workspace`` keeps its
``LoadedPolicy`` in one attribute, replaced whole by ``reload`` (validated first: the old one
stays on error), so a request that took the policy keeps it to the end. A workspace has two
locks: ``deciding`` (one engine run at a time: durable-rules is not thread-safe) and
``lock``, the journal's (its file lock or transaction serialises processes, not the threads
of one process), taken by every write: decisions, grouped across concurrent requests
(``group_commit``), advice, seals and policy records.

A request with an ``Idempotency-Key`` goes through ``answer_once``: with a file journal, its
answer is kept in SQLite beside it (``idempotence.FileStore``); with a PostgreSQL journal, the
records are decided without journaling and the answer built, then both join the group
commit (``GroupCommit.write_keyed``): written in the group's transaction, so that any
instance finds the answer. ``once_locked`` keeps the answer of any other write in its own
transaction (advice: ``POST …/conseils``). Each workspace also holds the web sessions logged
out of it (``revocations``), kept beside its journal or in its database likewise.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from tamis.service import calls, idempotence, revocations
from tamis.service.calls import Journal, LoadedPolicy, Outcome, PolicyRefused, Record
from tamis.service.config import ServiceConfig, WorkspaceConfig
from tamis.service.group_commit import GroupCommit, Keyed
from tamis.service.idempotence import Reply

Warn = Callable[[str], None]


@dataclass(frozen=True)
class Reloaded:
    """What a reload did: the sha256 before and after (equal: the file had not changed)."""

    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


Respond = Callable[[list[Outcome]], bytes]
"""Builds a request's answer from its outcomes (pure; an ``ApiError`` journals nothing)."""

Write = Callable[[], Reply]
"""Journals what a request asks, under the journal's lock, and returns its answer."""


class Given(NamedTuple):
    """A keyed request's answer, and its outcomes (None: replayed, nothing decided now)."""

    body: bytes
    outcomes: list[Outcome] | None


class Workspace:
    def __init__(self, config: WorkspaceConfig, loaded: LoadedPolicy, journal: Journal) -> None:
        self.config, self.loaded, self.journal = config, loaded, journal
        self.idempotency = idempotence.store_for(config.journal)
        self.revocations = revocations.Revocations(revocations.store_for(config.journal))
        self.lock = threading.Lock()  # the journal: one write at a time
        self.deciding = threading.Lock()  # the engine: one run at a time
        self.appends = GroupCommit(journal, self.lock)
        self.reload_lock = threading.Lock()
        self._syncs_seen = 0

    @property
    def name(self) -> str:
        return self.config.name

    def decide(self, records: list[Record], *, trace: bool) -> list[Outcome]:
        """Decide and journal, with the policy in force when the call began."""
        loaded = self.loaded
        return calls.decide(loaded, self.appends, records, trace=trace, deciding=self.deciding)

    def answer_once(
        self, records: list[Record], respond: Respond, *, trace: bool, key: str, fingerprint: str
    ) -> Given:
        """The answer kept for ``key`` if any (a 409 for another request), else decide,
        journal, and keep the answer with the decisions."""
        if self.config.journal_url is None:
            return self._answer_beside_file(records, respond, trace, key, fingerprint)
        loaded = self.loaded
        made = calls.decide_apart(loaded, records, trace=trace, deciding=self.deciding)
        body = respond(made.outcomes)
        pending = calls.prepared(self.appends, loaded, made.decided)
        kept = self.appends.write_keyed(pending, Keyed(key, fingerprint, body))
        if kept is None:
            return Given(body, made.outcomes)
        replay = idempotence.replayed(kept.fingerprint, kept.body, fingerprint, kept.erased_by)
        return Given(replay, None)

    def _answer_beside_file(
        self, records: list[Record], respond: Respond, trace: bool, key: str, fingerprint: str
    ) -> Given:
        made: list[list[Outcome]] = []

        def answer() -> Reply:
            made.append(self.decide(records, trace=trace))
            seqs = [outcome.seq for outcome in made[0] if outcome.seq is not None]
            return Reply(respond(made[0]), idempotence.seq_range(seqs))

        store: idempotence.FileStore = self.idempotency  # type: ignore[assignment]
        body, replayed = store.once(key, fingerprint, answer)
        return Given(body, None if replayed else made[0])

    def once_locked(self, key: str, fingerprint: str, write: Write) -> tuple[bytes, bool]:
        """The answer kept for ``key`` (True: a replay; a 409 if it came with another
        request), else ``write()`` under the journal's lock, its answer kept: in the same
        transaction as what it wrote (PostgreSQL), or just after it (file)."""
        if self.config.journal_url is None:

            def locked() -> Reply:
                with self.lock:
                    return write()

            store: idempotence.FileStore = self.idempotency  # type: ignore[assignment]
            return store.once(key, fingerprint, locked)
        with self.lock:
            given = calls.answer_in_database(self.journal, key, fingerprint, write)
        if isinstance(given, calls.Answered):
            kept = idempotence.replayed(given.fingerprint, given.body, fingerprint, given.erased_by)
            return kept, True
        return given, False

    def new_syncs(self) -> int:
        """The journal's syncs since the last call (for the metrics)."""
        total = calls.syncs(self.journal)
        fresh, self._syncs_seen = total - self._syncs_seen, total
        return fresh

    def reload(self) -> Reloaded:
        """Re-read and check the policy file; ``PolicyRefused`` keeps the current policy
        (``PolicyUnsettled``: the file is being written, or empty while the policy in force
        is not). A new policy is written to the journal at once (a ``politique`` record)."""
        with self.reload_lock:
            before = self.loaded.sha256
            fresh = calls.load_policy(self.config, self.loaded)
            if fresh.sha256 != before:
                self.loaded = fresh
                with self.lock:
                    calls.record_policy(self.journal, fresh)
            return Reloaded(before, fresh.sha256)

    def healthy(self) -> bool:
        """The journal can still be written: the file is there and writable, the PostgreSQL
        server answers (asked afresh each time: ``/sante`` must see it come back)."""
        return calls.journal_available(self.config.journal)


class Workspaces:
    """Every workspace of the service, opened together and closed together (journals synced)."""

    def __init__(self, config: ServiceConfig, warn: Warn) -> None:
        self.config, self.warn = config, warn
        self.by_name: Mapping[str, Workspace] = {}
        self._stack = contextlib.ExitStack()

    def open(self, held: Mapping[str, str] | None = None) -> Workspaces:
        """Load every policy, then open every journal; ``PolicyRefused`` (named) if one fails.
        ``held``: each workspace's policy text as the service checked it (``sources``), used
        instead of reading the files again."""
        held = held or {}
        loaded = {name: _load(ws, held.get(name)) for name, ws in self.config.workspaces.items()}
        try:
            self.by_name = {
                name: Workspace(ws, loaded[name], self._journal(ws))
                for name, ws in self.config.workspaces.items()
            }
        except BaseException:
            self._stack.close()
            raise
        return self

    def _journal(self, workspace: WorkspaceConfig) -> Journal:
        def warn(message: str) -> None:
            self.warn(f"espace « {workspace.name} » : {message}")

        return self._stack.enter_context(
            calls.journal_for(workspace.journal, self.config.durability, warn)
        )

    def sources(self) -> dict[str, str]:
        """Each workspace's policy text in force, by name (for ``open(held=…)``)."""
        return {name: workspace.loaded.source for name, workspace in self.by_name.items()}

    def close(self) -> None:
        """Close every journal once no write is under way. A request cancelled when the
        stop's grace ran out may still be journaling in its thread (a thread cannot be
        stopped): each journal's lock is taken first, so that its write ends whole, and
        later ones are refused (``JournalError``) instead of using a closed journal."""
        with contextlib.ExitStack() as held:
            for workspace in self.by_name.values():
                held.enter_context(workspace.lock)
            for workspace in self.by_name.values():
                workspace.revocations.close()
            self._stack.close()

    def get(self, name: str) -> Workspace | None:
        return self.by_name.get(name)

    def reconfigure(self, config: ServiceConfig) -> None:
        """Serve with ``config`` from the next request on: the same workspaces, their
        tokens and time zones as service.toml now says them (``reconfigure.reread``)."""
        for name, workspace in self.by_name.items():
            workspace.config = config.workspaces[name]
        self.config = config


def _load(workspace: WorkspaceConfig, held: str | None = None) -> LoadedPolicy:
    try:
        return calls.load_policy(workspace, held=held)
    except PolicyRefused as error:
        unusable = "politique inutilisable :\n" if error.of_policy else ""
        raise PolicyRefused(
            f"espace « {workspace.name} » : {unusable}{error.message}",
            error.diagnostics,
            error.of_policy,
        ) from None
