"""Before appending to a PostgreSQL journal: would ``verifier`` still accept it? Checked once
per opening, as ``audit.integrity`` checks a file.

A writer that opens the journal (``tamis decider``, the service) checks the chain from the
last point found intact, ``tamis_verification``'s latest row (``seq`` and digest), if that
record is still there with that digest and no record before it is missing; else from the
start. Only the rows appended since are read: each must carry the next number, chain to the
digest before it and be intact as ``verifier --contenu`` requires (``rowcheck.intact``: its
digest from its columns' exact bytes, its copied columns what its content says). If
something is wrong, the whole journal is verified (``backend.verify_any``, contents
included) so that the warning names the very first problem ``verifier --contenu`` would,
and the writer still appends
(refusing would lose the decisions being made). When the chain is intact, its new head is
recorded in ``tamis_verification`` (a role without ``INSERT`` there simply rechecks more next
time). A record changed in place before that point is not seen until the next full check:
``verifier`` is the proof, this is an early warning.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from tamis.audit.errors import JournalError
from tamis.audit.layout import GENESIS
from tamis.audit.postgres import rowcheck, schema
from tamis.audit.postgres import url as urls
from tamis.audit.postgres.backend import verify_any

CHECKPOINTS = "tamis_verification"
_LATEST = f"SELECT seq, empreinte FROM {CHECKPOINTS} ORDER BY seq DESC LIMIT 1"
_COLUMNS = ", ".join(rowcheck.COLUMNS)
_AT = f"SELECT {_COLUMNS} FROM {schema.TABLE} WHERE seq = %s"
_BEFORE = f"SELECT count(*) FROM {schema.TABLE} WHERE seq <= %s"
_AFTER = f"SELECT {_COLUMNS} FROM {schema.TABLE} WHERE seq > %s ORDER BY seq"
_SAVE = f"INSERT INTO {CHECKPOINTS} (seq, empreinte) VALUES (%s, %s)"
_FETCH = 2000


def warn_if_damaged(url: str, warn: Callable[[str], None]) -> None:
    """``warn`` of ``damage``, if any; a journal that cannot be read for this check is left
    to the writes that follow (they say what is wrong)."""
    try:
        found = damage(url)
    except JournalError:
        return
    if found is not None:
        warn(found)


def damage(url: str) -> str | None:
    """The French warning for the first problem ``verifier --contenu`` would report, or None;
    records the head found intact."""
    with urls.connect(url) as connection:
        schema.check(url, connection)
        try:
            start = _start(connection)
            end = _intact_after(connection, *start)
        except psycopg.Error as error:
            raise urls.failed(url, error, "de lire") from None
        if end is not None:
            if end[0] > start[0]:
                _save(connection, end)
            return None
    result = verify_any(url, contents=True)
    if result.problem is None:
        return None
    return (
        f"{urls.shown(url)} : {result.problem.message} Ce journal ne passe plus la "
        "vérification ; les nouvelles décisions y sont tout de même ajoutées, à la suite."
    )


def _start(connection: psycopg.Connection) -> tuple[int, str]:
    """The last point found intact, if it still holds; else the very start."""
    try:
        with connection.transaction():
            known = connection.execute(_LATEST).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        return 0, GENESIS
    if known is None:
        return 0, GENESIS
    seq, digest = known
    row = connection.execute(_AT, (seq,)).fetchone()
    if row is None or row[2] != digest or not rowcheck.intact(rowcheck.as_bytes(row)):
        return 0, GENESIS
    if connection.execute(_BEFORE, (seq,)).fetchone() != (seq,):
        return 0, GENESIS  # a record before it was deleted
    return seq, digest


def _intact_after(connection: psycopg.Connection, seq: int, digest: str) -> tuple[int, str] | None:
    """The head, if every row after ``seq`` follows the one before; None at the first that
    does not."""
    with connection.cursor(name="tamis_integrite") as cursor:
        cursor.itersize = _FETCH
        cursor.execute(_AFTER, (seq,))
        for row in cursor:
            own, event, previous, found = row[2], row[3], row[5], row[6]
            first_wrong = seq == 0 and event != "ouverture"
            if first_wrong or found != seq + 1 or previous != digest:
                return None
            if not rowcheck.intact(rowcheck.as_bytes(row)):
                return None
            seq, digest = found, own
    return seq, digest


def _save(connection: psycopg.Connection, head: tuple[int, str]) -> None:
    """Record ``head`` as found intact (nothing is lost if the role may not)."""
    try:
        with connection.transaction():
            connection.execute(_SAVE, head)
    except psycopg.Error:
        return
