"""A small policy and its test file, written to a temporary folder, and a CLI runner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tamis.cli.main import cli

POLICY = """\
politique "Essai"
définir suspect si peu_de_connexions et sans_recommandations
règle "photo" : refuser si sans_photo
    motif "Pas de visage."
règle "suspect" : refuser si suspect
accepter si expediteur.connexions >= connexions_min
sinon examiner
"""

CASES = """\
[[cas]]
nom = "sans photo"
invitation.expediteur = { photo = false }
attendu.decision = "refuser"
attendu.regle = "photo"
attendu.faits = { sans_photo = "vrai", mensonge = "inconnu" }
attendu.explication = "sans_photo est vrai"

[[cas]]
nom = "bien établi"
invitation.expediteur = { photo = true, connexions = 120, recommandations = 2 }
attendu.decision = "accepter"
attendu.regle = "ligne 6"
attendu.faits = { suspect = "faux", "expediteur.connexions" = 120 }
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def project(folder: Path, cases: str = CASES, policy: str = POLICY) -> Path:
    """``essai.tamis`` and ``essai.cas.toml`` in ``folder``; returns the test file."""
    write(folder, "essai.tamis", policy)
    return write(folder, "essai.cas.toml", cases)


def run_tester(*args: str):
    return CliRunner().invoke(cli, ["tester", *args])
