"""A journal whose last line was torn by a crash (a write never acknowledged) is copied,
migrated and sealed up to its last complete record, with a warning, as every reader reads it:
before, ``copier``, ``migrer`` and ``sceller`` refused it, and the only remedy was « la
prochaine écriture », which none of them is. Any other damage is still refused."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent.parent / "audit"))
from journal_helpers import checked, fill
from test_audit_personal import V2_JOURNAL

from tamis.cli.main import cli

TORN = b'{"contenu":{"decision":"refu'


def run(*args):
    return CliRunner().invoke(cli, ["journal", *args])


@pytest.fixture
def torn(tmp_path):
    """A journal of 8 complete records (n° 1 to 8) followed by a torn ninth line."""
    path = tmp_path / "j.jsonl"
    fill(path, checked(), 6)
    with path.open("ab") as journal:
        journal.write(TORN)
    return path


def last_digest(path: Path) -> str:
    return orjson.loads(path.read_bytes().splitlines()[-1])["empreinte"]


def intact_head(path: Path) -> str:
    return orjson.loads(path.read_bytes().splitlines()[-2])["empreinte"]


def test_copier_copies_the_complete_records_and_says_the_torn_line_is_left(torn, tmp_path):
    before = torn.read_bytes()
    copy = tmp_path / "copie.jsonl"
    result = run("copier", str(torn), str(copy))
    assert result.exit_code == 0, result.output
    assert f"{torn}:9 : dernière ligne incomplète ({len(TORN)} octets)" in result.stderr
    head = intact_head(torn)
    assert result.stdout == (
        f"Copié : 8 enregistrement(s) de {torn} vers {copy} ; les deux se vérifient jusqu'au "
        f"n° 8, empreinte {head}.\n"
    )
    assert copy.read_bytes() == before[: -len(TORN)]
    assert torn.read_bytes() == before  # the source keeps its torn bytes for the next writer
    assert run("verifier", "--journal", str(copy)).exit_code == 0


def test_migrer_rewrites_the_complete_records(tmp_path):
    """A format 2 journal (migrer converts only those) of 48 records, then a torn line."""
    torn, new = tmp_path / "ancien.jsonl", tmp_path / "nouveau.jsonl"
    torn.write_bytes(V2_JOURNAL.read_bytes() + TORN)
    result = run("migrer", str(new), "--journal", str(torn))
    assert result.exit_code == 0, result.output
    assert f"{torn}:49 : dernière ligne incomplète" in result.stderr
    assert "48 enregistrement(s) repris, dont 46 décision(s) passée(s) au format 3" in result.stdout
    closing = orjson.loads(new.read_bytes().splitlines()[-1])
    assert closing["evenement"] == "migration" and closing["seq"] == 49
    assert intact_head(torn) in result.stdout
    assert run("verifier", "--journal", str(new)).exit_code == 0


def test_sceller_seals_the_last_complete_record(torn, tmp_path):
    seals = tmp_path / "sceaux.jsonl"
    result = run("sceller", "--journal", str(torn), "-o", str(seals))
    assert result.exit_code == 0, result.output
    assert "Le sceau couvre les 8 enregistrements intacts, jusqu'au n° 8." in result.stderr
    seal = orjson.loads(seals.read_bytes())
    assert (seal["seq"], seal["empreinte"]) == (8, intact_head(torn))
    # once the next writer sets the torn bytes aside, the seal still holds
    fill(torn, checked(), 1)
    assert last_digest(torn) != seal["empreinte"]
    verified = run("verifier", "--journal", str(torn), "--sceau", str(seals))
    assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize("command", ["copier", "migrer", "sceller"])
def test_other_damage_is_still_refused(torn, tmp_path, command):
    lines = torn.read_bytes().split(b"\n")
    del lines[3]  # a record deleted before the torn line
    torn.write_bytes(b"\n".join(lines))
    target = tmp_path / "cible.jsonl"
    args = {
        "copier": ("copier", str(torn), str(target)),
        "migrer": ("migrer", str(target), "--journal", str(torn)),
        "sceller": ("sceller", "--journal", str(torn), "-o", str(target)),
    }[command]
    result = run(*args)
    assert result.exit_code == 1
    assert "supprimé" in result.output or "chaînage" in result.output, result.output
    assert not target.exists()


@pytest.mark.parametrize("command", ["copier", "migrer"])
def test_an_existing_file_is_refused_before_the_source_is_read(torn, tmp_path, command):
    """docs/journal-postgresql.md: a destination that exists « est refusé avant que la source
    soit lue » (as migrer did); copier read and verified the whole source first, and named a
    damaged one instead. An empty file is not new either (copier's help said « ou vide »)."""
    lines = torn.read_bytes().split(b"\n")
    del lines[3]  # the source would not verify
    torn.write_bytes(b"\n".join(lines))
    for existing in (b"x\n", b""):
        target = tmp_path / "cible.jsonl"
        target.write_bytes(existing)
        args = {
            "copier": ("copier", str(torn), str(target)),
            "migrer": ("migrer", str(target), "--journal", str(torn)),
        }[command]
        result = run(*args)
        assert result.exit_code == 1
        assert f"{target} existe déjà" in result.stderr, result.stderr
        assert "vérifie" not in result.stderr and target.read_bytes() == existing
    helped = run("copier", "--help").stdout
    assert "ou vide" not in helped and "(un nouveau fichier)" in helped
