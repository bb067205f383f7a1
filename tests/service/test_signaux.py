"""Signals sent to ``tamis servir`` while it stops or starts: it stops cleanly, exits 0.

A service is sent signals at any moment: a SIGHUP from a deployment script or a closed
terminal while it stops, a SIGTERM while its workers are being started. Each test sends
them to a real ``tamis servir`` at that moment and checks that it stops as it should.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servir_harness import NO_PHOTO, POLICY, Served, decisions_in, is_worker, run_tamis, serve

sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))
sys.path.insert(0, str(Path(__file__).parents[1] / "audit"))
from journal_helpers import checked, fill
from test_effacer import age


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
    """``tamis servir --processus 2`` as its first worker starts (importing what it serves
    with, then loading its policy, here over 64 KiB), and the file listing its children."""
    filler = "".join(f"# commentaire n° {n} qui allonge la politique\n" for n in range(5000))
    (tmp_path / "p.tamis").write_text(POLICY + filler, encoding="utf-8")
    served = Served("-p", "p.tamis", "--journal", "j.jsonl", "--processus", "2", cwd=tmp_path)
    children = Path(f"/proc/{served.process.pid}/task/{served.process.pid}/children")
    deadline = time.monotonic() + 60
    while not any(map(is_worker, children.read_text().split())):
        assert time.monotonic() < deadline, served.lines
        time.sleep(0.001)
    return served, children


def stopped(served: Served, children: Path) -> int:
    """The service's exit code, once stopped within 30 s (else killed, with its workers)."""
    try:
        return served.wait(30)
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
    served.drained()  # the workers' last lines
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
    return _state(pid) != "Z"


