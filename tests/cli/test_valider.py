"""``tamis valider``: outputs and exit codes, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CLEAN = "refuser si sans_photo\nsinon examiner\n"


def run(*args: str):
    return CliRunner().invoke(cli, ["valider", *args])


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_clean_file_prints_ok(tmp_path: Path) -> None:
    path = write(tmp_path, "a.tamis", CLEAN)
    result = run(path)
    assert result.exit_code == 0
    assert result.output == f"{path}: OK\n"


def test_warnings_only_is_ok_with_the_count_and_the_warnings(tmp_path: Path) -> None:
    path = write(tmp_path, "a.tamis", "refuser si sans_photo\n")
    result = run(path)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"{path}: OK (1 avertissement)"
    assert lines[2] == (
        f"{path}:1:22: avertissement[W003]: la politique n'a pas de « sinon » : quand aucune "
        "règle ne s'applique, la décision sera « examiner »"
    )
    assert lines[-1] == "1 fichier vérifié : 0 erreur, 1 avertissement ; aucun en échec"


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    path = write(tmp_path, "a.tamis", "refuser si sans_photo\n")
    assert run("--strict", path).exit_code == 1
    assert run("--strict", write(tmp_path, "b.tamis", CLEAN)).exit_code == 0


def test_errors_print_every_diagnostic_with_caret_and_summary(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.tamis", "refuser si sans_phot ou expediteur.titre < 3\n")
    good = write(tmp_path, "good.tamis", CLEAN)
    result = run(bad, good)
    assert result.exit_code == 1
    out = result.output
    assert f"{bad}:1:12: erreur[E011]: fait ou paramètre inconnu « sans_phot »" in out
    assert " 1 | refuser si sans_phot ou expediteur.titre < 3\n   |            ^^^^^^^^^\n" in out
    assert "  aide : vouliez-vous dire « sans_photo » ?" in out
    assert f"{bad}:1:25: erreur[E014]" in out
    assert f"{good}: OK" in out
    assert out.endswith("2 fichiers vérifiés : 2 erreurs, 1 avertissement ; 1 en échec\n")


def test_unreadable_files_are_diagnostics_not_usage_errors(tmp_path: Path) -> None:
    result = run(str(tmp_path / "absente.tamis"), str(tmp_path))
    assert result.exit_code == 1
    assert f"{tmp_path / 'absente.tamis'}: erreur[E000]: impossible de lire la politique" in (
        result.output
    )
    assert f"{tmp_path}: erreur[E000]: impossible de lire la politique : c'est un dossier" in (
        result.output
    )


def test_json_lists_all_diagnostics_of_all_files(tmp_path: Path) -> None:
    a = write(tmp_path, "a.tamis", "refuser si sans_phot\nsinon examiner\n")
    b = write(tmp_path, "b.tamis", "refuser si sans_photo\n")
    result = run("--format", "json", a, b)
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert [(d["file"], d["code"], d["line"], d["column"]) for d in data] == [
        (a, "E011", 1, 12),
        (b, "W003", 1, 22),
    ]
    assert data[0]["suggestion"] == "vouliez-vous dire « sans_photo » ?"
    assert data[0]["severity"] == "erreur"
    assert data[0]["end"] == {"line": 1, "column": 21}


def test_json_of_a_clean_file_is_an_empty_list(tmp_path: Path) -> None:
    result = run("--format", "json", write(tmp_path, "a.tamis", CLEAN))
    assert (result.exit_code, json.loads(result.output)) == (0, [])


def test_issue_examples_pass(tmp_path: Path) -> None:
    """The first is docs/langage.md's complete policy, whose one warning the page names."""
    page = (CORPUS.parent.parent / "docs" / "langage.md").read_text(encoding="utf-8")
    example = (CORPUS / "issue2_exemple.tamis").read_text(encoding="utf-8")
    said = "`tamis valider` l'accepte avec un avertissement, un seul, exprès : W006"
    assert f"\n```\n{example}```\n\n{said}" in page
    paths = [str(CORPUS / "issue2_exemple.tamis"), str(CORPUS / "issue2_priorite.tamis")]
    result = run(*paths)
    assert result.exit_code == 0, result.output
    assert f"{paths[0]}: OK (1 avertissement)" in result.output
    assert "avertissement[W006]" in result.output


@pytest.mark.parametrize("args", [[], ["--format", "xml", "a.tamis"], ["--inconnue", "a"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run(*args).exit_code == 2


def test_help_is_french() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "Vérifie les politiques FICHIERS" in result.output
    assert "avertissements" in result.output


def test_dash_reads_the_policy_on_standard_input() -> None:
    result = CliRunner().invoke(cli, ["valider", "-"], input="refuser si sans_phot\r\n")
    assert result.exit_code == 1
    assert result.output.splitlines()[:4] == [
        "<entrée standard>:1:12: erreur[E011]: fait ou paramètre inconnu « sans_phot »",
        " 1 | refuser si sans_phot",
        "   |            ^^^^^^^^^",
        "  aide : vouliez-vous dire « sans_photo » ?",
    ]
    assert CliRunner().invoke(cli, ["valider", "-"], input=CLEAN).output == (
        "<entrée standard>: OK\n"
    )


def test_dash_beside_files_and_in_json(tmp_path: Path) -> None:
    path = write(tmp_path, "a.tamis", CLEAN)
    result = CliRunner().invoke(
        cli, ["valider", "--format", "json", path, "-"], input="refuser si vrai\n"
    )
    assert result.exit_code == 0
    found = json.loads(result.output)
    assert {(d["file"], d["code"]) for d in found} == {("<entrée standard>", "W003")}
