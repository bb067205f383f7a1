"""The writer's sink for a PostgreSQL journal: what ``JournalFile`` is to a file.

``audit.journal.Journal`` runs over it unchanged (the same processors number, chain and seal
the same lines). ``with sink.locked() as head:`` opens a transaction, takes the journal's
advisory lock (``pg_advisory_xact_lock``: one writer at a time, on every machine, released by
the commit) and reads the chain head from the table; ``msg`` receives the sealed lines;
leaving the block inserts their rows with one ``COPY`` and commits (``synchronous_commit``
on): the caller is acknowledged only after the commit. On any error the transaction is
rolled back, nothing of the batch is in the table, and the error is a French
``JournalError``. Transactions are ``READ COMMITTED`` whatever the server's default: each
statement takes its snapshot when it starts, so the head is read after the lock is granted
(under ``REPEATABLE READ`` the snapshot would be the lock statement's, taken before the lock:
a stale head, and writers colliding on ``seq``).

Reconnection (a service outlives server restarts): a connection found dead when a batch
begins (the server restarted since the last batch) is replaced once, at once, since nothing
of the batch was written yet; a connection lost later fails that batch (its commit may or may
not have happened: it is never acknowledged) and the next batch opens a new one. While the
server cannot be reached, batches fail at once with the last ``JournalUnavailable`` for
``COOLDOWN`` seconds instead of each waiting for a connection.

A writer that vanishes while it holds the journal's lock (a machine lost, a process frozen)
must not stop every other writer: the server ends a session left idle inside a transaction
after ``IDLE_LIMIT_MS`` (its transaction rolled back, the lock released), and a writer waits
for the lock ``LOCK_LIMIT_MS`` at most (then ``JournalUnavailable``: try again later).

``with sink.answering(keys) as keyed:`` is the locked section of requests that carry an
``Idempotency-Key`` (one, or a group of them with requests that carry none): the keys are
looked up under the lock (``keyed.found``: what any instance committed already, so that
nothing is written again for them), and the answers the block gives ``keyed.keep`` are
inserted in the same transaction as the records written in the block (``answers``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import psycopg

from tamis.audit.chain import ChainHead
from tamis.audit.errors import JournalUnavailable
from tamis.audit.layout import GENESIS
from tamis.audit.postgres import answers, rows, schema
from tamis.audit.postgres import url as urls

COPY = f"COPY {schema.TABLE} ({', '.join(rows.COLUMNS)}) FROM STDIN"
LOCK = f"SELECT pg_advisory_xact_lock(%s, '{schema.TABLE}'::regclass::oid::integer)"
_HEAD = f"""
SELECT (SELECT max(version) FROM tamis_schema), head.*
  FROM (SELECT) one LEFT JOIN LATERAL (
    SELECT seq, empreinte,
           (SELECT politique_sha256 FROM {schema.TABLE}
             WHERE politique_sha256 IS NOT NULL ORDER BY seq DESC LIMIT 1)
      FROM {schema.TABLE} ORDER BY seq DESC LIMIT 1) head ON true
