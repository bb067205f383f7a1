"""``processes.workers.WorkerPool``: results in the order they were asked for, a worker's error
raised here, and a worker that dies seen at once, whatever it was doing, with no process left
behind (``tamis decider --processus`` and the journal's readers depend on all four). Each
scenario of ``workers_scenarios`` runs in a fresh interpreter (a pool forks only from a
process with no other thread)."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import threading
from multiprocessing import Pipe
from pathlib import Path

import pytest

from tamis.processes.workers import Inbox

HERE = Path(__file__).parent
SCENARIOS = [
    "each_worker_starts_with_the_state_and_results_come_in_the_order_asked",
    "a_large_result_and_a_worker_error_come_back",
    "a_worker_killed_while_sending_a_large_result_stops_the_pool_at_once",
    "a_run_that_stops_early_kills_its_workers_without_waiting",
    "a_worker_killed_while_waiting_for_a_task_does_not_hold_close_back",
    "ctrl_c_is_left_to_the_parent",
    "the_pool_refuses_to_fork_once_another_thread_runs",
    "each_pipe_holds_a_whole_batch",
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_worker_pool(scenario: str) -> None:
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import workers_scenarios as s"
    code += f"; s.{scenario}()"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_the_pool_imports_no_other_layer() -> None:
    """Below every layer that uses it (``audit``, ``triage``): it imports none of them."""
    code = "import sys, tamis.processes.workers; print(sorted(m for m in sys.modules if"
    code += " m.startswith('tamis.') and not m.startswith('tamis.processes')))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == "[]", run.stdout + run.stderr


def test_an_inbox_reads_each_message_whole_and_tells_the_ends_apart() -> None:
    """``Inbox``: ``send_bytes``'s messages, small, empty and larger than its buffer (read
    in many pieces: a pipe holds 64 KiB), each whole and in order; the pipe's end before a
    message is ``EOFError`` (a worker gone), within one ``OSError``."""
    reader, writer = Pipe(duplex=False)
    large = bytes(range(256)) * 1200  # 300 KiB
    sent = [b"court", b"", large, b"encore", large[::-1]]
    sender = threading.Thread(target=lambda: [writer.send_bytes(m) for m in sent])
    sender.start()
    inbox, got = Inbox(), []
    for _ in sent:
        with inbox.receive(reader) as message:
            got.append(bytes(message))
    sender.join()
    assert got == sent
    writer.close()
    with pytest.raises(EOFError):
        inbox.receive(reader)

    reader, writer = Pipe(duplex=False)
    writer.send_bytes(b"x" * 100)
    os.write(writer.fileno(), struct.pack("!i", 256) + b"y" * 10)  # a message cut short
    writer.close()
    with inbox.receive(reader) as message:
        assert bytes(message) == b"x" * 100
    with pytest.raises(OSError, match="end of file during message"):
        inbox.receive(reader)
