"""``tamis journal stats`` counts each invitation once, its latest decision, however often it
was decided (``--redecider``, two runs, another policy): file (index and scan) and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

POLICY = 'politique "P"\nrefuser si sans_photo\nsinon examiner\n'
ACCEPTING = 'politique "A"\naccepter si expediteur.photo\nsinon examiner\n'
INVITATIONS = [
    {"id": "b-1", "expediteur": {"nom": "Ana", "photo": True}},
    {"id": "b-2", "expediteur": {"nom": "Léo", "photo": False}},
    {"id": "b-3", "expediteur": {"nom": "Rémi", "photo": True}},
]


@pytest.fixture(params=["fichier", "postgresql"])
def journal(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAMIS_JOURNAL", raising=False)
    Path("p.tamis").write_text(POLICY, encoding="utf-8")
    Path("a.tamis").write_text(ACCEPTING, encoding="utf-8")
    lines = [json.dumps(x, ensure_ascii=False) for x in INVITATIONS]
    Path("inv.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if request.param == "fichier":
        return str(tmp_path / "j.jsonl")
    url = request.getfixturevalue("pg_url")
    assert tamis("journal", "initialiser", url).exit_code == 0
    return url


def tamis(*args: str):
    return CliRunner().invoke(cli, list(args), env={"COLUMNS": "80"})


def decide(journal: str, *args: str):
    result = tamis("decider", "-p", "p.tamis", "--journal", journal, *args, "inv.jsonl")
    assert result.exit_code == 0, result.output
    return result


def stats(journal: str, *args: str) -> dict:
    result = tamis("journal", "stats", "--journal", journal, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def variants(journal: str) -> list[tuple[str, ...]]:
    return [()] if journal.startswith("postgresql") else [(), ("--sans-index",)]


def test_decided_three_times_counted_once(journal):
    decide(journal)
    decide(journal, "--redecider")
    decide(journal)  # skipped: already decided
    for extra in variants(journal):
        counted = stats(journal, *extra)
        assert counted["total"] == 3
        assert counted["par_decision"] == {"examiner": 2, "refuser": 1}
        assert counted["par_regle"] == [
            {"regle": "sinon", "decision": "examiner", "nombre": 2},
            {"regle": "ligne 2", "decision": "refuser", "nombre": 1},
        ]
        assert sum(counted["par_fait"]["sans_photo"].values()) == 3


def test_the_latest_decision_is_the_one_counted_and_filtered(journal):
    decide(journal)
    accepted = tamis("decider", "-p", "a.tamis", "--journal", journal, "inv.jsonl")
    assert accepted.exit_code == 0
    for extra in variants(journal):
        assert stats(journal, *extra)["par_decision"] == {"accepter": 2, "examiner": 1}
        assert stats(journal, "--decision", "examiner", *extra)["total"] == 1
        assert stats(journal, "--politique", "p.tamis", *extra)["total"] == 0
        assert stats(journal, "--decision", "accepter", *extra)["total"] == 2


def test_the_text_says_each_invitation_counts_once(journal):
    decide(journal)
    decide(journal, "--redecider")
    result = tamis("journal", "stats", "--journal", journal, "--utc")
    first = result.stdout.splitlines()[0] + " " + result.stdout.splitlines()[1]
    assert first.startswith("3 invitation(s) du ")
    assert first.endswith("(UTC), chacune comptée une fois : sa dernière décision.")
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
