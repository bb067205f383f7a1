"""``POST /conseils`` over real HTTP: ``tamis conseiller``'s JSON with the workspace's context,
French 4xx naming the field (never its value), and the token rules of every route."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from servir_harness import BLOGUE, CONTEXT, run_tamis, serve

TOKEN = "jeton-conseils-0123456789"
DEFAULT = "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn."


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    work: Path = tmp_path_factory.mktemp("conseils")
    server = serve(
        "-p", str(BLOGUE), "--contexte", str(CONTEXT), "--journal", "j.jsonl",
        cwd=work, env={"TAMIS_JETON": TOKEN},
    )  # fmt: skip
    server.work = work
    yield server
    server.stop()


def post(served, body, token=TOKEN, content_type="application/json"):
    with served.client(token) as client:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return client.post("/conseils", content=data, headers={"Content-Type": content_type})


def test_the_same_advice_as_the_command(served):
    draft = {"a": "Marc-André Gagnon", "message": DEFAULT, "contexte_rencontre": "le Salon"}
    answer = post(served, draft)
    assert answer.status_code == 200
    command = run_tamis(
        "conseiller", "--a", draft["a"], "--message", DEFAULT, "--contexte", str(CONTEXT),
        "--contexte-rencontre", "le Salon", "--format", "json", cwd=served.work,
    )  # fmt: skip
    assert command.returncode == 1
    assert answer.json() == json.loads(command.stdout)
    assert answer.json()["verdict"] == "à retoucher"
    assert answer.json()["modele"].startswith("Bonjour Marc-André,\nJ'ai bien apprécié")


def test_commercial_draft_to_a_stranger(served):
    note = "Notre plateforme double vos ventes : réservez une démo gratuite!"
    draft = {"a": "Paul Roy", "profil": "https://www.linkedin.com/in/paul-roy", "message": note}
    found = post(served, draft).json()
    assert found["verdict"] == "à ne pas envoyer"
    assert [c["code"] for c in found["constats"]] == ["C001", "C004", "C005"]


def test_nothing_is_journaled(served):
    post(served, {"a": "Paul Roy", "message": "Salut"})
    assert (
        not (served.work / "j.jsonl").exists()
        or b"Paul Roy" not in (served.work / "j.jsonl").read_bytes()
    )


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"message": "x"}, 400, "a", "champ « a » manquant : le nom du destinataire"),
        ({"a": "  ", "message": "x"}, 400, "a", "champ « a » manquant : le nom du destinataire"),
        ({"a": "Paul"}, 400, "message", 'champ « message » manquant ("" : une demande sans note)'),
        ({"a": "Paul", "message": 3}, 400, "message", "champ « message » : un texte est attendu"),
        ({"a": "Paul", "message": "x", "Secret Perso": 1}, 400, "Secret Perso",
         "champ inconnu « Secret Perso »"),
        (["Paul"], 400, "corps", "le corps doit être un objet JSON"),
        (b"{pas du json", 400, "corps", "corps JSON illisible"),
    ],
)  # fmt: skip
def test_bad_drafts_are_4xx_naming_the_field(served, body, status, field, message):
    answer = post(served, body)
    assert answer.status_code == status
    assert answer.json() == {"erreur": message, "champ": field}


def test_personal_values_are_not_echoed(served):
    answer = post(served, {"a": "Paul", "message": ["Ma note très personnelle"]})
    assert answer.status_code == 400 and "personnelle" not in answer.text


def test_wrong_content_type_and_token(served):
    assert post(served, b"a=1", content_type="text/plain").status_code == 415
    refused = post(served, {"a": "Paul", "message": "x"}, token="mauvais")
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")


def test_advice_is_in_the_openapi_schema(served):
    with served.client() as client:
        schema = client.get("/openapi.json").json()
    assert "/conseils" in schema["paths"] and "/v1/espaces/{espace}/conseils" in schema["paths"]
