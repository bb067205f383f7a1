"""Reading a PostgreSQL journal: its lines in ``seq`` order, streamed by a binary ``COPY``
(memory stays flat however long the journal), its records, and the chain's verification.

The verifier checks what ``verify`` checks of a file: each row's digest against its columns'
exact bytes (the personal part by its commitment), each ``seq`` following the one before, each
``precedente`` the digest before it, and an ``ouverture`` first. It reads the journal in
ranges of ``SPAN`` rows on every core; the parent checks the seams. By default the server
checks each range and sends back one row (``digests``); with ``contents`` (``verifier
--contenu``), each range's columns are streamed by one binary ``COPY … TO STDOUT`` and checked
in tamis row by row from their bytes, every digest computed here and every copied column
compared with what its content says (``rowcheck.check_rows``: no line is put together; each
content is parsed once, for its copies). Either pass only says « intact »; at the first range
in doubt, the rows are read again one by one from there, their lines put together and parsed,
to name the first broken record exactly. A problem names the record's number; the result is a
``verify.Verification``, so ``tamis journal verifier`` reports both backends the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple, TypeVar

import orjson
import psycopg

from tamis.audit import blocks, layout
from tamis.audit.chain import claimed_seq, parse_record
from tamis.audit.errors import JournalError
from tamis.audit.layout import GENESIS
from tamis.audit.postgres import digests, rowcheck, rows, schema, sessions
from tamis.audit.postgres import url as urls
from tamis.audit.postgres.rowcheck import RowBytes, RowsCheck
from tamis.audit.verify import Problem, Verification, empty_journal, sealed, unreadable

SPAN = 50_000  # rows per range handed to a worker process
PARALLEL_FROM = 100_000  # journals with fewer rows are checked in this process
_COPY = (
    f"COPY (SELECT {', '.join(rows.COPY_COLUMNS)} FROM {schema.TABLE} "
    "WHERE seq BETWEEN %s AND %s AND ({}) ORDER BY seq) TO STDOUT (FORMAT binary)"
)
_ROWS = (
    f"COPY (SELECT {', '.join(rowcheck.COLUMNS)} FROM {schema.TABLE} "
    "WHERE seq BETWEEN %s AND %s ORDER BY seq) TO STDOUT (FORMAT binary)"
)
_LAST = 2**63 - 1  # the largest seq
T = TypeVar("T")


class SeqRange(NamedTuple):
    """The rows ``first <= seq <= last``: what one worker checks."""

    first: int
    last: int


def iter_lines(url: str, after: int = 0) -> Iterator[bytes]:
    """Every record's line (without ``\\n``) after number ``after``, in ``seq`` order."""
    with urls.connect(url) as connection:
        schema.check(url, connection)
    yield from lines_where(url, SeqRange(after + 1, _LAST))


def iter_records(url: str) -> Iterator[dict]:
    """Every record, as ``reader.iter_records`` gives a file's (format 3 merged)."""
    for line in iter_lines(url):
        record = parse_record(line)
        if record is None:
            raise JournalError(
                f"{urls.shown(url)} : enregistrement illisible, n° {claimed_seq(line)}."
            )
        yield record


def verify(
    url: str,
    *,
    contents: bool = False,
    span: int = SPAN,
    parallel_from: int = PARALLEL_FROM,
    processes: int = 0,
) -> Verification:
    """The whole chain, or its first broken record (``Problem.line`` is its rank): in ranges
    on every core, then, only if something is wrong, row by row from the first range in
    doubt. The ranges are checked by the server (``digests``), or with ``contents`` here,
    copies included (``check_range``). ``span``, ``parallel_from`` and ``processes`` (0:
    every core) tune the ranges."""
    parts = seq_ranges(url, span)
    job = check_range if contents else digests.check_range
    state = _Start()
    for _part, found in map_parts(url, job, parts, parallel_from, processes):
        if not state.continued_by(found):
            return _exact(url, state, contents)
        state = _Start(found.last_seq, found.last_digest.decode(), state.count + found.count)
    if not parts or _opening_problem(url, parts[0], contents) is not None:
        return _exact(url, _Start(), contents)
    return Verification(state.count, state.seq, state.digest, None)


