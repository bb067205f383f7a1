"""At start: no two workspaces of a service write one journal, or one file of seals.

A workspace is one person's policy, context and journal, behind tokens of its own. Two
workspaces naming the same journal (the same file, or the same PostgreSQL table however its
URL is spelt: ``schema.identity``) would write one chain: the tokens of each would read the
other's decisions, and an ``Idempotency-Key`` sent to one would get the answer the other gave
(its decisions, by another policy). ``check`` refuses that before the service starts, naming
both workspaces and the way out (another file, another PostgreSQL schema).
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
    seals: dict[str, WorkspaceConfig] = {}
    for workspace in config.workspaces.values():
        first = journals.setdefault(_identity(workspace), workspace)
        if first is not workspace:
            raise JournalError(_shared(first, workspace))
        if workspace.seals is None:
            continue
        first = seals.setdefault(str(workspace.seals.resolve()), workspace)
        if first is not workspace:
            raise JournalError(_seals_shared(first, workspace))


def _identity(workspace: WorkspaceConfig) -> tuple[str, ...]:
    if workspace.journal_url is not None:
        from tamis.audit.postgres import schema  # psycopg: only for a PostgreSQL journal

        return ("postgresql", *schema.identity(workspace.journal_url))
    return ("fichier", str(Path(workspace.journal).resolve()))


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
    return (
        f"les espaces « {first.name} » et « {second.name} » ajoutent leurs sceaux au même "
        f"fichier ({first.seals}) : tamis journal verifier --sceau y vérifierait les sceaux de "
        "chaque journal contre l'autre, et le dirait tronqué. Donnez à chaque espace son "
        "fichier de sceaux (« sceaux » dans [espaces.NOM])"
    )
