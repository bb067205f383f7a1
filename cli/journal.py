"""``tamis journal …``: ask the audit journal why, search it, count, verify, export.

Thin commands over ``tamis.audit`` (``why``, ``queries``, ``stats``, ``verify``): all but
``verifier`` first ask the journal's query index (``--sans-index``: never), else stream the
journal (``chercher``, ``stats`` and ``verifier`` on every core for a large one); every one
takes ``--journal CHEMIN`` (``$TAMIS_JOURNAL``, default ``tamis-journal.jsonl``), reports a
torn last line on stderr, turns ``JournalError`` into a French error (exit 1) and a bad filter
value into a usage error (exit 2).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any, TextIO

import click
import orjson
from rich import box
from rich.console import Console
from rich.table import Table

from tamis.audit import queries, why
from tamis.audit.csvsafe import write_csv
from tamis.audit.errors import JournalError, os_reason
from tamis.audit.filters import FilterError
from tamis.audit.reader import check_first_line
from tamis.audit.stats import PERIODS, Stats
from tamis.audit.verify import verify_journal
from tamis.cli import options
from tamis.cli.main import LazyGroup
from tamis.cli.options import warn

_COLORS = {
    "accepter": "green",
    "refuser": "red",
    "ignorer": "blue",
    "signaler": "magenta",
    "examiner": "yellow",
}
_CHUNK = 200  # table rows rendered at a time: memory stays flat however many match


@contextlib.contextmanager
def journal_errors() -> Iterator[None]:
    try:
        yield
    except JournalError as error:
        raise click.ClickException(str(error)) from None
    except FilterError as error:  # a filter built inside a command (pourquoi's ID)
        raise click.UsageError(options.filter_message(error)) from None


# the commands that write the journal or its seals, each in a module of its own (loaded when run)
LATER = {"sceller": "tamis.cli.sceau:sceller"}


@click.group("journal", cls=LazyGroup, lazy=LATER, subcommand_metavar="COMMANDE [ARGUMENTS]...")
def journal() -> None:
    """Interroge le journal d'audit : pourquoi, chercher, stats, verifier, exporter, sceller."""


@journal.command()
@click.argument("identifiant", metavar="ID")
@options.journal
@options.format_(("texte", "json"), "texte")
@options.sans_index
def pourquoi(identifiant: str, journal: str, format_: str, sans_index: bool) -> None:
    """Explique en détail la ou les décisions prises pour l'invitation ID, à partir du journal
    seul : règle et motif avec le texte de la règle tel qu'enregistré, valeur de chaque
    condition, faits dérivés, règles aussi vraies et pourquoi elles ont été écartées."""
    with journal_errors():
        found = why.find_decisions(journal, identifiant, warn, index=not sans_index)
    if not found:
        raise click.ClickException(
            f"aucune décision pour l'invitation « {identifiant} » dans {journal}."
        )
    for index, item in enumerate(found):
        data = why.explanation(item)
        if format_ == "json":
            click.echo(orjson.dumps(data).decode())
            continue
        click.echo(("\n" if index else "") + "\n".join(why.explanation_lines(data)))


@journal.command()
@options.journal
@options.filters
@options.format_(("table", "json", "csv"), "table")
@click.option("--limite", type=click.IntRange(min=1), metavar="N", help="Au plus N décisions.")
@options.sans_index
def chercher(journal: str, format_: str, limite: int | None, sans_index: bool, **kw: Any) -> None:
    """Liste les décisions qui correspondent à tous les filtres donnés (la plus ancienne
    d'abord) : tableau, JSON (un objet par ligne) ou CSV."""
    flt = options.build_filter(kw)
    with journal_errors():
        rows = queries.search(journal, flt, warn, index=not sans_index)
        count = emit_rows(itertools.islice(rows, limite), format_, sys.stdout)
    click.echo(f"{count} décision(s) trouvée(s).", err=True)


def emit_rows(rows: Iterable[dict], format_: str, stream: TextIO) -> int:
    if format_ == "csv":
        return write_csv(stream, queries.SUMMARY_COLUMNS, rows)
    if format_ == "json":
        return sum(1 for row in rows if stream.write(orjson.dumps(row).decode() + "\n"))
    return print_table(rows)


def print_table(rows: Iterable[dict]) -> int:
    """Rows in chunks of fixed-width tables (rich needs every row of a table at once)."""
    console, count = Console(width=max(Console().width, 150)), 0
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, _CHUNK)):
        console.print(_table(chunk, header=count == 0))
        count += len(chunk)
    if not count:
        console.print("Aucune décision ne correspond.")
    return count


