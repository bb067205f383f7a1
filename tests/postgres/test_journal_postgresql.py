"""The journal in PostgreSQL through the CLI: initialiser, decider, verifier, copier, on a
real server (``pg_url``: a new database on the throwaway cluster)."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, decide, fill, invitation
from pg_cluster import login_role

from tamis.audit.errors import JournalError
from tamis.audit.journal import open_journal
from tamis.audit.postgres import read, schema
from tamis.audit.postgres.url import shown
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "chambre.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")


def tamis(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env, prog_name="tamis")


def password(url: str) -> str:
    return url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]


@pytest.fixture
def journal(pg_url: str) -> str:
    assert tamis("journal", "initialiser", pg_url).exit_code == 0
    return pg_url


def test_initialiser_creates_the_schema_once_and_never_shows_the_password(pg_url):
    first = tamis("journal", "initialiser", pg_url)
    again = tamis("journal", "initialiser", pg_url)
    assert first.exit_code == 0 and again.exit_code == 0
    created = f"Journal PostgreSQL {shown(pg_url)} : schéma version {schema.VERSION} créé.\n"
    assert first.output == created
    assert again.output.endswith(f"schéma version {schema.VERSION} déjà présent.\n")
    assert password(pg_url) not in first.output + again.output
    assert password(pg_url) not in shown(pg_url) and "@127.0.0.1:" in shown(pg_url)


def test_decider_journals_into_postgresql_and_verifier_checks_the_chain(journal):
    decided = tamis("decider", "-p", POLICY, "--journal", journal, INVITATIONS)
    assert decided.exit_code == 0, decided.output
    assert decided.output.count("\n") == 47 + 1  # 47 decisions, then the summary
    verified = tamis("journal", "verifier", "--journal", journal)
    assert verified.exit_code == 0
    assert verified.output.startswith("OK : 49 enregistrement(s) vérifié(s), chaîne intacte")
    records = list(read.iter_records(journal))
    assert [r["evenement"] for r in records[:3]] == ["ouverture", "politique", "decision"]
    assert [r["seq"] for r in records] == list(range(1, 50))
    assert records[2]["contenu"]["invitation"]["id"] == records[2]["contenu"]["id"]


def test_the_journal_variable_names_a_postgresql_journal_too(journal):
    env = {"TAMIS_JOURNAL": journal}
    assert tamis("decider", "-p", POLICY, INVITATIONS, env=env).exit_code == 0
    verified = tamis("journal", "verifier", env=env)
    assert verified.exit_code == 0 and "OK : 49 enregistrement(s)" in verified.output


def test_a_file_copied_into_postgresql_and_back_is_the_same_bytes(journal, tmp_path):
    original = tmp_path / "original.jsonl"
    fill(original, checked(), 6)
    into = tamis("journal", "copier", str(original), journal)
    assert into.exit_code == 0, into.output
    back = tmp_path / "retour.jsonl"
    out = tamis("journal", "copier", journal, str(back))
    assert out.exit_code == 0, out.output
    assert back.read_bytes() == original.read_bytes()
    assert back.stat().st_mode & 0o777 == 0o600
    head = original.read_bytes().splitlines()[-1].split(b'"empreinte":"')[1][:64].decode()
    assert f"jusqu'au n° 8, empreinte {head}." in into.output
    assert f"jusqu'au n° 8, empreinte {head}." in out.output
    assert password(journal) not in into.output + out.output
    assert "avertissement" not in into.stderr  # the owner analyses without a word
    with psycopg.connect(journal) as connection:  # analysed: the queries' plans see its rows
        analysed = "SELECT count(*) FROM pg_stats WHERE tablename = 'tamis_journal'"
        assert connection.execute(analysed).fetchone()[0] > 0


def test_a_copy_the_role_may_not_analyse_says_so_in_french_and_stands(journal, tmp_path):
    """ANALYZE by a role that does not own the table is no error, only a server WARNING
    that psycopg keeps to itself: the docs promised « l'avertissement du serveur », and
    nothing at all was said."""
    original = tmp_path / "j.jsonl"
    fill(original, checked(), 3)
    tables = "SELECT, INSERT ON ALL TABLES IN SCHEMA public"
    with login_role(journal, "copieur", tables, "USAGE ON ALL SEQUENCES IN SCHEMA public") as role:
        copied = tamis("journal", "copier", str(original), role.url)
    assert copied.exit_code == 0, copied.output
    assert (
        f"avertissement : le rôle « {role.name} » n'a pas pu analyser la table tamis_journal de "
        f"{role.shown} (il faut en être propriétaire, ou avoir le droit MAINTAIN depuis "
        "PostgreSQL 17) : les premières recherches y seront plus lentes jusqu'à ce qu'autovacuum "
        "l'analyse (une minute ou plus), ou lancez « ANALYZE tamis_journal; » avec le rôle "
        "propriétaire. La copie est faite.\n"
    ) in copied.stderr
    assert "Copié : 5 enregistrement(s)" in copied.stdout


def test_copier_refuses_a_broken_source_a_used_destination_and_an_existing_file(journal, tmp_path):
    original = tmp_path / "j.jsonl"
    fill(original, checked(), 3)
    assert tamis("journal", "copier", str(original), journal).exit_code == 0
    again = tamis("journal", "copier", str(original), journal)
    assert again.exit_code == 1
    assert "contient déjà un journal ; la copie va dans un journal vide" in again.output
    existing = tamis("journal", "copier", journal, str(original))
    assert existing.exit_code == 1 and "existe déjà" in existing.output
    lines = original.read_bytes().splitlines(keepends=True)
    original.write_bytes(b"".join(lines[:2] + lines[3:]))
    broken = tamis("journal", "copier", str(original), str(tmp_path / "copie.jsonl"))
    assert broken.exit_code == 1 and "ne se vérifie pas" in broken.output
    assert not (tmp_path / "copie.jsonl").exists()


def test_verifier_finds_a_row_changed_or_deleted_in_the_database(journal):
    fill(journal, checked(), 5)
    with psycopg.connect(journal, autocommit=True) as connection:
        connection.execute(
            "UPDATE tamis_journal SET contenu = replace(contenu, %s, %s) WHERE seq = 4",
            ('"duree_ms":0.5', '"duree_ms":0.7'),
        )
    changed = tamis("journal", "verifier", "--journal", journal)
    assert changed.exit_code == 1
    assert changed.output == (
        f"ÉCHEC : {shown(journal)} : l'enregistrement n° 4 a été modifié — son empreinte ne "
        "correspond plus à son contenu.\n"
    )
    with psycopg.connect(journal, autocommit=True) as connection:
        connection.execute("DELETE FROM tamis_journal WHERE seq IN (4, 5)")
    deleted = tamis("journal", "verifier", "--journal", journal)
    assert deleted.exit_code == 1
    assert "enregistrement(s) supprimé(s) (n° 4 à 5 manquant)" in deleted.output


def test_verifier_refuses_a_changed_copy_and_text_appended_to_contenu(journal):
    """What the chain does not cover but the table can get wrong: an indexed copy that no
    longer says what the content says (the chain holds: ``--contenu`` names it), and a
    space after the sealed JSON (the digest no longer matches)."""
    fill(journal, checked(), 5)
    with psycopg.connect(journal, autocommit=True) as connection:
        connection.execute("UPDATE tamis_journal SET id_invitation = 'inv-99' WHERE seq = 6")
    chain = tamis("journal", "verifier", "--journal", journal)
    assert chain.exit_code == 0 and chain.output.startswith("OK : 7 enregistrement(s) vérifié(s)")
    copied = tamis("journal", "verifier", "--contenu", "--journal", journal)
    assert copied.exit_code == 1
    assert copied.output == (
        f"ÉCHEC : {shown(journal)} : l'enregistrement n° 6 : sa colonne « id_invitation » vaut "
        "« inv-99 » alors que son contenu dit « inv-3 » — une copie du contenu a été modifiée "
        "dans la table ; chercher, stats et pourquoi, qui lisent cette colonne, donneraient une "
        "réponse fausse.\n"
    )
    with psycopg.connect(journal, autocommit=True) as connection:
        connection.execute("UPDATE tamis_journal SET contenu = contenu || ' ' WHERE seq = 3")
    spaced = tamis("journal", "verifier", "--journal", journal)
    assert spaced.exit_code == 1
    assert spaced.output == (
        f"ÉCHEC : {shown(journal)} : l'enregistrement n° 3 a été modifié : sa colonne « contenu » "
        "n'est plus exactement le JSON que tamis a scellé (espaces ou texte ajoutés, ou texte "
        "venu d'une autre colonne) — son empreinte ne correspond plus à ses colonnes.\n"
    )


def test_writers_in_parallel_keep_one_chain(journal):
    policy = checked()
    threads = [threading.Thread(target=fill, args=(journal, policy, 15)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = read.verify(journal)
    assert result.ok and result.count == 1 + 1 + 4 * 15


def test_a_newer_schema_is_refused_before_anything_is_written(journal):
    with psycopg.connect(journal, autocommit=True) as connection:
        connection.execute("UPDATE tamis_schema SET version = 99")
    decided = tamis("decider", "-p", POLICY, "--journal", journal, INVITATIONS)
    assert decided.exit_code == 1
    assert (
        f"le journal PostgreSQL {shown(journal)} a un schéma de version 99, plus récent que "
        f"celui que cette version de tamis connaît ({schema.VERSION}) ; mettez tamis à jour."
        in decided.output
    )
    with psycopg.connect(journal) as connection:
        assert connection.execute("SELECT count(*) FROM tamis_journal").fetchone() == (0,)


def test_a_database_without_a_journal_says_how_to_create_it(pg_url):
    decided = tamis("decider", "-p", POLICY, "--journal", pg_url, INVITATIONS)
    assert decided.exit_code == 1
    assert f"tamis journal initialiser {shown(pg_url)}" in decided.output
    assert password(pg_url) not in decided.output


def test_an_unreachable_server_is_a_french_error_without_the_password(pg_url):
    wrong = pg_url.replace(password(pg_url), "mauvais-secret")
    refused = tamis("journal", "verifier", "--journal", wrong)
    assert refused.exit_code == 1
    assert "injoignable : authentification refusée pour l'utilisateur « " in refused.output
    closed = "postgresql://tamis:secret-cache@127.0.0.1:1/tamis"
    down = tamis("decider", "-p", POLICY, "--journal", closed, INVITATIONS)
    assert down.exit_code == 1
    assert "injoignable : connexion refusée (le serveur est-il démarré ?)" in down.output
    assert "secret-cache" not in down.output + refused.output and "mauvais" not in refused.output


ENGLISH = ("failed", "does not exist", "connection", "server", "SSL was required", "timeout")


def unreachable_cases(pg_url: str, silent: int) -> dict[str, tuple[str, str]]:
    """URLs that cannot be used as a journal, and the French reason each gives."""
    secret = password(pg_url)
    base, _, _ = pg_url.rpartition("/")
    user = re.search(r"//([^:@/]+)", pg_url)[1]  # type: ignore[index]
    return {
        "mot de passe": (
            pg_url.replace(secret, "mauvais-secret"),
            f"authentification refusée pour l'utilisateur « {user} » (mot de passe faux, ou"
            " utilisateur inconnu du serveur)",
        ),
        "base inconnue": (f"{base}/absente", "la base « absente » n'existe pas sur ce serveur"),
        "SSL exigé": (
            f"{pg_url}?sslmode=require",
            "le serveur n'accepte pas les connexions chiffrées (SSL), que l'adresse exige"
            " (sslmode)",
        ),
        "délai": (
            f"postgresql://tamis:secret-cache@127.0.0.1:{silent}/tamis?connect_timeout=1",
            "le serveur ne répond pas (délai dépassé)",
        ),
        "hôte inconnu": (
            "postgresql://tamis:secret-cache@hote.invalid/tamis",
            "nom d'hôte inconnu",
        ),
        "refusée": (
            "postgresql://tamis:secret-cache@127.0.0.1:1/tamis",
            "connexion refusée (le serveur est-il démarré ?)",
        ),
    }


def test_each_common_cause_is_said_in_french_with_host_and_port(pg_url):
    """libpq's English reached the user: « erreur du serveur (connection failed: connection
    to server at "127.0.0.1", port 5432 failed: server does not support SSL, but SSL was
    required) », « la base ou l'utilisateur n'existe pas » for either."""
    import socket

    with socket.socket() as silent:  # accepts, never answers: libpq's time limit
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        for case, (url, why) in unreachable_cases(pg_url, silent.getsockname()[1]).items():
            done = tamis("journal", "verifier", "--journal", url)
            assert done.exit_code == 1, (case, done.output)
            said = f"Erreur : journal PostgreSQL {shown(url)} injoignable : {why}.\n"
            assert done.output.endswith(said), (case, done.output)
            reason = done.output.rpartition("injoignable : ")[2]
            assert not any(word in reason for word in ENGLISH), (case, reason)
            assert password(url) not in done.output and "secret" not in done.output, case


def test_a_password_file_others_may_read_is_named_with_its_fix_and_libpq_s_line_unsaid(
    journal, tmp_path
):
    """libpq ignores a password file its group or others may read: it printed « WARNING:
    password file … has group or world access … » on stderr, and tamis then said « mot de
    passe manquant (URL, PGPASSWORD ou ~/.pgpass) » as if there were none."""
    import os
    import stat

    secret, without = password(journal), shown(journal)
    host_port = without.split("@", 1)[1].split("/", 1)[0]
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"{host_port}:*:*:{secret}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PGPASSWORD", "TAMIS_JOURNAL")}
    env["PGPASSFILE"] = str(passfile)
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()"]
    verify = [*command, "journal", "verifier", "--journal", without]
    passfile.chmod(0o644)
    done = subprocess.run(verify, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == (
        f"Erreur : journal PostgreSQL {without} injoignable : mot de passe manquant : le fichier "
        f"de mots de passe {passfile} a été ignoré, car d'autres utilisateurs que vous y ont "
        f"accès (mode 0644) ; corrigez avec : chmod 600 {passfile}.\n"
    )
    passfile.chmod(stat.S_IRUSR | stat.S_IWUSR)  # as told: the same file now gives it
    done = subprocess.run(verify, env=env, capture_output=True, text=True, timeout=60)
    assert "injoignable" not in done.stderr and "WARNING" not in done.stderr


@pytest.mark.parametrize(
    ("address", "variables"),
    [
        ("tamis:@host", {}),  # an empty password in the address is none
        ("tamis:@host", {"PGPASSWORD": ""}),
        ("?password=", {"PGPASSWORD": "right"}),  # kept empty: PGPASSWORD is not read
        ("?passfile=", {"PGPASSFILE": "private"}),  # empty: ~/.pgpass, PGPASSFILE not read
    ],
)
def test_an_empty_password_or_passfile_still_names_the_ignored_file_without_libpq_s_line(
    journal, tmp_path, address, variables
):
    """With ``postgresql://tamis:@host/db`` (an empty password) or ``PGPASSWORD=""``, and a
    ~/.pgpass others may read, libpq's English « WARNING: password file … has group or
    world access » still reached the terminal, above « mot de passe manquant (URL,
    PGPASSWORD ou ~/.pgpass) »: an empty password was taken for one given."""
    import os

    secret, without = password(journal), shown(journal)
    user, place = without.split("://", 1)[1].split("@", 1)
    host_port = place.split("/", 1)[0]
    home = tmp_path / "maison"
    home.mkdir()
    (home / ".pgpass").write_text(f"{host_port}:*:*:{secret}\n", encoding="utf-8")
    (home / ".pgpass").chmod(0o644)
    private = tmp_path / "privé"
    private.write_text(f"{host_port}:*:*:{secret}\n", encoding="utf-8")
    private.chmod(0o600)
    url = f"postgresql://{user}:@{place}" if address == "tamis:@host" else without + address
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "TAMIS_"))}
    env["HOME"] = str(home)
    values = {"right": secret, "private": str(private)}
    env.update({name: values.get(value, value) for name, value in variables.items()})
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()"]
    verify = [*command, "journal", "verifier", "--journal", url]
    done = subprocess.run(verify, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    pgpass = home / ".pgpass"
    assert done.stderr == (
        f"Erreur : journal PostgreSQL {shown(url)} injoignable : mot de passe manquant : le "
        f"fichier de mots de passe {pgpass} a été ignoré, car d'autres utilisateurs que vous y "
        f"ont accès (mode 0644) ; corrigez avec : chmod 600 {pgpass}.\n"
    )
    pgpass.chmod(0o600)  # as told: the same file now gives it
    done = subprocess.run(verify, env=env, capture_output=True, text=True, timeout=60)
    assert done.stderr == "" and done.stdout.startswith("VIDE : "), done.stdout


@pytest.mark.parametrize("where", ["passfile", "PGPASSFILE"])
def test_a_password_file_under_the_home_folder_is_the_one_libpq_reads(journal, tmp_path, where):
    """``?passfile=~/motsdepasse`` (or ``PGPASSFILE=~/motsdepasse``, as a systemd unit sets
    it, unexpanded): tamis checked ~/motsdepasse at home, libpq looked for a file in a
    folder named « ~ » and found no password: the file tamis told to chmod 600 was not the
    one libpq read, and once fixed the journal stayed « injoignable »."""
    import os

    secret, without = password(journal), shown(journal)
    host_port = without.split("@", 1)[1].split("/", 1)[0]
    home = tmp_path / "maison"
    home.mkdir()
    passfile = home / "motsdepasse"
    passfile.write_text(f"{host_port}:*:*:{secret}\n", encoding="utf-8")
    passfile.chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "TAMIS_"))}
    env["HOME"] = str(home)
    url = without + "?passfile=~/motsdepasse" if where == "passfile" else without
    if where == "PGPASSFILE":
        env["PGPASSFILE"] = "~/motsdepasse"
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()"]
    verify = [*command, "journal", "verifier", "--journal", url]
    run = {"env": env, "capture_output": True, "text": True, "timeout": 60, "cwd": tmp_path}
    done = subprocess.run(verify, **run)
    assert done.returncode == 1
    assert done.stderr.endswith(
        f"le fichier de mots de passe {passfile} a été ignoré, car d'autres utilisateurs que "
        f"vous y ont accès (mode 0644) ; corrigez avec : chmod 600 {passfile}.\n"
    )
    passfile.chmod(0o600)  # as told: libpq now reads that file, not ./~/motsdepasse
    done = subprocess.run(verify, **run)
    assert done.stderr == "" and done.stdout.startswith("VIDE : "), done.stderr


def test_the_password_file_of_a_service_file_is_the_one_libpq_reads(journal, tmp_path):
    """A journal named ``postgresql://…?service=tamis``, whose password file is the one
    the service file (``pg_service.conf``) gives: tamis gave libpq its own choice of file
    (~/.pgpass) instead, which overrode the service file's, and the journal was
    « injoignable : mot de passe manquant ». libpq is given a file only where it would not
    find the one tamis checked by itself (a ~ it does not expand)."""
    import os

    secret, without = password(journal), shown(journal)
    host_port = without.split("@", 1)[1].split("/", 1)[0]
    passfile = tmp_path / "motsdepasse"
    passfile.write_text(f"{host_port}:*:*:{secret}\n", encoding="utf-8")
    passfile.chmod(0o600)
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[tamis]\npassfile={passfile}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "TAMIS_"))}
    env.update(HOME=str(tmp_path / "maison"), PGSERVICEFILE=str(services))
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()"]
    verify = [*command, "journal", "verifier", "--journal", without + "?service=tamis"]
    done = subprocess.run(verify, env=env, capture_output=True, text=True, timeout=60)
    assert done.stderr == "" and done.stdout.startswith("VIDE : "), done.stderr


def test_an_address_without_a_host_names_the_socket_it_tried_in_french():
    """A URL without a host goes through a Unix socket: tamis quoted libpq's hint line only
    (« raison que tamis ne traduit pas … : \tIs the server running locally … »)."""
    url = "postgresql:///tamis?host=/dossier/absent&port=5999"
    done = tamis("journal", "verifier", "--journal", url)
    assert done.exit_code == 1
    assert done.output == (
        f"Erreur : journal PostgreSQL {url} injoignable : aucun serveur n'écoute sur le socket "
        "Unix « /dossier/absent/.s.PGSQL.5999 » (une URL sans hôte, ou dont l'hôte est un "
        "dossier, passe par un socket de cette machine) : le serveur est-il démarré ici, avec ce "
        "port ? Sinon, nommez son hôte (postgresql://HÔTE/BASE).\n"
    )


def test_a_journal_without_any_record_is_said_empty_not_damaged_file_and_postgresql_alike(
    journal, tmp_path
):
    """Right after « tamis journal initialiser », verifier said « ÉCHEC : … journal vide —
    tout journal commence par un enregistrement « ouverture ». » with exit 1, as of damage;
    an empty file the same. Now « VIDE », exit 3, and sceller says there is nothing to seal."""
    empty_file = tmp_path / "vide.jsonl"
    empty_file.touch(mode=0o600)
    for name in (journal, str(empty_file)):
        verified = tamis("journal", "verifier", "--journal", name)
        assert (verified.exit_code, verified.output) == (
            3,
            f"VIDE : {shown(name) if name == journal else name} : aucun enregistrement encore, "
            "rien à vérifier ; la première décision ou le premier conseil inscrit y mettra "
            "l'enregistrement « ouverture ».\n",
        )
        sealed = tamis("journal", "sceller", "--journal", name, "--cle", str(tmp_path / "k.pem"))
        assert sealed.exit_code == 1
        assert sealed.output.endswith(
            " : journal vide, aucun enregistrement encore ; rien à sceller.\n"
        )
        # copier and migrer said « … ne se vérifie pas (ligne 1 : journal vide — …) » and
        # « … Un journal endommagé n'est pas migré », of a journal just initialised
        copied = tamis("journal", "copier", name, str(tmp_path / "copie.jsonl"))
        migrated = tamis("journal", "migrer", str(tmp_path / "m.jsonl"), "--journal", name)
        for done, verb in ((copied, "copier"), (migrated, "migrer")):
            assert (done.exit_code, done.output) == (
                1,
                f"Erreur : {shown(name) if name == journal else name} : journal vide, aucun "
                f"enregistrement encore ; rien à {verb}.\n",
            )
        assert not list(tmp_path.glob("copie*")) and not list(tmp_path.glob("m.*"))
    decided = tamis("decider", "-p", POLICY, "--journal", journal, INVITATIONS)
    assert decided.exit_code == 0
    assert tamis("journal", "verifier", "--journal", journal).output.startswith("OK : 49 ")


def test_a_reason_tamis_does_not_know_says_it_is_postgresql_s_own_words():
    from tamis.audit.postgres.url import reason

    assert reason(RuntimeError("FATAL:  something new happened")) == (
        "raison que tamis ne traduit pas, telle que PostgreSQL l'écrit : FATAL:  something new"
        " happened"
    )


def test_the_service_role_appends_but_cannot_update_or_delete_decisions(journal):
    with login_role(
        journal,
        "service",
        "SELECT, INSERT ON tamis_journal, tamis_schema",
        "UPDATE (donnees_personnelles) ON tamis_journal",
    ) as role:
        _append_as(role.url)


def _append_as(as_service: str) -> None:
    """Append through ``as_service`` (a role's URL), then try to change and delete
    decisions through it."""
    fill(as_service, checked(), 4)
    assert read.verify(as_service).count == 6
    with psycopg.connect(as_service, autocommit=True) as connection:
        for statement in (
            "UPDATE tamis_journal SET contenu = '{}' WHERE seq = 3",
            "UPDATE tamis_journal SET decision = 'accepter' WHERE seq = 3",
            "DELETE FROM tamis_journal WHERE seq = 3",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)
        connection.execute(
            "UPDATE tamis_journal SET donnees_personnelles = donnees_personnelles WHERE seq = 3"
        )
    assert read.verify(as_service).ok


def test_decider_processes_writing_at_once_keep_one_chain(journal):
    command = [str(Path(sys.executable).parent / "tamis"), "decider", "-p", POLICY]
    runs = [
        subprocess.Popen(
            [*command, "--journal", journal, "--format", "json", "--redecider", INVITATIONS],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert all(out.count("\n") == 47 for out, _ in outputs)
    result = read.verify(journal)
    assert result.ok and result.count == 1 + 1 + 3 * 47  # one ouverture, one politique
    events = [r["evenement"] for r in read.iter_records(journal)]
    assert events.count("politique") == 1 and events.count("decision") == 3 * 47


def test_a_connection_lost_between_batches_is_replaced_and_the_chain_goes_on(journal):
    policy = checked()
    with open_journal(journal) as writer:
        first = fill_one(writer, policy, 0)
        with psycopg.connect(journal, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        again = fill_one(writer, policy, 1)  # the dead connection found and replaced at once
    assert again["seq"] == first["seq"] + 1 and again["precedente"] == first["empreinte"]
    assert read.verify(journal).ok


def test_a_server_out_of_reach_is_journal_unavailable_in_french_and_not_waited_for(journal):
    from tamis.audit.chain import ChainHead
    from tamis.audit.errors import JournalUnavailable
    from tamis.audit.postgres.sink import PostgresSink

    closed = "postgresql://tamis:secret-cache@127.0.0.1:1/tamis"
    sink = PostgresSink(closed, ChainHead())
    with pytest.raises(JournalUnavailable) as down:
        sink.__enter__()
    assert str(down.value) == (
        "journal PostgreSQL postgresql://tamis@127.0.0.1:1/tamis injoignable : connexion "
        "refusée (le serveur est-il démarré ?)."
    )
    with pytest.raises(JournalUnavailable) as again:  # within the cool-down: not tried again
        sink.__enter__()
    assert str(again.value) == str(down.value)
    wrong = journal.replace(password(journal), "mauvais")
    with pytest.raises(JournalError) as refused:  # waiting does not fix a wrong password
        PostgresSink(wrong, ChainHead()).__enter__()
    assert not isinstance(refused.value, JournalUnavailable)


def test_a_writer_gone_silent_holding_the_lock_does_not_stop_the_others(journal):
    from tamis.audit.chain import ChainHead
    from tamis.audit.errors import JournalUnavailable
    from tamis.audit.postgres.sink import PostgresSink

    silent = PostgresSink(journal, ChainHead())
    silent.IDLE_LIMIT_MS = 1000  # the server ends its session after 1 s idle in its transaction
    silent.__enter__()  # holds the journal's lock, then does nothing more
    impatient = PostgresSink(journal, ChainHead())
    impatient.LOCK_LIMIT_MS = 200
    with pytest.raises(JournalUnavailable) as waited:
        impatient.__enter__()
    assert str(waited.value).startswith(
        f"impossible de lire le journal PostgreSQL {shown(journal)}"
    )
    started = time.monotonic()
    with open_journal(journal) as writer:
        fill_one(writer, checked(), 0)
    assert 0.5 < time.monotonic() - started < 10
    with pytest.raises(JournalUnavailable):  # its session was ended: nothing of it committed
        silent.__exit__(None, None, None)
    assert read.verify(journal).ok


def fill_one(writer, policy, number: int) -> dict:
    decision = decide(policy, photo=True, connexions=500, evidence={})
    return writer.record_decision(decision, policy=policy, invitation=invitation(number))


@pytest.mark.parametrize(
    "choice",
    [
        [],
        ["--decision", "signaler"],
        ["--decision", "signaler", "--format", "csv"],
        ["--regle", "sinon", "--expediteur", "a"],
        ["--depuis", "2020-01-01", "--decision", "examiner"],
    ],
)
def test_exporter_chercher_stats_read_postgresql_as_the_same_journal_in_a_file(
    journal, tmp_path, choice
):
    assert tamis("decider", "-p", POLICY, "--journal", journal, INVITATIONS).exit_code == 0
    copy = tmp_path / "copie.jsonl"
    assert tamis("journal", "copier", journal, str(copy)).exit_code == 0
    from_file = tamis("journal", "exporter", "--journal", str(copy), *choice)
    from_database = tamis("journal", "exporter", "--journal", journal, *choice)
    assert from_file.exit_code == 0 and from_database.exit_code == 0
    assert from_database.output == from_file.output
    count = int(re.search(r"(\d+) décision\(s\) exportée\(s\)", from_file.output)[1])
    assert count == (5 if "signaler" in choice else 47 if not choice else count) and count > 0
    for command in (["chercher", "--format", "json"], ["stats", "--format", "json", "--utc"]):
        arguments = [a for a in choice if a not in ("--format", "csv")]
        on_file = tamis("journal", *command, "--journal", str(copy), *arguments)
        on_database = tamis("journal", *command, "--journal", journal, *arguments)
        assert on_file.exit_code == 0 and on_database.output == on_file.output
        assert str(count) in on_file.output


def test_exporter_on_an_unreachable_server_writes_no_file(tmp_path):
    out = tmp_path / "export.jsonl"
    closed = "postgresql://tamis:secret-cache@127.0.0.1:1/tamis"
    result = tamis("journal", "exporter", "--journal", closed, "-o", str(out))
    assert result.exit_code == 1 and "injoignable : connexion refusée" in result.output
    assert not out.exists() and "secret-cache" not in result.output


@pytest.mark.parametrize("designation", ["inv-01", "inv-0", "zzz-inconnu", "Tremblay", ""])
def test_pourquoi_reads_postgresql_as_the_same_journal_in_a_file(journal, tmp_path, designation):
    assert tamis("decider", "-p", POLICY, "--journal", journal, INVITATIONS).exit_code == 0
    copy = tmp_path / "copie.jsonl"
    assert tamis("journal", "copier", journal, str(copy)).exit_code == 0
    for shape in ("texte", "json"):
        command = ["journal", "pourquoi", designation, "--format", shape, "--utc"]
        on_file = tamis(*command, "--journal", str(copy))
        on_database = tamis(*command, "--journal", journal)
        assert on_database.exit_code == on_file.exit_code
        assert on_database.output == on_file.output.replace(str(copy), shown(journal))


def test_rejouer_reads_postgresql_as_the_same_journal_in_a_file(journal, tmp_path):
    assert tamis("decider", "-p", POLICY, "--journal", journal, INVITATIONS).exit_code == 0
    copy = tmp_path / "copie.jsonl"
    assert tamis("journal", "copier", journal, str(copy)).exit_code == 0
    other = str(ROOT / "policies" / "blogue.tamis")
    for shape in ("texte", "json"):
        command = ["rejouer", "-p", other, "--format", shape]
        on_file = tamis(*command, "--journal", str(copy))
        on_database = tamis(*command, "--journal", journal)
        assert on_file.exit_code == on_database.exit_code == 0
        assert "21 changerai(en)t de décision" in on_file.output or shape == "json"
        assert re.sub(r"\S*:\d+ \(", "(", on_file.output) == re.sub(
            r"journal \(", "(", on_database.output
        )


def test_servir_config_takes_a_postgresql_journal_and_keeps_it_a_url(tmp_path):
    from tamis.service.config import ConfigInvalid, load_config

    url = "postgresql://tamis:secret-cache@db.exemple.ca/tamis"
    (tmp_path / "service.toml").write_text(
        f'[espaces.jade]\npolitique = "p.tamis"\njournal = "{url}"\n', encoding="utf-8"
    )
    assert load_config(tmp_path / "service.toml").workspaces["jade"].journal_url == url
    (tmp_path / "service.toml").write_text(
        f'[espaces.jade]\npolitique = "{url}"\njournal = "{url}"\nsceaux = "s.jsonl"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigInvalid) as refused:
        load_config(tmp_path / "service.toml")
    assert str(refused.value).splitlines() == [
        f"{tmp_path / 'service.toml'}:2: erreur : « espaces.jade.politique » : une URL "
        "PostgreSQL (postgresql://tamis@db.exemple.ca/tamis) n'est pas un chemin de fichier ; "
        "seul le journal peut être dans PostgreSQL",
        f"{tmp_path / 'service.toml'}:4: erreur : « espaces.jade.sceaux » : un journal "
        "PostgreSQL n'a pas de dossier où ranger sa clé de sceau : indiquez-la avec « cle = "
        '"chemin" » (--cle FICHIER avec -p), créée en 0600 au premier sceau ; donnez la même à '
        "chaque machine",
    ]
    assert "secret-cache" not in str(refused.value) and not (tmp_path / "postgresql:").exists()


def test_a_search_path_naming_no_schema_is_a_french_error(pg_url):
    nowhere = f"{pg_url}?options=-csearch_path%3Dabsent"
    made = tamis("journal", "initialiser", nowhere)
    assert made.exit_code == 1
    assert made.output == (
        f"Erreur : impossible d'initialiser le journal PostgreSQL {shown(nowhere)} : aucun "
        "schéma où créer les tables : celui que nomme search_path n'existe pas (CREATE SCHEMA "
        "… ; ou corrigez options=-csearch_path).\n"
    )


@pytest.mark.parametrize(
    ("made", "table", "why"),
    [
        (
            "CREATE TABLE tamis_journal (id integer, nom text)",
            "tamis_journal",
            "aucune table « tamis_schema » n'en donne la version",
        ),
        (
            "CREATE TABLE tamis_schema (nom text)",
            "tamis_schema",
            "elle n'a pas de colonne « version » entière",
        ),
        (
            "CREATE TABLE tamis_schema (version integer)",
            "tamis_schema",
            "elle est vide, alors que tamis y inscrit sa version",
        ),
    ],
)
def test_tables_another_program_made_are_named_and_left_alone(pg_url, tmp_path, made, table, why):
    """A table of tamis's name that is not tamis's: every command says so, in French, and
    never offers to create a journal over it (initialiser said « relation … already exists »,
    and a ``tamis_schema`` without ``version`` was « la base ou l'utilisateur n'existe pas »)."""
    source = str(tmp_path / "journal.jsonl")
    assert tamis("decider", "-p", POLICY, "--journal", source, INVITATIONS).exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(made)
    expected = (
        f"Erreur : {shown(pg_url)} contient une table « {table} » qui n'est pas celle d'un "
        f"journal tamis ({why}) ; tamis n'y lit ni n'écrit rien. Choisissez une autre base, ou "
        "un autre schéma PostgreSQL pour le journal (options=-csearch_path%3DNOM dans l'URL, "
        "après CREATE SCHEMA NOM).\n"
    )
    for args in (
        ("journal", "initialiser", pg_url),
        ("journal", "verifier", "--journal", pg_url),
        ("decider", "-p", POLICY, "--journal", pg_url, INVITATIONS),
        ("journal", "copier", source, pg_url),
    ):
        done = tamis(*args)
        assert (done.exit_code, done.output) == (1, expected), args
    with psycopg.connect(pg_url, autocommit=True) as connection:
        names = connection.execute(
            "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()
    assert names == (table,)


def test_a_journal_whose_table_was_dropped_is_named(journal):
    with psycopg.connect(journal, autocommit=True) as connection:
        connection.execute("DROP TABLE tamis_journal")
    done = tamis("journal", "verifier", "--journal", journal)
    assert done.exit_code == 1
    assert done.output == (
        f"Erreur : le journal PostgreSQL {shown(journal)} n'a plus de table « tamis_journal » "
        f"(sa table « tamis_schema » dit pourtant la version {schema.VERSION}) : elle a été "
        "supprimée ou renommée ; restaurez-la (ou copiez une sauvegarde du journal dans une base "
        "neuve avec tamis journal copier). Rien n'a été lu ni écrit.\n"
    )


def test_an_empty_source_or_destination_is_a_usage_error(journal, tmp_path):
    """« copier "$SOURCE" "$DEST" » with a variable unset: the empty text was taken for the
    current folder (« . existe déjà », exit 1) or for a file named « » (« journal
    introuvable »); migrer's NOUVEAU_JOURNAL likewise (« existe déjà »)."""
    original = tmp_path / "j.jsonl"
    fill(original, checked(), 3)
    for args, name in (
        (("journal", "copier", journal, ""), "DESTINATION"),
        (("journal", "copier", "", journal), "SOURCE"),
        (("journal", "migrer", "", "--journal", str(original)), "NOUVEAU_JOURNAL"),
    ):
        done = tamis(*args)
        assert done.exit_code == 2, args
        assert f"Erreur : {name} est vide : donnez " in done.output
        assert "rien n'a été fait." in done.output
    with psycopg.connect(journal) as connection:
        assert connection.execute("SELECT count(*) FROM tamis_journal").fetchone() == (0,)


def test_a_role_that_may_not_create_or_change_the_tables_is_told_which_role_may(pg_url):
    """The service's role running initialiser or migrer, or without USAGE on the journal's
    schema: PostgreSQL's « permission denied » became « permission refusée au rôle de
    connexion », « must be owner of table tamis_journal » reached users in English, and a
    journal in a schema the role may not use was « ne contient pas de journal tamis ;
    créez-le »."""
    owner = pg_url.split("://", 1)[1].split(":", 1)[0]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        admin.execute("CREATE SCHEMA cache")
    hidden = f"{pg_url}?options=-csearch_path%3Dcache"
    with login_role(pg_url, "service", "CONNECT ON DATABASE " + pg_url.rsplit("/", 1)[1]) as role:
        created = tamis("journal", "initialiser", role.url)
        assert (created.exit_code, created.output) == (
            1,
            f"Erreur : le rôle « {role.name} » ne peut pas créer les tables du journal "
            f"PostgreSQL {role.shown} (permission refusée) : lancez tamis journal initialiser "
            "avec le rôle propriétaire de la base ou du schéma, puis accordez au service ses "
            "droits (GRANT SELECT, INSERT …, voir « Droits » dans docs/journal-postgresql.md). "
            "Rien n'a été créé.\n",
        )
        assert tamis("journal", "initialiser", pg_url).exit_code == 0
        assert tamis("journal", "initialiser", hidden).exit_code == 0
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("GRANT SELECT, INSERT ON tamis_journal, tamis_schema TO " + role.name)
            admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA cache TO " + role.name)
            admin.execute("UPDATE tamis_schema SET version = %s", (schema.VERSION - 1,))
        migrated = tamis("journal", "migrer", "--journal", role.url)
        assert (migrated.exit_code, migrated.output) == (
            1,
            f"Erreur : le rôle « {role.name} » ne peut pas migrer le journal PostgreSQL "
            f"{role.shown} : seul « {owner} », propriétaire de ses tables, peut en changer le "
            "schéma ; lancez la même commande avec ce rôle-là. Rien n'a été modifié.\n",
        )
        in_cache = role.url + "?options=-csearch_path%3Dcache"
        refused = tamis("journal", "verifier", "--journal", in_cache)
        assert (refused.exit_code, refused.output) == (
            1,
            f"Erreur : le rôle « {role.name} » n'a pas accès au schéma « cache », où est le "
            f"journal PostgreSQL {shown(in_cache)} : accordez-le avec le rôle propriétaire "
            f"(GRANT USAGE ON SCHEMA cache TO {role.name};), puis les droits sur ses tables "
            "(voir « Droits » dans docs/journal-postgresql.md). Rien n'a été lu ni écrit.\n",
        )
        assert role.secret not in created.output + migrated.output + refused.output


def test_a_schema_the_role_may_not_use_is_found_however_the_search_path_spells_it(pg_url):
    """The search path as the server reads it: « CACHE » unquoted is the schema cache, and a
    schema whose name needs quotes is named quoted in the GRANT to run (the first check
    compared the setting's raw words, and printed « GRANT USAGE ON SCHEMA Cache … »)."""
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute('CREATE SCHEMA cache; CREATE SCHEMA "Cache"')
    for spelt in ("cache", "%22Cache%22"):
        made = tamis("journal", "initialiser", f"{pg_url}?options=-csearch_path%3D{spelt}")
        assert made.exit_code == 0, made.output
    with login_role(pg_url, "lecteur") as role:
        spellings = (("CACHE", "cache", "cache"), ("%22Cache%22", "Cache", '"Cache"'))
        for spelt, name, grant in spellings:
            url = f"{role.url}?options=-csearch_path%3D{spelt}"
            refused = tamis("journal", "verifier", "--journal", url)
            assert refused.exit_code == 1
            assert (
                f"n'a pas accès au schéma « {name} », où est le journal PostgreSQL "
                f"{shown(url)} : accordez-le avec le rôle propriétaire (GRANT USAGE ON SCHEMA "
                f"{grant} TO {role.name};)"
            ) in refused.output
