"""LinkedIn's exports as a spreadsheet saves them in French: semicolons (Excel's « CSV
(séparateur : point-virgule) », LibreOffice's default) or tabs instead of commas. They were
« en-tête introuvable » (Invitations.csv: every invitation lost; Connections.csv: the whole
network) though the header was right there; they now read as the comma file they came from.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli
from tamis.invitations.linkedin import read_connections
from tamis.invitations.reader import read_invitations

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "exemples"
BLOGUE = str(EXAMPLES.parent / "blogue.tamis")


def resaved(path: Path, separator: str, *, notes: int = 0) -> str:
    """``path`` as a spreadsheet saves it with ``separator``: its first ``notes`` lines kept
    as they are (Connections.csv's « Notes: »), every row rewritten, CRLF line ends."""
    text = path.read_text(encoding="utf-8-sig")
    head = "".join(text.splitlines(keepends=True)[:notes])
    rows = list(csv.reader(io.StringIO(text.removeprefix(head), newline="")))
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=separator).writerows(rows)  # Excel's own CRLF line ends
    return "\ufeff" + head + out.getvalue()


def invitations(text: str) -> list[tuple]:
    records = read_invitations(io.StringIO(text, newline=""), name="x.csv", sens="toutes")
    return [(r.location, r.errors, r.raw) for r in records]


@pytest.mark.parametrize("separator", [";", "\t"], ids=["point-virgule", "tabulation"])
def test_invitations_saved_with_another_separator_read_as_the_original(separator: str) -> None:
    for name in ("Invitations.csv", "Invitations-2022.csv"):
        original = (EXAMPLES / name).read_text(encoding="utf-8")
        expected = invitations(original)
        assert expected and all(not errors for _, errors, _ in expected)
        assert invitations(resaved(EXAMPLES / name, separator)) == expected


def test_a_semicolon_inside_a_quoted_message_stays_in_it() -> None:
    text = (
        "From;To;Sent At;Message;Direction\r\n"
        'Zoé Roy;Jade;"1/29/26, 2:37 PM";"Bonjour ; au plaisir\r\nZoé";INCOMING\r\n'
    )
    [(location, errors, raw)] = invitations(text)
    assert (location, errors) == ("x.csv:2", ())
    assert raw is not None and raw["message"] == "Bonjour ; au plaisir\r\nZoé"


def test_connections_saved_with_semicolons_keep_the_network() -> None:
    text = (EXAMPLES / "Connections.csv").read_text(encoding="utf-8")
    expected = read_connections(text)
    assert expected[0] and not expected[1]
    assert read_connections(resaved(EXAMPLES / "Connections.csv", ";", notes=3)) == expected


def test_decider_on_a_semicolon_export(tmp_path: Path) -> None:
    (tmp_path / "Invitations.csv").write_text(
        resaved(EXAMPLES / "Invitations.csv", ";"), encoding="utf-8", newline=""
    )
    args = ["decider", "-p", BLOGUE, "--sens", "toutes", "--format", "json"]
    journal = ["--journal", str(tmp_path / "j.jsonl")]
    done = CliRunner().invoke(cli, [*args, *journal, str(tmp_path / "Invitations.csv")])
    assert done.exit_code == 0, done.output
    assert done.stdout.count('"decision"') == 5


ROW = 'Zoé Roy,Jade,"1/29/26, 2:37 PM","Bonjour, vu au congrès",INCOMING'


def test_a_column_tamis_reads_named_twice_is_an_error_not_a_lost_note() -> None:
    """The last « Message » (empty) replaced the first: the note was read as no note, and
    the invitation refused as « message par défaut »."""
    text = f"From,To,Sent At,Message,Direction,Message\n{ROW},\n"
    assert invitations(text) == [
        (
            "x.csv:1",
            (
                "en-tête de Invitations.csv : la colonne « Message » y est 2 fois (colonnes 4"
                " et 6) ; gardez-en une seule",
            ),
            None,
        )
    ]


def test_empty_columns_at_the_end_are_no_warning_and_another_column_twice_warns_once() -> None:
    trailing = f"From,To,Sent At,Message,Direction,,\n{ROW},,\n"
    (record,) = read_invitations(io.StringIO(trailing), name="x.csv")
    assert (record.errors, record.warnings) == ((), ())
    text = f"From,To,Sent At,Message,Direction,Note,Note\n{ROW},a,b\n"
    (record,) = read_invitations(io.StringIO(text), name="x.csv")
    assert record.warnings == ("colonne « Note » inconnue : ignorée",)
    assert record.raw is not None and record.raw["message"] == "Bonjour, vu au congrès"
