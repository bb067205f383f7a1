"""A journal written before trace lines glossed each value read in parentheses.

Until 4 December 2026, a trace line and an explanation wrote a value read as « = valeur »
(``expediteur.titre = "Dev" = "Recruteur"``); they now write ``expediteur.titre (« Dev ») =
"Recruteur"``. The journal keeps the text recorded at decision time, so a journal of that time
(``tests/corpus/journaux/avant-glose.jsonl``, written by the code of then over
``avant-glose.tamis``, one rule per operator) must still be replayed, explained, searched,
exported and shown: each reader shows the old text as recorded, and replaying it under the
same policy finds no changed decision, whatever the wording.
"""

from __future__ import annotations

import csv
import html
import io
import json
import shutil
from pathlib import Path

import pytest
from servir_harness import ROOT, Served, decisions_in, run_tamis, serve

CORPUS = ROOT / "tests" / "corpus" / "journaux"
OLD_LEAF = 'expediteur.titre = "Chasseur" correspond à "^Chas"'
NEW_LEAF = 'expediteur.titre (« Chasseur ») correspond à "^Chas"'
OLD_EXPLANATION = f"Refusée par la règle « chasseur » (ligne 8) : {OLD_LEAF}."


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("avant-glose")
    for name in ("avant-glose.tamis", "avant-glose.jsonl", "avant-glose-invitations.jsonl"):
        shutil.copy(CORPUS / name, folder / name)
    return folder


def tamis(work: Path, *args: str) -> str:
    result = run_tamis(*args, cwd=work)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_the_corpus_holds_the_old_wording_and_today_words_it_anew(work: Path) -> None:
    recorded = decisions_in(work / "avant-glose.jsonl")
    assert OLD_EXPLANATION in [content["explication"] for content in recorded]
    again = tamis(
        work, "decider", "-p", "avant-glose.tamis", "--journal", "neuf.jsonl", "--format",
        "texte", "--trace", "avant-glose-invitations.jsonl",
    )  # fmt: skip
    assert NEW_LEAF in again and OLD_LEAF not in again


def test_rejouer_finds_no_changed_decision_in_a_mere_change_of_wording(work: Path) -> None:
    out = tamis(
        work, "rejouer", "-p", "avant-glose.tamis", "--journal", "avant-glose.jsonl",
        "--format", "json",
    )  # fmt: skip
    report = json.loads(out)
    assert (report["total"], report["changees"], report["changements"]) == (6, 0, [])
    assert all(c["avant"] == c["apres"] for c in report["comptes"])


def test_readers_show_the_text_as_recorded(work: Path) -> None:
    journal = ("--journal", "avant-glose.jsonl")
    why = tamis(work, "journal", "pourquoi", *journal, "g-3")
    assert f"Explication : {OLD_EXPLANATION}" in why and f"    {OLD_LEAF} → vrai" in why
    found = tamis(work, "journal", "chercher", *journal, "--format", "json").splitlines()
    assert [json.loads(line)["id"] for line in found][2] == "g-3"
    rows = csv.DictReader(
        io.StringIO(tamis(work, "journal", "exporter", *journal, "--format", "csv"))
    )
    assert OLD_EXPLANATION in [row["explication"] for row in rows]
    exported = tamis(work, "journal", "exporter", *journal).splitlines()
    assert OLD_EXPLANATION in [json.loads(line)["contenu"]["explication"] for line in exported]
    assert "chaîne intacte" in tamis(work, "journal", "verifier", *journal)


@pytest.fixture(scope="module")
def served(work: Path):
    server = serve("-p", "avant-glose.tamis", "--journal", "avant-glose.jsonl", cwd=work)
    yield server
    assert server.stop() == 0


def test_post_rejouer_finds_no_changed_decision(work: Path, served: Served) -> None:
    source = (work / "avant-glose.tamis").read_bytes()
    with served.client() as http:
        answer = http.post("/rejouer", content=source, headers={"Content-Type": "text/plain"})
    assert answer.status_code == 200
    assert (answer.json()["total"], answer.json()["changees"]) == (6, 0)


def test_the_api_and_the_web_page_show_the_old_text(served: Served) -> None:
    with served.client() as http:
        answer = http.get("/decisions/g-3")
        login = http.post(
            "/interface/connexion", data={"jeton": ""}, headers={"Origin": served.url}
        )
        assert login.status_code == 303, login.text
        page = http.get("/interface/decision/g-3")
    assert answer.status_code == 200
    assert answer.json()["decisions"][0]["explication"] == OLD_EXPLANATION
    assert page.status_code == 200
    shown = page.text.replace("&#34;", '"')
    assert html.escape(OLD_EXPLANATION, quote=False) in shown and OLD_LEAF in shown
