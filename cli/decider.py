"""``tamis decider``: decide a batch of invitations and journal every decision.

A thin command over ``tamis.triage.pipeline``: it turns options into a ``Setup``, each
failure into a French message and an exit code (1 fatal, 2 usage, 3 some records
rejected), and each decision into one output line, printed after the journal has it.
Invitations from a file are decided ``BATCH`` at a time and each batch's decisions
appended to the journal in one locked write (one ``fdatasync`` per batch with
``--durabilite stricte``) before any of its lines is printed; from a pipe or a terminal,
one at a time (a live feed is answered at once). Output and messages keep the input's order.
A large file is decided by worker processes (``--processus``, ``tamis.triage.parallel``):
the same lines and journal, this process keeping the order and writing the journal.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

import click
import orjson

from tamis.audit.blocks import workers
from tamis.audit.errors import JournalError
from tamis.audit.journal import Journal, open_journal
from tamis.audit.sink import parse_durability
from tamis.cli import options
from tamis.cli.collector import tuned_for_batch
from tamis.cli.human import number, safe, safe_lines
from tamis.cli.known_text import HINTS, known_court, known_json, known_texte
from tamis.cli.paths import same_file
from tamis.cli.progress import Reporter
from tamis.engine.engines import EngineUnavailable, parse_engine
from tamis.engine.parameters import ParameterError
from tamis.invitations.context import ContextError
from tamis.invitations.models import INCOMING
from tamis.invitations.reader import SENS, Unread, read_invitations, read_texts, unreadable
from tamis.invitations.seen import SeenIds
from tamis.triage.brief import brief_line
from tamis.triage.known import Known
from tamis.triage.parallel import (
    Done,
    Workers,
    WorkerSetup,
    decide_in_pool,
    start_pool,
)
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
from tamis.triage.repeat import Ledger, Repeats, Rerun

EXIT_REJECTED = 3
# Tally keys beside the actions: a record that is not a valid invitation, a valid one the
# engine could not decide (``--moteur durable``'s limits), one the journal had decided.
REJECTED, UNDECIDED, KNOWN = "rejetée", "non décidée", "déjà décidée"
BATCH = 256  # invitations decided, journaled in one write, then printed
PARALLEL_FROM = 256 * 1024  # bytes of input from which workers pay for their start
# Default workers at most. This process keeps ≈ 18 µs of CPU per invitation and a worker ≈ 84
# (bench/bout_en_bout.py's invitations): it could keep about four busy, but only two cores
# were there to measure it, and each one costs ≈ 10 MiB.
DEFAULT_WORKERS_AT_MOST = 2
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
    type=click.Choice(SENS),
    default=INCOMING,
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
@click.option(
    "--trace",
    is_flag=True,
    help="Ajoute la trace complète de chaque décision (formats texte et json ; dans un "
    "terminal, sans --format, --trace choisit texte).",
)
@click.option(
    "--redecider",
    is_flag=True,
    help="Décide à nouveau les invitations que le journal a déjà décidées avec la même"
    " politique et les mêmes entrées (par défaut, elles sont signalées et passées).",
)
@click.option(
    "--nouvelles",
    is_flag=True,
    help="Ne décide que les invitations dont le journal n'a aucune décision (quelle que soit"
    " la politique).",
)
@options.utc
@options.journal
@options.durabilite
@options.minimiser
@click.option(
    "--processus",
    type=click.IntRange(1, 64),
    default=None,
    metavar="N",
    help="Processus qui décident les invitations d'un fichier (ce processus-ci garde l'ordre"
    " et écrit le journal) ; par défaut, les processeurs utilisables (au plus 2), pour un"
    " fichier d'au moins 256 Kio. 1 : tout dans ce processus. Une entrée qui arrive par un tube est"
    " toujours décidée ici, ligne par ligne.",
)
@click.argument("fichier", required=False, metavar="[FICHIER|-]")
def decider(
    politique: str,
    contexte: str | None,
    moteur: str,
    parametres: tuple[str, ...],
    sens: str,
    format_: str,
    trace: bool,
    redecider: bool,
    nouvelles: bool,
    utc: bool,
    journal: str,
    durabilite: str,
    minimiser: bool,
    processus: int | None,
    fichier: str | None,
) -> None:
    """Décide chaque invitation de FICHIER (JSON, JSON Lines ou Invitations.csv de LinkedIn ;
    « - » : l'entrée standard ; rien : l'entrée standard venue d'un tube ou d'un fichier)
    selon la politique, l'inscrit au journal, puis affiche une ligne par décision.

    Une invitation que le journal a déjà décidée avec la même politique et les mêmes entrées
    (paramètres, contexte, invitation identique) est signalée « déjà décidée le … » et n'est
    pas décidée à nouveau, sauf avec --redecider ; avec --nouvelles, toute invitation déjà
    décidée (quelle que soit la politique) est passée.

    Codes de sortie : 0 toutes décidées ou déjà décidées, 1 erreur fatale, 2 usage incorrect,
    3 certaines invitations rejetées ou non décidées (signalées sur la sortie d'erreur).
    """
    rerun = rerun_mode(redecider, nouvelles)
    if fichier not in (None, "-") and same_file(fichier, journal):
        raise click.ClickException(
            f"{fichier} est le journal d'audit lui-même, pas un fichier d'invitations : donnez "
            "le fichier des invitations à décider (le journal n'a pas été touché)."
        )
    setup = setup_or_exit(politique, contexte, moteur, parametres)
    seen = SeenIds()  # the ids met: the reader's duplicates and the run's repeats share it
    size = batch_size(fichier)
    count = processes(processus, fichier, size)
    records = invitation_records(fichier, sens, seen, unread=count > 1)
    view = View(shown_format(format_, trace), trace, utc)
    with (
        tuned_for_batch(parse_engine(moteur)),
        Reporter("Décisions") as reporter,
        workers_or_none(setup, view, minimiser, count) as pool,
        journal_or_exit(journal, durabilite, minimiser, reporter) as sink,
        ledger_for(journal, rerun, reporter) as ledger,
    ):
        repeats = None
        if ledger is not None:
            repeats = Repeats(setup, ledger, rerun, minimise=minimiser, seen=seen)
        tally = run_batch(setup, records, sink, reporter, view, size, repeats, pool, seen)
    click.echo(summary(tally, rerun), err=True)
    if tally[REJECTED] or tally[UNDECIDED]:
        sys.exit(EXIT_REJECTED)


def setup_or_exit(
    politique: str,
    contexte: str | None,
    moteur: str,
    parametres: tuple[str, ...],
    nothing: str = "aucune invitation n'a été lue",
) -> Setup:
    """Load everything a run needs, or stop with a French message before reading invitations
    (``nothing`` says what was not done, for a policy that does not validate)."""
    try:
        engine = parse_engine(moteur)
        setup = prepare(SetupOptions(politique, contexte, engine, tuple(parametres)))
    except PolicyInvalid as error:
        click.echo(str(error), err=True)
        raise click.ClickException(f"politique « {politique} » inutilisable ; {nothing}.") from None
    except ParameterError as error:
        if error.in_context:  # a problem of the context file, as its other ones: code 1
            raise click.ClickException(f"{contexte} : {error}") from None
        raise click.UsageError(str(error)) from None
    except (ContextError, EngineUnavailable) as error:
        raise click.ClickException(str(error)) from None
    if setup.warnings:
        click.echo(setup.warnings, err=True)
    for warning in setup.context.warnings:  # unreadable rows of the LinkedIn exports
        click.echo(f"{setup.context.path} : avertissement : {warning}", err=True)
    return setup


def invitation_records(
    fichier: str | None, sens: str, seen: SeenIds, *, unread: bool = False
) -> Iterator[InputRecord | Unread]:
    """The reader's records from a file or stdin (the reader turns bad input into records
    with errors); an unreadable file (missing, a folder, no permission…) is a French error
    before the journal is opened, so nothing is journaled. ``unread``: JSON texts come as
    ``Unread`` (``read_texts``), for worker processes to read."""
    read = read_texts if unread else read_invitations
    if fichier is None and sys.stdin.isatty():
        raise click.UsageError("donnez un FICHIER d'invitations, ou « - » pour l'entrée standard.")
    if fichier in (None, "-"):
        stdin = getattr(sys.stdin, "buffer", sys.stdin)
        return read(stdin, name=STDIN_NAME, sens=sens, seen=seen)
    problem = unreadable(fichier)
    if problem is not None:
        raise click.ClickException(f"{fichier} : fichier d'invitations illisible : {problem}")
    return read(fichier, name=fichier, sens=sens, seen=seen)


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


def rerun_mode(redecider: bool, nouvelles: bool) -> Rerun:
    if redecider and nouvelles:
        raise click.UsageError(
            "--redecider et --nouvelles s'excluent : l'un décide tout à nouveau, l'autre ne "
            "décide que les invitations jamais vues."
        )
    return Rerun.ALL if redecider else Rerun.NEW if nouvelles else Rerun.CHANGED


@contextlib.contextmanager
def ledger_for(journal: str, rerun: Rerun, reporter: Reporter) -> Iterator[Ledger | None]:
    """What the journal has decided (None with ``--redecider``: nothing is looked up)."""
    if rerun is Rerun.ALL:
        yield None
        return
    from tamis.audit.seen import open_ledger

    def warn(message: str) -> None:
        reporter.note(f"avertissement : {message}")

    with open_ledger(journal, warn) as ledger:
        yield ledger


def processes(given: int | None, fichier: str | None, size: int) -> int:
    """Worker processes for this run; 1: everything here. Given: as given, for a file (a
    pipe is decided line by line here). Else the usable processors, at most
    ``DEFAULT_WORKERS_AT_MOST``, for a file of at least ``PARALLEL_FROM`` bytes (a small one
    is decided before workers would have started)."""
    if size == 1:
        return 1
    if given is not None:
        return given
    try:
        length = os.stat(fichier).st_size if fichier not in (None, "-") else None
        if length is None:
            length = os.fstat(sys.stdin.fileno()).st_size
    except (OSError, ValueError, io.UnsupportedOperation):
        return 1
    return min(workers(), DEFAULT_WORKERS_AT_MOST) if length >= PARALLEL_FROM else 1


@contextlib.contextmanager
def workers_or_none(
    setup: Setup, view: View, minimise: bool, count: int
) -> Iterator[Workers | None]:
    """The started worker processes (None for 1); entered before the journal, whose sync
    thread must not be running when they are forked. A worker that dies is a French error."""
    if count < 2:
        yield None
        return
    from tamis.processes.workers import WorkerStopped  # a small input never imports it

    state = WorkerSetup(setup, functools.partial(render_outcome, view=view), minimise)
    try:
        with start_pool(count, state) as pool:
            yield pool
    except WorkerStopped:
        raise click.ClickException(
            "un processus de décision s'est arrêté (tué, ou mémoire insuffisante ?) : la suite"
            " n'a pas été décidée. Les décisions affichées sont au journal ; relancez la"
            " commande pour décider les autres (--processus 1 : sans processus auxiliaires)."
        ) from None


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


class View(NamedTuple):
    """How decisions are printed: ``format_`` (court, texte, json), ``trace``, ``utc``."""

    format_: str
    trace: bool = False
    utc: bool = False


def run_batch(
    setup: Setup,
    records: Iterator[InputRecord | Unread],
    sink: Journal,
    reporter: Reporter,
    view: View,
    size: int,
    repeats: Repeats | None = None,
    pool: Workers | None = None,
    seen: SeenIds | None = None,
) -> Counter:
    """Decide, journal and print each record, ``size`` at a time (those ``repeats`` sets
    apart are printed as already decided); report rejected ones on stderr.

    Each batch's lines are printed in one write of bytes (a JSON line is orjson's bytes as
    they are); a record with a note flushes the lines before it, so stdout and stderr keep
    the input's order."""
    tally: Counter = Counter({REJECTED: 0, UNDECIDED: 0, KNOWN: 0})
    if pool is None:
        batches = decide_batches(setup, records, sink, batch_size=size, triage=repeats)  # type: ignore[arg-type]
    else:
        seen = seen if seen is not None else SeenIds()
        batches = decide_in_pool(pool, records, sink, batch_size=size, seen=seen, triage=repeats)
    for batch in batches:
        lines: list[bytes] = []
        for outcome in batch:
            if type(outcome) is Done and not outcome.warnings:  # the usual one, printed already
                lines.append(outcome.line)
                tally[outcome.action] += 1
                continue
            if outcome.warnings or type(outcome) is Rejected:
                flush_lines(lines)
                for note in outcome_notes(outcome):
                    reporter.note(note)
            if type(outcome) is not Rejected:
                lines.append(render(outcome, view))
            tally[_tally_key(outcome)] += 1
        flush_lines(lines)
        reporter.advance(len(batch))
    return tally


