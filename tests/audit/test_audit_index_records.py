"""Full records through the query index: ``select``, ``pourquoi``'s decisions and policies are
read back from the journal at the offsets the index holds, and are the scan's, byte for byte."""

from __future__ import annotations

import sqlite3
from unittest import mock

import orjson
import pytest
from conftest import checked, decide, invitation

from tamis.audit import index, queries, why
from tamis.audit.chain import parse_record
from tamis.audit.errors import JournalError
from tamis.audit.journal import open_journal
from tamis.audit.queries import parse_filter, select_numbered

OTHER = """politique "Autre"
règle "anonyme" : signaler si sans_photo
accepter si expediteur.connexions >= 50
sinon ignorer
"""
# the journal's decisions: (invitation number, policy 0 or 1); inv-3 is decided twice, the
# policy changes three times (so the first policy's source is recorded twice)
PLAN = [(n, 0) for n in range(6)] + [(n, 1) for n in (6, 3, 7, 8)] + [(n, 0) for n in (9, 10)]
OLD_TABLES = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value)",
    "CREATE TABLE decisions (pos INTEGER PRIMARY KEY, seq, moment, invitation, sender,"
    " outcome INTEGER, profile INTEGER)",
    "CREATE TABLE details (pos INTEGER PRIMARY KEY, name_cf, url_cf, facts TEXT)",
    "CREATE TABLE outcomes (num INTEGER PRIMARY KEY, data TEXT UNIQUE)",
    "CREATE TABLE profiles (num INTEGER PRIMARY KEY, data TEXT UNIQUE)",
)


def write(path, plan=PLAN) -> None:
    policies = (checked(), checked(OTHER, "/politiques/autre.tamis"))
    with open_journal(path) as journal:
        for number, which in plan:
            decision = decide(policies[which], photo=number % 3 == 0, connexions=40 * number)
            journal.record_decision(decision, policy=policies[which], invitation=invitation(number))


@pytest.fixture
def journal(journal_path):
    write(journal_path)
    return journal_path


def torn(path) -> None:
    with path.open("ab") as stream:
        stream.write(b'{"contenu":{"decision":')


FILTERS = [
    {},
    {"invitation": "inv-3"},
    {"invitation": "inv-99"},
    {"decisions": ["refuser"]},
    {"rules": ["anonyme"]},
    {"facts": ["sans_photo=faux"]},
    {"sender": "p1"},
    {"policy": "Autre"},
]


def scanned(path, flt):
    warnings: list[str] = []
    return list(select_numbered(path, flt, warnings.append, index=False)), warnings


def indexed(path, flt):
    """``select_numbered`` with the index, the scan made to fail: it must come from the index."""
    warnings: list[str] = []
    with mock.patch.object(queries, "_scan_numbered", side_effect=AssertionError("scan")):
        return list(select_numbered(path, flt, warnings.append)), warnings


@pytest.mark.parametrize("filters", FILTERS)
def test_records_are_the_scans_with_their_line_numbers(journal, filters):
    torn(journal)
    flt = parse_filter(**filters)
    assert indexed(journal, flt) == scanned(journal, flt)


def test_line_numbers_are_the_journals(journal):
    lines = journal.read_bytes().splitlines()
    for number, record in indexed(journal, parse_filter())[0]:
        assert parse_record(lines[number - 1]) == record
    assert len(indexed(journal, parse_filter())[0]) == len(PLAN)


def test_line_numbers_after_a_catch_up_on_every_core(journal):
    forced = {"length": 3000, "parallel_from": 0, "processes": 2}
    list(select_numbered(journal, parse_filter(), **forced))
    write(journal, [(n, n % 2) for n in range(20, 40)])
    flt = parse_filter()
    assert list(select_numbered(journal, flt, **forced)) == scanned(journal, flt)[0]


def test_policies_are_the_scans(journal):
    sources = why.policy_sources(journal, pytest.fail)
    assert len(sources) == 2 and all("source" in policy for policy in sources.values())
    with index.current(journal, {}) as found:
        assert found.policies() == sources
    connection = sqlite3.connect(index.index_path(journal))
    assert connection.execute("SELECT COUNT(*) FROM policies").fetchone() == (3,)
    connection.close()


