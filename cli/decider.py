"""``tamis decider``: decide a batch of invitations and journal every decision.

A thin command over ``tamis.triage.pipeline``: it turns options into a ``Setup``, each
failure into a French message and an exit code (1 fatal, 2 usage, 3 some records
rejected), and each decision into one output line, printed after the journal has it.
Invitations from a file are decided ``BATCH`` at a time and each batch's decisions
appended to the journal in one locked write (one ``fdatasync`` per batch with
``--durabilite stricte``) before any of its lines is printed; from a pipe or a terminal,
one at a time (a live feed is answered at once). Output and messages keep the input's order.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator

import click
import orjson

from tamis.audit.errors import JournalError
from tamis.audit.journal import Journal, open_journal
from tamis.audit.sink import parse_durability
from tamis.cli import options
from tamis.cli.collector import tuned_for_batch
from tamis.cli.human import safe
from tamis.cli.progress import Reporter
from tamis.engine.engines import EngineUnavailable, parse_engine
from tamis.engine.parameters import ParameterError
from tamis.invitations.context import ContextError
from tamis.invitations.reader import read_invitations, unreadable
from tamis.triage.brief import brief_line
from tamis.triage.pipeline import (
    Decided,
    InputRecord,
    Outcome,
    PolicyInvalid,
    Rejected,
    Setup,
    SetupOptions,
    decide_batches,
    prepare,
    result_json,
    result_text,
)

EXIT_REJECTED = 3
BATCH = 256  # invitations decided, journaled in one write, then printed
STDIN_NAME = "<entrée standard>"


@click.command(
    "decider", short_help="Décide des invitations et inscrit chaque décision au journal."
)
@options.politique
@options.contexte
@options.moteur
@options.parametre
@click.option(
    "--sens",
    type=click.Choice(("entrante", "sortante", "toutes")),
    default="entrante",
    show_default=True,
    help="Invitations.csv de LinkedIn : lignes reçues, envoyées ou toutes.",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(("court", "json", "texte")),
    default=None,
    help="court : une ligne par invitation (qui, décision, règle, quoi faire sur LinkedIn) ;"
    " json : une ligne JSON ; texte : l'explication complète. Par défaut : court dans un"
    " terminal, json sinon (tube, fichier).",
)
@click.option("--trace", is_flag=True, help="Ajoute la trace complète de chaque décision.")
@options.journal
@options.durabilite
@options.minimiser
@click.argument("fichier", required=False, metavar="[FICHIER|-]")
def decider(
    politique: str,
    contexte: str | None,
    moteur: str,
    parametres: tuple[str, ...],
    sens: str,
    format_: str,
    trace: bool,
    journal: str,
    durabilite: str,
    minimiser: bool,
    fichier: str | None,
) -> None:
    """Décide chaque invitation de FICHIER (JSON, JSON Lines ou Invitations.csv de LinkedIn ;
    « - » ou rien : l'entrée standard) selon la politique, l'inscrit au journal, puis affiche
    une ligne par décision.

    Codes de sortie : 0 toutes décidées, 1 erreur fatale, 2 usage incorrect, 3 certaines
    invitations rejetées (signalées sur la sortie d'erreur).
    """
    setup = setup_or_exit(politique, contexte, moteur, parametres)
    records = invitation_records(fichier, sens)
    with (
        tuned_for_batch(),
        Reporter("Décisions") as reporter,
        journal_or_exit(journal, durabilite, minimiser, reporter) as sink,
    ):
        tally = run_batch(
            setup, records, sink, reporter, format_=format_, trace=trace, size=batch_size(fichier)
        )
    click.echo(summary(tally), err=True)
    if tally["rejetée"]:
        sys.exit(EXIT_REJECTED)


def setup_or_exit(
    politique: str, contexte: str | None, moteur: str, parametres: tuple[str, ...]
) -> Setup:
    """Load everything a run needs, or stop with a French message before reading invitations."""
    try:
        engine = parse_engine(moteur)
        setup = prepare(SetupOptions(politique, contexte, engine, tuple(parametres)))
    except PolicyInvalid as error:
        click.echo(str(error), err=True)
        raise click.ClickException(
            f"politique « {politique} » inutilisable ; aucune invitation n'a été lue."
        ) from None
    except ParameterError as error:
        raise click.UsageError(str(error)) from None
    except (ContextError, EngineUnavailable) as error:
        raise click.ClickException(str(error)) from None
    if setup.warnings:
        click.echo(setup.warnings, err=True)
    for warning in setup.context.warnings:  # unreadable rows of the LinkedIn exports
        click.echo(f"{setup.context.path} : avertissement : {warning}", err=True)
    return setup


def invitation_records(fichier: str | None, sens: str) -> Iterator[InputRecord]:
    """The reader's records from a file or stdin (the reader turns bad input into records
    with errors); an unreadable file (missing, a folder, no permission…) is a French error
    before the journal is opened, so nothing is journaled."""
    if fichier is None and sys.stdin.isatty():
        raise click.UsageError("donnez un FICHIER d'invitations, ou « - » pour l'entrée standard.")
    if fichier in (None, "-"):
        return read_invitations(getattr(sys.stdin, "buffer", sys.stdin), name=STDIN_NAME, sens=sens)
    problem = unreadable(fichier)
    if problem is not None:
        raise click.ClickException(f"{fichier} : fichier d'invitations illisible : {problem}")
    return read_invitations(fichier, name=fichier, sens=sens)


@contextlib.contextmanager
def journal_or_exit(
    path: str, durability: str, minimise: bool, reporter: Reporter
) -> Iterator[Journal]:
    """The open journal; its warnings (torn last line set aside…) go through ``reporter``."""

    def warn(message: str) -> None:
        reporter.note(f"avertissement : {message}")

    try:
        mode = parse_durability(durability)
        with open_journal(path, durability=mode, minimise=minimise, warn=warn) as journal:
            yield journal
    except JournalError as error:
        raise click.ClickException(str(error)) from None


def batch_size(fichier: str | None) -> int:
    """``BATCH`` for a file, 1 for a pipe or a terminal: invitations that arrive one by one
    (``tail -f … | tamis decider -``) are each decided, journaled and printed at once."""
    if fichier not in (None, "-"):
        return BATCH
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, io.UnsupportedOperation):  # stdin in memory (tests)
        return BATCH
    return BATCH if stat.S_ISREG(mode) else 1


def run_batch(
    setup: Setup,
    records: Iterator[InputRecord],
    sink: Journal,
    reporter: Reporter,
    *,
    format_: str,
    trace: bool,
    size: int,
) -> Counter:
    """Decide, journal and print each record, ``size`` at a time; report rejected ones on
    stderr."""
    format_ = format_ or ("court" if sys.stdout.isatty() else "json")
    tally: Counter = Counter({"rejetée": 0})
    for batch in decide_batches(setup, records, sink, batch_size=size):
        lines: list[str] = []
        for outcome in batch:
            notes = outcome_notes(outcome)
            if notes:
                flush_lines(lines)  # stdout and stderr stay in input order
                for note in notes:
                    reporter.note(note)
            if isinstance(outcome, Decided):
                lines.append(render_outcome(outcome, format_, trace))
            tally[_tally_key(outcome)] += 1
            reporter.advance()
        flush_lines(lines)
    return tally


def outcome_notes(outcome: Outcome) -> list[str]:
    """The stderr lines of one outcome: its warnings, then (rejected) its errors."""
    notes = [f"{outcome.location}: avertissement : {w}" for w in outcome.warnings]
    if isinstance(outcome, Rejected):
        notes += [f"{outcome.location}: erreur : {error}" for error in outcome.errors]
    return notes


def flush_lines(lines: list[str]) -> None:
    """Print the pending output lines in one write (``click.echo`` flushes each call)."""
    if lines:
        click.echo("\n".join(lines))
        lines.clear()


def _tally_key(outcome: Outcome) -> str:
    return outcome.decision.action.value if isinstance(outcome, Decided) else "rejetée"


def render_outcome(outcome: Decided, format_: str, trace: bool) -> str:
    if format_ == "court":
        return safe(brief_line(outcome))
    if format_ == "texte":
        return result_text(outcome, trace=trace)
    return orjson.dumps(result_json(outcome, trace=trace)).decode()


def summary(tally: Counter) -> str:
    rejected = tally["rejetée"]
    decided = {action: n for action, n in tally.items() if action != "rejetée" and n}
    total = sum(decided.values())
    details = ", ".join(f"{action} {n}" for action, n in sorted(decided.items()))
    text = f"{total} invitation(s) décidée(s)" + (f" ({details})" if details else "")
    return text + (f", {rejected} rejetée(s)." if rejected else ".")