def outcome_notes(outcome: Outcome) -> list[str]:
    """The stderr lines of one outcome: its warnings, then (rejected) its errors."""
    notes = [f"{outcome.location}: avertissement : {w}" for w in outcome.warnings]
    if isinstance(outcome, Rejected):
        notes += [f"{outcome.location}: erreur : {error}" for error in outcome.errors]
    return notes


def flush_lines(lines: list[bytes]) -> None:
    """Print the pending output lines in one write (``click.echo`` flushes each call; given
    bytes, it writes them to the binary stream as they are)."""
    if lines:
        click.echo(b"\n".join(lines))
        lines.clear()


def _tally_key(outcome: Outcome | Done) -> str:
    if type(outcome) is Decided:
        return outcome.decision.action.value
    if type(outcome) is Done:
        return outcome.action
    if type(outcome) is Known:
        return KNOWN
    return UNDECIDED if outcome.undecided else REJECTED  # type: ignore[union-attr]


def shown_format(format_: str | None, trace: bool) -> str:
    """``--format``, else court in a terminal (texte with ``--trace``: the one-line form has
    no room for a trace, which it used to drop without a word), json elsewhere."""
    if format_ == "court" and trace:
        raise click.UsageError(
            "--trace ne s'affiche pas en format court (une ligne par invitation) : choisissez "
            "--format texte ou --format json."
        )
    if format_ is not None:
        return format_
    if not sys.stdout.isatty():
        return "json"
    return "texte" if trace else "court"


