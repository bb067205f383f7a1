"""Decision records chosen by a ``filters.Filter``, from a PostgreSQL journal.

The SQL narrows on the indexed columns (event, decision, rule, invitation id or its start,
period: compared byte by byte, ``COLLATE "C"``, as the file's readers compare them); the rows
stream by a binary ``COPY`` in ``seq`` order, and ``Filter.matches`` (the one owner of
what a filter means) has the last word on each record. A record whose digest no longer
matches its content is still shown as the journal holds it, with a French warning, like a
file's.

``chercher`` (``search``) reads only what it shows: the columns the writers copy for the
queries (``rows.QueryCopies``: the outcome, the sender as shown), never the records, when its
filter tests no fact (no ``--fait``); the outcome's tests (``Filter.outcome_ok``) run once per
distinct outcome, and a sender's test (``--expediteur``, ``pourquoi`` by sender) reads the
personal part beside the copies, not the content, of the rows whose part may name the sender
(``senders.where``: the server turns the others away). Like the file's query index, it then shows
the copies without checking each record's digest (``verifier`` checks both); these rows are
read range by range in this process, on one connection. A fact's test reads and parses the
records, in ranges of rows on every core, each streamed by a binary ``COPY``, as a file's scan
does. Without statistics on the table, the planner is kept from sorting (``settings_for``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import tzinfo
from functools import partial
from typing import NamedTuple

import orjson
import psycopg

from tamis.audit import why
from tamis.audit.chain import parse_record
from tamis.audit.errors import JournalError
from tamis.audit.filters import Filter, Json, Outcome
from tamis.audit.postgres import read, rows, schema, senders
from tamis.audit.postgres import url as urls
from tamis.audit.queries import parse_filter, summary
from tamis.audit.rows import sent_to, summary_row
from tamis.audit.stats import Stats, compute_stats, day_of, period_of
from tamis.audit.verify import sealed
from tamis.invitations.models import OUTGOING

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
    if flt.rules:  # none of them at all: ``= ANY('{}')`` keeps nothing
        parts.append('regle COLLATE "C" = ANY(%s)')
        params.append(sorted(rule for rule in flt.rules if _storable(rule)))
    if flt.invitation is not None:
        _on_text(parts, params, 'id_invitation COLLATE "C" = %s', flt.invitation)
    if flt.invitation_prefix:
        prefix = flt.invitation_prefix
        _on_text(parts, params, 'id_invitation COLLATE "C" LIKE %s', prefix, _escaped(prefix) + "%")
    if flt.latest:
        parts.append(LATEST)
    if flt.since is not None:
        parts.append('horodatage COLLATE "C" >= %s')
        params.append(flt.since)
    if flt.until is not None:
        parts.append('horodatage COLLATE "C" < %s')
        params.append(flt.until)
    sender = senders.where(flt)  # rows whose part cannot name the sender: neither sent nor parsed
    if sender is not None:
        parts.append(sender[0])
        params.extend(sender[1])
    return " AND ".join(parts), params


def _storable(text: str) -> bool:
    """Whether a column could hold ``text``: PostgreSQL's text holds no NUL (the server
    refuses such a parameter), so a value with one is in no row and matches nothing."""
    return "\x00" not in text


def _on_text(parts: list, params: list, condition: str, text: str, param: str | None = None):
    """``condition`` on ``text`` (its parameter: ``param``, else ``text``), or ``false`` when
    no column could hold ``text``."""
    if not _storable(text):
        parts.append("false")
        return
    parts.append(condition)
    params.append(text if param is None else param)


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def select(url: str, flt: Filter, warn: Callable[[str], None]) -> Iterator[dict]:
    """The decision records ``flt`` matches, in ``seq`` order (format 3 merged)."""
    condition, params = where(flt)
    chosen = records_where(url, condition, params, warn, settings_for(url, flt))
    return (r for r in chosen if flt.matches(r))


def search(
    url: str,
    flt: Filter,
    warn: Callable[[str], None],
    *,
    span: int = read.SPAN,
    parallel_from: int = read.PARALLEL_FROM,
    processes: int = 0,
    after: int = 0,
) -> Iterator[dict]:
    """``chercher``'s rows (``queries.summary``) of the records ``flt`` matches, in ``seq``
    order, numbered above ``after`` (the service's pages), read range by range: if
    ``shown_on_copies(flt)``, from the copied columns alone, in this process (``_shown``); else from
    the records, on every core for a long journal (``read.map_parts``; ``processes=1``: in
    this process), as a file's scan does, each altered record warned of as ``select`` does."""
    parts = [
        read.SeqRange(max(part.first, after + 1), part.last)
        for part in read.seq_ranges(url, span)
        if part.last > after
    ]
    settings = settings_for(url, flt)
    if shown_on_copies(flt):
        yield from _shown(url, parts, flt, settings)
        return
    job = partial(_search_part, flt=flt, settings=settings)
    for found in read.map_parts(url, job, parts, parallel_from, processes):
        for seq in found.altered:
            warn(_altered(url, seq))
        yield from orjson.loads(found.rows)


def on_copies(flt: Filter) -> bool:
    """True if the copied columns (``rows.QueryCopies``) answer ``flt`` exactly: it tests
    neither facts nor the sender, which only the records hold whole."""
    return not flt.facts and flt.sender is None


def shown_on_copies(flt: Filter) -> bool:
    """True if ``search`` answers ``flt`` from the copied columns, with the personal part for
    the sender's test (``senders``): it tests no fact."""
    return not flt.facts


_SHOWN = (
    "COPY (SELECT seq, horodatage, id_invitation, issue, expediteur, {request}{sender} "
    "FROM {table} WHERE seq BETWEEN %s AND %s AND ({condition}) ORDER BY seq) "
    "TO STDOUT (FORMAT binary)"
)
_SENDER = ", donnees_personnelles, CASE WHEN donnees_personnelles IS NULL THEN contenu END"
"""What the sender's test reads besides the copies (the copy shows the name, not the URL the
test also searches): the personal part, or the content of a record without one (format 2)."""
_REQUEST = (
    f'CASE WHEN strpos(donnees_personnelles, \'"sens":"{OUTGOING}"\') > 0'
    " THEN donnees_personnelles END, CASE WHEN donnees_personnelles IS NULL"
    f' AND strpos(contenu, \'"sens":"{OUTGOING}"\') > 0 THEN contenu END'
)
"""A request to send's part, for its recipient (the ``expediteur`` copy shows its sender, the
user): the personal part (the content of a record without one) only when it may be a
request's, its canonical JSON holding ``"sens":"sortante"``; the server tells, so the parts of
invitations received are neither sent nor parsed (``senders.recipient`` has the last word)."""
_SHOWN_TYPES = ["int8", "text", "text", "bytea", "bytea", "bytea", "bytea", "bytea", "bytea"]


def _shown(url: str, parts: list[read.SeqRange], flt: Filter, settings: str) -> Iterator[dict]:
    """The summary rows of the records ``flt`` matches in ``parts``, from the copied columns,
    streamed range after range on one connection (the session set by ``settings``): each
    distinct outcome decoded and tested once. In this process: a row costs a few µs here,
    less than sending it from a worker process would (serialised there, parsed again here),
    and the server sends the next rows while this process handles the last ones."""
    condition, params = where(flt)
    outcomes: dict[bytes, Outcome | None] = {}
    tested = flt.sender is not None
    statement = _SHOWN.format(
        table=schema.TABLE, condition=condition, request=_REQUEST, sender=_SENDER if tested else ""
    )
    ranges = [[part.first, part.last, *params] for part in parts]
    types = _SHOWN_TYPES if tested else _SHOWN_TYPES[:7]
    sender_kept = senders.kept(url, flt) if tested else None
    for seq, moment, invitation, issue, sender, *request in copy_ranges(
        url, statement, ranges, types, settings
    ):
        outcome = outcomes.get(issue, _UNSEEN)
        if outcome is _UNSEEN:
            outcome = outcomes[issue] = _outcome(url, seq, issue, flt)
        if outcome is not None and (sender_kept is None or sender_kept(seq, *request[2:])):
            shown = None if sender is None else _loads(url, seq, sender)
            row = summary_row(seq, moment, invitation, shown, outcome)
            yield _as_request(url, seq, row, *request[:2])


def _as_request(url: str, seq: int, row: dict, personal: bytes | None, content: bytes | None):
    """``row``, a request to send's if the part ``_REQUEST`` sent is one's."""
    if personal is None and content is None:
        return row
    recipient = senders.recipient(url, seq, personal, content)
    return row if recipient is None else sent_to(row, recipient.shown)


_UNSEEN = Outcome(None, None, None, {})  # a marker: never an outcome the copies hold


def _outcome(url: str, seq: int, issue: bytes | str | None, flt: Filter) -> Outcome | None:
    """The outcome a row's ``issue`` holds if ``flt`` keeps it, else None."""
    if issue is None:
        outcome = Outcome(None, None, None, {})
    else:
        found = _loads(url, seq, issue)
        if not isinstance(found, list) or len(found) != len(Outcome._fields):
            raise _unreadable_copy(url, seq)
        outcome = Outcome(*found)
    if not isinstance(outcome.policy, dict):
        outcome = outcome._replace(policy={})
    return outcome if flt.outcome_ok(outcome) else None


def _loads(url: str, seq: int, copy: bytes | str) -> Json:
    """A copied column's JSON; a French ``JournalError`` if it is not JSON (edited by
    hand)."""
    try:
        return orjson.loads(copy)
    except orjson.JSONDecodeError:
        raise _unreadable_copy(url, seq) from None


def _unreadable_copy(url: str, seq: object) -> JournalError:
    return JournalError(
        f"{urls.shown(url)} : les copies de l'enregistrement n° {seq} (colonnes issue, profil, "
        "expediteur) sont illisibles : elles ont été modifiées hors de tamis ; « tamis journal "
        "verifier » contrôle le journal."
    )


def journal_stats(
    url: str,
    flt: Filter,
    per: str,
    warn: Callable[[str], None],
    *,
    local: bool = False,
    zone: tzinfo | None = None,
) -> Stats:
    """``tamis journal stats``: the counts ``stats.compute_stats`` gives of the records
    ``flt`` selects, each invitation counted once (its latest decision, ``Filter.latest``), as
    for a file. From GROUP BY queries on the copied columns if ``on_copies(flt)`` (periods of
    local days, or days of ``zone``, grouped by the minute, then turned into days here, as
    ``stats.day_of`` does), else counted here over the records."""
    flt = replace(flt, latest=True)
    if not on_copies(flt):
        return compute_stats(select(url, flt, warn), per, local=local, zone=zone)
    condition, params = where(flt)
    moment = "left(horodatage, 16)" if local or zone else "left(horodatage, 10)"
    with urls.connect(url) as connection:
        schema.check(url, connection)
        try:
            if flt.policy is not None:  # the outcome's test, once per distinct outcome
                condition, params = _outcomes_kept(url, connection, flt, condition, params)
            groups = connection.execute(_GROUPS.format(moment, condition), params).fetchall()
            counted = _counted(url, groups, per, local, zone)
            numbers = [(group[5], group[6]) for group in groups if not group[0]]
            if numbers:
                first, last = min(n[0] for n in numbers), max(n[1] for n in numbers)
                counted.first, counted.last = _moments(connection, first, last)
        except psycopg.Error as error:
            raise urls.failed(url, error, "de lire") from None
    return counted


_GROUPS = (
    "SELECT grouping(issue), issue, {0}, profil, count(*), min(seq), max(seq) FROM "
    + schema.TABLE
    + " WHERE {1} GROUP BY GROUPING SETS ((issue, {0}), (profil)) ORDER BY 6"
)


def _outcomes_kept(
    url: str, connection: psycopg.Connection, flt: Filter, condition: str, params: list
) -> tuple[str, list]:
    """``condition`` narrowed to the distinct outcomes ``flt.outcome_ok`` keeps."""
    found = connection.execute(
        f"SELECT DISTINCT issue FROM {schema.TABLE} WHERE {condition}", params
    ).fetchall()
    kept = [issue for (issue,) in found if _outcome(url, 0, issue, flt) is not None]
    return f"({condition}) AND issue = ANY(%s)", [*params, kept]


def _counted(url: str, groups: list[tuple], per: str, local: bool, zone: tzinfo | None) -> Stats:
    """The counts of the GROUP BY rows, added in the order of each group's first record, so
    that every counter lists its keys as ``compute_stats`` meets them (but ``first`` and
    ``last``)."""
    counted, everything = Stats(), Filter()
    for profile_row, issue, moment, profile, count, first, _last in groups:
        if profile_row:
            for name, truth in _profile(url, first, profile):
                counted.by_fact[name][truth] += count
            continue
        outcome = _outcome(url, first, issue, everything)
        decision, day = outcome.decision, day_of(moment, local, zone)
        counted.total += count
        counted.by_decision[decision] += count
        counted.by_rule[(outcome.rule, decision)] += count
        counted.by_period[period_of(day, per)][decision] += count
    return counted


def _profile(url: str, seq: int, profile: str | None) -> list[tuple[str, str]]:
    """The ``[fait, vrai|faux|inconnu]`` pairs of a ``profil`` copy (see ``_loads``)."""
    pairs = [] if profile is None else _loads(url, seq, profile)
    if not isinstance(pairs, list) or not all(_is_pair(pair) for pair in pairs):
        raise _unreadable_copy(url, seq)
    return pairs  # type: ignore[return-value]


def _is_pair(pair: Json) -> bool:
    return isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)


