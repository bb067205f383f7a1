"""Seals and frozen cases on a PostgreSQL journal: ``tamis journal sceller`` signs its head
in the file's format, ``verifier --sceau`` checks seals against it (and a seal made on one
side verifies on a copy on the other), ``figer`` writes the same cases as from a file."""

from __future__ import annotations

from pathlib import Path

import orjson
import psycopg
import pytest
from click.testing import CliRunner

from tamis.audit.postgres.url import shown
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "chambre.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")


def tamis(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="tamis")


@pytest.fixture
def pair(pg_url, tmp_path) -> tuple[str, str]:
    """The same decided journal, in a file and in PostgreSQL (copied from the file)."""
    path = tmp_path / "journal.jsonl"
    assert tamis("decider", "-p", POLICY, "--journal", str(path), INVITATIONS).exit_code == 0
    assert tamis("journal", "initialiser", pg_url).exit_code == 0
    assert tamis("journal", "copier", str(path), pg_url).exit_code == 0
    return str(path), pg_url


def test_sceller_signs_the_head_of_a_postgresql_journal(pair, tmp_path):
    path, url = pair
    key, seals = tmp_path / "cle.pem", tmp_path / "sceaux.jsonl"
    sealed = tamis("journal", "sceller", "--journal", url, "--cle", str(key), "-o", str(seals))
    assert sealed.exit_code == 0, sealed.output
    checkpoint = orjson.loads(seals.read_bytes())
    head = Path(path).read_bytes().splitlines()[-1].split(b'"empreinte":"')[1][:64].decode()
    assert (checkpoint["seq"], checkpoint["empreinte"]) == (49, head)
    assert checkpoint["format"] == "tamis-sceau/1"
    assert sealed.output == (
        f"Clé de sceau créée : {key} (mode 0600, gardez-la secrète).\n"
        f"Clé publique du journal : {checkpoint['cle_publique']}\n"
        f"Sceau ajouté à {seals} : enregistrement n° 49, empreinte {head}, scellé le "
        f"{checkpoint['scelle_le']}.\n"
    )
    expected = (
        "Sceaux OK : 1 sceau(x) vérifié(s) ; le journal contient toujours chaque enregistrement "
        f"scellé (le dernier : n° 49, scellé le {checkpoint['scelle_le']}).\n"
    )
    for journal in (url, path):  # the seal holds on the database and on its copy
        verified = tamis("journal", "verifier", "--journal", journal, "--sceau", str(seals),
                         "--cle", str(key))  # fmt: skip
        assert verified.exit_code == 0, verified.output
        assert verified.output.endswith(expected)


def test_a_postgresql_journal_rewritten_or_cut_fails_its_seal(pair, tmp_path):
    _path, url = pair
    key, seals = tmp_path / "cle.pem", tmp_path / "sceaux.jsonl"
    assert tamis("journal", "sceller", "--journal", url, "--cle", str(key), "-o", str(seals))
    when = orjson.loads(seals.read_bytes())["scelle_le"]
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_journal WHERE seq >= 48")
    verified = tamis("journal", "verifier", "--journal", url, "--sceau", str(seals), "--cle",
                     str(key))  # fmt: skip
    assert verified.exit_code == 1
    assert verified.output.splitlines()[-1] == (
        f"ÉCHEC (sceaux) : l'enregistrement scellé n° 49 (sceau du {when}, {seals}:1) n'est plus "
        "dans le journal — ses derniers enregistrements ont été supprimés (journal tronqué ou "
        "remplacé)."
    )


def test_sceller_names_the_key_of_a_postgresql_journal_and_refuses_a_broken_one(pair, tmp_path):
    _path, url = pair
    unnamed = tamis("journal", "sceller", "--journal", url)
    assert unnamed.exit_code == 2
    assert (
        f"un journal PostgreSQL ({shown(url)}) n'a pas de dossier où ranger sa clé de sceau : "
        "indiquez-la avec --cle FICHIER (créée en mode 0600 au premier sceau)." in unnamed.output
    )
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_journal WHERE seq = 7")
    key = tmp_path / "cle.pem"
    broken = tamis("journal", "sceller", "--journal", url, "--cle", str(key))
    assert broken.exit_code == 1
    assert broken.output == (
        f"Erreur : {shown(url)} : enregistrement(s) supprimé(s) (n° 7 manquant). Un journal "
        "endommagé n'est pas scellé.\n"
    )
    assert not key.exists()


def test_figer_writes_the_same_cases_from_postgresql_as_from_the_file(pair, tmp_path):
    path, url = pair
    command = ["journal", "figer", "inv-01", "inv-17", "inv-99"]
    on_file, on_database = tamis(*command, "--journal", path), tamis(*command, "--journal", url)
    assert on_file.exit_code == on_database.exit_code == 1
    assert on_database.output == on_file.output.replace(path, shown(url))
    assert on_database.output.count("[[cas]]") == 2 and url not in on_database.output
    assert f'origine = "{shown(url)}, enregistrement n° 3 du ' in on_database.output
    assert on_database.output.endswith(
        "erreur : aucune décision pour l'invitation « inv-99 »\n2 cas figé(s).\n"
    )
    chosen = ["journal", "figer", "--decision", "signaler", "--depuis", "2000-01-01"]
    on_file, on_database = tamis(*chosen, "--journal", path), tamis(*chosen, "--journal", url)
    assert on_file.exit_code == on_database.exit_code == 0
    assert on_database.output == on_file.output.replace(path, shown(url))
    assert on_database.output.count("[[cas]]") == 5
