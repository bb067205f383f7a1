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
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple, TextIO

import click
import orjson
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tamis.audit import queries, why
from tamis.audit.advice import ID_PREFIX as ADVICE_PREFIX
from tamis.audit.csvsafe import write_csv
from tamis.audit.errors import JournalError, os_reason
from tamis.audit.filters import FilterError, Json, Sender
from tamis.audit.postgres.backend import search_any, shown, stats_any, verify_any
from tamis.audit.postgres.url import is_url as postgres_url
from tamis.audit.reader import check_first_line
from tamis.audit.stats import PERIODS, Stats
from tamis.cli import french, human, options
from tamis.cli.main import LazyGroup
from tamis.cli.options import warn
from tamis.cli.paths import same_file
from tamis.cli.why_text import explanation_lines
from tamis.invitations.models import OUTGOING
from tamis.triage.rule_names import json_warnings

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
        raise click.ClickException(options.journal_message(error)) from None
    except FilterError as error:  # a filter built inside a command (pourquoi's ID)
        raise click.UsageError(options.filter_message(error)) from None


# the commands that write the journal or its seals, or test files, each in a module of its own
# (loaded when run)
LATER = {
    "sceller": "tamis.cli.sceau:sceller",
    "effacer": "tamis.cli.effacer:effacer",
    "purger": "tamis.cli.effacer:purger",
    "migrer": "tamis.cli.migrer:migrer",
    "figer": "tamis.cli.figer:figer",
    "initialiser": "tamis.cli.journal_postgresql:initialiser",
    "copier": "tamis.cli.journal_postgresql:copier",
    "conseils": "tamis.cli.conseils:conseils",
}


@click.group(
    "journal",
    cls=LazyGroup,
    lazy=LATER,
    subcommand_metavar=french.SUBCOMMANDS,
    short_help="Interroge et entretient le journal d'audit.",
)
def journal() -> None:
    """Interroge le journal d'audit (pourquoi, chercher, stats, exporter, conseils, figer) et
    l'entretient : verifier, sceller, effacer, purger, migrer ; initialiser et copier pour
    PostgreSQL."""


@journal.command(short_help="Explique pourquoi une invitation a été décidée ainsi.")
@click.argument("identifiant", metavar="ID|EXPÉDITEUR")
@options.journal
@options.format_(("texte", "json"), "texte")
@options.utc
@options.sans_index
def pourquoi(identifiant: str, journal: str, format_: str, utc: bool, sans_index: bool) -> None:
    """Explique en détail la ou les décisions prises pour une invitation, à partir du journal
    seul : règle et motif avec le texte de la règle tel qu'enregistré, valeur de chaque
    condition, faits dérivés, règles aussi vraies et pourquoi elles ont été écartées.
    L'invitation est désignée par son identifiant, le début de son identifiant, ou une partie
    du nom ou de l'adresse de profil de l'autre personne (l'expéditeur d'une invitation
    reçue, le destinataire d'une demande à envoyer) ; si plusieurs invitations
    correspondent, elles sont énumérées."""
    with journal_errors():
        lookup = _look_up(journal, identifiant, sans_index)
    if lookup.candidates:
        raise click.ClickException(ambiguous(identifiant, lookup, utc=utc))
    if not lookup.found:
        raise click.ClickException(
            f"aucune décision pour l'invitation « {human.safe(identifiant)} » dans "
            f"{shown(journal)}.{_advice_hint(identifiant)}"
        )
    if lookup.designation is not why.Designation.ID:
        click.echo(designated(identifiant, lookup), err=True)
    for index, item in enumerate(lookup.found):
        data = why.explanation(item)
        if format_ == "json":
            click.echo(orjson.dumps(data).decode())
            continue
        click.echo(("\n" if index else "") + "\n".join(explanation_lines(data, utc=utc)))


def _advice_hint(identifiant: str) -> str:
    """« pourquoi » explains decisions only: an advice's id gets the command that shows it."""
    if not identifiant.startswith(ADVICE_PREFIX):
        return ""
    return (
        " Les conseils ne sont pas des décisions : tamis journal conseils --format jsonl les "
        "montre en entier."
    )


