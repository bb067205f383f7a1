"""Group commit (``service.group_commit``): requests that wait for the journal are written in
one commit, each gets back exactly its own records, and a failed commit acknowledges none of
them; on a real file journal and a real PostgreSQL journal, where requests with an
``Idempotency-Key`` join the group and keep their answers in its transaction."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, decide, invitation

from tamis.audit import verify
from tamis.audit.chain import ChainHead
from tamis.audit.errors import JournalUnavailable
from tamis.audit.journal import Journal, open_journal
from tamis.audit.postgres import locking, read, schema
from tamis.audit.postgres.answers import Answered
from tamis.audit.postgres.sink import PostgresSink
from tamis.audit.record import Entry
from tamis.service.group_commit import GroupCommit, Keyed

REQUESTS = 5
PER_REQUEST = 3


def entries(request: int) -> list[Entry]:
    """A request's decisions: invitations numbered after the request."""
    policy = checked()
    made = []
    for number in range(PER_REQUEST):
        decision = decide(policy, photo=number % 2 == 0, connexions=500, evidence={})
        made.append(Entry(decision, invitation(request * 100 + number), 0.0))
    return made


def send_all_while_locked(appends: GroupCommit) -> tuple[list, list]:
    """``REQUESTS`` threads append while the journal's lock is held, so that all of them
    queue; the lock is released once they have; (records or error) per request."""
    policy = checked()
    answers: list = [None] * REQUESTS

    def request(number: int) -> None:
        try:
            answers[number] = appends.record_decisions(entries(number), policy=policy)
        except Exception as error:  # what the request would answer with
            answers[number] = error

    return answers, queued_while_locked(appends, request)


def queued_while_locked(appends: GroupCommit, request: Callable[[int], None]) -> list:
    """``request(n)`` for each of the ``REQUESTS`` in a thread of its own, started while the
    journal's lock is held, each once the one before waits in the queue (so the group holds
    them in the order of their numbers), and the lock released once all of them wait; the
    threads, joined."""
    threads = [threading.Thread(target=request, args=(n,)) for n in range(REQUESTS)]
    with appends.lock:
        for number, thread in enumerate(threads, start=1):
            thread.start()
            deadline = time.monotonic() + 30
            while appends.queued < number and time.monotonic() < deadline:
                time.sleep(0.005)
            assert appends.queued == number
    for thread in threads:
        thread.join(60)
    return threads


def assert_each_got_its_own(answers: list) -> None:
    for number, records in enumerate(answers):
        assert [r["contenu"]["invitation"]["id"] for r in records] == [
            invitation(number * 100 + n)["id"] for n in range(PER_REQUEST)
        ]
    seqs = sorted(r["seq"] for records in answers for r in records)
    assert seqs == list(range(seqs[0], seqs[0] + REQUESTS * PER_REQUEST))


def test_requests_waiting_for_a_file_journal_are_written_in_one_locked_write(tmp_path):
    path = tmp_path / "j.jsonl"
    with open_journal(path) as journal:
        appends = GroupCommit(journal, threading.Lock())
        answers, _threads = send_all_while_locked(appends)
    assert appends.writes == 1
    assert_each_got_its_own(answers)
    result = verify.verify_journal(path)
    assert result.ok and result.count == 1 + 1 + REQUESTS * PER_REQUEST


@pytest.fixture
def journal_url(pg_url: str) -> str:
    schema.initialise(pg_url)
    return pg_url


def test_requests_waiting_for_a_postgresql_journal_are_one_transaction(journal_url):
    with open_journal(journal_url) as journal:
        committed = journal.sink.syncs
        appends = GroupCommit(journal, threading.Lock())
        answers, _threads = send_all_while_locked(appends)
        assert journal.sink.syncs - committed == 1  # one commit for the five requests
    assert appends.writes == 1
    assert_each_got_its_own(answers)
    result = read.verify(journal_url)
    assert result.ok and result.count == 1 + 1 + REQUESTS * PER_REQUEST


def test_a_group_whose_commit_fails_acknowledges_none_of_its_requests(journal_url):
    head = ChainHead()
    sink = PostgresSink(journal_url, head)
    sink.LOCK_LIMIT_MS = 300  # another writer holds the journal's lock longer than that
    journal = Journal(sink, head)
    appends = GroupCommit(journal, threading.Lock())
    try:
        with locking.held(journal_url):
            answers, _threads = send_all_while_locked(appends)
        assert all(isinstance(answer, JournalUnavailable) for answer in answers)
        assert len({id(answer) for answer in answers}) == REQUESTS  # each raised its own
        assert str(answers[0]).startswith("impossible de lire le journal PostgreSQL")
        with psycopg.connect(journal_url) as connection:
            found = connection.execute(f"SELECT count(*) FROM {schema.TABLE}").fetchone()
        assert found == (0,)  # nothing of the group was committed
        later = appends.record_decisions(entries(9), policy=checked())  # the lock is free again
        assert [r["seq"] for r in later] == [3, 4, 5]  # after ouverture and politique
    finally:
        journal.close()
    assert read.verify(journal_url).ok


def test_requests_with_keys_join_the_group_and_keep_their_answers_in_its_transaction(
    journal_url,
):
    """Five requests queue while the lock is held: two carry no key, one a key another
    instance answered already, two copies of one request share a key. One transaction
    writes the three that are new, keeps the two new answers with the seq range of their
    records, and the copy and the known key get their kept answers, nothing written."""
    policy = checked()
    with psycopg.connect(journal_url, autocommit=True) as admin:
        admin.execute(
            "INSERT INTO tamis_idempotence (cle, empreinte_corps, reponse) "
            "VALUES ('connue', 'e-connue', 'premiere')"
        )
    keys = [None, Keyed("connue", "e-connue", b"autre"), Keyed("double", "e-d", b"r-d"),
            None, Keyed("double", "e-d", b"r-d")]  # fmt: skip
    answers: list = [None] * REQUESTS
    with open_journal(journal_url) as journal:
        committed = journal.sink.syncs
        appends = GroupCommit(journal, threading.Lock())

        def request(number: int) -> None:
            pending = appends.prepare(entries(number), policy=policy, context_sha256=None)
            keyed = keys[number]
            answers[number] = (
                appends.write(pending) if keyed is None else appends.write_keyed(pending, keyed)
            )

        queued_while_locked(appends, request)
        assert journal.sink.syncs - committed == 1  # one transaction for all five
    assert appends.writes == 1
    assert answers[1] == Answered("e-connue", b"premiere")
    assert answers[4] == Answered("e-d", b"r-d")  # the copy: the first one's answer
    assert answers[2] is None
    with psycopg.connect(journal_url, autocommit=True) as admin:
        ids = admin.execute(
            "SELECT seq, id_invitation FROM tamis_journal WHERE evenement = 'decision' ORDER BY seq"
        ).fetchall()
        kept = admin.execute(
            "SELECT cle, reponse, seq_premier, seq_dernier FROM tamis_idempotence ORDER BY cle"
        ).fetchall()
    written = [number for number in range(REQUESTS) if number not in (1, 4)]
    assert [ident for _seq, ident in ids] == [
        invitation(number * 100 + n)["id"] for number in written for n in range(PER_REQUEST)
    ]
    second = {invitation(200 + n)["id"] for n in range(PER_REQUEST)}
    double = [seq for seq, ident in ids if ident in second]
    assert kept == [
        ("connue", b"premiere", None, None),
        ("double", b"r-d", min(double), max(double)),
    ]
    assert read.verify(journal_url).ok
