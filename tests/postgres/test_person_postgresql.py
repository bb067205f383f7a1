"""``--expediteur`` names the other person (``filters.Sender.person``) the same way on a file
scan, through the file's query index and in PostgreSQL: a received invitation's sender, a
request to send's recipient, ``sens`` absent or null read as received, before and after the
erasure of a request sent."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.audit import processors
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
USER = {"nom": "Jade Bérubé Morin", "profil_url": "https://www.linkedin.com/in/jade-berube-morin"}
REMI = {"nom": "Rémi Gagné", "profil_url": "https://www.linkedin.com/in/remi-gagne"}
URL = "https://www.linkedin.com/in/sans-nom"  # a recipient known by profile URL only
INVITATIONS = [
    {"id": "x-null", "sens": None, "expediteur": {"nom": "Nadia Nulle"}},
    {"id": "x-absent", "expediteur": {"nom": "Paul Absent"}},
    {"id": "x-out", "sens": "sortante", "expediteur": USER, "destinataire": REMI},
    {"id": "x-out-seul", "sens": "sortante", "expediteur": USER},
    {
        "id": "x-out-url",
        "sens": "sortante",
        "expediteur": USER,
        "destinataire": {"profil_url": URL},
    },
    {"id": "x-in", "sens": "entrante", "expediteur": REMI, "destinataire": USER},
]
QUERIES = {  # --expediteur: the invitations it names, before and after Rémi's erasure
    "Rémi": (["x-out", "x-in"], []),
    "remi-gagne": (["x-out", "x-in"], []),
    "Jade": ([], []),
    "Nadia": (["x-null"], ["x-null"]),
    "Paul": (["x-absent"], ["x-absent"]),
    "bouchard": (["li-4b722287e184d3d5"], ["li-4b722287e184d3d5"]),
}


def tamis(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="tamis")


def found(journal: str, who: str, *index: str) -> list[str]:
    result = tamis("journal", "chercher", "--journal", journal, "--expediteur", who,
                   "--format", "json", *index)  # fmt: skip
    assert result.exit_code == 0, result.output
    return [json.loads(line)["id"] for line in result.stdout.splitlines()]


def exported(journal: str, *index: str) -> list[dict]:
    result = tamis("journal", "exporter", "--journal", journal, "--format", "csv", *index)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.fixture
def both(pg_url, tmp_path, monkeypatch) -> tuple[str, str]:
    """The same journal as a file and in PostgreSQL: Invitations.csv both ways, then
    ``INVITATIONS`` (every erasure at one moment, so both sides write the same records)."""
    monkeypatch.setattr(processors.UtcClock, "__call__", lambda self: "2026-12-04T17:00:00Z")
    path, given = tmp_path / "j.jsonl", tmp_path / "invitations.jsonl"
    common = {"recue_le": "2026-01-05T09:15:00-05:00", "message": "Bonjour"}
    given.write_text("".join(json.dumps({**inv, **common}) + "\n" for inv in INVITATIONS))
    policy = str(ROOT / "policies" / "blogue.tamis")
    csv_file = str(ROOT / "policies" / "exemples" / "Invitations.csv")
    for source in (csv_file, str(given)):
        decided = tamis("decider", "-p", policy, "--sens", "toutes", "--journal", str(path), source)
        assert decided.exit_code == 0, decided.output
    assert tamis("journal", "copier", str(path), pg_url).exit_code == 0
    return str(path), pg_url


def test_the_scan_the_index_and_postgresql_name_the_same_person(both):
    path, url = both
    for step in (0, 1):
        for who, ids in QUERIES.items():
            wanted = sorted(ids[step])
            assert sorted(found(path, who)) == wanted, (step, who)
            assert sorted(found(path, who, "--sans-index")) == wanted, (step, who)
            assert sorted(found(url, who)) == wanted, (step, who)
        rows = [exported(path), exported(path, "--sans-index"), exported(url)]
        assert rows[0] == rows[1] == rows[2]
        if step == 0:
            for journal in both:
                erased = tamis("journal", "effacer", "--journal", journal, "--expediteur",
                               "Rémi", "--motif", "demande", "--oui")  # fmt: skip
                assert erased.exit_code == 0, erased.output
                assert erased.output.startswith("2 décision(s) effacée(s)"), erased.output
    [out] = [row for row in rows[0] if row["id"] == "x-out"]
    assert out["donnees_effacees"] and not out["destinataire"] and not out["sens"]
    [old] = [row for row in rows[0] if row["id"] == "x-absent"]
    assert (old["sens"], old["destinataire"], old["expediteur"]) == ("", "", "Paul Absent")


def rows(journal: str, *args: str) -> list[str]:
    """``chercher``'s lines (a table as wide as a terminal of 160 columns)."""
    result = CliRunner().invoke(
        cli, ["journal", "chercher", "--journal", journal, *args], env={"COLUMNS": "160"}
    )
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_the_rows_say_whom_a_request_to_send_goes_to(both):
    """``chercher``'s rows (table, JSON, CSV) gave a request to send with the user as its
    only person (« Expéditeur : Jade Bérubé Morin »): nothing said it was a request, nor whom
    it went to. Its JSON and CSV rows now add ``sens`` « sortante » and ``destinataire``, its
    table line reads « à Rémi Gagné », as do ``pourquoi``'s candidates: the same on a file
    scan, through the index and in PostgreSQL, whose copies show only the sender (the part of
    a request is read beside them), and neither once erased."""
    path, url = both
    readers = ((path,), (path, "--sans-index"), (url,))
    for step in (0, 1):
        found = [rows(j, *index, "--format", "json") for j, *index in readers]
        assert found[0] == found[1] == found[2]
        shown = {r["id"]: (r["expediteur"], r["sens"], r["destinataire"])
                 for r in map(json.loads, found[0])}  # fmt: skip
        assert shown["x-out"] == ((USER["nom"], "sortante", REMI["nom"]), (None,) * 3)[step]
        assert shown["x-out-seul"] == (USER["nom"], "sortante", None)
        assert shown["x-in"] == ((REMI["nom"], None, None), (None,) * 3)[step]
        assert shown["x-null"] == ("Nadia Nulle", None, None)
        spread = [rows(j, *index, "--format", "csv") for j, *index in readers]
        assert spread[0] == spread[1] == spread[2]
        assert spread[0][0].startswith("seq,horodatage,id,expediteur,sens,destinataire,decision,")
        for journal in both:
            table = "\n".join(rows(journal))
            assert ("à Rémi Gagné" in table) is (step == 0), table
            assert "à un destinataire inconnu" in table and USER["nom"] not in table, table
        if step == 0:
            for journal in both:
                asked = tamis("journal", "pourquoi", "Rémi", "--journal", journal)
                assert asked.stderr.startswith(
                    "Erreur : plusieurs invitations dont l'expéditeur ou le destinataire "
                    "correspond à « Rémi » ; précisez laquelle (ID) :"
                ), asked.stderr
                assert "  x-out  à Rémi Gagné — " in asked.stderr, asked.output
                assert "  x-in  Rémi Gagné — " in asked.stderr, asked.output
                erased = tamis("journal", "effacer", "--journal", journal, "--expediteur",
                               "Rémi", "--motif", "demande", "--oui")  # fmt: skip
                assert erased.exit_code == 0, erased.output


