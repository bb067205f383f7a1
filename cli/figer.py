"""``tamis journal figer``: keep real decisions from the journal as test cases.

A thin command over ``tamis.cases.freeze`` and the journal's queries: it selects decision
records (by invitation ID and/or the journal filters), keeps the latest one per invitation,
refuses erased or minimised ones with their reason, and appends one ``[[cas]]`` per record to
``--sortie`` (a ``.cas.toml`` file, created if needed) or prints them. Exit 0 when every
selected decision became a case, 1 when some could not (the others are written), 2 on a
usage error.
"""

from __future__ import annotations

import dataclasses
import os
import stat
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from tamis.audit import queries
from tamis.audit.errors import os_reason, write_reason
from tamis.audit.filters import Filter
from tamis.audit.postgres.backend import shown
from tamis.audit.postgres.url import is_url as postgres_url
from tamis.cases import deciding
from tamis.cases.freeze import Frozen, Refused, freeze, latest_by_id, refusal, unique_name
from tamis.cli import options
from tamis.cli.journal import journal_errors
from tamis.cli.options import warn
from tamis.invitations.files import TooLarge, read_bounded
from tamis.invitations.french import not_utf8, toml_error

HEADER = """\
# Cas figés depuis le journal par `tamis journal figer` : chaque décision, telle qu'elle a été
# prise, devient l'attente d'un cas. Lancez-les avec `tamis tester`.
"""


@click.command("figer", short_help="Écrit des cas de test à partir de décisions du journal.")
@click.argument("identifiants", nargs=-1, metavar="[ID]...")
@options.journal
@options.filters
@click.option(
    "--sortie",
    "-o",
    metavar="FICHIER",
    default="-",
    show_default=True,
    help="Fichier de cas (NOM.cas.toml) où ajouter les cas, créé s'il le faut ; « - » : la "
    "sortie standard.",
    callback=options.given_path("un fichier de cas (NOM.cas.toml), ou « - » pour l'écran"),
)
@click.option(
    "--contexte",
    metavar="FICHIER",
    callback=options.given_path(options.CONTEXT_WANTED),
    help="Le contexte à écrire dans chaque cas (son empreinte est comparée à celle du journal).",
)
@options.sans_index
def figer(
    identifiants: tuple[str, ...],
    journal: str,
    sortie: str,
    contexte: str | None,
    sans_index: bool,
    **kw: Any,
) -> None:
    """Écrit un cas de test pour chaque décision choisie du journal (la plus récente de chaque
    invitation) : l'invitation telle que reçue, l'empreinte du contexte, et la décision et la
    règle comme attente. Choisissez par ID d'invitation, par les filtres, ou les deux."""
    flt = options.build_filter(kw)
    if not identifiants and flt == Filter():
        raise click.UsageError("donnez au moins un ID d'invitation ou un filtre.")
    context_sha = _context_sha(contexte)
    with journal_errors():
        options.check_facts(journal, flt, index=not sans_index)
        records, missing = _select(journal, flt, identifiants, not sans_index)
        if not records:
            options.explain_nothing_found(journal, flt, index=not sans_index)
    taken = _existing_names(sortie)
    frozen, refused = [], []
    for record in latest_by_id(records):
        problem = refusal(record)
        if problem is not None:
            refused.append(problem)
            continue
        _warn_context(record, contexte, context_sha)
        name = unique_name(str(record["contenu"]["id"]), taken)
        context = _relative(contexte, sortie)
        frozen.append(freeze(record, name, journal=shown(journal), context=context))
    _write(sortie, frozen)
    _report(frozen, refused, missing, sortie)


def _select(
    journal: str, flt: Filter, ids: tuple[str, ...], index: bool
) -> tuple[list[dict], list[str]]:
    """The selected decision records, and the IDs that matched none."""
    if not ids:
        return list(_records(journal, flt, index)), []
    records, missing = [], []
    for ident in ids:
        found = list(_records(journal, dataclasses.replace(flt, invitation=ident), index))
        records += found
        if not found:
            missing.append(ident)
    return records, missing


def _records(journal: str, flt: Filter, index: bool) -> Iterable[dict]:
    """The decision records ``flt`` matches: a file's through its index or scan,
    PostgreSQL's by SQL (``postgres.query.select``)."""
    if not postgres_url(journal):
        return queries.select(journal, flt, warn, index=index)
    from tamis.audit.postgres import query

    return query.select(journal, flt, warn)


