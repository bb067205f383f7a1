"""The C library's allocator asked, now and then, to give back the free memory it keeps: for
``tamis decider`` with workers (``parallel.decide_in_pool``, every ``TRIM_EVERY`` batches).

A batch's texts and results cross between processes as messages of hundreds of KiB, and this
process holds a few at a time. glibc's ``malloc`` keeps the space they leave in its heaps
(one per thread: the result reader has its own) for the next ones; but the blocks that live
longer, scattered between them, leave that space in pieces, and the free memory it keeps
resident grew with the input: 9.7 MiB free in its heaps at the end of 300,000 invitations,
6.6 at the end of 10,000. ``malloc_trim(0)`` gives back every whole free page of every heap.
Once every 64 batches (16,384 invitations) it costs next to nothing, and a run of a million
invitations peaked at 65.9 MiB for the whole process tree instead of 69.8 (two alternating
rounds, load 3.5). A C library without ``malloc_trim`` (macOS) is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable

TRIM_EVERY = 64  # batches between two trims


def trimmer() -> Callable[[], object]:
    """A call that asks the C library to give back the free pages of its heaps (one that
    does nothing where it cannot be asked)."""
    import ctypes  # only a run with workers pays for it

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    return lambda: trim(0)
