"""``tamis servir -p`` with a token: from $TAMIS_JETON or --jeton-fichier; 401 without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from servir_harness import POLICY, WITH_PHOTO, decisions_in, run_tamis, serve

TOKEN = "jeton-de-test-assez-long-0123456789"
CHALLENGE = 'Bearer realm="tamis"'


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    return tmp_path


def test_the_token_from_the_environment_is_required(work: Path) -> None:
    server = serve("-p", "p.tamis", "--journal", "j.jsonl", cwd=work, env={"TAMIS_JETON": TOKEN})
    try:
        with server.client() as anonymous:
            missing = anonymous.post("/decisions", json=WITH_PHOTO)
            assert missing.status_code == 401
            assert missing.headers["www-authenticate"] == CHALLENGE
            assert missing.json() == {
                "erreur": "jeton manquant : ajoutez l'en-tête « Authorization: Bearer JETON »",
                "champ": "Authorization",
            }
            assert anonymous.get("/decisions/a-1").status_code == 401
            assert anonymous.get("/sante").status_code == 200
        with server.client("pas-le-bon") as wrong:
            answer = wrong.post("/decisions", json=WITH_PHOTO)
            assert (answer.status_code, answer.json()["erreur"]) == (401, "jeton invalide")
            assert answer.headers["www-authenticate"] == f'{CHALLENGE}, error="invalid_token"'
            unknown = wrong.get("/v1/espaces/autre/decisions/a-1")
            assert unknown.status_code == 401  # says nothing of which workspaces exist
        with server.client(TOKEN) as allowed:
            assert allowed.post("/decisions", json=WITH_PHOTO).status_code == 200
            assert allowed.get("/decisions/a-1").status_code == 200
            assert allowed.get("/v1/espaces/autre/decisions/a-1").status_code == 404
    finally:
        assert server.stop() == 0
    assert [d["id"] for d in decisions_in(work / "j.jsonl")] == ["a-1"]
    assert TOKEN not in "\n".join(server.lines)


def test_the_token_file_is_read_and_its_token_required(work: Path) -> None:
    (work / "jeton.txt").write_text(TOKEN + "\n", encoding="utf-8")
    server = serve(
        "-p", "p.tamis", "--journal", "j.jsonl", "--jeton-fichier", "jeton.txt", cwd=work
    )
    try:
        with server.client() as anonymous:
            assert anonymous.post("/decisions", json=WITH_PHOTO).status_code == 401
        with server.client(TOKEN) as allowed:
            assert allowed.post("/decisions", json=WITH_PHOTO).status_code == 200
    finally:
        assert server.stop() == 0


def test_an_empty_or_missing_token_file_stops_the_start(work: Path) -> None:
    (work / "vide.txt").write_text("\n", encoding="utf-8")
    empty = run_tamis("servir", "-p", "p.tamis", "--jeton-fichier", "vide.txt", cwd=work)
    assert empty.returncode == 1
    assert "Erreur : --jeton-fichier vide.txt : fichier vide" in empty.stderr
    missing = run_tamis("servir", "-p", "p.tamis", "--jeton-fichier", "absent.txt", cwd=work)
    assert missing.returncode == 1
    assert "--jeton-fichier absent.txt : illisible" in missing.stderr


def test_listening_beyond_loopback_needs_a_token(work: Path) -> None:
    result = run_tamis("servir", "-p", "p.tamis", "--hote", "0.0.0.0", cwd=work)
    assert result.returncode == 2
    assert "--hote 0.0.0.0 : refusé sans jeton" in result.stderr
    assert not (work / "tamis-journal.jsonl").exists()


def test_a_broken_policy_stops_the_start_with_its_diagnostics(work: Path) -> None:
    (work / "casse.tamis").write_text("refuser si sans_photo et\n", encoding="utf-8")
    result = run_tamis("servir", "-p", "casse.tamis", "--port", "0", cwd=work)
    assert result.returncode == 1
    assert "casse.tamis:1:25: erreur[E004]" in result.stderr
    assert "politique inutilisable ; le service n'a pas démarré." in result.stderr
    assert "demarrage" not in result.stderr


def test_a_sound_policy_with_a_missing_context_is_not_called_unusable(work: Path) -> None:
    """A mistyped --contexte (or a bad --parametre) named the policy « inutilisable » twice,
    sending one to the policy file; the message names what is wrong, once."""
    result = run_tamis("servir", "-p", "p.tamis", "--contexte", "tamsi.toml", cwd=work)
    assert result.returncode == 1
    assert result.stderr == (
        "Erreur : espace « defaut » : tamsi.toml : fichier de contexte illisible : fichier"
        " introuvable ; vérifiez le chemin et le nom du fichier ; le service n'a pas démarré.\n"
    )
    result = run_tamis("servir", "-p", "p.tamis", "--parametre", "connexions_min=x", cwd=work)
    assert result.returncode == 1
    assert "politique" not in result.stderr
    assert "--parametre connexions_min=x : « x » n'est pas un nombre" in result.stderr
    assert not (work / "tamis-journal.jsonl").exists()


def test_either_a_policy_or_a_config_is_needed(work: Path) -> None:
    result = run_tamis("servir", cwd=work)
    assert result.returncode == 2
    assert "donnez soit -p POLITIQUE (un espace), soit --config service.toml." in result.stderr