def seq_ranges(url: str, span: int = SPAN) -> list[SeqRange]:
    """The journal's rows cut in ranges of ``span`` numbers (none: an empty journal); a
    French ``JournalError`` unless ``url`` is a reachable journal of this schema."""
    with urls.connect(url) as connection:
        schema.check(url, connection)
        low, high = _read(url, connection, f"SELECT min(seq), max(seq) FROM {schema.TABLE}")
    if low is None:
        return []
    return [SeqRange(first, min(first + span - 1, high)) for first in range(low, high + 1, span)]


def map_parts(
    url: str,
    job: Callable[[str, SeqRange], T],
    parts: list[SeqRange],
    parallel_from: int = PARALLEL_FROM,
    processes: int = 0,
) -> Iterator[T]:
    """``job(url, part)`` of each range, in order: in a pool of processes (``processes``, 0:
    every core) for a journal of ``parallel_from`` rows or more, else here. ``job`` is a
    module-level function (or a ``partial`` of one): it is sent to the workers by name. No
    connection is open here when they fork."""
    count = processes or blocks.workers()
    rows_count = parts[-1].last - parts[0].first + 1 if parts else 0
    if rows_count < parallel_from or count < 2 or len(parts) < 2:
        return (job(url, part) for part in parts)
    return blocks.in_pool(url, job, parts, count, urls.shown(url), sessions.in_worker)


class _Start(NamedTuple):
    """Where a check stands: the last good record and how many were checked."""

    seq: int = 0
    digest: str = GENESIS
    count: int = 0

    def continued_by(self, found: RowsCheck) -> bool:
        """True if the range ``found`` holds and follows this record."""
        if found.first_seq is None:
            return found.ok and found.count == 0
        return (
            found.ok
            and found.first_seq == self.seq + 1
            and found.first_previous.decode() == self.digest
        )


def check_range(url: str, part: SeqRange) -> tuple[SeqRange, RowsCheck]:
    """Check one range of rows on its own (a worker's job): each intact, each chained."""
    return part, rowcheck.check_rows(rows_in(url, part))


