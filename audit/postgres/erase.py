"""``tamis journal effacer`` and ``purger`` on a PostgreSQL journal: tombstones in place.

What ``audit.erase`` does to a file, done in one transaction: the journal's advisory lock
(the writers' ``sink.LOCK``: appends wait), the chain head read, the candidate rows streamed
in ``seq`` order and judged on the very lines a file holds (``erase._classify``, the
``Selection``'s own rules), each chosen row's ``donnees_personnelles`` replaced by its
tombstone (``personal.tombstone``: the same canonical JSON the file's line would hold, so a
copy either way still verifies to the same head), and the ``effacement`` record
(``erase._erasure_record``) inserted after the head, and the service's answers kept for
``Idempotency-Key`` that answer an erased record emptied (``answers.erase``); then the
commit. Nothing else of a row changes, so every digest and every seal still holds; an error
rolls everything back.

The role needs ``UPDATE`` on the ``donnees_personnelles`` column, granted apart from the
service's ``SELECT, INSERT``, and ``SELECT, UPDATE (reponse, effacement)`` on the answers
(docs/journal-postgresql.md): without them, ``count`` refuses in French before anything is
asked or changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import orjson
import psycopg

from tamis.audit import layout, personal
from tamis.audit.chain import ChainHead
from tamis.audit.erase import Erasure, Selection, _classify, _erasure_record
from tamis.audit.errors import JournalError
from tamis.audit.postgres import answers, rows, schema, senders
from tamis.audit.postgres import url as urls
from tamis.audit.postgres.sink import LOCK
from tamis.audit.processors import UtcClock

ERASABLE = personal.ERASABLE
"""The events whose records may carry a personal part (decisions and advice)."""
_FETCH = 2000
_HEAD = f"SELECT seq, empreinte FROM {schema.TABLE} ORDER BY seq DESC LIMIT 1"
_UPDATE = f"UPDATE {schema.TABLE} SET donnees_personnelles = %s WHERE seq = %s"
_INSERT = (
    f"INSERT INTO {schema.TABLE} ({', '.join(rows.COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(rows.COLUMNS))})"
)
_RIGHTS = f"""
SELECT current_user,
       has_column_privilege('{schema.TABLE}', 'donnees_personnelles', 'UPDATE'),
       has_table_privilege('{schema.TABLE}', 'INSERT'),
       has_table_privilege('{answers.TABLE}', 'SELECT')
         AND has_column_privilege('{answers.TABLE}', 'reponse', 'UPDATE')
         AND has_column_privilege('{answers.TABLE}', 'effacement', 'UPDATE')
