"""What a journal file has already decided: the latest decision of given invitation ids.

Sits beside the queries (``queries``, ``index``): ``tamis decider`` asks it, one batch of ids
at a time, before deciding (``tamis.triage.repeat``). The query index answers each batch in
one SQL query (it is brought up to date once, when the first batch is asked: a journal
holding no decision yet is never indexed); when the index cannot be used (``index=False``,
a read-only folder…), one scan of the journal builds a map of every id's latest decision,
and each batch is looked up there. Nothing here reads the journal once per invitation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from tamis.audit.chain import parse_record
from tamis.audit.errors import JournalError
from tamis.audit.inputs import Previous, previous_of
from tamis.audit.reader import PathLike, Warn

if TYPE_CHECKING:
    from tamis.audit.postgres.seen import PostgresLedger

_IDS = 500  # ids per query (SQLite's limit on parameters is 999 in old versions)
DECISION_MARK = b'"evenement":"decision"'  # in every decision line as written
_FIRST = 1 << 16  # bytes read to tell a journal that holds no decision yet


class FileLedger:
    """``triage.repeat.Ledger`` over a journal file; ``close`` it (or use ``with``)."""

    def __init__(self, path: PathLike, warn: Warn, *, index: bool = True) -> None:
        self.path, self.warn, self.use_index = path, warn, index
        self.index = None
        self.scanned: dict[str, Previous] | None = None
        self.empty = not _may_hold_decisions(path)

    def __enter__(self) -> FileLedger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def latest(self, ids: Sequence[str]) -> Mapping[str, Previous]:
        if self.empty or not ids:
            return {}
        if self.scanned is None and self.index is None:
            self._open()
        if self.index is not None:
            from tamis.audit.index import Failed

            try:
                return self._indexed(ids)
            except Failed:
                self.close()
                self._open(index=False)
        assert self.scanned is not None
        return {i: self.scanned[i] for i in ids if i in self.scanned}

    def _indexed(self, ids: Sequence[str]) -> dict[str, Previous]:
        found: dict[str, Previous] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), _IDS):
            found.update(self.index.latest(unique[start : start + _IDS]))
        return found

    def _open(self, *, index: bool | None = None) -> None:
        from tamis.audit.queries import current_index

        wanted = self.use_index if index is None else index
        try:
            self.index = current_index(self.path, wanted, {}, self.warn)
        except JournalError:  # a first line that is not a record: the scan passes it over
            self.index = None
        if self.index is None:
            self.scanned = scan(self.path)

    def close(self) -> None:
        if self.index is not None:
            with contextlib.suppress(Exception):
                self.index.connection.close()
            self.index = None


def scan(path: PathLike) -> dict[str, Previous]:
    """Every id's latest decision, from one pass over the journal. A line that is not a
    record is passed over: appending to a damaged journal already warns (``integrity``),
    and the invitations it may have held are decided again rather than none at all."""
    latest: dict[str, Previous] = {}
    with open(path, "rb") as stream:
        for line in stream:
            if DECISION_MARK not in line:
                continue
            record = parse_record(line.rstrip(b"\n"))
            if record is not None and record["evenement"] == "decision":
                previous = previous_of(record)
                latest[previous.id] = previous
    return latest


def _may_hold_decisions(path: PathLike) -> bool:
    """False for a missing journal or one whose only line is its ``ouverture`` record."""
    try:
        with open(path, "rb") as stream:
            start = stream.read(_FIRST)
    except OSError:
        return False
    return len(start) >= _FIRST or start.count(b"\n") > 1 or not start.endswith(b"\n")


@contextlib.contextmanager
def open_ledger(journal: str, warn: Warn) -> Iterator[FileLedger | PostgresLedger]:
    """The ledger of a journal file or of a ``postgresql://`` journal, closed on exit."""
    from tamis.audit.postgres.url import is_url

    if is_url(journal):
        from tamis.audit.postgres.seen import PostgresLedger

        ledger: FileLedger | PostgresLedger = PostgresLedger(journal)
    else:
        ledger = FileLedger(journal, warn)
    try:
        yield ledger
    finally:
        ledger.close()