def rows_in(url: str, part: SeqRange) -> Iterator[tuple]:
    """The rows of ``part`` in order, as ``rowcheck`` reads them (``rowcheck.COLUMNS``, texts
    as bytes), streamed by one binary ``COPY … TO STDOUT``."""
    try:
        with (
            urls.connect(url) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute("SET client_encoding TO 'UTF8'")
            with cursor.copy(_ROWS, (part.first, part.last)) as copy:
                copy.set_types(rowcheck.TYPES)
                yield from copy.rows()
    except psycopg.Error as error:
        raise urls.failed(url, error, "de lire") from None


def lines_where(
    url: str,
    part: SeqRange,
    condition: str = "TRUE",
    params: Sequence = (),
    settings: str = "SET client_encoding TO 'UTF8'",
) -> Iterator[bytes]:
    """The lines of the rows of ``part`` that meet the SQL ``condition`` (its ``params``), in
    order: their columns streamed by one binary ``COPY … TO STDOUT`` (no text escaped, one
    message per row, loaded by psycopg), each line put together by ``rows.line_from_bytes``;
    the session set by ``settings`` (the queries': ``query.settings_for``)."""
    try:
        with (
            urls.connect(url) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(settings)
            with cursor.copy(_COPY.format(condition), (part.first, part.last, *params)) as copy:
                copy.set_types(rows.COPY_TYPES)
                for row in copy.rows():
                    yield rows.line_from_bytes(*row)
    except psycopg.Error as error:
        raise urls.failed(url, error, "de lire") from None


def _opening_problem(url: str, first: SeqRange, contents: bool) -> Problem | None:
    """What is wrong with the journal's first row (``first.first`` is its number), read as
    a file's verifier reads its first line: a record, and an ``ouverture``."""
    for found in rows_in(url, SeqRange(first.first, first.first)):
        return _problem(1, RowBytes(*found), 0, GENESIS, contents)
    return None  # deleted meanwhile: the exact pass says what follows


def _read(url: str, connection: psycopg.Connection, query: str) -> tuple:
    try:
        return connection.execute(query).fetchone() or (None,)
    except psycopg.Error as error:
        raise urls.failed(url, error, "de lire") from None


def _exact(url: str, start: _Start, contents: bool) -> Verification:
    """Row by row after ``start`` (which the rows before it reached): the first problem (a
    copied column's only with ``contents``)."""
    seq, digest, count = start
    with urls.connect(url) as connection:
        schema.check(url, connection)
    for found in rows_in(url, SeqRange(seq + 1, _LAST)):
        row = RowBytes(*found)
        problem = _problem(count + 1, row, seq, digest, contents)
        if problem is not None:
            return Verification(count, seq, digest, problem)
        seq, digest, count = row.seq, row.empreinte.decode(), count + 1
    if count == 0:
        return Verification(0, 0, GENESIS, empty_journal())
    return Verification(count, seq, digest, None)


def _problem(rank: int, row: RowBytes, seq: int, digest: str, contents: bool) -> Problem | None:
    """What is wrong with ``row``, the ``rank``-th, after the record ``seq`` of ``digest``:
    what the fast pass checks, and (``contents``) what ``--contenu`` adds: each record read
    as one, its copies. A row the fast pass takes as intact is intact here too: a sealed row
    of another shape is named only with ``contents``, or when it is the first (read as a
    record, as a file's verifier reads its first line, to be an ``ouverture``)."""
    line = rows.line_from_bytes(*row[:8])
    altered = rowcheck.digest_of(row) != row.empreinte
    if (contents or altered or rank == 1) and parse_record(line) is None:
        return Problem("illisible", rank, f"{unreadable(line, claimed_seq(line))}.")
    found, event = row.seq, row.evenement.decode()
    if altered:
        return Problem("modifie", rank, _altered(row, sealed(line)))
    if found != seq + 1:
        missing = f"n° {seq + 1}" if found == seq + 2 else f"n° {seq + 1} à {found - 1}"
        return Problem("supprime", rank, f"enregistrement(s) supprimé(s) ({missing} manquant).")
    if row.precedente.decode() != digest:
        return Problem(
            "chainage",
            rank,
            f"l'enregistrement n° {found} ne suit pas l'empreinte de l'enregistrement n° {seq} "
            "— celui-ci a été réécrit ou remplacé.",
        )
    if rank == 1 and event != "ouverture":  # after its own problems, as a file's
        return Problem(
            "ouverture",
            rank,
            f"le premier enregistrement (n° {found}) est « {event} » et non "
            "« ouverture » — le début du journal a été supprimé ou remplacé.",
        )
    return _copy_problem(rank, row) if contents else None


def _altered(row: RowBytes, line_sealed: bool) -> str:
    """What to say of a row whose columns do not give its digest. ``line_sealed``: the line
    they make still reads as the sealed record (text added to a column, or moved from one to
    the other: its bytes are not what was sealed)."""
    if not line_sealed:
        return (
            f"l'enregistrement n° {row.seq} a été modifié — son empreinte ne correspond plus à "
            "son contenu."
        )
    column = "contenu" if not _canonical(row.contenu) else "donnees_personnelles"
    return (
        f"l'enregistrement n° {row.seq} a été modifié : sa colonne « {column} » n'est plus "
        "exactement le JSON que tamis a scellé (espaces ou texte ajoutés, ou texte venu d'une "
        "autre colonne) — son empreinte ne correspond plus à ses colonnes."
    )


def _canonical(text: bytes) -> bool:
    """True if ``text`` is one JSON object written as tamis writes it."""
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and layout.canonical(value) == text


_COPIED = rows.COLUMNS[8:]


def _copy_problem(rank: int, row: RowBytes) -> Problem | None:
    """A copied column that does not say what the content says, if any."""
    expected = rowcheck.expected_copies(row) or (None,) * len(_COPIED)
    for name, held, said in zip(_COPIED, row[8:], expected, strict=True):
        if held != said and not (name == "expediteur" and held is None):  # emptied by erasure
            return Problem(
                "copie",
                rank,
                f"l'enregistrement n° {row.seq} : sa colonne « {name} » vaut {_shown(held)} "
                f"alors que son contenu dit {_shown(said)} — une copie du contenu a été "
                "modifiée dans la table ; chercher, stats et pourquoi, qui lisent cette "
                "colonne, donneraient une réponse fausse.",
            )
    return None


def _shown(value: bytes | None) -> str:
    return "NULL" if value is None else f"« {value.decode(errors='replace')} »"
