"""Crash safety and concurrency: SIGKILL mid-batch, torn lines, two writers, one chain."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import fill

from tamis.audit.errors import JournalError
from tamis.audit.reader import iter_records
from tamis.audit.verify import verify_journal

WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    from conftest import checked, decide, invitation
    from tamis.audit.journal import open_journal
    from tamis.audit.sink import DurabilityMode

    if sys.argv[6:] == ["tuer-en-ecrivant"]:  # SIGKILL ourselves halfway through a write
        import os, signal
        import tamis.audit.sink as sink

        def half_then_die(fd, pieces, calls=[0]):
            calls[0] += 1
            if calls[0] < 30:
                return sink_write_all(fd, pieces)
            data = b"".join(pieces)
            os.write(fd, data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)

        sink_write_all, sink.write_all = sink.write_all, half_then_die
    policy = checked()
    count = int(sys.argv[2])
    big = "x" * int(sys.argv[3])
    with open_journal(sys.argv[1], durability=DurabilityMode(sys.argv[4])) as journal:
        for number in range(count):
            inv = dict(invitation(number), message=big, ecrivain=sys.argv[5])
            journal.record_decision(decide(policy, photo=number % 2 == 0), policy=policy,
                                    invitation=inv)
            if number == 20:
                print("pret", flush=True)
    """
)


def writer(tmp_path: Path, journal: Path, count: int, size: int, mode: str, name: str, *extra):
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(tests=str(Path(__file__).parent)))
    args = [sys.executable, str(script), str(journal), str(count), str(size), mode, name, *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, text=True)


def test_sigkill_mid_batch_leaves_a_journal_that_verifies_and_continues(
    tmp_path, journal_path, policy
):
    process = writer(tmp_path, journal_path, 10**6, 2_000_000, "groupee", "a")
    assert process.stdout.readline() == "pret\n"
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    before = verify_journal(journal_path)
    assert before.count >= 23
    assert before.ok or before.problem.kind == "dechire"
    warnings: list[str] = []
    fill(journal_path, policy, 3, warn=warnings.append)
    after = verify_journal(journal_path)
    assert after.ok and after.count == before.count + 3
    side_files = list(tmp_path.glob("journal.jsonl.dechire-*"))
    assert len(side_files) == (0 if before.ok else 1)
    if side_files:
        assert "dernière ligne incomplète" in warnings[0] and str(side_files[0]) in warnings[0]


def test_sigkill_in_the_middle_of_a_write_leaves_a_torn_line_that_is_set_aside(
    tmp_path, journal_path, policy
):
    process = writer(tmp_path, journal_path, 100, 50_000, "groupee", "a", "tuer-en-ecrivant")
    assert process.wait(timeout=60) == -signal.SIGKILL
    before = verify_journal(journal_path)
    # 29 complete writes: ouverture alone, then politique + decision, then one decision each
    assert before.problem.kind == "dechire" and before.count == 30
    fill(journal_path, policy, 1, warn=lambda _m: None)
    (side,) = tmp_path.glob("journal.jsonl.dechire-*")
    assert side.stat().st_size > 20_000
    after = verify_journal(journal_path)
    assert after.ok and after.count == before.count + 1


def test_torn_line_is_set_aside_and_the_chain_continues(journal_path, policy):
    fill(journal_path, policy, 4)
    torn = b'{"contenu":{"id":"inv-99","invitation":{"message":"coup'
    with journal_path.open("ab") as stream:
        stream.write(torn)
    reader_warnings: list[str] = []
    assert len(list(iter_records(journal_path, reader_warnings.append))) == 6
    assert "journal.jsonl:7 : dernière ligne incomplète" in reader_warnings[0]
    writer_warnings: list[str] = []
    fill(journal_path, policy, 2, warn=writer_warnings.append)
    (side,) = journal_path.parent.glob("journal.jsonl.dechire-*")
    assert side.read_bytes() == torn
    assert oct(side.stat().st_mode & 0o777) == "0o600"
    assert "octets déplacés" in writer_warnings[0]
    result = verify_journal(journal_path)
    assert result.ok and result.count == 8


def test_torn_first_record_is_recovered(journal_path, policy):
    journal_path.write_bytes(b'{"contenu":{"version_tam')
    fill(journal_path, policy, 1, warn=lambda _m: None)
    assert verify_journal(journal_path).ok


def test_a_file_that_is_not_a_journal_is_never_touched(tmp_path, policy):
    other = tmp_path / "notes.md"
    other.write_text("# Mes notes\nrien à voir")
    with pytest.raises(JournalError, match=r"pas un (enregistrement de )?journal"):
        fill(other, policy, 1)
    assert other.read_text() == "# Mes notes\nrien à voir"


@pytest.mark.parametrize("mode", ["groupee", "stricte"])
def test_two_processes_writing_1000_each_keep_one_chain(tmp_path, journal_path, mode):
    count = 1000
    processes = [writer(tmp_path, journal_path, count, 10, mode, name) for name in "ab"]
    for process in processes:
        assert process.wait(timeout=120) == 0
    result = verify_journal(journal_path)
    assert result.ok, result.problem
    decisions = [r for r in iter_records(journal_path) if r["evenement"] == "decision"]
    assert len(decisions) == 2 * count
    writers = {r["contenu"]["invitation"]["ecrivain"] for r in decisions}
    assert writers == {"a", "b"}
    assert sum(r["evenement"] == "ouverture" for r in iter_records(journal_path)) == 1
