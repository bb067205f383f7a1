"""``Idempotency-Key``: a retried request gets the answer already given, nothing decided twice.

Sits beside a workspace's journal: ``<journal>.idempotence.sqlite`` (mode 0600, like the
journal: answers name invitations) maps each key to the SHA-256 of the body it came with and
the answer sent. ``once`` holds SQLite's write lock (``BEGIN IMMEDIATE``, shared by every
worker process) from the look-up until the answer is stored, so two copies of one request
never both decide. The answer is stored once the decisions are in the journal; should the
process die between the two, the retry decides again (the journal then shows both).
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path

from tamis.service.errors import ApiError

HEADER = "Idempotency-Key"
_KEY = re.compile(r"[\x21-\x7e]{1,200}")
_SCHEMA = """CREATE TABLE IF NOT EXISTS reponses (
    cle TEXT PRIMARY KEY, empreinte_corps TEXT NOT NULL, reponse BLOB NOT NULL)"""


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ApiError(
            400, "clé d'idempotence invalide : 1 à 200 caractères ASCII visibles", HEADER
        )
    return key


class IdempotencyStore:
    def __init__(self, journal: Path) -> None:
        self.path = journal.with_name(journal.name + ".idempotence.sqlite")

    def _connect(self) -> sqlite3.Connection:
        fresh = not self.path.exists()
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        if fresh:
            os.chmod(self.path, 0o600)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(_SCHEMA)
        return connection

    def once(self, key: str, body: bytes, answer: Callable[[], bytes]) -> tuple[bytes, bool]:
        """The answer stored for ``key`` (True: a replay), else ``answer()``, stored.

        The same key with another body is refused (409): it is another request."""
        fingerprint = hashlib.sha256(body).hexdigest()
        try:
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            row = connection.execute(
                "SELECT empreinte_corps, reponse FROM reponses WHERE cle = ?", (key,)
            ).fetchone()
        except sqlite3.Error:
            raise self._unusable() from None  # nothing decided yet
        try:
            if row is not None:
                connection.execute("ROLLBACK")
                return _replayed(row, fingerprint), True
            produced = answer()
            _store(connection, key, fingerprint, produced)
            return produced, False
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            connection.close()

    def _unusable(self) -> ApiError:
        return ApiError(
            503,
            f"réponses d'idempotence inaccessibles ({self.path.name} : dossier en lecture "
            "seule, disque plein ou fichier abîmé) : rien n'a été décidé ; renvoyez la requête "
            "sans Idempotency-Key, ou corrigez le dossier",
            HEADER,
        )


def _store(connection: sqlite3.Connection, key: str, fingerprint: str, produced: bytes) -> None:
    """Keep the answer; the decisions are already in the journal, so a failure here only
    means a retry would decide again: the answer is still given."""
    try:
        connection.execute("INSERT INTO reponses VALUES (?, ?, ?)", (key, fingerprint, produced))
        connection.execute("COMMIT")
    except sqlite3.Error:
        pass


def _replayed(row: tuple[str, bytes], fingerprint: str) -> bytes:
    if row[0] != fingerprint:
        raise ApiError(
            409, "clé d'idempotence déjà employée pour une autre requête (corps différent)", HEADER
        )
    return bytes(row[1])
