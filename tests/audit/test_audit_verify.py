"""Verification catches each kind of tampering, with the first broken record's line."""

from __future__ import annotations

import hashlib

import orjson
import pytest
from click.testing import CliRunner
from conftest import fill

from tamis.audit import layout
from tamis.audit.errors import JournalError
from tamis.audit.journal import open_journal
from tamis.audit.verify import verify_journal
from tamis.cli.main import cli


@pytest.fixture
def lines(journal_path, policy):
    fill(journal_path, policy, 8)  # 10 records: ouverture, politique, 8 decisions
    return journal_path.read_bytes().splitlines(keepends=True)


def rewrite(path, lines):
    path.write_bytes(b"".join(lines))


def test_intact_journal_verifies(journal_path, lines):
    result = verify_journal(journal_path)
    assert result.ok and result.count == 10 and result.last_seq == 10


def test_altered_field_is_found(journal_path, lines):
    assert b'"id":"inv-3"' in lines[5]
    lines[5] = lines[5].replace(b'"id":"inv-3"', b'"id":"inv-9"')
    rewrite(journal_path, lines)
    problem = verify_journal(journal_path).problem
    assert problem.kind == "modifie" and problem.line == 6 and "n° 6" in problem.message


def test_reformatted_but_identical_record_still_verifies(journal_path, lines):
    lines[4] = (
        orjson.dumps(orjson.loads(lines[4]), option=orjson.OPT_INDENT_2).replace(b"\n", b" ")
        + b"\n"
    )
    rewrite(journal_path, lines)
    assert verify_journal(journal_path).ok


def test_deleted_line_is_found(journal_path, lines):
    del lines[6]
    rewrite(journal_path, lines)
    problem = verify_journal(journal_path).problem
    assert problem.kind == "supprime" and problem.line == 7 and "n° 7" in problem.message


def test_deleted_first_line_is_found(journal_path, lines):
    rewrite(journal_path, lines[1:])
    problem = verify_journal(journal_path).problem
    assert problem.kind == "supprime" and problem.line == 1


def test_swapped_lines_are_found(journal_path, lines):
    lines[3], lines[4] = lines[4], lines[3]
    rewrite(journal_path, lines)
    problem = verify_journal(journal_path).problem
    assert problem.kind == "deplace" and problem.line == 4 and "ligne 5" in problem.message


def test_duplicated_line_is_found(journal_path, lines):
    lines.insert(6, lines[3])
    rewrite(journal_path, lines)
    problem = verify_journal(journal_path).problem
    assert problem.kind == "deplace" and problem.line == 7


def test_truncated_journal_is_found(journal_path, lines):
    data = b"".join(lines)
    journal_path.write_bytes(data[: len(data) - 40])
    result = verify_journal(journal_path)
    assert result.problem.kind == "dechire" and result.problem.line == 10
    assert result.count == 9  # intact up to the last complete record


def test_rewritten_and_rehashed_record_breaks_the_link(journal_path, lines):
    record = orjson.loads(lines[5])
    record["contenu"]["decision"] = (
        "accepter" if record["contenu"]["decision"] != "accepter" else "refuser"
    )
    del record["empreinte"]
    record["empreinte"] = layout.record_digest(record)  # format 3: over the commitment
    lines[5] = layout.canonical(record) + b"\n"
    rewrite(journal_path, lines)
    problem = verify_journal(journal_path).problem
    assert problem.kind == "chainage" and problem.line == 7


