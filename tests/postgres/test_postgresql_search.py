"""``chercher`` on PostgreSQL reads ranges of rows on every core, as a file's scan does: the
same rows, in the same order, as the same journal in a file. The ranges are made small so
that a short journal is read by two processes."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from tamis.audit.postgres import query
from tamis.audit.postgres.copy import copy_journal
from tamis.audit.postgres.url import shown
from tamis.audit.queries import parse_filter, search
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "chambre.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")
SMALL = {"span": 5, "parallel_from": 0, "processes": 2}


@pytest.fixture
def journal(pg_url: str) -> str:
    runner = CliRunner()
    assert runner.invoke(cli, ["journal", "initialiser", pg_url]).exit_code == 0
    decided = runner.invoke(cli, ["decider", "-p", POLICY, "--journal", pg_url, INVITATIONS])
    assert decided.exit_code == 0, decided.output
    return pg_url


@pytest.mark.parametrize(
    "choice",
    [
        {},
        {"decisions": ["signaler"]},
        {"rules": ["message commercial"]},
        {"rules": ["message commercial"], "decisions": ["signaler", "ignorer"]},
        {"invitation_prefix": "inv-1"},
        {"since": "2020-01-01", "decisions": ["examiner", "accepter"]},
        {"rules": ["aucune règle de ce nom"]},
    ],
)
def test_ranges_on_two_processes_give_the_file_scans_rows(journal, tmp_path, choice):
    copy = tmp_path / "copie.jsonl"
    copy_journal(journal, str(copy))
    flt = parse_filter(**choice)
    warned: list[str] = []
    in_file = list(search(copy, flt, warned.append, index=False))
    for options in (SMALL, {}):
        assert list(query.search(journal, flt, warned.append, **options)) == in_file
    assert not warned
    assert bool(in_file) == (choice.get("rules") != ["aucune règle de ce nom"])


def test_an_altered_record_is_shown_and_warned_of_once(journal):
    with psycopg.connect(journal, autocommit=True) as connection:
        connection.execute(
            "UPDATE tamis_journal SET contenu = replace(contenu, %s, %s) WHERE seq = 12",
            ('"decision":"examiner"', '"decision":"accepter"'),
        )
    warned: list[str] = []
    rows = list(query.search(journal, parse_filter(), warned.append, **SMALL))
    assert [row["seq"] for row in rows] == list(range(3, 50))
    assert warned == [
        f"{shown(journal)} : l'enregistrement n° 12 a été modifié après son inscription (son "
        "empreinte ne correspond plus à son contenu) ; ce qui est montré est son contenu "
        "modifié. « tamis journal verifier » localise la première modification."
    ]
    assert rows[9]["seq"] == 12 and rows[9]["decision"] == "accepter"
