"""What follows a JSON array's « ] » in a file: two files put end to end (``cat janvier.json
fevrier.json``), a stray word. It was never read and never mentioned: the second file's
invitations were lost with exit code 0. Now an error at its line (exit 3); blanks after
the array are still nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli
from tamis.invitations.reader import AFTER_ARRAY, read_invitations, read_texts

BLOGUE = str(Path(__file__).resolve().parents[2] / "policies" / "blogue.tamis")
TWO_FILES = '[\n  {"id": "a"},\n  {"id": "b"}\n]\n[\n  {"id": "c"}\n]\n'


@pytest.mark.parametrize("read", [read_invitations, read_texts], ids=["ici", "processus"])
def test_text_after_the_array_is_an_error_at_its_line(read) -> None:
    records = list(read(io.StringIO(TWO_FILES), name="lot.json"))
    places = [r.location for r in records]
    assert places == ["lot.json:2 (élément 1)", "lot.json:3 (élément 2)", "lot.json:5"]
    assert records[-1].errors == (AFTER_ARRAY,)
    (_, last) = read(io.StringIO('[{"id": "a"}] fin'), name="x.json")
    assert (last.location, last.errors) == ("x.json:1", (AFTER_ARRAY,))


def test_blanks_after_the_array_are_nothing() -> None:
    records = list(read_invitations(io.StringIO('[{"id": "a"}]\n \n\t\n'), name="x.json"))
    assert [(r.location, r.errors) for r in records] == [("x.json:1 (élément 1)", ())]


def test_decider_says_so_and_ends_with_3(tmp_path: Path) -> None:
    (tmp_path / "tout.json").write_text(TWO_FILES, encoding="utf-8")
    journal = ["--journal", str(tmp_path / "j.jsonl")]
    args = ["decider", "-p", BLOGUE, "--format", "json", *journal, str(tmp_path / "tout.json")]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 3
    assert f"tout.json:5: erreur : {AFTER_ARRAY}\n" in done.stderr
    assert done.stdout.count('"decision"') == 2
