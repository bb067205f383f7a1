"""``Idempotency-Key``: a retried request gets the answer already given, nothing decided twice.

Each key maps to the SHA-256 of the request it came with (``fingerprint``: the body and the
options that shape the answer) and the answer sent; the same key with another request is a
409. Where the answers live follows the journal:

- a file journal: ``<journal>.idempotence.sqlite`` beside it (``FileStore`` over
  ``tamis.audit.answers``, mode 0600 like the journal: answers name invitations). ``once``
  holds SQLite's write lock (``BEGIN IMMEDIATE``, shared by every worker process) from the
  look-up until the answer is stored, so two copies of one request never both decide. The
  answer is stored once the decisions are in the journal; should the process die between
  the two, the retry decides again.
- a PostgreSQL journal: the table ``tamis_idempotence`` of its database (``DatabaseStore``),
  written in the same transaction as the decisions (``workspaces`` through
  ``audit.postgres.sink.PostgresSink.answering``): a retry on any instance, or after a 503
  that hid a commit, gets the first answer.

Each answer keeps the ``seq`` range of the records it answers (``Reply.seqs``), so that
erasing those records (``tamis journal effacer``, ``purger``) empties it too; a retry then
gets a 410 naming the erasure, and nothing is decided again (``replayed``).

Both are checked when the service starts (``check``: a store it could not use stops the start)
and forget answers older than the service's ``idempotence_duree`` (``prune``).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from tamis.audit import answers
from tamis.audit.errors import JournalError
from tamis.service.errors import ApiError

HEADER = "Idempotency-Key"
DEFAULT_KEPT_S = 24 * 3600  # answers are kept a day, then a retry is a new request
_KEY = re.compile(r"[\x21-\x7e]{1,200}")


class Reply(NamedTuple):
    """An answer to keep, and the first and last journal records it answers (None: none)."""

    body: bytes
    seqs: tuple[int, int] | None


def seq_range(seqs: list[int]) -> tuple[int, int] | None:
    return (min(seqs), max(seqs)) if seqs else None


def check_key(key: str) -> str:
    if not _KEY.fullmatch(key):
        raise ApiError(
            400, "clé d'idempotence invalide : 1 à 200 caractères ASCII visibles", HEADER
        )
    return key


def fingerprint(body: bytes, options: str) -> str:
    """What tells two requests apart under one key: the body and the answer's options."""
    return hashlib.sha256(body + options.encode()).hexdigest()


def replayed(
    kept_fingerprint: str, kept_answer: bytes, fingerprint: str, erased_by: int | None = None
) -> bytes:
    """The answer kept for the key, if it came with this very request; else a 409; a 410
    if it was erased with the records it answered (``erased_by``: the erasure's seq)."""
    if kept_fingerprint != fingerprint:
        raise ApiError(
            409, "clé d'idempotence déjà employée pour une autre requête (corps différent)", HEADER
        )
    if erased_by is not None:
        raise ApiError(
            410,
            "la réponse gardée pour cette clé d'idempotence a été effacée avec les données "
            f"personnelles qu'elle citait (enregistrement « effacement » n° {erased_by}) : la "
            "requête a déjà été traitée, elle n'est ni redécidée ni réinscrite",
            HEADER,
        )
    return kept_answer


class FileStore:
    """The answers of a file journal's workspace, in SQLite beside the journal."""

    def __init__(self, journal: Path) -> None:
        self.path = answers.path_for(journal)

    def _connect(self) -> sqlite3.Connection:
        return answers.connect(self.path)

    def once(self, key: str, fingerprint: str, answer: Callable[[], Reply]) -> tuple[bytes, bool]:
        """The answer stored for ``key`` (True: a replay), else ``answer()``, stored."""
        try:
            connection = self._connect()
            connection.execute("BEGIN IMMEDIATE")
            row = connection.execute(
                "SELECT empreinte_corps, reponse, effacement FROM reponses WHERE cle = ?", (key,)
            ).fetchone()
        except sqlite3.Error:
            raise self._unusable() from None  # nothing decided yet
        try:
            if row is not None:
                connection.execute("ROLLBACK")
                return replayed(row[0], bytes(row[1]), fingerprint, row[2]), True
            produced = answer()
            _store(connection, key, fingerprint, produced)
            return produced.body, False
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
            f"réponses d'idempotence inaccessibles ({self.path} : {answers.reason(error)})"
        )

    def _unusable(self) -> ApiError:
        return ApiError(
            503,
            f"réponses d'idempotence inaccessibles ({self.path.name} : dossier en lecture "
            "seule, disque plein ou fichier abîmé) : rien n'a été décidé ; renvoyez la requête "
            "sans Idempotency-Key, ou corrigez le dossier",
            HEADER,
        )


def _store(connection: sqlite3.Connection, key: str, fingerprint: str, produced: Reply) -> None:
    """Keep the answer; the decisions are already in the journal, so a failure here only
    means a retry would decide again: the answer is still given."""
    first, last = produced.seqs or (None, None)
    try:
        connection.execute(
            "INSERT INTO reponses (cle, empreinte_corps, reponse, cree_le, seq_premier, "
            "seq_dernier) VALUES (?, ?, ?, ?, ?, ?)",
            (key, fingerprint, produced.body, time.time(), first, last),
        )
        connection.execute("COMMIT")
    except sqlite3.Error:
        pass


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
