"""A journal's texts are UTF-8 JSON, digested as such: tamis refuses, in French and before
reading or writing anything, a database stored in another encoding (LATIN1 cannot hold an
invitation's ’, … or emoji), and talks UTF-8 to a UTF-8 database whatever
``PGCLIENTENCODING`` asks."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from tamis.audit.postgres.url import shown
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "chambre.tamis")
INVITATIONS = ROOT / "policies" / "exemples" / "invitations.jsonl"


def tamis(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, prog_name="tamis")


@pytest.fixture
def latin1_url(pg_server: str) -> Iterator[str]:
    """A new database in LATIN1, dropped after the test."""
    name = f"essai_latin1_{secrets.token_hex(6)}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(
            f"CREATE DATABASE \"{name}\" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' "
            "TEMPLATE template0"
        )
    base, _, _ = pg_server.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(pg_server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def refusal(url: str) -> str:
    return (
        f"la base du journal PostgreSQL {shown(url)} est encodée en LATIN1 ; tamis demande une "
        "base en UTF8, la seule qui garde tel quel tout texte d'une invitation. Créez-en une "
        "avec : CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0 . Rien n'a été lu ni écrit."
    )


def test_a_latin1_database_is_refused_by_every_command_before_anything_is_written(latin1_url):
    commands = [
        ["journal", "initialiser", latin1_url],
        ["decider", "-p", POLICY, "--journal", latin1_url, str(INVITATIONS)],
        ["journal", "verifier", "--journal", latin1_url],
        ["journal", "chercher", "--journal", latin1_url],
    ]
    for command in commands:
        result = tamis(*command)
        assert result.exit_code != 0, command
        assert isinstance(result.exception, SystemExit), (command, result.exception)
        assert refusal(latin1_url) in " ".join(result.output.split()), (command, result.output)
        assert "Traceback" not in result.output
    with psycopg.connect(latin1_url) as connection:
        assert connection.execute("SELECT to_regclass('tamis_schema')").fetchone() == (None,)


def test_a_utf8_database_is_written_in_utf8_whatever_pgclientencoding_says(pg_url, tmp_path):
    latin1 = {"PGCLIENTENCODING": "LATIN1"}
    first = json.loads(INVITATIONS.read_text(encoding="utf-8").splitlines()[0])
    first["message"] = "Bonjour ! J’ai vu votre conférence… 🎤"  # none of it in LATIN1 but « ! »
    invitations = tmp_path / "invitations.jsonl"
    invitations.write_text(json.dumps(first, ensure_ascii=False) + "\n", encoding="utf-8")
    assert tamis("journal", "initialiser", pg_url, env=latin1).exit_code == 0
    decided = tamis("decider", "-p", POLICY, "--journal", pg_url, str(invitations), env=latin1)
    assert decided.exit_code == 0, decided.output
    verified = tamis("journal", "verifier", "--contenu", "--journal", pg_url, env=latin1)
    assert verified.exit_code == 0, verified.output
    assert "intacte" in verified.output
    with psycopg.connect(pg_url) as connection:
        (stored,) = connection.execute(
            "SELECT string_agg(concat(contenu, donnees_personnelles), '') FROM tamis_journal"
        ).fetchone()
    assert first["message"] in stored
