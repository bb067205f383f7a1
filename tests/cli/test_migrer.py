"""``tamis journal migrer``: a format 2 journal rewritten as format 3 into a new file, which
verifies, reads the same, names the old head, and can then be erased."""

from __future__ import annotations

import json
import shutil
import stat
import sys
from pathlib import Path

import orjson
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from test_audit_personal import V2_JOURNAL, documented_verifier, run_documented

from tamis.audit.chain import parse_record
from tamis.audit.verify import verify_journal
from tamis.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, ["journal", *args])


def copy_v2(tmp_path: Path) -> Path:
    old = tmp_path / "ancien.jsonl"
    shutil.copy(V2_JOURNAL, old)
    return old


def test_migrated_journal_verifies_reads_the_same_and_names_the_old_head(tmp_path):
    old, new = copy_v2(tmp_path), tmp_path / "nouveau.jsonl"
    before = old.read_bytes()
    head = verify_journal(old)
    result = run("migrer", str(new), "--journal", str(old))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Journal migré au format 3 : {new} (48 enregistrement(s) repris, dont 46 décision(s) "
        "passée(s) au format 3 ; enregistrement « migration » n° 49 nommant l'ancienne tête "
        f"n° 48, empreinte {head.last_digest}).\n"
    )
    assert "n'a pas été modifié" in result.stderr and old.read_bytes() == before
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert verify_journal(new).ok and verify_journal(new).count == 49
    olds = [parse_record(line) for line in before.splitlines()]
    news = [parse_record(line) for line in new.read_bytes().splitlines()]
    for was, now in zip(olds, news[:-1], strict=True):
        assert (now["seq"], now["horodatage"], now["contenu"]) == (
            was["seq"],
            was["horodatage"],
            was["contenu"],
        )
    migration = news[-1]
    assert migration["evenement"] == "migration"
    assert migration["contenu"]["ancienne_tete"] == {"seq": 48, "empreinte": head.last_digest}
    raw = [orjson.loads(line) for line in new.read_bytes().splitlines()]
    assert [r["version"] for r in raw if r["evenement"] == "decision"] == [3] * 46
    assert run_documented(documented_verifier(tmp_path), new).startswith("OK : 49")
    same = run("pourquoi", "inv-01", "--journal", str(old), "--utc").stdout
    assert run("pourquoi", "inv-01", "--journal", str(new), "--utc").stdout == same


def test_a_migrated_journal_can_be_erased(tmp_path):
    old, new = copy_v2(tmp_path), tmp_path / "nouveau.jsonl"
    assert run("migrer", str(new), "--journal", str(old)).exit_code == 0
    result = run(
        "effacer", "--expediteur", "tremblay", "--journal", str(new), "--motif", "m", "--oui"
    )
    assert result.exit_code == 0 and "effacée(s)" in result.output
    assert b"Tremblay" not in new.read_bytes() and b"Tremblay" in old.read_bytes()
    checked = run("verifier", "--journal", str(new))
    assert checked.exit_code == 0 and "aux données personnelles effacées" in checked.output


def test_migrer_refuses_an_existing_target_and_a_broken_journal(tmp_path):
    old, new = copy_v2(tmp_path), tmp_path / "nouveau.jsonl"
    new.write_text("à moi\n", encoding="utf-8")
    taken = run("migrer", str(new), "--journal", str(old))
    assert taken.exit_code == 1 and "existe déjà : choisissez un nouveau fichier" in taken.output
    assert new.read_text(encoding="utf-8") == "à moi\n"
    lines = old.read_bytes().splitlines(keepends=True)
    record = json.loads(lines[5])
    record["contenu"]["decision"] = "accepter"
    lines[5] = orjson.dumps(record, option=orjson.OPT_SORT_KEYS) + b"\n"
    old.write_bytes(b"".join(lines))
    other = tmp_path / "autre.jsonl"
    broken = run("migrer", str(other), "--journal", str(old))
    assert (
        broken.exit_code == 1 and "ligne 6 : l'enregistrement n° 6 a été modifié" in broken.output
    )
    assert "Un journal endommagé n'est pas migré" in broken.output
    assert not other.exists() and sorted(p.name for p in tmp_path.iterdir()) == [
        "ancien.jsonl",
        "nouveau.jsonl",
    ]


def test_a_journal_without_format_2_decisions_is_not_migrated(tmp_path):
    """A format 3 journal was copied with « 0 décision(s) passée(s) au format 3 », then
    called « contient toujours les données personnelles : gardez-le à part ou
    détruisez-le », as if its decisions could not be erased."""
    root = Path(__file__).resolve().parents[2]
    old, new = tmp_path / "j.jsonl", tmp_path / "nouveau.jsonl"
    policy, invitations = root / "policies" / "blogue.tamis", root / "policies" / "exemples"
    arguments = ["decider", "-p", str(policy), "--journal", str(old)]
    decided = CliRunner().invoke(cli, [*arguments, str(invitations / "invitations.jsonl")])
    assert decided.exit_code == 0, decided.output
    before = old.read_bytes()
    result = run("migrer", str(new), "--journal", str(old))
    assert (result.exit_code, result.output) == (
        1,
        f"Erreur : {old} : aucune décision au format 2, le seul que migrer convertit ; rien à "
        "migrer. Pour le copier ailleurs : tamis journal copier.\n",
    )
    assert old.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["j.jsonl", "j.jsonl.verification"]
