"""``verifier`` on PostgreSQL reads the journal as a file's verifier reads a file: lines built
by the server in blocks, ranges checked on every core, row by row only from the first range in
doubt. These tests make the ranges small so that a short journal takes every path."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import psycopg
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, decide, fill, started_workers

from tamis.audit import layout
from tamis.audit.errors import JournalError
from tamis.audit.journal import open_journal
from tamis.audit.personal import KEY
from tamis.audit.postgres import read, rowcheck, rows, schema, url
from tamis.audit.postgres.copy import copy_journal
from tamis.audit.verify import sealed, verify_journal
from tamis.cli.main import cli

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


def sessions_opened(url: str) -> int:
    """Connections ever made to ``url``'s database, as the server counts them once the
    sessions that made them have reported (their last one, by ending)."""
    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()[0]


def test_a_worker_checks_every_range_it_takes_on_one_connection(journal):
    """Each range of the fast pass opened a connection of its own: a new server process,
    its authentication and its caches, ≈ 60 ms a range (1.2 s of a million rows' 21
    ranges). A worker now keeps one for the ranges it takes: 42 ranges of one row here."""
    before = sessions_opened(journal)
    result = read.verify(journal, span=1, parallel_from=0, processes=2)
    assert result.ok and result.count == 42
    deadline, opened = time.monotonic() + 10, 0
    while time.monotonic() < deadline:  # the workers' sessions report as they end
        opened = sessions_opened(journal) - before
        if opened >= 4:  # the two workers', the parent's, this count's
            time.sleep(0.5)
            opened = sessions_opened(journal) - before
            break
        time.sleep(0.1)
    assert 4 <= opened <= 8, opened


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


CHECK_IN_RANGES_OF_ONE = """
import os, sys
from tamis.audit.errors import JournalError
from tamis.audit.postgres import read
try:
    read.verify(os.environ["URL"], span=1, parallel_from=0, processes=2)
except JournalError as error:
    sys.exit(str(error))
