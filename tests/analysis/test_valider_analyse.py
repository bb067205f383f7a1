"""``tamis valider --analyse``: the solver's proofs join the checker's diagnostics."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "analyse"


def test_proofs_are_added_without_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    plain = CliRunner().invoke(cli, ["valider", "a001.tamis"])
    assert (plain.exit_code, plain.output) == (0, "a001.tamis: OK\n")
    result = CliRunner().invoke(cli, ["valider", "--analyse", "a001.tamis", "a007.tamis"])
    assert result.exit_code == 1
    assert result.output.splitlines()[:4] == [
        "a001.tamis:3:1: erreur[A001]: la règle de la ligne 3 ne décidera jamais : dès qu'elle"
        " s'applique, la règle de la ligne 2 (refuser) passe avant elle",
        " 3 | accepter si sans_photo et connu",
        "   | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "  aide : déplacez-la avant, précisez les conditions, ou supprimez-la",
    ]
    assert "exemple" not in result.output
    assert "a007.tamis: OK" in result.output  # notes (A003, A007) need examples: not here


def test_warnings_only_fail_with_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    assert CliRunner().invoke(cli, ["valider", "--analyse", "a005.tamis"]).exit_code == 0
    strict = CliRunner().invoke(cli, ["valider", "--analyse", "--strict", "a005.tamis"])
    assert strict.exit_code == 1
    assert (
        "avertissement[A005]: la définition « photo_ou_pas » n'est jamais fausse" in strict.output
    )
