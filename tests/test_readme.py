"""README.md's « Démarrer » is true: what a newcomer types, and what they are told they will see.

The first command's ``tamis decider`` runs as written, from a folder holding the shipped
``policies/`` (where the README has you stand after cloning), with its output on a terminal
(a pseudo-terminal: a pipe gets JSON): every line the README shows is a line it prints, in
that order (« … » stands for lines left out; a line ending in « … » for the rest of a longer
one), as many lines as « (N en tout) » says, and the summary on the error output. The
commands of « Ensuite » then run in that same folder, on the journal just written. The test
command is the one ``.ci/run`` runs, so CI runs exactly what the README says.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
TAMIS = str(Path(sys.executable).parent / "tamis")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else None]


def blocks(text: str) -> list[tuple[str, str]]:
    """The fenced blocks of ``text``: (language, content)."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)


START = section("Démarrer")
SHELL = [content.strip() for language, content in blocks(START) if language == "sh"]
SAMPLE = next(content for language, content in blocks(START) if language == "")


def tamis_command(line: str) -> list[str]:
    """A README command line run with this environment's ``tamis``, its comment left out."""
    words = shlex.split(line, comments=True)
    assert words[0] == ".venv/bin/tamis", line
    return [TAMIS, *words[1:]]


def on_terminal(command: list[str], cwd: Path) -> tuple[list[str], str, int]:
    """``command``'s output lines as a terminal shows them, its error output, its exit code."""
    main, side = os.openpty()
    process = subprocess.Popen(command, cwd=cwd, stdout=side, stderr=subprocess.PIPE)
    os.close(side)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 1 << 16)
        except OSError:  # the command has ended and closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.stderr is not None
    error = process.stderr.read().decode()
    code = process.wait()
    return b"".join(chunks).decode().replace("\r\n", "\n").splitlines(), error, code


@pytest.fixture
def newcomer(tmp_path: Path) -> Path:
    """A folder where ``policies/`` is the shipped one, as in a fresh clone."""
    (tmp_path / "policies").symlink_to(ROOT / "policies")
    return tmp_path


def test_start_has_the_two_commands_and_ci_runs_the_test_one() -> None:
    assert [language for language, _ in blocks(START)][:2] == ["sh", "sh"]
    install, test = SHELL[:2]
    assert "\n" not in install and "\n" not in test  # one command each, to copy whole
    assert install.startswith("python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && ")
    assert install.split(" && ")[-1].startswith(".venv/bin/tamis decider ")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == test


def test_first_command_prints_what_the_readme_shows(newcomer: Path) -> None:
    command = tamis_command(SHELL[0].split(" && ")[-1])
    lines, error, code = on_terminal(command, newcomer)
    assert code == 0, error
    assert (newcomer / "tamis-journal.jsonl").exists()  # « inscrite dans tamis-journal.jsonl »

    count = re.search(r"\((\d+) en tout\)", START)
    assert count is not None
    assert len(lines) == int(count.group(1))

    shown = SAMPLE.strip().splitlines()
    *decisions, summary = shown
    assert error.strip().splitlines()[-1] == summary
    position = 0
    for expected in decisions:
        if expected == "…":
            continue
        prefix = expected.endswith("…")
        wanted = expected.removesuffix("…")
        matches = (line.startswith(wanted) if prefix else line == wanted for line in lines)
        found = next((i for i, ok in enumerate(matches) if ok and i >= position), None)
        assert found is not None, f"le README montre une ligne que tamis n'affiche pas : {expected}"
        position = found + 1

    again, error, code = on_terminal(command, newcomer)
    assert code == 0, error
    assert len(again) == len(lines)
    assert all("déjà décidée le " in line for line in again), again[:3]
    assert f"{count.group(1)} déjà décidée(s)" in error


def test_then_commands_run_on_that_journal(newcomer: Path) -> None:
    first = tamis_command(SHELL[0].split(" && ")[-1])
    subprocess.run(first, cwd=newcomer, capture_output=True, check=True)
    then = START[START.index("Ensuite, par exemple :") :]
    commands = [tamis_command(line) for line in blocks(then)[0][1].strip().splitlines()]
    assert len(commands) >= 3
    for command in commands:
        done = subprocess.run(command, cwd=newcomer, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        assert done.stdout.strip(), command
        if "pourquoi" in command:
            ident = command[command.index("pourquoi") + 1]
            assert ident in done.stdout


COMMANDS = section("Les commandes")


def test_every_command_of_the_table_says_the_exit_code_of_a_mistyped_option() -> None:
    """Each command of « Les commandes » exits 2 on an option it does not know (click's usage
    error, in French); the table's codes say so for each, and no row is left out."""
    rows = re.findall(r"^\| `tamis ([a-z ]+?)(?: [-A-Z\[`]| ?`).*\| ([^|]+) \|$", COMMANDS, re.M)
    assert len(rows) == 21, rows
    for command, codes in rows:
        done = subprocess.run(
            [TAMIS, *command.split(), "--option-inconnue"], capture_output=True, text=True
        )
        assert done.returncode == 2, (command, done.stderr)
        assert "Erreur : Option inconnue « --option-inconnue »." in done.stderr, command
        assert re.search(r"(^|, )2\b", codes.strip()), (command, codes)
