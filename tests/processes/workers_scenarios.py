"""What ``test_workers`` runs, each in a fresh interpreter: a pool forks only from a process
with no other thread, and pytest's process may have some (servers, journal threads) left by
other tests. Each scenario raises ``AssertionError`` if what it checks does not hold."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tamis.processes.workers import _PIPE_BYTES, WorkerPool, WorkerStopped

STATE: list[str] = []  # what ``enter`` gave each worker (read back by ``entered``)


def enter(state: str) -> None:
    STATE.append(state)


def entered() -> list[str]:
    return STATE


def later(value: int, seconds: float) -> int:
    time.sleep(seconds)
    return value


def pid_after(seconds: float) -> int:
    time.sleep(seconds)  # long enough for the other worker to take the next task
    return os.getpid()


def both(pool: WorkerPool) -> list[int]:
    """The two workers' process ids."""
    return sorted({task.result() for task in [pool.submit(pid_after, 0.5) for _ in range(2)]})


def large(size: int) -> bytes:
    return b"x" * size


def failing() -> None:
    raise ValueError("dans le processus")


def alive(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        running = [p for p in pids if os.path.exists(f"/proc/{p}") and not zombie(p)]
        if not running:
            return []
        time.sleep(0.02)
    return running


def zombie(number: int) -> bool:
    try:
        with open(f"/proc/{number}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def each_worker_starts_with_the_state_and_results_come_in_the_order_asked():
    pool = WorkerPool(2, enter, "état")
    try:
        assert [pool.submit(entered).result() for _ in range(2)] == [["état"], ["état"]]
        slow, quick = pool.submit(later, 1, 0.5), pool.submit(later, 2, 0.0)
        assert (slow.result(), quick.result()) == (1, 2)
        tasks = [pool.submit(later, n, 0.01 * (n % 3)) for n in range(20)]
        assert [task.result() for task in tasks] == list(range(20))
    finally:
        pool.close()
    assert STATE == []  # ``enter`` ran in the workers, not here


def a_large_result_and_a_worker_error_come_back():
    pool = WorkerPool(2, enter, "état")
    try:
        assert len(pool.submit(large, 20_000_000).result()) == 20_000_000
        with pytest.raises(ValueError, match="dans le processus"):
            pool.submit(failing).result()
        assert pool.submit(later, 3, 0).result() == 3
    finally:
        pool.close()


def a_worker_killed_while_sending_a_large_result_stops_the_pool_at_once():
    """The hang this pool exists for: a worker killed in the middle of writing its result."""
    pool = WorkerPool(2, enter, "état")
    workers = both(pool)
    assert len(workers) == 2
    try:
        tasks = [pool.submit(large, 200_000_000) for _ in range(4)]
        time.sleep(0.3)  # the results are being written
        os.kill(workers[0], signal.SIGKILL)
        started = time.monotonic()
        with pytest.raises(WorkerStopped):
            for task in tasks:
                task.result()
        assert time.monotonic() - started < 30
    finally:
        pool.close()
    assert alive(workers) == []


def a_run_that_stops_early_kills_its_workers_without_waiting():
    pool = WorkerPool(2, enter, "état")
    workers = both(pool)
    assert len(workers) == 2
    pool.submit(later, 0, 60)
    pool.submit(later, 0, 60)
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 10
    assert alive(workers) == []


def lock_holder(pids: list[int]) -> int:
    """The worker waiting on the task pipe, under the task lock (the others wait for the
    lock): the one whose kernel wait is a pipe read."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        reading = [p for p in pids if "pipe" in Path(f"/proc/{p}/wchan").read_text()]
        if len(reading) == 1:
            return reading[0]
        time.sleep(0.02)
    raise AssertionError("aucun processus n'attend une tâche")


def a_worker_killed_while_waiting_for_a_task_does_not_hold_close_back():
    """The worker waiting for the next task holds the task lock: killed there, it never
    gives it back, and the others, waiting for it, never read their order to stop. ``close``
    sees the death on its sentinel and kills them at once (it waited ``_JOIN_SECONDS``)."""
    pool = WorkerPool(3, enter, "état")
    workers = sorted({task.result() for task in [pool.submit(pid_after, 0.5) for _ in range(3)]})
    assert len(workers) == 3
    os.kill(lock_holder(workers), signal.SIGKILL)
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 3
    assert alive(workers) == []


def ctrl_c_is_left_to_the_parent():
    """A terminal sends Ctrl-C to the whole process group: the workers ignore it, just
    started or busy. (That one sent while a worker is being forked waits until it ignores
    it is seen only from the command line, ``tests/audit/test_audit_pool``: about one
    traceback in six without it.)"""
    pool = WorkerPool(2)
    try:
        for worker in multiprocessing.active_children():
            os.kill(worker.pid, signal.SIGINT)  # at once: the worker has barely started
        assert [pool.submit(later, n, 0.01).result() for n in range(6)] == list(range(6))
        for pid in both(pool):
            os.kill(pid, signal.SIGINT)
        assert [pool.submit(later, n, 0.01).result() for n in range(6)] == list(range(6))
    finally:
        pool.close()


def the_pool_refuses_to_fork_once_another_thread_runs():
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with pytest.raises(RuntimeError, match="before any other thread"):
            WorkerPool(2, enter, "état")
    finally:
        release.set()
        other.join()


def each_pipe_holds_a_whole_batch():
    """The task pipe and each result pipe hold ``_PIPE_BYTES`` (Linux lets a process ask up
    to ``pipe-max-size``, 1 MiB by default; a pipe keeps 64 KiB otherwise), and a result as
    large as a batch's still comes back whole."""
    pool = WorkerPool(2, enter, "état")
    try:
        limit = int(Path("/proc/sys/fs/pipe-max-size").read_text())
        expected = _PIPE_BYTES if limit >= _PIPE_BYTES else 65536
        pipes = [pool._tasks, *pool._pipes]
        assert [fcntl.fcntl(p.fileno(), fcntl.F_GETPIPE_SZ) for p in pipes] == [expected] * 3
        assert len(pool.submit(large, 900_000).result()) == 900_000
    finally:
        pool.close()