"""


def test_a_reader_killed_during_the_check_stops_it_with_a_french_error(pg_url):
    """SIGKILL of a worker while the ranges are checked (150, a connection each): the
    French error, naming the journal without its password, within seconds (not a hang),
    and no worker left."""
    schema.initialise(pg_url)
    fill(pg_url, checked(), 150)
    journal = pg_url
    process = subprocess.Popen(
        [sys.executable, "-c", CHECK_IN_RANGES_OF_ONE],
        env={**os.environ, "URL": journal},
        stderr=subprocess.PIPE,
        text=True,
    )
    workers = started_workers(process)
    os.kill(workers[1], signal.SIGKILL)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    shown = url.shown(journal)
    assert err.strip() == (
        f"lecture de {shown} interrompue : un processus auxiliaire s'est arrêté (mémoire "
        "insuffisante ?) ; relancez la commande."
    )
    assert psycopg.conninfo.conninfo_to_dict(journal)["password"] not in err
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers):
        assert time.monotonic() < deadline, "un processus auxiliaire est resté"
        time.sleep(0.05)


def test_the_lines_read_from_the_columns_are_the_bytes_tamis_wrote(pg_url, tmp_path):
    """Texts that JSON escapes pass the fast byte check as they are: no row falls back to
    being read one by one."""
    odd_journal(pg_url)
    _, found = read.check_range(pg_url, read.SeqRange(1, 14))
    assert found.ok and found.count == 14 and found.first_seq == 1
    copy = tmp_path / "copie.jsonl"
    copy_journal(pg_url, str(copy))
    lines = [line for line in copy.read_bytes().split(b"\n") if line]
    built = [rows.line_from_bytes(*row[:8]) for row in read.rows_in(pg_url, read.SeqRange(1, 14))]
    assert built == lines


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
    assert first.problem.kind == "supprime" and first.count == 0  # as a file's line 1
    assert first.problem.message == "enregistrement(s) supprimé(s) (n° 1 manquant)."


def test_a_row_deleted_inside_a_range_is_named_even_with_the_chain_linked_over_it(journal):
    """Row 10 (inside the range 8–14) deleted, and every row after it linked again over the
    gap, its digest computed anew: each row is intact and follows the digest before it, yet
    a number is missing."""
    sql(journal, "DELETE FROM tamis_journal WHERE seq = 10")
    previous = next(read.rows_in(journal, read.SeqRange(9, 9)))[2]
    for found in list(read.rows_in(journal, read.SeqRange(11, 40))):
        row = rowcheck.RowBytes(*found)._replace(precedente=previous)
        previous = rowcheck.digest_of(row)
        sql(
            journal,
            "UPDATE tamis_journal SET precedente = %s, empreinte = %s WHERE seq = %s",
            row.precedente.decode(),
            previous.decode(),
            row.seq,
        )
    result = read.verify(journal, **SMALL)
    assert result.problem.kind == "supprime" and result.count == 9
    assert result.problem.message == "enregistrement(s) supprimé(s) (n° 10 manquant)."


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
    empty = read.verify(journal, **SMALL)  # no record left: never OK, said empty (« vide »)
    assert empty.problem.kind == "vide" and empty.problem.empty and empty.count == 0
    assert empty.problem.message == "journal vide : aucun enregistrement encore."


def test_an_escape_put_back_as_a_raw_control_character_is_never_taken_as_intact(pg_url):
    """A row whose JSON « \\n » became a real line end (COPY's text format would escape it
    back to the very bytes that were sealed): it is not taken as intact, it is unreadable."""
    odd_journal(pg_url)
    sql(pg_url, "UPDATE tamis_journal SET contenu = replace(contenu, '\\n', E'\\n') WHERE seq = 9")
    result = read.verify(pg_url, **SMALL)
    assert result.problem.kind == "illisible" and result.problem.line == 9
    assert result.problem.message == (
        "enregistrement n° 9 illisible : ce n'est pas du JSON valide."
    )


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


BOTH = [SMALL, {}]
"""Small ranges on two processes, and the defaults (one range, here)."""


def altered(seq: int, column: str) -> str:
    return (
        f"l'enregistrement n° {seq} a été modifié : sa colonne « {column} » n'est plus "
        "exactement le JSON que tamis a scellé (espaces ou texte ajoutés, ou texte venu d'une "
        "autre colonne) — son empreinte ne correspond plus à ses colonnes."
    )


@pytest.mark.parametrize("options", BOTH)
@pytest.mark.parametrize("seq", [1, 2, 20])
@pytest.mark.parametrize("space", [" ", "\t", "\r\n  "])
def test_whitespace_appended_to_contenu_is_refused_though_the_line_still_parses(
    journal, seq, space, options
):
    """The line the columns make still reads as the sealed record once parsed, but the
    column does not hold the bytes that were sealed: refused, the row named."""
    sql(journal, "UPDATE tamis_journal SET contenu = contenu || %s WHERE seq = %s", space, seq)
    result = read.verify(journal, **options)
    assert not result.ok and (result.count, result.last_seq) == (seq - 1, seq - 1)
    assert result.problem.kind == "modifie" and result.problem.line == seq
    assert result.problem.message == altered(seq, "contenu")


@pytest.mark.parametrize("options", BOTH)
def test_a_personal_part_moved_into_contenu_is_refused_though_the_line_is_the_same(
    journal, options
):
    """Glued back together, the two columns make the very line that was sealed; but the
    personal part now sits in ``contenu``, where erasure would never reach it."""
    sql(
        journal,
        "UPDATE tamis_journal SET contenu = contenu || ',\"donnees_personnelles\":' || "
        "donnees_personnelles, donnees_personnelles = NULL WHERE seq = 9",
    )
    line = rows.line_from_bytes(*next(read.rows_in(journal, read.SeqRange(9, 9)))[:8])
    assert sealed(line)  # what the verifier used to accept
    result = read.verify(journal, **options)
    assert result.problem.kind == "modifie" and result.problem.line == 9
    assert result.problem.message == altered(9, "contenu")


def test_a_member_appended_to_contenu_is_refused(journal):
    sql(journal, "UPDATE tamis_journal SET contenu = contenu || ',\"ajout\":1' WHERE seq = 12")
    result = read.verify(journal, **SMALL)
    assert result.problem.kind == "modifie" and result.problem.line == 12
    assert result.problem.message == (
        "l'enregistrement n° 12 a été modifié — son empreinte ne correspond plus à son contenu."
    )


def copy_changed(seq: int, column: str, held: str, said: str) -> str:
    return (
        f"l'enregistrement n° {seq} : sa colonne « {column} » vaut {held} alors que son contenu "
        f"dit {said} — une copie du contenu a été modifiée dans la table ; chercher, stats et "
        "pourquoi, qui lisent cette colonne, donneraient une réponse fausse."
    )


def said(journal: str, seq: int, column: str) -> str:
    with psycopg.connect(journal) as connection:
        found = connection.execute(
            f"SELECT {column} FROM tamis_journal WHERE seq = %s", (seq,)
        ).fetchone()
    return "NULL" if found[0] is None else f"« {found[0]} »"


@pytest.mark.parametrize("options", BOTH)
@pytest.mark.parametrize(
    ("seq", "column", "value"),
    [
        (20, "decision", "signaler"),
        (20, "id_invitation", "inv-autre"),
        (20, "id_invitation", None),
        (20, "politique_sha256", "b" * 64),
        (2, "politique_sha256", "c" * 64),
        (2, "decision", "refuser"),
        (1, "id_invitation", "inv-1"),
        (42, "decision", None),
        (20, "issue", '["accepter","règle forgée",null,null]'),
        (20, "issue", None),
        (20, "regle", "règle forgée"),
        (20, "profil", "[]"),
        (20, "expediteur", "\"Quelqu'un d'autre\""),
        (1, "regle", "règle forgée"),
        (2, "profil", "[]"),
    ],
)
def test_a_copied_column_that_no_longer_says_what_the_content_says_is_refused(
    journal, seq, column, value, options
):
    """The chain still verifies (no digest covers the copies): ``verifier`` says so. But the
    SQL of the queries reads them: with ``--contenu``, a changed copy (an index's, or what
    chercher shows and stats counts) is named, with both values."""
    before = said(journal, seq, column)
    sql(journal, f"UPDATE tamis_journal SET {column} = %s WHERE seq = %s", value, seq)
    assert read.verify(journal, **options).ok
    result = read.verify(journal, contents=True, **options)
    assert not result.ok and (result.count, result.last_seq) == (seq - 1, seq - 1)
    assert result.problem.kind == "copie" and result.problem.line == seq
    held = "NULL" if value is None else f"« {value} »"
    assert result.problem.message == copy_changed(seq, column, held, before)


@pytest.mark.parametrize("options", BOTH)
def test_an_emptied_sender_copy_is_what_erasure_leaves(journal, options):
    """Erasure empties the sender's copy: an empty one shows nobody, and is no lie."""
    sql(journal, "UPDATE tamis_journal SET expediteur = NULL WHERE seq = 20")
    assert read.verify(journal, contents=True, **options).ok


