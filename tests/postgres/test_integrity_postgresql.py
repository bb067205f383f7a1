"""Appending to a PostgreSQL journal that would not verify: the writer warns on stderr, as
for a file, and still appends; the point found intact is kept in ``tamis_verification`` so
that the next opening reads only what was appended since."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, fill
from pg_cluster import login_role

from tamis.audit.postgres import integrity, read
from tamis.audit.postgres.url import shown
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "chambre.tamis")
ONE = str(ROOT / "policies" / "exemples" / "invitations.jsonl")
AFTER = (
    " Ce journal ne passe plus la vérification ; les nouvelles décisions y sont tout de même "
    "ajoutées, à la suite.\n"
)
SUMMARY = "47 invitation(s) décidée(s) (examiner 42, signaler 5).\n"


def decide(url: str):
    return CliRunner().invoke(
        cli, ["decider", "-p", POLICY, "--journal", url, "--format", "json", ONE]
    )


@pytest.fixture
def journal(pg_url) -> str:
    assert CliRunner().invoke(cli, ["journal", "initialiser", pg_url]).exit_code == 0
    fill(pg_url, checked(), 5)
    return pg_url


def checkpoints(url: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as connection:
        query = "SELECT seq, empreinte FROM tamis_verification ORDER BY seq"
        return connection.execute(query).fetchall()


def test_an_intact_journal_is_appended_to_quietly_and_its_head_kept(journal):
    assert [seq for seq, _ in checkpoints(journal)] == [1]  # fill's opening: the ouverture
    decided = decide(journal)
    assert decided.exit_code == 0 and decided.stderr == SUMMARY
    assert checkpoints(journal)[-1][0] == 7  # what decider appends is checked next time
    assert integrity.damage(journal) is None
    head = read.verify(journal)
    assert checkpoints(journal)[-1] == (head.last_seq, head.last_digest)


def test_a_record_changed_after_the_last_check_is_told_and_the_decisions_still_appended(journal):
    with psycopg.connect(journal, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_verification")
        admin.execute(
            "UPDATE tamis_journal SET contenu = replace(contenu, %s, %s) WHERE seq = 4",
            ('"duree_ms":0.5', '"duree_ms":0.7'),
        )
    decided = decide(journal)
    assert decided.exit_code == 0
    assert decided.stderr == (
        f"avertissement : {shown(journal)} : l'enregistrement n° 4 a été modifié — son "
        "empreinte ne correspond plus à son contenu." + AFTER + SUMMARY
    )
    assert read.verify(journal).count == 3 and len(list(read.iter_lines(journal))) == 7 + 1 + 47
    assert checkpoints(journal) == []


def test_a_record_deleted_before_the_last_check_is_still_found(journal):
    assert integrity.damage(journal) is None and checkpoints(journal)[-1][0] == 7
    with psycopg.connect(journal, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_journal WHERE seq = 3")
    decided = decide(journal)
    assert decided.exit_code == 0
    assert decided.stderr == (
        f"avertissement : {shown(journal)} : enregistrement(s) supprimé(s) (n° 3 manquant)."
        + AFTER
        + SUMMARY
    )


def test_a_role_that_may_not_record_the_check_appends_all_the_same(journal):
    grants = "SELECT, INSERT ON tamis_journal, tamis_schema"
    with login_role(journal, "lecteur", grants, secret="mot-de-passe") as role:
        decided = decide(role.url)
        assert decided.exit_code == 0 and decided.stderr == SUMMARY
        assert read.verify(journal).ok and checkpoints(journal)[-1][0] == 1


def test_a_copied_column_changed_since_the_last_check_is_told_as_verifier_tells_it(journal):
    """The writer's check asks of each new row what ``verifier`` asks: a decision whose
    indexed copy was changed is told (the chain itself still holds)."""
    with psycopg.connect(journal, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_verification")
        admin.execute("UPDATE tamis_journal SET decision = 'signaler' WHERE seq = 5")
    decided = decide(journal)
    assert decided.exit_code == 0
    assert decided.stderr.startswith(
        f"avertissement : {shown(journal)} : l'enregistrement n° 5 : sa colonne « decision » "
        "vaut « signaler » alors que son contenu dit « "
    )
    assert decided.stderr.endswith(AFTER + SUMMARY)
