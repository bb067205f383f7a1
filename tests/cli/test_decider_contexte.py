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
    """A problem of the context file, as a wrong-typed value there: code 1, the file named.
    It was a usage error (code 2, « Utilisation : … » first) that named no file."""
    result = decide(tmp_path, "[parametres]\nconnexion_min = 3\n")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Erreur : {tmp_path / 'tamis.toml'} : [parametres] du contexte : paramètre inconnu"
        " « connexion_min » ; vouliez-vous dire « connexions_min » ?\n"
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


def test_a_number_the_journal_cannot_hold_is_refused_in_french_before_deciding(tmp_path):
    """A count of more than 18 digits, in the context or on the command line, for a built-in
    or a declared parameter: it went through to the journal, where serialising it ended
    decider in a TypeError (past 64 bits) or an OverflowError (401 digits) traceback."""
    context = tmp_path / "tamis.toml"
    for digits in (20, 23, 401):
        result = decide(tmp_path, f"[parametres]\nconnexions_min = {'9' * digits}\n")
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == (
            f"Erreur : {context} : clé « parametres.connexions_min » : doit avoir au plus"
            f" 18 chiffres (reçu : {digits} chiffres)\n"
        )
    result = decide(tmp_path, "", "--parametre", f"connexions_min={'9' * 20}")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        f"Erreur : --parametre connexions_min={'9' * 20} : « connexions_min » doit avoir au plus"
        " 18 chiffres (reçu : 20 chiffres)\n"
    ) in result.stderr
    policy = tmp_path / "seuil.tamis"
    policy.write_text("paramètre seuil = 3\nrefuser si expediteur.connexions < seuil\n")
    args = ["decider", "-p", str(policy), "--journal", str(tmp_path / "j.jsonl"), "-"]
    result = CliRunner().invoke(
        cli, [*args, "--parametre", f"seuil=-{'9' * 19}"], input='{"id": "b"}'
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "« seuil » doit avoir au plus 18 chiffres (reçu : 19 chiffres)" in result.stderr
    assert not (tmp_path / "j.jsonl").exists()
    result = CliRunner().invoke(
        cli, [*args, "--parametre", f"seuil=-{'9' * 18}"], input='{"id": "b"}'
    )
    assert result.exit_code == 0, result.output
    assert '"decision":"examiner"' in result.stdout
