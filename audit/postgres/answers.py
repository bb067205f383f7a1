"""The service's ``Idempotency-Key`` answers, kept in a PostgreSQL journal's database.

Sits beside the writer's sink (``sink.PostgresSink.answering``): the row of an answer (to
``POST …/decisions`` or ``POST …/conseils``) is
inserted in the **same transaction** as the records it answers, after the key was looked up
under the journal's advisory lock. So the answer is kept exactly when the decisions are:
a retry that reaches any instance, even after a 503 that hid a commit, finds the first
answer and decides nothing; a request whose transaction was rolled back left no answer, and
its retry decides. ``tamis_idempotence`` (schema version 4) holds the key, the SHA-256 of
the request it came with, the answer's bytes and when it was kept (the server's clock, the
same on every machine), by which old answers are pruned. Version 6 adds the ``seq`` range of
the records each answer answers (``seq_premier``, ``seq_dernier``) and ``effacement``: erasing
those records (``postgres.erase``, in its own transaction) empties the answer and names the
``effacement`` record, so that a retry learns it was erased and nothing is decided again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tamis.audit.postgres import url as urls

if TYPE_CHECKING:  # psycopg is imported by the functions that reach the server
    import psycopg

TABLE = "tamis_idempotence"
RIGHTS = "SELECT, INSERT, DELETE"  # the service's: look up, keep, prune
_FIND = f"SELECT cle, empreinte_corps, reponse, effacement FROM {TABLE} WHERE cle = ANY(%s)"
_STORE = f"""INSERT INTO {TABLE} (cle, empreinte_corps, reponse, seq_premier, seq_dernier)
VALUES (%s, %s, %s, %s, %s)"""
_ERASE = f"""
UPDATE {TABLE} SET reponse = '', effacement = %(erasure)s
 WHERE effacement IS NULL AND seq_premier <= %(high)s AND seq_dernier >= %(low)s
   AND EXISTS (SELECT FROM unnest(%(erased)s::bigint[]) AS e(seq)
                WHERE e.seq BETWEEN seq_premier AND seq_dernier)
"""
ERASING_RIGHTS = "SELECT, UPDATE (reponse, effacement)"  # an erasing role's, on the answers
_PRUNE = f"DELETE FROM {TABLE} WHERE cree_le < now() - make_interval(secs => %s)"
_RIGHTS = f"""
SELECT has_table_privilege('{TABLE}', 'SELECT') AND has_table_privilege('{TABLE}', 'INSERT')
   AND has_table_privilege('{TABLE}', 'DELETE')
"""


@dataclass(frozen=True)
class Answer:
    """An answer to keep for ``key``: the request's fingerprint and the bytes sent back."""

    key: str
    fingerprint: str  # SHA-256 (hex) of the request: body and options
    body: bytes
    seqs: tuple[int, int] | None = None  # the first and last records it answers


@dataclass(frozen=True)
class Answered:
    """What was kept for a key answered already (on this instance or another)."""

    fingerprint: str
    body: bytes
    erased_by: int | None = None  # the ``effacement`` record that emptied it, if any


def find(connection: psycopg.Connection, keys: list[str]) -> dict[str, Answered]:
    """The answers kept for any of ``keys``, by key (read in the caller's transaction)."""
    if not keys:
        return {}
    found = connection.execute(_FIND, (keys,)).fetchall()
    return {row[0]: Answered(row[1], bytes(row[2]), row[3]) for row in found}


def store(connection: psycopg.Connection, kept: list[Answer]) -> None:
    """Keep ``kept`` in the caller's transaction: committed with the records, or not at all."""
    if kept:
        with connection.cursor() as cursor:
            cursor.executemany(_STORE, [_row(answer) for answer in kept])


def _row(answer: Answer) -> tuple:
    first, last = answer.seqs or (None, None)
    return answer.key, answer.fingerprint, answer.body, first, last


def erase(connection: psycopg.Connection, erased: list[int], erasure_seq: int) -> int:
    """In the caller's (erasure's) transaction: empty the answers that cover any of
    ``erased``, naming the erasure record ``erasure_seq``; how many were emptied."""
    if not erased:
        return 0
    bounds = {"erasure": erasure_seq, "low": min(erased), "high": max(erased), "erased": erased}
    return connection.execute(_ERASE, bounds).rowcount


def prune(url: str, older_than_s: float) -> int:
    """Forget the answers kept more than ``older_than_s`` seconds ago; how many went.
    A French ``JournalError`` if the server cannot be reached or refuses."""
    import psycopg

    try:
        with urls.connect(url, autocommit=True) as connection:
            return connection.execute(_PRUNE, (older_than_s,)).rowcount
    except psycopg.Error as error:
        raise urls.failed(url, error, "de nettoyer") from None


def check(url: str) -> None:
    """A French ``JournalError`` unless the service's role may look up, keep and prune
    answers (the schema itself is checked by ``schema.check``)."""
    urls.privileges(url, _RIGHTS, "les réponses d'idempotence", RIGHTS, TABLE)
