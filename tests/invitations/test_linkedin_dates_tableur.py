"""Invitations.csv re-saved by a spreadsheet: Excel rewrites LinkedIn's « 1/29/26, 2:37 PM »
in the computer's own form, « 2026-01-29 14:37 » in French (Québec), « 29/01/2026 14:37 » in
French (France), « 1/29/2026 14:37 » in English. Every one was « date « Sent At »
illisible » and the invitation rejected. The unambiguous forms are now read (the same
invitation, the same id); a date whose day and month could be taken for each other is still
refused, saying both readings and which forms are accepted."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli
from tamis.invitations.linkedin import SENT_AT_FORMS, read_sent_at
from tamis.invitations.reader import read_invitations

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "exemples"
BLOGUE = str(EXAMPLES.parent / "blogue.tamis")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2026-12-03 14:05", "2026-12-03T14:05:00"),
        ("2026-12-03T14:05", "2026-12-03T14:05:00"),
        ("29/01/2026 14:37", "2026-01-29T14:37:00"),
        ("1/29/2026 14:37", "2026-01-29T14:37:00"),
        ("1/29/2026 2:37 PM", "2026-01-29T14:37:00"),
        ("29/01/26 14:37:10", "2026-01-29T14:37:10"),
        ("12/12/2026 0:05", "2026-12-12T00:05:00"),
        ("1/13/2026 12:05 AM", "2026-01-13T00:05:00"),
    ],
)
def test_unambiguous_forms_are_read(text: str, iso: str) -> None:
    found = read_sent_at(text)
    assert isinstance(found, datetime) and found.isoformat() == iso


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("03/12/2026 14:05", "le 3 décembre ou le 12 mars"),
        ("1/2/26 1:00 PM", "le 1 février ou le 2 janvier"),
    ],
)
def test_an_ambiguous_day_and_month_is_refused_with_both_readings(text, readings) -> None:
    assert read_sent_at(text) == (
        f"date ambiguë dans la colonne « Sent At » : « {text} », {readings} ? {SENT_AT_FORMS}"
    )


@pytest.mark.parametrize("text", ["31/02/2026 10:00", "13/13/2026 10:00", "29/01/2026 13:05 PM"])
def test_an_impossible_date_is_unreadable(text: str) -> None:
    assert read_sent_at(text) == f"date « Sent At » illisible : « {text} ». {SENT_AT_FORMS}"


def _resaved(dates: list[str]) -> str:
    """The example Invitations.csv as Excel in French saves it: « ; », CRLF, new dates."""
    text = (EXAMPLES / "Invitations.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for row, date in zip(rows[1:], dates, strict=True):
        row[rows[0].index("Sent At")] = date
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";").writerows(rows)
    return out.getvalue()


QUEBEC = ["2026-01-29 14:37", "2026-01-28 09:05", "2026-01-27 16:12", "2026-01-26 11:48",
          "2026-01-25 20:20"]  # fmt: skip
FRANCE = ["29/01/2026 14:37", "28/01/2026 09:05", "27/01/2026 16:12", "26/01/2026 11:48",
          "25/01/2026 20:20"]  # fmt: skip


@pytest.mark.parametrize("dates", [QUEBEC, FRANCE], ids=["québec", "france"])
def test_a_resaved_export_gives_the_same_invitations(dates: list[str]) -> None:
    original = EXAMPLES / "Invitations.csv"
    expected = list(read_invitations(original, name="Invitations.csv", sens="toutes"))
    got = list(read_invitations(io.StringIO(_resaved(dates)), name="x.csv", sens="toutes"))
    assert [r.errors for r in got] == [()] * len(expected)
    assert [r.raw for r in got] == [r.raw for r in expected]


def test_decider_names_the_ambiguous_row_and_decides_the_others(tmp_path: Path) -> None:
    dates = [*FRANCE[:2], "03/12/2026 14:05", *FRANCE[3:]]
    (tmp_path / "Invitations.csv").write_text(_resaved(dates), encoding="utf-8")
    journal = ["--journal", str(tmp_path / "j.jsonl")]
    args = ["decider", "-p", BLOGUE, "--format", "json", *journal, "--sens", "toutes"]
    done = CliRunner().invoke(cli, [*args, str(tmp_path / "Invitations.csv")])
    assert done.exit_code == 3
    assert (
        "Invitations.csv:4: erreur : date ambiguë dans la colonne « Sent At » :"
        " « 03/12/2026 14:05 », le 3 décembre ou le 12 mars ? Formes acceptées :"
    ) in done.stderr
    decided = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(decided) == 4