def test_copies_of_contents_laid_out_otherwise_are_read_by_parsing(pg_url):
    """Decisions whose id and texts JSON escapes (read by parsing, not from the bytes) still
    verify, and a changed copy among them is still named."""
    odd_journal(pg_url)
    assert read.verify(pg_url, contents=True, **SMALL).ok
    sql(pg_url, "UPDATE tamis_journal SET id_invitation = 'inv-autre' WHERE seq = 5")
    result = read.verify(pg_url, contents=True, **SMALL)
    assert result.problem.kind == "copie" and result.problem.line == 5


def hand_made(url: str, seq: int, change) -> None:
    """Row ``seq`` as another program could write it: its record (personal part apart)
    changed by ``change``, then sealed again, so that its digest matches its columns; its
    copies are left as they were."""
    found = next(read.rows_in(url, read.SeqRange(seq, seq)))
    record = orjson.loads(rows.line_from_bytes(*found[:8]))
    change(record)
    record.pop("empreinte")
    record["empreinte"] = layout.record_digest(record)
    personal = record.get(KEY)
    sql(
        url,
        "UPDATE tamis_journal SET contenu = %s, donnees_personnelles = %s, empreinte = %s "
        "WHERE seq = %s",
        layout.canonical(record["contenu"]).decode(),
        None if personal is None else layout.canonical(personal).decode(),
        record["empreinte"],
        seq,
    )


