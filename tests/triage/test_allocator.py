"""``triage.allocator``: the trimmer gives back to the system the free memory glibc keeps in
its heap between blocks still in use (which freeing alone does not). In a fresh interpreter,
so that nothing else moves its memory meanwhile. Linux and glibc, as CI and every other test
that reads ``/proc`` assume: not skipped elsewhere, so that a trimmer that stops working fails."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
from tamis.triage.allocator import trimmer

def resident():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("RssAnon:"))
    return int(line.split()[1]) * 1024

blocks = [bytearray(b"x" * 65536) for _ in range(400)]  # from the heap: under 128 KiB each
kept = blocks[::20]  # still in use, scattered: the heap's top cannot shrink past them
del blocks
before = resident()
trimmer()()
print(before - resident())
"""


def test_the_trimmer_gives_back_the_free_pages_between_blocks_in_use() -> None:
    run = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) >= 16 << 20  # of the 25 MiB freed


THRESHOLDS = """
import sys
from tamis.triage.allocator import fixed_thresholds

def resident():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("RssAnon:"))
    return int(line.split()[1]) * 1024

if sys.argv[1] == "fixed":
    fixed_thresholds()
first = b"x" * (1 << 20)
del first  # glibc alone now serves blocks up to 1 MiB from its heap
before = resident()
blocks = [b"x" * (256 << 10) for _ in range(100)]  # a message's worth each
kept = blocks[::10]  # still in use, scattered: 2.5 MiB
del blocks
print(resident() - before)
"""


def number_printed(script: str, mode: str) -> int:
    """The number ``script`` prints, run with ``mode`` in an interpreter of its own (each
    run starts from a fresh allocator)."""
    run = subprocess.run(
        [sys.executable, "-c", script, mode], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    return int(run.stdout)


def test_fixed_thresholds_give_large_blocks_back_as_soon_as_they_are_freed() -> None:
    """22.5 MiB of blocks of 256 KiB freed among others still in use: given back at once
    with ``fixed_thresholds``; kept in the heap without (the same script, as glibc leaves it
    once a block of 1 MiB was freed)."""
    grown = {mode: number_printed(THRESHOLDS, mode) for mode in ("fixed", "glibc")}
    assert grown["fixed"] < 4 << 20  # the 2.5 MiB still in use
    assert grown["glibc"] > 16 << 20


KEPT = """
import resource, sys
from tamis.triage.allocator import kept_in_heap

if sys.argv[1] == "kept":
    kept_in_heap()

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def batch():  # a worker's batch: its results, then its reply, built, sent and freed
    blocks = [b"x" * (200 << 10) for _ in range(8)]
    del blocks

batch()
before = faults()
for _ in range(20):
    batch()
print(faults() - before)
"""


def test_a_worker_keeps_its_batches_memory_in_its_heap() -> None:
    """Twenty batches of 1.6 MiB of blocks built and freed: with ``kept_in_heap``, each
    reuses the pages of the one before (no page fault); under glibc's own thresholds, the
    heap's free top goes back to the system after each and the next faults its pages in
    again (400 a batch)."""
    faults = {mode: number_printed(KEPT, mode) for mode in ("kept", "glibc")}
    assert faults["kept"] < 200
    assert faults["glibc"] > 2000
