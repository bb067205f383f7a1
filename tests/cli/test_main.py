"""The ``tamis`` group: every command is listed, and each is imported only when needed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner

from tamis.cli.commands import COMMANDS
from tamis.cli.main import cli, exit_now


def test_help_lists_every_command_with_its_french_summary():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commandes\u00a0:")[1]
    assert [line.split()[0] for line in listed.strip().splitlines()] == sorted(COMMANDS)
    assert "Interroge et entretient le journal d'audit." in listed


@pytest.mark.parametrize("group", [[], ["journal"], ["servir"], ["reseau"]])
def test_each_summary_is_a_whole_sentence_on_an_80_column_terminal(group: list[str]) -> None:
    """click cuts a summary too long for the terminal at a word and adds « ... »: « formater
    Réécrit les politiques FICHIER… dans la mise en page... », « valider Vérifie les
    politiques FICHIERS et affiche tous leurs... », in most of « tamis journal »'s list."""
    result = CliRunner().invoke(cli, [*group, "--help"], terminal_width=80)
    assert result.exit_code == 0
    listed = result.output.split("Commandes\u00a0:")[1].strip().splitlines()
    assert listed
    for line in listed:
        assert len(line) <= 80 and line.endswith(".") and not line.endswith("..."), line


def test_the_journal_group_s_description_names_each_of_its_commands() -> None:
    """``tamis journal --help`` listed « pourquoi, chercher, … initialiser et copier » but not
    effacer, purger or migrer, and said only « Interroge » of a group that also erases."""
    result = CliRunner().invoke(cli, ["journal", "--help"], terminal_width=80)
    assert result.exit_code == 0
    described, listed = (
        result.output.split("Options\u00a0:")[0],
        result.output.split("Commandes\u00a0:")[1],
    )
    words = set(re.split(r"[\s,;:()]+", described))
    for line in listed.strip().splitlines():
        assert line.split()[0] in words, line


def test_an_unknown_command_is_a_french_usage_error():
    result = CliRunner().invoke(cli, ["decide"])
    assert result.exit_code == 2
    assert "decide" in result.output and "Traceback" not in result.output


def test_journal_commands_do_not_load_the_deciding_modules(tmp_path):
    """``tamis journal pourquoi`` starts without the engine's and the facts' modules."""
    probe = (
        "import sys\n"
        "from tamis.cli.main import cli\n"
        "try:\n"
        "    cli(['journal', 'pourquoi', '--journal', sys.argv[1], 'x'], prog_name='tamis')\n"
        "except SystemExit as end:\n"
        "    heavy = [m for m in ('tamis.cli.decider', 'tamis.triage.pipeline',\n"
        "             'tamis.invitations.context') if m in sys.modules]\n"
        "    print(end.code, heavy)\n"
    )
    missing = tmp_path / "absent.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", probe, str(missing)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "1 []"
    assert "absent.jsonl" in done.stderr and "Traceback" not in done.stderr


ENTRY = "from tamis.cli.main import main; main()"


def test_the_script_ends_with_the_command_s_code_and_every_line_written(tmp_path):
    """``main`` ends the process without the interpreter's teardown (``exit_now``): the exit
    code is the command's, and what was printed (a pipe holds less) reaches the reader."""
    (tmp_path / "p.tamis").write_text("refuser si sans_photo\nsinon examiner\n", encoding="utf-8")
    lines = [json.dumps({"id": f"s-{n}", "expediteur": {"nom": "Léa"}}) for n in range(3000)]
    (tmp_path / "inv.jsonl").write_text("\n".join([*lines, "{"]) + "\n", encoding="utf-8")
    command = [sys.executable, "-c", ENTRY, "decider", "-p", "p.tamis", "--processus", "2",
               "--journal", "j.jsonl", "inv.jsonl"]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stderr  # the last line is not JSON: rejected
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == [
        f"s-{n}" for n in range(3000)
    ]
    assert done.stderr.rstrip().endswith("1 rejetée(s).")
    assert (tmp_path / "j.jsonl").read_bytes().count(b'"evenement":"decision"') == 3000


def test_no_quick_exit_while_a_thread_would_be_waited_for():
    """A thread the usual exit would wait for, or a code that is not a number: ``exit_now``
    returns (were it to end the process, this test would never finish)."""
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        exit_now(0)
    finally:
        release.set()
        other.join()
    exit_now("une erreur")  # sys.exit("…") prints its message: the usual exit does that


POLICY = 'règle "photo" : refuser si sans_photo\nsinon examiner\n'
CASES = '[[cas]]\nnom = "sans photo"\ninvitation.expediteur = { photo = false }\n'
CASES += 'attendu.decision = "refuser"\n'


def test_a_report_written_to_a_full_disk_is_a_french_error_not_a_traceback(tmp_path):
    """Standard output on a full disk (``/dev/full``): each command that writes a report says
    so in French and exits 1; click quiets only a closed pipe, so this was a traceback ending
    in « OSError: [Errno 28] No space left on device »."""
    (tmp_path / "p.tamis").write_text(POLICY, encoding="utf-8")
    (tmp_path / "p.cas.toml").write_text(CASES, encoding="utf-8")
    (tmp_path / "q.tamis").write_text(POLICY.replace("refuser", "signaler"), encoding="utf-8")
    commands = [
        ["--help"],
        ["valider", "p.tamis"],
        ["formater", "-"],
        ["analyser", "p.tamis"],
        ["comparer", "p.tamis", "q.tamis"],
        ["tester", "p.tamis"],
        ["journal", "stats", "--journal", "j.jsonl"],
    ]
    (tmp_path / "j.jsonl").write_bytes(b"")
    for args in commands:
        with open("/dev/full", "wb") as full:
            done = subprocess.run(
                [sys.executable, "-c", ENTRY, *args],
                cwd=tmp_path,
                input=POLICY.encode(),
                stdout=full,
                stderr=subprocess.PIPE,
                timeout=120,
            )
        stderr = done.stderr.decode()
        assert done.returncode == 1, (args, stderr)
        assert "Traceback" not in stderr and "Errno" not in stderr, (args, stderr)
        assert "tamis : écriture impossible (disque plein)." in stderr, (args, stderr)
