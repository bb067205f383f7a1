"""``tamis servir`` on a PostgreSQL journal: several real instances share one chain.

Real processes only: ``tamis servir`` started as a user would (``servir_harness``), a real
PostgreSQL server (``tests/pg_cluster.py``), clients over HTTP. Every load is bounded in
requests and time. What a team behind a load balancer depends on: one unbroken chain, each
decision answered 200 in the journal exactly once, an instance killed or the database
restarted losing nothing that was acknowledged, 503 with ``Retry-After`` while the database
is away, and the service back by itself.
"""

from __future__ import annotations

import collections
import hashlib
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from cut_proxy import Relay
from servir_harness import NO_PHOTO, POLICY, WITH_PHOTO, Served, serve

from tamis.audit.postgres import read
from tamis.audit.postgres.url import shown

CLIENTS = 10  # concurrent clients per instance
REQUESTS = 8  # requests per client (bounded load)


def tamis(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).parent / "tamis"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def password(url: str) -> str:
    return url.split("//", 1)[1].split("@", 1)[0].partition(":")[2]


@pytest.fixture
def journal(pg_url: str) -> str:
    done = tamis("journal", "initialiser", pg_url)
    assert done.returncode == 0, done.stderr
    return pg_url


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "essai.tamis"
    path.write_text(POLICY, encoding="utf-8")
    return path


def start(journal: str, policy: Path, folder: Path, *extra: str) -> Served:
    """An instance on a free port, its journal named by ``TAMIS_JOURNAL`` (the password
    stays out of the command line)."""
    folder.mkdir(exist_ok=True)
    return serve("-p", str(policy), *extra, cwd=folder, env={"TAMIS_JOURNAL": journal})


@dataclass
class Tally:
    """What the clients saw: the invitations answered 200, and every other answer."""

    acknowledged: list[str] = field(default_factory=list)
    refused: list[httpx.Response] = field(default_factory=list)
    broken: int = 0  # connections that failed (an instance killed)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ident: str, answer: httpx.Response) -> None:
        with self.lock:
            if answer.status_code == 200:
                assert answer.json()["id"] == ident
                self.acknowledged.append(ident)
            else:
                self.refused.append(answer)


def client(served: Served, name: str, tally: Tally, until: threading.Event | None = None):
    """Up to ``REQUESTS`` single-invitation requests (or until ``until`` is set), each a
    new invitation id; a failed connection ends the client (its instance is gone)."""
    with served.client() as http:
        number = 0
        while number < REQUESTS or (until is not None and not until.is_set()):
            number += 1
            ident = f"{name}-{number}"
            body = {"id": ident, "expediteur": {"photo": number % 2 == 0, "connexions": 90}}
            try:
                answer = http.post("/decisions", json=body)
            except httpx.TransportError:
                with tally.lock:
                    tally.broken += 1
                return
            tally.add(ident, answer)
            if answer.status_code != 200:
                time.sleep(0.1)  # a client told to come back later (Retry-After, shortened)
            if until is not None and number >= 400:  # bounded even if ``until`` never comes
                return


