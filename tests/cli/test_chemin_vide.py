"""An empty path given to an option naming a file tamis writes (a script's « -o "$SORTIE" »
with $SORTIE empty): « journal exporter » said « impossible d'écrire  : fichier
introuvable. », « figer » « . : fichier de cas illisible », « sceller » created the journal's
key before failing, « tester --junit "" » wrote no report and ended with 0, and « decider
--journal "" » said « impossible d'ouvrir le journal . ». Now a usage error (exit 2) naming
the option, before anything is read or written."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
BLOGUE = str(ROOT / "policies" / "blogue.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")
OUTPUT = "un fichier, ou « - » pour la sortie standard"


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chemin") / "journal.jsonl"
    done = CliRunner().invoke(cli, ["decider", "-p", BLOGUE, "--journal", str(path), INVITATIONS])
    assert done.exit_code == 0, done.output
    return path


@pytest.mark.parametrize(
    ("command", "option", "what"),
    [
        (["journal", "exporter", "--journal", "{j}", "--sortie"], "--sortie", OUTPUT),
        (["journal", "exporter", "--journal", "{j}", "-o"], "--sortie", OUTPUT),
        (["journal", "exporter", "--format", "csv", "--journal", "{j}", "-o"], "--sortie", OUTPUT),
        (
            ["journal", "figer", "--decision", "refuser", "--journal", "{j}", "-o"],
            "--sortie",
            "un fichier de cas (NOM.cas.toml), ou « - » pour l'écran",
        ),
        (
            ["journal", "sceller", "--journal", "{j}", "-o"],
            "--sortie",
            "un fichier de sceaux, ou rien pour afficher le sceau",
        ),
        (
            ["tester", str(ROOT / "policies"), "--junit"],
            "--junit",
            "un fichier (p. ex. --junit rapport.xml)",
        ),
        (
            ["decider", "-p", BLOGUE, INVITATIONS, "--journal"],
            "--journal",
            "le fichier du journal, ou son adresse postgresql://…",
        ),
        (
            ["journal", "stats", "--journal"],
            "--journal",
            "le fichier du journal, ou son adresse postgresql://…",
        ),
    ],
    ids=["exporter", "exporter -o", "exporter csv", "figer", "sceller", "tester", "decider",
         "stats"],
)  # fmt: skip
def test_an_empty_path_is_a_usage_error(
    journal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command, option, what
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = journal.parent
    before = {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}
    args = [str(journal) if arg == "{j}" else arg for arg in command]
    done = CliRunner().invoke(cli, [*args, ""])
    assert done.exit_code == 2, done.output
    said = f"Erreur : {option} est vide : donnez {what} ; rien n'a été fait.\n"
    assert done.stderr.endswith(said)
    after = {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))}
    assert after == before
    assert os.listdir(tmp_path) == []  # nothing written in the current folder either


def commands_with(option: str, group: click.Group = cli, path: tuple[str, ...] = ()):
    """Every command of tamis that takes ``option``, as the words that name it (lazy ones
    imported)."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        if any(option in param.opts for param in command.params):
            yield (*path, name)
        if isinstance(command, click.Group):
            yield from commands_with(option, command, (*path, name))


CONTEXT = "le chemin de votre contexte (tamis.toml), ou retirez l'option"


def test_an_empty_context_is_a_usage_error_in_every_command(tmp_path, monkeypatch) -> None:
    """« --contexte "$CONTEXTE" » with $CONTEXTE empty decided without any context, exit 0."""
    monkeypatch.chdir(tmp_path)
    found = list(commands_with("--contexte"))
    assert {("decider",), ("rejouer",), ("conseiller",), ("servir",), ("journal", "figer")} <= {
        *found
    }
    for words in found:
        done = CliRunner().invoke(cli, [*words, "--contexte", ""])
        assert done.exit_code == 2, (words, done.output)
        said = f"Erreur : --contexte est vide : donnez {CONTEXT} ; rien n'a été fait.\n"
        assert done.stderr.endswith(said), (words, done.stderr)
    assert os.listdir(tmp_path) == []


def test_an_empty_context_decides_nothing(tmp_path) -> None:
    journal = tmp_path / "j.jsonl"
    args = ["decider", "-p", BLOGUE, INVITATIONS, "--journal", str(journal), "--contexte", ""]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 2 and done.stdout == "", done.output
    assert not journal.exists()


REQUIRED = {  # what a command needs before it reads its other options
    ("decider",): ["-p", BLOGUE],
    ("rejouer",): ["-p", BLOGUE],
    ("servir",): ["-p", BLOGUE],
    ("conseiller",): ["--a", "Marie Côté"],
    ("journal", "pourquoi"): ["inv-1"],
}


def test_an_empty_journal_variable_is_a_usage_error_in_every_command(tmp_path, monkeypatch):
    """click takes an empty variable for an unset one: « TAMIS_JOURNAL= tamis decider … »
    decided into ./tamis-journal.jsonl, while « --journal "" » is refused."""
    monkeypatch.chdir(tmp_path)
    found = list(commands_with("--journal"))
    assert {("decider",), ("conseiller",), ("servir",), ("journal", "chercher")} <= {*found}
    said = (
        "Erreur : la variable d'environnement TAMIS_JOURNAL est vide : donnez-y le fichier du"
        " journal, ou son adresse postgresql://…, ou retirez-la (unset) pour le journal par"
        " défaut ; rien n'a été fait.\n"
    )
    for words in found:
        given = [*words, *REQUIRED.get(words, ())]
        done = CliRunner().invoke(cli, given, env={"TAMIS_JOURNAL": ""})
        assert done.exit_code == 2, (words, done.output)
        assert done.stderr.endswith(said), (words, done.stderr)
    assert os.listdir(tmp_path) == []
