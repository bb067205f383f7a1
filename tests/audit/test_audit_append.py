"""The append path: prepared contents, hand-rendered envelopes, chunked writes, group sync."""

from __future__ import annotations

import os
import threading
import time

import orjson
import pytest
from conftest import decide, invitation

from tamis.audit import layout, sink, torn
from tamis.audit.chain import parse_record
from tamis.audit.errors import JournalError
from tamis.audit.journal import open_journal
from tamis.audit.reader import iter_records
from tamis.audit.record import SCHEMA_VERSION, Entry, node_line, node_names
from tamis.audit.verify import verify_journal

ENVELOPE = {
    "evenement": "decision",
    "horodatage": "2026-02-01T14:37:00.123456Z",
    "precedente": "ab" * 32,
    "seq": 7,
    "version": SCHEMA_VERSION,
}


@pytest.mark.parametrize(
    "content",
    [{"id": "x"}, {"b": [1, 2.5, None], "a": {"z": 'é « guillemets » "\\\n', "y": True}}],
)
def test_prepared_content_seals_to_the_same_bytes_as_the_whole_record(content):
    tail = layout.envelope_tail(ENVELOPE)
    line, digest = layout.seal_prepared(layout.prepare(content), tail)
    assert (line, digest) == layout.seal(layout.canonical({"contenu": content, **ENVELOPE}))
    assert layout.line_digest(line[:-1], layout.read_tail(line[:-1])) == digest


@pytest.mark.parametrize(
    "change",
    [{"autre": 1}, {"evenement": 'de"cision'}, {"horodatage": "a\\b"}, {"seq": "7"}, {"seq": True}],
)
def test_envelopes_that_are_not_plain_are_rendered_by_orjson(change):
    assert layout.envelope_tail({**ENVELOPE, **change}) is None


def test_peek_reads_the_event_and_time_of_a_line_as_written_and_only_then():
    """The scan's pre-filter reads the envelope from the bytes ``layout`` writes; a line
    another program laid out differently is left to the parser (None)."""
    line = layout.seal(layout.canonical({"contenu": {"id": "x"}, **ENVELOPE}))[0]
    data = b"avant\n" + line
    assert layout.peek(data, 6, len(data) - 1) == (b"decision", b"2026-02-01T14:37:00.123456Z")
    spaced = orjson.dumps(orjson.loads(line)).replace(b'":"', b'": "')
    assert layout.peek(spaced, 0, len(spaced)) is None
    assert layout.member(b"id", "x", b"inconnues") == b'"id":"x","inconnues":'


def test_decision_record_keeps_each_value_once(journal_path, policy):
    with open_journal(journal_path) as journal:
        record = journal.record_decision(decide(policy), policy=policy, invitation=invitation(1))
    content = record["contenu"]
    assert record["version"] == SCHEMA_VERSION == 3
    assert "contexte_sha256" not in content and "priorite" not in content
    assert all("priorite" not in rule for rule in content["declenchees"])
    node = content["trace"][0]["condition"]  # sans_photo ou profil_entreprise
    leaf = node["enfants"][0]
    assert leaf == {"condition": "sans_photo", "valeur": "vrai"}
    assert node_line(leaf) == "sans_photo → vrai" and node_names(leaf) == ["sans_photo"]
    assert "lu" not in node and node_names(node) == []


def test_version_1_trace_nodes_are_still_read():
    leaf = {"condition": "x > 2", "valeur": "vrai", "detail": "x = 3 > 2 → vrai", "lu": {"x": 3}}
    assert node_line(leaf, 1) == "x = 3 > 2 → vrai" and node_names(leaf) == ["x"]
    parent = {"condition": "a et b", "valeur": "faux", "detail": "a et b → faux", "enfants": []}
    assert node_names(parent) == []


def test_prepare_then_write_gives_what_record_decision_gives(tmp_path, policy):
    explained = decide(policy, evidence={"sans_photo": "note"})
    with open_journal(tmp_path / "a.jsonl") as journal:
        direct = journal.record_decision(explained, policy=policy, invitation=invitation(2))
    with open_journal(tmp_path / "b.jsonl") as journal:
        entry = Entry(explained, invitation(2))
        (written,) = journal.write([journal.prepare(entry, policy=policy)])
    assert written["contenu"] == direct["contenu"] and written["seq"] == direct["seq"] == 3


def test_a_long_batch_is_written_in_chunks_in_order(journal_path, policy, monkeypatch):
    writes: list[int] = []
    real = sink.write_all

    def counting(fd, pieces):
        writes.append(b"".join(pieces).count(b"\n"))
        real(fd, pieces)

    monkeypatch.setattr(sink, "write_all", counting)
    items = [Entry(decide(policy, photo=n % 2 == 0), invitation(n)) for n in range(600)]
    with open_journal(journal_path) as journal:
        records = journal.record_decisions(items, policy=policy)
    assert sum(writes) == 602 and len(writes) >= 3
    assert max(writes) <= sink.JournalFile.CHUNK + 1  # a chunk, and the politique record before it
    assert [r["seq"] for r in records] == list(range(3, 603))
    assert verify_journal(journal_path).ok
    ids = [r["contenu"]["id"] for r in iter_records(journal_path) if r["evenement"] == "decision"]
    assert ids == [f"inv-{n}" for n in range(600)]


