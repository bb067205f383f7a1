"""The journal's readers on several cores (``blocks.in_pool``, over ``tamis.processes``):
the same results as one pass, no worker left behind, no fork beside another thread, and a
worker killed in the middle of ``tamis journal verifier`` ends it with a French error instead
of a hang. The scenarios of ``pool_scenarios`` run in fresh interpreters (a pool forks only
from a process with no other thread)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from journal_helpers import large_journal, started_workers

from tamis.audit import blocks

HERE = Path(__file__).parent
SCENARIOS = [
    "workers_read_the_ranges_and_give_what_one_pass_gives",
    "a_read_stopped_early_leaves_no_worker_behind",
    "a_reader_beside_another_thread_reads_in_its_own_process",
    "a_worker_s_journal_error_comes_back_as_raised_there",
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_reading_in_a_pool(scenario: str, tmp_path: Path) -> None:
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import pool_scenarios as s"
    code += f"; s.{scenario}({str(tmp_path)!r})"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(Path(f"/proc/{pid}").exists() for pid in pids)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A journal large enough for the pool at its default threshold."""
    path = tmp_path_factory.mktemp("grand") / "grand.jsonl"
    large_journal(path, blocks.PARALLEL_FROM + (16 << 20))
    return path


def verifying(path: Path) -> tuple[subprocess.Popen, list[int]]:
    """``tamis journal verifier`` started on ``path`` (in a process group of its own, Ctrl-C
    as in a terminal), once its two workers are up."""
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()"]
    process = subprocess.Popen(
        [*command, "journal", "verifier", "--journal", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    workers = started_workers(process)
    return process, workers


def test_a_reader_killed_during_verifier_stops_it_with_a_french_error(large: Path) -> None:
    """SIGKILL of a worker of ``tamis journal verifier`` on a journal large enough for the
    pool (the default threshold): exit 1 and the French error, within seconds."""
    path = large
    process, workers = verifying(path)
    started = time.monotonic()
    os.kill(workers[0], signal.SIGKILL)
    out, err = process.communicate(timeout=60)
    assert time.monotonic() - started < 30
    assert process.returncode == 1, (out, err)
    assert f"lecture de {path} interrompue : un processus auxiliaire s'est arrêté" in err
    assert "Traceback" not in err and "OK" not in out
    assert gone(workers)


def test_ctrl_c_during_verifier_stops_it_without_a_worker_traceback(large: Path) -> None:
    """Ctrl-C reaches the whole process group: the workers leave it to the main process,
    which stops them and says « Abandon ! »."""
    process, workers = verifying(large)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1 and err.strip() == "Abandon !", err
    assert gone(workers)