def _table(rows: list[dict], *, header: bool) -> Table:
    table = Table(box=box.SIMPLE_HEAD if header else None, show_header=header, show_edge=False)
    widths = {
        "N°": 8,
        "Date (UTC)": 19,
        "Invitation": 16,
        "Expéditeur": 22,
        "Décision": 9,
        "Règle": 16,
        "Motif": 40,
    }
    for title, width in widths.items():
        table.add_column(title, width=width, no_wrap=True, overflow="ellipsis")
    for row in rows:
        decision = row["decision"] or ""
        table.add_row(
            str(row["seq"]),
            row["horodatage"][:19].replace("T", " "),
            str(row["id"]),
            row["expediteur"] or "",
            f"[{_COLORS.get(decision, 'white')}]{decision}[/]",
            row["regle"] or "",
            row["motif"] or "",
        )
    return table


@journal.command()
@options.journal
@options.filters
@click.option(
    "--par",
    type=click.Choice(PERIODS),
    default="jour",
    show_default=True,
    help="Regroupement dans le temps du graphique.",
)
@options.format_(("texte", "json"), "texte")
@options.sans_index
def stats(journal: str, par: str, format_: str, sans_index: bool, **kw: Any) -> None:
    """Compte les décisions choisies par décision, par règle décisive, par fait et par jour
    ou semaine, avec un petit graphique des décisions dans le temps."""
    flt = options.build_filter(kw)
    with journal_errors():
        result = queries.journal_stats(journal, flt, par, warn, index=not sans_index)
    if format_ == "json":
        click.echo(orjson.dumps(result.as_dict()).decode())
        return
    print_stats(result, Console())


def print_stats(result: Stats, console: Console) -> None:
    if not result.total:
        console.print("Aucune décision ne correspond.")
        return
    console.print(f"{result.total} décision(s) du {result.first[:10]} au {result.last[:10]} (UTC)")
    console.print(
        _count_table(
            "Par décision",
            ["Décision"],
            ((d,) for d in result.by_decision),
            result.by_decision.values(),
            result.total,
        )
    )
    rules = result.by_rule.most_common()
    console.print(
        _count_table(
            "Par règle décisive",
            ["Règle", "Décision"],
            (k for k, _ in rules),
            (n for _, n in rules),
            result.total,
        )
    )
    console.print(_fact_table(result))
    console.print(_chart(result))


def _count_table(
    title: str, heads: list[str], keys: Iterable[tuple], counts: Iterable[int], total: int
) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    for head in heads:
        table.add_column(head)
    table.add_column("Nombre", justify="right")
    table.add_column("%", justify="right")
    for key, count in zip(keys, counts, strict=True):
        table.add_row(*(str(k) for k in key), str(count), f"{100 * count / total:.1f}")
    return table


def _fact_table(result: Stats) -> Table:
    table = Table(
        title="Par fait (décisions où il valait…)", box=box.SIMPLE_HEAD, title_justify="left"
    )
    for head in ("Fait", "vrai", "faux", "inconnu"):
        table.add_column(head, justify="left" if head == "Fait" else "right")
    for name, counts in sorted(result.by_fact.items()):
        table.add_row(name, *(str(counts.get(w, 0)) for w in ("vrai", "faux", "inconnu")))
    return table


def _chart(result: Stats, width: int = 40) -> Table:
    """One bar per period, one colour per decision, scaled to the busiest period."""
    table = Table(title="Décisions dans le temps", box=None, title_justify="left")
    for head in ("Période", "Décisions", "Total"):
        table.add_column(head, justify="right" if head == "Total" else "left")
    busiest = max(sum(c.values()) for c in result.by_period.values())
    for period, counts in sorted(result.by_period.items()):
        bar = "".join(
            f"[{_COLORS.get(d, 'white')}]{'█' * round(width * n / busiest)}[/]"
            for d, n in sorted(counts.items())
        )
        table.add_row(period, bar, str(sum(counts.values())))
    legend = "  ".join(f"[{c}]█[/] {d}" for d, c in _COLORS.items())
    table.caption = legend
    return table


