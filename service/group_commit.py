"""Group commit: the decisions of concurrent requests appended in one journal write.

Sits between the service's requests (``workspaces.Workspace.decide``, one thread each) and
the workspace's ``Journal``. Each request prepares its records (``Journal.prepare``: built,
rendered, hashed, no lock), queues them, then waits for the journal's lock. Whoever gets the
lock takes everything queued by then, its own records and those of the requests that came
while the previous write was in progress, and appends them in one ``Journal.write``: one
lock, one chain head read, one insert, one commit (for PostgreSQL: one transaction; for a
file: one locked write). A request whose records a previous holder already wrote finds them
done and returns at once.

Nothing is acknowledged before it is committed: a request returns its records only after
the write that holds them has returned; if that write fails (``JournalError``: rolled back,
nothing of it in the journal), every request of the group fails with the same error. The
group is bounded by the requests in flight; the journal chunks a large one (``CHUNK``).

Requests with an ``Idempotency-Key`` on a PostgreSQL journal (``write_keyed``) join the same
groups: when a group holds keys, its transaction is opened by the sink's ``answering``, which
looks every key up under the journal's lock; a request whose key any instance answered
already writes nothing and gets that answer (``Answered``), as does a second copy of a
request in the same group; every other keyed request's answer is inserted in the group's
transaction with the ``seq`` range of its records, so it is kept exactly when they are.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from typing import NamedTuple

from tamis.audit.journal import Journal, Pending
from tamis.audit.postgres.answers import Answer, Answered
from tamis.audit.record import ToRecord
from tamis.grammar.checked import CheckedPolicy


class Keyed(NamedTuple):
    """A request's ``Idempotency-Key``, its request's fingerprint and the answer it gives."""

    key: str
    fingerprint: str
    body: bytes


class _Waiting:
    """One request's records in the queue, and what became of them."""

    __slots__ = ("error", "kept", "keyed", "pending", "records")

    def __init__(self, pending: list[Pending], keyed: Keyed | None = None) -> None:
        self.pending, self.keyed = pending, keyed
        self.records: list[dict] | None = None
        self.kept: Answered | None = None  # the answer kept already for its key: nothing written
        self.error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.records is not None or self.kept is not None or self.error is not None


def _own_copy(error: BaseException) -> BaseException:
    """A copy of the group's error for one request, so that each raises its own (tracebacks
    never pile up on one object); the error itself if it cannot be copied."""
    try:
        return copy.copy(error).with_traceback(None)
    except Exception:
        return error


class GroupCommit:
    """Appends to ``journal`` under ``lock`` (the workspace's journal lock, which advice,
    seals and policy records also take), grouping the requests that wait for it."""

    def __init__(self, journal: Journal, lock: threading.Lock) -> None:
        self.journal, self.lock = journal, lock
        self.writes = 0  # journal writes done (each one commit), for the benchmarks
        self._queue: list[_Waiting] = []
        self._queue_lock = threading.Lock()

    @property
    def queued(self) -> int:
        """Requests waiting for the lock whose records are not written yet."""
        with self._queue_lock:
            return len(self._queue)

    def prepare(
        self, decided: Sequence[ToRecord], *, policy: CheckedPolicy, context_sha256: str | None
    ) -> list[Pending]:
        """The records of ``decided``, built, rendered and hashed (no lock, no I/O)."""
        prepare = self.journal.prepare
        return [prepare(d, policy=policy, context_sha256=context_sha256) for d in decided]

    def record_decisions(
        self,
        decided: Sequence[ToRecord],
        *,
        policy: CheckedPolicy,
        context_sha256: str | None = None,
    ) -> list[dict]:
        """``Journal.record_decisions``, grouped: the records once committed, in order."""
        return self.write(self.prepare(decided, policy=policy, context_sha256=context_sha256))

    def write(self, pending: list[Pending]) -> list[dict]:
        """Append ``pending`` with whatever else is queued; returns its records once
        committed, or raises the group's ``JournalError``."""
        waiting = self._wait(_Waiting(pending))
        assert waiting.records is not None
        return waiting.records

    def write_keyed(self, pending: list[Pending], keyed: Keyed) -> Answered | None:
        """Append ``pending`` with whatever else is queued and keep ``keyed``'s answer in
        the same transaction (None, once committed); or, if an answer was kept for the key
        already (by any instance, or by a copy of this request in the group), that one,
        nothing written. Raises the group's ``JournalError``. A PostgreSQL journal only."""
        return self._wait(_Waiting(pending, keyed)).kept

    def _wait(self, waiting: _Waiting) -> _Waiting:
        """Queue ``waiting`` and return it once its group was written (or raise)."""
        with self._queue_lock:
            self._queue.append(waiting)
        with self.lock:
            if not waiting.done:
                self._write_queued()
        if waiting.error is not None:
            raise _own_copy(waiting.error) from None
        return waiting

    def _write_queued(self) -> None:
        """Under the lock: write every queued request's records in one ``Journal.write``
        (with their answers, when some carry a key), then tell each request its share."""
        with self._queue_lock:
            group, self._queue = self._queue, []
        try:
            if any(waiting.keyed for waiting in group):
                shares = self._write_keyed(group)
            else:
                shares = _shares(group, self.journal.write(_items(group)))
        except BaseException as error:
            for waiting in group:
                waiting.error = error
            return
        self.writes += 1
        for waiting, records in shares:
            waiting.records = records

    def _write_keyed(self, group: list[_Waiting]) -> list[tuple[_Waiting, list[dict]]]:
        """One transaction: the keys looked up, the records of the requests not answered
        yet written, and their answers kept."""
        keys = [waiting.keyed.key for waiting in group if waiting.keyed]
        with self.journal.sink.answering(keys) as kept:  # type: ignore[attr-defined]
            writing = _not_answered(group, kept.found)
            shares = _shares(writing, self.journal.write(_items(writing)))
            for waiting, records in shares:
                if waiting.keyed is not None:
                    kept.keep(_answer(waiting.keyed, records))
        return shares


def _items(group: list[_Waiting]) -> list[Pending]:
    return [item for waiting in group for item in waiting.pending]


def _shares(group: list[_Waiting], records: list[dict]) -> list[tuple[_Waiting, list[dict]]]:
    """Each request of ``group`` with its own records, cut from the write's in order."""
    shares, start = [], 0
    for waiting in group:
        end = start + len(waiting.pending)
        shares.append((waiting, records[start:end]))
        start = end
    return shares


def _not_answered(group: list[_Waiting], found: dict[str, Answered]) -> list[_Waiting]:
    """The requests of ``group`` to write; each other one (its key answered already, or
    carried by an earlier request of the group) gets the answer kept for its key."""
    writing: list[_Waiting] = []
    first: dict[str, Keyed] = {}
    for waiting in group:
        keyed = waiting.keyed
        if keyed is None:
            writing.append(waiting)
        elif keyed.key in found:
            waiting.kept = found[keyed.key]
        elif keyed.key in first:
            waiting.kept = Answered(first[keyed.key].fingerprint, first[keyed.key].body)
        else:
            first[keyed.key] = keyed
            writing.append(waiting)
    return writing


def _answer(keyed: Keyed, records: list[dict]) -> Answer:
    seqs = [record["seq"] for record in records]
    span = (min(seqs), max(seqs)) if seqs else None
    return Answer(keyed.key, keyed.fingerprint, keyed.body, span)