"""
"""The schema's version and the chain's head, read under the lock in one statement: a
schema migrated by another tamis while this writer ran (its version checked only when it
connected) stops the batch before anything is written, as it stops any command."""


class Keyed:
    """The answers of one transaction: kept already for its keys (``found``: by key), and
    to keep with its records (``new``)."""

    __slots__ = ("found", "new")

    def __init__(self, found: dict[str, answers.Answered]) -> None:
        self.found = found
        self.new: list[answers.Answer] = []

    def keep(self, answer: answers.Answer) -> None:
        self.new.append(answer)


class PostgresSink:
    """Appends sealed records to a PostgreSQL journal, one transaction per locked section."""

    CHUNK = 1000  # records sealed per run within a batch (all inserted in one COPY)
    COOLDOWN = 0.5  # seconds during which a failed connection is not tried again
    IDLE_LIMIT_MS = 15_000  # a session idle this long in its transaction is ended by the server
    LOCK_LIMIT_MS = 30_000  # the longest wait for the journal's lock

    def __init__(self, url: str, head: ChainHead) -> None:
        self.url, self.head = url, head
        self.path = url  # what ``Journal.path`` returns: the journal's name, as given
        self.syncs = 0  # transactions committed (for the service's metrics)
        self._lines: list[bytes] = []
        self._depth = 0
        self._connection: psycopg.Connection | None = None
        self._failure: JournalUnavailable | None = None  # the last failed connection's error
        self._retry_at = 0.0  # monotonic time before which it is not tried again

    @property
    def connected(self) -> bool:
        """A connection is open (it may still turn out dead when next used)."""
        connection = self._connection
        return connection is not None and not (connection.closed or connection.broken)

    def _connected(self) -> psycopg.Connection:
        """The open connection, (re)connected and the schema checked when needed."""
        if self.connected:
            return self._connection  # type: ignore[return-value]
        if self._failure is not None and time.monotonic() < self._retry_at:
            raise JournalUnavailable(str(self._failure))  # a new one: tracebacks never pile up
        try:
            self._connection = self._connect()
        except JournalUnavailable as error:
            self._failure, self._retry_at = error, time.monotonic() + self.COOLDOWN
            raise
        self._failure = None
        return self._connection

    def _connect(self) -> psycopg.Connection:
        connection = urls.connect(self.url)  # READ COMMITTED: see the module's docstring
        try:
            schema.check(self.url, connection)
            connection.rollback()
            connection.execute(
                "SELECT set_config('idle_in_transaction_session_timeout', %s, false), "
                "set_config('lock_timeout', %s, false)",
                (str(self.IDLE_LIMIT_MS), str(self.LOCK_LIMIT_MS)),
            )
            connection.commit()
        except psycopg.Error as error:
            connection.close()
            raise urls.failed(self.url, error, "de lire") from None
        except BaseException:
            connection.close()
            raise
        return connection

    def locked(self) -> PostgresSink:
        return self

    def __enter__(self) -> ChainHead:
        if self._depth:
            self._depth += 1
            return self.head
        found = self._begin(retry=self.connected)
        head = self.head
        head.seq, head.empreinte, head.politique = found if found else (0, GENESIS, None)
        self._depth, self._lines = 1, []
        return head

    @contextlib.contextmanager
    def answering(self, keys: list[str]) -> Iterator[Keyed]:
        """The locked section of requests with an ``Idempotency-Key``: the answers already
        kept for ``keys`` (``Keyed.found``), and those given to ``Keyed.keep``, kept in the
        transaction that commits the block's records (or rolled back with them)."""
        with self:
            keyed = Keyed(self._answers(answers.find, keys))
            yield keyed
            self._answers(answers.store, keyed.new)

    def _answers(self, step, *args):
        """One statement on the answers table in the open transaction; a French
        ``JournalError`` (the transaction is then rolled back) if it fails."""
        try:
            return step(self._connection, *args)
        except psycopg.Error as error:
            raise urls.failed(self.url, error, "d'écrire dans") from None

    def _begin(self, *, retry: bool) -> tuple | None:
        """Lock the journal and read its head in a new transaction; a connection that was
        open but is found dead (the server restarted) is replaced once, when ``retry``."""
        connection = self._connected()
        try:
            connection.execute(LOCK, (schema.LOCK_CLASS,))
            version, *head = connection.execute(_HEAD).fetchone()
        except psycopg.OperationalError as error:
            self._rollback()
            if retry and not self.connected:
                return self._begin(retry=False)
            raise urls.failed(self.url, error, "de lire") from None
        except psycopg.Error as error:
            self._rollback()
            raise urls.failed(self.url, error, "de lire") from None
        if version != schema.VERSION:
            self._rollback()
            schema.require_current(self.url, version)
        return tuple(head) if head[0] is not None else None

    def msg(
        self, pieces: list[bytes], record: dict | None = None, records: list | None = None
    ) -> dict | list[dict]:
        """Keep the sealed line(s) for the commit, and move the head past them."""
        if not self._depth:
            raise RuntimeError("PostgresSink.msg outside locked()")
        self._lines += b"".join(pieces).splitlines()
        self.head.advance(record if records is None else records[-1], 0)  # type: ignore[arg-type]
        return record if records is None else records  # type: ignore[return-value]

    def __exit__(self, kind: type | None, error: BaseException | None, trace: object) -> None:
        if self._depth > 1:
            self._depth -= 1
            return
        self._depth, lines, self._lines = 0, self._lines, []
        if kind is not None:
            self._rollback()
            return
        try:
            self._insert(lines)
            self._connection.commit()  # type: ignore[union-attr]
        except psycopg.Error as failure:
            self._rollback()
            raise urls.failed(self.url, failure, "d'écrire dans") from None
        self.syncs += 1 if lines else 0

    def _insert(self, lines: list[bytes]) -> None:
        if not lines:
            return
        with self._connection.cursor() as cursor, cursor.copy(COPY) as copy:  # type: ignore[union-attr]
            for line in lines:
                copy.write_row(rows.row_of(line))

    def _rollback(self) -> None:
        """Undo the transaction (nothing of it was acknowledged); a broken connection is
        dropped, to be opened again by the next batch."""
        connection, self.head.size = self._connection, -1
        if connection is None:
            return
        try:
            connection.rollback()
        except psycopg.Error:
            connection.close()
            self._connection = None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def open_sink(url: str, head: ChainHead) -> PostgresSink:
    """A sink on ``url``, connected and its schema checked now (a French ``JournalError``
    otherwise), so that nothing is decided for a journal that cannot take it."""
    sink = PostgresSink(url, head)
    sink._connected()
    return sink


def reachable(url: str) -> bool:
    """Whether the journal at ``url`` can be reached and used now (a new connection, its
    schema checked, closed): what a health check asks, apart from any writer's connection."""
    from tamis.audit.errors import JournalError

    try:
        with urls.connect(url, autocommit=True) as connection:
            schema.check(url, connection)
    except JournalError:
        return False
    return True
