"""At start: no two workspaces of a service write one journal, or one file of seals.

A workspace is one person's policy, context and journal, behind tokens of its own. Two
workspaces naming the same journal (the same file however named, links included: ``_file``;
the same PostgreSQL table however its URL is spelt: ``schema.identity``) would write one
chain: the tokens of each would read the other's decisions, and an ``Idempotency-Key`` sent
to one would get the answer the other gave (its decisions, by another policy). ``check``
refuses that before the service starts, naming both workspaces and the way out (another
file, another PostgreSQL schema).
"""

from __future__ import annotations

from pathlib import Path

from tamis.audit.errors import JournalError
from tamis.audit.postgres.url import shown
from tamis.service.config import ServiceConfig, WorkspaceConfig


def check(config: ServiceConfig) -> None:
    """A ``JournalError`` if two workspaces of ``config`` name one journal, or append their
    scheduled seals to one file (``tamis journal verifier --sceau`` would then check the
    seals of each journal against the other, and call it cut short)."""
    journals: dict[tuple[str, ...], WorkspaceConfig] = {}
    seals: dict[tuple[str, ...], WorkspaceConfig] = {}
    for workspace in config.workspaces.values():
        first = journals.setdefault(_identity(workspace), workspace)
        if first is not workspace:
            raise JournalError(_shared(first, workspace))
        if workspace.seals is None:
            continue
        first = seals.setdefault(_file(workspace.seals), workspace)
        if first is not workspace:
            raise JournalError(_seals_shared(first, workspace))


def _identity(workspace: WorkspaceConfig) -> tuple[str, ...]:
    if workspace.journal_url is not None:
        from tamis.audit.postgres import schema  # psycopg: only for a PostgreSQL journal

        return ("postgresql", *schema.identity(workspace.journal_url))
    return _file(Path(workspace.journal))


def _file(path: Path) -> tuple[str, ...]:
    """What tells a file from any other: its device and inode once it exists (two hard
    links are one file whatever their names), else its path with every symbolic link and
    ``..`` resolved (two spellings of a file yet to be created)."""
    try:
        found = path.stat()
    except OSError:
        return ("chemin", str(path.resolve()))
    return ("inode", str(found.st_dev), str(found.st_ino))


def _shared(first: WorkspaceConfig, second: WorkspaceConfig) -> str:
    def named(workspace: WorkspaceConfig) -> str:
        where = workspace.journal_url
        return f"« {workspace.name} » ({shown(where) if where else workspace.journal})"

    return (
        f"les espaces {named(first)} et {named(second)} écrivent dans le même journal : les "
        "jetons de l'un y liraient les décisions de l'autre, et une même Idempotency-Key y "
        "recevrait la réponse que l'autre a donnée. Donnez à chaque espace son journal : un "
        "autre fichier, ou un autre schéma PostgreSQL de la base (options=-csearch_path%3DNOM "
        "dans l'URL, après CREATE SCHEMA NOM et tamis journal initialiser)"
    )


def _seals_shared(first: WorkspaceConfig, second: WorkspaceConfig) -> str:
    named = str(first.seals)
    if second.seals != first.seals:  # a link: say how each names it
        named += f", que « {second.name} » nomme {second.seals}"
    return (
        f"les espaces « {first.name} » et « {second.name} » ajoutent leurs sceaux au même "
        f"fichier ({named}) : tamis journal verifier --sceau y vérifierait les sceaux de "
        "chaque journal contre l'autre, et le dirait tronqué. Donnez à chaque espace son "
        "fichier de sceaux (« sceaux » dans [espaces.NOM])"
    )
