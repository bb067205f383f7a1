"""Every option a command's --help lists is named on the page that documents the command.

The reference pages are where a newcomer looks an option up (README's table sends them
there); an option that ``--help`` offers and the page never names is one they cannot learn
more about. Each command is mapped to its page; every long option must appear there.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from tamis.cli.main import cli

DOCS = Path(__file__).resolve().parent.parent / "docs"

PAGES = {
    "valider": "diagnostics.md",
    "analyser": "analyse.md",
    "comparer": "analyse.md",
    "formater": "langage.md",
    "decider": "commandes.md",
    "rejouer": "commandes.md",
    "tester": "tester.md",
    "journal figer": "tester.md",
    "servir": "service.md",
    "servir jeton": "service.md",
    "conseiller": "conseiller.md",
    "reseau bilan": "conseiller.md",
    "journal pourquoi": "journal.md",
    "journal chercher": "journal.md",
    "journal stats": "journal.md",
    "journal conseils": "journal.md",
    "journal verifier": "journal.md",
    "journal sceller": "journal.md",
    "journal effacer": "journal.md",
    "journal purger": "journal.md",
    "journal migrer": "journal.md",
    "journal exporter": "journal.md",
    "journal copier": "journal-postgresql.md",
    "journal initialiser": "journal-postgresql.md",
}


def command(words: str) -> click.Command:
    found: click.Command = cli
    for word in words.split():
        assert isinstance(found, click.Group)
        found = found.get_command(click.Context(found), word)  # type: ignore[assignment]
    return found


def test_every_command_has_its_page() -> None:
    def leaves(group: click.Group, path: str = ""):
        for name in group.list_commands(click.Context(group)):
            sub = group.get_command(click.Context(group), name)
            yield f"{path}{name}"
            if isinstance(sub, click.Group):
                yield from leaves(sub, f"{path}{name} ")

    assert set(leaves(cli)) - {"journal", "reseau"} == set(PAGES)


@pytest.mark.parametrize("words", sorted(PAGES))
def test_every_option_of_the_help_is_on_the_page(words: str) -> None:
    page = (DOCS / PAGES[words]).read_text(encoding="utf-8")
    options = [
        name
        for parameter in command(words).params
        if isinstance(parameter, click.Option)
        for name in parameter.opts
        if name.startswith("--") and name != "--help"
    ]
    missing = [name for name in options if not re.search(re.escape(name) + r"(?![-\w])", page)]
    assert not missing, f"docs/{PAGES[words]} ne nomme pas {missing} de « tamis {words} »"
