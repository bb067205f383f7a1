"""``verifier`` on PostgreSQL reads the journal as a file's verifier reads a file: lines built
by the server in blocks, ranges checked on every core, row by row only from the first range in
doubt. These tests make the ranges small so that a short journal takes every path."""

from __future__ import annotations

import sys
from pathlib import Path

import psycopg
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, decide, fill

from tamis.audit.journal import open_journal
from tamis.audit.postgres import read, rows, schema
from tamis.audit.postgres.copy import copy_journal
from tamis.audit.verify import verify_journal

SMALL = {"span": 7, "parallel_from": 0, "processes": 2}
"""Ranges of 7 rows, on two processes, whatever the journal's length."""


@pytest.fixture
def journal(pg_url: str) -> str:
    schema.initialise(pg_url)
    fill(pg_url, checked(), 40)
    return pg_url


def sql(url: str, statement: str, *params) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement, params)


def test_ranges_on_every_core_reach_the_head_a_file_copy_reaches(journal, tmp_path):
    copy = tmp_path / "copie.jsonl"
    copy_journal(journal, str(copy))
    in_file = verify_journal(copy)
    for options in (SMALL, {}):
        result = read.verify(journal, **options)
        assert result.ok and result.count == 42 == in_file.count
        assert (result.last_seq, result.last_digest) == (in_file.last_seq, in_file.last_digest)


ODD = 'Guillemets " et \\ barre, ligne\nsuivante\ttab, é, 🙂, \u2028, \x7f'
"""A text JSON escapes in every way: quotes, backslashes, line ends, tabs, accents, emoji."""


def odd_journal(url: str) -> None:
    schema.initialise(url)
    policy, odd = checked(), ODD
    with open_journal(url) as journal:
        for number in range(12):
            journal.record_decision(
                decide(policy, photo=number % 3 == 0, evidence={"sans_photo": odd}),
                policy=policy,
                invitation={"id": f"inv-{odd}-{number}", "message": odd},
                context_sha256=None,
                duration_ms=0.5,
            )


def test_the_lines_read_from_the_columns_are_the_bytes_tamis_wrote(pg_url, tmp_path):
    """Texts that JSON escapes pass the fast byte check as they are: no row falls back to
    being read one by one."""
    odd_journal(pg_url)
    _, found = read.check_range(pg_url, read.SeqRange(1, 14))
    assert found.ok and found.lines == 14 and found.first.seq == 1
    copy = tmp_path / "copie.jsonl"
    copy_journal(pg_url, str(copy))
    lines = [line for line in copy.read_bytes().split(b"\n") if line]
    built = b"".join(data for data, _ in read._blocks(pg_url, read.SeqRange(1, 14)))
    assert built == b"\n".join(lines) + b"\n"


@pytest.mark.parametrize("seq", [1, 2, 7, 8, 20, 42])
def test_a_changed_row_is_named_whichever_range_holds_it(journal, seq):
    sql(
        journal,
        "UPDATE tamis_journal SET contenu = regexp_replace(contenu, '}$', ',\"ajout\":1}') "
        "WHERE seq = %s",
        seq,
    )
    result = read.verify(journal, **SMALL)
    assert not result.ok and (result.count, result.last_seq) == (seq - 1, seq - 1)
    assert result.problem.kind == "modifie" and result.problem.line == seq
    assert result.problem.message == (
        f"l'enregistrement n° {seq} a été modifié — son empreinte ne correspond plus à son contenu."
    )


def test_rows_deleted_at_a_seam_and_at_the_start_are_named(journal):
    sql(journal, "DELETE FROM tamis_journal WHERE seq IN (14, 15)")
    result = read.verify(journal, **SMALL)
    assert result.problem.kind == "supprime" and result.count == 13
    assert result.problem.message == "enregistrement(s) supprimé(s) (n° 14 à 15 manquant)."
    sql(journal, "DELETE FROM tamis_journal WHERE seq = 1")
    first = read.verify(journal, **SMALL)
    assert first.problem.kind == "ouverture" and first.count == 0
    assert first.problem.message == (
        "le premier enregistrement (n° 2) est « politique » et non « ouverture » — le début du "
        "journal a été supprimé ou remplacé."
    )


def test_an_envelope_text_changed_to_what_json_escapes_is_still_found(journal):
    """A quote slipped into a row's time: the server escapes it, the digest fails, and the
    row read one by one is named (never taken for the record it replaced)."""
    sql(
        journal,
        "UPDATE tamis_journal SET horodatage = horodatage || '\"' WHERE seq = 30",
    )
    result = read.verify(journal, **SMALL)
    assert result.problem.kind == "modifie" and result.problem.line == 30


def test_a_rewritten_chain_is_caught_at_the_link_that_does_not_follow(journal):
    sql(journal, "UPDATE tamis_journal SET precedente = repeat('a', 64) WHERE seq = 9")
    result = read.verify(journal, **SMALL)
    assert result.problem.kind == "modifie" and result.problem.line == 9
    sql(journal, "DELETE FROM tamis_journal")
    empty = read.verify(journal, **SMALL)
    assert empty.problem.kind == "ouverture" and empty.count == 0
    assert empty.problem.message == (
        "journal vide — tout journal commence par un enregistrement « ouverture »."
    )


def test_an_escape_put_back_as_a_raw_control_character_is_never_taken_as_intact(pg_url):
    """A row whose JSON « \\n » became a real line end (COPY's text format would escape it
    back to the very bytes that were sealed): it is not taken as intact, it is unreadable."""
    odd_journal(pg_url)
    sql(pg_url, "UPDATE tamis_journal SET contenu = replace(contenu, '\\n', E'\\n') WHERE seq = 9")
    result = read.verify(pg_url, **SMALL)
    assert result.problem.kind == "illisible" and result.problem.line == 9
    assert result.problem.message == "enregistrement n° 9 illisible."


@pytest.mark.parametrize("moment", ["2026-01-01T00:00:00.5Z", 'a"b', "a\\b", "a\nb\x01", "é 🙂"])
@pytest.mark.parametrize("personal", [None, '{"donnees":{"nom":"Jean"},"sel":"00"}'])
def test_a_line_from_the_columns_bytes_is_line_of_whatever_the_texts(moment, personal):
    digest, before = "e" * 64, "0" * 64
    expected = rows.line_of(7, moment, "decision", before, digest, 3, '{"id":"x"}', personal)
    found = rows.line_from_bytes(
        b'{"id":"x"}',
        None if personal is None else personal.encode(),
        *(digest.encode(), b"decision", moment.encode(), before.encode()),
        *(7, 3),
    )
    assert found == expected
