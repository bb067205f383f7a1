"""``Idempotency-Key``: a retried request gets the answer already given, nothing decided twice.

Each key maps to the SHA-256 of the request it came with (``fingerprint``: the body and the
options that shape the answer) and the answer sent; the same key with another request is a
409. Where the answers live follows the journal:

- a file journal: ``<journal>.idempotence.sqlite`` beside it (``FileStore``, mode 0600 like
  the journal: answers name invitations). ``once`` holds SQLite's write lock (``BEGIN
  IMMEDIATE``, shared by every worker process) from the look-up until the answer is stored,
  so two copies of one request never both decide. The answer is stored once the decisions
  are in the journal; should the process die between the two, the retry decides again.
- a PostgreSQL journal: the table ``tamis_idempotence`` of its database (``DatabaseStore``),
  written in the same transaction as the decisions (``workspaces`` through
  ``audit.postgres.sink.PostgresSink.answering``): a retry on any instance, or after a 503
  that hid a commit, gets the first answer.

Both are checked when the service starts (``check``: a store it could not use stops the start)
and forget answers older than the service's ``idempotence_duree`` (``prune``).
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from tamis.audit.errors import JournalError
from tamis.service.errors import ApiError

HEADER = "Idempotency-Key"
DEFAULT_KEPT_S = 24 * 3600  # answers are kept a day, then a retry is a new request
_KEY = re.compile(r"[\x21-\x7e]{1,200}")
_SCHEMA = """CREATE TABLE IF NOT EXISTS reponses (
    cle TEXT PRIMARY KEY, empreinte_corps TEXT NOT NULL, reponse BLOB NOT NULL,
    cree_le REAL NOT NULL DEFAULT 0)"""
_ADD_TIME = "ALTER TABLE reponses ADD COLUMN cree_le REAL NOT NULL DEFAULT 0"


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ApiError(
            400, "clé d'idempotence invalide : 1 à 200 caractères ASCII visibles", HEADER
        )
    return key


def fingerprint(body: bytes, options: str) -> str:
    """What tells two requests apart under one key: the body and the answer's options."""
    return hashlib.sha256(body + options.encode()).hexdigest()


def replayed(kept_fingerprint: str, kept_answer: bytes, fingerprint: str) -> bytes:
    """The answer kept for the key, if it came with this very request; else a 409."""
    if kept_fingerprint != fingerprint:
        raise ApiError(
            409, "clé d'idempotence déjà employée pour une autre requête (corps différent)", HEADER
        )
    return kept_answer


class FileStore:
    """The answers of a file journal's workspace, in SQLite beside the journal."""

    def __init__(self, journal: Path) -> None:
        self.path = journal.with_name(journal.name + ".idempotence.sqlite")

    def _connect(self) -> sqlite3.Connection:
        fresh = not self.path.exists()
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        if fresh:
            os.chmod(self.path, 0o600)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(_SCHEMA)
        columns = [row[1] for row in connection.execute("PRAGMA table_info(reponses)")]
        if "cree_le" not in columns:  # a store kept by an earlier tamis: its answers age out
            connection.execute(_ADD_TIME)
        return connection

    def once(self, key: str, fingerprint: str, answer: Callable[[], bytes]) -> tuple[bytes, bool]:
        """The answer stored for ``key`` (True: a replay), else ``answer()``, stored."""
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
                return replayed(row[0], bytes(row[1]), fingerprint), True
            produced = answer()
            _store(connection, key, fingerprint, produced)
            return produced, False
        finally:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            connection.close()

    def check(self) -> None:
        """At start: the store opens and takes writes, else a French ``JournalError``."""
        try:
            connection = self._connect()
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("ROLLBACK")
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise self._failed(error) from None

    def prune(self, kept_s: float) -> int:
        """Forget the answers stored more than ``kept_s`` seconds ago; how many went."""
        try:
            connection = self._connect()
            try:
                done = connection.execute(
                    "DELETE FROM reponses WHERE cree_le < ?", (time.time() - kept_s,)
                )
                return done.rowcount
            finally:
                connection.close()
        except sqlite3.Error as error:
            raise self._failed(error) from None

    def _failed(self, error: sqlite3.Error) -> JournalError:
        return JournalError(
            f"réponses d'idempotence inaccessibles ({self.path} : {_reason(error)})"
        )

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
        connection.execute(
            "INSERT INTO reponses VALUES (?, ?, ?, ?)", (key, fingerprint, produced, time.time())
        )
        connection.execute("COMMIT")
    except sqlite3.Error:
        pass


_REASONS = (
    ("unable to open", "impossible d'ouvrir le fichier"),
    ("readonly", "fichier ou dossier en lecture seule"),
    ("malformed", "fichier abîmé"),
    ("not a database", "ce n'est pas une base SQLite"),
    ("full", "disque plein"),
    ("I/O", "erreur d'entrée-sortie"),
)


def _reason(error: sqlite3.Error) -> str:
    """SQLite's reason, in French for the cases a user can fix."""
    text = str(error)
    return next((french for needle, french in _REASONS if needle in text), f"SQLite : {text}")


class DatabaseStore:
    """The answers of a PostgreSQL journal's workspace, in its database; written with the
    decisions by the journal's sink, checked and pruned here."""

    def __init__(self, url: str) -> None:
        self.url = url

    def check(self) -> None:
        from tamis.audit.postgres import answers

        answers.check(self.url)

    def prune(self, kept_s: float) -> int:
        from tamis.audit.postgres import answers

        return answers.prune(self.url, kept_s)


Store = FileStore | DatabaseStore


def store_for(journal: Path | str) -> Store:
    """Where a workspace's answers live: beside a file journal, in a PostgreSQL journal's
    database."""
    if isinstance(journal, str):
        return DatabaseStore(journal)
    return FileStore(journal)