def test_find_decisions_uses_the_index_and_gives_the_scans_answer(journal, monkeypatch):
    torn(journal)
    expected, told = [], []
    for ident in ("inv-3", "inv-7", "inv-99"):
        expected.append(why.find_decisions(journal, ident, told.append, index=False))
    monkeypatch.setattr(why, "policy_sources", pytest.fail)
    monkeypatch.setattr(queries, "_scan_numbered", pytest.fail)
    warnings: list[str] = []
    found = [why.find_decisions(journal, i, warnings.append) for i in ("inv-3", "inv-7", "inv-99")]
    assert found == expected and warnings == told and len(warnings) == 3
    assert [len(f) for f in found] == [2, 1, 0]
    assert found[0][0].policy["nom"] == "Essai" and found[0][1].policy["nom"] == "Autre"


def swapped(path, first: int, second: int) -> None:
    """The journal with two lines exchanged: same size, same first and last lines, so the
    index still looks current, but its offsets point elsewhere."""
    lines = path.read_bytes().splitlines(keepends=True)
    lines[first], lines[second] = lines[second], lines[first]
    path.write_bytes(b"".join(lines))


def looks_current(path) -> bool:
    """True if ``index.current`` would trust the index as it is (no catch-up, no rebuild)."""
    connection = sqlite3.connect(index.index_path(path))
    meta = index._meta(connection)
    connection.close()
    with path.open("rb") as stream:
        return meta.offset == path.stat().st_size and index.covers(stream.fileno(), meta)


@pytest.mark.parametrize("filters", [{}, {"invitation": "inv-3"}, {"rules": ["anonyme"]}])
@pytest.mark.parametrize("pair", [(8, 11), (3, 4)])  # lengths differ; the same length
def test_a_stale_index_falls_back_to_the_scan(journal, filters, pair):
    flt = parse_filter(**filters)
    list(select_numbered(journal, flt))  # builds the index
    lines = journal.read_bytes().splitlines()
    assert (len(lines[pair[0]]) == len(lines[pair[1]])) is (pair == (3, 4))
    swapped(journal, *pair)
    assert looks_current(journal)
    got = list(select_numbered(journal, flt))
    assert got == scanned(journal, flt)[0]
    assert [parse_record(journal.read_bytes().splitlines()[n - 1]) for n, _ in got] == [
        record for _, record in got
    ]


def test_a_stale_index_midway_gives_no_record_twice(journal, monkeypatch):
    list(select_numbered(journal, parse_filter()))
    swapped(journal, 12, 13)  # the last decision under the second policy, the third policy
    assert looks_current(journal)
    monkeypatch.setattr(index, "_BATCH", 2)
    reads = []
    real = index._read_line

    def counting(fd, where):
        reads.append(where[1])
        return real(fd, where)

    monkeypatch.setattr(index, "_read_line", counting)
    flt = parse_filter()
    assert list(select_numbered(journal, flt)) == scanned(journal, flt)[0]
    assert len(reads) > 5  # the first records came from the index


def test_a_record_edited_in_place_is_not_taken_from_the_index(journal):
    """Same length, same seq, another invitation id: the index's row no longer holds."""
    flt = parse_filter(invitation="inv-4")
    assert len(list(select_numbered(journal, flt))) == 1
    lines = journal.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if b'"id":"inv-4"' in line)
    lines[number] = lines[number].replace(b'"inv-4"', b'"inv-X"')
    journal.write_bytes(b"".join(lines))
    assert looks_current(journal)
    assert list(select_numbered(journal, flt)) == [] == scanned(journal, flt)[0]


def test_an_index_of_the_old_schema_is_rebuilt(journal):
    list(select_numbered(journal, parse_filter()))
    where = index.index_path(journal)
    connection = sqlite3.connect(where)
    covered = dict(connection.execute("SELECT key, value FROM meta"))
    connection.close()
    where.unlink()
    connection = sqlite3.connect(where)
    for statement in OLD_TABLES:
        connection.execute(statement)
    covered["schema"] = "tamis-index-3"
    connection.executemany("INSERT INTO meta VALUES (?, ?)", covered.items())
    connection.commit()
    connection.close()
    flt = parse_filter(invitation="inv-3")
    assert indexed(journal, flt) == scanned(journal, flt)
    connection = sqlite3.connect(where)
    assert connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (
        index.SCHEMA,
    )
    connection.close()