def load(instances: list[Served], tally: Tally, until: threading.Event | None = None):
    """``CLIENTS`` threads per instance, started; join them with ``finish``."""
    threads = [
        threading.Thread(target=client, args=(served, f"i{n}c{c}", tally, until))
        for n, served in enumerate(instances)
        for c in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    return threads


def finish(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)


def decided_ids(journal: str) -> collections.Counter:
    return collections.Counter(
        r["contenu"]["invitation"]["id"]
        for r in read.iter_records(journal)
        if r["evenement"] == "decision"
    )


def assert_one_chain(journal: str) -> None:
    verified = tamis("journal", "verifier", "--journal", journal)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("OK : ")
    assert password(journal) not in verified.stdout + verified.stderr


def assert_never_shows_the_password(journal: str, *instances: Served) -> None:
    for served in instances:
        assert password(journal) not in "\n".join(served.lines)


def test_three_instances_share_one_chain_and_each_decision_is_there_once(journal, policy, tmp_path):
    instances = [start(journal, policy, tmp_path / f"m{n}") for n in range(3)]
    try:
        tally = Tally()
        finish(load(instances, tally))
        health = [httpx.get(s.url + "/sante").json() for s in instances]
    finally:
        for served in instances:
            assert served.stop() == 0
    assert [r.status_code for r in tally.refused] == []
    assert len(tally.acknowledged) == 3 * CLIENTS * REQUESTS
    found = decided_ids(journal)
    assert found == collections.Counter(tally.acknowledged)  # each once, nothing else
    assert_one_chain(journal)
    events = [r["evenement"] for r in read.iter_records(journal)]
    assert events[:2] == ["ouverture", "politique"] and events.count("politique") == 1
    assert (
        health
        == [{"etat": "ok", "espaces": 1, "espaces_en_erreur": 0, "journaux_indisponibles": 0}] * 3
    )
    assert_never_shows_the_password(journal, *instances)


def test_an_instance_killed_mid_load_loses_no_acknowledged_decision(journal, policy, tmp_path):
    instances = [start(journal, policy, tmp_path / f"m{n}") for n in range(3)]
    survivors = instances[1:]
    try:
        tally, enough = Tally(), threading.Event()
        threads = load(instances, tally, until=enough)
        _wait(lambda: len(tally.acknowledged) >= 60, "60 décisions confirmées")
        instances[0].process.send_signal(signal.SIGKILL)
        before = len(tally.acknowledged)
        _wait(lambda: len(tally.acknowledged) >= before + 60, "60 de plus après l'arrêt")
        enough.set()
        finish(threads)
        after = [httpx.get(s.url + "/sante").status_code for s in survivors]
    finally:
        for served in survivors:
            assert served.stop() == 0
    assert instances[0].process.wait(10) == -signal.SIGKILL
    assert [r.status_code for r in tally.refused] == []  # the others never stopped serving
    assert 1 <= tally.broken <= CLIENTS and after == [200, 200]
    found = decided_ids(journal)
    assert all(found[ident] == 1 for ident in tally.acknowledged)
    assert max(found.values()) == 1  # nothing twice, even what the killed one had in hand
    assert_one_chain(journal)


def test_postgresql_restarted_mid_load_503_while_down_then_resumes_by_itself(
    own_cluster, policy, tmp_path
):
    url = own_cluster.url
    assert tamis("journal", "initialiser", url).returncode == 0
    instances = [start(url, policy, tmp_path / "m0", "--processus", "2")]
    instances += [start(url, policy, tmp_path / f"m{n}") for n in (1, 2)]
    try:
        tally, enough = Tally(), threading.Event()
        threads = load(instances, tally, until=enough)
        _wait(lambda: len(tally.acknowledged) >= 60, "60 décisions confirmées")
        own_cluster.pause()
        _wait(lambda: len(tally.refused) >= 30, "des 503 pendant l'arrêt")
        down = [httpx.get(s.url + "/sante") for s in instances]
        own_cluster.resume()
        back = len(tally.acknowledged)
        _wait(lambda: len(tally.acknowledged) >= back + 90, "la reprise sans intervention")
        enough.set()
        finish(threads)
        up = [httpx.get(s.url + "/sante") for s in instances]
    finally:
        for served in instances:
            assert served.stop() == 0
    assert {r.status_code for r in tally.refused} == {503}
    for refused in tally.refused:
        assert refused.headers["retry-after"] == "2"
        assert refused.json() == {
            "erreur": "journal momentanément injoignable (base de données arrêtée ou en "
            "redémarrage) : aucune décision n'est confirmée ; renvoyez la même requête dans 2 s",
            "champ": "journal",
        }
    assert [r.status_code for r in down] == [503] * 3
    assert down[0].json() == {
        "etat": "en_erreur",
        "espaces": 1,
        "espaces_en_erreur": 1,
        "journaux_indisponibles": 1,
    }
    assert [r.status_code for r in up] == [200] * 3
    found = decided_ids(url)
    assert all(found[ident] == 1 for ident in tally.acknowledged)
    assert max(found.values()) == 1
    assert_one_chain(url)
    assert_never_shows_the_password(url, *instances)
    logged = [e for s in instances for e in s.events() if e.get("evenement")]
    assert any(e["evenement"] == "journal_inutilisable" for e in logged)
    assert shown(url) in "\n".join(e.get("detail", "") for e in logged)


def _wait(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"délai dépassé : {what}")
        time.sleep(0.02)


def test_one_instance_reads_its_postgresql_journal_over_http(journal, policy, tmp_path):
    served = start(journal, policy, tmp_path / "m0")
    try:
        with served.client() as http:
            sent = [
                {"id": "p-1", "expediteur": {"nom": "Jeanne Roy", "photo": False}},
                {"id": "p-2", "expediteur": {"photo": True, "connexions": 120}},
            ]
            assert http.post("/decisions", json=sent).status_code == 200
            again = {
                **sent[0],
                "expediteur": {"nom": "Jeanne Roy", "photo": True, "connexions": 120},
            }
            assert http.post("/decisions", json=again).status_code == 200  # p-1 decided anew
            key = {"Idempotency-Key": "essai-1"}
            once = http.post("/decisions", json={**sent[1], "id": "p-3"}, headers=key)
            twice = http.post("/decisions", json={**sent[1], "id": "p-3"}, headers=key)
            why = http.get("/decisions/p-1").json()
            rows = http.get("/journal", params={"decision": "refuser"}).json()
            counts = http.get("/stats").json()
            replayed = http.post(
                "/rejouer",
                content='politique "Tout"\nrefuser si sans_photo\nsinon refuser\n',
                headers={"Content-Type": "text/plain"},
            ).json()
            head = http.get("/journal/tete")
    finally:
        assert served.stop() == 0
    assert twice.headers["idempotency-replayed"] == "true" and twice.content == once.content
    assert [d["decision"] for d in why["decisions"]] == ["refuser", "accepter"]
    assert why["decisions"][0]["regle"] == "photo" and why["decisions"][0]["source_enregistree"]
    assert [(r["id"], r["expediteur"]) for r in rows["decisions"]] == [("p-1", "Jeanne Roy")]
    assert counts["total"] == 3 and counts["par_decision"] == {"accepter": 3}  # p-1 once
    assert (replayed["total"], replayed["changees"]) == (3, 3)
    assert head.status_code == 409 and head.json()["champ"] == "cle"  # no key named
    assert decided_ids(journal) == collections.Counter({"p-1": 2, "p-2": 1, "p-3": 1})


def test_an_id_with_a_nul_is_rejected_and_its_neighbours_journaled(journal, policy, tmp_path):
    """PostgreSQL cannot store a NUL in the ``id_invitation`` column: such an id is the
    sender's mistake (a rejected record, 422 alone), never a 503 that loses the request's
    valid invitations."""
    served = start(journal, policy, tmp_path / "nul")
    nul = {"id": "a\x00b", "expediteur": {"photo": True}}
    try:
        with served.client() as http:
            listed = http.post("/decisions", json=[{"id": "voisin", "expediteur": {}}, nul])
            alone = http.post("/decisions", json=nul)
            why = http.get("/decisions/a%00b")  # no row can hold a NUL: none has this id
            by_rule = http.get("/journal", params={"regle": "a\x00b"})
    finally:
        assert served.stop() == 0
    assert listed.status_code == 200, listed.text
    assert [d["id"] for d in listed.json()["decisions"]] == ["voisin"]
    error = "invitation sans id, champ « id » : ne doit pas contenir de caractère nul (\\u0000)"
    assert listed.json()["rejetees"] == [
        {"index": 1, "erreurs": [f'{error} (reçu : "a\\u0000b")'], "champ": "id"}
    ]
    assert (alone.status_code, alone.json()["champ"]) == (422, "id")
    assert (why.status_code, why.json()["champ"]) == (404, "id")
    assert (by_rule.status_code, by_rule.json()["decisions"]) == (200, [])
    assert decided_ids(journal) == collections.Counter({"voisin": 1})


def test_servir_does_not_start_on_a_postgresql_journal_out_of_reach(policy, tmp_path):
    closed = "postgresql://tamis:secret-cache@127.0.0.1:1/tamis"
    done = tamis("servir", "-p", str(policy), "--journal", closed, "--port", "0")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "Erreur : journal PostgreSQL postgresql://tamis@127.0.0.1:1/tamis injoignable : "
        "connexion refusée (le serveur est-il démarré ?) ; le service n'a pas démarré."
    )
    assert "secret-cache" not in done.stdout + done.stderr


