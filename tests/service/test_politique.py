"""GET /politique, POST /politiques/valider, POST /politique/recharger and SIGHUP reload."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from servir_harness import NO_PHOTO, POLICY, WITH_PHOTO, journal_records, serve
from test_charge import children_of

from tamis.grammar.load import SETTLE_SECONDS

STRICTER = POLICY.replace("sinon examiner", "sinon refuser").replace(
    "accepter si expediteur.connexions >= connexions_min\n", ""
)
BROKEN = "refuser si sans_photo et\n"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    return tmp_path


@pytest.fixture
def served(work: Path):
    server = serve(
        "-p", "p.tamis", "--journal", "j.jsonl", "--parametre", "connexions_min=100", cwd=work
    )
    yield server
    assert server.stop() == 0


def policy_events(work: Path) -> list[str]:
    return [
        r["contenu"]["politique"]["sha256"]
        for r in journal_records(work / "j.jsonl")
        if r["evenement"] == "politique"
    ]


def test_the_policy_in_force_is_described(served) -> None:
    with served.client() as http:
        body = http.get("/politique").json()
    assert body["nom"] == "Essai" and body["sha256"] == sha(POLICY) and body["source"] == POLICY
    assert body["parametres"]["connexions_min"] == 100 and body["moteur"] == "natif"
    assert body["chargee_le"].endswith("Z")


def test_validation_gives_the_diagnostics_of_tamis_valider(served) -> None:
    with served.client() as http:
        good = http.post(
            "/politiques/valider", content=POLICY.encode(), headers={"Content-Type": "text/plain"}
        )
        bad = http.post(
            "/politiques/valider", content=BROKEN.encode(), headers={"Content-Type": "text/plain"}
        )
        empty = http.post(
            "/politiques/valider", content=b"", headers={"Content-Type": "text/plain"}
        )
        json_body = http.post("/politiques/valider", json={"politique": POLICY})
        latin = http.post(  # docs/service.md: 415 for a charset other than UTF-8
            "/politiques/valider",
            content=POLICY.encode("latin-1"),
            headers={"Content-Type": "text/plain; charset=ISO-8859-1"},
        )
    assert good.json() == {"valide": True, "diagnostics": []}
    assert bad.json()["valide"] is False
    assert [(d["code"], d["line"], d["column"]) for d in bad.json()["diagnostics"]] == [
        ("E004", 1, 25)
    ]
    assert (empty.status_code, empty.json()["champ"]) == (400, "corps")
    assert (json_body.status_code, json_body.json()) == (
        415,
        {
            "erreur": "type de contenu non pris en charge : envoyez la politique en « text/plain »",
            "champ": "Content-Type",
        },
    )
    assert (latin.status_code, latin.json()) == (
        415,
        {
            "erreur": "jeu de caractères non pris en charge : seul UTF-8 est accepté",
            "champ": "Content-Type",
        },
    )


def test_reload_takes_a_good_policy_and_journals_the_change(served, work: Path) -> None:
    with served.client() as http:
        assert http.post("/decisions", json=WITH_PHOTO).json()["decision"] == "accepter"
        (work / "p.tamis").write_text(STRICTER, encoding="utf-8")
        answer = http.post("/politique/recharger")
        assert answer.status_code == 200
        assert answer.json() == {
            "sha256_avant": sha(POLICY),
            "sha256": sha(STRICTER),
            "change": True,
        }
        assert policy_events(work) == [sha(POLICY), sha(STRICTER)]  # before any new decision
        assert http.post("/decisions", json=WITH_PHOTO).json()["decision"] == "refuser"
        again = http.post("/politique/recharger").json()
        assert again["change"] is False
        assert http.get("/politique").json()["sha256"] == sha(STRICTER)


def test_a_bad_policy_is_refused_with_its_diagnostics_and_the_old_one_stays(
    served, work: Path
) -> None:
    with served.client() as http:
        (work / "p.tamis").write_text(BROKEN, encoding="utf-8")
        answer = http.post("/politique/recharger")
        assert answer.status_code == 422
        body = answer.json()
        assert (body["erreur"], body["champ"]) == ("politique inutilisable", "politique")
        assert body["diagnostics"][0]["code"] == "E004"
        assert http.get("/politique").json()["sha256"] == sha(POLICY)
        assert http.post("/decisions", json=NO_PHOTO).json()["regle"] == "photo"
        metrics = http.get("/metriques").text
    assert 'tamis_rechargements_total{espace="defaut",resultat="refusee"} 1.0' in metrics


def wait_for_sha(served, expected: str) -> None:
    deadline = time.monotonic() + 10
    with served.client() as http:
        while http.get("/politique").json()["sha256"] != expected:
            assert time.monotonic() < deadline, "\n".join(served.lines)
            time.sleep(0.05)


def test_sighup_reloads_and_keeps_the_old_policy_on_error(served, work: Path) -> None:
    (work / "p.tamis").write_text(BROKEN, encoding="utf-8")
    served.send(signal.SIGHUP)
    refused = served.wait_event(evenement="rechargement_refuse", espace="defaut")
    assert refused["diagnostics"][0].startswith("p.tamis:1:25: E004 fin de fichier inattendue")
    (work / "p.tamis").write_text(STRICTER, encoding="utf-8")
    served.send(signal.SIGHUP)
    wait_for_sha(served, sha(STRICTER))
    assert served.wait_event(evenement="rechargement", change=True)["sha256"] == sha(STRICTER)
    assert policy_events(work)[-1] == sha(STRICTER)


def test_health_is_503_when_a_journal_is_gone(served, work: Path) -> None:
    (work / "j.jsonl").unlink()
    with served.client() as http:
        answer = http.get("/sante")
    assert (answer.status_code, answer.json()) == (
        503,
        {"etat": "en_erreur", "espaces": 1, "espaces_en_erreur": 1, "journaux_indisponibles": 1},
    )


def saved_whole(path: Path, text: str) -> None:
    """``text`` saved by a rename, as editors that save atomically do: the second worker
    may still be starting, and a starting worker reads the policy (its catch-up reload);
    ``write_text`` empties the file before writing it, and that worker once read it empty."""
    fresh = path.with_suffix(".nouveau")
    fresh.write_text(text, encoding="utf-8")
    fresh.replace(path)


def served_policies(server, connections: int = 12) -> set[str]:
    """The policies (SHA-256) that ``connections`` new connections find in force: each
    lands on either worker process."""
    seen = set()
    for _ in range(connections):
        with server.client() as fresh:
            seen.add(fresh.get("/politique").json()["sha256"])
    return seen


def test_a_reload_over_http_reaches_every_worker_process(work: Path) -> None:
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", "--processus", "2", cwd=work)
    try:
        saved_whole(work / "p.tamis", STRICTER)
        with server.client() as http:
            assert http.post("/politique/recharger").json()["sha256"] == sha(STRICTER)
        deadline = time.monotonic() + 20
        while True:
            seen = served_policies(server)
            if seen == {sha(STRICTER)}:
                break
            assert time.monotonic() < deadline, seen
            time.sleep(0.1)
        assert not [e for e in server.events() if e.get("evenement") == "processus_arrete"]
    finally:
        assert server.stop() == 0
    assert policy_events(work) == [sha(STRICTER)]  # written once: the other worker found it


def test_a_journal_damaged_by_another_program_is_503_without_details(served, work: Path) -> None:
    with served.client() as http:
        assert http.post("/decisions", json=WITH_PHOTO).status_code == 200
        with (work / "j.jsonl").open("a", encoding="utf-8") as journal:
            journal.write("pas un enregistrement\n")
        answer = http.post("/decisions", json=NO_PHOTO)
    assert (answer.status_code, answer.json()) == (
        503,
        {
            "erreur": "journal inutilisable ; l'opérateur du service en trouvera la cause dans "
            "ses journaux",
            "champ": None,
        },
    )
    logged = served.wait_event(evenement="journal_inutilisable")
    assert "Rien n'a été écrit." in logged["detail"]
    lines = (work / "j.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines[-1] == "pas un enregistrement"


def test_a_policy_emptied_for_saving_is_not_put_in_force_and_is_taken_once_saved(
    served, work: Path
) -> None:
    """An editor that saves in place empties the file, then writes it: a SIGHUP in between
    reads it empty. The policy in force stays (said in the log, in French), and the file is
    read again, without another signal, once written."""
    (work / "p.tamis").write_text("", encoding="utf-8")
    served.send(signal.SIGHUP)
    waiting = served.wait_event(evenement="rechargement_en_attente", espace="defaut")
    assert "fichier vide, alors que la politique en vigueur (SHA-256" in waiting["message"]
    assert waiting["message"].endswith("Nouvel essai dès que le fichier ne change plus.")
    with served.client() as http:
        assert http.get("/politique").json()["sha256"] == sha(POLICY)
        assert http.post("/decisions", json=NO_PHOTO).json()["regle"] == "photo"
    (work / "p.tamis").write_text(STRICTER, encoding="utf-8")
    wait_for_sha(served, sha(STRICTER))
    assert served.wait_event(evenement="rechargement", change=True)["sha256"] == sha(STRICTER)
    assert policy_events(work) == [sha(POLICY), sha(STRICTER)]  # nothing empty in between


class SlowWriter(threading.Thread):
    """Writes ``text`` into ``path`` (emptied first) in ``pieces``, ``pause`` seconds apart,
    and keeps the longest time the file lay still between two pieces (``longest_gap``): on
    a loaded machine the thread can be held up past ``SETTLE_SECONDS``, and a file that lay
    still that long mid-write looks, to the service, like a finished save."""

    def __init__(self, path: Path, text: str, pieces: int, pause: float) -> None:
        super().__init__()
        self.path, self.text, self.pieces, self.pause = path, text, pieces, pause
        self.emptied = threading.Event()
        self.longest_gap = 0.0

    def run(self) -> None:
        size = -(-len(self.text) // self.pieces)
        with self.path.open("w", encoding="utf-8") as stream:
            self.emptied.set()
            last = time.monotonic()
            for start in range(0, len(self.text), size):
                stream.write(self.text[start : start + size])
                stream.flush()
                now = time.monotonic()
                self.longest_gap = max(self.longest_gap, now - last)
                last = now
                time.sleep(self.pause)


def written_slowly(path: Path, text: str, pieces: int, pause: float) -> SlowWriter:
    """A ``SlowWriter``, started; returned once the file has been emptied."""
    writer = SlowWriter(path, text, pieces, pause)
    writer.start()
    writer.emptied.wait(10)
    return writer


def test_a_reload_during_a_slow_save_takes_the_whole_policy_never_a_part(
    served, work: Path
) -> None:
    writer = written_slowly(work / "p.tamis", STRICTER, 12, 0.1)
    served.send(signal.SIGHUP)
    seen = set()
    with served.client() as http:
        while writer.is_alive():
            seen.add(http.get("/politique").json()["sha256"])
            time.sleep(0.03)
    writer.join()
    refused = [e for e in served.events() if e.get("evenement") == "rechargement_refuse"]
    if writer.longest_gap >= SETTLE_SECONDS:  # held up mid-write: a part may have been read
        assert all("p.tamis" in line for e in refused for line in e["diagnostics"])
        served.send(signal.SIGHUP)  # refused, the policy in force stayed: a new reload
    else:
        assert not refused
    wait_for_sha(served, sha(STRICTER))
    assert seen <= {sha(POLICY), sha(STRICTER)}
    assert policy_events(work) == [sha(STRICTER)]  # recorded when put in force, never a part


def test_a_service_started_while_its_policy_is_written_starts_with_all_of_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "p.tamis").write_text("", encoding="utf-8")
    writer = written_slowly(tmp_path / "p.tamis", POLICY, 30, 0.1)
    try:
        server = serve("-p", "p.tamis", "--journal", "j.jsonl", cwd=tmp_path)
    finally:
        writer.join()
    try:
        with server.client() as http:
            assert http.get("/politique").json()["sha256"] == sha(POLICY)
    finally:
        assert server.stop() == 0


def test_a_worker_restarted_while_the_policy_is_emptied_keeps_the_policy_in_force(
    work: Path,
) -> None:
    """A worker process that dies is replaced; if the policy file is empty at that moment
    (an editor saving in place), the new worker starts with the policy the service checked
    and holds, never the empty file, and takes the file once it is written again, as a
    reload would (``rechargement_en_attente``, then ``rechargement``)."""
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", "--processus", "2", cwd=work)
    try:
        first, _other = children_of(server.process.pid)
        (work / "p.tamis").write_text("", encoding="utf-8")
        os.kill(first, signal.SIGKILL)
        server.wait_event(evenement="processus_arrete", pid=first)
        waiting = server.wait_event(evenement="rechargement_en_attente", espace="defaut")
        assert "fichier vide, alors que la politique en vigueur (SHA-256" in waiting["message"]
        assert served_policies(server, 24) == {sha(POLICY)}
        saved_whole(work / "p.tamis", STRICTER)
        deadline = time.monotonic() + 20
        while True:  # the new worker finds it by itself; the other one on SIGHUP
            server.send(signal.SIGHUP)
            seen = served_policies(server)
            if seen == {sha(STRICTER)}:
                break
            assert time.monotonic() < deadline, seen
            time.sleep(0.2)
    finally:
        assert server.stop() == 0
    assert sha("") not in policy_events(work)
