"""``tamis formater FICHIER…``: rewrite policies in the canonical layout (``grammar.format``).

A thin command: read, ``parse_policy``, ``format_policy``, then rewrite the file atomically
(temporary file in the same folder + ``os.replace``) only when the text changes. A file with
syntax errors is left untouched and its diagnostics are printed. ``--verifier`` changes
nothing and lists the files that are not formatted; ``-`` reads stdin and writes stdout.
Exit status: 0 when everything is (now) formatted, 1 on any error or, with ``--verifier``,
any file to reformat; 2 on usage errors.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import click

from tamis.cli.policy_input import STDIN, STDIN_NAME, stdin_once
from tamis.grammar.diagnostics import render
from tamis.grammar.format import format_policy
from tamis.grammar.load import (
    UnreadablePolicy,
    decode_policy,
    read_limited,
    read_policy_bytes,
)
from tamis.grammar.parse import parse_policy
from tamis.grammar.save import write_policy


@dataclass(frozen=True)
class Outcome:
    """What happened to one file: ``changed`` (rewritten or to rewrite) or ``failed``."""

    changed: bool = False
    failed: bool = False


_OS_ERRORS = {
    errno.ENOENT: "dossier introuvable",
    errno.EACCES: "permission refusée",
    errno.EPERM: "permission refusée",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.EINVAL: "pas un fichier ordinaire",
}


def os_reason(error: OSError) -> str:
    """A short French reason for an ``OSError`` met while writing."""
    code = error.errno or 0
    return _OS_ERRORS.get(code) or f"erreur du système {errno.errorcode.get(code, code)}"


def formatted(source: str, path: str) -> str | None:
    """The canonical text, or ``None`` after printing the syntax diagnostics."""
    policy, diagnostics = parse_policy(source, path)
    if policy is None:
        for diagnostic in diagnostics:
            click.echo(render(diagnostic, source), err=True)
        return None
    return format_policy(policy)


def format_file(path: str, check: bool) -> Outcome:
    if not check and _special(path):
        click.echo(
            f"erreur : {path}: pas un fichier ordinaire (tube nommé, périphérique) : rien n'est"
            f" réécrit ; « tamis formater - < {path} » écrit la politique formatée sur la sortie"
            " standard",
            err=True,
        )
        return Outcome(failed=True)
    if not check and _descriptor(path):
        click.echo(
            f"erreur : {path}: un descripteur de fichier (l'entrée standard ?), pas un fichier"
            " à réécrire : rien n'est réécrit ; « tamis formater - » lit l'entrée standard et"
            " écrit la politique formatée sur la sortie standard",
            err=True,
        )
        return Outcome(failed=True)
    try:
        data = read_policy_bytes(Path(path))
        source = decode_policy(data)
    except UnreadablePolicy as problem:
        click.echo(render(problem.diagnostic(path), ""), err=True)
        return Outcome(failed=True)
    text = formatted(source, path)
    if text is None:
        return Outcome(failed=True)
    if text.encode("utf-8") == data:  # a BOM or decomposed accents count as changes
        return Outcome()
    if check:
        click.echo(f"{path} : pas au format canonique", err=True)
        return Outcome(changed=True)
    try:
        write_policy(path, text)
    except OSError as error:
        click.echo(f"erreur : {path}: écriture impossible ({os_reason(error)})", err=True)
        return Outcome(failed=True)
    click.echo(f"{path} : reformaté", err=True)
    return Outcome(changed=True)


def _special(path: str) -> bool:
    """A named pipe, a device or a socket: formatting would read it (a pipe, once) and then
    replace it by a plain file."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False  # reading says why
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


_DESCRIPTOR = re.compile(r"/(?:proc/(?:self|thread-self|\d+)|dev)/fd/\d+")
_LINKS_FOLLOWED = 40  # as the kernel's limit: a loop of links says why when it is read


def _descriptor(path: str) -> bool:
    """Whether ``path`` names an open file descriptor (/dev/stdin, /dev/fd/N,
    /proc/self/fd/N, or a link to one): formatting would rewrite the file the shell
    redirected (« formater /dev/stdin < a.tamis > b.tamis » rewrote a.tamis and left b.tamis
    empty), which the command line never named."""
    name = os.path.abspath(path)
    for _ in range(_LINKS_FOLLOWED):
        if _DESCRIPTOR.fullmatch(name):
            return True
        try:
            link = os.readlink(name)
        except (OSError, ValueError):
            return False  # not a link (or unreadable: reading says why)
        name = os.path.normpath(os.path.join(os.path.dirname(name), link))
    return False


def format_stdin(check: bool) -> Outcome:
    try:
        with click.open_file(STDIN, mode="rb") as stream:
            data = read_limited(stream)
        source = decode_policy(data)
    except UnreadablePolicy as problem:
        click.echo(f"{STDIN_NAME}: erreur[E000]: entrée illisible : {problem}", err=True)
        return Outcome(failed=True)
    text = formatted(source, STDIN_NAME)
    if text is None:
        return Outcome(failed=True)
    changed = text.encode("utf-8") != data
    if check:
        if changed:
            click.echo(f"{STDIN_NAME} : pas au format canonique", err=True)
        return Outcome(changed=changed)
    # Bytes, which click.echo writes as they are: it would strip what looks like a terminal
    # colour from a string of the policy when stdout is not a terminal (another meaning).
    click.echo(text.encode("utf-8"), nl=False)
    return Outcome(changed=changed)


def summary(outcomes: list[Outcome], check: bool) -> str:
    changed = sum(o.changed for o in outcomes)
    failed = sum(o.failed for o in outcomes)
    unchanged = len(outcomes) - changed - failed
    verb = "à reformater" if check else "reformaté(s)"
    parts = [f"{changed} fichier(s) {verb}", f"{unchanged} déjà au format canonique"]
    if failed:
        parts.append(f"{failed} en erreur")
    return ", ".join(parts) + "."


@click.command("formater", short_help="Réécrit des politiques dans la mise en page canonique.")
@click.argument("fichiers", nargs=-1, required=True, metavar="FICHIER…")
@click.option(
    "--verifier",
    is_flag=True,
    help="Ne modifie rien ; sort avec le code 1 si un fichier n'est pas au format canonique.",
)
@click.pass_context
def formater(ctx: click.Context, fichiers: tuple[str, ...], verifier: bool) -> None:
    """Réécrit les politiques FICHIER… dans la mise en page canonique.

    Les commentaires sont conservés et le résultat ne change plus si on reformate. Un fichier
    qui contient une erreur de syntaxe n'est pas modifié : ses diagnostics sont affichés.
    « - » lit la politique sur l'entrée standard et écrit le résultat sur la sortie standard.
    """
    stdin_once(fichiers)
    outcomes = [
        format_stdin(verifier) if path == STDIN else format_file(path, verifier)
        for path in fichiers
    ]
    if fichiers != (STDIN,):
        click.echo(summary(outcomes, verifier), err=True)
    if any(o.failed for o in outcomes) or (verifier and any(o.changed for o in outcomes)):
        ctx.exit(1)
