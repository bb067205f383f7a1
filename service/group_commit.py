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
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence

from tamis.audit.journal import Journal, Pending
from tamis.audit.record import ToRecord
from tamis.grammar.checked import CheckedPolicy


class _Waiting:
    """One request's records in the queue, and what became of them."""

    __slots__ = ("error", "pending", "records")

    def __init__(self, pending: list[Pending]) -> None:
        self.pending = pending
        self.records: list[dict] | None = None
        self.error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self.records is not None or self.error is not None

    def result(self) -> list[dict]:
        if self.error is not None:
            raise _own_copy(self.error) from None
        assert self.records is not None
        return self.records


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

    def record_decisions(
        self,
        decided: Sequence[ToRecord],
        *,
        policy: CheckedPolicy,
        context_sha256: str | None = None,
    ) -> list[dict]:
        """``Journal.record_decisions``, grouped: the records once committed, in order."""
        prepare = self.journal.prepare
        pending = [prepare(d, policy=policy, context_sha256=context_sha256) for d in decided]
        return self.write(pending)

    def write(self, pending: list[Pending]) -> list[dict]:
        """Append ``pending`` with whatever else is queued; returns its records once
        committed, or raises the group's ``JournalError``."""
        waiting = _Waiting(pending)
        with self._queue_lock:
            self._queue.append(waiting)
        with self.lock:
            if not waiting.done:
                self._write_queued()
        return waiting.result()

    def _write_queued(self) -> None:
        """Under the lock: write every queued request's records in one ``Journal.write``."""
        with self._queue_lock:
            group, self._queue = self._queue, []
        try:
            records = self.journal.write([item for w in group for item in w.pending])
        except BaseException as error:
            for waiting in group:
                waiting.error = error
            return
        self.writes += 1
        start = 0
        for waiting in group:
            end = start + len(waiting.pending)
            waiting.records, start = records[start:end], end
