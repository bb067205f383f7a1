"""The PostgreSQL writer (``audit.postgres.sink``) on a real server: a batch's head is read
after the journal's lock is granted whatever the server's default isolation."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, decide, invitation

from tamis.audit.journal import open_journal
from tamis.audit.postgres import read, schema
from tamis.audit.record import Entry


@pytest.fixture
def journal(pg_url: str) -> str:
    schema.initialise(pg_url)
    return pg_url


def entries(count: int, first: int = 0, name: str = "Jean Tremblay") -> list[Entry]:
    policy = checked()
    decision = decide(policy, photo=True, connexions=500, evidence={})
    return [Entry(decision, invitation(first + n, name), 0.0) for n in range(count)]


def write_one_at_a_time(url: str, count: int, errors: list[str]) -> None:
    policy = checked()
    try:
        with open_journal(url) as journal:
            for entry in entries(count):
                journal.record_decisions([entry], policy=policy)
    except Exception as error:  # what the writer would show
        errors.append(str(error))


def test_writers_keep_one_chain_when_the_server_defaults_to_repeatable_read(journal):
    """The lock's statement would otherwise take the transaction's snapshot before the lock
    is granted: the head read after it would be stale, and the insert collide."""
    database = journal.rpartition("/")[2]
    with psycopg.connect(journal, autocommit=True) as admin:
        admin.execute(
            f"ALTER DATABASE \"{database}\" SET default_transaction_isolation = 'repeatable read'"
        )
    errors: list[str] = []
    threads = [
        threading.Thread(target=write_one_at_a_time, args=(journal, 15, errors)) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = read.verify(journal)
    assert result.ok and result.count == 1 + 1 + 4 * 15


def test_a_schema_migrated_while_a_writer_runs_stops_its_next_batch(journal):
    """The version was checked only when the writer connected: a service kept writing rows
    of its own layout into a schema another tamis had migrated since (while every read, and
    /sante, refused it). The writer reads the version under the lock, with the head."""
    from tamis.audit.errors import JournalError
    from tamis.audit.postgres.url import shown

    policy = checked()
    with open_journal(journal) as writer:
        writer.record_decisions(entries(1), policy=policy)
        before = read.verify(journal).count
        with psycopg.connect(journal, autocommit=True) as admin:
            admin.execute("INSERT INTO tamis_schema (version) VALUES (%s)", (schema.VERSION + 1,))
        with pytest.raises(JournalError) as refused:
            writer.record_decisions(entries(1, first=1), policy=policy)
        assert str(refused.value) == (
            f"le journal PostgreSQL {shown(journal)} a un schéma de version "
            f"{schema.VERSION + 1}, plus récent que celui que cette version de tamis connaît "
            f"({schema.VERSION}) ; mettez tamis à jour. Rien n'a été lu ni écrit."
        )
        with psycopg.connect(journal, autocommit=True) as admin:
            assert admin.execute("SELECT count(*) FROM tamis_journal").fetchone() == (before,)
            admin.execute("DELETE FROM tamis_schema WHERE version > %s", (schema.VERSION,))
        writer.record_decisions(entries(1, first=2), policy=policy)  # the same writer goes on
    assert read.verify(journal).count == before + 1
