"""``tamis decider`` with a context file: its problems reach the user, in French."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from tamis.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
CHAMBRE = str(ROOT / "policies" / "chambre.tamis")
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


def decide(tmp_path: Path, toml: str, *options: str, connections: str = ""):
    (tmp_path / "Connections.csv").write_text(HEADER + connections, encoding="utf-8")
    (tmp_path / "tamis.toml").write_text(toml, encoding="utf-8")
    args = ["decider", "-p", CHAMBRE, "--contexte", str(tmp_path / "tamis.toml")]
    args += ["--journal", str(tmp_path / "j.jsonl"), *options, "-"]
    return CliRunner().invoke(cli, args, input='{"id": "a", "expediteur": {"nom": "Bo Chen"}}')


def test_unreadable_export_rows_are_warned_on_stderr_and_the_rest_is_decided(tmp_path):
    rows = (
        'Ana,Li"ma,https://www.linkedin.com/in/ana,,,,"22 Jan 2026\n'
        'Bo,Chen,https://www.linkedin.com/in/bo,,,,"23 Jan 2026\n'
    )
    result = decide(tmp_path, '[reseau]\nfichiers = ["Connections.csv"]\n', connections=rows)
    assert result.exit_code == 0
    assert (
        f"{tmp_path / 'tamis.toml'} : avertissement : Connections.csv : ligne 2 : la colonne"
        " « Connected On » continue jusqu'à la ligne 3 (guillemet mal fermé ?) (ignorée)\n"
    ) in result.stderr
    assert '"decision":"ignorer"' in result.stdout


def test_a_misspelt_context_parameter_stops_with_a_suggestion(tmp_path):
    result = decide(tmp_path, "[parametres]\nconnexion_min = 3\n")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Erreur : [parametres] du contexte : paramètre inconnu « connexion_min » ;"
        " vouliez-vous dire « connexions_min » ?\n"
    )


def test_the_same_bound_from_the_context_and_from_the_command_line(tmp_path):
    from_context = decide(tmp_path, "[parametres]\nconnexions_min = -5\n")
    assert from_context.exit_code == 1
    assert from_context.stderr == (
        f"Erreur : {tmp_path / 'tamis.toml'} : clé « parametres.connexions_min » :"
        " ne doit pas être négatif (reçu : -5)\n"
    )
    from_option = decide(tmp_path, "", "--parametre", "connexions_min=-5")
    assert from_option.exit_code == 2
    assert from_option.stderr.endswith(
        "Erreur : --parametre connexions_min=-5 : « connexions_min » ne doit pas être négatif"
        " (reçu : -5)\n"
    )
