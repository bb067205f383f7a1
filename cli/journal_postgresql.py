"""``tamis journal initialiser`` and ``tamis journal copier``: a journal in PostgreSQL.

Thin commands over ``tamis.audit.postgres``: ``initialiser`` creates the versioned schema
(``schema.initialise``), ``copier`` copies a journal between a file and PostgreSQL and says
the head digest both verify to (``copy.copy_journal``). URLs are shown without their password;
``JournalError`` becomes a French error (exit 1).
"""

from __future__ import annotations

import click

from tamis.audit.errors import JournalError
from tamis.audit.postgres import schema
from tamis.audit.postgres.backend import shown
from tamis.audit.postgres.copy import copy_journal
from tamis.audit.postgres.url import is_url
from tamis.cli import human
from tamis.cli.options import given_path, warn

_JOURNAL = "un fichier de journal, ou une adresse postgresql://…"


@click.command("initialiser", short_help="Crée le schéma du journal dans une base PostgreSQL.")
@click.argument("url", metavar="URL")
def initialiser(url: str) -> None:
    """Crée le schéma du journal dans une base PostgreSQL (URL postgresql://…) ; sans effet
    s'il y est déjà. Le mot de passe vient de l'URL, de PGPASSWORD ou de ~/.pgpass."""
    if not is_url(url):
        raise click.UsageError(f"« {url} » n'est pas une URL postgresql://…")
    try:
        created = schema.initialise(url)
    except JournalError as error:
        raise click.ClickException(str(error)) from None
    done = "créé" if created else "déjà présent"
    click.echo(f"Journal PostgreSQL {shown(url)} : schéma version {schema.VERSION} {done}.")


@click.command("copier", short_help="Copie un journal entre un fichier et PostgreSQL.")
@click.argument("source", metavar="SOURCE", callback=given_path(_JOURNAL))
@click.argument("destination", metavar="DESTINATION", callback=given_path(_JOURNAL))
def copier(source: str, destination: str) -> None:
    """Copie un journal d'un fichier vers PostgreSQL (une base vide) ou de PostgreSQL vers
    un fichier (un nouveau fichier), en vérifiant la chaîne des deux côtés : la copie se
    vérifie jusqu'à la même dernière empreinte que l'original."""
    try:
        copied = copy_journal(source, destination, warn=warn)
    except JournalError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Copié : {human.number(copied.count)} enregistrement(s) de {shown(source)} vers "
        f"{shown(destination)} ; les deux se vérifient jusqu'au n° {copied.last_seq}, "
        f"empreinte {copied.last_digest}."
    )