@pytest.fixture(scope="module")
def expired(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A journal of 3,000 decisions 40 days old, all past a « conservation = "30j" »: the
    purge at start rewrites 5 MB, long enough to be caught midway."""
    path = tmp_path_factory.mktemp("expire") / "j.jsonl"
    fill(path, checked(), 3000)
    age(path, 40)
    return path.read_bytes()


def purging(tmp_path: Path, journal: bytes) -> tuple[Served, Path, Path]:
    """``tamis servir`` with ``journal`` and a 30-day retention, frozen (SIGSTOP) while its
    purge at start copies the journal: the temporary file that ``audit.erase`` renames over
    the journal once whole has bytes, and is not renamed yet. Returns the service, that
    file and the folder it serves in; the caller sends its signal, then ``SIGCONT``.
    The copy lasts some 60 ms: a test that signalled the service once it saw the copy, if
    it was not scheduled meanwhile (a loaded machine), found the purge done. Frozen, the
    service cannot finish it; a purge found done by the time it froze is started again, in
    a new folder."""
    for attempt in range(5):
        folder = tmp_path / f"essai-{attempt}"
        folder.mkdir()
        served, copy = _copy_begun(folder, journal)
        served.send(signal.SIGSTOP)
        while _state(served.process.pid) not in ("T", "Z"):
            time.sleep(0.001)
        if copy.exists():
            return served, copy, folder
        served.send(signal.SIGCONT)
        served.stop()
    raise AssertionError("purge jamais surprise en cours de copie")


def _copy_begun(folder: Path, journal: bytes) -> tuple[Served, Path]:
    """``tamis servir`` purging ``journal`` at start, once its copy has bytes; that copy."""
    (folder / "p.tamis").write_text(POLICY, encoding="utf-8")
    (folder / "tamis.toml").write_text('conservation = "30j"\n', encoding="utf-8")
    (folder / "j.jsonl").write_bytes(journal)
    (folder / "j.jsonl").chmod(0o600)  # as tamis writes it: no warning at start
    args = ("-p", "p.tamis", "--journal", "j.jsonl", "--contexte", "tamis.toml")
    served = Served(*args, cwd=folder)
    deadline = time.monotonic() + 60
    while not (copies := [p for p in folder.glob(".j.jsonl.effacement-*") if _size(p)]):
        assert time.monotonic() < deadline and served.process.poll() is None, served.lines
        time.sleep(0.001)
    return served, copies[0]


def _size(path: Path) -> int:
    """``path``'s size; 0 once gone (the copy renamed over the journal since it was listed)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _state(pid: int) -> str:
    """The state of process ``pid`` (``T``: stopped; ``Z``: dead, not yet reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_during_the_purge_at_start_ends_the_service_cleanly(
    tmp_path: Path, expired: bytes, signum: int
) -> None:
    """A SIGTERM while the service started (its journals checked, its retention purge under
    way) ended it by the signal's default action: journals left open, nothing logged, exit
    by signal; a Ctrl-C, with « Aborted! ». It now ends what was under way, closes what was
    opened (the purge's temporary file is gone), says so, and exits 0."""
    served, _copy, folder = purging(tmp_path, expired)
    served.send(signum)
    served.send(signal.SIGCONT)
    assert served.wait(30) == 0, served.lines
    name = signal.Signals(signum).name
    assert [event["evenement"] for event in served.events()] == ["arret_avant_service"], (
        served.lines
    )
    assert served.events()[0]["message"] == (
        f"{name} reçu pendant le démarrage : le service s'arrête avant d'avoir servi."
    )
    assert all(line.startswith("{") for line in served.lines), served.lines
    assert not list(folder.glob(".j.jsonl.effacement-*")), "copie du journal laissée"
    verified = run_tamis("journal", "verifier", "--journal", "j.jsonl", cwd=folder)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_sigkill_during_the_purge_at_start_loses_no_decision(
    tmp_path: Path, expired: bytes
) -> None:
    """The retention purge at start is crash-safe: killed midway (its copy begun, not
    renamed), it leaves the journal as it was, whole; the next start purges it."""
    served, copy, folder = purging(tmp_path, expired)
    served.process.kill()
    served.process.wait(10)
    assert copy.exists() and 0 < copy.stat().st_size < len(expired)  # killed midway
    assert (folder / "j.jsonl").read_bytes() == expired
    verified = run_tamis("journal", "verifier", "--journal", "j.jsonl", cwd=folder)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    args = ("-p", "p.tamis", "--journal", "j.jsonl", "--contexte", "tamis.toml")
    again = serve(*args, cwd=folder)
    assert again.wait_event(espace="defaut", effacees=3000)
    assert again.stop() == 0, again.lines
    assert not copy.exists()
    verified = run_tamis("journal", "verifier", "--journal", "j.jsonl", cwd=folder)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert len(decisions_in(folder / "j.jsonl")) == 3000


def test_a_worker_killed_as_it_is_spawned_is_replaced_and_said(tmp_path: Path) -> None:
    """The parent of --processus N wrote what a worker starts with (the policies, here over
    64 KiB) into the pipe the worker reads as it starts, and multiprocessing keeps the
    worker's end of that pipe open in the parent: a worker that died before reading it all
    (killed, out of memory) left the parent blocked in that write for good, serving nothing
    and deaf to SIGTERM. Now it replaces that worker, as any that dies, and says which one
    stopped and why."""
    served, children = first_worker_starting(tmp_path)
    worker = next(int(pid) for pid in children.read_text().split() if is_worker(pid))
    os.kill(worker, signal.SIGKILL)
    try:
        event = served.wait_event(30, evenement="processus_arrete", pid=worker)
        with served.wait_ready().client() as http:
            assert http.post("/decisions", json=NO_PHOTO).status_code == 200
    finally:
        served.send(signal.SIGTERM)
        assert stopped(served, children) == 0, served.lines
    assert event["message"] == (
        f"le processus de travail n° 1 (pid {worker}) s'est arrêté, tué par le signal "
        "SIGKILL : il est remplacé."
    )
    assert len(decisions_in(tmp_path / "j.jsonl")) == 1


def test_a_worker_that_cannot_start_is_said_in_french_and_started_again_ever_later(
    tmp_path: Path,
) -> None:
    """A worker of --processus N that could not open its journal (gone since the service
    checked it; likewise a database down while a worker is replaced) printed an English
    traceback into the JSON log, and its parent started another every 0.8 s, for good: a
    Python start each time on a core the other worker serves with, and a line. Now the
    worker says why in French (``processus_non_demarre``), and the parent waits 1, 2, 4… s
    between starts that keep failing; once the journal is back, one starts and serves."""
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    served = serve("-p", "p.tamis", "--journal", "j.jsonl", "--processus", "2", cwd=tmp_path)
    children = Path(f"/proc/{served.process.pid}/task/{served.process.pid}/children")
    try:
        worker = next(int(pid) for pid in children.read_text().split() if is_worker(pid))
        (tmp_path / "j.jsonl").rename(tmp_path / "j.mis-de-cote")
        (tmp_path / "j.jsonl").mkdir()  # the journal's path now names a folder
        os.kill(worker, signal.SIGKILL)
        failed = _failed_starts(served, 2)
        assert "il est remplacé dans 1 s (2 arrêts de suite moins de 10 s" in failed[0]
        assert "il est remplacé dans 2 s (3 arrêts de suite moins de 10 s" in failed[1]
        (tmp_path / "j.jsonl").rmdir()
        (tmp_path / "j.mis-de-cote").rename(tmp_path / "j.jsonl")
        with served.wait_serving(2, 30).client() as http:
            assert http.post("/decisions", json=NO_PHOTO).status_code == 200
    finally:
        served.send(signal.SIGTERM)
        assert stopped(served, children) == 0, served.lines
    said = [e["message"] for e in served.events() if e["evenement"] == "processus_non_demarre"]
    assert said[0] == (
        "le processus de travail ne peut pas démarrer : impossible d'ouvrir le journal "
        "j.jsonl : c'est un dossier, pas un fichier."
    )
    assert not [line for line in served.lines if not line.startswith("{")], served.lines


def _failed_starts(served: Served, count: int) -> list[str]:
    """The messages of the first ``count`` workers said stopped with code 1, within 30 s."""
    deadline = time.monotonic() + 30
    while True:
        ended = [e for e in served.events() if e["evenement"] == "processus_arrete"]
        failed = [e["message"] for e in ended if e.get("code") == 1]
        if len(failed) >= count:
            return failed[:count]
        assert time.monotonic() < deadline, served.lines
        time.sleep(0.05)
