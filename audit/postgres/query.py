"""Decision records chosen by a ``filters.Filter``, from a PostgreSQL journal.

The SQL narrows on the indexed columns (event, decision, invitation id or its start, period:
compared byte by byte, ``COLLATE "C"``, as the file's readers compare them) and, for one rule,
on the bytes the file's scan looks for in ``contenu``; the rows stream through a server-side
cursor in ``seq`` order, and ``Filter.matches`` (the one owner of what a filter means) has the
last word on each record. ``chercher`` (``search``) reads ranges of rows on every core for a
long journal, as a file's scan does. A record whose digest no longer matches its content is
still shown as the journal holds it, with a French warning, like a file's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import NamedTuple

import orjson
import psycopg

from tamis.audit import layout, why
from tamis.audit.chain import parse_record
from tamis.audit.errors import JournalError
from tamis.audit.filters import Filter
from tamis.audit.postgres import read, rows, schema
from tamis.audit.postgres import url as urls
from tamis.audit.queries import parse_filter, summary
from tamis.audit.verify import sealed

_FETCH = 2000
LATEST = (
    f"seq IN (SELECT max(seq) FROM {schema.TABLE} WHERE evenement = 'decision'"
    " GROUP BY id_invitation)"
)  # ``Filter.latest``: each invitation's latest decision


def where(flt: Filter) -> tuple[str, list]:
    """The SQL condition that keeps every record ``flt`` may match, and its parameters."""
    parts, params = ["evenement = 'decision'"], []
    if flt.decisions:
        parts.append("decision = ANY(%s)")
        params.append(sorted(flt.decisions))
    if flt.invitation is not None:
        parts.append('id_invitation COLLATE "C" = %s')
        params.append(flt.invitation)
    if flt.invitation_prefix:
        parts.append('id_invitation COLLATE "C" LIKE %s')
        params.append(_escaped(flt.invitation_prefix) + "%")
    if flt.latest:
        parts.append(LATEST)
    if len(flt.rules) == 1:  # the bytes the file's scan looks for (``queries._needles``)
        parts.append("strpos(contenu, %s) > 0")
        params.append(layout.member(b"regle", next(iter(flt.rules)), b"resolution").decode())
    if flt.since is not None:
        parts.append('horodatage COLLATE "C" >= %s')
        params.append(flt.since)
    if flt.until is not None:
        parts.append('horodatage COLLATE "C" < %s')
        params.append(flt.until)
    return " AND ".join(parts), params


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def select(url: str, flt: Filter, warn: Callable[[str], None]) -> Iterator[dict]:
    """The decision records ``flt`` matches, in ``seq`` order (format 3 merged)."""
    condition, params = where(flt)
    return (r for r in records_where(url, condition, params, warn) if flt.matches(r))


def search(
    url: str,
    flt: Filter,
    warn: Callable[[str], None],
    *,
    span: int = read.SPAN,
    parallel_from: int = read.PARALLEL_FROM,
    processes: int = 0,
) -> Iterator[dict]:
    """``chercher``'s rows (``queries.summary``) of the records ``flt`` matches, in ``seq``
    order: ranges of rows read on every core for a long journal (``read.map_parts``), as a
    file's scan does, each altered record warned of as ``select`` does."""
    parts = read.seq_ranges(url, span)
    for found in read.map_parts(
        url, partial(_search_part, flt=flt), parts, parallel_from, processes
    ):
        for seq in found.altered:
            warn(_altered(url, seq))
        yield from orjson.loads(found.rows)


class _Found(NamedTuple):
    """What a worker found in its range: the rows as JSON, the altered records' numbers."""

    rows: bytes
    altered: list[int]


def _search_part(url: str, part: read.SeqRange, flt: Filter) -> _Found:
    """The summary rows of one range's records that ``flt`` matches (a worker's job)."""
    condition, params = where(flt)
    found, altered = [], []
    for line in read.lines_where(url, part, condition, params):
        record = parse_record(line)
        if record is None:
            raise JournalError(f"{urls.shown(url)} : enregistrement illisible dans le journal.")
        if flt.matches(record):
            if not sealed(line):
                altered.append(record["seq"])
            found.append(summary(record))
    return _Found(orjson.dumps(found), altered)


def records_where(
    url: str, condition: str, params: list, warn: Callable[[str], None]
) -> Iterator[dict]:
    """The records whose rows meet the SQL ``condition``, streamed in ``seq`` order through a
    server-side cursor; an altered record is still given, with a French warning."""
    columns = ", ".join(rows.LINE_COLUMNS)
    query = f"SELECT {columns} FROM {schema.TABLE} WHERE {condition} ORDER BY seq"
    with urls.connect(url) as connection:
        schema.check(url, connection)
        try:
            with connection.cursor(name="tamis_choix") as cursor:
                cursor.itersize = _FETCH
                cursor.execute(query, params)
                for row in cursor:
                    yield _record(url, rows.line_of(*row), warn)
        except psycopg.Error as error:
            raise urls.failed(url, error, "de lire") from None


def policy_sources(url: str, warn: Callable[[str], None]) -> dict[str, dict]:
    """sha256 -> the ``politique`` content recorded for it (``why.policy_sources``'s answer)."""
    records = records_where(url, "evenement = 'politique'", [], warn)
    return {r["contenu"]["politique"]["sha256"]: r["contenu"]["politique"] for r in records}


def find_decisions(url: str, invitation: str, warn: Callable[[str], None]) -> list[why.Found]:
    """Every decision recorded for ``invitation``, with its policy (``why.find_decisions``)."""
    policies = policy_sources(url, warn)
    chosen = select(url, parse_filter(invitation=invitation), warn)
    return [why.Found(r, policies.get(r["contenu"]["politique"].get("sha256"))) for r in chosen]


def look_up(url: str, query: str, warn: Callable[[str], None]) -> why.Lookup:
    """What ``pourquoi``'s argument designates, by ``why.look_up``'s rules: an exact id, else
    the only id starting with it, else the only sender matching it; several: candidates."""
    found = find_decisions(url, query, warn)
    if found or not query.strip():
        return why.Lookup(why.Designation.ID if found else why.Designation.NOTHING, found, [])
    for designation, flt in (
        (why.Designation.PREFIX, parse_filter(invitation_prefix=query)),
        (why.Designation.SENDER, parse_filter(sender=why.sender_part(query))),
    ):
        matching = (summary(record) for record in select(url, flt, warn))  # closable
        candidates = why._candidates(matching)
        if len(candidates) == 1:
            return why.Lookup(designation, find_decisions(url, candidates[0].invitation, warn), [])
        if candidates:
            return why.Lookup(designation, [], candidates)
    return why.Lookup(why.Designation.NOTHING, [], [])


def _record(url: str, line: bytes, warn: Callable[[str], None]) -> dict:
    record = parse_record(line)
    if record is None:
        raise JournalError(f"{urls.shown(url)} : enregistrement illisible dans le journal.")
    if not sealed(line):
        warn(_altered(url, record["seq"]))
    return record


def _altered(url: str, seq: object) -> str:
    return (
        f"{urls.shown(url)} : l'enregistrement n° {seq} a été modifié après son "
        "inscription (son empreinte ne correspond plus à son contenu) ; ce qui est montré "
        "est son contenu modifié. « tamis journal verifier » localise la première "
        "modification."
    )


def check(url: str) -> None:
    """A French ``JournalError`` unless ``url`` is a reachable journal of this schema."""
    with urls.connect(url) as connection:
        schema.check(url, connection)
