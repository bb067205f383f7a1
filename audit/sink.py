"""The append-only file the processors write to: a logger of our own with ``msg()``.

Last step of writing (decision -> record -> processors -> **sink**). ``JournalFile`` opens the
journal in append mode, mode 0600, and serialises writers with ``fcntl.flock``: inside
``locked()`` it re-reads the chain head if another process wrote since (setting a torn last line
aside), lets the processors number and seal records against that head, queues the pieces of
each line that ``msg()`` receives, and writes them (``os.writev``, a chunk at a time) before the
lock is released. Durability:

- ``stricte``: ``fdatasync`` before the lock is released; a record the caller saw is on disk.
- ``groupee``: a background thread calls ``fdatasync`` every ``group_size`` records and
  ``group_ms`` after the first record not yet synced, and the journal syncs at close; the
  writer does not wait for the disk unless a second group is full before the first is synced.
  A power cut can lose what was not yet synced: at most two groups (``2 × group_size``
  records) or the last ``group_ms`` plus one sync (a killed process loses nothing: the
  operating system already has the bytes).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from tamis.audit.chain import ChainHead
from tamis.audit.errors import JournalError, os_error_message, system_reason, write_reason
from tamis.audit.torn import recover_tail, write_all

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

sync_file = getattr(os, "fdatasync", os.fsync)
"""Data (and the size needed to read it back) to stable storage; ``fsync`` where missing."""


def yield_interpreter() -> None:
    """Let the journal's other threads (writer, sync) take the interpreter now.

    They need it for a few lines of Python around each ``writev`` or ``fdatasync``; while the
    sealing thread runs Python they would wait for CPython's switch interval (5 ms), and a
    sync started or noted that late is a sync the disk was not doing. Called each time work
    is handed to one of them: once per chunk of lines, once per group to sync."""
    time.sleep(0)


class DurabilityMode(Enum):
    """When a record is on disk (``--durabilite``); the value is the word users write."""

    STRICTE = "stricte"
    GROUPEE = "groupee"


@dataclass(frozen=True)
class Durability:
    """When the file sink syncs: its mode, and ``groupee``'s group size and delay."""

    mode: DurabilityMode
    group_size: int = 1000
    group_ms: float = 100.0


def parse_durability(name: str) -> DurabilityMode:
    """The mode a user named (``groupée`` with its accent too); raises ``JournalError``."""
    try:
        return DurabilityMode(name.replace("é", "e"))
    except ValueError:
        raise JournalError(
            f"durabilité inconnue « {name} » : choisissez stricte ou groupee."
        ) from None


