"""Logging out of the web interface: a session revoked once is refused by every process.

A session cookie (``web_session``) stays valid until its expiry; « Se déconnecter » revokes
its random number where every process serving the workspace looks, as the
``Idempotency-Key`` answers are kept (``idempotence``):

- a file journal: ``<journal>.sessions.sqlite`` beside it (``FileStore``, mode 0600 like the
  journal), shared by the worker processes and by any other ``tamis servir`` on that journal;
- a PostgreSQL journal: the table ``tamis_sessions_revoquees`` of its database
  (``audit.postgres.revocations``), shared by every instance behind the load balancer.

``Revocations`` is what a workspace holds in one process: each web request asks the store
once (one look-up of its primary key), and a number found revoked is remembered (revocation
is permanent), so it is never asked again. A store that cannot answer is a French
``JournalError``, which the service turns into the 503 of a journal out of use: a cookie
that may have been revoked is never let in. Rows of sessions expired for more than
``MARGIN_S`` are pruned by the service's ``pruning.Pruner``.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from tamis.audit import answers
from tamis.audit.errors import JournalError
from tamis.audit.postgres import revocations as in_database

SUFFIX = ".sessions.sqlite"
MARGIN_S = 3600  # rows outlive their session by this much: clocks of machines differ
KNOWN_AT_MOST = 4096  # numbers found revoked that one process remembers
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS revocations (numero TEXT PRIMARY KEY, expire_le REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS revocations_expire_le ON revocations (expire_le)",
)


class FileStore:
    """The revoked sessions of a file journal's workspace, in SQLite beside the journal,
    through one connection per process shared by its threads."""

    def __init__(self, journal: Path) -> None:
        self.path = journal.with_name(journal.name + SUFFIX)
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def add(self, number: str, expires: float) -> None:
        statement = "INSERT OR IGNORE INTO revocations (numero, expire_le) VALUES (?, ?)"
        self._run(statement, (number, expires))

    def holds(self, number: str) -> bool:
        found = self._run("SELECT 1 FROM revocations WHERE numero = ?", (number,))
        return found is not None

    def check(self) -> bool:
        """At start: the store opens and takes writes (else a French ``JournalError``);
        it may always be pruned."""
        self._run("BEGIN IMMEDIATE", ())
        self._run("ROLLBACK", ())
        return True

    def prune(self, margin_s: float) -> int:
        """Forget the sessions expired more than ``margin_s`` seconds ago; how many went."""
        with self._lock:
            try:
                done = self._held().execute(
                    "DELETE FROM revocations WHERE expire_le < ?", (time.time() - margin_s,)
                )
                return done.rowcount
            except sqlite3.Error as error:
                self._drop()
                raise self._failed(error) from None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _run(self, statement: str, values: tuple) -> tuple | None:
        with self._lock:
            try:
                return self._held().execute(statement, values).fetchone()
            except sqlite3.Error as error:
                self._drop()
                raise self._failed(error) from None

    def _held(self) -> sqlite3.Connection:
        if self._connection is None:
            self._connection = _connect(self.path)
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _failed(self, error: sqlite3.Error) -> JournalError:
        return JournalError(
            f"déconnexions de l'interface web inaccessibles ({self.path} : {answers.reason(error)})"
        )


def _connect(path: Path) -> sqlite3.Connection:
    """The store at ``path``, created 0600 if new, its table there; raises ``sqlite3.Error``."""
    return answers.open_store(path, _SCHEMA, threads=True)


class DatabaseStore(in_database.Revoked):
    """The revoked sessions of a PostgreSQL journal's workspace, in its database."""

    def check(self) -> bool:
        return in_database.check(self.url)

    def prune(self, margin_s: float) -> int | None:
        return in_database.prune(self.url, margin_s)


Store = FileStore | DatabaseStore


def store_for(journal: Path | str) -> Store:
    """Where a workspace's revoked sessions live: beside a file journal, in a PostgreSQL
    journal's database."""
    if isinstance(journal, str):
        return DatabaseStore(journal)
    return FileStore(journal)


class Revocations:
    """One workspace's revoked sessions as one process sees them: its store, and the numbers
    already found revoked (never asked again)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._known: dict[str, float] = {}  # number -> its session's expiry
        self._lock = threading.Lock()

    def revoke(self, number: str, expires: float) -> None:
        """Revoke the session ``number`` (which expires at ``expires``) for every process;
        a ``JournalError`` if the store cannot keep it: the session is still valid."""
        self.store.add(number, expires)
        self._remember(number, expires)

    def revoked(self, number: str, expires: float) -> bool:
        """Whether the session ``number`` was revoked, by any process; a ``JournalError``
        if the store cannot say."""
        if number in self._known:
            return True
        if not self.store.holds(number):
            return False
        self._remember(number, expires)
        return True

    def close(self) -> None:
        self.store.close()

    def _remember(self, number: str, expires: float) -> None:
        with self._lock:
            if len(self._known) >= KNOWN_AT_MOST:  # expired sessions are refused anyway
                now = time.time()
                self._known = {n: e for n, e in self._known.items() if e >= now}
                while len(self._known) >= KNOWN_AT_MOST:
                    del self._known[next(iter(self._known))]  # the oldest: asked again if need be
            self._known[number] = expires
