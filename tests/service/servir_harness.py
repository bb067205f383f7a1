"""A real ``tamis servir`` in a child process, on a free loopback port, talked to over HTTP.

``Served`` starts the command exactly as a user would (``--port 0``: the system picks a free
port, which the server announces in its first JSON log line on stderr), collects its stderr
lines, and stops it with a signal. Tests talk to it with ``httpx``: no mocks, no test client.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tamis.audit.chain import parse_record
from tamis.service.logs import route_server_messages

ROOT = Path(__file__).resolve().parents[2]
BLOGUE = ROOT / "policies" / "blogue.tamis"
CONTEXT = ROOT / "policies" / "exemples" / "tamis.toml"
EXAMPLES = ROOT / "policies" / "exemples" / "invitations.jsonl"
STARTUP_SECONDS = 60
PRIVATE = ("TAMIS_JOURNAL", "TAMIS_JETON")

POLICY = """\
politique "Essai"
règle "photo" : refuser si sans_photo
    motif "Pas de visage, pas de contact."
accepter si expediteur.connexions >= connexions_min
sinon examiner
"""

WITH_PHOTO = {"id": "a-1", "expediteur": {"photo": True, "connexions": 120}}
NO_PHOTO = {"id": "a-2", "expediteur": {"nom": "Jeanne Roy", "photo": False, "connexions": 500}}
KEY_REUSED = {  # the 409 body of an Idempotency-Key sent again with another body
    "erreur": "clé d'idempotence déjà employée pour une autre requête (corps différent)",
    "champ": "Idempotency-Key",
}


def answer_erased(erasure: int) -> dict:
    """The 410 body of a retry whose kept answer erasure n° ``erasure`` emptied."""
    return {
        "erreur": "la réponse gardée pour cette clé d'idempotence a été effacée avec les "
        f"données personnelles qu'elle citait (enregistrement « effacement » n° {erasure}) : "
        "la requête a déjà été traitée, elle n'est ni redécidée ni réinscrite",
        "champ": "Idempotency-Key",
    }


def run_together(threads: list[threading.Thread], timeout: float = 60) -> None:
    """Start every thread, then wait for all of them (each within ``timeout`` seconds)."""
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads)


def tamis_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from tamis.cli.main import main; main()", *args]


class Served:
    """``tamis servir ARGS`` running until ``stop``; ``url`` once it listens."""

    def __init__(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if k not in PRIVATE}
        environment.update(env or {})
        self.process = subprocess.Popen(
            tamis_command("servir", "--port", "0", *args),
            cwd=cwd,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        self.url = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # type: ignore[union-attr]

    def _read(self) -> None:
        for line in self.process.stderr:  # type: ignore[union-attr]
            self.lines.append(line.rstrip("\n"))
            event = _event(line)
            if event.get("evenement") == "demarrage":
                self.url = event["adresse"]
                self._ready.set()
        self._ready.set()

    def wait_ready(self) -> Served:
        self._ready.wait(STARTUP_SECONDS)
        if not self.url:
            self.stop()
            raise AssertionError("le service n'a pas démarré :\n" + "\n".join(self.lines))
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            try:
                httpx.get(self.url + "/sante", timeout=5)
                return self
            except httpx.TransportError:
                time.sleep(0.05)
        raise AssertionError("le service ne répond pas :\n" + "\n".join(self.lines))

    def wait_serving(self, processes: int, seconds: float = STARTUP_SECONDS) -> Served:
        """Once each of the ``processes`` workers of --processus N serves (at once for a
        single process, which ``wait_ready`` saw serve): it watches the listening socket,
        which uvicorn does once the app's start is done (its catch-up reload). A SIGHUP its
        parent forwards is acted on from then on; one reaching a worker still starting is
        dropped, its catch-up standing for it, and logs nothing."""
        if processes <= 1:
            return self
        listening = _sockets(self.process.pid)  # the parent holds the listening socket
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        deadline = time.monotonic() + seconds
        while True:
            workers = [pid for pid in children.read_text().split() if is_worker(pid)]
            if sum(_watches(pid, listening) for pid in workers) >= processes:
                return self
            assert time.monotonic() < deadline, "\n".join(self.lines)
            time.sleep(0.01)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def events(self, since: int = 0) -> list[dict]:
        """The events logged, from line ``since`` of the log on."""
        return [event for line in self.lines[since:] if (event := _event(line))]

    def wait_event(self, seconds: float = 10, **expected: object) -> dict:
        """The first logged event holding ``expected`` (logs are written after the answer),
        within ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for event in self.events():
                if expected.items() <= event.items():
                    return event
            time.sleep(0.02)
        raise AssertionError(f"aucun événement {expected} :\n" + "\n".join(self.lines))

    def send(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float = 30) -> int:
        """The exit code, once the service exited within ``timeout`` seconds and every line
        it logged is in ``lines`` (``drained``). ``process.wait`` alone returned as the last
        lines were still in the pipe: a test reading ``lines`` then, on a loaded machine,
        found them missing (``test_signaux``'s stop during the purge saw no line at all)."""
        code = self.process.wait(timeout)
        self.drained(timeout)
        return code

    def drained(self, timeout: float = 30) -> None:
        """Every line logged is in ``lines``: the log read to its end, once every process
        that could write it (the service, its workers) has exited."""
        self._reader.join(timeout)
        lines = "\n".join(self.lines)
        assert not self._reader.is_alive(), f"journal d'exploitation encore ouvert :\n{lines}"

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            return self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.wait()


def is_worker(pid: str) -> bool:
    """Whether process ``pid`` is a worker of ``--processus N`` (not multiprocessing's
    resource tracker)."""
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _sockets(pid: int | str) -> set[str]:
    """The sockets process ``pid`` holds (« socket:[inode] »)."""
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            if (target := os.readlink(fd)).startswith("socket:"):
                found.add(target)
    return found


def _watches(pid: str, sockets: set[str]) -> bool:
    """Whether process ``pid`` watches one of ``sockets`` in an epoll set (its event loop)."""
    try:
        fds = {fd.name: os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        for fd, target in fds.items():
            if target == "anon_inode:[eventpoll]":
                info = Path(f"/proc/{pid}/fdinfo/{fd}").read_text().splitlines()
                watched = {line.split()[1] for line in info if line.startswith("tfd:")}
                if any(fds.get(number) in sockets for number in watched):
                    return True
    except OSError:  # gone meanwhile
        return False
    return False


def _event(line: str) -> dict:
    try:
        value = json.loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def serve(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Served:
    return Served(*args, cwd=cwd, env=env).wait_ready()


def journal_records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    """The records as readers see them (format 3: personal data put back in ``contenu``)."""
    return [parse_record(line) for line in path.read_bytes().splitlines()]


def decisions_in(path: Path) -> list[dict]:
    return [r["contenu"] for r in journal_records(path) if r["evenement"] == "decision"]


def run_tamis(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TAMIS_JOURNAL"}
    return subprocess.run(
        tamis_command(*args), cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def example_invitations() -> Iterator[dict]:
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


@contextlib.contextmanager
def server_messages_to(logger: object) -> Iterator[None]:
    """uvicorn's messages routed to ``logger`` as a service process routes them
    (``route_server_messages``), for a test that serves or logs in its own process; then
    uvicorn's logger (a global) as it was, so the next test finds it untouched whatever the
    order (``tests/conftest.py`` checks that each test leaves it so)."""
    server = logging.getLogger("uvicorn")
    before = (list(server.handlers), server.level, server.propagate)
    route_server_messages(logger)
    try:
        yield
    finally:
        server.handlers[:], server.level, server.propagate = before