class JournalFile:
    """The wrapped logger: ``msg(pieces, record=…)`` (or ``msg(pieces, records=…)`` for a
    run) appends sealed lines under the lock; ``pieces`` concatenate to the line(s).

    Pieces queue up while the processors seal the next records; once ``CHUNK`` records are
    queued and more arrive, the queue goes to a writer thread (``os.writev`` releases the GIL,
    so a long batch is written while the next lines are sealed), in order, one ``writev`` at
    a time: the content a record was rendered to is written from where it lies, never copied
    into a line. The last chunk of a section is written by the caller at exit: handing it to
    the thread only to wait for it at once cost a thread switch per batch of ``decider``
    (≈ 4 % of its main thread). A record is at most two pieces and a run at most ``CHUNK``
    records (``Journal.write``), so a chunk (fewer than ``2 × CHUNK`` records) is one
    ``writev`` when ``IOV_MAX`` is 1024, as on Linux. ``with sink.locked():`` returns only
    once every line is written (and, with ``stricte``, synced)."""

    CHUNK = 256  # records per write within a long batch

    def __init__(
        self, path: Path, head: ChainHead, durability: Durability, warn: Callable[[str], None]
    ) -> None:
        self.path, self.head, self.warn = path, head, warn
        self._pending: list[bytes] = []  # pieces of the lines not yet handed to a write
        self._queued = 0  # records in ``_pending``
        self._written = 0  # records written in this locked section
        self._depth = 0  # nesting of ``locked()`` sections (the lock is held when > 0)
        self._saved: tuple = ()  # the head when the section started (restored on error)
        self._fd = _open_append(path, warn)
        self._inode = _inode(os.fstat(self._fd))
        self._retired: list[int] = []  # descriptors of files an erasure replaced
        grouped = durability.mode is DurabilityMode.GROUPEE
        self._syncer = GroupSync(self._fd, durability) if grouped else None
        self._writer: ThreadPoolExecutor | None = None
        self._inflight: Future | None = None
        self._strict_syncs = 0
        self._closed = False  # then no section opens: its descriptor may be another file's

    def msg(
        self, pieces: list[bytes], record: dict | None = None, records: list | None = None
    ) -> dict | list[dict]:
        """Queue the pieces of a sealed line, or of the lines of a run (``records``), to be
        written before ``locked()`` exits, and advance the head past them."""
        if not self._depth:
            raise RuntimeError("JournalFile.msg outside locked()")
        if self._queued >= self.CHUNK:  # more lines follow a full chunk: write it meanwhile
            self._hand_off()
        self._pending += pieces
        last = record if records is None else records[-1]
        self._queued += 1 if records is None else len(records)
        self.head.advance(last, sum(map(len, pieces)))  # type: ignore[arg-type]
        return record if records is None else records  # type: ignore[return-value]

    def locked(self) -> JournalFile:
        """``with sink.locked() as head:`` holds the file lock: refresh the head, let records
        be queued, write them, sync. Nested sections share the outer one."""
        return self

    def __enter__(self) -> ChainHead:
        if self._depth:
            self._depth += 1
            return self.head
        if self._closed:
            raise JournalError(f"{self.path} : le journal est fermé (le service s'arrête).")
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self._follow_replacement()
        self._depth, self._written, head = 1, 0, self.head
        self._saved = (head.seq, head.empreinte, head.politique)
        try:
            size = os.lseek(self._fd, 0, os.SEEK_END)  # the file's size, without a stat
            if size != head.size:  # another process wrote, or a torn line: re-read
                head.restore(recover_tail(self._fd, self.path, size, self.warn))
                self._saved = (head.seq, head.empreinte, head.politique)
        except BaseException:
            self._abandon()
            raise
        return head

    def __exit__(self, kind: type | None, error: BaseException | None, trace: object) -> None:
        if self._depth > 1:
            self._depth -= 1
            return
        if kind is not None:
            self._abandon()
            return
        try:
            self._flush()
        except BaseException:
            self._abandon()
            raise
        self._depth = 0
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        """Sync (``groupee``) and close; a section opened afterwards raises ``JournalError``
        instead of locking, reading or writing a descriptor the process may have given to
        another file since."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._writer.shutdown()
        if self._syncer is not None:
            self._syncer.close()
        for fd in (*self._retired, self._fd):
            os.close(fd)

    def _follow_replacement(self) -> None:
        """Called with the lock held: if ``tamis journal effacer`` (or ``migrer`` in place)
        replaced the file by a rename since it was opened, lock and append to the new one, or
        these records would go to the old, unlinked file."""
        while True:
            try:
                current = _inode(os.stat(self.path))
            except OSError:
                return  # gone or unreachable: the next write reports it
            if current == self._inode:
                return
            fd = _open_append(self.path, self.warn)
            fcntl.flock(fd, fcntl.LOCK_EX)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._retired.append(self._fd)
            self._fd, self._inode, self.head.size = fd, _inode(os.fstat(fd)), -1
            if self._syncer is not None:
                self._syncer.switch(fd)

    def _abandon(self) -> None:
        """After an error: drop what is queued, restore the head, release the lock; whatever
        reached the file is re-read by the next section."""
        try:
            self._pending.clear()
            self._queued = 0
            self._settle(raise_error=False)
            head = self.head
            head.seq, head.empreinte, head.politique = self._saved
            head.size = -1
        finally:
            self._depth = 0
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _hand_off(self) -> None:
        """Give the queued lines to the writer thread (after the previous chunk is written)."""
        pieces, count = self._pending, self._queued
        self._pending, self._queued = [], 0
        self._settle()
        if self._writer is None:  # a short run never starts it: imported only here
            from concurrent.futures import ThreadPoolExecutor

            self._writer = ThreadPoolExecutor(1, thread_name_prefix="tamis-journal-write")
        self._inflight = self._writer.submit(self._write, pieces, count)
        yield_interpreter()  # the writer starts now; a sync thread that finished gets on

    def _settle(self, *, raise_error: bool = True) -> None:
        """Wait for the chunk in the writer thread, if any; raise its error."""
        inflight, self._inflight = self._inflight, None
        if inflight is not None and inflight.exception() is not None and raise_error:
            raise inflight.exception()  # type: ignore[misc]

    def _write(self, pieces: list[bytes], count: int) -> None:
        try:
            write_all(self._fd, pieces)
        except OSError as error:
            raise JournalError(os_error_message(self.path, error, "écrire dans")) from None
        self._written += count

    def _flush(self) -> None:
        if self._inflight is not None:
            self._settle()
        if self._pending:
            pieces, count = self._pending, self._queued
            self._pending, self._queued = [], 0
            self._write(pieces, count)
        if not self._written:
            return
        if self._syncer is not None:
            self._syncer.wrote(self._written)
            return
        try:
            sync_file(self._fd)
        except OSError as error:
            raise JournalError(os_error_message(self.path, error, "synchroniser")) from None
        self._strict_syncs += 1

    @property
    def syncs(self) -> int:
        """``fdatasync`` calls made so far (for the service's metrics)."""
        return self._strict_syncs + (self._syncer.syncs if self._syncer is not None else 0)


def _inode(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _open_append(path: Path, warn: Callable[[str], None]) -> int:
    flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC
    try:
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
            _sync_directory(path)
        except FileExistsError:
            fd = os.open(path, flags)
    except OSError as error:  # ENOENT: its folder, since the file would have been created
        raise JournalError(os_error_message(path, error, "ouvrir", write_reason)) from None
    _check_file(fd, path, warn)
    return fd


def _check_file(fd: int, path: Path, warn: Callable[[str], None]) -> None:
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise JournalError(f"{path} n'est pas un fichier ordinaire ; le journal doit en être un.")
    if mode & 0o077:
        warn(
            f"{path} est lisible par d'autres utilisateurs (mode {stat.S_IMODE(mode):04o}) alors "
            f"qu'il contient des données personnelles ; corrigez avec : chmod 600 {path}"
        )


def _sync_directory(path: Path) -> None:
    """Make the new file's directory entry durable (best effort where unsupported)."""
    with contextlib.suppress(OSError):
        fd = os.open(path.parent if str(path.parent) else ".", os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class GroupSync:
    """``groupee``: a background thread syncs every ``group_size`` records, or ``group_ms``
    after the first record not yet synced, while the writer goes on writing.

    At most two groups are ever written but not synced: the one the thread is syncing and
    the one being written. A writer that brings that count to two groups waits until the
    thread has synced enough, however late the thread wakes (the disk sets the pace, memory
    and exposure stay bounded)."""

    def __init__(self, fd: int, durability: Durability) -> None:
        self.fd, self.size, self.delay = fd, durability.group_size, durability.group_ms / 1000
        self._lock = threading.Lock()  # never taken twice by one thread
        self._cond = threading.Condition(self._lock)
        self._unsynced, self._since, self._closed, self._in_sync = 0, 0.0, False, 0
        self.syncs = 0  # fdatasync calls made by the thread
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="tamis-journal-sync", daemon=True)
        self._thread.start()

    def wrote(self, count: int) -> None:
        """``count`` records were written (not yet synced); may wait for the previous group."""
        with self._lock:
            if self._error is not None:
                self._raise_pending_error()
            first = not self._unsynced
            if first:
                self._since = time.monotonic()
            self._unsynced += count
            due = self._unsynced >= self.size
            if first or due:  # the first one starts the thread's timer
                self._cond.notify_all()
            while self._unsynced + self._in_sync >= 2 * self.size and self._error is None:
                self._cond.wait()
        if due:
            yield_interpreter()  # the sync thread starts its fdatasync now, not in 5 ms

    @property
    def pending(self) -> int:
        """Records written but not yet known to be on disk."""
        with self._cond:
            return self._unsynced + self._in_sync

    def switch(self, fd: int) -> None:
        """Sync ``fd`` from now on (the journal file was replaced; the old one stays open)."""
        with self._cond:
            self.fd = fd

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()
        self._raise_pending_error()
        if self._unsynced:
            sync_file(self.fd)
            self._unsynced = 0

    def _raise_pending_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            reason = system_reason(error)
            raise JournalError(f"synchronisation du journal sur disque impossible : {reason}.")

    def _due(self) -> float:
        """Seconds until the next sync is due (0: now; -1: nothing to sync)."""
        if not self._unsynced:
            return -1.0
        if self._unsynced >= self.size:
            return 0.0
        return max(0.0, self._since + self.delay - time.monotonic())

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                due = self._due()
                if due != 0.0:
                    self._cond.wait(None if due < 0 else due)
                    continue
                self._sync_in_background()

    def _sync_in_background(self) -> None:
        """Sync what is written so far, with the lock released so the writer goes on."""
        self._in_sync, self._unsynced = self._unsynced, 0
        fd = self.fd  # the records counted were written to this one (``switch``)
        self._cond.release()
        try:
            sync_file(fd)
            self.syncs += 1
        except OSError as error:  # reported to the writer at its next record or at close
            self._error = error
        finally:
            self._cond.acquire()
            self._in_sync = 0
            self._cond.notify_all()
