"""``tamis journal migrer``: a format 2 journal rewritten as format 3 into a new file.

A thin command over ``tamis.audit.migrate``; the old journal is left as it was.
"""

from __future__ import annotations

import click

from tamis.audit.errors import JournalError
from tamis.audit.migrate import migrate
from tamis.cli import options


@click.command("migrer")
@click.argument("nouveau", metavar="NOUVEAU_JOURNAL")
@options.journal
def migrer(nouveau: str, journal: str) -> None:
    """Réécrit le journal au format 3 dans le fichier NOUVEAU_JOURNAL (qui ne doit pas
    exister) : chaque décision y a ses données personnelles à part, sous un engagement salé,
    et peut alors être effacée (tamis journal effacer). Un enregistrement « migration »
    final nomme l'ancien journal et l'empreinte de sa tête. L'ancien journal n'est pas modifié."""
    try:
        done = migrate(journal, nouveau)
    except JournalError as error:
        raise click.ClickException(options.journal_message(error)) from None
    record = done.record
    click.echo(
        f"Journal migré au format 3 : {nouveau} ({done.records} enregistrement(s) repris, dont "
        f"{done.split} décision(s) passée(s) au format 3 ; enregistrement « migration » "
        f"n° {record['seq']} nommant l'ancienne tête n° {done.old_seq}, empreinte "
        f"{done.old_digest})."
    )
    click.echo(
        f"{journal} n'a pas été modifié et contient toujours les données personnelles : "
        "gardez-le à part ou détruisez-le. Ses sceaux ne valent que pour lui ; scellez le "
        "nouveau journal (tamis journal sceller).",
        err=True,
    )
