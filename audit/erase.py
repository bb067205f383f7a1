"""Erasure: the one operation that rewrites the journal, replacing personal parts by tombstones.

Sits beside the writer (``sink``), under the same file lock: ``erase`` takes the writers'
``flock``, sets a torn last line aside as a writer would, and copies the journal into a
temporary file in the same folder, line by line: every format 3 decision or advice
(``conseil``) the ``Selection`` picks has its personal part replaced by a tombstone
(``personal.tombstone``), every other line is copied byte for byte. It then appends an
``effacement`` record (the erased ``seq`` numbers, the motif) chained after the old head,
syncs the temporary file, renames it over the journal and syncs the folder. A crash at any
moment leaves the old journal whole (before the rename) or the new one whole (after it); a
leftover temporary file is removed by the next erasure.
Writers that opened the old file follow the rename (``sink.JournalFile``), so no record is
lost. The query index is deleted (the next query rebuilds it from the new journal) so that no
copy of the erased data stays in it.

The service's answers kept for ``Idempotency-Key`` beside the journal (``answers``) can quote
what is erased: those that answer an erased record are emptied in the same erasure, under
SQLite's write lock taken before the journal's (the service's order), and committed just
before the rename: a crash between the two leaves answers emptied for records still whole,
which running the erasure again erases; never an erased record's answer left whole.

Digests do not change: a tombstone keeps the commitment the digest covers, so ``verifier``
and every seal (``seal``) still hold. Format 2 decisions cannot be erased (their digest covers
their data): they are counted (``Erasure.legacy``) and ``tamis journal migrer`` is the way.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from tamis.audit import advice, answers, blocks, layout, personal
from tamis.audit.chain import ChainHead, parse_record
from tamis.audit.errors import JournalError, os_error_message
from tamis.audit.filters import Filter, Sender
from tamis.audit.index import discard, index_path
from tamis.audit.new_file import sync_folder
from tamis.audit.processors import UtcClock
from tamis.audit.reader import PathLike, Warn, check_first_line
from tamis.audit.record import SCHEMA_VERSION
from tamis.audit.torn import recover_tail

_TEMP_SUFFIX = ".tmp"
_ID = re.compile(rb'"id":("(?:[^"\\]|\\.)*"),"inconnues":')
_KEY = b'"donnees_personnelles"'  # in every format 3 decision line, however laid out


def _temp_prefix(path: Path) -> str:
    return f".{path.name}.effacement-"


@dataclass(frozen=True)
class Selection:
    """Which decisions and advice to erase: by invitation or advice id, by a journal filter
    (for advice: its period, and ``--expediteur`` read as the recipient, ``advice.matches``),
    by age (``before``: an ``horodatage`` bound, excluded). Every given criterion must hold."""

    ids: frozenset[str] = frozenset()
    filter: Filter | None = None
    before: str | None = None

    def may_match(self, line: bytes) -> bool:
        """The byte pre-test: a line this rules out is never parsed (its ``id`` and time read
        where tamis writes them); a line laid out otherwise is left to ``matches``."""
        if self.ids:
            found = _ID.search(line)  # the first: the decision part's, before the personal part
            if found is not None and orjson.loads(found.group(1)) not in self.ids:
                return False
        if self.before is not None:
            tail = layout.read_tail(line)
            if tail is not None and tail.horodatage >= self.before:
                return False
        return True

    def matches(self, record: dict) -> bool:
        content, event = record["contenu"], record.get("evenement")
        return (
            event in personal.ERASABLE
            and (not self.ids or content.get("id") in self.ids)
            and (self.filter is None or self._filtered(event, record))
            and (self.before is None or record.get("horodatage", "") < self.before)
        )

    def _filtered(self, event: str | None, record: dict) -> bool:
        assert self.filter is not None
        if event == advice.EVENT:
            return advice.matches(self.filter, record)
        return self.filter.matches(record)


@dataclass
class Erasure:
    """What ``erase`` did (or, with ``count_only``, would do)."""

    erased: list[int] = field(default_factory=list)  # seq numbers, file order
    advice: int = 0  # how many of ``erased`` are advice (``conseil``), not decisions
    legacy: int = 0  # format 1/2 decisions selected, which cannot be erased
    already: int = 0  # selected decisions erased before
    record: dict | None = None  # the ``effacement`` record appended
    answers: int = 0  # answers kept for ``Idempotency-Key`` emptied with them
    ids: set[str] = field(default_factory=set)  # the ids of every record selected, erasable or not
    people: dict[str, None] = field(default_factory=dict)  # whose data go: sender or recipient


def count(path: PathLike, selection: Selection) -> Erasure:
    """What ``erase`` would erase now (for the confirmation), without the lock."""
    check_first_line(path)
    found = Erasure()
    with open(path, "rb") as stream:
        for line in _lines(stream.fileno()):
            _classify(line, selection, found)
    return found


def erase(
    path: PathLike,
    selection: Selection,
    motif: str,
    *,
    warn: Warn,
    step: Callable[[str], None] | None = None,
    clock: Callable[[], str] | None = None,
) -> Erasure:
    """Erase the personal part of the selected decisions (see the module's docstring).

    ``step`` is told each stage (``verrou``, ``copie``, ``ecrit``, ``synchronise``,
    ``remplace``): the crash tests kill the process there. Raises ``JournalError``."""
    check_first_line(path)
    where = Path(path)
    tell = step or (lambda _stage: None)
    with answers.locked(where) as kept, _locked(where) as fd:
        tell("verrou")
        head = recover_tail(fd, where, os.lseek(fd, 0, os.SEEK_END), warn)
        _remove_leftovers(where)
        moment = (clock or UtcClock())()
        done = _rewrite(where, fd, head, selection, motif, moment, tell, kept)
    if done.erased:
        discard(index_path(where))
    return done


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    """The journal open and locked as the writers lock it; if another erasure replaced the
    file while this one waited, the new file is locked instead."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)  # RDWR: a torn line is set aside
        except OSError as error:
            raise JournalError(os_error_message(path, error, "ouvrir")) from None
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield fd
    finally:
        os.close(fd)  # releases the lock, after the rename


def _rewrite(
    path: Path,
    fd: int,
    head: ChainHead,
    selection: Selection,
    motif: str,
    moment: str,
    tell: Callable[[str], None],
    kept: sqlite3.Connection | None,
) -> Erasure:
    done = Erasure()
    seq = head.seq + 1  # the ``effacement`` record's
    temp_fd, temp = tempfile.mkstemp(
        prefix=_temp_prefix(path), suffix=_TEMP_SUFFIX, dir=path.parent or "."
    )
    try:
        with os.fdopen(temp_fd, "wb", buffering=1 << 20) as out:
            for number, line in enumerate(_lines(fd, head.size), 1):
                if _classify(line, selection, done):
                    line = _erased(line, seq, moment, motif)
                out.write(line)
                out.write(b"\n")
                if number % 1000 == 0:
                    tell("copie")
            if not done.erased:
                return done
            record, sealed = _erasure_record(head, seq, moment, motif, done.erased)
            out.write(sealed)
            done.record = record
            out.flush()
            tell("ecrit")
            os.fsync(out.fileno())
        tell("synchronise")
        if kept is not None:  # before the rename: see the module's docstring
            done.answers = answers.erase(kept, done.erased, seq)
            kept.execute("COMMIT")
            kept.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # no old copy left in the WAL
        os.replace(temp, path)
        temp = None
        sync_folder(path.parent)
        tell("remplace")
        return done
    except OSError as error:
        raise JournalError(os_error_message(path, error, "réécrire")) from None
    except sqlite3.Error as error:  # the answers: rolled back, the journal not replaced
        raise answers.failed(answers.path_for(path), error) from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _lines(fd: int, size: int | None = None) -> Iterator[bytes]:
    """The complete lines of the file on ``fd`` (up to ``size``), without their ``\\n``."""
    end = os.fstat(fd).st_size if size is None else size
    for data, stop in blocks.raw_blocks(fd, 0, end):
        if not stop:
            return
        view = memoryview(data)
        start = 0
        while start < stop:
            newline = data.find(b"\n", start, stop)
            yield bytes(view[start:newline])
            start = newline + 1


def _classify(line: bytes, selection: Selection, found: Erasure) -> bool:
    """True if ``line`` is an unerased format 3 decision or advice the selection picks; counts the
    selected ones that cannot be erased (format 2) or already were."""
    if (b'"decision"' not in line and b'"conseil"' not in line) or not selection.may_match(line):
        return False
    record = parse_record(line)
    if record is None or not selection.matches(record):
        return False
    found.ids.add(record["contenu"].get("id"))
    if personal.erased(record) is not None:
        found.already += 1
        return False
    if record.get("version", 0) < personal.FORMAT or not _has_personal_part(line):
        found.legacy += 1
        return False
    found.erased.append(record["seq"])
    found.advice += record["evenement"] == advice.EVENT
    if (person := _person(record)) is not None:
        found.people[person] = None
    return True


def _person(record: dict) -> str | None:
    """Whom an erasable record is about, as ``chercher`` shows them (name, else profile URL):
    the confirmation names them, so that a sender matched by a part of a name is seen."""
    content = record["contenu"]
    if record["evenement"] == advice.EVENT:
        name, url = advice.recipient(content)
    else:
        name, url = Sender.person(content)
    shown = name or url
    return shown if isinstance(shown, str) and shown else None


def _has_personal_part(line: bytes) -> bool:
    """The line holds a personal part with its data (however the line is laid out)."""
    if _KEY not in line:
        return False
    part = orjson.loads(line).get(personal.KEY)
    if not (isinstance(part, dict) and "donnees" in part):
        return False
    try:
        personal.commitment(part)  # a part edited out of shape is left to ``verifier``
    except ValueError:
        return False
    return True


def _erased(line: bytes, seq: int, moment: str, motif: str) -> bytes:
    """The line with its personal part replaced by the tombstone of erasure ``seq``."""
    raw = orjson.loads(line)
    raw[personal.KEY] = personal.tombstone(raw[personal.KEY], seq, moment, motif)
    return layout.canonical(raw)


def _erasure_record(
    head: ChainHead, seq: int, moment: str, motif: str, erased: list[int]
) -> tuple[dict, bytes]:
    """The ``effacement`` record, chained after ``head``, and its line."""
    record = {
        "contenu": {"effaces": erased, "motif": motif, "nombre": len(erased)},
        "evenement": "effacement",
        "horodatage": moment,
        "precedente": head.empreinte,
        "seq": seq,
        "version": SCHEMA_VERSION,
    }
    line, digest = layout.seal(layout.canonical(record))
    return {**record, "empreinte": digest}, line


def _remove_leftovers(path: Path) -> None:
    """Temporary files an erasure killed midway left behind (under the lock, none is live)."""
    prefix = _temp_prefix(path)
    with contextlib.suppress(OSError):
        for entry in os.scandir(path.parent if str(path.parent) else "."):
            if entry.name.startswith(prefix) and entry.name.endswith(_TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