def test_chercher_and_exporter_say_the_same_sens_and_destinataire(both):
    """A spreadsheet of ``exporter`` joined to ``chercher``'s rows read two words for one
    thing: ``sens`` « entrante » in the CSV (as recorded), null in the search, for the same
    invitation received; and a request whose recipient is known by profile URL only had that
    URL as ``destinataire`` in the search, nothing in the CSV (the name only). Both now give
    what ``chercher`` documents (« sortante » and name, else profile URL, for a request;
    nothing for an invitation received, or once erased), on a file scan, through the index
    and in PostgreSQL."""
    path, url = both
    readers = ((path,), (path, "--sans-index"), (url,))
    for step in (0, 1):
        for journal, *index in readers:
            searched = {r["seq"]: (r["sens"], r["destinataire"]) for r in map(json.loads, rows(
                journal, *index, "--format", "json"))}  # fmt: skip
            spread = {int(r["seq"]): (r["sens"] or None, r["destinataire"] or None)
                      for r in exported(journal, *index)}  # fmt: skip
            assert spread == searched, (step, journal, index)
            by_id = {r["id"]: r for r in exported(journal, *index)}
            assert (by_id["x-in"]["sens"], by_id["x-in"]["destinataire"]) == ("", "")
            assert by_id["x-out-url"]["sens"] == "sortante"
            assert (
                by_id["x-out-url"]["destinataire"]
                == by_id["x-out-url"]["destinataire_profil_url"]
                == URL
            )
        if step == 0:
            for journal in both:
                erased = tamis("journal", "effacer", "--journal", journal, "--expediteur",
                               "Rémi", "--motif", "demande", "--oui")  # fmt: skip
                assert erased.exit_code == 0, erased.output