def _context_sha(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return deciding.context_file(Path(path)).sha256
    except deciding.ContextError as error:
        raise click.ClickException(str(error)) from None


def _warn_context(record: dict, path: str | None, sha: str | None) -> None:
    recorded = record["contenu"].get("contexte_sha256")
    ident = record["contenu"]["id"]
    if path is not None and recorded != sha:
        then = f"l'empreinte {recorded[:12]}…" if recorded else "aucun contexte"
        warn(f"« {ident} » a été décidée avec {then}, pas avec {path} : le cas le notera")
    elif path is None and recorded:
        warn(
            f"« {ident} » a été décidée avec un contexte (empreinte {recorded[:12]}…) ; sans"
            " --contexte, le cas prendra celui du fichier de cas"
        )


def _relative(context: str | None, output: str) -> str | None:
    if context is None:
        return None
    base = Path(output).parent if output != "-" else Path.cwd()
    return Path(os.path.relpath(Path(context).resolve(), base.resolve())).as_posix()


def _existing_names(output: str) -> set[str]:
    """The names of the cases ``output`` already holds (none for stdout or a new file)."""
    path = Path(output)
    if output == "-" or not path.exists():
        return set()
    try:
        document = tomllib.loads(_existing_text(path))
    except OSError as error:
        reason = os_reason(error)
    except TooLarge as error:
        reason = str(error)
    except UnicodeDecodeError as error:
        reason = f"le fichier {not_utf8(error)}"
    except tomllib.TOMLDecodeError as error:
        reason = f"syntaxe TOML invalide, {toml_error(error)}"
    else:
        reason = None
    if reason is not None:
        raise click.ClickException(
            f"{path} : fichier de cas illisible, rien n'a été ajouté ({reason})."
        )
    cases = document.get("cas", [])
    return {c["nom"] for c in cases if isinstance(c, dict) and isinstance(c.get("nom"), str)}


def _write(output: str, frozen: list[Frozen]) -> None:
    if not frozen:
        return
    blocks = "\n".join(f.text for f in frozen)
    if output == "-":
        click.echo(blocks, nl=False)
        return
    path = Path(output)
    exists = path.exists()
    existing = _existing_text(path) if exists else HEADER
    head = "" if exists else HEADER
    separator = "" if existing.endswith("\n\n") or not existing else "\n"
    try:
        append_whole(path, (head + separator + blocks).encode("utf-8"))
    except OSError as error:
        raise click.ClickException(
            f"{path} : écriture impossible ({write_reason(error)}) ; rien n'a été ajouté."
        ) from None


def _existing_text(path: Path) -> str:
    """The cases ``path`` already holds, read within ``read_bounded``'s limit; none for what
    is not a regular file (``-o /dev/null``, a device, a pipe), which is only written to:
    reading ``/dev/full`` or ``/dev/zero`` never ended, until the memory ran out."""
    if not path.is_file() and not path.is_dir():  # a folder: reading it says so
        return ""
    return read_bounded(path).decode("utf-8-sig")


def append_whole(path: Path, data: bytes) -> None:
    """Add ``data`` at the end of ``path`` (created if need be), whole or not at all: the
    file is never rewritten, and a write that fails midway (a full disk) is cut off again,
    so that the cases already there stay a valid TOML file."""
    created = not path.exists()
    # private when created, as exports and journals: the invitations are third parties' data
    handle = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        start = os.lseek(handle, 0, os.SEEK_END)
        regular = stat.S_ISREG(os.fstat(handle).st_mode)  # a device is neither synced nor cut
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
            if regular:
                os.fsync(handle)
        except OSError:
            if regular:
                os.ftruncate(handle, start)
            if created:
                path.unlink(missing_ok=True)
            raise
    finally:
        os.close(handle)


def _report(
    frozen: list[Frozen], refused: Iterable[Refused], missing: list[str], output: str
) -> None:
    refused = list(refused)
    for item in refused:
        click.echo(f"refusée : {item.where} : {item.reason}", err=True)
    for ident in missing:
        click.echo(f"erreur : aucune décision pour l'invitation « {ident} »", err=True)
    if not frozen:  # nothing written: the file is neither created nor touched
        where = "" if output == "-" else f" : rien n'a été écrit dans {output}"
        click.echo(f"Aucun cas figé{where}.", err=True)
    else:
        where = "" if output == "-" else f" dans {output}"
        click.echo(f"{len(frozen)} cas figé(s){where}.", err=True)
    if refused or missing:
        raise SystemExit(1)
