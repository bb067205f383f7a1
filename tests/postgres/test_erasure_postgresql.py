"""Erasure on a PostgreSQL journal (``tamis journal effacer`` and ``purger``): the personal
column updated in place and the ``effacement`` record appended in one transaction, with the
same output, tombstones and head digest as the same journal in a file; the grant it needs."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, fill, just_now
from pg_cluster import login_role

from tamis.audit import processors
from tamis.audit.postgres import read
from tamis.audit.postgres.url import shown
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "chambre.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")
MOMENT = "2026-12-02T14:00:00.000000Z"


def tamis(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), prog_name="tamis", input=input)


@pytest.fixture
def frozen(monkeypatch):
    """Every erasure at MOMENT, so that a file and a database get the same record."""
    monkeypatch.setattr(processors.UtcClock, "__call__", lambda self: MOMENT)


@pytest.fixture
def pair(pg_url, tmp_path) -> tuple[str, str]:
    """The same decided journal, in a file and in PostgreSQL (copied from the file)."""
    path = tmp_path / "journal.jsonl"
    assert tamis("decider", "-p", POLICY, "--journal", str(path), INVITATIONS).exit_code == 0
    assert tamis("journal", "initialiser", pg_url).exit_code == 0
    assert tamis("journal", "copier", str(path), pg_url).exit_code == 0
    return str(path), pg_url


def test_effacer_on_postgresql_does_what_it_does_on_the_file(pair, tmp_path, frozen):
    path, url = pair
    command = ["journal", "effacer", "--expediteur", "tremblay", "--motif", "demande", "--oui"]
    on_file = tamis(*command, "--journal", path)
    on_database = tamis(*command, "--journal", url)
    assert on_file.exit_code == on_database.exit_code == 0, on_database.output
    assert on_database.output == on_file.output
    assert on_file.output == (
        "2 décision(s) effacée(s) (n° 3, 47) ; motif : demande ; enregistrement « effacement » "
        "n° 50.\n"
    )
    verified = tamis("journal", "verifier", "--journal", url)
    assert verified.output == tamis("journal", "verifier", "--journal", path).output.replace(
        path, shown(url)
    )
    assert "2 décision(s) aux données personnelles effacées (effacements vérifiés)." in (
        verified.output
    )
    back = tmp_path / "retour.jsonl"
    assert tamis("journal", "copier", url, str(back)).exit_code == 0
    assert back.read_bytes() == Path(path).read_bytes()


def test_purger_on_postgresql_does_what_it_does_on_the_file(pair, tmp_path, frozen):
    path, url = pair
    bound = just_now()
    command = ["journal", "purger", "--avant", bound, "--oui"]
    on_file = tamis(*command, "--journal", path)
    on_database = tamis(*command, "--journal", url)
    assert on_file.exit_code == on_database.exit_code == 0, on_database.output
    assert on_database.output == on_file.output
    assert on_file.output == (
        "47 décision(s) effacée(s) (n° 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, "
        f"19, 20, 21, 22 …) ; motif : purge des enregistrements antérieurs au {bound} ; "
        "enregistrement « effacement » n° 50.\n"
    )
    again = tamis(*command, "--journal", url)
    assert again.exit_code == 0
    assert again.output == (
        "47 enregistrement(s) choisi(s) déjà effacé(s).\n"
        "Aucune décision ni aucun conseil à effacer.\n"
    )
    back = tmp_path / "retour.jsonl"
    assert tamis("journal", "copier", url, str(back)).exit_code == 0
    assert back.read_bytes() == Path(path).read_bytes()
    for record in read.iter_records(url):
        assert "invitation" not in record["contenu"] and "explication" not in record["contenu"]


def test_pourquoi_after_an_erasure_reads_the_same_on_both(pair, frozen):
    path, url = pair
    command = ["journal", "effacer", "inv-01", "--motif", "demande du 2 décembre", "--oui"]
    assert tamis(*command, "--journal", path).exit_code == 0
    assert tamis(*command, "--journal", url).exit_code == 0
    why = ["journal", "pourquoi", "inv-01", "--utc"]
    on_file, on_database = tamis(*why, "--journal", path), tamis(*why, "--journal", url)
    assert on_database.exit_code == 0 and on_database.output == on_file.output
    assert "Données personnelles effacées le 2026-12-02" in on_database.output
    assert "demande du 2 décembre" in on_database.output


def test_the_confirmation_names_the_journal_without_its_password(pair):
    _path, url = pair
    asked = tamis("journal", "effacer", "inv-01", "--motif", "m", "--journal", url, input="n\n")
    assert asked.exit_code == 1
    secret = url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    assert secret not in asked.output
    assert asked.output == (
        "Personnes concernées (1) : Julie Tremblay.\n"
        f"Effacer définitivement les données personnelles de 1 décision(s) de {shown(url)} ? "
        "[o/N] n\nErreur : effacement annulé ; rien n'a été modifié (--oui : sans question).\n"
    )
    assert read.verify(url).erased == 0


def test_a_failed_effacement_record_leaves_every_personal_part_as_it_was(pair):
    _path, url = pair
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
            "$$BEGIN RAISE EXCEPTION 'disque plein (essai)'; END$$"
        )
        admin.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON tamis_journal FOR EACH ROW EXECUTE "
            "FUNCTION refuse()"
        )
        before = admin.execute("SELECT donnees_personnelles FROM tamis_journal ORDER BY seq")
        before = before.fetchall()
    failed = tamis("journal", "effacer", "inv-01", "--motif", "m", "--oui", "--journal", url)
    assert failed.exit_code == 1
    assert failed.output == (
        f"Erreur : impossible d'effacer dans le journal PostgreSQL {shown(url)} : raison que"
        " tamis ne traduit pas, telle que PostgreSQL l'écrit : disque plein (essai).\n"
    )
    with psycopg.connect(url) as connection:
        after = connection.execute("SELECT donnees_personnelles FROM tamis_journal ORDER BY seq")
        assert after.fetchall() == before


def test_verifier_finds_personal_data_restored_after_an_erasure(pair):
    _path, url = pair
    with psycopg.connect(url) as connection:
        kept = connection.execute(
            "SELECT donnees_personnelles FROM tamis_journal WHERE id_invitation = 'inv-01'"
        ).fetchone()[0]
    erased = tamis("journal", "effacer", "inv-01", "--motif", "m", "--oui", "--journal", url)
    assert erased.exit_code == 0
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "UPDATE tamis_journal SET donnees_personnelles = %s WHERE id_invitation = 'inv-01'",
            (kept,),
        )
    verified = tamis("journal", "verifier", "--journal", url)
    assert verified.exit_code == 1
    assert verified.output == (
        f"ÉCHEC : {shown(url)} : l'effacement n° 50 liste le n° 3, dont les données "
        "personnelles sont de nouveau présentes — données restaurées après effacement.\n"
    )


@pytest.fixture
def service_role(pair):
    """A role with the service's grants only (SELECT, INSERT), and its URL."""
    _path, url = pair
    with login_role(url, "service", "SELECT, INSERT ON tamis_journal, tamis_schema") as role:
        yield role.name, role.url