_BY = {
    why.Designation.PREFIX: "dont l'identifiant commence par",
    why.Designation.SENDER: "dont l'expéditeur correspond à",
}
_BY_RECIPIENT = "dont le destinataire correspond à"  # a request to send (``Sender.request``)
_BY_EITHER = "dont l'expéditeur ou le destinataire correspond à"


def designated(query: str, lookup: why.Lookup) -> str:
    """The stderr line that says which invitation a prefix or a sender designated: a
    request to send « à » its recipient, whom the query matched."""
    content = lookup.found[0].record["contenu"]
    recipient = Sender.request(content)
    person = Sender.person(content).shown
    who = shown_person(person, OUTGOING if recipient else None, person)
    by = _BY[lookup.designation]
    if recipient is not None and lookup.designation is why.Designation.SENDER:
        by = _BY_RECIPIENT
    return (
        f"« {human.safe(query)} » : l'invitation {human.safe(content['id'])}"
        f"{f' ({human.safe(who)})' if who else ''}, la seule {by} « {human.safe(query)} »."
    )


def ambiguous(query: str, lookup: why.Lookup, *, utc: bool) -> str:
    """The error that lists the invitations a prefix or a sender may mean."""
    shown = lookup.candidates[: why.MAX_CANDIDATES]
    by = _BY[lookup.designation]
    if lookup.designation is why.Designation.SENDER and any(
        item.sens == OUTGOING for item in lookup.candidates
    ):
        by = _BY_EITHER
    lines = [f"plusieurs invitations {by} « {human.safe(query)} » ; précisez laquelle (ID) :"]
    for item in shown:
        person = shown_person(item.sender, item.sens, item.recipient)
        sender = f"  {human.safe(person)}" if person else ""
        times = f" ({human.number(item.decisions)} décisions)" if item.decisions > 1 else ""
        when = human.when(item.horodatage, utc=utc, seconds=False)
        lines.append(
            f"  {human.safe(item.invitation)}{sender} — {human.safe(item.decision)} le "
            f"{when} {human.zone(item.horodatage, utc=utc)}{times}"
        )
    if len(lookup.candidates) > len(shown):
        lines.append(f"  … et d'autres ; les {why.MAX_CANDIDATES} premières sont affichées.")
    return "\n".join(lines)


@journal.command(short_help="Liste les décisions qui correspondent aux filtres.")
@options.journal
@options.filters
@options.format_(("table", "json", "csv"), "table")
@options.excel
@click.option("--limite", type=click.IntRange(min=1), metavar="N", help="Au plus N décisions.")
@options.utc
@options.sans_index
def chercher(
    journal: str,
    format_: str,
    excel: bool,
    limite: int | None,
    utc: bool,
    sans_index: bool,
    **kw: Any,
) -> None:
    """Liste les décisions qui correspondent à tous les filtres donnés (la plus ancienne
    d'abord) : tableau (à la largeur du terminal, heure locale), JSON (un objet par ligne)
    ou CSV (tels qu'au journal, en UTC ; --excel : pour Excel en français)."""
    excel = options.excel_csv(format_, excel)
    flt = options.build_filter(kw)
    with journal_errors():
        options.check_facts(journal, flt, index=not sans_index)
        rows = itertools.islice(search_any(journal, flt, warn, index=not sans_index), limite)
        count = emit_rows(rows, format_, sys.stdout, utc=utc, excel=excel)
        if not count:
            options.explain_nothing_found(journal, flt, index=not sans_index)
    click.echo(f"{human.number(count)} décision(s) trouvée(s).", err=True)


def emit_rows(
    rows: Iterable[dict], format_: str, stream: TextIO, *, utc: bool = False, excel: bool = False
) -> int:
    if format_ == "csv":
        return write_csv(stream, queries.SUMMARY_COLUMNS, rows, excel=excel)
    if format_ == "json":
        return sum(1 for row in rows if stream.write(orjson.dumps(row).decode() + "\n"))
    return print_table(rows, utc=utc)


def print_table(rows: Iterable[dict], *, utc: bool = False) -> int:
    """Rows in chunks of tables (rich needs every row of a table at once) whose columns are
    laid out once, from the terminal's width alone, so that the chunks line up."""
    console, count = Console(highlight=False), 0
    columns = table_columns(console.width)
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, _CHUNK)):
        console.print(_table(chunk, columns, header=count == 0, utc=utc))
        count += len(chunk)
    if not count:
        console.print("Aucune décision ne correspond.")
    return count


