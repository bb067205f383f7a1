"""``Idempotency-Key`` on a PostgreSQL journal: the answer is kept in the database, in the
transaction of the decisions it answers, so a retry gets the first answer wherever it lands.

Real instances of ``tamis servir`` on a real PostgreSQL server; the network failing during a
``COMMIT`` is a real TCP relay cutting the connection (``cut_proxy``), never a mock. What a
client that retries depends on: a retry on another instance, concurrent copies of a request
on three instances, and a retry after a 503 that hid a commit each decide the invitation
exactly once and get the first answer; a retry after a 503 that rolled back decides it once.
The store is checked at start (a role without its grants does not start) and old answers
are pruned.
"""

from __future__ import annotations

import collections
import threading
from pathlib import Path

import httpx
import psycopg
import pytest
from cut_proxy import Relay
from pg_cluster import grant, login_role
from servir_harness import KEY_REUSED, Served, answer_erased, run_together
from test_journal_api import counted, route
from test_servir_postgresql import assert_one_chain, decided_ids, journal, policy, start, tamis

from tamis.audit.postgres import schema

__all__ = ["journal", "policy"]  # fixtures, shared with test_servir_postgresql

SENT = {"id": "k-1", "expediteur": {"nom": "Jeanne Roy", "photo": False, "connexions": 90}}


def machine(journal: str, policy: Path, folder: Path, *extra: str) -> Served:
    """An instance as on a machine of its own: its own copy of the policy, its own folder."""
    folder.mkdir()
    own = folder / policy.name
    own.write_text(policy.read_text(encoding="utf-8"), encoding="utf-8")
    return start(journal, own, folder, *extra)


def post(served: Served, key: str, body: dict) -> httpx.Response:
    with served.client() as http:
        return http.post("/decisions", json=body, headers={"Idempotency-Key": key})


def kept_keys(url: str) -> list[str]:
    with psycopg.connect(url, autocommit=True) as admin:
        return [key for (key,) in admin.execute("SELECT cle FROM tamis_idempotence ORDER BY cle")]


def test_a_retry_on_another_instance_gets_the_first_answer_and_decides_nothing(
    journal, policy, tmp_path
):
    first, second = (machine(journal, policy, tmp_path / f"m{n}") for n in range(2))
    try:
        answered = post(first, "commande-1", SENT)
        retried = post(second, "commande-1", SENT)
        other = post(second, "commande-1", {**SENT, "id": "k-2"})
    finally:
        assert first.stop() == 0 and second.stop() == 0
    assert answered.status_code == 200 and answered.headers["idempotency-replayed"] == "false"
    assert answered.json()["decision"] == "refuser"
    assert retried.status_code == 200 and retried.headers["idempotency-replayed"] == "true"
    assert retried.content == answered.content
    assert other.status_code == 409
    assert other.json() == KEY_REUSED
    assert decided_ids(journal) == collections.Counter({"k-1": 1})
    assert kept_keys(journal) == ["commande-1"]


def test_copies_of_one_request_sent_at_once_to_three_instances_are_decided_once(
    journal, policy, tmp_path
):
    instances = [machine(journal, policy, tmp_path / f"m{n}") for n in range(3)]
    answers: dict[str, list[httpx.Response]] = collections.defaultdict(list)
    lock = threading.Lock()

    def send(served: Served, key: str, body: dict, ready: threading.Barrier) -> None:
        ready.wait(10)
        answer = post(served, key, body)
        with lock:
            answers[key].append(answer)

    try:
        for number in range(12):
            key, body = f"lot-{number}", {**SENT, "id": f"c-{number}"}
            ready = threading.Barrier(3)
            run_together(
                [
                    threading.Thread(target=send, args=(served, key, body, ready))
                    for served in instances
                ]
            )
    finally:
        for served in instances:
            assert served.stop() == 0
    assert len(answers) == 12
    for key, given in answers.items():
        assert [a.status_code for a in given] == [200] * 3, key
        replayed = sorted(a.headers["idempotency-replayed"] for a in given)
        assert replayed == ["false", "true", "true"], key
        assert len({a.content for a in given}) == 1, key
    assert decided_ids(journal) == collections.Counter({f"c-{n}": 1 for n in range(12)})
    assert_one_chain(journal)


