"""One sequence of ``tamis journal`` commands run on a file journal and on the same journal
in PostgreSQL: the same output, command after command, and the same head digest at the end;
the database copied back into a file is the file, byte for byte, and the file copied into a
new database verifies to the same head."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from tamis.audit import processors, seal
from tamis.audit.postgres.backend import verify_any
from tamis.audit.postgres.url import shown
from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "chambre.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")
MOMENT = "2026-12-02T15:00:00.000000Z"

SEQUENCE = [  # (command, exit code)
    (["verifier"], 0),
    (["effacer", "inv-01", "inv-17", "--motif", "demande de la personne", "--oui"], 0),
    (["pourquoi", "inv-01", "--utc"], 0),
    (["pourquoi", "tremblay", "--utc"], 0),  # by sender: the copies and personal parts
    (["pourquoi", "www.linkedin.com/in/julie-tremblay-ludis/"], 0),  # by URL: inv-45 only
    (["chercher", "--expediteur", "linkedin.com/in/m", "--format", "csv"], 0),
    (["effacer", "--expediteur", "tremblay", "--motif", "courriel du 2 décembre", "--oui"], 0),
    (["chercher", "--format", "json"], 0),
    (["stats", "--format", "json", "--utc"], 0),
    (["figer", "--decision", "signaler"], 1),  # inv-17 is erased: refused, the others frozen
    (["purger", "--avant", "2026-12-03", "--oui"], 0),  # after MOMENT, before now
    (["exporter", "--decision", "signaler"], 0),
    (["sceller", "--cle", "{cle}", "--sortie", "{sceaux}"], 0),
    (["verifier", "--sceau", "{sceaux}", "--cle", "{cle}"], 0),
    (["effacer", "inv-01", "--motif", "encore", "--oui"], 0),
    (["chercher", "--fait", "sans_foto"], 2),  # a fact nothing knows: its closest names
    (["chercher", "--regle", "Message commercial"], 0),  # no decision names it: the closest
]


def tamis(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="tamis")


@pytest.fixture
def frozen(monkeypatch):
    """Every erasure and seal at MOMENT on both sides (their records and seals then match)."""
    monkeypatch.setattr(processors.UtcClock, "__call__", lambda self: MOMENT)


def test_the_same_commands_give_the_same_output_and_head_on_a_file_and_in_postgresql(
    pg_url, tmp_path, frozen
):
    path, key = tmp_path / "journal.jsonl", tmp_path / "cle.pem"
    seal.load_or_create_key(key, print)  # one key: the same signatures on both sides
    assert tamis("decider", "-p", POLICY, "--journal", str(path), INVITATIONS).exit_code == 0
    assert tamis("journal", "copier", str(path), pg_url).exit_code == 0
    outputs = []
    for command, code in SEQUENCE:
        runs = []
        for side, journal in (("fichier", str(path)), ("base", pg_url)):
            seals = str(tmp_path / f"sceaux-{side}.jsonl")
            arguments = [a.format(cle=key, sceaux=seals) for a in command]
            result = tamis("journal", *arguments, "--journal", journal)
            output = result.output.replace(seals, "SCEAUX").replace(journal, shown(journal))
            runs.append((result.exit_code, output.replace(shown(journal), "JOURNAL")))
        assert runs[0] == runs[1], command
        assert runs[0][0] == code, (command, runs[0][1])
        outputs.append(runs[0][1])
    assert outputs[1] == (
        "2 décision(s) effacée(s) (n° 3, 19) ; motif : demande de la personne ; "
        "enregistrement « effacement » n° 50.\n"
    )
    assert outputs[6] == (
        "1 décision(s) effacée(s) (n° 47) ; motif : courriel du 2 décembre ; enregistrement "
        "« effacement » n° 51.\n"
    )
    assert outputs[10] == (
        "3 enregistrement(s) choisi(s) déjà effacé(s).\n"
        "44 décision(s) effacée(s) (n° 4, 5, 6, 7, 8, "
        "9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 22, 23, 24 …) ; motif : purge des "
        "enregistrements antérieurs au 2026-12-03 ; enregistrement « effacement » n° 52.\n"
    )
    assert outputs[13].endswith(
        "Sceaux OK : 1 sceau(x) vérifié(s) ; le journal contient toujours chaque enregistrement "
        f"scellé (le dernier : n° 52, scellé le {MOMENT}).\n"
    )
    assert (
        "--regle « Message commercial » : aucune décision du journal n'a cette règle"
    ) in outputs[-1]
    assert "vouliez-vous dire « message commercial » ?" in outputs[-1]
    on_file, in_database = verify_any(str(path)), verify_any(pg_url)
    assert on_file.ok and in_database.ok and on_file.erased == in_database.erased == 47
    assert (in_database.last_seq, in_database.last_digest) == (
        on_file.last_seq,
        on_file.last_digest,
    )
    back = tmp_path / "retour.jsonl"
    assert tamis("journal", "copier", pg_url, str(back)).exit_code == 0
    assert back.read_bytes() == path.read_bytes()
    with psycopg.connect(pg_url, autocommit=True) as admin:  # a second journal, apart
        admin.execute("CREATE SCHEMA autre")
    other = f"{pg_url}?options=-csearch_path%3Dautre"
    into = tamis("journal", "copier", str(path), other)
    assert into.exit_code == 0, into.output
    assert f"jusqu'au n° 52, empreinte {on_file.last_digest}." in into.output
    assert verify_any(other).erased == 47