def _moments(connection: psycopg.Connection, first: int, last: int) -> tuple[str, str]:
    """The times of the records numbered ``first`` and ``last``."""
    found = dict(
        connection.execute(
            f"SELECT seq, horodatage FROM {schema.TABLE} WHERE seq = ANY(%s)", ([first, last],)
        ).fetchall()
    )
    return found[first], found[last]


IN_ORDER = (
    "SET client_encoding TO 'UTF8'; SET random_page_cost = 1.1;"
    " SET max_parallel_workers_per_gather = 0"
)
"""The session's settings for reading rows in ``seq`` order: the rows were appended in that
order, so reading them by the primary key reads the table in the order it lies on disk, which
the default cost of a page read (4, a random read on a spinning disk) hides from the planner:
without it, each range is read by a bitmap scan, then sorted, on disk past 4 MB, by parallel
workers that compete with the range's other readers (2 to 3 times the server's time)."""


KEYED = "; SET enable_sort = off"
"""Added to ``IN_ORDER`` when the planner cannot tell what a filter keeps (``settings_for``):
a plan that would sort the rows is refused, so each range is read by its key, in order."""

_ANALYSED = (
    "SELECT EXISTS (SELECT FROM pg_stats s JOIN pg_namespace n ON n.nspname = s.schemaname"
    " JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename"
    f" WHERE c.oid = '{schema.TABLE}'::regclass AND s.attname = 'decision')"
)


