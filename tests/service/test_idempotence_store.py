"""The answers kept for ``Idempotency-Key``: replayed, refused for another body, and a store
that cannot be opened refuses the request before anything is decided (a 503, never a 500)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tamis.service.errors import ApiError
from tamis.service.idempotence import IdempotencyStore


def test_a_key_replays_its_answer_and_refuses_another_body(tmp_path: Path) -> None:
    store, calls = IdempotencyStore(tmp_path / "j.jsonl"), []

    def answer() -> bytes:
        calls.append(1)
        return b'{"decision":"refuser"}'

    assert store.once("k-1", b"corps", answer) == (b'{"decision":"refuser"}', False)
    assert store.once("k-1", b"corps", answer) == (b'{"decision":"refuser"}', True)
    with pytest.raises(ApiError) as other:
        store.once("k-1", b"autre corps", answer)
    assert other.value.status == 409 and len(calls) == 1


def test_a_store_that_cannot_be_opened_decides_nothing_and_says_so(tmp_path: Path) -> None:
    store = IdempotencyStore(tmp_path / "j.jsonl")
    store.path.mkdir()  # where the file should be: SQLite cannot open it
    decided: list[int] = []
    with pytest.raises(ApiError) as refused:
        store.once("k-1", b"corps", lambda: decided.append(1) or b"{}")
    assert refused.value.status == 503 and decided == []
    assert str(refused.value).startswith(
        "réponses d'idempotence inaccessibles (j.jsonl.idempotence.sqlite : dossier en lecture "
        "seule, disque plein ou fichier abîmé) : rien n'a été décidé"
    )
