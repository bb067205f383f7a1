"""The answers kept for ``Idempotency-Key`` beside a file journal: replayed, refused for
another body, pruned when old; a store that cannot be opened refuses the request before
anything is decided (a 503, never a 500) and stops the service's start."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from servir_harness import NO_PHOTO, POLICY, decisions_in, run_tamis, serve

from tamis.service.errors import ApiError
from tamis.service.idempotence import FileStore, fingerprint


def test_a_key_replays_its_answer_and_refuses_another_body(tmp_path: Path) -> None:
    store, calls = FileStore(tmp_path / "j.jsonl"), []

    def answer() -> bytes:
        calls.append(1)
        return b'{"decision":"refuser"}'

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
        store.once("k-1", fingerprint(b"corps", ""), lambda: decided.append(1) or b"{}")
    assert refused.value.status == 503 and decided == []
    assert str(refused.value).startswith(
        "réponses d'idempotence inaccessibles (j.jsonl.idempotence.sqlite : dossier en lecture "
        "seule, disque plein ou fichier abîmé) : rien n'a été décidé"
    )


def test_old_answers_are_pruned_and_recent_ones_kept(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "j.jsonl")
    store.once("ancienne", fingerprint(b"a", ""), lambda: b"{}")
    store.once("recente", fingerprint(b"b", ""), lambda: b"{}")
    with sqlite3.connect(store.path) as kept:  # as if kept two hours ago
        kept.execute(
            "UPDATE reponses SET cree_le = ? WHERE cle = 'ancienne'", (time.time() - 7200,)
        )
    assert store.prune(3 * 3600) == 0
    assert store.prune(3600) == 1
    assert store.once("recente", fingerprint(b"b", ""), lambda: b"[]") == (b"{}", True)
    assert store.once("ancienne", fingerprint(b"a", ""), lambda: b"[]") == (b"[]", False)


def test_a_store_kept_by_an_earlier_tamis_still_replays_then_ages_out(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "j.jsonl")
    with sqlite3.connect(store.path) as old:
        old.execute(
            "CREATE TABLE reponses (cle TEXT PRIMARY KEY, empreinte_corps TEXT NOT NULL, "
            "reponse BLOB NOT NULL)"
        )
        old.execute("INSERT INTO reponses VALUES (?, ?, ?)", ("k", fingerprint(b"c", ""), b"{}"))
    assert store.once("k", fingerprint(b"c", ""), lambda: b"[]") == (b"{}", True)
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
