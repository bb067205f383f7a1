"""A path to something endless (``/dev/zero``) given where tamis reads one of the user's own
files whole: a French error in a moment, never a run that fills the memory and never ends
(each of these ran until killed). Each command runs in its own process, under a deadline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOGUE = str(ROOT / "policies" / "blogue.tamis")
TOO_LARGE = (
    "fichier trop grand : plus de 67\u202f108\u202f864 octets (64 Mio) ; est-ce bien le bon"
    " fichier ?"
)


def tamis(folder: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", "from tamis.cli.main import main; main()", *args]
    return subprocess.run(
        command, cwd=folder, input=stdin, capture_output=True, timeout=60, check=False
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "zero").symlink_to("/dev/zero")
    return tmp_path


def test_a_context_or_an_export_it_names(folder: Path) -> None:
    (folder / "tamis.toml").write_text('[reseau]\nfichiers = ["zero"]\n', encoding="utf-8")
    invitation = b'{"id": "a"}\n'
    for context, where in (
        ("zero", "zero : fichier de contexte illisible"),
        ("tamis.toml", "tamis.toml : clé « reseau.fichiers[0] » : zero"),
    ):
        done = tamis(folder, "decider", "-p", BLOGUE, "--contexte", context, "-", stdin=invitation)
        assert done.returncode == 1
        assert done.stderr.decode() == f"Erreur : {where} : {TOO_LARGE}\n"
        assert not (folder / "tamis-journal.jsonl").exists()


def test_a_test_file_or_the_invitation_it_names(folder: Path) -> None:
    (folder / "essai.tamis").write_text("refuser si sans_photo\nsinon examiner\n")
    (folder / "essai.cas.toml").symlink_to("/dev/zero")
    (folder / "autre.cas.toml").write_text(
        'politique = "essai.tamis"\n[[cas]]\nnom = "a"\ninvitation = "zero"\n'
        'attendu.decision = "refuser"\n',
        encoding="utf-8",
    )
    done = tamis(folder, "tester", "essai.cas.toml", "autre.cas.toml")
    assert done.returncode == 1
    out = done.stdout.decode()
    assert f"essai.cas.toml: erreur[C001]: fichier de cas illisible : {TOO_LARGE}" in out
    assert (
        f"autre.cas.toml:4:14: erreur[C009]: fichier d'invitation illisible : zero : {TOO_LARGE}"
        in out
    )


def test_an_export_folder_and_a_note(folder: Path) -> None:
    (folder / "export").mkdir()
    (folder / "export" / "Invitations.csv").symlink_to("/dev/zero")
    done = tamis(folder, "reseau", "bilan", "--export", "export")
    assert done.returncode == 1
    assert done.stderr.decode() == f"Erreur : export/Invitations.csv : illisible ({TOO_LARGE})\n"
    note = tamis(folder, "conseiller", "--a", "Zoé", "--message-fichier", "zero", "--sans-journal")
    assert note.returncode == 1
    assert note.stderr.decode() == f"Erreur : « zero » : {TOO_LARGE}\n"
