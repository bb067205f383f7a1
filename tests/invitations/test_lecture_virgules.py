"""A JSON array with a comma too many: an empty element (« [, », « ,, ») or a comma before
the « ] ». It is not JSON, and it was read as if the commas were not there, with exit code 0.
Now each run of commas is an error at its line and column (exit 3), and the elements around
it are read all the same: nothing is lost of where the next one starts."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli
from tamis.invitations.json_values import EMPTY_ELEMENT, LAST_COMMA
from tamis.invitations.reader import read_invitations, read_texts
from tamis.invitations.source import CHUNK

BLOGUE = str(Path(__file__).resolve().parents[2] / "policies" / "blogue.tamis")
EMPTY = f"JSON invalide, colonne {{}} ({EMPTY_ELEMENT})"
LAST = f"JSON invalide, colonne {{}} ({LAST_COMMA})"


def _read(read, text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each record's place and errors (none for an element ``read_texts`` leaves unread)."""
    return [(r.location, getattr(r, "errors", ())) for r in read(io.StringIO(text), name="x.json")]


@pytest.mark.parametrize("read", [read_invitations, read_texts], ids=["ici", "processus"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[,]", [("x.json:1", (EMPTY.format(2),))]),
        (
            '[,,{"id":"a"},\n {"id":"b"} , , {"id":"c"},\n]',
            [
                ("x.json:1", (EMPTY.format(2),)),
                ("x.json:1 (élément 1)", ()),
                ("x.json:2 (élément 2)", ()),
                ("x.json:2", (EMPTY.format(15),)),
                ("x.json:2 (élément 3)", ()),
                ("x.json:2", (LAST.format(27),)),
            ],
        ),
        ('[{"id":"a"}, ]', [("x.json:1 (élément 1)", ()), ("x.json:1", (LAST.format(12),))]),
        ('[{"id":"a"},{"id":"b"}]', [("x.json:1 (élément 1)", ()), ("x.json:1 (élément 2)", ())]),
    ],
    ids=["vide", "partout", "finale", "aucune"],
)
def test_each_run_of_commas_is_an_error_at_its_place(read, text, expected) -> None:
    assert _read(read, text) == expected


def test_a_comma_on_a_line_read_past_is_placed_at_the_bracket() -> None:
    """The comma's line was dropped from memory before the « ] » was met: the error is
    then placed at the « ] » (the comma is just before it)."""
    text = '[{"id": "a"},' + "\n" * 2 * CHUNK + " ]"
    line = 2 * CHUNK + 1
    assert _read(read_invitations, text)[1:] == [(f"x.json:{line}", (LAST.format(2),))]


def test_decider_decides_the_neighbours_and_ends_with_3(tmp_path: Path) -> None:
    (tmp_path / "lot.json").write_text('[{"id": "a"},,\n{"id": "b"},\n]\n', encoding="utf-8")
    journal = ["--journal", str(tmp_path / "j.jsonl")]
    args = ["decider", "-p", BLOGUE, "--format", "json", *journal, str(tmp_path / "lot.json")]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 3
    assert f"lot.json:1: erreur : {EMPTY.format(14)}\n" in done.stderr
    assert f"lot.json:2: erreur : {LAST.format(12)}\n" in done.stderr
    assert done.stdout.count('"decision"') == 2
