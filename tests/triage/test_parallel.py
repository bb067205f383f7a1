"""``tamis decider --processus N``: the same bytes on stdout and stderr, the same exit code and
the same journal content (times, salts, digests and durations apart) as one process, for
every input format and mode; a worker that dies or Ctrl-C stops the run cleanly, with nothing
printed that is not journaled."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from importlib.resources import files
from pathlib import Path

import orjson
import pytest

from tamis.audit.verify import verify_journal
from tamis.cli import decider

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import generer  # noqa: E402

EXEMPLES = files("tamis.policies.exemples")
POLICY = str(files("tamis.policies") / "blogue.tamis")
CONTEXT = str(EXEMPLES / "tamis.toml")
VARYING = ("horodatage", "empreinte", "precedente")  # differ from run to run by design


def tamis(*args: str, stdin: Path | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", *args]
    with (stdin or Path(os.devnull)).open("rb") as given:
        return subprocess.run(command, stdin=given, capture_output=True, timeout=300)


def content(journal: Path) -> list[dict]:
    """The journal's records without what changes from run to run (time, salt, digests,
    the time spent deciding)."""
    records = []
    for line in journal.read_bytes().splitlines():
        record = orjson.loads(line)
        for key in VARYING:
            record.pop(key)
        record.get("donnees_personnelles", {}).pop("sel", None)
        record["contenu"].pop("duree_ms", None)
        records.append(record)
    return records


def invitations(count: int) -> list[dict]:
    """``count`` generated invitations, with an id met again in the same batch, in the next
    batch and a few batches later (several batches are in flight at once)."""
    raws = list(generer.generate(count, 7))
    for first, again in ((3, 4), (10, 300), (20, 700), (600, 610)):
        raws[again] = {**raws[first]}
    raws[500] = {**raws[501], "message": "même id, autre message"}
    return raws


def jsonl(raws: list[dict]) -> bytes:
    """JSON Lines with blank lines, a syntax error, a byte that is not UTF-8, a Windows line
    end and invalid invitations among them."""
    lines = [orjson.dumps(raw) for raw in raws]
    lines[30] = b'{"id": "casse", "expediteur": {"connexions": -3}}'
    lines[31] = b'{"id": "virgule",}'
    lines[50] = b'{"id": "latin", "message": "caf\xe9"}'
    lines[51] += b"\r"
    lines[400] = b""
    lines[401] = b"[1, 2]"
    return b"\n".join(lines) + b"\n"


def same_in_both(tmp_path: Path, args: tuple[str, ...], data: Path, *, stdin: bool = False):
    """Run ``decider`` with one process and with two on copies of the same journal, and
    compare everything; return the one-process run."""
    runs, journals = [], []
    for count in ("1", "2"):
        journal = tmp_path / f"journal-{count}.jsonl"
        given = ("-",) if stdin else (str(data),)
        command = ("decider", "-p", POLICY, "--contexte", CONTEXT, "--journal", str(journal))
        done = tamis(*command, "--processus", count, *args, *given, stdin=data if stdin else None)
        runs.append(done)
        journals.append(journal)
    one, two = runs
    assert two.stdout == one.stdout
    assert two.stderr == one.stderr
    assert two.returncode == one.returncode
    assert b"Traceback" not in two.stderr
    if journals[0].exists():
        assert content(journals[1]) == content(journals[0])
        assert verify_journal(journals[1]).ok
    return one


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("entrees")
    raws = invitations(900)
    paths = {
        "jsonl": folder / "invitations.jsonl",
        "tableau": folder / "invitations.json",
        "csv": folder / "Invitations.csv",
    }
    paths["jsonl"].write_bytes(jsonl(raws))
    array = json.dumps(raws[:300], ensure_ascii=False, indent=1).replace('"id"', '"ID"', 1)
    paths["tableau"].write_text(array, encoding="utf-8")
    texts = [json.dumps(raw, ensure_ascii=False, indent=2) for raw in raws[:300]]
    texts[7] = '{"id": "casse", "expediteur": {"connexions": -3}}'
    paths["suite"] = folder / "suite.json"  # pretty-printed JSON texts one after another
    paths["suite"].write_text("\n".join(texts) + "\n", encoding="utf-8")
    shutil.copy(str(EXEMPLES / "Invitations.csv"), paths["csv"])
    return paths


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "json"),
        ("--format", "texte"),
        ("--format", "court"),
        ("--format", "json", "--trace"),
        ("--format", "texte", "--trace"),
        ("--format", "json", "--minimiser"),
        ("--format", "json", "--redecider"),
        ("--format", "json", "--nouvelles"),
        ("--format", "json", "--moteur", "durable"),
    ],
)
def test_json_lines_the_same_with_workers(
    tmp_path: Path, inputs: dict[str, Path], args: tuple[str, ...]
) -> None:
    done = same_in_both(tmp_path, args, inputs["jsonl"])
    assert done.returncode == decider.EXIT_REJECTED  # the invalid lines, named by place
    assert b"invitations.jsonl:32: erreur" in done.stderr
    assert b"invitations.jsonl:51: erreur : le fichier n'est pas en UTF-8" in done.stderr
    assert "id déjà utilisé".encode() in done.stderr


@pytest.mark.parametrize("kind", ["tableau", "suite", "csv"])
@pytest.mark.parametrize("args", [("--format", "json", "--trace"), ("--format", "court")])
def test_other_formats_the_same_with_workers(
    tmp_path: Path, inputs: dict[str, Path], kind: str, args: tuple[str, ...]
) -> None:
    extra = ("--sens", "toutes") if kind == "csv" else ()
    done = same_in_both(tmp_path, (*args, *extra), inputs[kind])
    assert done.stdout


def test_standard_input_the_same_with_workers(tmp_path: Path, inputs: dict[str, Path]) -> None:
    same_in_both(tmp_path, ("--format", "texte"), inputs["jsonl"], stdin=True)


@pytest.mark.parametrize("args", [("--format", "json"), ("--format", "texte"), ("--nouvelles",)])
def test_already_decided_the_same_with_workers(
    tmp_path: Path, inputs: dict[str, Path], args: tuple[str, ...]
) -> None:
    """A second run over the same journal: each invitation « déjà décidée », and those the
    first run did not see decided now, in one process or several alike."""
    first = tmp_path / "premier.jsonl"
    lines = inputs["jsonl"].read_bytes().splitlines()
    first.write_bytes(b"\n".join(lines[:500:2]) + b"\n")
    for count in ("1", "2"):
        journal = tmp_path / f"journal-{count}.jsonl"
        tamis("decider", "-p", POLICY, "--contexte", CONTEXT, "--journal", str(journal), str(first))
    assert content(tmp_path / "journal-1.jsonl") == content(tmp_path / "journal-2.jsonl")
    shutil.copy(tmp_path / "journal-1.jsonl", tmp_path / "journal-2.jsonl")
    done = same_in_both(tmp_path, args, inputs["jsonl"])
    assert "déjà décidée".encode() in done.stdout + done.stderr


def test_workers_start_only_for_a_large_file(tmp_path: Path) -> None:
    small, large = tmp_path / "petit.jsonl", tmp_path / "grand.jsonl"
    small.write_bytes(b"{}\n")
    large.write_bytes(b" " * decider.PARALLEL_FROM)
    assert decider.processes(None, str(small), decider.BATCH) == 1
    usable = min(len(os.sched_getaffinity(0)), decider.DEFAULT_WORKERS_AT_MOST)
    assert decider.processes(None, str(large), decider.BATCH) == usable
    assert decider.processes(3, str(small), decider.BATCH) == 3
    assert decider.processes(3, str(large), 1) == 1  # a pipe: one line at a time, here


def test_processus_is_checked(tmp_path: Path, inputs: dict[str, Path]) -> None:
    done = tamis("decider", "-p", POLICY, "--processus", "0", str(inputs["jsonl"]))
    assert done.returncode == 2
    assert "--processus" in done.stderr.decode()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(n) for n in path.read_text().split()] if path.exists() else []


def ctrl_c_as_in_a_terminal() -> None:
    """In the child: SIGINT back to its default. A shell starts background jobs with SIGINT
    ignored, Python keeps a signal ignored at start, and the run would then never see the
    test's Ctrl-C (as when the suite itself runs in the background)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_large_run(tmp_path: Path) -> tuple[subprocess.Popen, Path, list[int]]:
    """A run long enough to be stopped in the middle, once its workers are up."""
    data = tmp_path / "grand.jsonl"
    raws = generer.generate(40_000, 3)
    data.write_bytes(b"".join(orjson.dumps(raw) + b"\n" for raw in raws))
    journal = tmp_path / "journal.jsonl"
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", "decider"]
    command += ["-p", POLICY, "--journal", str(journal), "--processus", "2", str(data)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # Ctrl-C reaches the whole group, as in a terminal
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    deadline = time.monotonic() + 60
    while len(children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(children(process.pid)) >= 2
    while not journal.exists() or journal.stat().st_size < 100_000:  # deciding has begun
        time.sleep(0.05)
        assert time.monotonic() < deadline and process.poll() is None
    return process, journal, children(process.pid)


def gone(pids: list[int]) -> bool:
    """Whether none of ``pids`` is still running (no worker is left behind)."""
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(Path(f"/proc/{pid}").exists() for pid in pids)


def printed_are_journaled(stdout: bytes, journal: Path) -> int:
    """How many lines were printed, each of a decision in the journal, in order (Ctrl-C
    during a write may leave its last line cut short: that line is not counted)."""
    printed = [orjson.loads(line)["id"] for line in stdout.split(b"\n")[:-1]]
    assert verify_journal(journal).ok
    journaled = [
        r["contenu"]["id"] for r in map(orjson.loads, journal.read_bytes().splitlines())
        if r["evenement"] == "decision"
    ]  # fmt: skip
    assert printed == journaled[: len(printed)]
    return len(printed)


def test_a_worker_that_dies_stops_the_run_with_a_french_error(tmp_path: Path) -> None:
    process, journal, workers = start_large_run(tmp_path)
    os.kill(workers[0], signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    message = stderr.decode()
    assert "un processus de décision s'est arrêté" in message
    assert "Traceback" not in message
    assert printed_are_journaled(stdout, journal) < 40_000
    assert gone(workers)


def test_workers_do_not_outlive_a_main_process_that_is_killed(tmp_path: Path) -> None:
    """SIGKILL of ``decider`` itself, while its workers are sending results: they find their
    pipes ended and exit (none waits forever on a pipe it holds both ends of)."""
    data = tmp_path / "grand.jsonl"
    data.write_bytes(b"".join(orjson.dumps(raw) + b"\n" for raw in generer.generate(40_000, 3)))
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", "decider", "-p"]
    command += [POLICY, "--journal", str(tmp_path / "j.jsonl"), "--processus", "2", str(data)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = children(process.pid)
    time.sleep(1)  # deciding, sending results back
    process.kill()
    process.wait(60)
    assert len(workers) == 2 and gone(workers)


def test_ctrl_c_stops_the_run_cleanly(tmp_path: Path) -> None:
    process, journal, workers = start_large_run(tmp_path)
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "Traceback" not in stderr.decode()
    assert printed_are_journaled(stdout, journal) < 40_000
    assert gone(workers)


def test_a_postgresql_journal_gets_the_same_records_from_workers(
    pg_url: str, tmp_path: Path, inputs: dict[str, Path]
) -> None:
    """Workers with a journal in PostgreSQL: the same lines, and the database copied back
    into a file holds the records one process wrote into a file."""
    assert tamis("journal", "initialiser", pg_url).returncode == 0
    file_journal, back = tmp_path / "journal.jsonl", tmp_path / "retour.jsonl"
    runs = [
        tamis("decider", "-p", POLICY, "--contexte", CONTEXT, "--journal", journal,
              "--processus", count, "--format", "json", str(inputs["jsonl"]))
        for journal, count in ((str(file_journal), "1"), (pg_url, "2"))
    ]  # fmt: skip
    assert runs[1].stdout == runs[0].stdout
    assert runs[1].stderr == runs[0].stderr
    assert runs[1].returncode == runs[0].returncode == decider.EXIT_REJECTED
    assert tamis("journal", "copier", pg_url, str(back)).returncode == 0
    assert content(back) == content(file_journal)


@pytest.mark.parametrize("ident", [" espacé ", "cafe\u0301", "tab\tulé", "0"])
def test_an_id_is_looked_up_as_it_will_be_validated(ident: str) -> None:
    """Over a journal that holds decisions, this process looks up the id each text seems to
    have (``peek_id``, nothing validated) and lets the worker validate it: validation, by
    the quick path or the full one (an unknown field), keeps the id exactly as given."""
    from tamis.invitations.reader import Unread, unread_record
    from tamis.triage.parallel import peek_id

    for raw in ({"id": ident, "expediteur": {"nom": "A B"}}, {"id": ident, "inconnu": 1}):
        text = orjson.dumps(raw).decode()
        record = unread_record(Unread("t.jsonl", 1, text, 1, 1))
        assert record.invitation is not None
        assert peek_id(text) == (ident, raw)
        assert record.invitation.id == ident
