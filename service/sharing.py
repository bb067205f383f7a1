"""At start: no two workspaces of a service write one journal.

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
    """A ``JournalError`` if two workspaces of ``config`` name one journal."""
    seen: dict[tuple[str, ...], WorkspaceConfig] = {}
    for workspace in config.workspaces.values():
        key = _identity(workspace)
        first = seen.setdefault(key, workspace)
        if first is not workspace:
            raise JournalError(_shared(first, workspace))


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
