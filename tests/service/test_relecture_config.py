"""SIGHUP reads service.toml again: tokens and fuseau change while serving, the rest waits.

A team whose token leaked removes it from service.toml and sends SIGHUP: the token was
accepted until a restart, and a web session opened with it too. Now the next request is
refused, in one process as under ``--processus 2``; what needs a restart is named once, and
a file that no longer checks changes nothing."""

from __future__ import annotations

import errno
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from servir_harness import POLICY, WITH_PHOTO, Served, decisions_in, is_worker, serve

from tamis.service.tokens import digest

LEAKED, KEPT, NEW = (
    f"tamis_essai-relecture-{name}-0123456789" for name in ("fuite", "garde", "neuf")
)
READ = "/v1/espaces/a/politique"
LOGIN = "/interface/connexion"


def service_toml(*tokens: str, extra: str = "", fuseau: str = "UTC") -> str:
    """One workspace « a », the tokens given (every right), and ``extra`` lines after it."""
    lines = [f'[espaces.a]\npolitique = "essai.tamis"\njournal = "a.jsonl"\nfuseau = "{fuseau}"\n']
    for token in tokens:
        lines.append(
            f'[[espaces.a.jetons]]\nsha256 = "{digest(token)}"\n'
            'droits = ["decider", "lire", "admin"]\n'
        )
    return "\n".join(lines) + extra


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "essai.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "service.toml").write_text(service_toml(LEAKED, KEPT), encoding="utf-8")
    return tmp_path


def status(served: Served, token: str, path: str = READ) -> int:
    with served.client(token) as http:
        return http.get(path).status_code


def reload(served: Served, processes: int) -> tuple[list[dict], int]:
    """SIGHUP, once every process serves (``wait_serving``), until every process has
    reloaded (each logs its policy's ``rechargement`` after applying the configuration):
    the events logged since, and how many SIGHUPs were sent (again after 10 s without
    every process's line)."""
    served.wait_serving(processes)
    mark, sent = len(served.lines), 0
    deadline, last = time.monotonic() + 60, 0.0
    while True:
        since = served.events(mark)
        if sum(e.get("evenement") == "rechargement" for e in since) >= processes:
            return since, sent
        assert time.monotonic() < deadline, "\n".join(served.lines)
        if time.monotonic() > last + 10:
            served.send(signal.SIGHUP)
            sent, last = sent + 1, time.monotonic()
        time.sleep(0.05)


def is_up(served: Served) -> bool:
    try:
        return status(served, KEPT) == 200
    except httpx.TransportError:
        return False


def logged_in(served: Served, token: str) -> dict[str, str]:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        login = client.post(
            LOGIN, data={"jeton": token, "espace": "a"}, headers={"Origin": served.url}
        )
    assert login.status_code == 303, login.text
    return dict(login.cookies)


def page(served: Served, cookies: dict[str, str]) -> httpx.Response:
    with httpx.Client(base_url=served.url, timeout=30, cookies=cookies) as client:
        return client.get("/interface/")


@pytest.mark.parametrize("processes", [1, 2])
def test_a_token_removed_then_sighup_is_refused_and_one_added_is_let_in(
    work: Path, processes: int
) -> None:
    served = serve("--config", "service.toml", "--processus", str(processes), cwd=work)
    try:
        assert status(served, LEAKED) == status(served, KEPT) == 200
        assert status(served, NEW) == 401
        session = logged_in(served, LEAKED)
        assert "(AAAA-MM-JJ, UTC)" in page(served, session).text
        kept_session = logged_in(served, KEPT)
        toml = service_toml(KEPT, NEW, fuseau="America/Toronto")
        (work / "service.toml").write_text(toml, encoding="utf-8")
        said = reload(served, processes)[0]
        for _ in range(4 * processes):  # whichever process answers
            assert status(served, LEAKED) == 401
            assert status(served, KEPT) == status(served, NEW) == 200
        gone = page(served, session)
        assert gone.status_code == 303 and gone.headers["location"].startswith(LOGIN)
        assert "(AAAA-MM-JJ, America/Toronto)" in page(served, kept_session).text
    finally:
        assert served.stop() == 0
    applied = [e for e in said if e["evenement"] == "configuration_rechargee"]
    assert applied[0]["changements"] == ["espaces.a.jetons", "espaces.a.fuseau"]
    assert len(applied) == 1  # the parent says it once, workers apply it quietly
    assert not [e for e in said if e["evenement"] == "avertissement"]


