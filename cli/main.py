"""The ``tamis`` click group; each command lives in its own module (``commands.COMMANDS``),
imported the first time the group needs it."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click

from tamis.audit.version import VERSION
from tamis.cli import french
from tamis.cli.commands import COMMANDS

french.install()  # before any click object below is built: some strings are looked up at creation

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


class LazyGroup(click.Group):
    """A group whose commands are imported when first looked up (click's "lazily loading
    subcommands" pattern): ``lazy`` maps a command's name to ``"module:attribute"``."""

    def __init__(self, *args: Any, lazy: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attribute = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings=CONTEXT_SETTINGS,
    options_metavar="[OPTIONS]",
    subcommand_metavar="COMMANDE [ARGUMENTS]...",
)
@click.version_option(
    VERSION, "--version", message="tamis %(version)s", help="Affiche la version et quitte."
)
def cli() -> None:
    """tamis : trie les invitations LinkedIn selon une politique écrite en français."""


def main() -> None:
    cli(prog_name="tamis")