"""


def candidates(selection: Selection) -> tuple[str, list]:
    """The SQL condition that keeps every row ``selection`` may pick, and its parameters
    (the lines it keeps are judged by ``erase._classify``): with ``--expediteur``, only the
    rows whose part may name the person (``senders.where``; an erased one names nobody)."""
    parts, params = ["evenement = ANY(%s)"], [list(ERASABLE)]
    if selection.ids:
        parts.append("(evenement <> 'decision' OR id_invitation COLLATE \"C\" = ANY(%s))")
        params.append(sorted(selection.ids))
    bounds = (
        (selection.before, "<"),
        (selection.filter.since if selection.filter else None, ">="),
        (selection.filter.until if selection.filter else None, "<"),
    )
    for bound, operator in bounds:
        if bound is not None:
            parts.append(f'horodatage COLLATE "C" {operator} %s')
            params.append(bound)
    sender = senders.where(selection.filter) if selection.filter else None
    if sender is not None:  # a decision's person, or advice's recipient: in the same part
        parts.append(sender[0])
        params.extend(sender[1])
    return " AND ".join(parts), params


def count(url: str, selection: Selection) -> Erasure:
    """What ``erase`` would erase now (for the confirmation); refuses in French, before
    anything is asked, a role that may not erase."""
    found = Erasure()
    with urls.connect(url) as connection:
        schema.check(url, connection)
        require_rights(url, connection)
        for line in _lines(url, connection, selection):
            _classify(line, selection, found)
    return found


def erase(
    url: str,
    selection: Selection,
    motif: str,
    *,
    warn: Callable[[str], None] | None = None,
    clock: Callable[[], str] | None = None,
) -> Erasure:
    """Erase the personal part of the selected records and append the ``effacement``
    record, in one transaction (see the module's docstring). Raises ``JournalError``.
    (``warn`` is ``audit.erase.erase``'s, for a torn line: a table has none.)"""
    with urls.connect(url) as connection:
        schema.check(url, connection)
        require_rights(url, connection)
        try:
            with connection.transaction():
                return _erase(url, connection, selection, motif, (clock or UtcClock())())
        except psycopg.errors.InsufficientPrivilege:
            raise not_allowed(url, _role(connection)) from None
        except psycopg.Error as error:
            raise urls.failed(url, error, "d'effacer dans") from None


def _erase(
    url: str, connection: psycopg.Connection, selection: Selection, motif: str, moment: str
) -> Erasure:
    connection.execute(LOCK, (schema.LOCK_CLASS,))
    found = connection.execute(_HEAD).fetchone()
    head = ChainHead()
    head.seq, head.empreinte = found if found else (0, layout.GENESIS)
    done, seq, tombstones = Erasure(), head.seq + 1, []
    for line in _lines(url, connection, selection):
        if _classify(line, selection, done):
            tombstones.append((_tombstone(line, seq, moment, motif), done.erased[-1]))
    if not done.erased:
        return done
    with connection.cursor() as cursor:
        cursor.executemany(_UPDATE, tombstones)
    record, line = _erasure_record(head, seq, moment, motif, done.erased)
    connection.execute(_INSERT, rows.row_of(line.rstrip(b"\n")))
    done.record = record
    done.answers = answers.erase(connection, done.erased, seq)
    return done


def _tombstone(line: bytes, seq: int, moment: str, motif: str) -> str:
    """The column's new value: the line's personal part as erasure ``seq`` leaves it."""
    part = orjson.loads(line)[personal.KEY]
    return layout.canonical(personal.tombstone(part, seq, moment, motif)).decode()


def _lines(url: str, connection: psycopg.Connection, selection: Selection) -> Iterator[bytes]:
    """The lines of the rows that may be picked, in ``seq`` order (a server-side cursor)."""
    condition, params = candidates(selection)
    columns = ", ".join(rows.LINE_COLUMNS)
    query = f"SELECT {columns} FROM {schema.TABLE} WHERE {condition} ORDER BY seq"
    try:
        with connection.cursor(name="tamis_effacement") as cursor:
            cursor.itersize = _FETCH
            cursor.execute(query, params)
            for row in cursor:
                yield rows.line_of(*row)
    except psycopg.Error as error:
        raise urls.failed(url, error, "de lire") from None


def require_rights(url: str, connection: psycopg.Connection) -> None:
    """A French ``JournalError`` unless the role may update the personal column and insert."""
    try:
        role, update, insert, kept = connection.execute(_RIGHTS).fetchone()  # type: ignore[misc]
    except psycopg.Error as error:
        raise urls.failed(url, error, "de lire") from None
    if not (update and insert and kept):
        raise not_allowed(url, role)


def _role(connection: psycopg.Connection) -> str:
    return connection.info.user


def not_allowed(url: str, role: str) -> JournalError:
    return JournalError(
        f"le rôle « {role} » ne peut pas effacer dans le journal PostgreSQL {urls.shown(url)} : "
        "il lui faut le droit de modifier la colonne des données personnelles, accordé à part "
        f"(GRANT UPDATE (donnees_personnelles) ON {schema.TABLE} TO {role};) en plus de "
        "SELECT et INSERT, et celui de vider les réponses gardées pour Idempotency-Key "
        f"(GRANT {answers.ERASING_RIGHTS} ON {answers.TABLE} TO {role};). Rien n'a été effacé."
    )
