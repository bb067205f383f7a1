"""POST /decisions on a workspace of the durable engine, for an invitation durable-rules
cannot decide (a text past ``MAX_TEXT_BYTES``): a French answer naming it, nothing journaled
for it, every other invitation decided and journaled. Before, durable decided it wrongly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from servir_harness import decisions_in, run_tamis, serve

pytest.importorskip("durable")

from tamis.engine.durable_translate import MAX_TEXT_BYTES

POLICY = 'examiner si expediteur.titre = "x"\nsinon accepter\n'
LONG = {"id": "long", "expediteur": {"titre": "x" * (MAX_TEXT_BYTES + 1)}}
REASON = "invitation « long » : le moteur « durable » n'a pas pu la décider"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("durable")
    (folder / "p.tamis").write_text(POLICY, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def served(work: Path):
    args = ("-p", "p.tamis", "--moteur", "durable", "--journal", "j.jsonl")
    server = serve(*args, "--taille-max", "1000000", cwd=work)
    yield server
    assert server.stop() == 0


def test_one_invitation_is_a_422_naming_it_and_nothing_is_journaled(served, work) -> None:
    with served.client() as http:
        answer = http.post("/decisions", json=LONG)
    assert answer.status_code == 422  # the value is past durable's limit: never a 500
    body = answer.json()
    assert body["champ"] is None
    assert "« expediteur.titre » dépasse 65\u202f535 octets" in body["erreur"]
    assert body["erreur"].startswith(REASON) and body["erreurs"] == [body["erreur"]]
    assert "moteur « natif »" in body["erreur"] and "Traceback" not in answer.text
    assert all(d["id"] != "long" for d in decisions_in(work / "j.jsonl"))


def test_in_a_list_it_is_set_apart_and_the_others_are_decided(served, work) -> None:
    sent = [{"id": "a", "expediteur": {"titre": "x"}}, LONG, {"id": "c"}]
    with served.client() as http:
        answer = http.post("/decisions", json=sent)
    assert answer.status_code == 200
    body = answer.json()
    assert [(d["index"], d["decision"]) for d in body["decisions"]] == [
        (0, "examiner"),
        (2, "accepter"),
    ]
    assert body["rejetees"] == []
    assert [u["index"] for u in body["non_decidees"]] == [1]
    assert body["non_decidees"][0]["erreurs"][0].startswith(REASON)
    ids = [d["id"] for d in decisions_in(work / "j.jsonl")]
    assert "a" in ids and "c" in ids and "long" not in ids


def test_the_metrics_count_it_apart_from_invalid_invitations(served) -> None:
    """It was counted as « invitation_invalide », as if the client had sent a wrong one."""
    sent = [LONG, {"id": "d"}]
    with served.client() as http:
        assert http.post("/decisions", json=sent).status_code == 200
        text = http.get("/metriques").text
    assert 'tamis_entrees_rejetees_total{espace="defaut",raison="non_decidee"}' in text
    assert 'raison="invitation_invalide"' not in text


def test_rejouer_lists_it_apart_from_the_records_that_no_longer_validate(tmp_path) -> None:
    """POST /rejouer listed it in « rejetees », which holds the records that no longer validate,
    and only counted it in « non_decidees »."""
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    sent = [{"id": "a", "expediteur": {"titre": "x"}}, LONG]
    (tmp_path / "i.jsonl").write_text("".join(json.dumps(s) + "\n" for s in sent))
    done = run_tamis("decider", "-p", "p.tamis", "i.jsonl", "--journal", "j.jsonl", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the native engine decides « long »
    server = serve("-p", "p.tamis", "--moteur", "durable", "--journal", "j.jsonl", cwd=tmp_path)
    try:
        with server.client() as http:
            answer = http.post(
                "/rejouer", content=POLICY.encode(), headers={"Content-Type": "text/plain"}
            )
    finally:
        assert server.stop() == 0
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 1 and body["rejetees"] == []
    [named] = body["non_decidees"]
    assert named.startswith("j.jsonl:4 (enregistrement n° 4) : " + REASON), named
