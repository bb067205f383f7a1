"""The answers kept for ``Idempotency-Key`` beside a file journal: replayed, refused for
another body, pruned when old; a store that cannot be opened refuses the request before
anything is decided (a 503, never a 500) and stops the service's start."""

from __future__ import annotations

import sqlite3
import stat
import time
from pathlib import Path

import pytest
from servir_harness import NO_PHOTO, POLICY, answer_erased, decisions_in, run_tamis, serve

from tamis.audit.errors import JournalError
from tamis.service import revocations
from tamis.service.errors import ApiError
from tamis.service.idempotence import FileStore, Reply, fingerprint


def test_a_key_replays_its_answer_and_refuses_another_body(tmp_path: Path) -> None:
    store, calls = FileStore(tmp_path / "j.jsonl"), []

    def answer() -> Reply:
        calls.append(1)
        return Reply(b'{"decision":"refuser"}', (2, 2))

    assert store.once("k-1", fingerprint(b"corps", ""), answer) == (
        b'{"decision":"refuser"}',
        False,
    )
    assert store.once("k-1", fingerprint(b"corps", ""), answer) == (b'{"decision":"refuser"}', True)
    with pytest.raises(ApiError) as other:
        store.once("k-1", fingerprint(b"autre corps", ""), answer)
    assert other.value.status == 409 and len(calls) == 1


def test_a_store_that_cannot_be_opened_decides_nothing_and_says_so(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "j.jsonl")
    store.path.mkdir()  # where the file should be: SQLite cannot open it
    decided: list[int] = []
    with pytest.raises(ApiError) as refused:
        store.once(
            "k-1", fingerprint(b"corps", ""), lambda: decided.append(1) or Reply(b"{}", None)
        )
    assert refused.value.status == 503 and decided == []
    assert str(refused.value).startswith(
        "réponses d'idempotence inaccessibles (j.jsonl.idempotence.sqlite : dossier en lecture "
        "seule, disque plein ou fichier abîmé) : rien n'a été décidé"
    )


def test_old_answers_are_pruned_and_recent_ones_kept(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "j.jsonl")
    store.once("ancienne", fingerprint(b"a", ""), lambda: Reply(b"{}", (2, 2)))
    store.once("recente", fingerprint(b"b", ""), lambda: Reply(b"{}", (2, 2)))
    with sqlite3.connect(store.path) as kept:  # as if kept two hours ago
        kept.execute(
            "UPDATE reponses SET cree_le = ? WHERE cle = 'ancienne'", (time.time() - 7200,)
        )
    assert store.prune(3 * 3600) == 0
    assert store.prune(3600) == 1
    assert store.once("recente", fingerprint(b"b", ""), lambda: Reply(b"[]", (3, 3))) == (
        b"{}",
        True,
    )
    assert store.once("ancienne", fingerprint(b"a", ""), lambda: Reply(b"[]", (3, 3))) == (
        b"[]",
        False,
    )


def test_a_store_kept_by_an_earlier_tamis_still_replays_then_ages_out(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "j.jsonl")
    with sqlite3.connect(store.path) as old:
        old.execute(
            "CREATE TABLE reponses (cle TEXT PRIMARY KEY, empreinte_corps TEXT NOT NULL, "
            "reponse BLOB NOT NULL)"
        )
        old.execute("INSERT INTO reponses VALUES (?, ?, ?)", ("k", fingerprint(b"c", ""), b"{}"))
    assert store.once("k", fingerprint(b"c", ""), lambda: Reply(b"[]", (3, 3))) == (b"{}", True)
    assert store.prune(3600) == 1  # kept before answers had a time: the oldest there are


def test_a_store_that_cannot_be_used_stops_the_start_in_french(tmp_path: Path) -> None:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "j.jsonl.idempotence.sqlite").mkdir()
    done = run_tamis("servir", "-p", "p.tamis", "--journal", "j.jsonl", "--port", "0", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "Erreur : espace « defaut » : réponses d'idempotence inaccessibles "
        "(j.jsonl.idempotence.sqlite : impossible d'ouvrir le fichier) ; le service n'a pas "
        "démarré."
    )


def test_the_service_prunes_old_answers_of_a_file_journal(tmp_path: Path) -> None:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    served = serve(
        "-p", "p.tamis", "--journal", "j.jsonl", "--idempotence-duree", "1", cwd=tmp_path
    )
    try:
        with served.client() as http:
            key = {"Idempotency-Key": "commande-1"}
            first = http.post("/decisions", json=NO_PHOTO, headers=key)
            pruned = served.wait_event(evenement="idempotence_purge")
            later = http.post("/decisions", json=NO_PHOTO, headers=key)
    finally:
        assert served.stop() == 0
    assert first.headers["idempotency-replayed"] == "false"
    assert (pruned["espace"], pruned["cles"]) == ("defaut", 1)
    assert later.headers["idempotency-replayed"] == "false"
    assert [d["id"] for d in decisions_in(tmp_path / "j.jsonl")] == ["a-2", "a-2"]