class Column(NamedTuple):
    key: str  # the row's key
    title: str
    width: int
    wraps: bool  # text that is folded onto more lines rather than cut


_GAP = 2  # between two columns: one space of padding, one of the (blank) divider
_FIXED = {"seq": ("N°", 7), "horodatage": ("Date", 16), "decision": ("Décision", 8)}
_FLEXIBLE = {  # (title, least width, most width: None takes what is left)
    "id": ("Invitation", 10, 16),
    "expediteur": ("Personne", 12, 28),  # ``shown_person``: the sender, or « à » a recipient
    "regle": ("Règle", 10, 24),
    "motif": ("Motif", 12, None),
}
_ORDER = ("seq", "horodatage", "id", "expediteur", "decision", "regle", "motif")
_DROPPED_FIRST = ("motif", "regle")


def table_columns(width: int) -> list[Column]:
    """The columns of ``chercher``'s table for a terminal ``width`` wide: every one when they
    fit, else without the motif, then without the rule; room left goes to the text columns."""
    flexible = dict(_FLEXIBLE)
    fixed = sum(w for _t, w in _FIXED.values())

    def needed() -> int:
        shown = len(_FIXED) + len(flexible)
        return fixed + sum(least for _t, least, _m in flexible.values()) + _GAP * (shown - 1)

    for key in _DROPPED_FIRST:
        if needed() <= width:
            break
        del flexible[key]
    spare, widths = max(width - needed(), 0), {}
    for key, (_title, least, most) in flexible.items():
        extra = spare if most is None else min(spare, most - least)
        widths[key], spare = least + extra, spare - extra
    return [
        Column(key, _FIXED[key][0], _FIXED[key][1], False)
        if key in _FIXED
        else Column(key, flexible[key][0], widths[key], True)
        for key in _ORDER
        if key in _FIXED or key in flexible
    ]


def _table(rows: list[dict], columns: list[Column], *, header: bool, utc: bool) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD if header else None,
        show_header=header,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    for column in columns:
        title = column.title
        if column.key == "horodatage":  # local times may straddle a change of offset (DST)
            title = "Date (UTC)" if utc else "Date locale"
        overflow = "fold" if column.wraps else "ellipsis"
        table.add_column(title, width=column.width, no_wrap=not column.wraps, overflow=overflow)
    for row in rows:
        table.add_row(*(_cell(row, column.key, utc) for column in columns))
    return table


def _cell(row: dict, key: str, utc: bool) -> Text:
    """One cell as plain text (never rich markup: the data comes from strangers), made safe."""
    value = row[key]
    if key == "horodatage":
        return Text(human.when(value, utc=utc, seconds=False))
    if key == "decision":
        return Text(human.safe(value or ""), style=_COLORS.get(value, "white"))
    if key == "expediteur":
        value = shown_person(value, row["sens"], row["destinataire"])
    return Text(human.safe("" if value is None else value))


def shown_person(sender: Json, sens: Json, recipient: Json) -> Json:
    """The other person of a row, as a table shows it: the sender of an invitation received;
    for a request to send (``rows.sent_to``: its sender is the user), « à » its recipient."""
    if sens != OUTGOING:
        return sender
    return f"à {recipient}" if recipient else "à un destinataire inconnu"


@journal.command(short_help="Compte les décisions par décision, règle, fait, période.")
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
@options.utc
@options.sans_index
def stats(journal: str, par: str, format_: str, utc: bool, sans_index: bool, **kw: Any) -> None:
    """Compte les décisions choisies par décision, par règle décisive, par fait et par jour
    ou semaine (de l'heure locale, ou UTC avec --utc), avec un petit graphique des
    décisions dans le temps. Chaque invitation n'est comptée qu'une fois, avec sa dernière
    décision au journal (redécidée avec --redecider ou dans une autre exécution)."""
    flt = options.build_filter(kw)
    with journal_errors():
        options.check_facts(journal, flt, index=not sans_index)
        result = stats_any(journal, flt, par, warn, local=not utc, index=not sans_index)
        notes = []
        if not result.total:
            notes = options.explain_nothing_found(journal, flt, index=not sans_index)
    if format_ == "json":
        data = {**result.as_dict(), "avertissements": json_warnings(notes)}
        click.echo(orjson.dumps(data).decode())
        return
    print_stats(result, Console(highlight=False), utc=utc)


