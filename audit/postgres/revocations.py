"""The web sessions logged out, kept in a PostgreSQL journal's database for every instance.

Sits beside ``answers``: like the ``Idempotency-Key`` answers, what one ``tamis servir``
instance learns must hold on every other one behind the same load balancer. Logging out of
the web interface inserts the session's random number and its expiry into
``tamis_sessions_revoquees`` (schema version 7); every web request asks for its number, one
look-up of the primary key. A row is useless once its session has expired (the cookie is
refused by its expiry alone): ``prune`` deletes the rows expired for longer than a margin
(clocks of several machines never agree exactly), if the role may (``DELETE``, granted
separately: without it the rows stay, a few dozen bytes per logout).

``Revoked`` holds one connection per process, shared by its threads under a lock and
reopened after a failure (a server restarted: the next request finds it back). Any failure is
a French ``JournalError`` (``JournalUnavailable`` for a server out of reach): the service
answers 503 rather than accept a cookie that may have been revoked.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from tamis.audit.errors import JournalError
from tamis.audit.postgres import url as urls

if TYPE_CHECKING:  # psycopg is imported by the functions that reach the server
    import psycopg

TABLE = "tamis_sessions_revoquees"
RIGHTS = "SELECT, INSERT"  # the service's: look up, revoke
PRUNING_RIGHT = "DELETE"  # granted separately, if at all
_ADD = f"""INSERT INTO {TABLE} (numero, expire_le) VALUES (%s, to_timestamp(%s))
ON CONFLICT (numero) DO NOTHING"""
_HOLDS = f"SELECT 1 FROM {TABLE} WHERE numero = %s"
_PRUNE = f"DELETE FROM {TABLE} WHERE expire_le < now() - make_interval(secs => %s)"
_MAY = f"""
SELECT has_table_privilege('{TABLE}', 'SELECT') AND has_table_privilege('{TABLE}', 'INSERT'),
       has_table_privilege('{TABLE}', 'DELETE')
"""


class Revoked:
    """The revoked session numbers of the database at ``url``, through one held connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._connection: psycopg.Connection | None = None
        self._lock = threading.Lock()

    def add(self, number: str, expires: float) -> None:
        """Revoke ``number`` until ``expires`` (Unix time); revoking it again does nothing."""
        self._run(_ADD, (number, expires), "d'écrire dans")

    def holds(self, number: str) -> bool:
        return self._run(_HOLDS, (number,), "de lire") is not None

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _run(self, statement: str, values: tuple, action: str) -> tuple | None:
        """``statement``'s first row (None: none) on the held connection; a connection that
        had served before and fails (the server may have restarted since) is replaced once."""
        with self._lock:
            reused = self._connection is not None
            try:
                return self._once(statement, values, action)
            except JournalError:
                if not reused:
                    raise
            return self._once(statement, values, action)

    def _once(self, statement: str, values: tuple, action: str) -> tuple | None:
        import psycopg

        connection = self._connection or self._open()
        try:
            cursor = connection.execute(statement, values)
            return cursor.fetchone() if cursor.description else None
        except psycopg.Error as error:
            self._drop()
            raise urls.failed(self.url, error, action) from None

    def _open(self) -> psycopg.Connection:
        self._connection = urls.connect(self.url, autocommit=True)
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def check(url: str) -> bool:
    """A French ``JournalError`` unless the service's role may look up and revoke sessions;
    whether it may prune them too (``DELETE``)."""
    kept = "les déconnexions de l'interface web"
    return bool(urls.privileges(url, _MAY, kept, RIGHTS, TABLE)[1])


def prune(url: str, margin_s: float) -> int | None:
    """Forget the sessions expired more than ``margin_s`` seconds ago; how many went (None:
    the role may not delete them). A French ``JournalError`` if the server refuses."""
    if not check(url):
        return None
    import psycopg

    try:
        with urls.connect(url, autocommit=True) as connection:
            return connection.execute(_PRUNE, (margin_s,)).rowcount
    except psycopg.Error as error:
        raise urls.failed(url, error, "de nettoyer") from None