def settings_for(url: str, flt: Filter) -> str:
    """The session's settings for reading what ``flt`` keeps: ``IN_ORDER``, and ``KEYED`` if
    the journal has no statistics yet (just filled by ``COPY``: ``tamis journal copier``, or a
    new journal that autovacuum has not analysed yet) and ``flt`` names nothing an index finds
    few rows by (a rule, an id or its start, each invitation's latest). Without statistics the
    planner takes every condition for rare: it would read a decision's rows through its index,
    the whole journal for each range (three quarters of it for ``refuser``), then sort them;
    with statistics it chooses well, and is left to."""
    if flt.rules or flt.invitation is not None or flt.invitation_prefix or flt.latest:
        return IN_ORDER
    try:
        with urls.connect(url) as connection:
            (analysed,) = connection.execute(_ANALYSED).fetchone()  # type: ignore[misc]
    except psycopg.Error as error:
        raise urls.failed(url, error, "de lire") from None
    return IN_ORDER if analysed else IN_ORDER + KEYED


def copy_rows(
    url: str, statement: str, params: list, types: list[str], settings: str = IN_ORDER
) -> Iterator[tuple]:
    """The rows of a binary ``COPY … TO STDOUT`` (loaded as ``types``), streamed, in a
    session set by ``settings``; a server's refusal is a French ``JournalError``."""
    return copy_ranges(url, statement, [params], types, settings)


