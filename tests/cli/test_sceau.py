"""``tamis journal sceller`` and ``verifier --sceau``: what a hash chain alone cannot show (its
last records cut off, the whole file rewritten with a recomputed chain) and forged seals."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, fill

from tamis.audit import layout, seal
from tamis.cli.main import cli


def run(*args):
    return CliRunner().invoke(cli, ["journal", *args])


@pytest.fixture
def journal(tmp_path):
    path = tmp_path / "j.jsonl"
    fill(path, checked(), 6)  # ouverture, politique, 6 decisions: n° 1 to 8
    return path


def sealed(journal: Path, seals: Path) -> dict:
    result = run("sceller", "--journal", str(journal), "--sortie", str(seals))
    assert result.exit_code == 0, result.output
    return orjson.loads(seals.read_bytes().splitlines()[-1])


def verify(journal: Path, seals: Path, *extra: str):
    return run("verifier", "--journal", str(journal), "--sceau", str(seals), *extra)


def test_seal_then_verify(journal, tmp_path):
    seals = tmp_path / "ailleurs" / "sceaux.jsonl"
    seals.parent.mkdir()
    checkpoint = sealed(journal, seals)
    assert checkpoint["seq"] == 8 and checkpoint["format"] == "tamis-sceau/1"
    assert (
        checkpoint["empreinte"] == orjson.loads(journal.read_bytes().splitlines()[-1])["empreinte"]
    )
    key = journal.with_name("j.jsonl.cle.pem")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(seals.stat().st_mode) == 0o600
    result = verify(journal, seals)
    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == (
        "Sceaux OK : 1 sceau(x) vérifié(s) ; le journal contient toujours chaque enregistrement "
        f"scellé (le dernier : n° 8, scellé le {checkpoint['scelle_le']})."
    )


def test_first_seal_creates_the_key_and_prints_the_public_key_each_time(journal, tmp_path):
    seals = tmp_path / "s.jsonl"
    first = run("sceller", "--journal", str(journal), "-o", str(seals))
    assert "Clé de sceau créée" in first.stderr
    public = seal.public_hex(seal.load_key(journal.with_name("j.jsonl.cle.pem"), print))
    assert f"Clé publique du journal : {public}" in first.stderr
    fill(journal, checked(), 2)
    second = run("sceller", "--journal", str(journal), "-o", str(seals))
    assert "créée" not in second.stderr and public in second.stderr
    assert [c.seq for _n, c in seal.read_checkpoints(seals)] == [8, 10]
    assert verify(journal, seals).exit_code == 0


def test_without_output_file_the_seal_is_printed(journal, tmp_path):
    result = run("sceller", "--journal", str(journal))
    assert result.exit_code == 0
    seals = tmp_path / "copie.jsonl"
    seals.write_text(result.stdout)
    assert orjson.loads(result.stdout)["seq"] == 8
    assert verify(journal, seals).exit_code == 0


def test_truncated_sealed_journal_is_caught(journal, tmp_path):
    seals = tmp_path / "s.jsonl"
    sealed(journal, seals)
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(b"".join(lines[:-2]))  # cut at a line boundary: the chain holds
    result = verify(journal, seals)
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("OK : 6 enregistrement(s)")
    assert "ÉCHEC (sceaux) : l'enregistrement scellé n° 8 (sceau du " in result.output
    assert "n'est plus dans le journal" in result.output


def test_journal_rewritten_whole_with_a_recomputed_chain_is_caught(journal, tmp_path):
    seals = tmp_path / "s.jsonl"
    sealed(journal, seals)
    records = [orjson.loads(line) for line in journal.read_bytes().splitlines()]
    records[4]["contenu"]["decision"] = "accepter"  # n° 5, and every digest after it, redone
    previous, lines = layout.GENESIS, []
    for record in records:
        record["precedente"] = previous
        record.pop("empreinte")
        record["empreinte"] = previous = layout.record_digest(record)
        lines.append(layout.canonical(record) + b"\n")
    journal.write_bytes(b"".join(lines))
    result = verify(journal, seals)
    assert result.exit_code == 1 and result.output.startswith("OK : 8")  # the chain alone: OK
    assert "l'enregistrement n° 8 n'est plus celui qui a été scellé le " in result.output
    assert "journal réécrit" in result.output


def test_the_lowest_missing_sealed_record_is_named(journal, tmp_path):
    seals = tmp_path / "s.jsonl"
    sealed(journal, seals)  # n° 8
    fill(journal, checked(), 3)
    sealed(journal, seals)  # n° 11
    journal.write_bytes(b"".join(journal.read_bytes().splitlines(keepends=True)[:6]))
    result = verify(journal, seals)
    assert result.exit_code == 1 and "l'enregistrement scellé n° 8 " in result.output
    assert f"{seals}:1)" in result.output


def test_forged_checkpoints_are_caught(journal, tmp_path):
    seals = tmp_path / "s.jsonl"
    good = sealed(journal, seals)
    fill(journal, checked(), 2)
    # the head moved on: claim it was sealed, reusing the old signature
    forged = {
        **good,
        "seq": 10,
        "empreinte": orjson.loads(journal.read_bytes().splitlines()[-1])["empreinte"],
    }
    seals.write_bytes(seals.read_bytes() + layout.canonical(forged) + b"\n")
    result = verify(journal, seals)
    assert result.exit_code == 1
    assert f"{seals}:2 : signature invalide pour le sceau du n° 10" in result.output


def test_a_checkpoint_signed_by_another_key_is_caught(journal, tmp_path):
    seals = tmp_path / "s.jsonl"
    sealed(journal, seals)
    other = Ed25519PrivateKey.generate()
    forged = seal.sign_head(other, 8, "0" * 64)
    seals.write_bytes(forged.line())
    result = verify(journal, seals)
    assert result.exit_code == 1 and "est signé par une autre clé" in result.output
    # an attacker who also replaced the key file is caught with the public key noted aside
    public = seal.public_hex(seal.load_key(journal.with_name("j.jsonl.cle.pem"), print))
    key_file = journal.with_name("j.jsonl.cle.pem")
    key_file.unlink()
    seal.load_or_create_key(key_file, print)
    rewritten = seal.sign_head(seal.load_key(key_file, print), 8, "0" * 64)
    seals.write_bytes(rewritten.line())
    assert verify(journal, seals).exit_code == 1  # wrong digest under the new key
    result = verify(journal, seals, "--cle-publique", public)
    assert result.exit_code == 1 and "est signé par une autre clé" in result.output


def test_a_broken_journal_is_not_sealed(journal, tmp_path):
    lines = journal.read_bytes().splitlines(keepends=True)
    del lines[3]
    journal.write_bytes(b"".join(lines))
    result = run("sceller", "--journal", str(journal), "-o", str(tmp_path / "s.jsonl"))
    assert result.exit_code == 1 and "n'est pas scellé" in result.output
    assert not (tmp_path / "s.jsonl").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"pas un sceau\n", ":1 : ligne illisible (pas un sceau tamis)."),
        (b"", "aucun sceau dans ce fichier."),
    ],
)
def test_unreadable_seal_files(journal, tmp_path, content, expected):
    sealed(journal, tmp_path / "ignore.jsonl")
    seals = tmp_path / "s.jsonl"
    seals.write_bytes(content)
    result = verify(journal, seals)
    assert result.exit_code == 1 and expected in result.output


def test_usage_errors_are_french(journal, tmp_path):
    missing = verify(journal, tmp_path / "absent.jsonl", "--cle-publique", "ab" * 32)
    assert missing.exit_code == 1 and "fichier de sceaux introuvable" in missing.output
    bad = verify(journal, tmp_path / "s.jsonl", "--cle-publique", "xyz")
    assert bad.exit_code == 2 and "n'est pas une clé publique" in bad.output
    nokey = verify(journal, tmp_path / "s.jsonl")
    assert nokey.exit_code == 1 and "clé du journal introuvable" in nokey.output
    garbage = tmp_path / "cle.pem"
    garbage.write_text("pas une clé")
    result = run("sceller", "--journal", str(journal), "--cle", str(garbage))
    assert result.exit_code == 1 and "n'est pas une clé Ed25519" in result.output
    assert "Traceback" not in missing.output + bad.output + nokey.output + result.output


def test_the_journal_or_its_key_as_the_seal_file_is_refused(journal, tmp_path):
    """« sceller --sortie j.jsonl » (the journal itself) appended the seal to the journal:
    « ÉCHEC : ligne illisible (pas un enregistrement de journal) » from then on; the key file
    as --sortie would have lost the key."""
    sealed(journal, tmp_path / "sceaux.jsonl")  # creates the key beside the journal
    key = Path(f"{journal}.cle.pem")
    before = {path: path.read_bytes() for path in (journal, key)}
    link = tmp_path / "lien.jsonl"
    link.symlink_to(journal)
    for target, what in ((journal, "le journal lui-même"), (link, "le journal lui-même"),
                         (key, "la clé de sceau du journal")):  # fmt: skip
        result = run("sceller", "--journal", str(journal), "--sortie", str(target))
        assert result.exit_code == 1
        assert result.stderr == (
            f"Erreur : {target} est {what} : y ajouter le sceau le rendrait illisible ;"
            " gardez les sceaux dans un autre fichier, ailleurs que le journal.\n"
        )
    assert {path: path.read_bytes() for path in (journal, key)} == before
    assert run("verifier", "--journal", str(journal)).exit_code == 0


def test_the_key_the_first_seal_would_create_is_refused_as_the_seal_file(journal, tmp_path):
    """Before any key existed, « sceller --sortie j.jsonl.cle.pem » created the key there
    and appended the seal to it: the file to keep elsewhere then held the private key."""
    key = Path(f"{journal}.cle.pem")
    result = run("sceller", "--journal", str(journal), "--sortie", str(key))
    assert result.exit_code == 1
    assert result.stderr == (
        f"Erreur : {key} est la clé de sceau du journal : y ajouter le sceau le rendrait"
        " illisible ; gardez les sceaux dans un autre fichier, ailleurs que le journal.\n"
    )
    assert not key.exists()
    other = tmp_path / "ailleurs.pem"
    result = run("sceller", "--journal", str(journal), "--cle", str(other), "-o", str(other))
    assert result.exit_code == 1 and "est la clé de sceau du journal" in result.stderr
    assert not other.exists()