def test_without_index_no_file_is_made(journal):
    list(select_numbered(journal, parse_filter(), index=False))
    why.find_decisions(journal, "inv-3", index=False)
    assert not index.index_path(journal).exists()


def test_a_policy_record_without_its_policy_is_a_damaged_line_both_ways(journal):
    lines = journal.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if index.POLICY_MARK in line)
    record = orjson.loads(lines[number - 1])
    del record["contenu"]["politique"]["sha256"]
    lines[number - 1] = orjson.dumps(record) + b"\n"
    journal.write_bytes(b"".join(lines))
    for use in (True, False):
        with pytest.raises(JournalError, match=f"jsonl:{number} : ligne illisible"):
            why.find_decisions(journal, "inv-3", index=use)


def test_a_decision_mentioning_the_policy_mark_is_not_a_policy(journal_path):
    """Only ``politique`` records give a policy source, whatever a decision's text holds."""
    write(journal_path, [(1, 0)])
    lines = journal_path.read_bytes().splitlines(keepends=True)
    record = orjson.loads(lines[-1])
    record["donnees_personnelles"]["donnees"]["invitation"]["message"] = {"evenement": "politique"}
    lines[-1] = orjson.dumps(record) + b"\n"
    journal_path.write_bytes(b"".join(lines))
    assert index.POLICY_MARK in lines[-1]
    for use in (True, False):
        (found,) = why.find_decisions(journal_path, "inv-1", index=use)
        assert found.policy["nom"] == "Essai" and "source" in found.policy


def test_read_back_wants_a_whole_line_with_the_seq_indexed(journal_path):
    write(journal_path, [(1, 0)])
    line = journal_path.read_bytes().splitlines()[-1]
    seq = orjson.loads(line)["seq"]
    for data, where, good in [
        (b"\n" + line + b"\n", (1, seq, 2, len(line)), True),
        (b"x" + line + b"\n", (1, seq, 2, len(line)), False),  # not the start of a line
        (line + b"\n", (0, seq + 1, 1, len(line)), False),  # another record
        (line + b"\n", (0, seq, 1, len(line) - 1), False),  # not up to the end of the line
        (line, (0, seq, 1, len(line)), False),  # a torn line
    ]:
        journal_path.write_bytes(data)
        with journal_path.open("rb") as stream:
            if good:
                assert index.read_back(stream.fileno(), where) == parse_record(line)
                continue
            with pytest.raises(index.Failed, match="stale index"):
                index.read_back(stream.fileno(), where)


def test_a_record_edited_in_place_is_caught_when_read_back_by_index_and_scan_alike(journal):
    """An edit that keeps the line's length, seq and every filtered value: the index cannot
    see it, but the record's digest no longer matches; both ways show the record as the
    journal holds it now, and both say it was modified, with its line and number."""
    flt = parse_filter(invitation="inv-4")
    list(select_numbered(journal, flt))  # builds the index
    lines = journal.read_bytes().splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if b'"id":"inv-4"' in line)
    seq = orjson.loads(lines[number])["seq"]
    lines[number] = lines[number].replace(b'"Bonjour"', b'"Bonjouz"')
    journal.write_bytes(b"".join(lines))
    assert looks_current(journal)
    got, told = indexed(journal, flt)
    assert (got, told) == scanned(journal, flt)
    assert got[0][1]["contenu"]["invitation"]["message"] == "Bonjouz"
    assert told == [
        f"{journal}:{number + 1} : l'enregistrement n° {seq} a été modifié après son "
        "inscription (son empreinte ne correspond plus à son contenu) ; ce qui est montré est "
        "son contenu modifié."
    ]
    untouched, quiet = indexed(journal, parse_filter(invitation="inv-5"))
    assert len(untouched) == 1 and quiet == []
