"""``tamis journal migrer`` and PostgreSQL: an older schema refused by every command and
migrated in place by ``migrer --journal URL``, a newer one refused; a format 2 journal
rewritten as format 3 from a file into a database and from a database into a file."""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, decide
from test_audit_personal import V2_JOURNAL

from tamis.audit.journal import open_journal
from tamis.audit.postgres import read, schema
from tamis.audit.postgres.url import shown
from tamis.audit.verify import verify_journal
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "chambre.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")


def tamis(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="tamis")


@pytest.fixture
def version_1(pg_url) -> str:
    """A journal with decisions whose tables are those of schema version 1."""
    assert tamis("journal", "initialiser", pg_url).exit_code == 0
    assert tamis("decider", "-p", POLICY, "--journal", pg_url, INVITATIONS).exit_code == 0
    back_to_version_2(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DROP TABLE tamis_verification")
        admin.execute("DROP INDEX tamis_journal_effacements")
        admin.execute("DELETE FROM tamis_schema")
        admin.execute("INSERT INTO tamis_schema (version) VALUES (1)")
    return pg_url


def back_to_version_2(url: str) -> None:
    """The tables as schema version 2 had them: without the query copies (version 3) and
    the service's answers (version 4)."""
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DROP TABLE tamis_idempotence")
        admin.execute("DROP TRIGGER tamis_journal_effacement ON tamis_journal")
        admin.execute("DROP FUNCTION tamis_journal_efface_expediteur()")
        admin.execute(
            "ALTER TABLE tamis_journal DROP COLUMN issue, DROP COLUMN regle, DROP COLUMN profil,"
            " DROP COLUMN expediteur"
        )
        admin.execute("DELETE FROM tamis_schema")
        admin.execute("INSERT INTO tamis_schema (version) VALUES (2)")


def test_an_older_schema_is_refused_until_migrer_brings_it_up_to_date(version_1):
    url = version_1
    refused = tamis("decider", "-p", POLICY, "--journal", url, INVITATIONS)
    assert refused.exit_code == 1
    assert refused.output == (
        f"Erreur : le journal PostgreSQL {shown(url)} a un schéma de version 1, plus ancien que "
        f"celui de cette version de tamis ({schema.VERSION}) ; migrez-le d'abord, avec le rôle "
        f"propriétaire de ses tables : tamis journal migrer --journal {shown(url)} . Rien n'a "
        "été lu ni écrit.\n"
    )
    assert tamis("journal", "verifier", "--journal", url).exit_code == 1
    migrated = tamis("journal", "migrer", "--journal", url)
    assert migrated.exit_code == 0, migrated.output
    assert migrated.output == (
        f"Journal PostgreSQL {shown(url)} : schéma migré de la version 1 à la version "
        f"{schema.VERSION}.\n{WHOLE_FROM_NOW_ON}"
    )
    again = tamis("journal", "migrer", "--journal", url)
    assert again.output == (
        f"Journal PostgreSQL {shown(url)} : schéma version {schema.VERSION} déjà à jour ; rien "
        "à migrer.\n"
    )
    verified = tamis("journal", "verifier", "--journal", url)
    assert verified.exit_code == 0 and "OK : 49 enregistrement(s) vérifié(s)" in verified.output
    assert tamis("decider", "-p", POLICY, "--journal", url, INVITATIONS).exit_code == 0
    with psycopg.connect(url) as connection:
        versions = connection.execute("SELECT version FROM tamis_schema ORDER BY version")
        assert [v for (v,) in versions] == [1, schema.VERSION]


def test_version_3_copies_what_chercher_and_stats_read_for_the_decisions_already_there(
    pg_url, tmp_path
):
    """Migrating from version 2 fills the copies of every decision as a writer makes them:
    the migrated journal answers chercher and stats as its copy in a file does."""
    assert tamis("journal", "initialiser", pg_url).exit_code == 0
    assert tamis("decider", "-p", POLICY, "--journal", pg_url, INVITATIONS).exit_code == 0
    with psycopg.connect(pg_url) as connection:
        written = connection.execute(COPIES).fetchall()
    back_to_version_2(pg_url)
    assert tamis("journal", "chercher", "--journal", pg_url).exit_code == 1
    migrated = tamis("journal", "migrer", "--journal", pg_url)
    assert f"de la version 2 à la version {schema.VERSION}.\n" in migrated.output
    with psycopg.connect(pg_url) as connection:
        assert connection.execute(COPIES).fetchall() == written
    assert sum(1 for row in written if row[1] is not None) == 47
    copy = tmp_path / "copie.jsonl"
    assert tamis("journal", "copier", pg_url, str(copy)).exit_code == 0
    for command in (["chercher", "--format", "json"], ["stats", "--format", "json"]):
        in_file = tamis("journal", *command, "--journal", str(copy), "--sans-index")
        assert tamis("journal", *command, "--journal", pg_url).output == in_file.output


WHOLE_FROM_NOW_ON = (
    "Les enregistrements écrits désormais seront gardés entiers dans la table, compressés par "
    "lz4 ; ceux déjà écrits restent rangés comme avant (pour les ranger aussi : tamis journal "
    "copier vers un fichier, puis vers une base neuve).\n"
)
"""What migrating across version 8 says (the test cluster's server has lz4, as Debian's)."""

COPIES = "SELECT seq, issue, regle, profil, expediteur FROM tamis_journal ORDER BY seq"


def test_migrer_refuses_a_newer_schema_and_a_database_without_a_journal(version_1, pg_server):
    url = version_1
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("INSERT INTO tamis_schema (version) VALUES (99)")
    newer = tamis("journal", "migrer", "--journal", url)
    assert newer.exit_code == 1
    assert newer.output == (
        f"Erreur : le journal PostgreSQL {shown(url)} a un schéma de version 99, plus récent que "
        f"celui que cette version de tamis connaît ({schema.VERSION}) ; mettez tamis à jour. "
        "Rien n'a été lu ni écrit.\n"
    )
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DROP TABLE tamis_schema, tamis_journal")
    empty = tamis("journal", "migrer", "--journal", url)
    assert empty.exit_code == 1
    assert f"tamis journal initialiser {shown(url)}" in empty.output


def test_migrer_without_a_new_journal_is_for_a_database(tmp_path):
    result = tamis("journal", "migrer", "--journal", str(tmp_path / "j.jsonl"))
    assert result.exit_code == 2
    assert (
        "indiquez NOUVEAU_JOURNAL, le nouveau journal où écrire celui-ci au format 3 (sans "
        "NOUVEAU_JOURNAL, migrer met à jour le schéma d'un journal PostgreSQL)." in result.output
    )


def test_a_format_2_file_migrates_into_postgresql_and_back_out(pg_url, tmp_path):
    old = tmp_path / "ancien.jsonl"
    shutil.copy(V2_JOURNAL, old)
    head = verify_journal(old)
    into = tamis("journal", "migrer", pg_url, "--journal", str(old))
    assert into.exit_code == 0, into.output
    assert into.stdout == (
        f"Journal migré au format 3 : {shown(pg_url)} (48 enregistrement(s) repris, dont 46 "
        "décision(s) passée(s) au format 3 ; enregistrement « migration » n° 49 nommant "
        f"l'ancienne tête n° 48, empreinte {head.last_digest}).\n"
    )
    records = list(read.iter_records(pg_url))
    assert len(records) == 49 and records[-1]["contenu"]["ancien_journal"] == str(old)
    assert tamis("journal", "verifier", "--journal", pg_url).exit_code == 0
    erased = tamis("journal", "effacer", "--depuis", "2000-01-01", "--motif", "m", "--oui",
                   "--journal", pg_url)  # fmt: skip
    assert erased.output.startswith("46 décision(s) effacée(s)")


def test_format_2_records_copied_into_postgresql_migrate_into_a_file(pg_url, tmp_path):
    old = tmp_path / "ancien.jsonl"
    shutil.copy(V2_JOURNAL, old)
    assert tamis("journal", "copier", str(old), pg_url).exit_code == 0
    legacy = tamis("journal", "effacer", "--depuis", "2000-01-01", "--motif", "m", "--oui",
                   "--journal", pg_url)  # fmt: skip
    assert "46 décision(s) choisie(s) sont au format 2" in legacy.output
    new = tmp_path / "nouveau.jsonl"
    out = tamis("journal", "migrer", str(new), "--journal", pg_url)
    assert out.exit_code == 0, out.output
    assert "(48 enregistrement(s) repris, dont 46 décision(s) passée(s) au format 3" in out.stdout
    assert f"{shown(pg_url)} n'a pas été modifié" in out.stderr
    checked = verify_journal(new)
    assert checked.ok and checked.count == 49
    last = new.read_bytes().splitlines()[-1]
    assert shown(pg_url).encode() in last and pg_url.encode() not in last
    assert read.verify(pg_url).count == 48  # the old journal is untouched


def compression(url: str) -> dict[str, str]:
    """How the table compresses its JSON columns (``l``: lz4, ``p``: pglz)."""
    with psycopg.connect(url) as connection:
        found = connection.execute(
            "SELECT attname, attcompression FROM pg_attribute WHERE attrelid = "
            "'tamis_journal'::regclass AND attname IN ('contenu', 'donnees_personnelles')"
        ).fetchall()
    return dict(found)


def test_version_5_compresses_the_json_columns_with_lz4_from_then_on(pg_url):
    """A journal of version 4 (pglz) migrated: its rows verify as before, and a row written
    after the migration is compressed with lz4, which verifier reads back faster."""
    assert tamis("journal", "initialiser", pg_url).exit_code == 0
    assert compression(pg_url) == {"contenu": "l", "donnees_personnelles": "l"}
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(
            "ALTER TABLE tamis_journal ALTER COLUMN contenu SET COMPRESSION pglz, "
            "ALTER COLUMN donnees_personnelles SET COMPRESSION pglz"
        )
    long = {"id": "inv-long", "message": "Bonjour, " * 600}
    fill_with(pg_url, long)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_schema")
        admin.execute("INSERT INTO tamis_schema (version) VALUES (4)")
    migrated = tamis("journal", "migrer", "--journal", pg_url)
    assert migrated.output == (
        f"Journal PostgreSQL {shown(pg_url)} : schéma migré de la version 4 à la version "
        f"{schema.VERSION}.\n{WHOLE_FROM_NOW_ON}"
    )
    assert compression(pg_url) == {"contenu": "l", "donnees_personnelles": "l"}
    fill_with(pg_url, {**long, "id": "inv-long-2"})
    with psycopg.connect(pg_url) as connection:
        methods = connection.execute(
            "SELECT id_invitation, pg_column_compression(donnees_personnelles) FROM "
            "tamis_journal WHERE id_invitation LIKE 'inv-long%' ORDER BY seq"
        ).fetchall()
    assert methods == [("inv-long", "pglz"), ("inv-long-2", "lz4")]
    verified = tamis("journal", "verifier", "--journal", pg_url)
    assert verified.exit_code == 0 and "OK : 4 enregistrement(s) vérifié(s)" in verified.output


def fill_with(url: str, invitation: dict) -> None:
    policy = checked()
    with open_journal(url) as journal:
        journal.record_decision(
            decide(policy), policy=policy, invitation=invitation, context_sha256=None,
            duration_ms=0.5,
        )  # fmt: skip


TEXTS = (
    "SELECT attname, attstorage, attcompression FROM pg_attribute WHERE attrelid = "
    "'tamis_journal'::regclass AND attnum > 0 AND NOT attisdropped AND attlen = -1"
)


def toast_size(url: str) -> int:
    """The bytes of the journal's TOAST table and its index."""
    with psycopg.connect(url) as connection:
        return connection.execute(
            "SELECT pg_total_relation_size(reltoastrelid) FROM pg_class "
            "WHERE oid = 'tamis_journal'::regclass"
        ).fetchone()[0]


def stored_as_version_7(url: str) -> None:
    """The table stores its rows as versions 5 to 7 did: every text column EXTENDED, the two
    JSON columns compressed by lz4, the others by the server's default."""
    with psycopg.connect(url, autocommit=True) as admin:
        names = [name for name, _, _ in admin.execute(TEXTS).fetchall()]
        lz4 = ("contenu", "donnees_personnelles")
        admin.execute(
            "ALTER TABLE tamis_journal "
            + ", ".join(
                f"ALTER COLUMN {name} SET STORAGE EXTENDED, ALTER COLUMN {name} SET COMPRESSION "
                + ("lz4" if name in lz4 else "default")
                for name in names
            )
        )


def wordy(number: int) -> dict:
    """An invitation whose decision passes 2 kB once compressed, as bench/journal.py's
    (≈ 3.2 kB a line): a message of words drawn at random, which lz4 halves at best."""
    draw = random.Random(number)
    words = ("bonjour", "je", "vous", "invite", "à", "rejoindre", "mon", "réseau", "nous")
    message = " ".join(draw.choice(words) for _ in range(400))
    return {"id": f"inv-long-{number}", "message": message, "nom": "Zoé Exemple"}


def test_version_8_keeps_each_row_whole_in_the_table_from_then_on(pg_url):
    """A fresh journal keeps every text column MAIN and lz4: a decision past 2 kB once
    compressed stays in its row, the TOAST table stays empty. Under version 7's storage the
    same decision goes to the TOAST table; migrated to version 8, the next ones do not."""
    assert schema.VERSION == schema.WHOLE_ROWS == 8
    assert tamis("journal", "initialiser", pg_url).exit_code == 0
    with psycopg.connect(pg_url) as connection:
        storage = connection.execute(TEXTS).fetchall()
    assert len(storage) == 13 and {(s, c) for _, s, c in storage} == {("m", "l")}
    empty = toast_size(pg_url)
    fill_with(pg_url, wordy(1))
    assert toast_size(pg_url) == empty
    stored_as_version_7(pg_url)
    fill_with(pg_url, wordy(2))
    toasted = toast_size(pg_url)
    assert toasted > empty
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_schema")
        admin.execute("INSERT INTO tamis_schema (version) VALUES (7)")
    migrated = tamis("journal", "migrer", "--journal", pg_url)
    assert migrated.output == (
        f"Journal PostgreSQL {shown(pg_url)} : schéma migré de la version 7 à la version 8.\n"
        f"{WHOLE_FROM_NOW_ON}"
    )
    for number in (3, 4, 5):
        fill_with(pg_url, wordy(number))
    assert toast_size(pg_url) == toasted
    with psycopg.connect(pg_url) as connection:
        stored = connection.execute(
            "SELECT id_invitation, pg_column_compression(contenu), "
            "pg_column_compression(donnees_personnelles), pg_column_size(donnees_personnelles) "
            "< octet_length(donnees_personnelles) FROM tamis_journal "
            "WHERE id_invitation LIKE 'inv-long-%' ORDER BY seq"
        ).fetchall()
    assert [row[0] for row in stored] == [f"inv-long-{n}" for n in range(1, 6)]
    assert all(row[1:] == ("lz4", "lz4", True) for row in stored)
    verified = tamis("journal", "verifier", "--journal", pg_url)
    assert verified.exit_code == 0 and "OK : 7 enregistrement(s) vérifié(s)" in verified.output
    again = tamis("journal", "migrer", "--journal", pg_url)
    assert again.output.endswith("schéma version 8 déjà à jour ; rien à migrer.\n")


def test_migrer_into_the_journal_it_reads_is_refused_at_once(pg_url, tmp_path):
    """The new journal being the old one (however spelt) waited forever: the old one's lock,
    held while it is read, was the lock the copy into the new one waited for."""
    import subprocess

    old = tmp_path / "ancien.jsonl"
    shutil.copy(V2_JOURNAL, old)
    assert tamis("journal", "copier", str(old), pg_url).exit_code == 0
    same = pg_url.replace("postgresql://", "postgres://", 1)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "tamis"), "journal", "migrer", same, "--journal",
         pg_url],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"Erreur : {shown(same)} contient déjà un journal ; la copie va dans un journal vide. "
        "Rien n'a été copié.\n"
    )
    assert read.verify(pg_url).count == 48
