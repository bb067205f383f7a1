"""The journal's one entry point: ``open_journal`` and ``Journal.record_decisions``.

Sits after deciding (habit 7: the CLI and the service hold a ``Journal`` and hand it the
decisions of a run, each an ``Explained`` with its invitation as received; nothing else of
``tamis.audit`` is needed to write). ``record_decisions`` serialises each into a record
content (``record``), then, under the file lock, writes an ``ouverture`` record in a new
journal and a ``politique`` record whenever the policy's sha256 differs from the one the last
record names, then the ``decision`` record, through the structlog processors (``processors``)
into the sink (``sink``). It returns only once the record is in the file.

The work is split so that little happens under the lock: ``prepare`` builds the content from
the ``Explained`` and renders and hashes it, with no lock and no I/O;
``write`` then numbers, chains, seals and writes a list of prepared records under one lock
(one ``writev`` per chunk of lines). ``record_decision`` and ``record_decisions`` are
``prepare`` followed by ``write``; ``append_rendered`` is ``write`` for contents rendered in
other processes (``personal.rendered``, by ``tamis.triage.parallel``'s workers).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tamis.audit import advice, integrity, layout, personal
from tamis.audit import record as schema
from tamis.audit.chain import ChainHead
from tamis.audit.errors import warn_on_stderr
from tamis.audit.postgres.url import is_url as postgres_url
from tamis.audit.processors import audit_processors
from tamis.audit.quiet_imports import BoundLoggerBase
from tamis.audit.sink import Durability, DurabilityMode, JournalFile
from tamis.engine.explained import Explained
from tamis.grammar.checked import CheckedPolicy

DEFAULT_NAME = "tamis-journal.jsonl"
ENV_VAR = "TAMIS_JOURNAL"


def default_journal_path() -> Path:
    """``$TAMIS_JOURNAL``, or ``tamis-journal.jsonl`` in the working directory."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_NAME)


class Pending(NamedTuple):
    """A decision record ready to append: its policy (for the ``politique`` record) and its
    content, already rendered and hashed (``Journal.prepare``)."""

    policy: CheckedPolicy
    content: layout.Prepared


class AuditLogger(BoundLoggerBase):
    """A bound logger with one method, ``msg``: structlog runs the processors over the bound
    context and ``fields`` (``_process_event``), and their result goes to the sink's ``msg``.

    No processor drops an event (an audit record is never skipped silently), so ``msg``
    calls ``_process_event`` itself rather than going through ``_proxy_to_logger``."""

    def msg(self, event: str, **fields: Any) -> Any:
        args, kwargs = self._process_event("msg", event, fields)
        return self._logger.msg(*args, **kwargs)


class Journal:
    """Appends hash-chained records; build it with ``open_journal``."""

    def __init__(self, sink: JournalFile, head: ChainHead, *, minimise: bool = False) -> None:
        self.sink, self.minimise = sink, minimise
        # What ``structlog.wrap_logger(sink, processors=…, wrapper_class=AuditLogger,
        # context_class=dict, version=…).bind()`` builds, without importing structlog's
        # configuration module (asyncio, its console renderer): see ``quiet_imports``.
        context = {"version": schema.SCHEMA_VERSION}
        self.log = AuditLogger(sink, processors=audit_processors(head), context=context)
        self._policy: CheckedPolicy | None = None
        self._policy_sha = ""

    @property
    def path(self) -> Path:
        return self.sink.path

    def open(self) -> None:
        """Write the ``ouverture`` record if the journal is new (validates an old one)."""
        self.write([])

    def record_decision(
        self,
        explained: Explained,
        *,
        policy: CheckedPolicy,
        invitation: Mapping[str, Any],
        context_sha256: str | None = None,
        duration_ms: float = 0.0,
    ) -> dict:
        """Append one ``decision`` record (after ``ouverture``/``politique`` if needed).

        ``invitation`` is the invitation as received (its raw JSON object). Returns the record
        written (envelope and ``contenu``) once it is in the file; raises ``JournalError``.
        """
        entry = schema.Entry(explained, invitation, duration_ms)
        return self.record_decisions([entry], policy=policy, context_sha256=context_sha256)[0]

    def record_decisions(
        self,
        decided: Sequence[schema.ToRecord],
        *,
        policy: CheckedPolicy,
        context_sha256: str | None = None,
    ) -> list[dict]:
        """Append the decisions of one run (one policy, one context) in one locked write;
        returns their records, in order, once they are in the file."""
        return self.write(
            [self.prepare(d, policy=policy, context_sha256=context_sha256) for d in decided]
        )

    def append_rendered(
        self, rendered: Sequence[personal.Rendered], *, policy: CheckedPolicy
    ) -> None:
        """Append decisions whose contents were built and rendered elsewhere (the worker
        processes of ``tamis.triage.parallel``, by ``personal.rendered``), in one locked
        write; returns once they are in the file. Only their hashing is done here: the
        records' ``contenu`` is not parsed back, so what this process keeps of each is its
        policy reference (for the chain head), not the whole content."""
        ref = {"politique": schema.policy_ref(policy, self._sha(policy))}
        self.write([Pending(policy, personal.prepared(ref, done)) for done in rendered])

    def prepare(
        self, decided: schema.ToRecord, *, policy: CheckedPolicy, context_sha256: str | None = None
    ) -> Pending:
        """The content of a decision record, built, rendered and hashed: no lock, no I/O;
        ``write`` appends the result."""
        content = schema.decision_content(
            decided,
            policy=policy,
            policy_sha256=self._sha(policy),
            context_sha256=context_sha256,
            minimise=self.minimise,
        )
        return Pending(policy, personal.prepare(content))  # format 3: personal part apart

    def write(self, pending: Iterable[Pending]) -> list[dict]:
        """Append prepared decisions under one lock; returns the records, in order.

        Consecutive decisions under the same policy go through the processors as one run
        (a ``politique`` record first if needed), ``CHUNK`` records at a time so that the sink
        writes one chunk while the next is sealed; a single decision (``record_decision``)
        goes through them on its own."""
        items = pending if type(pending) is list else list(pending)
        with self.sink.locked() as head:
            if head.seq == 0:
                self.log.msg("ouverture", contenu=schema.opening_content())
            if len(items) == 1:
                return self._append(items, head)
            records: list[dict] = []
            for run in _runs(items, self.sink.CHUNK):
                records += self._append(run, head)
            return records

    def record_policy(self, policy: CheckedPolicy) -> dict | None:
        """Append a ``politique`` record now if the last record names another policy (a
        service that reloads its policy says so at once, not at its next decision); returns
        it, or None when the journal already names this policy."""
        sha = self._sha(policy)
        with self.sink.locked() as head:
            if head.seq == 0:
                self.log.msg("ouverture", contenu=schema.opening_content())
            if head.politique == sha:
                return None
            return self.log.msg("politique", contenu=schema.policy_content(policy, sha))

    def record_advice(self, entry: advice.AdviceEntry) -> dict:
        """Append one ``conseil`` record (after ``ouverture`` in a new journal): advice on a
        draft request, never a decision. Returns the record (``contenu.id`` names the advice)
        once it is in the file (or committed); raises ``JournalError``."""
        content = advice.content(entry, advice.new_id())
        prepared = personal.prepare_advice(content)  # format 3: the draft in the personal part
        with self.sink.locked() as head:
            if head.seq == 0:
                self.log.msg("ouverture", contenu=schema.opening_content())
            return self.log.msg(advice.EVENT, contenu=prepared)

    def _append(self, run: list[Pending], head: ChainHead) -> list[dict]:
        """A run of decisions under one policy, after a ``politique`` record if the last
        record names another policy; returns their records."""
        first = run[0]
        sha = first.content.fields["politique"]["sha256"]
        if head.politique != sha:
            self.log.msg("politique", contenu=schema.policy_content(first.policy, sha))
        if len(run) == 1:
            return [self.log.msg("decision", contenu=first.content)]
        return self.log.msg("decision", contenus=[item.content for item in run])

    def close(self) -> None:
        self.sink.close()

    def _sha(self, policy: CheckedPolicy) -> str:
        if policy is not self._policy:
            self._policy, self._policy_sha = policy, policy.sha256
        return self._policy_sha


