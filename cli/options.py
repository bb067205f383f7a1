"""Options shared by the commands that decide or read decisions (``decider``, ``rejouer``).

Each function is a click decorator carrying one option with its French help, so that every
command spells ``--journal``, ``--politique`` or ``--parametre`` the same way and honours
the same defaults (``$TAMIS_JOURNAL``, ``tamis-journal.jsonl``: ``tamis.audit.journal``'s).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tamis.audit.errors import Altered, DamagedLine, JournalError, JournalMissing
from tamis.audit.journal import DEFAULT_NAME, ENV_VAR
from tamis.cli import french
from tamis.engine.engines import ENGINES

if TYPE_CHECKING:
    from tamis.audit.filters import Criterion, Filter, FilterError, Problem

french.install()  # Choice and Path look some of their words up when they are created

F = TypeVar("F", bound=Callable)

DURABILITIES = ("stricte", "groupee")


def politique(function: F) -> F:
    return click.option(
        "-p",
        "--politique",
        "politique",
        required=True,
        metavar="POLITIQUE",
        help="Fichier de la politique (.tamis) qui décide.",
    )(function)


def contexte(function: F) -> F:
    return click.option(
        "--contexte",
        "contexte",
        metavar="FICHIER",
        default=None,
        callback=given_path(CONTEXT_WANTED),
        help="Votre contexte (tamis.toml) : profil, réseau, valeurs des paramètres.",
    )(function)


CONTEXT_WANTED = "le chemin de votre contexte (tamis.toml), ou retirez l'option"


def parametre(function: F) -> F:
    return click.option(
        "--parametre",
        "parametres",
        metavar="NOM=VAL",
        multiple=True,
        help="Remplace la valeur d'un paramètre (répétable), p. ex. connexions_min=100.",
    )(function)


def moteur(function: F) -> F:
    return click.option(
        "--moteur",
        "moteur",
        type=click.Choice(ENGINES),
        default="natif",
        show_default=True,
        help="Moteur de règles : natif (rapide) ou durable (Rete, durable-rules).",
    )(function)


def journal(function: F) -> F:
    return click.option(
        "--journal",
        "journal",
        metavar="CHEMIN",
        default=DEFAULT_NAME,
        envvar=ENV_VAR,
        show_default=True,
        show_envvar=True,
        callback=journal_path,
        help="Journal d'audit (JSON Lines, ajout seulement), ou postgresql://… (toutes les "
        "commandes qui lisent ou écrivent le journal l'acceptent).",
    )(function)


def given_path(what: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback refusing an empty path (usage error, exit 2) for an option naming a file
    tamis writes or reads: « -o "$FICHIER" » with $FICHIER unset reached the system as the
    current folder, or as no file at all, and ended in an error about something else; an
    empty --contexte was taken for no context at all. ``what`` says what to give instead."""

    def check(_ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value == "":
            name = (
                param.human_readable_name.strip("[]")
                if isinstance(param, click.Argument)
                else max(param.opts, key=len)
            )
            raise click.UsageError(f"{name} est vide : donnez {what} ; rien n'a été fait.")
        return value

    return check


_JOURNAL_WANTED = "le fichier du journal, ou son adresse postgresql://…"


def journal_path(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """``--journal``, refused when empty (``given_path``), and when it comes from an empty
    ``$TAMIS_JOURNAL``: click takes an empty variable for an unset one, so
    « TAMIS_JOURNAL= tamis decider … » wrote to ./tamis-journal.jsonl while « --journal "" »
    is refused."""
    source = ctx.get_parameter_source(param.name)  # type: ignore[arg-type]
    if source is click.core.ParameterSource.DEFAULT and os.environ.get(ENV_VAR) == "":
        raise click.UsageError(
            f"la variable d'environnement {ENV_VAR} est vide : donnez-y {_JOURNAL_WANTED},"
            " ou retirez-la (unset) pour le journal par défaut ; rien n'a été fait."
        )
    return given_path(_JOURNAL_WANTED)(ctx, param, value)


def sans_journal(function: F) -> F:
    return click.option(
        "--sans-journal",
        "sans_journal",
        is_flag=True,
        help="Ne rien inscrire au journal d'audit.",
    )(function)


def sans_index(function: F) -> F:
    return click.option(
        "--sans-index",
        "sans_index",
        is_flag=True,
        help="Lire tout le journal sans utiliser ni mettre à jour son index "
        "(<journal>.index.sqlite) ; plus lent, même résultat.",
    )(function)


def utc(function: F) -> F:
    return click.option(
        "--utc",
        "utc",
        is_flag=True,
        help="Dates et heures en UTC, comme au journal (par défaut : l'heure locale).",
    )(function)


def durabilite(function: F) -> F:
    return click.option(
        "--durabilite",
        "durabilite",
        type=click.Choice(DURABILITIES),
        default="groupee",
        show_default=True,
        help="stricte : fsync à chaque décision ; groupee : fsync par lots (plus rapide).",
    )(function)


def minimiser(function: F) -> F:
    return click.option(
        "--minimiser",
        "minimiser",
        is_flag=True,
        help="Ne garder au journal que les champs et faits que la politique lit.",
    )(function)


def format_(choices: tuple[str, ...], default: str) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        return click.option(
            "--format",
            "format_",
            type=click.Choice(choices),
            default=default,
            show_default=True,
            help="Format de sortie.",
        )(function)

    return decorate


def excel(function: F) -> F:
    return click.option(
        "--excel",
        "excel",
        is_flag=True,
        help="Avec --format csv : le CSV qu'Excel en français ouvre tel quel (UTF-8 avec BOM, "
        "« ; » entre les cellules, virgule décimale).",
    )(function)


def excel_csv(format_: str, excel: bool) -> bool:
    """Whether to write CSV for Excel; ``--excel`` with another format is a usage error."""
    if excel and format_ != "csv":
        raise click.UsageError(
            f"--excel s'applique au CSV, pas au format {format_} : ajoutez --format csv."
        )
    return excel


def selection(function: Callable) -> Callable:
    """The journal selection options of ``rejouer`` (its ``--politique`` is the new policy)."""
    decorators = [
        click.option(
            "--decision",
            "decisions",
            multiple=True,
            metavar="DÉCISION",
            help="accepter, refuser, ignorer, signaler ou examiner (répétable).",
        ),
        click.option(
            "--regle",
            "regles",
            multiple=True,
            metavar="RÈGLE",
            help="Règle décisive : son nom, « ligne N » ou « sinon » (répétable).",
        ),
        click.option(
            "--fait",
            "faits",
            multiple=True,
            metavar="NOM[=VALEUR]",
            help="Fait ou fait dérivé vrai, ou égal à VALEUR (vrai, faux, inconnu, "
            "un nombre, un texte) ; répétable, tous doivent correspondre.",
        ),
        click.option(
            "--expediteur",
            metavar="NOM|URL",
            help="Nom ou adresse de profil de l'autre personne (partie du texte) : "
            "l'expéditeur d'une invitation reçue, le destinataire d'une demande à envoyer.",
        ),
        click.option(
            "--depuis",
            metavar="DATE",
            help="Décisions à partir de DATE (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM, UTC).",
        ),
        click.option(
            "--jusqu-a",
            "jusqu_a",
            metavar="DATE",
            help="Décisions jusqu'à DATE incluse (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM, UTC).",
        ),
    ]
    for decorate in reversed(decorators):
        function = decorate(function)
    return function


def journal_message(error: JournalError) -> str:
    """The French error for a journal that cannot be used, with what only the command line
    can add: how to point at the journal, which command finds what damaged it."""
    if isinstance(error, JournalMissing):
        return (
            f"journal introuvable : {error.path} (indiquez-le avec --journal CHEMIN ou la "
            "variable TAMIS_JOURNAL)."
        )
    if isinstance(error, DamagedLine):
        return (
            f"{error.path}:{error.line} : ligne illisible, le journal est endommagé ; "
            "« tamis journal verifier » localise le problème."
        )
    return str(error)


def warn(message: str) -> None:
    """A French warning from the journal's readers on stderr; the notice of a long index
    build gets the option that does without it."""
    from tamis.audit.index import CatchUp  # here: deciding never loads the query index

    if isinstance(message, CatchUp) and message.whole:
        message = f"{message} --sans-index lit le journal sans index."
    elif isinstance(message, Altered):
        message = f"{message} « tamis journal verifier » localise la première modification."
    click.echo(f"avertissement : {message}", err=True)


def filters(function: Callable) -> Callable:
    """``selection`` plus the recorded policy: ``journal chercher|stats|exporter``."""
    return selection(
        click.option(
            "--politique",
            metavar="NOM|CHEMIN|SHA",
            help="Politique : nom, chemin, nom de fichier (avec ou sans .tamis) ou début de son"
            " empreinte sha256.",
        )(function)
    )


def build_filter(kw: dict[str, Any]) -> Filter:
    """The ``Filter`` the selection options describe; pops them from ``kw``."""
    # The journal's filters are imported by the commands that select records, not at the
    # start of every command (``tamis decider`` shares this module).
    from tamis.audit.filters import FilterError, parse_filter

    try:
        return parse_filter(
            decisions=kw.pop("decisions"),
            rules=kw.pop("regles"),
            facts=kw.pop("faits"),
            sender=sender_given(kw.pop("expediteur")),
            since=kw.pop("depuis"),
            until=kw.pop("jusqu_a"),
            policy=kw.pop("politique", None),
        )
    except FilterError as error:
        raise click.UsageError(filter_message(error)) from None


def check_facts(journal: str, flt: Filter, *, index: bool = True) -> None:
    """A ``--fait`` name neither tamis's vocabulary nor the journal's decisions know is a
    usage error (``triage.fact_names``): it would silently match nothing."""
    if not flt.facts:
        return
    from tamis.audit.filters import FilterError
    from tamis.triage.fact_names import check_fact_names, recorded_facts

    try:
        check_fact_names(flt, lambda: recorded_facts(journal, warn, index=index))
    except FilterError as error:
        raise click.UsageError(filter_message(error)) from None


def explain_nothing_found(
    journal: str, flt: Filter, *, index: bool = True
) -> list[tuple[str, str]]:
    """Once a query found nothing: each ``--regle`` no decision of the journal names, said on
    the error output with the closest names it holds (``triage.rule_names``), so that a
    mistyped name (« Photo », « message par defaut ») is not taken for a rule that never
    decided. A note, not an error: the query did run, and found nothing. Returns the notes,
    for a command whose JSON holds them too (``avertissements``)."""
    if not flt.rules:
        return []
    from tamis.grammar.check_words import quote
    from tamis.triage.rule_names import rule_notes

    notes = rule_notes(journal, flt, warn, index=index)
    for name, text in notes:
        click.echo(f"avertissement : --regle {quote(name)} : {text}", err=True)
    return notes


def sender_given(value: str | None) -> str | None:
    """``--expediteur`` as given; an empty or blank one is a usage error. Every name holds
    the empty text, so « --expediteur "$NOM" » with $NOM empty chose every decision:
    « tamis journal effacer » would then have erased the whole journal."""
    if value is not None and not value.strip():
        raise click.UsageError(
            "--expediteur est vide : donnez un nom ou une adresse de profil (une partie"
            " suffit) ; rien n'a été choisi."
        )
    return value


def option_names() -> dict[Criterion, str]:
    """The option (or argument) that gives each criterion of a filter."""
    from tamis.audit.filters import Criterion

    return {
        Criterion.DECISION: "--decision",
        Criterion.RULE: "--regle",
        Criterion.FACT: "--fait",
        Criterion.SENDER: "--expediteur",
        Criterion.SINCE: "--depuis",
        Criterion.UNTIL: "--jusqu-a",
        Criterion.POLICY: "--politique",
        Criterion.INVITATION: "ID",
    }


def filter_message(error: FilterError) -> str:
    """The French usage error for a filter value, naming the option that gave it: the words
    of its problem (``problem_words``), or those of a problem no shell words yet."""
    from tamis.triage.filter_words import unknown_problem

    words = problem_words().get(error.problem, unknown_problem)
    text = words(error)
    return f"{option_names()[error.criterion]} : {text}" + ("" if text.endswith("?") else ".")


@functools.cache
def problem_words() -> dict[Problem, Callable[[FilterError], str]]:
    """What the command line says of each ``Problem`` of a filter value, after the option's
    name; built on first use (``tamis decider`` shares this module and never filters). The
    API and the web pages word them in a table of the same shape
    (``service.api_journal.PROBLEM_WORDS``), which quotes less of the value."""
    from tamis.audit.filters import DECISIONS, Problem
    from tamis.triage.fact_names import unknown_fact, wrong_fact_value
    from tamis.triage.filter_words import clocks_changed, not_text

    return {
        Problem.UNKNOWN_DECISION: lambda error: (
            f"décision inconnue « {error.value} » ; choisissez parmi {', '.join(DECISIONS)}"
        ),
        Problem.BAD_DATE: lambda error: (
            f"date illisible « {error.value} » ; écrivez AAAA-MM-JJ ou AAAA-MM-JJTHH:MM (heure UTC)"
        ),
        Problem.BAD_FACT: lambda error: (
            f"« {error.value} » n'est pas de la forme NOM ou NOM=VALEUR"
        ),
        Problem.FACT_VALUE: wrong_fact_value,
        Problem.UNKNOWN_FACT: unknown_fact,
        Problem.NOT_TEXT: lambda error: (
            f"{not_text(error)} ; vérifiez l'encodage de votre terminal (LANG, LC_ALL)"
        ),
        Problem.NO_SUCH_TIME: clocks_changed,
        Problem.AMBIGUOUS_TIME: clocks_changed,
    }
