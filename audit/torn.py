"""Crash safety: a torn last line is found, reported in French, and kept aside.

A process killed while writing leaves at most one incomplete last line (lines are written
whole and in order, a chunk of lines per ``writev``: ``write_all``). Readers skip it and say
so (``torn_message``); the next writer, under the file lock, copies the torn bytes to
``<journal>.dechire-<horodatage>`` (mode 0600, synced), truncates the journal after the last
complete line, and continues the chain from that record (``recover_tail``). The torn bytes
are never silently dropped.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from tamis.audit.chain import ChainHead, head_from_line
from tamis.audit.errors import JournalError, os_error_message

_BLOCK = 1 << 16
_RECORD_START = b'{"contenu":'  # every canonical record starts like this


def _iov_max() -> int:
    """Most buffers one ``os.writev`` takes: 1,024 on Linux; 16, POSIX's floor, if unknown."""
    try:
        return max(16, os.sysconf("SC_IOV_MAX"))
    except (AttributeError, ValueError, OSError):
        return 16


IOV_MAX = _iov_max()


def torn_message(path: object, line: int | None, nbytes: int, moved_to: Path | None) -> str:
    """The French report of a torn last line (``line`` when the reader counted it)."""
    where = f"{path}:{line}" if line else str(path)
    text = (
        f"{where} : dernière ligne incomplète ({nbytes} octets) — une écriture a été "
        "interrompue (processus arrêté ou panne)"
    )
    if moved_to is None:
        return text + " ; elle est ignorée, la prochaine écriture la mettra de côté."
    return (
        text + f" ; octets déplacés dans {moved_to} ; la chaîne reprend après le dernier "
        "enregistrement complet."
    )


def last_newline(fd: int, end: int) -> int:
    """Offset of the last ``\\n`` before offset ``end``, or -1."""
    while end > 0:
        start = max(0, end - _BLOCK)
        found = os.pread(fd, end - start, start).rfind(b"\n")
        if found >= 0:
            return start + found
        end = start
    return -1


def recover_tail(fd: int, path: Path, size: int, warn: Callable[[str], None]) -> ChainHead:
    """The chain head of the journal open on ``fd``, after setting any torn last line aside."""
    end = last_newline(fd, size)
    head = _head_before(fd, path, end)
    if end + 1 < size:
        _set_aside(fd, path, end + 1, size, head, warn)
    return head


def tail_refused(path: Path) -> bool:
    """Whether the next writer would refuse the journal's end, as ``recover_tail`` does (its
    last complete line no record, or a first line no record), read only: a service's health
    check, which must not repair anything."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True
    try:
        size = os.fstat(fd).st_size
        end = last_newline(fd, size)
        head = _head_before(fd, path, end)
        if head.seq == 0 and end + 1 < size:
            start = os.pread(fd, len(_RECORD_START), end + 1)
            return not _RECORD_START.startswith(start)
        return False
    except (JournalError, OSError):
        return True
    finally:
        os.close(fd)


def _head_before(fd: int, path: Path, end: int) -> ChainHead:
    if end < 0:
        return ChainHead(size=0)
    start = last_newline(fd, end) + 1
    line = os.pread(fd, end - start, start)
    return head_from_line(line, end + 1, f"{path} (dernière ligne complète)")


def _set_aside(
    fd: int, path: Path, start: int, size: int, head: ChainHead, warn: Callable[[str], None]
) -> None:
    torn = os.pread(fd, size - start, start)
    if head.seq == 0 and not _RECORD_START.startswith(torn[: len(_RECORD_START)]):
        raise JournalError(f"{path} n'est pas un journal tamis ; rien n'a été écrit.")
    side = _side_path(path)
    try:
        _write_new(side, torn)
        os.ftruncate(fd, start)
        os.fsync(fd)
    except OSError as error:
        raise JournalError(os_error_message(path, error, "réparer")) from None
    warn(torn_message(path, head.seq + 1, len(torn), side))


def _side_path(path: Path) -> Path:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f".{time.time_ns() % 10**9:09d}Z"
    return path.with_name(f"{path.name}.dechire-{stamp}")


def _write_new(side: Path, data: bytes) -> None:
    fd = os.open(side, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        write_all(fd, [data])
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, pieces: list[bytes]) -> None:
    """Write the concatenation of ``pieces`` with ``os.writev`` until every byte is written.

    One ``writev`` per ``IOV_MAX`` pieces (the journal's chunks stay below it, so a chunk is
    one system call); a regular file may take fewer bytes at once, and the rest follows.
    ``pieces`` is consumed: its first unwritten piece may be replaced by what remains of it."""
    written = os.writev(fd, pieces[:IOV_MAX])
    if written == sum(map(len, pieces)):
        return
    done = 0
    while True:
        while done < len(pieces) and written >= len(pieces[done]):
            written -= len(pieces[done])
            done += 1
        if done == len(pieces):
            return
        if written:
            pieces[done] = memoryview(pieces[done])[written:]
        written = os.writev(fd, pieces[done : done + IOV_MAX])
