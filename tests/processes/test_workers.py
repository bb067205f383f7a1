"""``processes.workers.WorkerPool``: results in the order they were asked for, a worker's error
raised here, and a worker that dies seen at once, whatever it was doing, with no process left
behind (``tamis decider --processus`` and the journal's readers depend on all four). Each
scenario of ``workers_scenarios`` runs in a fresh interpreter (a pool forks only from a
process with no other thread)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SCENARIOS = [
    "each_worker_starts_with_the_state_and_results_come_in_the_order_asked",
    "a_large_result_and_a_worker_error_come_back",
    "a_worker_killed_while_sending_a_large_result_stops_the_pool_at_once",
    "a_run_that_stops_early_kills_its_workers_without_waiting",
    "a_worker_killed_while_waiting_for_a_task_does_not_hold_close_back",
    "ctrl_c_is_left_to_the_parent",
    "the_pool_refuses_to_fork_once_another_thread_runs",
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
