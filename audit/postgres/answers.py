"""The service's ``Idempotency-Key`` answers, kept in a PostgreSQL journal's database.

Sits beside the writer's sink (``sink.PostgresSink.answering``): the row of an answer (to
``POST …/decisions`` or ``POST …/conseils``) is
inserted in the **same transaction** as the records it answers, after the key was looked up
under the journal's advisory lock. So the answer is kept exactly when the decisions are:
a retry that reaches any instance, even after a 503 that hid a commit, finds the first
answer and decides nothing; a request whose transaction was rolled back left no answer, and
its retry decides. ``tamis_idempotence`` (schema version 4) holds the key, the SHA-256 of
the request it came with, the answer's bytes and when it was kept (the server's clock, the
same on every machine), by which old answers are pruned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tamis.audit.errors import JournalError
from tamis.audit.postgres import url as urls

if TYPE_CHECKING:  # psycopg is imported by the functions that reach the server
    import psycopg

TABLE = "tamis_idempotence"
RIGHTS = "SELECT, INSERT, DELETE"  # the service's: look up, keep, prune
_FIND = f"SELECT cle, empreinte_corps, reponse FROM {TABLE} WHERE cle = ANY(%s)"
_STORE = f"INSERT INTO {TABLE} (cle, empreinte_corps, reponse) VALUES (%s, %s, %s)"
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


@dataclass(frozen=True)
class Answered:
    """What was kept for a key answered already (on this instance or another)."""

    fingerprint: str
    body: bytes


def find(connection: psycopg.Connection, keys: list[str]) -> dict[str, Answered]:
    """The answers kept for any of ``keys``, by key (read in the caller's transaction)."""
    if not keys:
        return {}
    found = connection.execute(_FIND, (keys,)).fetchall()
    return {key: Answered(fingerprint, bytes(body)) for key, fingerprint, body in found}


def store(connection: psycopg.Connection, kept: list[Answer]) -> None:
    """Keep ``kept`` in the caller's transaction: committed with the records, or not at all."""
    if kept:
        with connection.cursor() as cursor:
            cursor.executemany(_STORE, [(a.key, a.fingerprint, a.body) for a in kept])


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
    import psycopg

    try:
        with urls.connect(url, autocommit=True) as connection:
            allowed = connection.execute(_RIGHTS).fetchone()
    except psycopg.Error as error:
        raise urls.failed(url, error, "de lire") from None
    if not (allowed and allowed[0]):
        raise JournalError(
            f"le rôle du service ne peut pas garder les réponses d'idempotence dans le journal "
            f"PostgreSQL {urls.shown(url)} : il lui faut {RIGHTS} sur {TABLE} (GRANT {RIGHTS} "
            f"ON {TABLE} TO …;)"
        )
