"""``tamis comparer``: outputs, exit codes and the example files ``tamis decider`` reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tamis.cli.main import cli

OLD = 'règle "photo" : refuser si sans_photo\nrègle "connu" : accepter si connu\nsinon examiner\n'
NEW = (
    'règle "connu" : accepter si connu\n'
    'règle "photo" : refuser si sans_photo ou expediteur.connexions < 10\nsinon examiner\n'
)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "ancienne.tamis").write_text(OLD, encoding="utf-8")
    (tmp_path / "nouvelle.tamis").write_text(NEW, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*arguments: str):
    return CliRunner().invoke(cli, ["comparer", *arguments], catch_exceptions=False)


def test_a_policy_is_equivalent_to_itself(folder: Path) -> None:
    result = run("ancienne.tamis", "ancienne.tamis")
    assert result.exit_code == 0
    assert result.output == (
        "ancienne.tamis → ancienne.tamis : équivalentes — aucune invitation possible n'est"
        " décidée autrement (prouvé)\n"
    )


def test_each_kind_of_difference_with_old_new_condition_and_example(folder: Path) -> None:
    result = run("ancienne.tamis", "nouvelle.tamis")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "ancienne.tamis → nouvelle.tamis : 2 sortes de différence"
    assert "1. examiner (sinon) → refuser (la règle « photo »)" in lines
    assert "2. refuser (la règle « photo ») → accepter (la règle « connu »)" in lines
    assert "   quand : « sans_photo » est vrai et « connu » est vrai" in lines


def test_max_limits_the_kinds_and_says_there_may_be_more(folder: Path) -> None:
    result = run("--max", "1", "ancienne.tamis", "nouvelle.tamis")
    assert result.output.splitlines()[0] == (
        "ancienne.tamis → nouvelle.tamis : 1 sorte de différence (et peut-être d'autres : --max)"
    )


def test_examples_are_invitations_that_decider_decides_differently(folder: Path) -> None:
    result = run("--exemples", "exemples", "ancienne.tamis", "nouvelle.tamis")
    assert (
        "2 exemples écrits dans exemples, et les cas de test correspondants pour la nouvelle"
        in (result.output)
    )
    written = sorted(p.name for p in (folder / "exemples").iterdir())
    assert written == [
        "difference-1.json", "difference-2.json", "difference-2.toml", "differences.cas.toml"
    ]  # fmt: skip
    tested = CliRunner().invoke(cli, ["tester", "exemples/differences.cas.toml"])
    assert (tested.exit_code, tested.output) == (0, "2 réussis, 0 échoué\n")
    for number in (1, 2):
        context = folder / "exemples" / f"difference-{number}.toml"
        decided = [_decide(folder, policy, number, context) for policy in ("ancienne", "nouvelle")]
        assert decided[0] != decided[1]


def test_examples_that_cannot_be_written_are_a_french_error(folder: Path) -> None:
    """A folder the user may not write, or a full disk, ended the command in an OSError
    traceback once the comparison was shown."""
    (folder / "exemples" / "difference-1.json").mkdir(parents=True)  # root cannot write it either
    result = CliRunner().invoke(cli, ["comparer", "--exemples", "exemples", *POLICIES])
    assert result.exit_code == 2  # not 1: « différentes » is the comparison's answer
    assert "ancienne.tamis → nouvelle.tamis : 2 sortes de différence" in result.stdout
    assert result.stderr == (
        "Erreur : --exemples exemples : impossible d'écrire exemples/difference-1.json :"
        " c'est un dossier, pas un fichier.\n"
    )


POLICIES = ("ancienne.tamis", "nouvelle.tamis")


def _decide(folder: Path, policy: str, number: int, context: Path) -> str:
    arguments = ["decider", "-p", f"{policy}.tamis", "--journal", str(folder / "j.jsonl")]
    if context.exists():
        arguments += ["--contexte", str(context)]
    result = CliRunner().invoke(cli, [*arguments, f"exemples/difference-{number}.json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output.splitlines()[0])["decision"]


def test_json_output(folder: Path) -> None:
    result = run("--format", "json", "--regle", "ancienne.tamis", "nouvelle.tamis")
    shown = json.loads(result.output)
    assert (shown["equivalentes"], shown["autres_possibles"]) == (False, False)
    assert {d["decision"] for d in shown["differences"]} == {
        "examiner (sinon) → refuser (la règle « photo »)",
        "refuser (la règle « photo ») → accepter (la règle « connu »)",
    }
    assert all(d["exemple"]["confirme"] for d in shown["differences"])


def test_an_invalid_policy_is_a_usage_error(folder: Path) -> None:
    (folder / "faute.tamis").write_text("refuser si sans_phot\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["comparer", "ancienne.tamis", "faute.tamis"])
    assert result.exit_code == 2
    assert "faute.tamis : la politique a des erreurs, comparaison impossible" in result.output
    assert "fait ou paramètre inconnu « sans_phot »" in result.output


def test_parameters_in_force_come_from_the_command_line(folder: Path) -> None:
    (folder / "seuil.tamis").write_text("refuser si peu_de_connexions\nsinon examiner\n")
    result = run("--parametre", "connexions_min=60", "seuil.tamis", "seuil.tamis")
    assert result.exit_code == 0
    analysed = CliRunner().invoke(
        cli, ["analyser", "--parametre", "connexions_min=0", "seuil.tamis"]
    )
    assert analysed.exit_code == 1
    assert (
        "erreur[A002]: la condition de la règle de la ligne 1 n'est jamais vraie" in analysed.output
    )
    wrong = run("--parametre", "conexions_min=3", "seuil.tamis", "seuil.tamis")
    assert wrong.exit_code == 2
    assert "paramètre inconnu « conexions_min » ; vouliez-vous dire « connexions_min » ?" in (
        wrong.output
    )


def test_either_policy_may_come_from_standard_input(folder: Path) -> None:
    """``comparer - nouvelle.tamis`` said « fichier introuvable » for « - », which valider,
    formater and decider read as standard input."""
    result = CliRunner().invoke(cli, ["comparer", "-", "ancienne.tamis"], input=OLD)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<entrée standard> → ancienne.tamis : équivalentes")
    different = CliRunner().invoke(cli, ["comparer", "ancienne.tamis", "-"], input=NEW)
    assert different.exit_code == 1
    assert different.stdout.startswith("ancienne.tamis → <entrée standard> : ")


@pytest.mark.parametrize(
    "command",
    [
        ["comparer", "-", "-"],
        ["analyser", "-", "-"],
        ["valider", "-", "ancienne.tamis", "-"],
        ["formater", "-", "-"],
    ],
)
def test_standard_input_named_twice_is_a_usage_error(folder: Path, command: list[str]) -> None:
    """The second « - » read an empty input: an empty policy, compared, analysed or formatted
    as if it were one."""
    result = CliRunner().invoke(cli, command, input=OLD)
    assert result.exit_code == 2
    assert (
        "Erreur : « - » (l'entrée standard) ne peut être lu qu'une fois : donnez-le une seule "
        "fois." in result.stderr
    )


def test_analyser_reads_standard_input(folder: Path) -> None:
    result = CliRunner().invoke(cli, ["analyser", "-"], input=OLD)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("1 politique analysée : 0 erreur")
    broken = CliRunner().invoke(cli, ["analyser", "-"], input="refuser si\n")
    assert broken.exit_code == 1
    assert broken.stdout.startswith("<entrée standard>: analyse impossible")
    assert "<entrée standard>:1:11: erreur[E001]" in broken.stdout


def test_the_help_says_everything_exemples_writes():
    """``--help`` said « Écrit l'invitation de chaque différence (JSON) », leaving out the
    contexts and differences.cas.toml that analyse.md describes."""
    shown = " ".join(run("--help").output.split())
    assert "(difference-N.toml) et differences.cas.toml, les cas de tamis tester" in shown
