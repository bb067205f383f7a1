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
