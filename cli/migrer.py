"""``tamis journal migrer``: a journal brought up to date, either of two ways.

- ``migrer NOUVEAU_JOURNAL``: a format 2 journal rewritten as format 3 into a new journal (a
  file, or an empty PostgreSQL database), through ``tamis.audit.migrate``; the old journal is
  left as it was.
- ``migrer`` alone, on a PostgreSQL journal: its tables' schema brought to this tamis's
  version (``tamis.audit.postgres.schema.migrate``).
"""

from __future__ import annotations

import click

from tamis.audit.errors import JournalError
from tamis.audit.migrate import migrate
from tamis.audit.postgres.backend import shown
from tamis.audit.postgres.url import is_url as postgres_url
from tamis.cli import options


@click.command("migrer", short_help="Passe un journal au format 3, ou son schéma à jour.")
@click.argument(
    "nouveau",
    metavar="[NOUVEAU_JOURNAL]",
    required=False,
    callback=options.given_path("un nouveau fichier de journal, ou une adresse postgresql://…"),
)
@options.journal
def migrer(nouveau: str | None, journal: str) -> None:
    """Réécrit le journal au format 3 dans NOUVEAU_JOURNAL (un fichier qui ne doit pas
    exister, ou une base PostgreSQL vide) : chaque décision y a ses données personnelles à
    part, sous un engagement salé, et peut alors être effacée (tamis journal effacer). Un
    enregistrement « migration » final nomme l'ancien journal et l'empreinte de sa tête.
    L'ancien journal n'est pas modifié. Sans NOUVEAU_JOURNAL, sur un journal PostgreSQL :
    met le schéma de ses tables à la version de ce tamis."""
    if nouveau is None:
        _schema(journal)
        return
    try:
        done = migrate(journal, nouveau)
    except JournalError as error:
        raise click.ClickException(options.journal_message(error)) from None
    record = done.record
    click.echo(
        f"Journal migré au format 3 : {shown(nouveau)} ({done.records} enregistrement(s) "
        f"repris, dont {done.split} décision(s) passée(s) au format 3 ; enregistrement "
        f"« migration » n° {record['seq']} nommant l'ancienne tête n° {done.old_seq}, "
        f"empreinte {done.old_digest})."
    )
    click.echo(
        f"{shown(journal)} n'a pas été modifié et contient toujours les données personnelles : "
        "gardez-le à part ou détruisez-le. Ses sceaux ne valent que pour lui ; scellez le "
        "nouveau journal (tamis journal sceller).",
        err=True,
    )


def _schema(journal: str) -> None:
    """The schema of a PostgreSQL journal brought to this tamis's version."""
    if not postgres_url(journal):
        raise click.UsageError(
            "indiquez NOUVEAU_JOURNAL, le nouveau journal où écrire celui-ci au format 3 "
            "(sans NOUVEAU_JOURNAL, migrer met à jour le schéma d'un journal PostgreSQL)."
        )
    from tamis.audit.postgres import schema

    try:
        done = schema.migrate(journal)
    except JournalError as error:
        raise click.ClickException(str(error)) from None
    if done.before == done.after:
        click.echo(
            f"Journal PostgreSQL {shown(journal)} : schéma version {done.after} déjà à jour ; "
            "rien à migrer."
        )
        return
    click.echo(
        f"Journal PostgreSQL {shown(journal)} : schéma migré de la version {done.before} à la "
        f"version {done.after}."
    )
    if done.whole_rows:
        click.echo(
            "Les enregistrements écrits désormais seront gardés entiers dans la table, "
            "compressés par lz4 ; ceux déjà écrits restent rangés comme avant (pour les ranger "
            "aussi : tamis journal copier vers un fichier, puis vers une base neuve)."
        )