def test_retention_is_applied_to_a_postgresql_journal_when_the_service_starts(
    journal, policy, tmp_path
):
    sys.path.insert(0, str(Path(__file__).parents[1] / "cli"))
    from test_effacer import age

    (tmp_path / "tamis.toml").write_text('conservation = "30j"\n', encoding="utf-8")
    invitation = tmp_path / "a.json"
    invitation.write_text('{"id": "v-1", "expediteur": {"nom": "Jeanne Roy", "photo": false}}')
    decided = tamis(
        "decider", "-p", str(policy), "--journal", str(tmp_path / "j.jsonl"), str(invitation)
    )
    assert decided.returncode == 0, decided.stderr
    age(tmp_path / "j.jsonl", 40)
    with psycopg.connect(journal, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_journal")  # the copy wants an empty journal
    copied = tamis("journal", "copier", str(tmp_path / "j.jsonl"), journal)
    assert copied.returncode == 0, copied.stderr
    served = start(journal, policy, tmp_path / "m0", "--contexte", str(tmp_path / "tamis.toml"))
    try:
        event = served.wait_event(espace="defaut", effacees=1)
        with served.client() as http:
            fresh = {"id": "v-2", "expediteur": {"nom": "Jeanne Roy", "photo": False}}
            assert http.post("/decisions", json=fresh).status_code == 200
    finally:
        assert served.stop() == 0
    assert event["motif"] == "durée de conservation (30 jours)"
    verified = tamis("journal", "verifier", "--journal", journal)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "1 décision(s) aux données personnelles effacées" in verified.stdout
    names = [
        (r["contenu"].get("invitation") or {}).get("expediteur", {}).get("nom")
        for r in read.iter_records(journal)
        if r["evenement"] == "decision"
    ]
    assert names == [None, "Jeanne Roy"]


def test_a_postgresql_journal_that_would_not_verify_is_told_at_start_and_still_served(
    journal, policy, tmp_path
):
    served = start(journal, policy, tmp_path / "m0")
    try:
        with served.client() as http:
            assert http.post("/decisions", json={"id": "d-1", "expediteur": {}}).status_code == 200
    finally:
        assert served.stop() == 0
    with psycopg.connect(journal, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_verification")
        admin.execute(
            "UPDATE tamis_journal SET contenu = replace(contenu, %s, %s) WHERE seq = 3",
            ('"id":"d-1"', '"id":"d-9"'),
        )
    served = start(journal, policy, tmp_path / "m0")
    try:
        with served.client() as http:
            assert http.post("/decisions", json={"id": "d-2", "expediteur": {}}).status_code == 200
    finally:
        assert served.stop() == 0
    warned = [e["message"] for e in served.events() if e.get("evenement") == "avertissement"]
    assert warned, served.lines
    assert warned[0].startswith(
        f"espace « defaut » : {shown(journal)} : l'enregistrement n° 3 a été modifié"
    )
    assert_never_shows_the_password(journal, served)


SHARED = (
    "écrivent dans le même journal : les jetons de l'un y liraient les décisions de l'autre, et "
    "une même Idempotency-Key y recevrait la réponse que l'autre a donnée. Donnez à chaque "
    "espace son journal : un autre fichier, ou un autre schéma PostgreSQL de la base "
    "(options=-csearch_path%3DNOM dans l'URL, après CREATE SCHEMA NOM et tamis journal "
    "initialiser) ; le service n'a pas démarré."
)


def test_two_workspaces_on_one_postgresql_journal_are_refused_and_two_schemas_kept_apart(
    journal, policy, tmp_path
):
    """Two workspaces naming one table, however spelt, shared one chain: b's tokens read a's
    decisions and b got a's answer for the same Idempotency-Key. Now the service refuses to
    start; in two PostgreSQL schemas of the database, each workspace keeps its own."""
    token = "jeton-des-deux-espaces"
    digest = hashlib.sha256(token.encode()).hexdigest()
    config = tmp_path / "service.toml"

    def configure(second: str) -> None:
        config.write_text(
            "".join(
                f'[espaces.{name}]\npolitique = "{policy}"\njournal = "{where}"\n'
                f'[[espaces.{name}.jetons]]\nsha256 = "{digest}"\ndroits = ["decider", "lire"]\n'
                for name, where in (("a", journal), ("b", second))
            ),
            encoding="utf-8",
        )

    spelt = journal.replace("postgresql://", "postgres://", 1) + "?options=-csearch_path%3Dpublic"
    configure(spelt)
    refused = tamis("servir", "--config", str(config), "--port", "0")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        f"Erreur : les espaces « a » ({shown(journal)}) et « b » ({shown(spelt)}) {SHARED}"
    )
    assert password(journal) not in refused.stdout + refused.stderr
    with psycopg.connect(journal, autocommit=True) as admin:
        admin.execute("CREATE SCHEMA b")
    apart = f"{journal}?options=-csearch_path%3Db"
    assert tamis("journal", "initialiser", apart).returncode == 0
    configure(apart)
    served = serve("--config", str(config), cwd=tmp_path)
    try:
        with served.client(token) as http:
            key = {"Idempotency-Key": "la-meme-cle"}
            in_a = http.post("/v1/espaces/a/decisions", json=WITH_PHOTO, headers=key)
            in_b = http.post("/v1/espaces/b/decisions", json=NO_PHOTO, headers=key)
            listed = http.get("/v1/espaces/b/journal").json()
    finally:
        assert served.stop() == 0
    assert (in_a.json()["id"], in_b.json()["id"]) == ("a-1", "a-2")
    assert in_b.headers["idempotency-replayed"] == "false"
    assert [row["id"] for row in listed["decisions"]] == ["a-2"]
    assert decided_ids(journal) == collections.Counter({"a-1": 1})
    assert decided_ids(apart) == collections.Counter({"a-2": 1})


def test_a_web_form_whose_envoi_no_page_draws_is_refused_not_a_journal_failure(
    journal: str, policy: Path, tmp_path: Path
) -> None:
    """The web pages keep the answer of « Vérifier » and of an upload under the form's
    ``envoi``, taken as sent: one holding a NUL (a form made by hand) reached PostgreSQL,
    which holds no NUL in a text, and the page said « Journal indisponible » (503), the
    operator's logs a failure of the journal. It is now a 400 saying which field, nothing
    journaled; the key a page draws still acts once."""
    upload = 'From,To,Sent At,Message,Direction\nLéa Roy,Jade,"1/29/26, 2:37 PM",,INCOMING\n'
    served = start(journal, policy, tmp_path / "a")
    try:
        with httpx.Client(base_url=served.url, headers={"Origin": served.url}) as browser:
            browser.post("/interface/connexion", data={})  # no token configured
            draft = {"espace": "defaut", "a": "Ana Tremblay", "message": "Bonjour, au congrès"}

            def sent(envoi: str) -> list[httpx.Response]:
                files = {"fichier": ("Invitations.csv", upload.encode())}
                return [
                    browser.post("/interface/conseil", data={**draft, "envoi": envoi}),
                    browser.post(
                        "/interface/televerser",
                        data={"espace": "defaut", "envoi": envoi},
                        files=files,
                    ),
                ]

            forged = sent("a\x00b") + sent("k" * 201)
            drawn = sent("cle-tiree") + sent("cle-tiree")
    finally:
        served.stop()
    assert [answer.status_code for answer in forged] == [400] * 4
    said = "son champ « envoi » n&#39;est pas celui qu&#39;une page du service y met"
    assert all(said in answer.text for answer in forged)
    assert [answer.status_code for answer in drawn] == [200] * 4
    events = collections.Counter(r["evenement"] for r in read.iter_records(journal))
    assert events["decision"] == 1 and events["conseil"] == 1


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_sighup_sent_while_the_service_starts_is_acted_on_once_it_serves(
    journal, policy, tmp_path, processes
):
    """A SIGHUP sent while ``tamis servir`` was starting (its start check reaching the
    journal, the parent of --processus N starting its workers) ended it (SIGHUP's default)
    or was ignored: a deployment script that reloads right after the start got nothing. It
    is now heard from the command's start and acted on once the service serves: its
    standing warning said again (here, that $TAMIS_JOURNAL does not apply). The start is
    held, for as long as the test needs, by holding its connection to the journal."""
    relay = Relay(journal)
    relay.hold()
    (tmp_path / "service.toml").write_text(
        f'[espaces.a]\npolitique = "{policy}"\njournal = "{relay.url}"\n', encoding="utf-8"
    )
    served = Served("--config", "service.toml", "--processus", processes, cwd=tmp_path,
                    env={"TAMIS_JOURNAL": "autre.jsonl"})  # fmt: skip
    variable = "la variable TAMIS_JOURNAL (a"

    def said() -> list[str]:
        return [e["message"][:28] for e in served.events() if e["evenement"] == "avertissement"]

    try:
        assert relay.waiting.wait(30), served.lines  # the start check is connecting
        served.send(signal.SIGHUP)
        relay.release()
        served.wait_ready()
        _wait(lambda: said().count(variable) >= 2, "l'avertissement redit au SIGHUP")
    finally:
        assert served.stop() == 0, served.lines
        relay.close()
    assert said() == [variable, variable], served.lines
