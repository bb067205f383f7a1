"""``tamis journal conseils``: the advice the journal holds (``tamis conseiller``, the service),
listed apart from the decisions, which ``chercher``, ``stats`` and ``pourquoi`` show alone.

A thin command over ``tamis.audit.advice_log``: a table (local time, terminal-safe text), one
JSON object per advice, or the whole records as JSON Lines (what ``exporter`` is for
decisions). The count goes to stderr.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable
from typing import Any

import click
import orjson
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tamis.audit import advice_log
from tamis.audit.csvsafe import write_csv
from tamis.audit.filters import parse_filter
from tamis.cli import human, options
from tamis.cli.journal import journal_errors
from tamis.cli.options import warn
from tamis.outreach.findings import Verdict

_CHUNK = 200
_COLUMNS = (  # (key, title, width, or None: what is left); 80 columns with the gaps
    ("seq", "N°", 6),
    ("horodatage", "Date", 10),  # local (--utc: UTC); the day, then the time below it
    ("id", "Conseil", 24),
    ("destinataire", "À", None),
    ("verdict", "Verdict", 11),
    ("constats", "Constats", 9),
)


@click.command("conseils", short_help="Liste les conseils inscrits au journal.")
@options.journal
@click.option(
    "--expediteur",
    "--destinataire",
    "destinataire",
    metavar="NOM|URL",
    help="Nom ou adresse de profil du destinataire (partie du texte, sans égard à la casse).",
)
@click.option(
    "--verdict",
    "verdicts",
    multiple=True,
    type=click.Choice([v.value for v in Verdict]),
    help="Verdict du conseil (répétable).",
)
@click.option(
    "--depuis",
    metavar="DATE",
    help="Conseils à partir de DATE (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM, UTC).",
)
@click.option(
    "--jusqu-a",
    "jusqu_a",
    metavar="DATE",
    help="Jusqu'à DATE incluse (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM, UTC).",
)
@options.format_(("table", "json", "jsonl", "csv"), "table")
@options.excel
@click.option("--limite", type=click.IntRange(min=1), metavar="N", help="Au plus N conseils.")
@options.utc
def conseils(
    journal: str, format_: str, excel: bool, limite: int | None, utc: bool, **kw: Any
) -> None:
    """Liste les conseils inscrits au journal (tamis conseiller, POST …/conseils), jamais
    mêlés aux décisions : tableau (heure locale), JSON (un objet par conseil : numéro, date,
    identifiant, destinataire, verdict, codes des constats), CSV pour un tableur (cellules
    protégées contre les formules ; --excel : pour Excel en français) ou JSON Lines (les
    enregistrements complets, tels qu'au journal)."""
    excel = options.excel_csv(format_, excel)
    flt = advice_filter(kw)
    with journal_errors():
        advice_log.require_readable(journal)
        records = itertools.islice(advice_log.select(journal, flt, warn), limite)
        count = emit(records, format_, utc=utc, excel=excel)
    click.echo(f"{human.number(count)} conseil(s) trouvé(s).", err=True)


def advice_filter(kw: dict[str, Any]) -> advice_log.AdviceFilter:
    """The options as an ``AdviceFilter`` (a bad date is a usage error naming its option)."""
    from tamis.audit.filters import FilterError

    try:
        sender = options.sender_given(kw["destinataire"])
        period = parse_filter(sender=sender, since=kw["depuis"], until=kw["jusqu_a"])
    except FilterError as error:
        raise click.UsageError(options.filter_message(error)) from None
    return advice_log.AdviceFilter(period, frozenset(kw["verdicts"]))


def emit(records: Iterable[dict], format_: str, *, utc: bool, excel: bool = False) -> int:
    if format_ == "jsonl":
        dumps = orjson.dumps
        return sum(1 for r in records if sys.stdout.write(dumps(r, option=_SORTED).decode() + "\n"))
    rows = map(advice_log.summary, records)
    if format_ == "csv":
        csv_rows = map(advice_log.csv_row, rows)
        return write_csv(sys.stdout, advice_log.CSV_COLUMNS, csv_rows, excel=excel)
    if format_ == "json":
        return sum(1 for row in rows if sys.stdout.write(orjson.dumps(row).decode() + "\n"))
    return print_table(rows, utc=utc)


_SORTED = orjson.OPT_SORT_KEYS


def print_table(rows: Iterable[dict], *, utc: bool) -> int:
    console, count = Console(highlight=False), 0
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, _CHUNK)):
        console.print(_table(chunk, header=count == 0, utc=utc))
        count += len(chunk)
    if not count:
        console.print("Aucun conseil ne correspond.")
    return count


def _table(rows: list[dict], *, header: bool, utc: bool) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD if header else None,
        show_header=header,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for key, title, width in _COLUMNS:
        if key == "horodatage" and utc:
            title = "Date (UTC)"
        table.add_column(title, width=width, min_width=10 if width is None else None,
                         overflow="fold")  # fmt: skip
    for row in rows:
        table.add_row(*(_cell(row, key, utc) for key, _t, _w in _COLUMNS))
    return table


def _cell(row: dict, key: str, utc: bool) -> Text:
    """Plain, terminal-safe text (the recipient's name comes from the user's draft)."""
    value = row.get(key)
    if key == "horodatage":
        return Text(human.when(value, utc=utc, seconds=False))
    if key == "constats":
        return Text(" ".join(value) or "—")
    if key == "destinataire" and "effacement" in row:
        return Text(f"(effacé le {human.when(row['effacement']['le'], utc=utc, seconds=False)})")
    return Text(human.safe("" if value is None else value))
