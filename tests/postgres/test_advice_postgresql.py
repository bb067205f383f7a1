"""Advice (``conseil`` records) in a PostgreSQL journal: written by ``tamis conseiller``, the
personal part in its own column, listed by ``journal conseils``, never among the decisions,
verified, and copied file <-> PostgreSQL to the same head, erased advice included."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, fill

from tamis.audit.postgres import read
from tamis.cli.main import cli

DEFAULT = "Je vous invite à faire partie de mon réseau professionnel sur LinkedIn."


def tamis(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, prog_name="tamis")


@pytest.fixture
def journal(pg_url: str) -> str:
    assert tamis("journal", "initialiser", pg_url).exit_code == 0
    return pg_url


def advise(journal: str, name: str, note: str = DEFAULT) -> dict:
    result = tamis("conseiller", "--a", name, "--message", note, "--format", "json",
                   "--journal", journal)  # fmt: skip
    assert result.exit_code == 1, result.output
    return json.loads(result.output)["journal"]


def test_conseiller_journals_into_postgresql_apart_from_decisions(journal, tmp_path):
    fill_file = tmp_path / "f.jsonl"
    fill(fill_file, checked(), 3)
    written = advise(journal, "Julie Tremblay", "Bonjour Julie, une démo gratuite ?")
    assert written["seq"] == 2 and written["id"].startswith("conseil-")
    with psycopg.connect(journal) as connection:
        row = connection.execute(
            "SELECT evenement, contenu, donnees_personnelles, id_invitation, decision "
            "FROM tamis_journal WHERE seq = 2"
        ).fetchone()
    assert row[0] == "conseil" and row[3] is None and row[4] is None
    assert "Julie" not in row[1] and written["id"] in row[1]
    assert "Julie Tremblay" in row[2] and "démo gratuite" in row[2]
    verified = tamis("journal", "verifier", "--journal", journal)
    assert verified.exit_code == 0 and "OK : 2 enregistrement(s)" in verified.output
    found = tamis("journal", "chercher", "--journal", journal, "--format", "json")
    assert found.stdout == "" and "0 décision(s) trouvée(s)" in found.stderr
    stats = tamis("journal", "stats", "--journal", journal, "--format", "json")
    assert json.loads(stats.stdout)["total"] == 0
    listed = tamis("journal", "conseils", "--journal", journal, "--format", "json")
    assert listed.exit_code == 0, listed.output
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["id"] == written["id"] and row["destinataire"] == "Julie Tremblay"
    assert row["seq"] == 2 and row["origine"] == "conseiller"


def test_copier_both_ways_keeps_advice_and_its_erasure_byte_for_byte(journal, tmp_path):
    original = tmp_path / "original.jsonl"
    fill(original, checked(), 2)
    julie = advise(str(original), "Julie Tremblay")
    advise(str(original), "Marc Gagnon")
    erased = tamis("journal", "effacer", "--journal", str(original), julie["id"],
                   "--motif", "demande", "--oui")  # fmt: skip
    assert erased.exit_code == 0, erased.output
    into = tamis("journal", "copier", str(original), journal)
    assert into.exit_code == 0, into.output
    back = tmp_path / "retour.jsonl"
    out = tamis("journal", "copier", journal, str(back))
    assert out.exit_code == 0, out.output
    assert back.read_bytes() == original.read_bytes()
    file_head = tamis("journal", "verifier", "--journal", str(original)).output.splitlines()
    pg_head = tamis("journal", "verifier", "--journal", journal).output.splitlines()
    assert file_head[0].split("(dernier : ")[1] == pg_head[0].split("(dernier : ")[1]
    assert "1 conseil(s) aux données personnelles effacées" in file_head[1]
    in_file = tamis("journal", "conseils", "--journal", str(original), "--format", "jsonl")
    in_pg = tamis("journal", "conseils", "--journal", journal, "--format", "jsonl")
    assert in_pg.stdout == in_file.stdout and in_pg.stdout.count("\n") == 2
    first = json.loads(in_pg.stdout.splitlines()[0])
    assert first["contenu"]["effacement"]["motif"] == "demande"
    assert [r["evenement"] for r in read.iter_records(journal)].count("conseil") == 2


def test_conseils_filters_read_postgresql_as_a_file(journal, tmp_path):
    advise(journal, "Julie Tremblay")
    advise(journal, "Marc Gagnon", "Bonjour Marc, notre plateforme : réservez une démo gratuite!")
    copy = tmp_path / "copie.jsonl"
    assert tamis("journal", "copier", journal, str(copy)).exit_code == 0
    for args in (
        ("--expediteur", "julie"),
        ("--verdict", "à ne pas envoyer"),
        ("--depuis", "2020-01-01", "--jusqu-a", "2999-12-31"),
        ("--jusqu-a", "2020-01-01"),
    ):
        from_pg = tamis("journal", "conseils", "--journal", journal, "--format", "json", *args)
        from_file = tamis("journal", "conseils", "--journal", str(copy), "--format", "json", *args)
        assert from_pg.exit_code == from_file.exit_code == 0
        assert from_pg.stdout == from_file.stdout, args
    only_marc = tamis("journal", "conseils", "--journal", journal, "--format", "json",
                      "--verdict", "à ne pas envoyer")  # fmt: skip
    assert [json.loads(line)["destinataire"] for line in only_marc.stdout.splitlines()] == [
        "Marc Gagnon"
    ]


def test_effacer_on_postgresql_erases_advice_by_id_and_by_person(journal, tmp_path):
    julie = advise(journal, "Julie Tremblay", "Bonjour Julie, une démo gratuite ?")
    marc = advise(journal, "Marc Gagnon")
    advise(journal, "Zoé Lévesque")
    with psycopg.connect(journal) as connection:
        pledge = connection.execute(
            "SELECT donnees_personnelles FROM tamis_journal WHERE seq = %s", (julie["seq"],)
        ).fetchone()[0]
        digests = connection.execute("SELECT empreinte FROM tamis_journal ORDER BY seq").fetchall()
    by_id = tamis("journal", "effacer", "--journal", journal, julie["id"], "--motif", "demande",
                  "--oui")  # fmt: skip
    assert by_id.exit_code == 0, by_id.output
    assert by_id.output.startswith("1 conseil(s) effacé(s) (n° 2) ; motif : demande")
    by_person = tamis("journal", "effacer", "--journal", journal, "--expediteur", "gagnon",
                      "--motif", "loi 25", "--oui")  # fmt: skip
    assert by_person.exit_code == 0 and by_person.output.startswith("1 conseil(s) effacé(s) (n° 3)")
    with psycopg.connect(journal) as connection:
        stones = dict(connection.execute(
            "SELECT seq, donnees_personnelles FROM tamis_journal WHERE seq IN (2, 3, 4)"
        ).fetchall())  # fmt: skip
        after = connection.execute("SELECT empreinte FROM tamis_journal ORDER BY seq").fetchall()
    assert "Julie" not in stones[2] and "Marc" not in stones[3] and "Zoé" in stones[4]
    assert json.loads(stones[2])["engagement"] == personal_commitment(pledge)
    assert after[: len(digests)] == digests
    verified = tamis("journal", "verifier", "--journal", journal)
    assert verified.exit_code == 0, verified.output
    assert verified.output.splitlines()[1] == (
        "2 conseil(s) aux données personnelles effacées (effacements vérifiés)."
    )
    listed = tamis("journal", "conseils", "--journal", journal, "--format", "json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["destinataire"] for r in rows] == [None, None, "Zoé Lévesque"]
    assert rows[0]["id"] == julie["id"] and rows[1]["id"] == marc["id"]
    copy = tmp_path / "copie.jsonl"
    assert tamis("journal", "copier", journal, str(copy)).exit_code == 0
    assert "2 conseil(s) aux données" in tamis("journal", "verifier", "--journal", str(copy)).output


def personal_commitment(part: str) -> str:
    from tamis.audit.personal import commitment

    return commitment(json.loads(part))


def test_conseiller_names_a_postgresql_journal_without_its_password(journal):
    from tamis.audit.postgres.url import shown

    result = tamis("conseiller", "--a", "Paul Roy", "--message", DEFAULT, "--journal", journal)
    assert result.exit_code == 1
    secret = journal.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert secret not in result.output
    [line] = [line for line in result.output.splitlines() if "inscrit au journal" in line]
    assert line.endswith(f"inscrit au journal {shown(journal)} (enregistrement n° 2).")