def test_the_envelope_s_keys_inside_a_record_do_not_mislead_the_byte_check(journal_path, lines):
    """A record whose content and personal data hold ``empreinte``, ``precedente``, ``seq``
    and ``version`` members is still read from its bytes, where its envelope really is, and
    a change to it is still found."""
    decoys = {"a": 1, "empreinte": "0" * 64, "precedente": "f" * 64, "seq": 9, "version": 3}
    record = orjson.loads(lines[-1])
    record["contenu"]["parametres"] = decoys
    record["donnees_personnelles"]["donnees"]["preuves"] = {**decoys, "sel": "0" * 32}
    lines[-1] = sealed_by_hand(record)
    assert lines[-1].count(b',"empreinte":"') == lines[-1].count(b',"version":') == 3
    rewrite(journal_path, lines)
    data = journal_path.read_bytes()
    checked = layout.check_lines(data, 0, len(data), 0, layout.GENESIS.encode())
    assert checked[:2] == (len(data), 10)  # every line, this one too, from its bytes
    for parallel in (True, False):
        result = verify_journal(journal_path, parallel=parallel, **SMALL_RANGES)
        assert result.ok and result.count == 10 and result.rewritten == 0
    lines[-1] = lines[-1].replace(b'"seq":9,', b'"seq":8,', 1)
    rewrite(journal_path, lines)
    problem = verify_journal(journal_path).problem
    assert problem.kind == "modifie" and problem.line == 10


def test_garbage_line_is_found(journal_path, lines):
    lines[2] = b"pas du json\n"
    rewrite(journal_path, lines)
    problem = verify_journal(journal_path).problem
    assert problem.kind == "illisible" and problem.line == 3


def test_not_a_journal_fails_at_line_1_as_a_table_would(tmp_path):
    """A first line that is no record is a failure named at line 1, not an error: a
    PostgreSQL journal's first row is judged so too (``test_postgresql_verify``)."""
    other = tmp_path / "notes.txt"
    other.write_text("bonjour\n")
    for parallel in (True, False):
        problem = verify_journal(other, parallel=parallel).problem
        assert problem.kind == "illisible" and problem.line == 1
        assert problem.message == "ligne 1 : ligne illisible (pas un enregistrement de journal)."


def test_missing_journal_is_a_french_error(tmp_path):
    with pytest.raises(JournalError, match="journal introuvable"):
        verify_journal(tmp_path / "absent.jsonl")


