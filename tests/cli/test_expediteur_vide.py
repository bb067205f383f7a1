"""``--expediteur ""`` (a script's « --expediteur "$NOM" » with $NOM empty): every name holds
the empty text, so it chose every decision; « tamis journal effacer --oui » erased the
personal data of the whole journal. Now a usage error (exit 2) before anything is read or
written, in every command that takes the option."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
BLOGUE = str(ROOT / "policies" / "blogue.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")
EMPTY = (
    "Erreur : --expediteur est vide : donnez un nom ou une adresse de profil (une partie"
    " suffit) ; rien n'a été choisi.\n"
)


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("vide") / "journal.jsonl"
    done = CliRunner().invoke(cli, ["decider", "-p", BLOGUE, "--journal", str(path), INVITATIONS])
    assert done.exit_code == 0, done.output
    return path


@pytest.mark.parametrize("value", ["", "   ", "\t"], ids=["vide", "espaces", "tabulation"])
@pytest.mark.parametrize(
    "command",
    [
        ["journal", "effacer", "--motif", "demande", "--oui"],
        ["journal", "chercher"],
        ["journal", "stats"],
        ["journal", "exporter"],
        ["journal", "conseils"],
        ["rejouer", "-p", BLOGUE],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_an_empty_sender_chooses_nothing(journal: Path, command: list[str], value: str) -> None:
    before = journal.read_bytes()
    done = CliRunner().invoke(cli, [*command, "--journal", str(journal), "--expediteur", value])
    assert done.exit_code == 2, done.output
    assert done.stderr.endswith(EMPTY)
    assert journal.read_bytes() == before


def test_a_sender_still_chooses_its_decisions(journal: Path) -> None:
    done = CliRunner().invoke(
        cli, ["journal", "chercher", "--journal", str(journal), "--expediteur", "Julie", "--format",
              "json"],
    )  # fmt: skip
    assert done.exit_code == 0 and done.stdout.count('"seq"') == 2