@pytest.fixture
def relay(journal: str):
    through = Relay(journal)
    yield through
    through.close()


def test_a_retry_after_a_503_that_hid_a_commit_gets_the_first_answer(
    journal, relay, policy, tmp_path
):
    cut = machine(relay.url, policy, tmp_path / "m0")
    direct = machine(journal, policy, tmp_path / "m1")
    try:
        assert post(cut, "chauffe", {**SENT, "id": "k-0"}).status_code == 200  # connected
        relay.cut_at_next_commit(after=True)
        lost = post(cut, "commande-7", SENT)
        committed = decided_ids(journal)["k-1"]
        again = post(cut, "commande-7", SENT)
        elsewhere = post(direct, "commande-7", SENT)
    finally:
        assert cut.stop() == 0 and direct.stop() == 0
    assert relay.cuts == 1
    assert lost.status_code == 503 and lost.headers["retry-after"] == "2"
    assert committed == 1  # the 503 hid a commit
    assert again.status_code == 200 and again.headers["idempotency-replayed"] == "true"
    assert again.json()["id"] == "k-1" and again.json()["decision"] == "refuser"
    assert elsewhere.headers["idempotency-replayed"] == "true"
    assert elsewhere.content == again.content
    assert decided_ids(journal) == collections.Counter({"k-0": 1, "k-1": 1})
    assert_one_chain(journal)


def test_a_retry_after_a_503_that_rolled_back_is_decided_once(journal, relay, policy, tmp_path):
    cut = machine(relay.url, policy, tmp_path / "m0")
    try:
        assert post(cut, "chauffe", {**SENT, "id": "k-0"}).status_code == 200
        relay.cut_at_next_commit(after=False)
        lost = post(cut, "commande-8", SENT)
        before = decided_ids(journal)["k-1"]
        again = post(cut, "commande-8", SENT)
    finally:
        assert cut.stop() == 0
    assert lost.status_code == 503 and before == 0
    assert again.status_code == 200 and again.headers["idempotency-replayed"] == "false"
    assert decided_ids(journal) == collections.Counter({"k-0": 1, "k-1": 1})
    assert kept_keys(journal) == ["chauffe", "commande-8"]


def test_a_503_of_a_journal_out_of_reach_is_counted_by_its_route(journal, relay, policy, tmp_path):
    """A 503 with ``Retry-After`` (the connection to the journal lost at its ``COMMIT``) was
    counted by no metric with its status; it is in ``tamis_requetes_en_erreur_par_chemin``."""
    cut = machine(relay.url, policy, tmp_path / "m0")
    try:
        assert post(cut, "chauffe", {**SENT, "id": "k-0"}).status_code == 200
        relay.cut_at_next_commit(after=False)
        lost = post(cut, "commande-9", SENT)
        with cut.client() as http:
            text = http.get("/metriques").text
    finally:
        assert cut.stop() == 0
    assert lost.status_code == 503 and lost.headers["retry-after"] == "2"
    assert counted(text, "tamis_requetes_en_erreur_par_chemin_total") == {
        route("/decisions", "defaut", "POST", "503"): 1.0
    }


def test_the_service_does_not_start_without_its_grants_on_the_answers(journal, policy, tmp_path):
    with login_role(
        journal,
        "service",
        "SELECT, INSERT ON tamis_journal, tamis_schema, tamis_verification",
        "SELECT, INSERT ON tamis_idempotence",
        "SELECT, INSERT ON tamis_sessions_revoquees",
    ) as role:
        refused = tamis(
            "servir", "-p", str(policy), "--port", "0", env=_env(TAMIS_JOURNAL=role.url)
        )
        grant(journal, role, "DELETE ON tamis_idempotence")
        served = start(role.url, policy, tmp_path / "m0")
        try:
            kept = post(served, "commande-9", SENT)
        finally:
            assert served.stop() == 0
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines()[-1] == (
        f"Erreur : espace « defaut » : le rôle du service ne peut pas garder les réponses "
        f"d'idempotence dans le journal PostgreSQL {role.shown} : il "
        "lui faut SELECT, INSERT, DELETE sur tamis_idempotence (GRANT SELECT, INSERT, DELETE ON "
        "tamis_idempotence TO …;) ; le service n'a pas démarré."
    )
    assert role.secret not in refused.stdout + refused.stderr
    assert kept.status_code == 200 and kept_keys(journal) == ["commande-9"]


