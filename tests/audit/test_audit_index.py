"""The query index: its answers are the scan's, it catches up, and it never makes a query fail."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sqlite3
import stat
from unittest import mock

import orjson
import pytest
from conftest import checked, decide, fill, invitation
from hypothesis import given, settings
from hypothesis import strategies as st

from tamis.audit import index, queries
from tamis.audit.chain import parse_record
from tamis.audit.errors import JournalError
from tamis.audit.journal import open_journal
from tamis.audit.queries import journal_stats, parse_filter, search

OTHER = """politique "Autre"
règle "anonyme" : signaler si sans_photo
accepter si expediteur.connexions >= 50
sinon ignorer
"""
NAMES = ("Jean Tremblay", "ÉLISE Bédard", "Zoë Gagnon-Côté", "straße Müller", None)
FILTERS = [
    {},
    {"decisions": ["refuser"]},
    {"decisions": ["accepter", "examiner"]},
    {"decisions": ["signaler"], "since": "2000-01-01"},
    {"rules": ["photo"]},
    {"rules": ["ligne 5", "anonyme"]},
    {"rules": ["sinon"]},
    {"facts": ["sans_photo"]},
    {"facts": ["sans_photo=faux"]},
    {"facts": ["sans_photo=inconnu"]},
    {"facts": ["expediteur.connexions=500"]},
    {"facts": ["expediteur.connexions=12,0"]},
    {"facts": ["message_par_defaut=vrai", "sans_photo"]},
    {"facts": ["absent"]},
    {"sender": "élise"},
    {"sender": "ELISE"},
    {"sender": "STRASSE"},
    {"sender": "zoë gagnon"},
    {"sender": "linkedin.com/in/p1"},
    {"policy": "Essai"},
    {"policy": "Autre"},
    {"policy": "autre.tamis"},
    {"policy": "/politiques/autre.tamis"},
    {"policy": "essai.tamis"},
    {"policy": "abc"},
    {"since": "2000-01-01", "until": "2999-12-31"},
    {"until": "2000-01-01"},
    {"invitation": "inv-7"},
    {"invitation": "inv-999"},
]


def varied(path, count: int = 24) -> None:
    """Decisions of two policies, with true, false and unknown facts and accented senders."""
    policies = (checked(), checked(OTHER, "/politiques/autre.tamis"))
    with open_journal(path) as journal:
        for number in range(count):
            policy = policies[number // 8 % 2]
            photo = (True, False, None)[number % 3]
            decision = decide(
                policy,
                photo=photo,
                connexions=(12, 500, 60)[number % 3],
                default_message=number % 5 == 0,
            )
            sender = invitation(number, NAMES[number % len(NAMES)] or "x")
            if NAMES[number % len(NAMES)] is None:
                del sender["expediteur"]["nom"]
            journal.record_decision(decision, policy=policy, invitation=sender)


@pytest.fixture
def journal(journal_path):
    varied(journal_path)
    return journal_path


def meta(path) -> index.Meta | None:
    connection = sqlite3.connect(index.index_path(path))
    try:
        return index._meta(connection)
    finally:
        connection.close()


def scanned(path, flt, per="jour"):
    rows = list(search(path, flt, index=False))
    return rows, orjson.dumps(journal_stats(path, flt, per, index=False).as_dict())


def from_index(path, flt, per="jour", *, only=True):
    """The answers of ``search`` and ``journal_stats`` with the index; with ``only``, the
    scan is made to fail, so that they must come from the index."""
    with (
        mock.patch.object(queries, "_collect", side_effect=AssertionError("scan"))
        if only
        else (contextlib.nullcontext())
    ):
        rows = list(search(path, flt))
        return rows, orjson.dumps(journal_stats(path, flt, per).as_dict())


@pytest.mark.parametrize("filters", FILTERS)
def test_index_answers_are_the_scans(journal, filters):
    flt = parse_filter(**filters)
    for per in ("jour", "semaine"):
        assert from_index(journal, flt, per) == scanned(journal, flt, per)
    assert meta(journal).offset == journal.stat().st_size


def test_the_index_really_answers(journal, monkeypatch):
    expected = scanned(journal, parse_filter(decisions=["refuser"]))
    list(search(journal, parse_filter()))  # builds it
    monkeypatch.setattr(queries, "_collect", pytest.fail)
    assert from_index(journal, parse_filter(decisions=["refuser"])) == expected


def test_index_file_is_private_and_beside_the_journal(journal):
    list(search(journal, parse_filter()))
    where = journal.with_name(journal.name + ".index.sqlite")
    assert stat.S_IMODE(where.stat().st_mode) == 0o600


def test_without_index_no_file_is_made(journal):
    list(search(journal, parse_filter(), index=False))
    journal_stats(journal, parse_filter(), index=False)
    assert not index.index_path(journal).exists()


def test_exotic_values_come_back_as_they_were(journal_path):
    """Hand-written records (sealed or not) with values of unusual types the shape allows
    (a fact or motif of another type): same answers."""
    fill(journal_path, checked(), 2)
    lines = journal_path.read_bytes().splitlines(keepends=True)
    record = orjson.loads(lines[-1])
    record["contenu"].update(id="7", motif=["a", 1])
    record["contenu"]["faits"]["sans_photo"] = 1
    lines.append(orjson.dumps(record) + b"\n")
    journal_path.write_bytes(b"".join(lines))
    for filters in ({}, {"invitation": "7"}, {"facts": ["sans_photo=1"]}, {"rules": ["photo"]}):
        flt = parse_filter(**filters)
        assert from_index(journal_path, flt) == scanned(journal_path, flt)


@pytest.mark.parametrize(
    "edit",
    [
        lambda r: r.pop("horodatage"),
        lambda r: r["contenu"].update(regle=True),
        lambda r: r["contenu"].update(id=7),
        lambda r: r["contenu"].update(politique="x"),
        lambda r: r["contenu"].update(invitation="x"),
        lambda r: r["contenu"]["invitation"].update(expediteur=["x"]),
        lambda r: r["contenu"].update(faits=[1]),
        lambda r: r["contenu"].update(declenchees=[{"regle": "photo"}]),
    ],
)
def test_a_record_edited_out_of_shape_is_a_damaged_line_for_both_paths(journal_path, edit):
    """No traceback from a query: the line is reported as damaged, with its number."""
    fill(journal_path, checked(), 2)
    lines = journal_path.read_bytes().splitlines(keepends=True)
    record = parse_record(lines[-1])  # as readers see it (format 3: personal data put back)
    edit(record)
    lines[-1] = orjson.dumps(record) + b"\n"
    journal_path.write_bytes(b"".join(lines))
    for use_index in (True, False):
        with pytest.raises(JournalError, match=f":{len(lines)} : ligne illisible"):
            list(search(journal_path, parse_filter(), index=use_index))
        with pytest.raises(JournalError, match=f":{len(lines)} : ligne illisible"):
            journal_stats(journal_path, parse_filter(), index=use_index)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    path = tmp_path_factory.mktemp("index") / "journal.jsonl"
    varied(path, 40)
    return path


RULES = ["photo", "ligne 4", "ligne 5", "sinon", "anonyme"]
_values = st.sampled_from(["vrai", "faux", "inconnu", "500", "12", "60,0", "x"])
_facts = st.sampled_from(
    ["sans_photo", "message_par_defaut", "profil_entreprise", "expediteur.connexions", "zz"]
)


@settings(max_examples=60)
@given(
    decisions=st.lists(st.sampled_from(queries.DECISIONS), max_size=2),
    rules=st.lists(
        st.sampled_from(["photo", "ligne 4", "ligne 5", "sinon", "anonyme"]), max_size=2
    ),
    facts=st.lists(st.tuples(_facts, st.none() | _values), max_size=2),
    sender=st.none() | st.sampled_from(["é", "ÉLISE", "p1", "MÜLLER", "strasse", ""]),
    policy=st.none() | st.sampled_from(["Essai", "Autre", "autre.tamis", "55d7c2", ""]),
    since=st.none() | st.sampled_from(["2000-01-01", "2999-01-01"]),
)
def test_any_filter_gives_the_scans_answers(shared, decisions, rules, facts, sender, policy, since):
    flt = parse_filter(
        decisions=decisions,
        rules=rules,
        facts=[name if v is None else f"{name}={v}" for name, v in facts],
        sender=sender,
        policy=policy,
        since=since,
    )
    assert from_index(shared, flt, "semaine") == scanned(shared, flt, "semaine")


def test_appended_records_are_indexed_without_rereading_the_old(journal, monkeypatch):
    list(search(journal, parse_filter()))
    covered = meta(journal).offset
    fill(journal, checked(), 5)
    starts = []
    real = index.index_range

    def spy(path, part, covered=0):
        starts.append(max(part.start, covered))
        return real(path, part, covered)

    monkeypatch.setattr(index, "index_range", spy)
    flt = parse_filter()
    assert from_index(journal, flt) == scanned(journal, flt)
    assert starts == [covered] and meta(journal).offset == journal.stat().st_size
    last = orjson.loads(journal.read_bytes().splitlines()[-1])["seq"]
    assert [row["seq"] for row in search(journal, flt)][-5:] == list(range(last - 4, last + 1))


def test_catch_up_on_every_core_gives_the_same_rows(journal):
    forced = {"length": 4000, "parallel_from": 0, "processes": 2}
    list(search(journal, parse_filter(), **forced))
    fill(journal, checked(), 30)
    flt = parse_filter(decisions=["refuser"])
    assert list(search(journal, flt, **forced)) == list(search(journal, flt, index=False))
    assert meta(journal).lines == len(journal.read_bytes().splitlines())


@pytest.mark.parametrize("change", ["truncate", "replace", "rewrite_last", "empty_index"])
def test_a_changed_journal_is_indexed_anew(journal, tmp_path, change):
    list(search(journal, parse_filter()))
    lines = journal.read_bytes().splitlines(keepends=True)
    if change == "truncate":
        journal.write_bytes(b"".join(lines[:-3]))
    elif change == "replace":
        other = tmp_path / "autre.jsonl"
        fill(other, checked(), 4)
        os.replace(other, journal)
    elif change == "rewrite_last":
        lines[-1] = lines[-1].replace(b'"inv-', b'"xnv-')
        journal.write_bytes(b"".join(lines))
    else:
        index.index_path(journal).write_bytes(b"")
    for filters in ({}, {"decisions": ["accepter"]}):
        flt = parse_filter(**filters)
        assert from_index(journal, flt) == scanned(journal, flt)
    assert meta(journal).offset == journal.stat().st_size


def test_torn_last_line_is_reported_and_not_indexed(journal):
    size, lines = journal.stat().st_size, len(journal.read_bytes().splitlines())
    with journal.open("ab") as stream:
        stream.write(b'{"contenu":{"id":')
    for use in (True, False):
        warnings: list[str] = []
        rows = list(search(journal, parse_filter(), warnings.append, index=use))
        counted: list[str] = []
        journal_stats(journal, parse_filter(), warn=counted.append, index=use)
        assert len(rows) == 24 and warnings == counted
        assert len(warnings) == 1
        assert f"journal.jsonl:{lines + 1} : dernière ligne incomplète (17 octets)" in warnings[0]
    assert meta(journal).offset == size and meta(journal).lines == lines


def test_an_unreadable_line_gives_the_scans_error(journal):
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[10] = b"pas du json\n"
    journal.write_bytes(b"".join(lines))
    with pytest.raises(JournalError, match=r"jsonl:11 : ligne illisible"):
        list(search(journal, parse_filter()))
    rare = parse_filter(rules=["anonyme"])  # the scan never parses the bad line: no error
    assert list(search(journal, rare)) == list(search(journal, rare, index=False))
    assert meta(journal).lines == 10  # indexed up to the bad line


def test_a_corrupt_index_file_is_replaced(journal):
    flt = parse_filter(decisions=["refuser"])
    list(search(journal, flt))
    index.index_path(journal).write_bytes(os.urandom(5000))
    assert from_index(journal, flt) == scanned(journal, flt)
    assert meta(journal).offset == journal.stat().st_size


def test_an_index_that_cannot_be_written_falls_back_to_the_scan(journal, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(index.os, "open", refuse)
    flt = parse_filter(decisions=["refuser"])
    assert from_index(journal, flt, only=False) == scanned(journal, flt)
    assert not index.index_path(journal).exists()


def test_read_only_folder_falls_back_to_the_scan(journal):
    expected = scanned(journal, parse_filter())
    journal.parent.chmod(0o500)
    try:
        if os.geteuid() == 0:  # root writes anywhere: read as an ordinary user instead
            assert _read_as_nobody(journal) == orjson.dumps(expected[0]).decode()
        else:
            assert from_index(journal, parse_filter(), only=False) == expected
    finally:
        journal.parent.chmod(0o700)
    assert not index.index_path(journal).exists()


# Imports everything as root (the checkout may sit in a folder only root can read), then
# becomes ``nobody`` and searches the journal through the index, which it cannot create.
_AS_NOBODY = """
import os, sys, sqlite3, orjson
from tamis.audit import index, queries
os.setgroups([]); os.setgid(65534); os.setuid(65534)
rows = list(queries.search(sys.argv[1], queries.parse_filter()))
sys.stdout.write(orjson.dumps(rows).decode())
"""


def _read_as_nobody(journal) -> str:
    """What ``search`` answers to a user who may read the journal but not write its folder."""
    import shutil
    import subprocess
    import sys
    import tempfile

    folder = tempfile.mkdtemp(prefix="tamis-lecture-seule-")
    try:
        copy = os.path.join(folder, journal.name)
        shutil.copy2(journal, copy)
        os.chmod(copy, 0o644)
        os.chmod(folder, 0o555)
        done = subprocess.run(
            [sys.executable, "-c", _AS_NOBODY, copy], capture_output=True, text=True, check=True
        )
        assert not os.path.exists(copy + ".index.sqlite")
        return done.stdout
    finally:
        shutil.rmtree(folder)


def test_a_failing_query_mid_stream_resumes_with_the_scan(journal, monkeypatch):
    list(search(journal, parse_filter()))
    monkeypatch.setattr(index, "_BATCH", 3)
    real = index.Index._failing
    calls = []

    def failing_on_third(self):
        calls.append(1)
        if len(calls) == 3:
            raise index.Failed("simulated")
        return real(self)

    monkeypatch.setattr(index.Index, "_failing", failing_on_third)
    flt = parse_filter()
    assert list(search(journal, flt)) == list(search(journal, flt, index=False))
    assert len(calls) == 3


def _catch_up(path) -> None:
    list(search(path, parse_filter(), **{"parallel_from": 1 << 40}))


def test_two_readers_catching_up_at_once_index_each_line_once(journal):
    fill(journal, checked(), 60)
    context = multiprocessing.get_context("fork")
    readers = [context.Process(target=_catch_up, args=(journal,)) for _ in range(3)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(60)
    assert [reader.exitcode for reader in readers] == [0, 0, 0]
    connection = sqlite3.connect(index.index_path(journal))
    (count,) = connection.execute("SELECT COUNT(*) FROM decisions").fetchone()
    connection.close()
    assert count == 84
    flt = parse_filter()
    assert from_index(journal, flt) == scanned(journal, flt)


def test_cli_sans_index_reads_the_journal_alone(journal):
    from click.testing import CliRunner

    from tamis.cli.main import cli

    runner = CliRunner()
    base = ["journal", "chercher", "--journal", str(journal), "--format", "json"]
    plain = runner.invoke(cli, [*base, "--sans-index", "--decision", "refuser"])
    assert plain.exit_code == 0 and not index.index_path(journal).exists()
    indexed = runner.invoke(cli, [*base, "--decision", "refuser"])
    assert indexed.stdout == plain.stdout and index.index_path(journal).exists()
    stats = ["journal", "stats", "--journal", str(journal), "--format", "json"]
    assert runner.invoke(cli, [*stats, "--sans-index"]).stdout == runner.invoke(cli, stats).stdout
    assert "--sans-index" in runner.invoke(cli, ["journal", "stats", "--help"]).output


def test_a_long_catch_up_is_announced_in_french_once(journal, policy, monkeypatch):
    """The first query on a large journal builds the whole index: the user is told so,
    then told of a later catch-up, and not told anything when there is nothing to read."""
    from click.testing import CliRunner

    from tamis.cli.main import cli

    monkeypatch.setattr(index, "NOTICE_FROM", 1)  # every journal counts as large here
    base = ["journal", "chercher", "--journal", str(journal), "--format", "json"]
    first = CliRunner().invoke(cli, base)
    assert first.exit_code == 0
    assert first.stderr.startswith(f"avertissement : {journal} : construction de l'index")
    assert "une seule fois" in first.stderr and "--sans-index" in first.stderr
    fill(journal, policy, 3)
    later = CliRunner().invoke(cli, base)
    assert f"{journal} : mise à jour de l'index de recherche (0 Mo ajoutés" in later.stderr
    again = CliRunner().invoke(cli, base)
    assert "index" not in again.stderr and again.stdout == later.stdout
    assert "index" not in CliRunner().invoke(cli, [*base, "--sans-index"]).stderr