class _HeldUntilOpen:
    """A file journal's warnings, held while it is opened until it proves to be a journal:
    a file that is not one (``--journal politique.tamis``) is refused without being told to
    be made private first (« chmod 600 »). Said in order once ``release`` is called."""

    def __init__(self, warn: Callable[[str], None]) -> None:
        self.warn, self.held = warn, []

    def __call__(self, message: str) -> None:
        if self.held is None:
            self.warn(message)
        else:
            self.held.append(message)

    def release(self) -> None:
        held, self.held = self.held, None
        for message in held or ():
            self.warn(message)


def _runs(pending: list[Pending], size: int) -> Iterator[list[Pending]]:
    """Consecutive items under the same policy, at most ``size`` at a time (the same policy
    object is the same policy; other objects are compared by their source's sha256)."""
    start = 0
    while start < len(pending):
        policy = pending[start].policy
        sha = pending[start].content.fields["politique"]["sha256"]
        end = start + 1
        limit = min(len(pending), start + size)
        while end < limit and (
            pending[end].policy is policy
            or pending[end].content.fields["politique"]["sha256"] == sha
        ):
            end += 1
        yield pending[start:end]
        start = end


@contextlib.contextmanager
def open_journal(
    path: str | os.PathLike[str] | None = None,
    *,
    durability: DurabilityMode = DurabilityMode.GROUPEE,
    minimise: bool = False,
    warn: Callable[[str], None] = warn_on_stderr,
    group_size: int = 1000,
    group_ms: float = 100.0,
) -> Iterator[Journal]:
    """A ``Journal`` on ``path`` (default: ``default_journal_path()``), closed (and synced) on exit;
    a ``postgresql://`` URL is a journal in PostgreSQL (``tamis.audit.postgres``).

    ``durability`` is ``STRICTE`` or ``GROUPEE`` (``sink.parse_durability`` reads the
    word users write); ``warn`` receives French warnings (torn last
    line set aside, permissive file mode). Raises ``JournalError``.
    """
    head = ChainHead()
    named = path if path is not None else os.environ.get(ENV_VAR)
    if postgres_url(named):  # PostgreSQL: each batch is one committed transaction
        from tamis.audit.postgres.sink import open_sink

        sink, where = open_sink(str(named), head), None
    else:
        where = Path(path) if path is not None else default_journal_path()
        warn = held = _HeldUntilOpen(warn)
        sink = JournalFile(where, head, Durability(durability, group_size, group_ms), warn)
    journal = Journal(sink, head, minimise=minimise)
    try:
        journal.open()
        if where is not None:  # a file, now known to be a journal: before appending to a
            held.release()  # broken chain
            integrity.warn_if_damaged(where, warn)
        else:  # PostgreSQL: the same check, from the last point found intact
            from tamis.audit.postgres.integrity import warn_if_damaged

            warn_if_damaged(str(named), warn)
        yield journal
    finally:
        journal.close()