def test_erasing_decisions_and_advice_empties_their_kept_answers(tmp_path: Path) -> None:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    served = serve("-p", "p.tamis", "--journal", "j.jsonl", cwd=tmp_path)
    draft = {
        "a": "Léa Renvoi",
        "message": "Salut Zébulon",
        "profil": "https://www.linkedin.com/in/lr",
    }
    try:
        with served.client() as http:
            decided = http.post("/decisions", json=NO_PHOTO, headers={"Idempotency-Key": "d-1"})
            other = {**NO_PHOTO, "id": "a-3"}
            kept = http.post("/decisions", json=other, headers={"Idempotency-Key": "d-2"})
            advised = http.post("/conseils", json=draft, headers={"Idempotency-Key": "c-1"})
            erased = run_tamis("journal", "effacer", "a-2", "--motif", "demande", "--oui",
                               "--journal", "j.jsonl", cwd=tmp_path)  # fmt: skip
            retried = http.post("/decisions", json=NO_PHOTO, headers={"Idempotency-Key": "d-1"})
            still = http.post("/decisions", json=other, headers={"Idempotency-Key": "d-2"})
            advice_id = advised.json()["journal"]["id"]
            erased_advice = run_tamis("journal", "effacer", advice_id, "--motif", "demande",
                                      "--oui", "--journal", "j.jsonl", cwd=tmp_path)  # fmt: skip
            advice_again = http.post("/conseils", json=draft, headers={"Idempotency-Key": "c-1"})
    finally:
        assert served.stop() == 0
    assert decided.status_code == kept.status_code == advised.status_code == 200
    assert erased.returncode == 0, erased.stderr
    assert "\n1 réponse(s) gardée(s) pour une clé d'idempotence (Idempotency-Key)" in erased.stdout
    erasure = decisions_or_erasures(tmp_path)
    assert retried.status_code == 410
    assert retried.json() == answer_erased(erasure[0])
    assert still.status_code == 200 and still.content == kept.content
    assert erased_advice.returncode == 0, erased_advice.stderr
    assert advice_again.status_code == 410
    assert f"n° {erasure[1]})" in advice_again.json()["erreur"]
    assert [d["id"] for d in decisions_in(tmp_path / "j.jsonl")] == ["a-2", "a-3"]
    with sqlite3.connect(tmp_path / "j.jsonl.idempotence.sqlite") as store:
        rows = store.execute("SELECT cle, length(reponse), effacement FROM reponses ORDER BY cle")
        assert [(k, n > 0, e) for k, n, e in rows] == [
            ("c-1", False, erasure[1]),
            ("d-1", False, erasure[0]),
            ("d-2", True, None),
        ]
    quoted = "Zébulon".encode()
    assert quoted in advised.content  # the answer quoted the draft, and is gone
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("j.jsonl.idempotence.sqlite*"))
    assert quoted not in stored


def decisions_or_erasures(folder: Path) -> list[int]:
    """The seq numbers of the journal's ``effacement`` records."""
    from servir_harness import journal_records

    return [r["seq"] for r in journal_records(folder / "j.jsonl") if r["evenement"] == "effacement"]


def test_both_stores_beside_a_file_journal_open_alike(tmp_path: Path) -> None:
    """The answers and the web interface's logouts, each in SQLite beside the journal, are
    opened by one function (``answers.open_store``): created 0600, in WAL mode; a file
    that is not a database is a French error naming it, for either."""
    journal = tmp_path / "j.jsonl"
    answers_store, logouts = FileStore(journal), revocations.FileStore(journal)
    answers_store.check()
    logouts.add("n-1", time.time() + 60)
    for path in (answers_store.path, logouts.path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    logouts.close()
    other = tmp_path / "autre.jsonl"
    for suffix in (".idempotence.sqlite", revocations.SUFFIX):
        (tmp_path / f"autre.jsonl{suffix}").write_bytes(b"pas une base SQLite " * 400)
    with pytest.raises(JournalError, match=r"autre\.jsonl\.idempotence\.sqlite : ce n'est pas"):
        FileStore(other).check()
    with pytest.raises(JournalError, match=r"autre\.jsonl\.sessions\.sqlite : ce n'est pas une"):
        revocations.FileStore(other).check()
