"""``POST /conseils`` over real HTTP: ``tamis conseiller``'s JSON with the workspace's context,
French 4xx naming the field (never its value), and the token rules of every route."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from servir_harness import BLOGUE, CONTEXT, KEY_REUSED, journal_records, run_tamis, serve

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


def post(served, body, token=TOKEN, content_type="application/json", path="/conseils"):
    with served.client(token) as client:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return client.post(path, content=data, headers={"Content-Type": content_type})


def advice_records(served) -> list[dict]:
    return [r for r in journal_records(served.work / "j.jsonl") if r["evenement"] == "conseil"]


def test_the_same_advice_as_the_command(served):
    draft = {"a": "Marc-André Gagnon", "message": DEFAULT, "contexte_rencontre": "le Salon"}
    answer = post(served, draft)
    assert answer.status_code == 200
    command = run_tamis(
        "conseiller", "--a", draft["a"], "--message", DEFAULT, "--contexte", str(CONTEXT),
        "--contexte-rencontre", "le Salon", "--format", "json", "--sans-journal", cwd=served.work,
    )  # fmt: skip
    assert command.returncode == 1
    shown = json.loads(command.stdout)
    assert shown.pop("journal") is None
    assert answer.json() | {"journal": None} == shown | {"journal": None}
    assert answer.json()["verdict"] == "à retoucher"
    assert answer.json()["modele"].startswith("Bonjour Marc-André,\nJ'ai bien apprécié")


def test_commercial_draft_to_a_stranger(served):
    note = "Notre plateforme double vos ventes : réservez une démo gratuite!"
    draft = {"a": "Paul Roy", "profil": "https://www.linkedin.com/in/paul-roy", "message": note}
    found = post(served, draft).json()
    assert found["verdict"] == "à ne pas envoyer"
    assert [c["code"] for c in found["constats"]] == ["C001", "C004", "C005"]


def test_advice_is_journaled_in_the_workspace_journal_never_as_a_decision(served):
    before = len(advice_records(served))
    answer = post(
        served, {"a": "Paul Roy", "message": "Salut", "profil": "https://www.linkedin.com/in/pr"}
    )
    assert answer.status_code == 200
    records = advice_records(served)
    assert len(records) == before + 1
    record = records[-1]
    assert answer.json()["journal"] == {"id": record["contenu"]["id"], "seq": record["seq"]}
    assert record["contenu"]["origine"] == "service"
    assert record["contenu"]["destinataire"] == {
        "nom": "Paul Roy",
        "profil_url": "https://www.linkedin.com/in/pr",
    }
    assert record["contenu"]["message"] == "Salut"
    assert len(record["contenu"]["contexte_sha256"]) == 64
    decisions = journal_records(served.work / "j.jsonl")
    assert not any(r["evenement"] == "decision" and "Paul Roy" in str(r) for r in decisions)
    with served.client(TOKEN) as client:
        found = client.get("/journal", params={"expediteur": "Paul Roy"})
        stats = client.get("/stats")
    assert found.status_code == 200 and found.json()["decisions"] == []
    assert stats.json()["total"] == 0


def test_a_preview_is_not_journaled(served):
    before = (served.work / "j.jsonl").read_bytes() if (served.work / "j.jsonl").exists() else b""
    answer = post(served, {"a": "Zoé Apercu", "message": "Salut"}, path="/conseils?apercu=true")
    assert answer.status_code == 200
    assert answer.json()["journal"] is None and answer.json()["verdict"] == "à retoucher"
    after = (served.work / "j.jsonl").read_bytes() if (served.work / "j.jsonl").exists() else b""
    assert after == before and b"Apercu" not in after


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"message": "x"}, 400, "a", "champ « a » manquant : le nom du destinataire"),
        ({"a": "  ", "message": "x"}, 400, "a", "champ « a » manquant : le nom du destinataire"),
        ({"a": "Paul\x1b[31m", "message": "x"}, 422, "a",
         "champ « a » : le nom du destinataire contient un caractère de contrôle (\\x1b) :"
         " écrivez le nom tel qu'il s'affiche ; rien n'a été inscrit au journal."),
        ({"a": "Paul"}, 400, "message", 'champ « message » manquant ("" : une demande sans note)'),
        ({"a": "Paul", "message": 3}, 400, "message", "champ « message » : un texte est attendu"),
        ({"a": "Paul", "message": "x", "Secret Perso": 1}, 400, "Secret Perso",
         "champ inconnu « Secret Perso »"),
        (["Paul"], 400, "corps", "le corps doit être un objet JSON"),
        (b"{pas du json", 400, "corps", "JSON invalide, ligne 1, colonne 2 (caractère inattendu)"),
        (b"", 400, "corps", 'corps vide : envoyez un brouillon {"a", "message"}'),
        (b'{"a": "\xe9"}', 400, "corps",
         "le corps n'est pas en UTF-8 (octet invalide à la position 7)"),
        (b'{"a":' * 40 + b"1" + b"}" * 40, 400, "corps", "JSON trop imbriqué : 32 niveaux au plus"),
    ],
)  # fmt: skip
def test_bad_drafts_are_4xx_naming_the_field(served, body, status, field, message):
    answer = post(served, body)
    assert answer.status_code == status
    assert answer.json() == {"erreur": message, "champ": field}


NOT_A_PROFILE = (
    "champ « profil » : ce n'est pas l'adresse d'un profil LinkedIn (attendu :"
    " https://www.linkedin.com/in/nom) ; rien n'a été inscrit au journal."
)


@pytest.mark.parametrize(
    ("profil", "message"),
    [
        ("Paul Roy", NOT_A_PROFILE),
        ("https://exemple.fr/in/paul-roy", NOT_A_PROFILE),
        ("https://www.linkedin.com/company/acme", NOT_A_PROFILE),
        ("ftp://www.linkedin.com/in/paul-roy", NOT_A_PROFILE),
        ("  ", NOT_A_PROFILE.replace("ce n'est pas l'adresse d'un profil LinkedIn",
                                      "l'adresse du profil est vide")),
    ],
)  # fmt: skip
def test_a_profile_that_is_not_a_linkedin_profile_is_422_as_the_command_says(
    served, profil, message
):
    """``conseiller --profil`` refuses these (exit 2); the service took them and journaled
    them as the recipient's profile."""
    before = len(advice_records(served))
    answer = post(served, {"a": "Paul Roy", "message": "Salut", "profil": profil})
    assert answer.status_code == 422
    assert answer.json() == {"erreur": message, "champ": "profil"}
    assert len(advice_records(served)) == before
    command = run_tamis(
        "conseiller", "--a", "Paul Roy", "--message", "Salut", "--profil", profil,
        "--sans-journal", cwd=served.work,
    )  # fmt: skip
    assert command.returncode == 2
    assert message.split(" (attendu", 1)[1] in " ".join(command.stderr.split())  # same words


