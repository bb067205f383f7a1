"""The C library's allocator, for ``tamis decider`` with workers (``parallel.start_pool`` and
``parallel.decide_in_pool``): large blocks kept out of its heaps, and the free memory it keeps
given back now and then.

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
(``processes.workers.Inbox``), so what is left here is each batch's task, once; a worker,
whose only large blocks are its result and its task, one of each per batch, keeps glibc's
behaviour (its heap does not grow with the input).

``malloc_trim(0)`` (``trimmer``) gives back every whole free page that smaller blocks leave
between longer-lived ones in every heap. Once every 64 batches (16,384 invitations) it costs
next to nothing, and a run of a million invitations peaked at 65.9 MiB for the whole process
tree instead of 69.8 (two alternating rounds, load 3.5). A C library without ``mallopt`` or
``malloc_trim`` (macOS) is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable

TRIM_EVERY = 64  # batches between two trims
MMAP_THRESHOLD = 128 * 1024  # bytes from which a block is a mapping of its own (glibc's default)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)


def fixed_thresholds() -> None:
    """Blocks of ``MMAP_THRESHOLD`` bytes or more served by mappings of their own, and a heap
    whose free top reaches that size shrunk, for the rest of this process (glibc no longer
    raises either threshold as blocks are freed)."""
    import ctypes  # only a run with workers pays for it

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_TRIM_THRESHOLD, MMAP_THRESHOLD)
    mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def trimmer() -> Callable[[], object]:
    """A call that asks the C library to give back the free pages of its heaps (one that
    does nothing where it cannot be asked)."""
    import ctypes  # only a run with workers pays for it

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    return lambda: trim(0)
