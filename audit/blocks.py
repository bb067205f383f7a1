"""Reading a journal in large blocks, whole or by byte ranges, and on several cores.

Sits under every reader (``reader``, ``verify``, ``queries``): the file is read in blocks of
``BLOCK`` bytes with ``os.pread``, split on ``\\n``, the partial last line carried over to
the next block; a range ``[start, end)`` always begins and ends at a line boundary
(``split``), so the ranges of a file hold each line exactly once. ``map_ranges`` runs a
function over the ranges of a large file in worker processes (``tamis.processes``, forked),
a few ranges in flight at a time, and yields the results in file order: memory stays flat,
whatever the journal's size. Small files, machines with one core, and processes where
another thread runs (the HTTP service) are read in this process. A read that fails, here or
in a worker, and a worker that dies, are a French ``JournalError``.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from tamis.audit.errors import JournalError, os_error_message

if TYPE_CHECKING:
    from tamis.audit.reader import PathLike
    from tamis.processes.workers import WorkerPool

BLOCK = 8 << 20  # bytes read at a time
RANGE = 64 << 20  # bytes per range handed to a worker process
PARALLEL_FROM = 96 << 20  # files smaller than this are read in this process
IN_FLIGHT = 2  # parts handed to the workers per worker, not yet handed back
T = TypeVar("T")  # what a job returns
S = TypeVar("S")  # what a job reads: a file's path, a database's URL
P = TypeVar("P")  # a part of it: a ``Range`` of bytes, a range of row numbers


class Range(NamedTuple):
    start: int  # offset of the range's first line
    end: int  # offset just past its last ``\\n`` (or the file's end, for the last range)
    last: bool  # the last range: bytes after its last ``\\n`` are a torn line


def blocks(fd: int, start: int, end: int) -> Iterator[tuple[list[bytes], bytes]]:
    """``(complete lines without \\n, b"")`` for each block of ``[start, end)``, then, if
    bytes follow the last ``\\n``, ``([], those bytes)`` (a torn line at the file's end)."""
    carry, offset = b"", start
    while offset < end:
        data = os.pread(fd, min(BLOCK, end - offset), offset)
        if not data:
            break
        offset += len(data)
        lines = (carry + data if carry else data).split(b"\n")
        carry = lines.pop()
        yield lines, b""
    if carry:
        yield [], carry


def raw_blocks(fd: int, start: int, end: int) -> Iterator[tuple[bytes, int]]:
    """``(data, stop)`` for each block of ``[start, end)``: ``data[:stop]`` are complete lines
    (``stop`` just after a ``\\n``). The next block is read from ``stop`` on, so nothing is
    copied twice; a line longer than a block is read whole. After the last ``\\n``, the torn
    bytes, if any, come as ``(data, 0)``."""
    offset, size = start, BLOCK
    while offset < end:
        data = os.pread(fd, min(size, end - offset), offset)
        if not data:
            return
        stop = data.rfind(b"\n") + 1
        if not stop:
            if offset + len(data) >= end:
                yield data, 0
                return
            size *= 2  # a line longer than the block: read more at once
            continue
        yield data, stop
        offset, size = offset + stop, BLOCK


def lines_holding(data: bytes, stop: int, needle: bytes) -> Iterator[tuple[int, int, int]]:
    """``(lines before it, start, end)`` of each line ``data[start:end]`` of ``data[:stop]``
    (complete lines, as ``raw_blocks`` gives them) that holds ``needle``: one ``find`` over
    the block jumps from one to the next, and lines are counted only up to the last one."""
    counted, lines, hit = 0, 0, data.find(needle, 0, stop)
    while hit >= 0:
        start = data.rfind(b"\n", 0, hit) + 1
        end = data.find(b"\n", hit, stop)
        lines += data.count(b"\n", counted, start)
        counted = start
        yield lines, start, end
        hit = data.find(needle, end, stop)


def split(fd: int, size: int, length: int = RANGE) -> list[Range]:
    """Ranges of about ``length`` bytes cut just after a ``\\n``; the last one ends at ``size``."""
    ranges, start = [], 0
    while start < size:
        cut = _next_line(fd, start + length, size) if start + length < size else size
        ranges.append(Range(start, cut, cut >= size))
        start = cut
    return ranges or [Range(0, 0, True)]


def _next_line(fd: int, offset: int, size: int) -> int:
    """The offset just after the first ``\\n`` at or after ``offset`` (``size`` if none)."""
    while offset < size:
        chunk = os.pread(fd, min(1 << 16, size - offset), offset)
        found = chunk.find(b"\n")
        if found >= 0:
            return offset + found + 1
        offset += len(chunk)
    return size


def workers() -> int:
    """Processes to use: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def map_ranges(
    path: PathLike,
    job: Callable[[PathLike, Range], T],
    *,
    length: int = RANGE,
    parallel_from: int = PARALLEL_FROM,
    processes: int | None = None,
) -> Iterator[T]:
    """``job(path, range)`` for each range of the file, in file order.

    In a pool of ``processes`` (default: ``workers()``) when the file is at least
    ``parallel_from`` bytes, else here; ``job`` must be a module-level function (it is sent to
    the workers by name) and return something small (a summary, a chunk of rows)."""
    try:
        with open(path, "rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            ranges = split(stream.fileno(), size, length)
        count = processes or workers()
        if size < parallel_from or count < 2 or len(ranges) < 2:
            yield from (job(path, part) for part in ranges)
        else:
            yield from in_pool(path, job, ranges, count)
    except OSError as error:
        raise JournalError(os_error_message(path, error, "lire")) from None


def in_pool(
    source: S,
    job: Callable[[S, P], T],
    parts: Iterable[P],
    count: int,
    shown: str | None = None,
    enter: Callable[[Any], None] | None = None,
) -> Iterator[T]:
    """``job(source, part)`` of each part, in order, by ``count`` worker processes
    (``tamis.processes``; each runs ``enter`` first, if given), ``IN_FLIGHT × count`` parts
    in flight: the ranges of a file, or of anything ``job`` reads (a database's rows;
    ``shown``: its name as users may see it).

    A worker that dies (killed, out of memory) is a French ``JournalError`` naming the
    journal; stopping early (an error, ``--limite``, the generator closed) kills the workers,
    whose results are no longer wanted. In a process where another thread runs (the HTTP
    service's), forking could copy a lock that thread holds: the parts are read here, one
    after the other, as a small file's are. multiprocessing is imported only when a pool
    starts: a small journal (every ``tamis decider`` opening one) is read without it."""
    from tamis.processes.workers import WorkerPool, WorkerStopped, alone

    if not alone():
        yield from (job(source, part) for part in parts)
        return
    pool = WorkerPool(count, enter)
    try:
        yield from _in_order(pool, source, job, parts, count)
    except WorkerStopped:
        raise JournalError(
            f"lecture de {shown or source} interrompue : un processus auxiliaire s'est arrêté "
            "(mémoire insuffisante ?) ; relancez la commande."
        ) from None
    finally:
        pool.close()


def _in_order(
    pool: WorkerPool, source: S, job: Callable[[S, P], T], parts: Iterable[P], count: int
) -> Iterator[T]:
    """The pool's results in order, ``IN_FLIGHT × count`` parts in flight."""
    todo = iter(parts)
    pending = deque(pool.submit(job, source, part) for part in islice(todo, IN_FLIGHT * count))
    while pending:
        result = pending.popleft().result()
        part = next(todo, None)
        if part is not None:
            pending.append(pool.submit(job, source, part))
        yield result