def test_a_failed_chunk_write_is_a_french_error_and_the_next_write_rereads(
    journal_path, policy, monkeypatch
):
    real, calls = sink.write_all, []

    def failing(fd, pieces):
        calls.append(1)
        if len(calls) == 3:  # ouverture, then the batch's first chunk, then this one
            raise OSError(28, "No space left on device")
        real(fd, pieces)

    monkeypatch.setattr(sink, "write_all", failing)
    items = [Entry(decide(policy), invitation(n)) for n in range(600)]
    with open_journal(journal_path) as journal:
        with pytest.raises(JournalError, match="disque plein"):
            journal.record_decisions(items, policy=policy)
        journal.record_decision(decide(policy), policy=policy, invitation=invitation(999))
    result = verify_journal(journal_path)
    assert result.ok and result.count == 1 + 257 + 1  # ouverture, politique + 256, the new one


def test_groupee_syncs_in_the_background_after_group_ms(journal_path, policy, monkeypatch):
    synced = threading.Event()
    real = sink.sync_file

    def sync(fd):
        real(fd)
        synced.set()

    monkeypatch.setattr(sink, "sync_file", sync)
    with open_journal(journal_path, group_size=1000, group_ms=20) as journal:
        journal.record_decision(decide(policy), policy=policy, invitation=invitation(1))
        # group_ms is 20 ms; 10 s leaves room for a loaded machine, not for a missing timer.
        # The thread counts a sync done just after it returns, and records written after the
        # first sync started need the next one: nothing but background syncs empties it.
        assert synced.wait(10), "no background sync after group_ms"
        syncer, deadline = journal.sink._syncer, time.monotonic() + 10
        while syncer.pending and time.monotonic() < deadline:
            time.sleep(0.005)
        assert syncer.pending == 0, "records left unsynced after group_ms"


def test_groupee_writer_waits_when_two_groups_are_not_synced(journal_path, policy, monkeypatch):
    """A slow disk sets the pace: never more than two groups written but not yet synced."""
    lag: list[int] = []
    real = sink.sync_file

    def slow(fd):
        time.sleep(0.05)
        real(fd)

    monkeypatch.setattr(sink, "sync_file", slow)
    with open_journal(journal_path, group_size=5, group_ms=1000) as journal:
        syncer = journal.sink._syncer
        for number in range(30):
            journal.record_decision(decide(policy), policy=policy, invitation=invitation(number))
            lag.append(syncer.pending)
    assert max(lag) <= 2 * 5
    assert verify_journal(journal_path).ok


def test_returned_record_matches_the_line(journal_path, policy):
    with open_journal(journal_path) as journal:
        record = journal.record_decision(decide(policy), policy=policy, invitation=invitation(4))
    assert parse_record(journal_path.read_bytes().splitlines()[-1]) == record


def test_write_all_finishes_what_a_short_writev_left(tmp_path, monkeypatch):
    """A regular file may take fewer bytes than asked: the rest follows, in order."""
    real, calls = torn.os.writev, []

    def short(fd, buffers):
        calls.append(len(buffers))
        taken = b"".join(buffers)[:7]  # at most 7 bytes per call, cutting pieces anywhere
        return real(fd, [taken])

    monkeypatch.setattr(torn.os, "writev", short)
    monkeypatch.setattr(torn, "IOV_MAX", 3)
    pieces = [b"abc", b"", b"defghij", b"k", b"lmnopqrstu", b"vwxyz\n"]
    path = tmp_path / "f"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        torn.write_all(fd, list(pieces))
    finally:
        os.close(fd)
    assert path.read_bytes() == b"".join(pieces)
    assert max(calls) <= 3 and len(calls) == 4


def test_one_record_is_one_writev_of_its_rendered_content(journal_path, policy, monkeypatch):
    calls: list[list[bytes]] = []
    real = sink.write_all

    def spy(fd, pieces):
        calls.append(list(pieces))
        real(fd, pieces)

    monkeypatch.setattr(sink, "write_all", spy)
    with open_journal(journal_path) as journal:
        journal.open()
        pending = journal.prepare(Entry(decide(policy), invitation(5)), policy=policy)
        calls.clear()
        journal.write([pending])
        (record,) = journal.write([pending])
    assert calls[-1][0] is pending.content.head  # written from where it was rendered
    assert b"".join(calls[-1]) == journal_path.read_bytes().splitlines(keepends=True)[-1]
    assert parse_record(b"".join(calls[-1])[:-1]) == record


def test_an_error_inside_the_locked_section_writes_nothing_and_restores_the_head(
    journal_path, policy
):
    with open_journal(journal_path) as journal:
        journal.open()
        before, size = journal.sink.head.copy(), journal_path.stat().st_size
        pending = journal.prepare(Entry(decide(policy), invitation(6)), policy=policy)
        with pytest.raises(KeyError), journal.sink.locked():
            journal.write([pending])  # nested: queued, not yet written
            raise KeyError("boom")
        assert journal_path.stat().st_size == size
        head = journal.sink.head
        assert (head.seq, head.empreinte, head.politique) == (
            before.seq,
            before.empreinte,
            before.politique,
        )
        (record,) = journal.write([pending])
    assert record["seq"] == 3 and verify_journal(journal_path).ok


def test_timestamps_are_fixed_width_utc_with_microseconds():
    from tamis.audit.processors import UtcClock

    moments = iter(
        [1_767_225_599_000_005_000, 1_767_225_599_999_999_999, 1_767_225_600_000_000_000]
    )
    now = UtcClock(lambda: next(moments))
    assert [now(), now(), now()] == [
        "2025-12-31T23:59:59.000005Z",
        "2025-12-31T23:59:59.999999Z",
        "2026-01-01T00:00:00.000000Z",
    ]
