"""The append-only file the processors write to: a logger of our own with ``msg()``.

Last step of writing (decision -> record -> processors -> **sink**). ``JournalFile`` opens the
journal in append mode, mode 0600, and serialises writers with ``fcntl.flock``: inside
``locked()`` it re-reads the chain head if another process wrote since (setting a torn last line
aside), lets the processors number and seal records against that head, queues each line that
``msg()`` receives, and writes them all in one ``write`` before the lock is released. Durability:

- ``stricte``: ``fdatasync`` before the lock is released; a record the caller saw is on disk.
- ``groupee``: ``fdatasync`` every ``group_size`` records, ``group_ms`` after the first record
  not yet synced (a background thread), and at close; a power cut can lose what was written
  in that window (the operating system already has it: a killed process loses nothing).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tamis.audit.chain import ChainHead
from tamis.audit.errors import JournalError, os_error_message
from tamis.audit.torn import recover_tail, write_all

sync_file = getattr(os, "fdatasync", os.fsync)
"""Data (and the size needed to read it back) to stable storage; ``fsync`` where missing."""


@dataclass(frozen=True)
class Durability:
    name: str  # "stricte" | "groupee"
    group_size: int = 1000
    group_ms: float = 100.0


def parse_durability(name: str, group_size: int = 1000, group_ms: float = 100.0) -> Durability:
    normal = name.replace("é", "e")
    if normal not in ("stricte", "groupee"):
        raise JournalError(f"durabilité inconnue « {name} » : choisissez stricte ou groupee.")
    return Durability(normal, group_size, group_ms)


class JournalFile:
    """The wrapped logger: ``msg(line, record)`` appends one sealed line under the lock."""

    def __init__(
        self, path: Path, head: ChainHead, durability: Durability, warn: Callable[[str], None]
    ) -> None:
        self.path, self.head, self.warn = path, head, warn
        self._pending: list[bytes] = []
        self._locked = False
        self._fd = _open_append(path, warn)
        self._syncer = GroupSync(self._fd, durability) if durability.name == "groupee" else None

    def msg(self, line: bytes, record: dict) -> dict:
        """Queue a sealed line (written when ``locked()`` exits) and advance the head."""
        if not self._locked:
            raise RuntimeError("JournalFile.msg outside locked()")
        self._pending.append(line)
        self.head.advance(record, len(line))
        return record

    @contextlib.contextmanager
    def locked(self) -> Iterator[ChainHead]:
        """Hold the file lock: refresh the head, let records be queued, write them, sync."""
        if self._locked:
            yield self.head
            return
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self._locked, saved = True, self.head.copy()
        try:
            self._refresh()
            saved = self.head.copy()
            yield self.head
            self._flush()
        except BaseException:
            self._pending.clear()
            self.head.restore(saved)
            self.head.size = -1  # whatever reached the file is re-read next time
            raise
        finally:
            self._locked = False
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._syncer is not None:
            self._syncer.close()
        os.close(self._fd)

    def _refresh(self) -> None:
        size = os.fstat(self._fd).st_size
        if size != self.head.size:
            self.head.restore(recover_tail(self._fd, self.path, size, self.warn))

    def _flush(self) -> None:
        if not self._pending:
            return
        data, count = b"".join(self._pending), len(self._pending)
        self._pending.clear()
        try:
            write_all(self._fd, data)
            if self._syncer is None:
                sync_file(self._fd)
        except OSError as error:
            raise JournalError(os_error_message(self.path, error, "écrire dans")) from None
        if self._syncer is not None:
            self._syncer.wrote(count)


def _open_append(path: Path, warn: Callable[[str], None]) -> int:
    flags = os.O_RDWR | os.O_APPEND | os.O_CLOEXEC
    try:
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o600)
            _sync_directory(path)
        except FileExistsError:
            fd = os.open(path, flags)
    except OSError as error:
        raise JournalError(os_error_message(path, error, "ouvrir")) from None
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
    """``groupee``: sync every ``group_size`` records, or ``group_ms`` after the first unsynced."""

    def __init__(self, fd: int, durability: Durability) -> None:
        self.fd, self.size, self.delay = fd, durability.group_size, durability.group_ms / 1000
        self._cond = threading.Condition()
        self._unsynced, self._since, self._closed = 0, 0.0, False
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="tamis-journal-sync", daemon=True)
        self._thread.start()

    def wrote(self, count: int) -> None:
        with self._cond:
            self._raise_pending_error()
            if not self._unsynced:
                self._since = time.monotonic()
                self._cond.notify()
            self._unsynced += count
            if self._unsynced >= self.size:
                self._sync()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()
        with self._cond:
            self._raise_pending_error()
            if self._unsynced:
                self._sync()

    def _sync(self) -> None:
        sync_file(self.fd)
        self._unsynced = 0

    def _raise_pending_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            reason = error.strerror or str(error)
            raise JournalError(f"synchronisation du journal sur disque impossible : {reason}.")

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                if not self._unsynced:
                    self._cond.wait()
                    continue
                remaining = self._since + self.delay - time.monotonic()
                if remaining > 0:
                    self._cond.wait(remaining)
                else:
                    self._sync_in_background()

    def _sync_in_background(self) -> None:
        try:
            self._sync()
        except OSError as error:  # reported to the writer at its next record or at close
            self._error, self._unsynced = error, 0