@journal.command()
@options.journal
@click.option(
    "--sceau",
    metavar="FICHIER",
    default=None,
    help="Vérifie aussi les sceaux de ce fichier (tamis journal sceller) : signatures, et "
    "chaque enregistrement scellé toujours présent.",
)
@click.option(
    "--cle", metavar="FICHIER", default=None, help="Clé du journal (défaut : <journal>.cle.pem)."
)
@click.option(
    "--cle-publique",
    "cle_publique",
    metavar="HEX",
    default=None,
    help="Clé publique notée au premier sceau, au lieu du fichier de clé.",
)
def verifier(journal: str, sceau: str | None, cle: str | None, cle_publique: str | None) -> None:
    """Vérifie toute la chaîne d'empreintes et la numérotation ; affiche OK et le nombre
    d'enregistrements, ou le premier enregistrement altéré (modifié, supprimé, déplacé,
    tronqué) avec sa ligne, et sort avec le code 1. Avec --sceau, vérifie aussi que le
    journal contient toujours chaque tête scellée, sous une signature valide."""
    with journal_errors():
        result = verify_journal(journal)
    sealed = None
    if sceau is not None:
        from tamis.cli.sceau import seal_report  # loads cryptography only when asked

        sealed = seal_report(journal, sceau, cle, cle_publique)
    if result.problem is not None:
        click.echo(f"ÉCHEC : {journal}:{result.problem.message}")
        if sealed is not None:
            click.echo(sealed)
        sys.exit(1)
    click.echo(
        f"OK : {result.count} enregistrement(s) vérifié(s), chaîne intacte "
        f"(dernier : n° {result.last_seq}, empreinte {result.last_digest})."
    )
    if result.rewritten:
        warn(
            f"{journal}:{result.first_rewritten} : {result.rewritten} enregistrement(s) "
            "intact(s) mais réécrit(s) par un autre programme que tamis (espaces, ordre des "
            "clés ou échappements), le premier à cette ligne ; les recherches sans l'index "
            "(--sans-index) peuvent les manquer, l'index les lit."
        )
    if sealed is not None:
        click.echo(sealed)
        if sealed.startswith("ÉCHEC"):
            sys.exit(1)


@journal.command()
@options.journal
@options.filters
@options.format_(("jsonl", "csv"), "jsonl")
@click.option(
    "--sortie",
    "-o",
    metavar="FICHIER",
    default="-",
    show_default=True,
    help="Fichier à écrire (créé en mode 0600) ; « - » : la sortie standard.",
)
@options.sans_index
def exporter(journal: str, format_: str, sortie: str, sans_index: bool, **kw: Any) -> None:
    """Exporte les décisions choisies en JSON Lines (enregistrements complets, tels
    qu'au journal) ou en CSV pour un tableur (cellules protégées contre les formules)."""
    flt = options.build_filter(kw)
    with journal_errors():
        check_first_line(journal)  # a missing or foreign journal touches no output file
    with journal_errors(), output(sortie, journal) as stream:
        records = queries.select(journal, flt, warn, index=not sans_index)
        if format_ == "csv":
            count = write_csv(stream, queries.EXPORT_COLUMNS, map(queries.export_row, records))
        else:
            count = sum(1 for _ in map(stream.write, (_jsonl(r) for r in records)))
    click.echo(f"{count} décision(s) exportée(s).", err=True)


def _jsonl(record: dict) -> str:
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode() + "\n"


@contextlib.contextmanager
def output(path: str, journal: str) -> Iterator[TextIO]:
    """The export's stream: standard output, or a private (0600) temporary file beside
    ``path`` that replaces it only once the export is complete (an error leaves ``path`` as
    it was and nothing behind)."""
    if path == "-":
        yield sys.stdout
        return
    refuse_journal(path, journal)
    fd, temporary = _temporary(path)
    try:
        with open(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(temporary, path)
    except OSError as error:
        _discard(temporary)
        raise click.ClickException(f"impossible d'écrire {path} : {os_reason(error)}.") from None
    except BaseException:
        _discard(temporary)
        raise


def refuse_journal(path: str, journal: str) -> None:
    """Exporting over the journal itself would destroy it: refused."""
    with contextlib.suppress(OSError):
        if os.path.samefile(path, journal):
            raise click.ClickException(
                f"{path} est le journal lui-même : l'exporter dessus l'effacerait ; "
                "choisissez un autre fichier de sortie."
            )


def _temporary(path: str) -> tuple[int, str]:
    folder, name = os.path.split(os.path.abspath(path))
    try:
        return tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        missing = error.errno == errno.ENOENT
        reason = f"dossier {folder} introuvable" if missing else os_reason(error)
        raise click.ClickException(f"impossible d'écrire {path} : {reason}.") from None


def _discard(temporary: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(temporary)