def facts_as_a_list(record: dict) -> None:
    record["contenu"]["faits"] = [1, 2]


def trace_of_numbers(record: dict) -> None:
    record["contenu"]["trace"] = [1, "deux"]
    record[KEY]["donnees"]["details"] = {"0": "détail"}  # put back into the trace by readers


def rules_of_numbers(record: dict) -> None:
    record["contenu"]["declenchees"] = [3]


def invitation_as_a_text(record: dict) -> None:
    record[KEY]["donnees"]["invitation"] = "texte"


def content_as_a_list(record: dict) -> None:
    record["contenu"] = [1]


HAND_MADE = [
    (facts_as_a_list, "son champ « faits » n'est pas un objet"),
    (
        trace_of_numbers,
        "son champ « trace » n'est pas une liste d'objets dont la « condition » est un objet",
    ),
    (rules_of_numbers, "son champ « declenchees » n'est pas une liste de règles"),
    (invitation_as_a_text, "son champ « invitation » n'est pas un objet"),
    (content_as_a_list, "son champ « contenu » n'est pas un objet"),
]


@pytest.mark.parametrize(("change", "why"), HAND_MADE)
def test_a_sealed_row_of_another_shape_is_named_and_its_neighbours_verified(journal, change, why):
    """A row whose digest matches but whose content is not of the record format (a list
    where an object is read, a trace of numbers): the chain holds, and ``--contenu`` names
    it with its number and what is wrong, in French, the rows before it counted as intact;
    never a traceback."""
    hand_made(journal, 42, change)
    for options in BOTH:
        assert read.verify(journal, **options).ok
        result = read.verify(journal, contents=True, **options)
        assert (result.count, result.last_seq) == (41, 41)
        assert result.problem.kind == "illisible" and result.problem.line == 42
        assert result.problem.message == f"enregistrement n° 42 illisible : {why}."
    command = ["journal", "verifier", "--contenu", "--journal", journal]
    verified = CliRunner().invoke(cli, command)
    assert verified.exit_code == 1, verified.output
    assert verified.output == (
        f"ÉCHEC : {url.shown(journal)} : enregistrement n° 42 illisible : {why}.\n"
    )