def test_personal_values_are_not_echoed(served):
    answer = post(served, {"a": "Paul", "message": ["Ma note très personnelle"]})
    assert answer.status_code == 400 and "personnelle" not in answer.text


def test_a_draft_saved_with_a_byte_order_mark_is_read(served):
    draft = json.dumps({"a": "Paul", "message": ""}).encode()
    answer = post(served, b"\xef\xbb\xbf" + draft, path="/conseils?apercu=true")
    assert answer.status_code == 200 and answer.json()["verdict"]


def test_wrong_content_type_and_token(served):
    wrong = post(served, b"a=1", content_type="text/plain")
    assert (wrong.status_code, wrong.json()) == (
        415,
        {
            "erreur": "type de contenu non pris en charge : envoyez le brouillon en "
            "« application/json »",
            "champ": "Content-Type",
        },
    )
    latin = post(served, b"{}", content_type="application/json; charset=iso-8859-1")
    assert (latin.status_code, latin.json()["champ"]) == (415, "Content-Type")
    refused = post(served, {"a": "Paul", "message": "x"}, token="mauvais")
    assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")


def test_advice_is_in_the_openapi_schema(served):
    with served.client() as client:
        schema = client.get("/openapi.json").json()
    assert "/conseils" in schema["paths"] and "/v1/espaces/{espace}/conseils" in schema["paths"]
    post_ = schema["paths"]["/conseils"]["post"]
    [preview] = [p for p in post_["parameters"] if p["name"] == "apercu"]
    assert preview["in"] == "query" and preview["schema"]["type"] == "boolean"
    assert preview["description"].startswith("true : vérifier sans inscrire le conseil au journal")
    answer = schema["components"]["schemas"]["Conseil"]
    assert "journal" in answer["required"]
    assert schema["components"]["schemas"]["ConseilJournal"]["required"] == ["id", "seq"]