def _env(**extra: str) -> dict[str, str]:
    import os

    return {**{k: v for k, v in os.environ.items() if k != "TAMIS_JOURNAL"}, **extra}


def test_old_answers_are_pruned_and_their_key_then_decides_again(journal, policy, tmp_path):
    served = start(journal, policy, tmp_path / "m0", "--idempotence-duree", "1")
    try:
        first = post(served, "commande-10", SENT)
        pruned = served.wait_event(20, evenement="idempotence_purge")
        later = post(served, "commande-10", SENT)
    finally:
        assert served.stop() == 0
    assert first.headers["idempotency-replayed"] == "false"
    assert pruned == {**pruned, "espace": "defaut", "cles": 1}
    assert later.headers["idempotency-replayed"] == "false"
    assert decided_ids(journal) == collections.Counter({"k-1": 2})


def test_a_migrated_journal_gets_the_answers_table(pg_url: str, tmp_path: Path) -> None:
    assert tamis("journal", "initialiser", pg_url).returncode == 0
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DROP TABLE tamis_idempotence")
        admin.execute("DELETE FROM tamis_schema")
        admin.execute("INSERT INTO tamis_schema (version) VALUES (3)")
    migrated = tamis("journal", "migrer", "--journal", pg_url)
    assert migrated.returncode == 0, migrated.stderr
    assert f"schéma migré de la version 3 à la version {schema.VERSION}" in migrated.stdout
    assert kept_keys(pg_url) == []


DRAFT = {"a": "Léa Renvoi", "message": "Salut", "profil": "https://www.linkedin.com/in/lr"}


def advise(served: Served, key: str, body: dict) -> httpx.Response:
    with served.client() as http:
        return http.post("/conseils", json=body, headers={"Idempotency-Key": key})


