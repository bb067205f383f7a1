"""A standard output that cannot be written: a closed one (« >&- »), where the CSV and JSON
Lines writers ended in a traceback and other commands wrote nothing and ended with 0, is
refused in French (exit 1) before anything is done; a full one (``/dev/full``, handled by
``main``) checked in the same commands. Real processes, real devices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOGUE = str(ROOT / "policies" / "blogue.tamis")
CHAMBRE = str(ROOT / "policies" / "chambre.tamis")
INVITATIONS = str(ROOT / "policies" / "exemples" / "invitations.jsonl")
FULL = "tamis : écriture impossible (disque plein).\n"
COMMANDS = (
    ("journal", "chercher"),
    ("journal", "chercher", "--format", "csv"),
    ("journal", "chercher", "--format", "json"),
    ("journal", "pourquoi", "inv-01"),
    ("journal", "stats"),
    ("journal", "exporter"),
    ("journal", "exporter", "--format", "csv"),
    ("journal", "conseils"),
    ("rejouer", "-p", CHAMBRE),
    ("decider", "-p", BLOGUE, "--redecider", INVITATIONS),
    ("conseiller", "--a", "Zoé Tremblay", "--message", "Bonjour", "--sans-journal"),
    ("valider", BLOGUE),
)


def tamis(folder: Path, *args: str, stdout: object) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", *args]
    env = {**os.environ, "TAMIS_JOURNAL": str(folder / "journal.jsonl")}
    return subprocess.run(
        command, cwd=folder, env=env, stdout=stdout, stderr=subprocess.PIPE, timeout=60,
        check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sortie")
    done = tamis(folder, "decider", "-p", BLOGUE, INVITATIONS, stdout=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr.decode()
    return folder


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_full_output_is_a_french_error(folder: Path, args: tuple[str, ...]) -> None:
    with open("/dev/full", "wb") as full:
        done = tamis(folder, *args, stdout=full)
    err = done.stderr.decode()
    assert "Traceback" not in err
    assert done.returncode == 1, err
    assert err.endswith(FULL), err


CLOSED = (
    "Erreur : la sortie standard est fermée (« >&- ») : rien n'a été fait ; redirigez-la vers"
    " un fichier, ou vers /dev/null pour ne rien garder.\n"
)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_closed_output_is_refused_first(folder: Path, args: tuple[str, ...]) -> None:
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", *args]
    env = {**os.environ, "TAMIS_JOURNAL": str(folder / "journal.jsonl")}
    before = (folder / "journal.jsonl").read_bytes()
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", *command], cwd=folder, env=env,
        stderr=subprocess.PIPE, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr.decode()) == (1, CLOSED)
    journal = folder / "journal.jsonl"
    assert journal.read_bytes() == before  # nothing decided, nothing advised
