"""Signals sent to ``tamis servir`` while it stops or starts: it stops cleanly, exits 0.

A service is sent signals at any moment: a SIGHUP from a deployment script or a closed
terminal while it stops, a SIGTERM while its workers are being started. Each test sends
them to a real ``tamis servir`` at that moment and checks that it stops as it should.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from servir_harness import NO_PHOTO, POLICY, Served, decisions_in, run_tamis, serve


def test_a_sighup_sent_while_the_service_stops_does_not_end_it(tmp_path: Path) -> None:
    """Once stopping, the service removed its SIGHUP handler, which left SIGHUP's default:
    one sent then ended it before its journals were closed (exit by signal, no « arret »).
    It is now heard and does nothing: the service stops as if it had not come."""
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    served = serve("-p", "p.tamis", "--journal", "j.jsonl", cwd=tmp_path)
    with served.client() as http:
        assert http.post("/decisions", json=NO_PHOTO).status_code == 200
    served.send(signal.SIGTERM)
    deadline = time.monotonic() + 30
    while served.process.poll() is None and time.monotonic() < deadline:
        try:
            served.send(signal.SIGHUP)  # from the SIGTERM to the exit, every moment
        except ProcessLookupError:
            break
        time.sleep(0.0005)
    assert served.stop() == 0, served.lines
    assert served.events()[-1]["evenement"] == "arret", served.lines


def test_a_sigterm_sent_while_the_workers_are_started_stops_them_all(tmp_path: Path) -> None:
    """A SIGTERM reaching the parent of --processus N while it started its workers was
    forwarded to those already in its list: none while it started the first, so the
    workers served on and the parent waited for them forever."""
    served, children = first_worker_starting(tmp_path)
    served.send(signal.SIGTERM)
    assert stopped(served, children) == 0, served.lines


def test_a_ctrl_c_while_the_workers_start_stops_them_without_a_traceback(
    tmp_path: Path,
) -> None:
    """Ctrl-C sends SIGINT to every process of the terminal: a worker of --processus N
    still importing what it serves with raised KeyboardInterrupt there, and wrote Python's
    traceback, in English, among the log's JSON lines. It now stops once it can, quietly."""
    served, children = first_worker_starting(tmp_path)
    for pid in [served.process.pid, *map(int, children.read_text().split())]:
        os.kill(pid, signal.SIGINT)  # as the terminal does
    assert stopped(served, children) == 0, served.lines
    assert all(line.startswith("{") for line in served.lines), served.lines


def first_worker_starting(tmp_path: Path) -> tuple[Served, Path]:
    """``tamis servir --processus 2`` as its parent starts the first worker, and the file
    listing its children. Starting a worker takes as long as it needs to read what it
    starts with (importing what it serves with, then its policies): a large policy holds
    the parent there."""
    filler = "".join(f"# commentaire n° {n} qui allonge la politique\n" for n in range(5000))
    (tmp_path / "p.tamis").write_text(POLICY + filler, encoding="utf-8")
    served = Served("-p", "p.tamis", "--journal", "j.jsonl", "--processus", "2", cwd=tmp_path)
    children = Path(f"/proc/{served.process.pid}/task/{served.process.pid}/children")
    deadline = time.monotonic() + 60
    while not any(map(is_worker, children.read_text().split())):
        assert time.monotonic() < deadline, served.lines
        time.sleep(0.001)
    return served, children


def is_worker(pid: str) -> bool:
    """Whether process ``pid`` is a worker (not multiprocessing's resource tracker)."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def stopped(served: Served, children: Path) -> int:
    """The service's exit code, once stopped within 30 s (else killed, with its workers)."""
    try:
        return served.process.wait(30)
    except subprocess.TimeoutExpired:
        for pid in children.read_text().split():
            os.kill(int(pid), signal.SIGKILL)
        served.process.kill()
        lines = "\n".join(served.lines)
        raise AssertionError("le service ne s'est pas arrêté :\n" + lines) from None


def test_workers_whose_parent_is_killed_stop_and_close_their_journals(tmp_path: Path) -> None:
    """SIGKILL of the parent of --processus N (kill -9, the kernel's out-of-memory killer)
    left its workers serving on its port with nobody to replace them, stop them or forward a
    reload; a new ``tamis servir`` could not take the port. Each worker now sees its parent
    gone, says so, and stops as if told to: its journal closed, the chain intact."""
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    served = serve("-p", "p.tamis", "--journal", "j.jsonl", "--processus", "2", cwd=tmp_path)
    children = Path(f"/proc/{served.process.pid}/task/{served.process.pid}/children")
    with served.client() as http:
        assert http.post("/decisions", json=NO_PHOTO).status_code == 200
    workers = [int(pid) for pid in children.read_text().split() if is_worker(pid)]
    assert len(workers) == 2, served.lines
    served.process.kill()
    served.process.wait(10)
    deadline = time.monotonic() + 20
    while any(map(running, workers)):
        assert time.monotonic() < deadline, "un processus de travail sert encore"
        time.sleep(0.05)
    orphaned = [event for event in served.events() if event["evenement"] == "parent_arrete"]
    assert sorted(event["pid"] for event in orphaned) == sorted(workers), served.lines
    assert orphaned[0]["message"] == (
        "le processus parent de tamis servir s'est arrêté : ce processus de travail cesse de "
        "servir (relancez tamis servir)."
    )
    verified = run_tamis("journal", "verifier", "--journal", "j.jsonl", cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert len(decisions_in(tmp_path / "j.jsonl")) == 1


def running(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
