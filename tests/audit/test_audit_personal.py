"""Journal format 3: the personal part beside the decision, under a salted commitment; format 2
journals still read and verify; the verifier printed in docs/journal.md agrees."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from journal_helpers import checked, decide, explained, fill, invitation

from tamis.audit import layout, personal
from tamis.audit.chain import parse_record
from tamis.audit.journal import open_journal
from tamis.audit.queries import parse_filter, search
from tamis.audit.verify import verify_journal
from tamis.audit.why import find_decisions

ROOT = Path(__file__).parents[2]
V2_JOURNAL = ROOT / "tests" / "corpus" / "journaux" / "journal-v2.jsonl"
FORCED = {"length": 1500, "parallel_from": 0, "processes": 2}  # ranges of a few lines
TITLE_POLICY = """politique "Titres"
refuser si expediteur.titre contient "pdg" ou sans_photo
sinon accepter
"""


def test_a_decision_line_keeps_personal_data_out_of_its_content(journal_path, policy):
    fill(journal_path, policy, 2)
    raw = orjson.loads(journal_path.read_bytes().splitlines()[-1])
    content, part = raw["contenu"], raw["donnees_personnelles"]
    assert raw["version"] == 3 and set(part) == {"donnees", "sel"}
    assert set(part["donnees"]) == {"invitation", "explication", "preuves"}
    assert not {"invitation", "explication", "preuves"} & set(content)
    assert b"Tremblay" not in layout.canonical(content)
    assert re.fullmatch("[0-9a-f]{32}", part["sel"])  # 16 random bytes


def test_the_digest_is_computed_as_documented(journal_path, policy):
    fill(journal_path, policy, 1)
    raw = orjson.loads(journal_path.read_bytes().splitlines()[-1])
    part = raw.pop("donnees_personnelles")
    commitment = hashlib.sha256(
        bytes.fromhex(part["sel"]) + orjson.dumps(part["donnees"], option=orjson.OPT_SORT_KEYS)
    ).hexdigest()
    empreinte = raw.pop("empreinte")
    raw["donnees_personnelles"] = commitment
    assert hashlib.sha256(layout.canonical(raw)).hexdigest() == empreinte


def test_salts_differ_between_records(journal_path, policy):
    fill(journal_path, policy, 4)
    salts = [
        orjson.loads(line)["donnees_personnelles"]["sel"]
        for line in journal_path.read_bytes().splitlines()
        if b'"donnees_personnelles"' in line
    ]
    assert len(salts) == len(set(salts)) == 4


def test_text_facts_and_the_details_quoting_them_are_personal(journal_path):
    policy = checked(TITLE_POLICY)
    facts = {"expediteur.titre": "PDG de Tremblay inc.", "sans_photo": False}
    from tamis.engine.compile import compile_policy

    decision = explained(policy, compile_policy(policy).decide(facts))
    with open_journal(journal_path) as journal:
        written = journal.record_decision(decision, policy=policy, invitation=invitation(1))
    line = journal_path.read_bytes().splitlines()[-1]
    raw = orjson.loads(line)
    assert "expediteur.titre" not in raw["contenu"]["faits"]
    assert raw["contenu"]["faits"] == {"sans_photo": False}
    assert raw["donnees_personnelles"]["donnees"]["faits"] == {
        "expediteur.titre": "PDG de Tremblay inc."
    }
    assert b"PDG" not in layout.canonical(raw["contenu"])
    assert "details" in raw["donnees_personnelles"]["donnees"]
    assert parse_record(line) == written  # readers see the record whole again
    assert "PDG de Tremblay" in str(written["contenu"]["trace"])
    assert verify_journal(journal_path).ok


def test_split_then_merge_gives_the_content_back(journal_path, policy):
    fill(journal_path, policy, 3)
    for line in journal_path.read_bytes().splitlines():
        record = parse_record(line)
        if record["evenement"] == "decision":
            decision, data = personal.split(record["contenu"])
            raw = {**record, "contenu": decision, personal.KEY: personal.personal_part(data)}
            assert personal.merged(raw) == record


@pytest.mark.parametrize(
    "tamper",
    [
        lambda part: part.update(sel="00" * 16),
        lambda part: part["donnees"]["invitation"]["expediteur"].update(nom="Autre"),
        lambda part: part.update(sel="ab"),
        lambda part: part.pop("sel"),
    ],
)
def test_a_changed_personal_part_breaks_the_chain(journal_path, policy, tamper):
    fill(journal_path, policy, 3)
    lines = journal_path.read_bytes().splitlines(keepends=True)
    raw = orjson.loads(lines[3])
    tamper(raw["donnees_personnelles"])
    lines[3] = layout.canonical(raw) + b"\n"
    journal_path.write_bytes(b"".join(lines))
    for result in (verify_journal(journal_path, parallel=False), verify_journal(journal_path)):
        assert result.problem.kind in ("modifie", "illisible") and result.problem.line == 4


def test_format_3_lines_are_checked_from_their_bytes_on_every_core(journal_path, policy):
    fill(journal_path, policy, 40)
    for result in (
        verify_journal(journal_path, parallel=False),
        verify_journal(journal_path, **FORCED),
    ):
        assert result.ok and result.count == 42 and result.rewritten == 0


def test_format_2_journals_read_and_verify(tmp_path):
    journal = tmp_path / "v2.jsonl"
    shutil.copy(V2_JOURNAL, journal)
    result = verify_journal(journal)
    assert result.ok and result.count == 48 and result.rewritten == 0
    rows = list(search(journal, parse_filter(sender="tremblay"), index=False))
    assert rows and rows == list(search(journal, parse_filter(sender="tremblay")))
    (found,) = find_decisions(journal, "inv-01")
    assert found.record["version"] == 2 and "Julie Tremblay" in str(found.record["contenu"])


def test_format_3_records_continue_a_format_2_journal(tmp_path, policy):
    journal = tmp_path / "v2.jsonl"
    shutil.copy(V2_JOURNAL, journal)
    with open_journal(journal) as writer:
        writer.record_decision(decide(policy), policy=policy, invitation=invitation(99))
    assert verify_journal(journal).ok and verify_journal(journal).count == 50
    versions = [orjson.loads(line)["version"] for line in journal.read_bytes().splitlines()]
    assert versions == [2] * 48 + [3, 3]  # a politique record, then the decision


def documented_verifier(tmp_path: Path) -> Path:
    """The independent verifier printed in docs/journal.md, as a file of its own."""
    text = (ROOT / "docs" / "journal.md").read_text(encoding="utf-8")
    code = text.split("<!-- verificateur-independant -->\n```python\n", 1)[1].split("```", 1)[0]
    script = tmp_path / "verificateur.py"
    script.write_text(code, encoding="utf-8")
    return script


def run_documented(script: Path, journal: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(script), str(journal)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_the_documented_verifier_agrees_with_tamis(tmp_path, journal_path, policy):
    script = documented_verifier(tmp_path)
    v2 = tmp_path / "v2.jsonl"
    shutil.copy(V2_JOURNAL, v2)
    assert run_documented(script, v2) == (
        f"OK : 48 enregistrements, dernière empreinte {verify_journal(v2).last_digest}"
    )
    fill(journal_path, policy, 5)
    assert run_documented(script, journal_path) == (
        f"OK : 7 enregistrements, dernière empreinte {verify_journal(journal_path).last_digest}"
    )
    lines = journal_path.read_bytes().splitlines(keepends=True)
    raw = orjson.loads(lines[4])
    raw["donnees_personnelles"]["sel"] = "11" * 16
    lines[4] = layout.canonical(raw) + b"\n"
    journal_path.write_bytes(b"".join(lines))
    assert run_documented(script, journal_path) == "ÉCHEC ligne 5 : empreinte fausse"


def test_a_format_3_line_sealed_over_its_personal_data_is_altered(journal_path, policy):
    """One definition of the digest: a decision hashed whole (as format 2 would) no longer
    passes, even on the fast path that reads bytes."""
    fill(journal_path, policy, 3)
    lines = journal_path.read_bytes().splitlines(keepends=True)
    raw = orjson.loads(lines[3])
    del raw["empreinte"]
    lines[3] = layout.seal(layout.canonical(raw))[0]
    journal_path.write_bytes(b"".join(lines))
    for result in (verify_journal(journal_path, parallel=False), verify_journal(journal_path)):
        assert result.problem.kind == "modifie" and result.problem.line == 4


def test_every_record_gets_its_own_salt_and_a_forked_child_never_reuses_its_parents(
    journal_path, policy
):
    """Salts are drawn a block at a time: still one per record, never shared with a child
    process started by fork (``tamis servir --processus N``)."""
    fill(journal_path, policy, 300)  # more than one block of salts
    lines = journal_path.read_bytes().splitlines()
    salts = [orjson.loads(line)["donnees_personnelles"]["sel"] for line in lines[2:]]
    assert len(salts) == 300 and len(set(salts)) == 300
    assert all(len(bytes.fromhex(salt)) == personal.SALT_BYTES for salt in salts)
    parent = personal.new_salt()  # the pool now holds this block's other salts
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe
        os.write(write, "".join(personal.new_salt() for _ in range(300)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        drawn = pipe.read().decode()
    os.waitpid(child, 0)
    in_child = {drawn[i : i + 32] for i in range(0, len(drawn), 32)}
    in_parent = {parent, *(personal.new_salt() for _ in range(300))}
    assert len(in_child) == 300 and not in_child & in_parent