def test_a_hand_made_record_verifies_alike_in_a_file_and_in_postgresql(journal, tmp_path):
    """The same sealed record of another shape, in a file and in a table: both verifiers
    find the chain intact, and with ``--contenu`` stop at it with the same words, after the
    same intact records; neither journal is copied into the other (``copier`` verifies its
    source's contents first)."""
    copy = tmp_path / "copie.jsonl"
    copy_journal(journal, str(copy))
    lines = copy.read_bytes().splitlines(keepends=True)
    record = orjson.loads(lines[-1])
    facts_as_a_list(record)
    record.pop("empreinte")
    record["empreinte"] = layout.record_digest(record)
    copy.write_bytes(b"".join(lines[:-1]) + layout.canonical(record) + b"\n")
    hand_made(journal, 42, facts_as_a_list)
    chain_in_file, chain_in_table = verify_journal(copy), read.verify(journal)
    assert chain_in_file.ok and chain_in_table.ok
    assert (chain_in_file.count, chain_in_file.last_digest) == (
        chain_in_table.count,
        chain_in_table.last_digest,
    )
    in_file, in_table = verify_journal(copy, contents=True), read.verify(journal, contents=True)
    assert in_file.problem.kind == in_table.problem.kind == "illisible"
    assert in_file.problem.message == f"ligne 42 : {in_table.problem.message}"
    assert (in_file.count, in_file.last_digest) == (in_table.count, in_table.last_digest)
    with pytest.raises(JournalError, match=r"illisible.*rien n'a été copié"):
        copy_journal(journal, str(tmp_path / "autre.jsonl"))
    sql(journal, "DELETE FROM tamis_journal")
    with pytest.raises(JournalError, match=r"illisible.*rien n'a été copié"):
        copy_journal(str(copy), journal)


def resealed_as_a_policy(url: str) -> None:
    """Record 1 made a ``politique`` by another program, and sealed again."""
    sql(url, "UPDATE tamis_journal SET evenement = 'politique' WHERE seq = 1")
    record = orjson.loads(rows.line_from_bytes(*next(read.rows_in(url, read.SeqRange(1, 1)))[:8]))
    record.pop("empreinte")
    sql(url, "UPDATE tamis_journal SET empreinte = %s WHERE seq = 1", layout.record_digest(record))


FIRST_ROW = [
    # (change to record 1 in the table, the kind both verifiers name, same words in both)
    ("UPDATE tamis_journal SET contenu = 'pas du json' WHERE seq = 1", "illisible", False),
    (lambda url: hand_made(url, 1, content_as_a_list), "illisible", True),
    ("UPDATE tamis_journal SET evenement = 'politique' WHERE seq = 1", "modifie", True),
    ("DELETE FROM tamis_journal WHERE seq = 1", "supprime", False),
    (resealed_as_a_policy, "ouverture", True),
]


@pytest.mark.parametrize(("change", "kind", "same_words"), FIRST_ROW)
def test_a_first_line_that_is_not_the_opening_record_is_judged_alike_in_a_file(
    journal, tmp_path, change, kind, same_words
):
    """Record 1 unreadable, resealed as another shape or event, altered, or deleted: the
    table and a file holding the very same lines give the same verdict (ÉCHEC, exit 1) and
    name the same kind of problem at line 1, with or without ``--contenu``; never « not a
    journal » for one and « illisible » for the other."""
    copy = tmp_path / "copie.jsonl"
    copy_journal(journal, str(copy))
    if isinstance(change, str):
        sql(journal, change)
    else:
        change(journal)
    built = [rows.line_from_bytes(*row[:8]) for row in read.rows_in(journal, read.SeqRange(1, 2))]
    lines = copy.read_bytes().splitlines(keepends=True)
    kept = lines[2:] if len(built) == 2 else lines[1:]
    copy.write_bytes(b"".join(line + b"\n" for line in built) + b"".join(kept))
    in_table = read.verify(journal)
    assert in_table.problem.kind == kind and (in_table.problem.line, in_table.count) == (1, 0)
    for contents in (False, True):
        in_file = verify_journal(copy, contents=contents)
        assert in_file.problem.kind == kind and (in_file.problem.line, in_file.count) == (1, 0)
        if same_words:
            assert in_file.problem.message == f"ligne 1 : {in_table.problem.message}"
    for where, shown in ((str(copy), f"{copy}:ligne 1 : "), (journal, f"{url.shown(journal)} : ")):
        for flags in ([], ["--contenu"]):
            verified = CliRunner().invoke(cli, ["journal", "verifier", "--journal", where, *flags])
            assert verified.exit_code == 1, verified.output
            assert verified.output.startswith(f"ÉCHEC : {shown}"), verified.output
            assert "Traceback" not in verified.output