def reseal(records):
    """Renumber and re-chain ``records`` so that only their content tells they were cut."""
    lines, previous = [], layout.GENESIS
    for seq, record in enumerate(records, start=1):
        record = {**record, "seq": seq, "precedente": previous}
        record.pop("empreinte")
        record["empreinte"] = previous = layout.record_digest(record)
        lines.append(orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n")
    return lines


def test_journal_not_starting_with_ouverture_fails_at_line_1(journal_path, lines):
    records = [orjson.loads(line) for line in lines[1:]]  # the ouverture cut off, re-chained
    rewrite(journal_path, reseal(records))
    for parallel in (True, False):
        result = verify_journal(journal_path, parallel=parallel)
        assert result.problem.kind == "ouverture" and result.problem.line == 1
        assert result.problem.message == (
            "ligne 1 : le premier enregistrement (n° 1) est « politique » et non « ouverture » "
            "— le début du journal a été supprimé ou remplacé."
        )
    rewrite(journal_path, reseal([orjson.loads(line) for line in lines]))
    assert verify_journal(journal_path).ok  # the same resealing keeps an intact journal intact


def test_empty_journal_fails_and_a_new_one_verifies(journal_path):
    journal_path.write_bytes(b"")
    problem = verify_journal(journal_path).problem
    assert problem.kind == "vide" and problem.empty and problem.line == 1  # never OK
    assert problem.message == "journal vide : aucun enregistrement encore."
    journal_path.unlink()
    with open_journal(journal_path):
        pass
    result = verify_journal(journal_path)
    assert result.ok and result.count == 1


def sealed_by_hand(record: dict) -> bytes:
    """``record``'s line as another program could write it: sealed again over what it now
    holds, so that its digest matches (and, last in the journal, nothing follows it)."""
    record = dict(record)
    record.pop("empreinte")
    record["empreinte"] = layout.record_digest(record)
    return layout.canonical(record) + b"\n"


def sealed_bytes(content: bytes, seq: int, previous: str) -> bytes:
    """A format 2 decision line whose ``contenu`` is ``content``, whatever those bytes are,
    laid out as tamis lays a line out and sealed over them."""
    tail = (
        b',"evenement":"decision","horodatage":"2026-12-03T00:00:00.000000Z",'
        b'"precedente":"%s","seq":%d,"version":2}' % (previous.encode(), seq)
    )
    digest = hashlib.sha256(b'{"contenu":' + content + tail).hexdigest().encode()
    return b'{"contenu":' + content + b',"empreinte":"' + digest + b'"' + tail + b"\n"


def facts_as_a_list(record: dict) -> dict:
    return {**record, "contenu": {**record["contenu"], "faits": [1, 2]}}


def trace_of_numbers(record: dict) -> dict:
    personal = record["donnees_personnelles"]
    data = {**personal["donnees"], "details": {"0": "détail"}}  # put back into the trace
    return {
        **record,
        "contenu": {**record["contenu"], "trace": [1, "deux"]},
        "donnees_personnelles": {**personal, "donnees": data},
    }


SMALL_RANGES = {"length": 4096, "parallel_from": 0, "processes": 2}
"""Ranges of 4 KiB on two processes, whatever the journal's length."""


@pytest.mark.parametrize("parallel", [True, False])
@pytest.mark.parametrize(
    ("change", "why"),
    [
        (facts_as_a_list, "son champ « faits » n'est pas un objet"),
        (
            trace_of_numbers,
            "son champ « trace » n'est pas une liste d'objets dont la « condition » est un objet",
        ),
    ],
)
def test_a_sealed_line_of_another_shape_is_unreadable(journal_path, lines, change, why, parallel):
    """Its digest matches, but it is not a record every reader can read: named with its
    line and number, as the PostgreSQL verifier names such a row."""
    lines[-1] = sealed_by_hand(change(orjson.loads(lines[-1])))
    rewrite(journal_path, lines)
    result = verify_journal(journal_path, parallel=parallel, contents=True, **SMALL_RANGES)
    assert (result.count, result.last_seq) == (9, 9)
    assert result.problem.kind == "illisible" and result.problem.line == 10
    assert result.problem.message == f"ligne 10 : enregistrement n° 10 illisible : {why}."


@pytest.mark.parametrize("parallel", [True, False])
@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b'{"decision":"refuser",}', "ce n'est pas du JSON valide"),
        (b"[1]", "son champ « contenu » n'est pas un objet"),
        (b'{"decision":"refuser"}', "son champ « id » n'est pas un texte"),
    ],
)
def test_a_sealed_line_whose_content_is_not_json_is_unreadable(
    journal_path, lines, content, why, parallel
):
    previous = orjson.loads(lines[-1])["empreinte"]
    lines.append(sealed_bytes(content, 11, previous))
    lines.append(sealed_bytes(b'{"decision":', 12, "0" * 64))  # after it: not reached
    rewrite(journal_path, lines)
    result = verify_journal(journal_path, parallel=parallel, contents=True, **SMALL_RANGES)
    assert (result.count, result.last_seq) == (10, 10)
    assert result.problem.kind == "illisible" and result.problem.line == 11
    assert result.problem.message == f"ligne 11 : enregistrement n° 11 illisible : {why}."


def test_verifier_contenu_names_a_sealed_line_that_is_not_a_record(journal_path, lines):
    """``tamis journal verifier --contenu``: the chain holds, but line 11 is not JSON; the
    command names it and exits 1 (the records before it counted as intact)."""
    previous = orjson.loads(lines[-1])["empreinte"]
    lines.append(sealed_bytes(b'{"decision":"refuser",}', 11, previous))
    rewrite(journal_path, lines)
    result = CliRunner().invoke(
        cli, ["journal", "verifier", "--journal", str(journal_path), "--contenu"]
    )
    assert result.exit_code == 1
    assert result.output == (
        f"ÉCHEC : {journal_path}:ligne 11 : enregistrement n° 11 illisible : ce n'est pas du "
        "JSON valide.\n"
    )
    lines.pop()
    rewrite(journal_path, lines)
    result = CliRunner().invoke(
        cli, ["journal", "verifier", "--journal", str(journal_path), "--contenu"]
    )
    assert result.exit_code == 0 and result.output.startswith("OK : 10 enregistrement(s)")
