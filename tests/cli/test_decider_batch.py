"""``tamis decider`` in batches: one journal write per batch, nothing printed before it is
written, and the same output, messages and journal as deciding one invitation at a time."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from tamis.audit.errors import JournalError
from tamis.audit.verify import verify_journal
from tamis.cli import decider
from tamis.cli.main import cli
from tamis.invitations.reader import read_invitations
from tamis.triage import pipeline

ROOT = Path(__file__).resolve().parents[2]
EXEMPLES = ROOT / "policies" / "exemples"

POLICY = """\
politique "Lots"
règle "photo" : refuser si sans_photo
    motif "Pas de visage, pas de contact."
accepter si expediteur.connexions >= connexions_min
sinon examiner
"""


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TAMIS_JOURNAL", raising=False)
    Path("p.tamis").write_text(POLICY, encoding="utf-8")
    return tmp_path


def invitation_lines(count: int, bad: set[int]) -> str:
    """``count`` JSON lines; the (1-based) lines in ``bad`` are invalid records."""
    lines = []
    for number in range(1, count + 1):
        if number in bad:
            lines.append(json.dumps({"id": f"casse-{number}", "expediteur": {"connexions": -3}}))
            continue
        sender = {"photo": number % 3 != 0, "connexions": number % 200}
        if number % 7 == 0:
            sender = {"nom": "Jeanne Roy"}
        lines.append(json.dumps({"id": f"i-{number}", "expediteur": sender}))
    return "\n".join(lines) + "\n"


class Recorder:
    """A journal that keeps what it was handed, and can fail on a given batch."""

    def __init__(self, fail_on_batch: int | None = None) -> None:
        self.batches: list[list[str]] = []
        self.written: list[str] = []
        self.fail_on_batch = fail_on_batch

    def record_decisions(self, decided, *, policy, context_sha256=None) -> None:
        ids = [d.received["id"] for d in decided]
        if len(self.batches) == self.fail_on_batch:
            raise JournalError("disque plein")
        self.batches.append(ids)
        self.written += ids


def records(text: str, name: str = "inv.jsonl"):
    Path(name).write_text(text, encoding="utf-8")
    return read_invitations(name, name=name)


def test_each_outcome_comes_after_its_batch_is_written_in_input_order(work: Path) -> None:
    setup = pipeline.prepare(pipeline.SetupOptions("p.tamis"))
    journal = Recorder()
    seen = []
    outcomes = pipeline.decide_records(
        setup, records(invitation_lines(9, bad={3, 4})), journal, batch_size=4
    )
    for outcome in outcomes:
        if isinstance(outcome, pipeline.Decided):
            assert outcome.invitation.id in journal.written  # journaled before it is seen
            seen.append(outcome.invitation.id)
        else:
            assert outcome.location == f"inv.jsonl:{len(seen) + 1}"  # in its place
            seen.append(outcome.location)
    assert seen == ["i-1", "i-2", "inv.jsonl:3", "inv.jsonl:4", *[f"i-{n}" for n in range(5, 10)]]
    assert journal.batches == [["i-1", "i-2"], ["i-5", "i-6", "i-7", "i-8"], ["i-9"]]


def test_input_is_read_one_batch_ahead_at_most(work: Path) -> None:
    setup = pipeline.prepare(pipeline.SetupOptions("p.tamis"))
    pulled = 0

    def counted():
        nonlocal pulled
        for record in records(invitation_lines(50, bad=set())):
            pulled += 1
            yield record

    outcomes = pipeline.decide_records(setup, counted(), Recorder(), batch_size=8)
    next(outcomes)
    assert pulled == 8
    assert len(list(outcomes)) == 49 and pulled == 50


def test_a_failed_batch_write_shows_nothing_of_that_batch(work: Path) -> None:
    setup = pipeline.prepare(pipeline.SetupOptions("p.tamis"))
    outcomes = pipeline.decide_records(
        setup, records(invitation_lines(10, bad=set())), Recorder(fail_on_batch=1), batch_size=4
    )
    shown = []
    with pytest.raises(JournalError):
        for outcome in outcomes:
            shown.append(outcome.invitation.id)
    assert shown == ["i-1", "i-2", "i-3", "i-4"]


def run(*args: str):
    return CliRunner().invoke(cli, ["decider", *args], prog_name="tamis")


def decision_contents(path: Path) -> list[dict]:
    contents = []
    for line in path.read_bytes().splitlines():
        record = orjson.loads(line)
        if record["evenement"] == "decision":
            contents.append({k: v for k, v in record["contenu"].items() if k != "duree_ms"})
    return contents


@pytest.mark.parametrize(
    "options", [[], ["--trace"], ["--format", "texte", "--trace"], ["--durabilite", "stricte"]]
)
def test_batched_run_prints_and_journals_what_one_at_a_time_does(
    work: Path, monkeypatch: pytest.MonkeyPatch, options: list[str]
) -> None:
    count = 2 * decider.BATCH + 40
    bad = {1, decider.BATCH, decider.BATCH + 1, count}
    Path("inv.jsonl").write_text(invitation_lines(count, bad), encoding="utf-8")
    batched = run("-p", "p.tamis", "--journal", "lots.jsonl", *options, "inv.jsonl")
    monkeypatch.setattr(decider, "BATCH", 1)
    single = run("-p", "p.tamis", "--journal", "un.jsonl", *options, "inv.jsonl")
    assert batched.exit_code == single.exit_code == 3
    assert batched.stdout == single.stdout
    assert batched.stderr == single.stderr
    assert decision_contents(Path("lots.jsonl")) == decision_contents(Path("un.jsonl"))
    assert len(decision_contents(Path("lots.jsonl"))) == count - len(bad)
    assert verify_journal(Path("lots.jsonl")).ok


def test_shipped_examples_print_the_same_batched_or_not(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = []
    for batch in (decider.BATCH, 1):
        monkeypatch.setattr(decider, "BATCH", batch)
        for policy in sorted((ROOT / "policies").glob("*.tamis")):
            result = run(
                "-p",
                str(policy),
                "--contexte",
                str(EXEMPLES / "tamis.toml"),
                "--journal",
                f"j-{batch}.jsonl",
                "--trace",
                str(EXEMPLES / "invitations.jsonl"),
            )
            assert result.exit_code == 0, result.stderr
            outputs.append(result.stdout)
    half = len(outputs) // 2
    assert outputs[:half] == outputs[half:]
    assert decision_contents(Path(f"j-{decider.BATCH}.jsonl")) == decision_contents(
        Path("j-1.jsonl")
    )


def tamis(*args: str, **kw) -> subprocess.Popen:
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", *args]
    return subprocess.Popen(command, text=True, **kw)


def test_invitations_from_a_pipe_are_answered_one_by_one(work: Path) -> None:
    """A live feed (``tail -f … | tamis decider -``) gets each decision as soon as it is
    journaled, not once a batch is full."""
    process = tamis(
        "decider", "-p", "p.tamis", "--journal", "flux.jsonl", "-",
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for number in (1, 2):
            line = json.dumps({"id": f"f-{number}", "expediteur": {"photo": False}})
            process.stdin.write(line + "\n")
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 30)
            assert ready, f"no answer for invitation {number} while the pipe stays open"
            answer = json.loads(process.stdout.readline())
            assert answer["id"] == f"f-{number}" and answer["decision"] == "refuser"
    finally:
        process.stdin.close()
        process.wait(timeout=30)
    assert process.returncode == 0
    assert len(decision_contents(Path("flux.jsonl"))) == 2


def test_output_is_the_same_whatever_the_hash_seed(work: Path) -> None:
    """Facts come out in name order, not in a set's order, which changes between runs."""
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        process = tamis(
            "decider", "-p", str(ROOT / "policies" / "blogue.tamis"),
            "--contexte", str(EXEMPLES / "tamis.toml"), "--journal", f"s{seed}.jsonl",
            "--trace", str(EXEMPLES / "invitations.jsonl"),
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        stdout, _ = process.communicate(timeout=60)
        assert process.returncode == 0
        outputs.add(stdout)
    assert len(outputs) == 1
