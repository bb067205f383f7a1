"""The ``tamis`` group: every command is listed, and each is imported only when needed."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from tamis.cli.commands import COMMANDS
from tamis.cli.main import cli


def test_help_lists_every_command_with_its_french_summary():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    listed = result.output.split("Commandes :")[1]
    assert [line.split()[0] for line in listed.strip().splitlines()] == sorted(COMMANDS)
    assert "Interroge le journal d'audit" in listed


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