def test_get_journal_conseils_lists_the_journaled_advice_by_pages(served):
    post(served, {"a": "Liste Un", "message": DEFAULT})
    post(served, {"a": "Liste Deux", "message": "Réservez une démo gratuite de notre offre!"})
    post(served, {"a": "Liste Apercu", "message": DEFAULT}, path="/conseils?apercu=true")
    with served.client(TOKEN) as client:
        everything = client.get("/journal/conseils", params={"expediteur": "liste", "limite": 1000})
        first = client.get("/journal/conseils", params={"expediteur": "liste", "limite": 1})
        after = client.get("/journal/conseils", params={"expediteur": "liste", "limite": 1,
                                                "apres": first.json()["suivant"]})  # fmt: skip
        refused = client.get("/journal/conseils", params={"verdict": "à ne pas envoyer"})
        bad_verdict = client.get("/journal/conseils", params={"verdict": "refuser"})
        bad_date = client.get("/journal/conseils", params={"depuis": "hier"})
    rows = everything.json()["conseils"]
    assert [r["destinataire"] for r in rows] == ["Liste Un", "Liste Deux"]
    assert everything.json()["suivant"] is None
    journaled = {r["contenu"]["id"]: r["seq"] for r in advice_records(served)}
    assert all(journaled[r["id"]] == r["seq"] for r in rows)
    assert rows[0]["verdict"] == "à retoucher" and rows[0]["constats"][0] == "C003"
    assert rows[1]["origine"] == "service"
    assert [r["destinataire"] for r in first.json()["conseils"]] == ["Liste Un"]
    assert [r["destinataire"] for r in after.json()["conseils"]] == ["Liste Deux"]
    assert "Liste Deux" in [r["destinataire"] for r in refused.json()["conseils"]]
    assert all(r["verdict"] == "à ne pas envoyer" for r in refused.json()["conseils"])
    assert bad_verdict.status_code == 400 and bad_verdict.json() == {
        "erreur": "paramètre « verdict » : choisissez parmi prête à envoyer, à retoucher, "
        "à ne pas envoyer",
        "champ": "verdict",
    }
    assert bad_date.status_code == 400 and bad_date.json()["champ"] == "depuis"


def post_keyed(served, body, key):
    with served.client(TOKEN) as client:
        return client.post("/conseils", json=body, headers={"Idempotency-Key": key})


def test_a_retried_advice_with_its_key_gets_the_first_answer_and_is_journaled_once(served):
    draft = {"a": "Léa Renvoi", "message": "Salut", "profil": "https://www.linkedin.com/in/lr"}
    before = len(advice_records(served))
    first = post_keyed(served, draft, "conseil-1")
    again = post_keyed(served, draft, "conseil-1")
    other = post_keyed(served, {**draft, "message": "Bonjour"}, "conseil-1")
    records = advice_records(served)
    assert first.status_code == 200 and first.headers["idempotency-replayed"] == "false"
    assert again.status_code == 200 and again.headers["idempotency-replayed"] == "true"
    assert again.content == first.content
    assert other.status_code == 409
    assert other.json() == KEY_REUSED
    assert len(records) == before + 1
    assert first.json()["journal"] == {
        "id": records[-1]["contenu"]["id"],
        "seq": records[-1]["seq"],
    }
    assert (served.work / "j.jsonl.idempotence.sqlite").stat().st_mode & 0o777 == 0o600


def test_a_key_given_to_a_decision_is_refused_for_advice(served):
    with served.client(TOKEN) as client:
        decided = client.post(
            "/decisions", json={"id": "cle-partagee"}, headers={"Idempotency-Key": "partagee"}
        )
    before = len(advice_records(served))
    advice = post_keyed(served, {"a": "Léa Renvoi", "message": "Salut"}, "partagee")
    assert decided.status_code == 200
    assert advice.status_code == 409 and advice.json()["champ"] == "Idempotency-Key"
    assert len(advice_records(served)) == before


def test_a_bad_key_or_a_preview_with_a_key_journals_nothing(served):
    before = len(advice_records(served))
    bad = post_keyed(served, {"a": "Léa Renvoi", "message": "Salut"}, "cle avec espace")
    with served.client(TOKEN) as client:
        preview = client.post(
            "/conseils?apercu=true",
            json={"a": "Léa Renvoi", "message": "Salut"},
            headers={"Idempotency-Key": "apercu-1"},
        )
    assert bad.status_code == 400
    assert bad.json() == {
        "erreur": "clé d'idempotence invalide : 1 à 200 caractères ASCII visibles",
        "champ": "Idempotency-Key",
    }
    assert preview.status_code == 200 and preview.json()["journal"] is None
    assert "idempotency-replayed" not in preview.headers
    assert len(advice_records(served)) == before