def test_the_service_role_cannot_erase_until_the_update_is_granted_apart(pair, service_role):
    _path, url = pair
    role, as_service = service_role
    erase = ["journal", "effacer", "inv-01", "--motif", "m", "--oui", "--journal", as_service]
    refused = tamis(*erase)
    assert refused.exit_code == 1
    assert refused.output == (
        f"Erreur : le rôle « {role} » ne peut pas effacer dans le journal PostgreSQL "
        f"{shown(as_service)} : il lui faut le droit de modifier la colonne des données "
        f"personnelles, accordé à part (GRANT UPDATE (donnees_personnelles) ON tamis_journal TO "
        f"{role};) en plus de SELECT et INSERT, et celui de vider les réponses gardées pour "
        f"Idempotency-Key (GRANT SELECT, UPDATE (reponse, effacement) ON tamis_idempotence TO "
        f"{role};). Rien n'a été effacé.\n"
    )
    with psycopg.connect(as_service, autocommit=True) as connection:
        for statement in (
            "UPDATE tamis_journal SET donnees_personnelles = NULL WHERE seq = 3",
            "UPDATE tamis_journal SET contenu = '{}' WHERE seq = 3",
            "DELETE FROM tamis_journal WHERE seq = 3",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)
    assert read.verify(url).erased == 0
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"GRANT UPDATE (donnees_personnelles) ON tamis_journal TO {role}")
    assert tamis(*erase).exit_code == 1  # the answers too, or nothing is erased
    assert read.verify(url).erased == 0
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"GRANT SELECT, UPDATE (reponse, effacement) ON tamis_idempotence TO {role}")
    with psycopg.connect(url) as connection:
        before = dict(connection.execute(SENDERS).fetchall())
    allowed = tamis(*erase)
    assert allowed.exit_code == 0, allowed.output
    for statement in (
        "UPDATE tamis_journal SET decision = 'accepter' WHERE seq = 3",
        "UPDATE tamis_journal SET expediteur = '\"x\"' WHERE seq = 3",
        "UPDATE tamis_journal SET issue = NULL WHERE seq = 3",
    ):
        with (
            psycopg.connect(as_service, autocommit=True) as connection,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            connection.execute(statement)
    with psycopg.connect(url) as connection:  # the sender's copy went with the personal part
        after = dict(connection.execute(SENDERS).fetchall())
    assert before["inv-01"] == '"Julie Tremblay"' and after == {**before, "inv-01": None}
    verified = tamis("journal", "verifier", "--journal", as_service)
    assert verified.exit_code == 0 and "1 décision(s) aux données personnelles effacées" in (
        verified.output
    )


SENDERS = "SELECT id_invitation, expediteur FROM tamis_journal WHERE evenement = 'decision'"


@pytest.mark.parametrize("isolation", [None, "repeatable read"])
def test_erasures_while_writers_append_keep_one_verified_chain(pg_url, isolation):
    """Also when the server's default is ``REPEATABLE READ``: an erasure reads the head
    after the journal's lock is granted, not from a snapshot taken before it."""
    assert tamis("journal", "initialiser", pg_url).exit_code == 0
    if isolation is not None:
        database = pg_url.rpartition("/")[2]
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(
                f"ALTER DATABASE \"{database}\" SET default_transaction_isolation = '{isolation}'"
            )
    policy = checked()
    fill(pg_url, policy, 10)
    writers = [threading.Thread(target=fill, args=(pg_url, policy, 30)) for _ in range(3)]
    for writer in writers:
        writer.start()
    purge = ["journal", "purger", "--oui", "--journal", pg_url]
    erasures = [tamis(*purge, "--avant", just_now(), "--motif", f"passe {n}") for n in range(4)]
    for writer in writers:
        writer.join()
    assert all(e.exit_code == 0 for e in erasures), [e.output for e in erasures]
    result = tamis("journal", "verifier", "--journal", pg_url)
    assert result.exit_code == 0, result.output
    erased = read.verify(pg_url)
    records = list(read.iter_records(pg_url))
    decisions = [r for r in records if r["evenement"] == "decision"]
    assert len(decisions) == 100
    assert sum(1 for r in records if r["evenement"] == "effacement") >= 1
    assert erased.ok and result.output.startswith(f"OK : {len(records)} enregistrement(s)")


def test_verifier_finds_a_tombstone_edited_or_made_outside_tamis(pair):
    _path, url = pair
    erased = tamis("journal", "effacer", "inv-01", "--motif", "m", "--oui", "--journal", url)
    assert erased.exit_code == 0
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(
            "UPDATE tamis_journal SET donnees_personnelles = replace(donnees_personnelles, "
            '\'"motif":"m"\', \'"motif":"autre"\') WHERE seq = 3'
        )
    edited = tamis("journal", "verifier", "--journal", url)
    assert edited.exit_code == 1
    assert edited.output == (
        f"ÉCHEC : {shown(url)} : la pierre tombale du n° 3 ne correspond pas à l'effacement "
        "n° 50 (date ou motif modifiés).\n"
    )
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DELETE FROM tamis_journal WHERE seq = 50")
    orphan = tamis("journal", "verifier", "--journal", url)
    assert orphan.exit_code == 1
    assert orphan.output == (
        f"ÉCHEC : {shown(url)} : les données personnelles du n° 3 ont été effacées sans "
        "enregistrement « effacement » qui le liste (pierre tombale du n° 50 introuvable) — "
        "effacement hors de tamis, ou pierre tombale modifiée.\n"
    )


def test_a_role_that_may_read_nothing_gets_a_french_error_not_a_traceback(pair):
    _path, url = pair
    with login_role(url, "sans_droits", secret="mot-de-passe") as role:
        for command in (["journal", "stats"], ["journal", "verifier"], ["journal", "chercher"]):
            result = tamis(*command, "--journal", role.url)
            assert result.exit_code == 1, command
            assert "permission refusée au rôle de connexion" in result.output, command
            assert role.secret not in result.output and "Traceback" not in result.output


def test_effacer_reaches_a_request_sent_to_the_person_on_postgresql(pg_url, tmp_path, frozen):
    """``--expediteur "Olivier Bouchard"`` erased nothing in PostgreSQL either: the request the
    user sent him (an OUTGOING row of Invitations.csv) kept his name and profile URL in its
    ``destinataire``. Now ``chercher`` finds it and ``effacer`` erases it, as on the file."""
    path = tmp_path / "journal.jsonl"
    csv = str(ROOT / "policies" / "exemples" / "Invitations.csv")
    blogue = str(ROOT / "policies" / "blogue.tamis")
    decided = tamis("decider", "-p", blogue, "--sens", "toutes", "--journal", str(path), csv)
    assert decided.exit_code == 0, decided.output
    assert tamis("journal", "initialiser", pg_url).exit_code == 0
    assert tamis("journal", "copier", str(path), pg_url).exit_code == 0
    found = tamis("journal", "chercher", "--journal", pg_url, "--expediteur", "olivier bouchard",
                  "--format", "json")  # fmt: skip
    assert '"id":"li-4b722287e184d3d5"' in found.stdout, found.output
    by = ["--journal", pg_url, "--expediteur", "olivier-bouchard"]
    counted = tamis("journal", "stats", *by, "--format", "json")
    assert '"total":1,' in counted.stdout, counted.output
    exported = tamis("journal", "exporter", *by)
    assert '"id":"li-4b722287e184d3d5"' in exported.stdout, exported.output
    assert "1 décision(s) exportée(s)" in exported.stderr
    why = tamis("journal", "pourquoi", "Olivier Bouchard", "--journal", pg_url)
    assert "Demande à envoyer, destinataire : Olivier Bouchard" in why.stdout, why.output
    command = ["journal", "effacer", "--expediteur", "Olivier Bouchard", "--motif", "m", "--oui"]
    on_file, on_database = (
        tamis(*command, "--journal", str(path)),
        tamis(*command, "--journal", pg_url),
    )
    assert on_file.exit_code == on_database.exit_code == 0, on_database.output
    assert on_database.output == on_file.output
    assert on_file.output.startswith("1 décision(s) effacée(s)"), on_file.output
    with psycopg.connect(pg_url) as connection:
        rows = connection.execute("SELECT t::text FROM tamis_journal t").fetchall()
    for gone in ("Olivier Bouchard", "olivier-bouchard", "Bonjour Olivier"):
        assert not any(gone in row for (row,) in rows), gone
    verified = tamis("journal", "verifier", "--journal", pg_url)
    assert verified.exit_code == 0 and "1 décision(s) aux données personnelles effacées" in (
        verified.output
    )
    back = tmp_path / "retour.jsonl"
    assert tamis("journal", "copier", pg_url, str(back)).exit_code == 0
    assert back.read_bytes() == path.read_bytes()
