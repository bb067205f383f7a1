"""The ``tamis`` click group; each command lives in its own module (``commands.COMMANDS``),
imported the first time the group needs it."""

from __future__ import annotations

import contextlib
import errno
import gc
import importlib
import os
import sys
import threading
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

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """click's, except that a mistyped command is compared with every command, lazy
        ones too (click looks only at those already imported, so it suggested nothing)."""
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as error:
            raise click.exceptions.NoSuchCommand(
                error.command_name, possibilities=self.list_commands(ctx), ctx=ctx
            ) from None

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy and name not in self.commands:
            module, _, attribute = self.lazy[name].partition(":")
            self.add_command(getattr(_imported(module), attribute), name)
        return super().get_command(ctx, name)


def _imported(module: str) -> object:
    """``module`` imported with the cycle collector paused, then what it made frozen
    (``gc.freeze``): a command's modules make objects that live as long as the process and
    little garbage, yet each collection walks every object made so far (``decider``: 9M
    instructions of its start-up, ≈ 1.5 %). A command that decides a batch freezes again
    after its setup (``collector.tuned_for_batch``)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return importlib.import_module(module)
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


@click.group(
    cls=LazyGroup,
    lazy=COMMANDS,
    context_settings=CONTEXT_SETTINGS,
    options_metavar="[OPTIONS]",
    subcommand_metavar=french.SUBCOMMANDS,
)
@click.version_option(
    VERSION, "--version", message="tamis %(version)s", help="Affiche la version et quitte."
)
def cli() -> None:
    """tamis : trie les invitations LinkedIn selon une politique écrite en français."""


def main() -> None:
    """The ``tamis`` script: the command, then a quick exit (``exit_now``)."""
    if sys.stdout is None:  # started with it closed (« >&- »): Python gives no stream
        click.echo(_CLOSED, err=True)
        sys.exit(1)
    try:
        cli(prog_name="tamis")
    except SystemExit as done:
        exit_now(done.code)
        raise
    except OSError as error:
        if error.errno not in _DISK_FULL:
            raise
        _disk_full(error)


_CLOSED = (
    "Erreur : la sortie standard est fermée (« >&- ») : rien n'a été fait ; redirigez-la"
    " vers un fichier, ou vers /dev/null pour ne rien garder."
)
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""What a write meets on a full disk: click says nothing of these (it quiets only a closed
pipe), so a report written to a full disk (``tamis valider … > /dev/full``) would end in a
traceback."""


def _disk_full(error: OSError) -> None:
    """Say in French that a write failed for want of room, then exit 1 at once: what standard
    output still holds goes nowhere (a second failed flush at exit would print Python's
    English). A command that writes its own files (journal, report) says so itself before
    this; what reaches here is an output stream, standard output most often."""
    from tamis.audit.errors import os_reason

    place = f"dans {error.filename} " if error.filename else ""
    try:
        sys.stderr.write(f"tamis : écriture impossible {place}({os_reason(error)}).\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(1)


def exit_now(code: object) -> None:
    """End the process at once with ``code`` once a command is done, without the
    interpreter's teardown: every command closes what it opened (journal, index, worker
    processes) before it returns, and freeing each object one by one is work the system does
    at once (collections over every object, then each module emptied: 30 to 160 ms after
    deciding 20,000 invitations on a loaded machine, for a run of ≈ 1 s when quiet; 25 ms of
    processor time after deciding one).

    Returns instead, for the usual exit, when the code is not a number (``sys.exit`` with a
    message), when a thread the usual exit would wait for or a child process is alive, or
    when what stdout and stderr still buffer cannot be written."""
    if not (code is None or type(code) is int) or _others_running():
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe, a closed stream: the usual exit says so
        return
    os._exit(code or 0)


def _others_running() -> bool:
    """Whether a thread the interpreter would wait for, or a child process, is alive."""
    if any(not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        return True
    processes = sys.modules.get("multiprocessing")
    return processes is not None and bool(processes.active_children())
