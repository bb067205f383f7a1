"""LinkedIn's export as it is downloaded, a ZIP archive (or an Excel workbook, .xlsx, also a
ZIP), given where a CSV file or the export's folder is read. It was « format non reconnu »,
« n'est pas en UTF-8 (octet 0xb4…) » or « Dossier … : c'est un fichier. »: now each says
it is an archive and what to give instead."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli
from tamis.invitations.context import ContextError, load_context
from tamis.invitations.french import zip_archive
from tamis.invitations.reader import read_invitations

EXAMPLES = Path(__file__).resolve().parents[2] / "policies" / "exemples"
BLOGUE = str(EXAMPLES.parent / "blogue.tamis")


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    path = tmp_path / "Basic_LinkedInDataExport_12-03-2026.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in ("Invitations.csv", "Connections.csv"):
            zipped.write(EXAMPLES / name, name)
    return path


def test_the_archive_given_to_decider(archive: Path) -> None:
    (record,) = read_invitations(io.BytesIO(archive.read_bytes()), name="x.zip")
    unknown = "format non reconnu : ni JSON, ni JSON Lines, ni Invitations.csv de LinkedIn"
    assert record.errors == (f"{unknown} ; {zip_archive('son fichier Invitations.csv')}",)
    done = CliRunner().invoke(
        cli, ["decider", "-p", BLOGUE, "--journal", str(archive.parent / "j"), str(archive)]
    )
    assert done.exit_code == 3
    assert "c'est une archive ZIP (l'export LinkedIn tel que téléchargé" in done.stderr


def test_the_archive_named_in_the_context(archive: Path) -> None:
    context = archive.parent / "tamis.toml"
    context.write_text(f'[reseau]\nfichiers = ["{archive.name}"]\n', encoding="utf-8")
    with pytest.raises(ContextError) as raised:
        load_context(context)
    wanted = zip_archive("son fichier Connections.csv (ou messages.csv)")
    where = f"{context} : clé « reseau.fichiers[0] » : {archive}"
    assert str(raised.value) == f"{where} : {wanted}"


def test_the_archive_or_a_file_given_to_reseau_bilan(archive: Path) -> None:
    done = CliRunner().invoke(cli, ["reseau", "bilan", "--export", str(archive)])
    assert done.exit_code == 1
    assert done.stderr == f"Erreur : {archive} : {zip_archive('le dossier obtenu')}\n"
    plain = EXAMPLES / "Invitations.csv"
    done = CliRunner().invoke(cli, ["reseau", "bilan", "--export", str(plain)])
    assert done.exit_code == 1
    expected = f"Erreur : {plain} : c'est un fichier ; donnez le dossier de l'export décompressé\n"
    assert done.stderr == expected
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(archive.parent / "export")
    done = CliRunner().invoke(
        cli, ["reseau", "bilan", "--export", str(archive.parent / "export"), "--aujourdhui",
              "2026-02-15"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