def print_stats(result: Stats, console: Console, *, utc: bool = False) -> None:
    if not result.total:
        console.print("Aucune décision ne correspond.")
        return
    first, last = (human.day(moment, utc=utc) for moment in (result.first, result.last))
    console.print(
        Text(
            f"{human.number(result.total)} invitation(s) du {first} au {last} "
            f"({human.zone(result.last, utc=utc)}), chacune comptée une fois : sa dernière "
            "décision."
        )
    )
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
    console.print(_chart(result, console.width))


def _count_table(
    title: str, heads: list[str], keys: Iterable[tuple], counts: Iterable[int], total: int
) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    for head in heads:
        table.add_column(head, overflow="fold")
    table.add_column("Nombre", justify="right", no_wrap=True)
    table.add_column("%", justify="right", no_wrap=True)
    for key, count in zip(keys, counts, strict=True):
        cells = (Text(human.safe("" if k is None else k)) for k in key)
        table.add_row(*cells, human.number(count), human.percent(count, total))
    return table


def _fact_table(result: Stats) -> Table:
    table = Table(
        title="Par fait (décisions où il valait…)", box=box.SIMPLE_HEAD, title_justify="left"
    )
    for head in ("Fait", "vrai", "faux", "inconnu"):
        fact = head == "Fait"
        table.add_column(head, justify="left" if fact else "right", overflow="fold")
    for name, counts in sorted(result.by_fact.items()):
        numbers = (human.number(counts.get(w, 0)) for w in ("vrai", "faux", "inconnu"))
        table.add_row(Text(human.safe(name)), *numbers)
    return table


def _chart(result: Stats, width: int) -> Table:
    """One bar per period, one colour per decision, scaled to the busiest period, as wide as
    the terminal leaves room for (40 columns at most)."""
    table = Table(title="Décisions dans le temps", box=None, title_justify="left")
    for head in ("Période", "Décisions", "Total"):
        table.add_column(head, justify="right" if head == "Total" else "left", no_wrap=True)
    totals = {period: sum(counts.values()) for period, counts in result.by_period.items()}
    busiest, widest = max(totals.values()), max(len(human.number(n)) for n in totals.values())
    room = max(min(40, width - 10 - widest - 6), 5)  # period, total and the gaps between
    for period, counts in sorted(result.by_period.items()):
        bar = Text()
        for decision, n in sorted(counts.items()):
            bar.append("█" * round(room * n / busiest), style=_COLORS.get(decision, "white"))
        table.add_row(period, bar, human.number(totals[period]))
    legend = Text("  ").join(
        Text.assemble(("█", colour), f" {decision}") for decision, colour in _COLORS.items()
    )
    table.caption = legend
    return table


@journal.command(short_help="Vérifie la chaîne d'empreintes et la numérotation.")
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
@click.option(
    "--contenu",
    is_flag=True,
    help="Vérifie aussi que chaque enregistrement scellé est lisible (du JSON au format d'un "
    "enregistrement) : environ deux fois plus long pour un fichier. Pour PostgreSQL, tamis "
    "calcule alors lui-même chaque empreinte (sinon, le serveur) et vérifie aussi chaque "
    "colonne copiée du contenu (celles que lisent chercher, stats et pourquoi).",
)
def verifier(
    journal: str, sceau: str | None, cle: str | None, cle_publique: str | None, contenu: bool
) -> None:
    """Vérifie toute la chaîne d'empreintes et la numérotation ; affiche OK et le nombre
    d'enregistrements, ou le premier enregistrement altéré (modifié, supprimé, déplacé,
    tronqué) avec sa ligne, et sort avec le code 1. Avec --sceau, vérifie aussi que le
    journal contient toujours chaque tête scellée, sous une signature valide ; avec
    --contenu, que chaque enregistrement scellé est lisible."""
    with journal_errors():
        result = verify_any(journal, contents=contenu)
    sealed = None
    if sceau is not None:
        from tamis.cli.sceau import seal_report  # loads cryptography only when asked

        sealed = seal_report(journal, sceau, cle, cle_publique)
    if result.problem is not None and result.problem.empty:
        _say_empty(journal, sealed)
    if result.problem is not None:
        where = f"{shown(journal)} : " if postgres_url(journal) else f"{journal}:"
        click.echo(f"ÉCHEC : {where}{result.problem.message}")
        if sealed is not None:
            click.echo(sealed)
        sys.exit(1)
    click.echo(
        f"OK : {human.number(result.count)} enregistrement(s) vérifié(s), chaîne intacte "
        f"(dernier : n° {result.last_seq}, empreinte {result.last_digest})."
    )
    decisions = result.erased - result.erased_advice
    if decisions:
        click.echo(
            f"{decisions} décision(s) aux données personnelles effacées (effacements vérifiés)."
        )
    if result.erased_advice:
        click.echo(
            f"{result.erased_advice} conseil(s) aux données personnelles effacées (effacements "
            "vérifiés)."
        )
    if result.rewritten:
        warn(
            f"{journal}:{result.first_rewritten} : {human.number(result.rewritten)} "
            "enregistrement(s) intact(s) mais réécrit(s) par un autre programme que tamis "
            "(espaces, ordre des clés ou échappements), le premier à cette ligne ; les "
            "recherches sans l'index (--sans-index) peuvent les manquer, l'index les lit."
        )
    if sealed is not None:
        click.echo(sealed)
        if sealed.startswith("ÉCHEC"):
            sys.exit(1)


