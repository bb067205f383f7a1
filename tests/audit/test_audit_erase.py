"""Erasure rewrites the journal: a crash at any moment leaves the old or the new journal whole,
and a writer appending meanwhile loses nothing (it follows the renamed file)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from journal_helpers import fill

from tamis.audit.erase import Selection, erase
from tamis.audit.reader import iter_records
from tamis.audit.verify import verify_journal

ERASER = textwrap.dedent(
    """
    import sys, time
    from tamis.audit.erase import Selection, erase

    target = sys.argv[2]

    def step(stage):
        print(stage, flush=True)
        if stage == target:
            time.sleep(60)  # killed here

    erase(sys.argv[1], Selection(ids=frozenset({"inv-1", "inv-1200"})), "essai",
          warn=lambda m: None, step=step)
    print("fin", flush=True)
    """
)


def erased_seqs(path: Path) -> list[int]:
    return [r["seq"] for r in iter_records(path) if r["contenu"].get("effacement") is not None]


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> bytes:
    """A journal of 1,300 decisions (the copy reports every 1,000 lines)."""
    from journal_helpers import checked

    path = tmp_path_factory.mktemp("grand") / "j.jsonl"
    fill(path, checked(), 1300)
    return path.read_bytes()


@pytest.mark.parametrize("stage", ["verrou", "copie", "ecrit", "synchronise", "remplace"])
def test_sigkill_during_erasure_leaves_the_old_or_the_new_journal_whole(tmp_path, big, stage):
    journal = tmp_path / "j.jsonl"
    journal.write_bytes(big)
    process = subprocess.Popen(
        [sys.executable, "-c", ERASER, str(journal), stage], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == stage:
            break
    process.send_signal(signal.SIGKILL)
    process.wait()
    result = verify_journal(journal)
    assert result.ok
    if stage == "remplace":  # renamed: the new journal, whole
        assert erased_seqs(journal) == [4, 1203] and result.count == 1303
    else:  # not yet renamed: the old one, byte for byte
        assert journal.read_bytes() == big
    done = erase(journal, Selection(ids=frozenset({"inv-5"})), "reprise", warn=print)
    assert len(done.erased) == 1 and verify_journal(journal).ok
    assert sorted(os.listdir(tmp_path)) == ["j.jsonl"]  # leftovers removed, index gone


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    from journal_helpers import checked, decide, invitation
    from tamis.audit.journal import open_journal

    policy = checked()
    with open_journal(sys.argv[1], durability=sys.argv[4]) as journal:
        for number in range(int(sys.argv[2])):
            journal.record_decision(
                decide(policy), policy=policy, invitation=invitation(10_000 + number)
            )
    """
)


@pytest.mark.parametrize("durability", ["groupee", "stricte"])
def test_a_writer_appending_during_erasures_loses_nothing(tmp_path, durability):
    from journal_helpers import checked

    journal = tmp_path / "j.jsonl"
    fill(journal, checked(), 50)
    helpers = str(Path(__file__).parent)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(journal), "400", helpers, durability]
    )
    erased: list[int] = []
    deadline = time.monotonic() + 60
    number = 0
    while writer.poll() is None and time.monotonic() < deadline and number < 30:
        done = erase(journal, Selection(ids=frozenset({f"inv-{number}"})), "pendant", warn=print)
        erased += done.erased
        number += 1
    assert writer.wait(timeout=60) == 0
    result = verify_journal(journal)
    assert result.ok and result.erased == len(erased) == number > 1
    decisions = [r for r in iter_records(journal) if r["evenement"] == "decision"]
    assert len(decisions) == 450  # none of the writer's records went to the old file
    assert erased_seqs(journal) == sorted(erased)


def test_the_byte_pre_test_never_rules_out_a_chosen_line(tmp_path):
    """Ids as written and the envelope's time rule lines out before parsing; a line written
    by another program (spaces) still goes to the full test."""
    import json

    from journal_helpers import checked

    journal = tmp_path / "j.jsonl"
    fill(journal, checked(), 6)
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[4] = json.dumps(json.loads(lines[4]), ensure_ascii=False).encode() + b"\n"  # inv-2
    journal.write_bytes(b"".join(lines))
    picked = Selection(ids=frozenset({"inv-2", "inv-4"}))
    assert not picked.may_match(lines[3]) and picked.may_match(lines[4])
    done = erase(journal, picked, "essai", warn=print)
    assert done.erased == [5, 7] and verify_journal(journal).ok
    moment = next(iter_records(journal))["horodatage"]
    assert erase(journal, Selection(before=moment), "rien", warn=print).erased == []
