"""The ``tamis`` click group; each command lives in its own module and is registered here."""

from __future__ import annotations

from importlib.metadata import version

import click

from tamis.cli import french

french.install()  # before any click object below is built: some strings are looked up at creation

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.group(
    context_settings=CONTEXT_SETTINGS,
    options_metavar="[OPTIONS]",
    subcommand_metavar="COMMANDE [ARGUMENTS]...",
)
@click.version_option(
    version("tamis"), "--version", message="tamis %(version)s", help="Affiche la version et quitte."
)
def cli() -> None:
    """tamis : trie les invitations LinkedIn selon une politique écrite en français."""


def _register() -> None:
    """Attach every command module's command to the group (kept in one place on purpose)."""
    from tamis.cli import commands

    for command in commands.ALL:
        cli.add_command(command)


def main() -> None:
    _register()
    cli(prog_name="tamis")
