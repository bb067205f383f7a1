"""``tamis journal effacer`` and ``purger``: erase third parties' personal data from the journal.

Thin commands over ``tamis.audit.erase``: they build the ``Selection`` (ids, the journal's
filters, an age from ``--avant`` or the context's ``conservation``), count it, ask for
confirmation with that count (``--oui`` skips it), erase, and report in French.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import click

from tamis.audit import erase as erasure
from tamis.audit.errors import JournalError
from tamis.audit.filters import FilterError, parse_filter
from tamis.audit.postgres.backend import shown
from tamis.audit.postgres.url import is_url as postgres_url
from tamis.cli import options
from tamis.cli.human import safe
from tamis.invitations.context import ContextError, load_context


def warn(message: str) -> None:
    click.echo(f"avertissement : {message}", err=True)


def _motif(function):
    return click.option(
        "--motif",
        "motif",
        metavar="TEXTE",
        help="Pourquoi ces données sont effacées (demande de la personne, fin de la durée de "
        "conservation…) : inscrit au journal avec l'effacement.",
    )(function)


def _yes(function):
    return click.option("--oui", "oui", is_flag=True, help="Ne pas demander de confirmation.")(
        function
    )


@click.command("effacer", short_help="Efface les données personnelles de décisions choisies.")
@click.argument("identifiants", metavar="[ID]...", nargs=-1)
@options.journal
@options.filters
@_motif
@_yes
def effacer(identifiants: tuple[str, ...], journal: str, motif: str | None, oui: bool, **kw: Any):
    """Efface les données personnelles (invitation, explication, preuves…) des décisions
    choisies : par identifiant d'invitation ID, par --expediteur NOM_OU_URL ou par les filtres
    du journal. --expediteur nomme l'autre personne : l'expéditeur d'une invitation reçue, le
    destinataire d'une demande à envoyer (jamais vous, qui l'envoyez). La décision, la règle,
    le motif et les valeurs non personnelles restent ; un enregistrement « effacement »
    (numéros effacés, motif) est ajouté au journal.

    Les conseils (tamis conseiller) aussi : par leur identifiant (conseil-…), par
    --expediteur (le destinataire du conseil) ou par période (--depuis, --jusqu-a) ; le
    verdict et les codes des constats restent."""
    flt = options.build_filter(kw)
    if not identifiants and flt == parse_filter():
        raise click.UsageError(
            "choisissez les décisions à effacer : un ou plusieurs ID, --expediteur NOM_OU_URL "
            "ou un filtre (--decision, --regle, --fait, --depuis, --jusqu-a, --politique)."
        )
    if not motif or not motif.strip():
        raise click.UsageError("--motif est obligatoire : il est inscrit au journal.")
    try:  # a scan, not the index: the erasure would discard an index built for this check
        options.check_facts(journal, flt, index=False)
    except JournalError as error:
        raise click.ClickException(options.journal_message(error)) from None
    selection = erasure.Selection(frozenset(identifiants), flt)
    run_erasure(journal, selection, motif.strip(), oui, named=identifiants)


@click.command("purger", short_help="Efface les données personnelles des décisions anciennes.")
@options.journal
@click.option(
    "--avant",
    "avant",
    metavar="DATE",
    help="Efface les données personnelles des décisions et des conseils inscrits avant DATE "
    "(AAAA-MM-JJ ou AAAA-MM-JJTHH:MM, UTC), une date passée.",
)
@options.contexte
@_motif
@_yes
def purger(journal: str, avant: str | None, contexte: str | None, motif: str | None, oui: bool):
    """Efface les données personnelles des décisions et des conseils plus anciens qu'une date
    (--avant) ou que la durée de conservation du contexte (conservation = "365j" dans
    tamis.toml)."""
    before, default_motif = _limit(avant, contexte)
    chosen = (motif or "").strip() or default_motif
    run_erasure(journal, erasure.Selection(before=before), chosen, oui)


def _limit(avant: str | None, contexte: str | None) -> tuple[str, str]:
    """The ``horodatage`` bound and the default motif, from ``--avant`` or the context."""
    if avant is not None:
        try:
            bound = parse_filter(since=avant).since
        except FilterError:
            raise click.UsageError(
                f"--avant : date illisible « {avant} » ; écrivez AAAA-MM-JJ (UTC)."
            ) from None
        assert bound is not None
        _refuse_future(avant, bound)
        return bound, f"purge des enregistrements antérieurs au {avant}"
    if contexte is None:
        raise click.UsageError(
            'indiquez --avant DATE, ou --contexte FICHIER dont conservation = "365j" donne '
            "la durée de conservation."
        )
    try:
        days = load_context(contexte).retention_days
    except ContextError as error:
        raise click.ClickException(str(error)) from None
    if days is None:
        raise click.UsageError(
            f'{contexte} n\'indique pas de durée de conservation (conservation = "365j").'
        )
    moment = datetime.now(UTC) - timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), f"durée de conservation ({days} jours)"


def _refuse_future(avant: str, bound: str) -> None:
    """A usage error for an ``--avant`` after now. ``purger`` keeps what is recent and erases
    what is older; a date still to come (a typo for 2026, or 9999-12-31) would erase every
    decision and advice, today's included, and with ``--oui`` (cron) without a word. Erasing
    recent decisions is a choice ``effacer`` states: by identifier, person or period."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if bound > now:  # ISO texts compared as text, as ``horodatage`` is (a day sorts first)
        raise click.UsageError(
            f"--avant : le {avant} n'est pas encore passé ; purger effacerait les données "
            "personnelles de toutes les décisions et de tous les conseils, jusqu'aux plus "
            "récents. Donnez une date passée (les décisions inscrites avant elle sont "
            "effacées), ou, pour effacer aussi les décisions récentes, choisissez-les avec "
            f"tamis journal effacer (p. ex. --jusqu-a {avant} --motif …)."
        )


