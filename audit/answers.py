"""The service's ``Idempotency-Key`` answers of a file journal, in SQLite beside it.

Owned here, beside the journal, because erasure must reach them: an answer can quote the
invitations it decided (names, profiles) or the draft it advised on. Each answer row keeps
the ``seq`` range of the records it answers (``seq_premier``, ``seq_dernier``: one request's
records are consecutive); ``erase`` empties the answer of every row whose range holds an
erased record and names the ``effacement`` record (``effacement``), so that a retry learns
its answer was erased and nothing is decided again. The service writes and reads the rows
(``tamis.service.idempotence.FileStore``); the PostgreSQL journal's answers live in its
database (``postgres.answers``).

Lock order: a writer of answers takes SQLite's write lock (``BEGIN IMMEDIATE``) before the
journal's; erasure does the same (``locked``), so neither waits for the other while holding
what the other needs.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from tamis.audit.errors import JournalError

SUFFIX = ".idempotence.sqlite"
SCHEMA = """CREATE TABLE IF NOT EXISTS reponses (
    cle TEXT PRIMARY KEY, empreinte_corps TEXT NOT NULL, reponse BLOB NOT NULL,
    cree_le REAL NOT NULL DEFAULT 0, seq_premier INTEGER, seq_dernier INTEGER,
    effacement INTEGER)"""
ADDED = (  # columns a store kept by an earlier tamis lacks (its rows: not reached by erasure)
    ("cree_le", "REAL NOT NULL DEFAULT 0"),  # its answers age out at once
    ("seq_premier", "INTEGER"),
    ("seq_dernier", "INTEGER"),
    ("effacement", "INTEGER"),
)
_CANDIDATES = """SELECT cle, seq_premier, seq_dernier FROM reponses
 WHERE effacement IS NULL AND seq_premier <= ? AND seq_dernier >= ?"""


def path_for(journal: Path) -> Path:
    """Where the answers of ``journal``'s workspace are kept."""
    return journal.with_name(journal.name + SUFFIX)


def connect(path: Path) -> sqlite3.Connection:
    """The store at ``path`` (created 0600 if new: answers name invitations), its table up
    to date; raises ``sqlite3.Error``."""
    # secure_delete: an emptied answer leaves no bytes behind
    connection = open_store(path, ("PRAGMA secure_delete=ON", SCHEMA))
    columns = {row[1] for row in connection.execute("PRAGMA table_info(reponses)")}
    for name, kind in ADDED:
        if name not in columns:
            connection.execute(f"ALTER TABLE reponses ADD COLUMN {name} {kind}")
    return connection


def open_store(
    path: Path, statements: Iterable[str], *, threads: bool = False
) -> sqlite3.Connection:
    """A SQLite store beside a journal (its answers here, the web interface's logouts in
    ``service.revocations``): created 0600 if new, in WAL mode, ``statements`` run (its
    tables); closed again if one fails; raises ``sqlite3.Error``. ``threads``: one
    connection shared by a process's threads, under its owner's lock."""
    fresh = not path.exists()
    connection = sqlite3.connect(
        path, timeout=60, isolation_level=None, check_same_thread=not threads
    )
    try:
        if fresh:
            os.chmod(path, 0o600)
        connection.execute("PRAGMA journal_mode=WAL")
        for statement in statements:
            connection.execute(statement)
    except BaseException:
        connection.close()
        raise
    return connection


@contextlib.contextmanager
def locked(journal: Path) -> Iterator[sqlite3.Connection | None]:
    """The store of ``journal`` under its write lock (None: there is none), for an erasure:
    taken before the journal's lock, as the service takes it (see the module's docstring).
    The block commits what it did itself; anything left is rolled back. A store that cannot
    be opened or locked is a French ``JournalError``: nothing was erased."""
    path = path_for(journal)
    if not path.exists():
        yield None
        return
    try:
        connection = connect(path)
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        raise failed(path, error) from None
    try:
        yield connection
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.close()


def failed(path: Path, error: sqlite3.Error) -> JournalError:
    return JournalError(
        f"réponses d'idempotence inaccessibles ({path} : {reason(error)}) : rien n'a été effacé"
    )


_REASONS = (
    ("unable to open", "impossible d'ouvrir le fichier"),
    ("readonly", "fichier ou dossier en lecture seule"),
    ("malformed", "fichier abîmé"),
    ("not a database", "ce n'est pas une base SQLite"),
    ("locked", "verrouillé trop longtemps par le service"),
    ("full", "disque plein"),
    ("I/O", "erreur d'entrée-sortie"),
)


def reason(error: sqlite3.Error) -> str:
    """SQLite's reason, in French for the cases a user can fix."""
    text = str(error)
    return next((french for needle, french in _REASONS if needle in text), f"SQLite : {text}")


def erase(connection: sqlite3.Connection, erased: list[int], erasure_seq: int) -> int:
    """Empty the answers that cover any of ``erased`` (seq numbers), naming the erasure
    record ``erasure_seq``; how many were emptied."""
    if not erased:
        return 0
    chosen = set(erased)
    low, high = min(erased), max(erased)
    rows = connection.execute(_CANDIDATES, (high, low)).fetchall()
    keys = [key for key, first, last in rows if _covers(chosen, first, last)]
    connection.executemany(
        "UPDATE reponses SET reponse = x'', effacement = ? WHERE cle = ?",
        [(erasure_seq, key) for key in keys],
    )
    return len(keys)


def _covers(chosen: set[int], first: int, last: int) -> bool:
    """Some seq of ``chosen`` lies in ``first..last``."""
    if last - first < len(chosen):
        return any(seq in chosen for seq in range(first, last + 1))
    return any(first <= seq <= last for seq in chosen)