EXIT_EMPTY = 3
"""``verifier`` on a journal without any record: nothing damaged, nothing verified."""


def _say_empty(journal: str, sealed: str | None) -> None:
    """A journal not written yet (just initialised, or an empty file): said as such, not
    as damage, exit 3; 1 if its seals name records it no longer holds."""
    click.echo(
        f"VIDE : {shown(journal)} : aucun enregistrement encore, rien à vérifier ; la première "
        "décision ou le premier conseil inscrit y mettra l'enregistrement « ouverture »."
    )
    if sealed is not None:
        click.echo(sealed)
        if sealed.startswith("ÉCHEC"):
            sys.exit(1)
    sys.exit(EXIT_EMPTY)


@journal.command(short_help="Exporte des décisions en JSON Lines ou en CSV.")
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
    callback=options.given_path("un fichier, ou « - » pour la sortie standard"),
)
@options.excel
@options.sans_index
def exporter(
    journal: str, format_: str, sortie: str, excel: bool, sans_index: bool, **kw: Any
) -> None:
    """Exporte les décisions choisies en JSON Lines (enregistrements complets, tels
    qu'au journal) ou en CSV pour un tableur (cellules protégées contre les formules ;
    --excel : pour Excel en français)."""
    excel = options.excel_csv(format_, excel)
    flt = options.build_filter(kw)
    with journal_errors():
        chosen = _chosen(journal, flt, sans_index)
        options.check_facts(journal, flt, index=not sans_index)
    with journal_errors(), output(sortie, journal) as stream:
        records = chosen()
        if format_ == "csv":
            rows = map(queries.export_row, records)
            count = write_csv(stream, queries.EXPORT_COLUMNS, rows, excel=excel)
        else:
            count = sum(1 for _ in map(stream.write, (_jsonl(r) for r in records)))
    if not count:
        with journal_errors():
            options.explain_nothing_found(journal, flt, index=not sans_index)
    click.echo(f"{human.number(count)} décision(s) exportée(s).", err=True)


def _look_up(journal: str, identifiant: str, sans_index: bool) -> why.Lookup:
    """``pourquoi``'s invitation: a file's through its index or scan, PostgreSQL's by SQL."""
    if not postgres_url(journal):
        return why.look_up(journal, identifiant, warn, index=not sans_index)
    from tamis.audit.postgres import query

    return query.look_up(journal, identifiant, warn)


def _chosen(journal: str, flt: Any, sans_index: bool) -> Callable[[], Iterable[dict]]:
    """What ``exporter`` reads: the journal checked first (a missing, foreign or unreachable
    journal touches no output file), then its records chosen by ``flt``."""
    if not postgres_url(journal):
        check_first_line(journal)
        return lambda: queries.select(journal, flt, warn, index=not sans_index)
    from tamis.audit.postgres import query

    query.check(journal)
    return lambda: query.select(journal, flt, warn)


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
    if same_file(path, journal):
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