def run_erasure(
    journal: str, selection: erasure.Selection, motif: str, oui: bool, named: tuple[str, ...] = ()
) -> None:
    """Count, confirm, erase, report. An ``ID`` in ``named`` that selects nothing (a typo in an
    erasure request) is an error, said before the question; the others are erased, and the
    command ends with code 1."""
    backend = _backend(journal)
    try:
        planned = backend.count(journal, selection)
    except JournalError as error:
        raise click.ClickException(options.journal_message(error)) from None
    _notes(planned)
    missing = [ident for ident in dict.fromkeys(named) if ident not in planned.ids]
    for ident in missing:
        click.echo(
            f"erreur : aucune décision ni aucun conseil choisi pour « {safe(ident)} » dans"
            f" {shown(journal)} : rien n'est effacé pour cet identifiant",
            err=True,
        )
    _erase_planned(backend, journal, selection, motif, oui, planned)
    if missing:
        raise SystemExit(1)


def _erase_planned(
    backend: ModuleType,
    journal: str,
    selection: erasure.Selection,
    motif: str,
    oui: bool,
    planned: erasure.Erasure,
) -> None:
    if not planned.erased:
        click.echo("Aucune décision ni aucun conseil à effacer.")
        if selection.filter is not None:  # a --regle no decision has: said, with the closest
            options.explain_nothing_found(journal, selection.filter)
        return
    if not oui:
        _people(planned)
        what_and_where = f"{what(planned)} de {shown(journal)}"
        confirm(f"Effacer définitivement les données personnelles de {what_and_where} ?")
    try:
        done = backend.erase(journal, selection, motif, warn=warn)
    except JournalError as error:
        raise click.ClickException(options.journal_message(error)) from None
    if done.record is None:
        click.echo("Aucune décision ni aucun conseil à effacer.")
        return
    numbers = ", ".join(str(seq) for seq in done.erased[:20])
    more = " …" if len(done.erased) > 20 else ""
    click.echo(
        f"{erased_words(done)} (n° {numbers}{more}) ; motif : {safe(motif)} ; "
        f"enregistrement « effacement » n° {done.record['seq']}."
    )
    if done.answers:
        click.echo(
            f"{done.answers} réponse(s) gardée(s) pour une clé d'idempotence (Idempotency-Key) "
            "vidée(s) aussi : une requête renvoyée avec sa clé reçoit 410, sans être redécidée."
        )


def _backend(journal: str) -> ModuleType:
    """``audit.erase`` for a file, ``audit.postgres.erase`` for a PostgreSQL journal."""
    if not postgres_url(journal):
        return erasure
    from tamis.audit.postgres import erase as in_database

    return in_database


def what(done: erasure.Erasure) -> str:
    """« 2 décision(s) », « 2 décision(s) et 1 conseil(s) » or « 1 conseil(s) »."""
    decisions = len(done.erased) - done.advice
    parts = [f"{decisions} décision(s)"] if decisions or not done.advice else []
    if done.advice:
        parts.append(f"{done.advice} conseil(s)")
    return " et ".join(parts)


def erased_words(done: erasure.Erasure) -> str:
    """What was erased, agreed: « … effacée(s) », « … effacé(s) » or, both, « … effacés »."""
    if not done.advice:
        return f"{what(done)} effacée(s)"
    return f"{what(done)} effacé(s)" if len(done.erased) == done.advice else f"{what(done)} effacés"


def confirm(question: str) -> None:
    """Ask in French (« o » or « oui » go on); anything else, or no terminal, aborts."""
    try:
        answer = click.prompt(
            f"{question} [o/N]", default="", show_default=False, err=True, prompt_suffix=" "
        )
    except click.Abort:  # no answer (end of input, Ctrl-C): the refusal on its own line
        click.echo(err=True)
        answer = ""
    if answer.strip().lower() not in ("o", "oui"):
        raise click.ClickException(
            "effacement annulé ; rien n'a été modifié (--oui : sans question)."
        )


SHOWN_PEOPLE = 10  # names listed before the question, at most


def _people(planned: erasure.Erasure) -> None:
    """Whom the erasure is about, before the question: ``--expediteur roy`` picks every name
    that holds « roy » (Leroy, Royer), and a count alone did not show it."""
    people = list(planned.people)
    if not people:
        return
    named = ", ".join(safe(person) for person in people[:SHOWN_PEOPLE])
    more = f" et {len(people) - SHOWN_PEOPLE} autre(s)" if len(people) > SHOWN_PEOPLE else ""
    click.echo(f"Personnes concernées ({len(people)}) : {named}{more}.", err=True)


def _notes(planned: erasure.Erasure) -> None:
    if planned.legacy:
        warn(
            f"{planned.legacy} décision(s) choisie(s) sont au format 2, dont l'empreinte "
            "couvre les données personnelles : elles ne peuvent pas être effacées sans casser "
            "la chaîne. Migrez d'abord le journal (tamis journal migrer)."
        )
    if planned.already:
        click.echo(f"{planned.already} enregistrement(s) choisi(s) déjà effacé(s).", err=True)
