"""The C library's allocator, for ``tamis decider`` with workers (``parallel.start_pool`` and
``parallel.decide_in_pool``): in the main process, large blocks kept out of its heaps, and the
free memory it keeps given back now and then; in a worker, its batches' blocks kept in its heap.

A batch's texts and results cross between processes as messages of hundreds of KiB, and
this process holds a few at a time. glibc's ``malloc`` serves a block of 128 KiB or more with
a mapping of its own, returned to the system when freed, but only until the first one is
freed: it then raises that threshold to the size freed (and the one from which it shrinks a
heap's top to twice that), so that every later message lands in its heaps (one per thread:
the result reader has its own), among blocks that live longer, and leaves pieces of free
memory there: the heaps of this process grew with the input (24 MiB of address space for
6 MiB in use at the end of 200,000 invitations, 11 at 16,000). ``fixed_thresholds`` keeps
both thresholds at glibc's own default (128 KiB) for the rest of the run, once the workers
are forked: a large block goes back to the system as soon as it is freed, which costs its
pages' first touch each time. The result reader reads into a buffer of its own
(``processes.workers.Inbox``), so what is left here is each batch's task, once.

A worker is the other way round (``kept_in_heap``, at its start): its large blocks are its
batch's results and their pickled reply (about 1 MiB each for 256 invitations), built, sent
and freed once per batch, and nothing else lives long beside them. Under glibc's own
thresholds the free top of its heap went back to the system after each batch and was
touched anew by the next: a page fault per invitation (24,000 to 26,000 in the workers for
20,000 invitations, 0.11 to 0.17 s of system time); with both thresholds raised, 6,500 faults
(the pages they share with this process, copied as they are written) and 0.04 to 0.05 s.
What it keeps: about 2 MiB more per worker, whatever the input's length (whole tree's peak
PSS for 200,000 invitations 52.9 -> 57.0 MiB, for 10,000 47.6-51.9 -> 51.3-51.8; two rounds
each, load 3).

``malloc_trim(0)`` (``trimmer``) gives back every whole free page that smaller blocks leave
between longer-lived ones in every heap. Once every 64 batches (16,384 invitations) it costs
next to nothing, and a run of a million invitations peaked at 65.9 MiB for the whole process
tree instead of 69.8 (two alternating rounds, load 3.5). A C library without ``mallopt`` or
``malloc_trim`` (macOS) is left as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

TRIM_EVERY = 64  # batches between two trims
MMAP_THRESHOLD = 128 * 1024  # bytes from which a block is a mapping of its own (glibc's default)
WORKER_MMAP_THRESHOLD = 16 << 20  # a worker: no batch's block is a mapping of its own
WORKER_TRIM_THRESHOLD = 4 << 20  # a worker: its heap's free top kept up to this size
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)


def fixed_thresholds() -> None:
    """Blocks of ``MMAP_THRESHOLD`` bytes or more served by mappings of their own, and a heap
    whose free top reaches that size shrunk, for the rest of this process (glibc no longer
    raises either threshold as blocks are freed)."""
    _set(MMAP_THRESHOLD, MMAP_THRESHOLD)


def kept_in_heap() -> None:
    """A worker's blocks, however large, served from its heap, and the heap's free top kept
    up to ``WORKER_TRIM_THRESHOLD``, for the rest of this process: each batch reuses the
    memory the one before it freed instead of faulting in fresh pages."""
    _set(WORKER_MMAP_THRESHOLD, WORKER_TRIM_THRESHOLD)


@functools.cache
def c_library() -> Any:
    """The C library, through ``ctypes`` (None where it cannot be loaded), once per process:
    ``parallel.start_pool`` asks for it before forking, so that no worker imports ``ctypes``
    again (2 ms each)."""
    import ctypes  # only a run with workers pays for it

    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def _set(mmap_threshold: int, trim_threshold: int) -> None:
    """glibc's two thresholds set (neither moves by itself afterwards); nothing where the
    C library has no ``mallopt``."""
    mallopt = getattr(c_library(), "mallopt", None)
    if mallopt is None:
        return
    mallopt(_M_TRIM_THRESHOLD, trim_threshold)
    mallopt(_M_MMAP_THRESHOLD, mmap_threshold)


def trimmer() -> Callable[[], object]:
    """A call that asks the C library to give back the free pages of its heaps (one that
    does nothing where it cannot be asked)."""
    trim = getattr(c_library(), "malloc_trim", None)
    if trim is None:
        return lambda: None
    return lambda: trim(0)