def copy_ranges(
    url: str, statement: str, ranges: list[list], types: list[str], settings: str = IN_ORDER
) -> Iterator[tuple]:
    """``copy_rows`` of ``statement`` with each of ``ranges`` (its parameters) in turn, on one
    connection."""
    try:
        with urls.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute(settings)
            for params in ranges:
                with cursor.copy(statement, params) as copy:
                    copy.set_types(types)
                    yield from copy.rows()
    except psycopg.Error as error:
        raise urls.failed(url, error, "de lire") from None


class _Found(NamedTuple):
    """What a worker found in its range: the rows as JSON, the altered records' numbers."""

    rows: bytes
    altered: list[int]


def _search_part(url: str, part: read.SeqRange, flt: Filter, settings: str) -> _Found:
    """The summary rows of one range's records that ``flt`` matches (a worker's job, the
    session set by ``settings``)."""
    condition, params = where(flt)
    found, altered = [], []
    for line in read.lines_where(url, part, condition, params, settings):
        record = parse_record(line)
        if record is None:
            raise JournalError(f"{urls.shown(url)} : enregistrement illisible dans le journal.")
        if flt.matches(record):
            if not sealed(line):
                altered.append(record["seq"])
            found.append(summary(record))
    return _Found(orjson.dumps(found), altered)


def records_where(
    url: str,
    condition: str,
    params: list,
    warn: Callable[[str], None],
    settings: str = IN_ORDER,
) -> Iterator[dict]:
    """The records whose rows meet the SQL ``condition``, streamed in ``seq`` order by one
    binary ``COPY`` (memory stays flat; the session set by ``settings``); an altered record
    is still given, with a French warning."""
    check(url)
    statement = _LINES.format(table=schema.TABLE, condition=condition)
    for row in copy_rows(url, statement, params, rows.COPY_TYPES, settings):
        yield _record(url, rows.line_from_bytes(*row), warn)


_LINES = (
    f"COPY (SELECT {', '.join(rows.COPY_COLUMNS)} FROM {{table}} WHERE {{condition}} "
    "ORDER BY seq) TO STDOUT (FORMAT binary)"
)


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
        (why.Designation.SENDER, parse_filter(sender=query)),
    ):
        candidates = why._candidates(search(url, flt, warn))  # the copies, in this process
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