def render(outcome: Decided | Known | Done, view: View) -> bytes:
    """The printed line (UTF-8) of a decided or known invitation (a worker printed it
    already for ``Done``)."""
    if type(outcome) is Decided:
        return render_outcome(outcome, view)
    if type(outcome) is Done:
        return outcome.line
    return render_known(outcome, view)


def render_outcome(outcome: Decided, view: View) -> bytes:
    if view.format_ == "court":
        return safe(brief_line(outcome)).encode()
    if view.format_ == "texte":
        return safe_lines(result_text(outcome, trace=view.trace)).encode()
    return orjson.dumps(result_json(outcome, trace=view.trace))


def render_known(known: Known, view: View) -> bytes:
    if view.format_ == "court":
        return known_court(known, utc=view.utc).encode()
    if view.format_ == "texte":
        return known_texte(known, utc=view.utc).encode()
    return orjson.dumps(known_json(known))


def summary(tally: Counter, rerun: Rerun = Rerun.CHANGED) -> str:
    """« 3 invitation(s) décidée(s) (accepter 1, refuser 2), 5 déjà décidée(s) …, 1 non
    décidée(s) par le moteur « durable », 2 rejetée(s). »: an invitation the engine could not
    decide was valid, and is not counted among the rejected ones."""
    rejected, undecided, known = tally[REJECTED], tally[UNDECIDED], tally[KNOWN]
    others = (REJECTED, UNDECIDED, KNOWN)
    decided = {action: n for action, n in tally.items() if action not in others and n}
    total = sum(decided.values())
    details = ", ".join(f"{action} {number(n)}" for action, n in sorted(decided.items()))
    text = f"{number(total)} invitation(s) décidée(s)" + (f" ({details})" if details else "")
    if known:
        text += f", {number(known)} déjà décidée(s), non redécidée(s){HINTS[rerun]}"
    if undecided:
        text += f", {number(undecided)} non décidée(s) par le moteur « durable »"
    return text + (f", {number(rejected)} rejetée(s)." if rejected else ".")
