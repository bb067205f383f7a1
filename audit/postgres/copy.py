"""``tamis journal copier``: a journal copied between a file and PostgreSQL, either way,
verified end to end.

The destination must be new (a file) or empty (a database): that is said before the source
is read. The source is verified first (a broken chain is not copied: it would verify nowhere;
a torn last line, a write interrupted before it was acknowledged, is left behind with a
warning, as every reader leaves it); its lines are then written to the destination: a file
is written under a temporary name beside it, synced, then renamed (mode 0600); a database
gets every row in one transaction under the journal's lock (schema created if missing), then
is analysed (``ANALYZE``: the queries' plans need statistics, see ``query.settings_for``).
Finally the destination is verified and must end on the source's last digest, after as many
records.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

import psycopg

from tamis.audit.errors import JournalError, warn_on_stderr
from tamis.audit.new_file import write_new
from tamis.audit.postgres import rows, schema, sink
from tamis.audit.postgres import url as urls
from tamis.audit.postgres.backend import lines_of, shown, verify_any
from tamis.audit.verify import EMPTY


class Copied(NamedTuple):
    count: int  # records copied
    last_seq: int
    last_digest: str  # the head digest both journals verify to


def copy_journal(source: str, destination: str, warn=warn_on_stderr) -> Copied:
    """Copy ``source`` into ``destination`` (new or empty); ``JournalError`` in French."""
    if urls.is_url(destination):
        require_empty(destination)  # said before the source is read, not after
    elif Path(destination).exists():  # likewise: a file is never replaced
        raise JournalError(_taken(destination))
    before = verify_any(source, contents=True)  # every record is parsed to be copied
    if before.problem is not None and before.problem.empty:
        raise JournalError(f"{shown(source)} : {EMPTY} ; rien à copier.")
    if before.problem is not None and not before.problem.only_torn:
        raise JournalError(
            f"{shown(source)} ne se vérifie pas ({before.problem.message}) ; rien n'a été copié."
        )
    if urls.is_url(destination):
        into_database(lines_of(source, warn), destination, warn)
    else:
        _into_file(lines_of(source, warn), Path(destination))
    after = verify_any(destination)
    if after.problem is not None or after.last_digest != before.last_digest:
        found = after.problem.message if after.problem else f"fin {after.last_digest}"
        raise JournalError(
            f"la copie {shown(destination)} ne se vérifie pas comme l'original ({found})."
        )
    return Copied(before.count, before.last_seq, before.last_digest)


def require_empty(url: str) -> None:
    """Before the source is read: a ``JournalError`` if the database ``url`` already holds
    records (a journal not created yet is empty). ``into_database`` checks again under the
    lock; this early check also keeps ``migrer`` from waiting forever on a destination that
    is its source, whose lock it holds while reading it."""
    with urls.connect(url) as connection:
        try:
            found = schema.version_of(url, connection)
            if found is None:
                return
            schema.require(url, found)
            used = _holds_records(connection)
        except psycopg.Error as error:
            raise urls.failed(url, error, "de lire") from None
    if used:
        raise _used(url)


def into_database(lines: Iterable[bytes], url: str, warn=warn_on_stderr) -> None:
    """Every line into the empty journal ``url`` (schema created if missing), in one
    transaction under the journal's lock; ``JournalError`` if it already holds a journal.
    ``warn`` hears that the table could not be analysed (``_analyse``)."""
    schema.initialise(url)
    with urls.connect(url) as connection:
        try:
            with connection.transaction():
                connection.execute(sink.LOCK, (schema.LOCK_CLASS,))
                if _holds_records(connection):
                    raise _used(url)
                with connection.cursor() as cursor, cursor.copy(sink.COPY) as copy:
                    for line in lines:
                        copy.write_row(rows.row_of(line))
        except psycopg.Error as error:
            raise urls.failed(url, error, "d'écrire dans") from None
        _analyse(url, connection, warn)


def _holds_records(connection: psycopg.Connection) -> bool:
    return connection.execute(f"SELECT 1 FROM {schema.TABLE} LIMIT 1").fetchone() is not None


def _used(url: str) -> JournalError:
    return JournalError(
        f"{urls.shown(url)} contient déjà un journal ; la copie va dans un journal vide. Rien "
        "n'a été copié."
    )


def _analyse(url: str, connection: psycopg.Connection, warn) -> None:
    """Statistics for the rows just copied, so that the queries' first plans are chosen on
    them rather than blind (autovacuum would take a minute or more to gather them). A role
    that may not analyse the table (not its owner) gets no error, only a server WARNING
    that psycopg keeps to itself: it is heard here and said in French; the copy stands."""
    skipped: list[str] = []

    def heard(notice: psycopg.errors.Diagnostic) -> None:
        if notice.severity_nonlocalized == "WARNING":
            skipped.append(notice.message_primary or "")

    connection.add_notice_handler(heard)
    try:
        connection.execute(f"ANALYZE {schema.TABLE}")
        connection.commit()
    except psycopg.Error:
        connection.rollback()
        skipped.append("")
    finally:
        connection.remove_notice_handler(heard)
    if skipped:
        warn(
            f"le rôle « {connection.info.user} » n'a pas pu analyser la table {schema.TABLE} de "
            f"{urls.shown(url)} (il faut en être propriétaire, ou avoir le droit MAINTAIN depuis "
            "PostgreSQL 17) : les premières recherches y seront plus lentes jusqu'à ce "
            f"qu'autovacuum l'analyse (une minute ou plus), ou lancez « ANALYZE {schema.TABLE}; » "
            "avec le rôle propriétaire. La copie est faite."
        )


def _taken(path: str | Path) -> str:
    return f"{path} existe déjà ; la copie va dans un nouveau fichier."


def _into_file(lines: Iterator[bytes], path: Path) -> None:
    write_new(path, lines, taken=_taken(path))  # a file that appeared since: refused too