@pytest.mark.parametrize("processes", [1, 2])
def test_a_broken_service_toml_changes_nothing_and_says_why(work: Path, processes: int) -> None:
    served = serve("--config", "service.toml", "--processus", str(processes), cwd=work)
    try:
        broken = service_toml(KEPT).replace('fuseau = "UTC"\n', 'fuseau = "UTC"\nmoteur = "rete"\n')
        (work / "service.toml").write_text(broken, encoding="utf-8")
        said, sent = reload(served, processes)
        for _ in range(4 * processes):
            assert status(served, LEAKED) == status(served, KEPT) == 200
    finally:
        assert served.stop() == 0
    refused = [e for e in said if e["evenement"] == "rechargement_refuse"]
    assert len(refused) == sent  # once per SIGHUP, by the parent under --processus 2
    assert [(e["configuration"], e["diagnostics"]) for e in refused[:1]] == [
        (
            "service.toml",
            [
                "service.toml:5: erreur : « espaces.a.moteur » doit être l'un de natif, "
                'durable (reçu : "rete")',
            ],
        )
    ]


def test_a_worker_started_after_a_reload_refuses_the_removed_token(work: Path) -> None:
    """A worker of --processus 2 that dies is replaced with the configuration in force, not
    the one of the start: its own reading of a file broken meanwhile keeps that one."""
    served = serve("--config", "service.toml", "--processus", "2", cwd=work)
    children = Path(f"/proc/{served.process.pid}/task/{served.process.pid}/children")
    try:
        (work / "service.toml").write_text(service_toml(KEPT), encoding="utf-8")
        reload(served, 2)
        (work / "service.toml").write_text("[espaces.a\n", encoding="utf-8")
        for pid in [int(pid) for pid in children.read_text().split() if is_worker(pid)]:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while len(
            [e for e in served.events() if e["evenement"] == "processus_arrete"]
        ) < 2 or not is_up(served):
            assert time.monotonic() < deadline, "\n".join(served.lines)
            time.sleep(0.05)
        for _ in range(8):
            assert status(served, LEAKED) == 401
            assert status(served, KEPT) == 200
    finally:
        assert served.stop() == 0


def test_what_needs_a_restart_is_named_once_and_kept(work: Path) -> None:
    served = serve("--config", "service.toml", "--processus", "2", cwd=work)
    try:
        changed = service_toml(LEAKED, KEPT).replace('"a.jsonl"', '"b.jsonl"')
        extra = '[service]\ntaille_max = 100\n\n[espaces.b]\npolitique = "essai.tamis"\n'
        extra += 'journal = "c.jsonl"\n'
        (work / "service.toml").write_text(changed + extra, encoding="utf-8")
        said, sent = reload(served, 2)
        with served.client(KEPT) as http:
            for _ in range(4):
                assert http.post("/v1/espaces/a/decisions", json=WITH_PHOTO).status_code == 200
    finally:
        assert served.stop() == 0
    assert len(decisions_in(work / "a.jsonl")) == 4 and not (work / "b.jsonl").exists()
    warned = [e["message"] for e in said if e["evenement"] == "avertissement"]
    assert warned == sent * [
        "service.toml relu : ces changements attendent le redémarrage de tamis servir (les "
        "valeurs en vigueur restent d'ici là) : « espaces.b » (ajouté), « espaces.a.journal », "
        "« service.taille_max »."
    ]


def test_a_token_file_replaced_then_sighup_changes_the_token(tmp_path: Path) -> None:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "jeton.txt").write_text(LEAKED + "\n", encoding="utf-8")
    served = serve(
        "-p", "p.tamis", "--journal", "j.jsonl", "--jeton-fichier", "jeton.txt", cwd=tmp_path
    )
    try:
        assert status(served, LEAKED, "/politique") == 200
        (tmp_path / "jeton.txt").write_text("", encoding="utf-8")
        refused = [e for e in reload(served, 1)[0] if e["evenement"] == "rechargement_refuse"]
        assert refused[0]["diagnostics"] == ["--jeton-fichier jeton.txt : fichier vide"]
        assert status(served, LEAKED, "/politique") == 200
        (tmp_path / "jeton.txt").write_text(NEW + "\n", encoding="utf-8")
        reload(served, 1)
        assert status(served, LEAKED, "/politique") == 401
        assert status(served, NEW, "/politique") == 200
    finally:
        assert served.stop() == 0