def advice_count(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as admin:
        found = admin.execute("SELECT count(*) FROM tamis_journal WHERE evenement = 'conseil'")
        return found.fetchone()[0]


def test_a_retried_advice_is_journaled_once_whichever_instance_gets_it(journal, policy, tmp_path):
    instances = [machine(journal, policy, tmp_path / f"m{n}") for n in range(3)]
    given: list[httpx.Response] = []
    lock = threading.Lock()
    ready = threading.Barrier(3)

    def send(served: Served) -> None:
        ready.wait(10)
        answer = advise(served, "conseil-ensemble", DRAFT)
        with lock:
            given.append(answer)

    try:
        first = advise(instances[0], "conseil-1", DRAFT)
        retried = advise(instances[1], "conseil-1", DRAFT)
        other = advise(instances[2], "conseil-1", {**DRAFT, "message": "Bonjour"})
        run_together([threading.Thread(target=send, args=(served,)) for served in instances])
    finally:
        for served in instances:
            assert served.stop() == 0
    assert first.status_code == 200 and first.headers["idempotency-replayed"] == "false"
    assert first.json()["journal"]["seq"] > 0
    assert retried.headers["idempotency-replayed"] == "true" and retried.content == first.content
    assert other.status_code == 409 and other.json()["champ"] == "Idempotency-Key"
    assert [a.status_code for a in given] == [200] * 3
    assert sorted(a.headers["idempotency-replayed"] for a in given) == ["false", "true", "true"]
    assert len({a.content for a in given}) == 1
    assert advice_count(journal) == 2
    assert kept_keys(journal) == ["conseil-1", "conseil-ensemble"]
    assert_one_chain(journal)


def test_a_retried_advice_after_a_503_that_hid_a_commit_gets_the_first_answer(
    journal, relay, policy, tmp_path
):
    cut = machine(relay.url, policy, tmp_path / "m0")
    try:
        assert advise(cut, "chauffe", DRAFT).status_code == 200
        relay.cut_at_next_commit(after=True)
        lost = advise(cut, "conseil-2", DRAFT)
        committed = advice_count(journal)
        again = advise(cut, "conseil-2", DRAFT)
    finally:
        assert cut.stop() == 0
    assert lost.status_code == 503 and lost.headers["retry-after"] == "2"
    assert committed == 2  # the 503 hid a commit
    assert again.status_code == 200 and again.headers["idempotency-replayed"] == "true"
    assert again.json()["journal"]["seq"] == 3
    assert advice_count(journal) == 2
    assert_one_chain(journal)


def test_erasure_empties_the_kept_answers_of_what_it_erases(journal, policy, tmp_path):
    first, second = (machine(journal, policy, tmp_path / f"m{n}") for n in range(2))
    draft = {**DRAFT, "message": "Salut Zébulon"}
    try:
        decided = post(first, "d-1", SENT)
        kept = post(first, "d-2", {**SENT, "id": "k-2"})
        advised = advise(first, "c-1", draft)
        erased = tamis("journal", "effacer", "k-1", advised.json()["journal"]["id"],
                       "--motif", "demande", "--oui", "--journal", journal)  # fmt: skip
        retried = post(second, "d-1", SENT)
        advice_again = advise(second, "c-1", draft)
        still = post(second, "d-2", {**SENT, "id": "k-2"})
    finally:
        assert first.stop() == 0 and second.stop() == 0
    assert decided.status_code == kept.status_code == advised.status_code == 200
    assert "Zébulon".encode() in advised.content
    assert erased.returncode == 0, erased.stderr
    assert "\n2 réponse(s) gardée(s) pour une clé d'idempotence (Idempotency-Key)" in erased.stdout
    with psycopg.connect(journal, autocommit=True) as admin:
        (erasure,) = admin.execute(
            "SELECT seq FROM tamis_journal WHERE evenement = 'effacement'"
        ).fetchone()
        rows = admin.execute(
            "SELECT cle, length(reponse), effacement FROM tamis_idempotence ORDER BY cle"
        ).fetchall()
    assert rows == [("c-1", 0, erasure), ("d-1", 0, erasure), ("d-2", len(kept.content), None)]
    assert retried.status_code == advice_again.status_code == 410
    assert retried.json() == answer_erased(erasure)
    assert still.status_code == 200 and still.content == kept.content
    with psycopg.connect(journal, autocommit=True) as admin:
        ids = admin.execute(
            "SELECT id_invitation FROM tamis_journal WHERE evenement = 'decision' ORDER BY seq"
        ).fetchall()
    assert ids == [("k-1",), ("k-2",)]  # nothing decided again
    assert advice_count(journal) == 1
    assert_one_chain(journal)


def test_migrating_to_version_6_lets_erasure_reach_the_answers(pg_url: str) -> None:
    assert tamis("journal", "initialiser", pg_url).returncode == 0
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DROP INDEX tamis_idempotence_seq")
        admin.execute(
            "ALTER TABLE tamis_idempotence DROP COLUMN seq_premier, DROP COLUMN seq_dernier, "
            "DROP COLUMN effacement"
        )
        admin.execute("INSERT INTO tamis_idempotence (cle, empreinte_corps, reponse) "
                      "VALUES ('ancienne', 'e', 'r')")  # fmt: skip
        admin.execute("DELETE FROM tamis_schema")
        admin.execute("INSERT INTO tamis_schema (version) VALUES (5)")
    refused = tamis("journal", "effacer", "x", "--motif", "m", "--oui", "--journal", pg_url)
    migrated = tamis("journal", "migrer", "--journal", pg_url)
    assert refused.returncode == 1 and "tamis journal migrer" in refused.stderr
    assert migrated.returncode == 0, migrated.stderr
    assert f"de la version 5 à la version {schema.VERSION}" in migrated.stdout
    with psycopg.connect(pg_url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT seq_premier, seq_dernier, effacement FROM tamis_idempotence"
        ).fetchone()
    assert row == (None, None, None)  # kept before: not reached by erasure, pruned in time
