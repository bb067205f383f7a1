"""``tamis rejouer``: what would change if the journal's invitations met another policy.

A thin command over ``tamis.triage.replay``: reads the journal (never writes it; the decisions
it selects are found through the journal's query index unless ``--sans-index``), re-decides,
then prints the counts per former -> new decision and, for each invitation that would
change, both explanations side by side (rich tables), or all of it as JSON.
"""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tamis.audit.errors import JournalError
from tamis.audit.postgres.url import is_url as postgres_url
from tamis.cli import options
from tamis.cli.decider import EXIT_REJECTED, setup_or_exit
from tamis.cli.human import number, safe, zone
from tamis.cli.human import when as when_shown
from tamis.triage.replay import Change, Report, replay, replay_journal
from tamis.triage.rule_names import json_warnings


@click.command("rejouer", short_help="Essaie une autre politique sur les décisions du journal.")
@options.politique
@options.contexte
@options.moteur
@options.parametre
@options.journal
@options.selection
@options.format_(("texte", "json"), "texte")
@options.utc
@options.sans_index
def rejouer(
    politique: str,
    contexte: str | None,
    moteur: str,
    parametres: tuple[str, ...],
    journal: str,
    format_: str,
    utc: bool,
    sans_index: bool,
    **selection: Any,
) -> None:
    """Redécide les invitations du journal avec une autre politique, sans rien écrire au
    journal, et montre ce qui changerait : les décomptes ancienne -> nouvelle décision, puis,
    pour chaque invitation qui changerait, les deux explications côte à côte.
    """
    flt = options.build_filter(selection)
    setup = setup_or_exit(politique, contexte, moteur, parametres, NOTHING_REPLAYED)
    try:
        options.check_facts(journal, flt, index=not sans_index)
        report = _replayed(setup, journal, flt, sans_index)
        notes = []
        if report.found_nothing:
            notes = options.explain_nothing_found(journal, flt, index=not sans_index)
    except JournalError as error:
        raise click.ClickException(options.journal_message(error)) from None
    for message in (*report.rejected, *report.undecided):
        click.echo(f"erreur : {message}", err=True)
    if report.other_context:
        click.echo(context_warning(report.other_context, contexte), err=True)
    if report.minimised:
        click.echo(minimised_warning(report.minimised), err=True)
    if report.erased:
        click.echo(
            f"avertissement : {number(report.erased)} décision(s) du journal n'ont pas été "
            "rejouées : "
            "leurs données personnelles ont été effacées (tamis journal effacer).",
            err=True,
        )
    if format_ == "json":
        data = {**report.to_json(), "avertissements": json_warnings(notes)}
        click.echo(orjson.dumps(data).decode())
    else:
        print_report(report, Console(soft_wrap=False, highlight=False), utc=utc)
    if report.undecided:  # the engine left some undecided: the comparison is incomplete
        sys.exit(EXIT_REJECTED)


NOTHING_REPLAYED = "rien n'a été rejoué (aucune décision du journal n'a été lue)"


def warn(message: str) -> None:
    options.warn(message)  # the journal readers' notices, worded for the command line


def minimised_warning(count: int) -> str:
    return (
        f"avertissement : {number(count)} décision(s) du journal ont été inscrites avec "
        "--minimiser : les champs que l'ancienne politique ne lisait pas n'y sont pas, ils "
        "sont inconnus pour la nouvelle ; les changements qui en dépendent peuvent n'être que "
        "des artefacts. Pour comparer deux politiques, tenez le journal sans --minimiser."
    )


def context_warning(count: int, contexte: str | None) -> str:
    if contexte is None:
        return (
            f"avertissement : {number(count)} décision(s) du journal ont été prises avec un "
            "contexte, et aucun n'est donné ici (ajoutez --contexte) ; leurs faits sont "
            "recalculés sans contexte."
        )
    return (
        f"avertissement : {number(count)} décision(s) du journal ont été prises avec un autre "
        f"contexte que « {contexte} » ; leurs faits sont recalculés avec celui-ci."
    )


def print_report(report: Report, console: Console, *, utc: bool = False) -> None:
    """The counts, then one table per change, then the total: every text from the journal
    made safe, times local (or UTC), numbers the French way, columns wrapped to the width."""
    if not (report.total or report.rejected or report.undecided):
        console.print("Aucune décision du journal ne correspond à ces critères.")
        return
    if report.total:
        console.print(counts_table(report))
    for change in report.changes:
        console.print(change_table(change, utc=utc))
    console.print(Text(tally_line(report)))


def tally_line(report: Report) -> str:
    """« 3 invitation(s) rejouée(s) ; 1 changerai(en)t de décision ; 1 non décidée(s) par le
    moteur « durable » ; 1 rejetée(s). »: an invitation the engine could not decide was
    valid, and is not counted among the records that no longer validate."""
    parts = [
        f"{number(report.total)} invitation(s) rejouée(s)",
        f"{number(len(report.changes))} changerai(en)t de décision",
    ]
    if report.undecided:
        parts.append(f"{number(len(report.undecided))} non décidée(s) par le moteur « durable »")
    if report.rejected:
        parts.append(f"{number(len(report.rejected))} rejetée(s)")
    return " ; ".join(parts) + "."


def counts_table(report: Report) -> Table:
    table = Table(title="Décisions : avant → après")
    table.add_column("Avant")
    table.add_column("Après")
    table.add_column("Invitations", justify="right")
    for (old, new), n in sorted(report.counts.items(), key=lambda item: -item[1]):
        style = "bold" if old != new else None
        table.add_row(Text(safe(old)), Text(safe(new)), Text(number(n)), style=style)
    return table


def change_table(change: Change, *, utc: bool = False) -> Table:
    """``id (enregistrement n° 12 du 2026-02-01 09:37 EST)``, then before and after side by
    side, each column half the width, wrapped."""
    moment = change.decidee_le
    when = f"{when_shown(moment, utc=utc, seconds=False)} {zone(moment, utc=utc)}"
    title = Text(safe(f"{change.id} (enregistrement n° {change.seq} du {when})"))
    table = Table(title=title, expand=True)
    table.add_column(Text(safe(f"Avant : {change.avant} ({change.regle_avant})")), ratio=1)
    table.add_column(Text(safe(f"Après : {change.apres} ({change.regle_apres})")), ratio=1)
    table.add_row(Text(safe(change.explication_avant)), Text(safe(change.explication_apres)))
    return table


def _replayed(setup: Any, journal: str, flt: Any, sans_index: bool) -> Report:
    """A file replayed through its index or scan; a PostgreSQL journal's records selected
    by SQL (``postgres.query.select``)."""
    if not postgres_url(journal):
        return replay_journal(setup, journal, flt, warn, index=not sans_index)
    from tamis.audit.postgres import query

    return replay(setup, query.select(journal, flt, warn), flt)