def test_every_token_removed_refuses_every_request_until_a_restart(work: Path) -> None:
    """A service that asked for tokens never opens to everyone on a reload."""
    served = serve("--config", "service.toml", cwd=work)
    try:
        (work / "service.toml").write_text(service_toml(), encoding="utf-8")
        said = reload(served, 1)[0]
        assert status(served, LEAKED) == status(served, KEPT) == 401
        with httpx.Client(base_url=served.url, timeout=30) as anyone:
            assert anyone.get(READ).status_code == 401
    finally:
        assert served.stop() == 0
    warned = [e["message"] for e in said if e["evenement"] == "avertissement"]
    assert warned == [
        "service.toml relu : ces changements attendent le redémarrage de tamis servir (les "
        "valeurs en vigueur restent d'ici là) : l'absence de tout jeton (d'ici là, le service "
        "en exige toujours un : chaque requête est refusée)."
    ]


@pytest.mark.parametrize("processes", [1, 2])
def test_a_policy_reloaded_over_http_leaves_service_toml_to_sighup(
    work: Path, processes: int
) -> None:
    """service.toml is the operator's, read again on the operator's SIGHUP. Under
    --processus 2, a policy reloaded over HTTP (by one workspace's ``admin``) had the parent
    read it too, and apply whatever tokens it said at that moment (an edit not yet meant to
    apply); a single process did not. Neither does now, until the SIGHUP."""
    served = serve("--config", "service.toml", "--processus", str(processes), cwd=work)
    try:
        served.wait_serving(processes)  # a worker still starting drops a SIGHUP, says nothing
        (work / "service.toml").write_text(service_toml(KEPT), encoding="utf-8")
        mark = len(served.lines)
        with served.client(KEPT) as http:
            assert http.post("/v1/espaces/a/politique/recharger").status_code == 200
        forwarded = processes if processes > 1 else 0  # each worker's « rechargement »
        deadline = time.monotonic() + 30
        while sum(e["evenement"] == "rechargement" for e in served.events(mark)) < forwarded:
            assert time.monotonic() < deadline, "\n".join(served.lines)
            time.sleep(0.02)
        for _ in range(4 * processes):  # whichever process answers
            assert status(served, LEAKED) == status(served, KEPT) == 200
        said = served.events(mark)
        reload(served, processes)
        for _ in range(4 * processes):
            assert status(served, LEAKED) == 401
    finally:
        assert served.stop() == 0
    assert not [e for e in said if e["evenement"] == "configuration_rechargee"]


def test_every_worker_applies_the_tokens_the_parent_read(work: Path) -> None:
    """Each worker of --processus 2 read service.toml again itself, after the parent had read
    it and said what changed: a file changed in between (an editor's next save, a tool
    writing it in place) gave the workers other tokens than those the parent's line named;
    one caught half-written was refused without a word, and the token the log said removed
    was still let in. Here a FIFO in service.toml's place hands the parent the file without
    the leaked token, and whoever reads after it a broken one: every worker now applies
    what the parent read, and reads nothing."""
    served = serve("--config", "service.toml", "--processus", "2", cwd=work)
    toml = work / "service.toml"

    def every_worker_reloaded(_handed: int) -> bool:
        return sum(e["evenement"] == "rechargement" for e in served.events(mark)) >= 2

    try:
        served.wait_serving(2)  # none reads the file as it starts, nor drops the SIGHUP
        os.mkfifo(work / "service.fifo")
        os.replace(work / "service.fifo", toml)
        mark = len(served.lines)
        served.send(signal.SIGHUP)
        handed(toml, service_toml(KEPT), until=lambda handed: handed == 1)  # the parent
        applied = served.wait_event(10, evenement="configuration_rechargee")
        read_after = handed(toml, "[espaces.a\n", until=every_worker_reloaded)
        for _ in range(8):  # whichever worker answers
            assert status(served, LEAKED) == 401
            assert status(served, KEPT) == 200
    finally:
        assert served.stop() == 0
    assert applied["changements"] == ["espaces.a.jetons"]
    assert read_after == 0


def handed(fifo: Path, text: str, until: Callable[[int], bool]) -> int:
    """Write ``text`` to whoever opens ``fifo`` to read it, until ``until`` (given how many
    were handed it so far) holds, within 30 s; how many were."""
    handed, deadline = 0, time.monotonic() + 30
    while not until(handed):
        assert time.monotonic() < deadline, "FIFO jamais lue"
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno != errno.ENXIO:  # ENXIO: nobody reads it yet
                raise
            time.sleep(0.001)
            continue
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(text)
        except BrokenPipeError:  # its reader had closed it meanwhile (read to its end)
            continue
        handed += 1
    return handed
