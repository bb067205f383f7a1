"""click speaks French in tamis: help pages, usage errors, and every string click translates."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import string
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tamis.cli import french
from tamis.cli.main import cli


def click_messages() -> set[str]:
    """Every literal click passes to ``_`` or ``ngettext`` (singular), read from its source."""
    found: set[str] = set()
    for name in french.CLICK_MODULES:
        tree = ast.parse(inspect.getsource(importlib.import_module(f"click.{name}")))
        for node in ast.walk(tree):
            if is_translation_call(node):
                found.add(node.args[0].value)
    return found


def is_translation_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and getattr(node.func, "id", None) in ("_", "ngettext")
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
    )


def test_every_click_message_has_a_french_translation() -> None:
    messages = click_messages()
    assert len(messages) > 50  # the scan really read click's sources
    missing = sorted(m for m in messages if m not in french.CATALOGUE and m not in french.PLURALS)
    assert missing == []


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def click_plurals() -> dict[str, str]:
    """click's ``ngettext`` calls: singular -> plural message."""
    plurals: dict[str, str] = {}
    for name in french.CLICK_MODULES:
        tree = ast.parse(inspect.getsource(importlib.import_module(f"click.{name}")))
        for node in ast.walk(tree):
            if is_translation_call(node) and node.func.id == "ngettext":
                plurals[node.args[0].value] = node.args[1].value
    return plurals


def test_translations_use_only_the_placeholders_click_fills() -> None:
    for message, translation in french.CATALOGUE.items():
        if "%(" not in message:
            assert fields(translation) <= fields(message), message
    plurals = click_plurals()
    for singular, (one, many) in french.PLURALS.items():
        assert fields(one) | fields(many) <= fields(singular) | fields(plurals[singular])


@pytest.mark.parametrize(("n", "expected"), [(0, "un"), (1, "un"), (2, "plusieurs")])
def test_french_plural_rule_treats_zero_as_singular(n: int, expected: str) -> None:
    assert french.ngettext("un", "plusieurs", n) == expected


def test_group_help_is_french_with_short_option() -> None:
    for flag in ("-h", "--help"):
        result = CliRunner().invoke(cli, [flag], prog_name="tamis")
        assert result.exit_code == 0
        assert result.stdout.startswith("Utilisation\u00a0: tamis [OPTIONS] COMMANDE")
        assert "Options\u00a0:" in result.stdout
        assert "Affiche cette aide et quitte." in result.stdout
        assert "Usage" not in result.stdout and "Show this" not in result.stdout


def test_unknown_command_is_a_french_usage_error() -> None:
    result = CliRunner().invoke(cli, ["zzz"], prog_name="tamis")
    assert result.exit_code == 2
    assert "Erreur : Commande inconnue « zzz »." in result.stderr
    assert "Vouliez-vous" not in result.stderr
    assert "Essayez « tamis --help » pour l'aide." in result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["dcider"],
            "Erreur : Commande inconnue « dcider ». (Vouliez-vous dire l'une de : « decider »,"
            " « valider » ?)",
        ),
        (["decidr"], "Erreur : Commande inconnue « decidr ». Vouliez-vous dire « decider » ?"),
        (
            ["journal", "pourqoi", "inv-1"],
            "Erreur : Commande inconnue « pourqoi ». Vouliez-vous dire « pourquoi » ?",
        ),
        (
            ["decider", "--politiqe", "p.tamis"],
            "Erreur : Option inconnue « --politiqe ». Vouliez-vous dire « --politique » ?",
        ),
        (["decider", "x.jsonl"], "Erreur : Option manquante « -p » / « --politique »."),
    ],
)
def test_a_mistyped_command_or_option_gets_a_suggestion(args: list[str], expected: str) -> None:
    """Commands are imported lazily: click compared a mistyped name with the commands already
    imported (none), so it suggested nothing; and it quoted names with ' instead of « »."""
    result = CliRunner().invoke(cli, args, prog_name="tamis")
    assert result.exit_code == 2
    assert expected in result.stderr


def sample_command() -> click.Command:
    @click.command()
    @click.option("--moteur", type=click.Choice(["natif", "durable"]), default="natif")
    @click.option("--n", type=int, default=1)
    @click.argument("fichier", type=click.Path(exists=True, dir_okay=False))
    def command(moteur: str, n: int, fichier: str) -> None:
        """Commande d'essai."""

    return command


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "Erreur : Argument manquant « FICHIER »."),
        (["--bogus", "x"], "Erreur : Option inconnue « --bogus »."),
        (
            ["--moteru", "x"],
            "Erreur : Option inconnue « --moteru ». Vouliez-vous dire « --moteur » ?",
        ),
        (["--moteur"], "Erreur : L'option « --moteur » demande une valeur."),
        (
            ["--moteur", "rete", "x"],
            "Erreur : Valeur invalide pour « --moteur » : « rete » n'est pas parmi"
            " « natif », « durable ».",
        ),
        (["--n", "beaucoup", "x"], "« beaucoup » n'est pas un nombre valide."),
        (["/nulle/part"], "Fichier « /nulle/part » introuvable."),
        ([__file__, "b"], "Erreur : Argument en trop inattendu (b)"),
    ],
)
def test_click_errors_read_french(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(sample_command(), args)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "Error" not in result.stderr and "Usage" not in result.stderr


N, NN = "\u00a0", "\u202f"  # no-break space, narrow no-break space
RANGES = [  # the words, in one piece: a help line is never cut inside them
    (click.IntRange(min=0), "-1", f"au{N}moins{N}0"),
    (click.IntRange(0, 65535), "70000", f"entre{N}0{N}et{N}65{NN}535"),
    (click.FloatRange(0, 100), "100.5", f"entre{N}0{N}et{N}100"),
    (click.FloatRange(0, 1, max_open=True), "1", f"au{N}moins{N}0{N}et{N}plus{N}petit{N}que{N}1"),
]


def plain(text: str) -> str:
    return text.replace(N, " ").replace(NN, " ")


@pytest.mark.parametrize(("kind", "value", "words"), RANGES)
def test_a_range_is_said_in_words(kind, value: str, words: str) -> None:
    """click wrote « [défaut : 20; x>=0] » in the help and « n'est pas dans l'intervalle
    0<=x<=100 » in the error."""

    @click.command()
    @click.option("--n", type=kind, default=1, show_default=True)
    def command(n: float) -> None:
        """Commande d'essai."""

    shown = CliRunner().invoke(command, ["--help"], terminal_width=200).stdout
    assert f"[défaut{N}: 1{NN}; {words}]" in shown
    result = CliRunner().invoke(command, ["--n", value])
    assert result.exit_code == 2
    number = value.replace(".", ",").replace("70000", "70 000")
    expected = f"Valeur invalide pour « --n » : {number} est hors limites ({plain(words)}).\n"
    assert plain(result.stderr).endswith(expected), result.stderr


def test_command_help_sections_are_french() -> None:
    result = CliRunner().invoke(sample_command(), ["--help"])
    assert "Options\u00a0:" in result.stdout
    assert "Affiche cette aide et quitte." in result.stdout


def command_paths(group: click.Group, ctx: click.Context, path: tuple[str, ...] = ()):
    """Every command and group of the CLI, as the words that name it after « tamis »."""
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*path, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, click.Context(command), (*path, name))


ENGLISH = re.compile(
    r"Usage|\bCOMMAND\b|\[ARGS\]|Commands:|Options:|Show this|\[default|required\]|env var"
    r"|default:|\(dynamic\)|deprecated|\b(TEXT|INTEGER|FLOAT|BOOLEAN|RANGE|PATH|FILENAME"
    r"|DIRECTORY|FILE|UUID|CHOICE|DATETIME)\b|\bx[<>]=?|[<>]=?x\b"
)
"""What click writes in English when it is left to: its hints, its types' names, and its
ranges' notation (« [défaut : 20 ; x>=0] », « 0<=x<=100 »)."""


SPACED = re.compile(r"[ \t\n][;:!?]|\w[;!?](?=\s|$)|\w:(?=\s|$)", re.MULTILINE)
"""High punctuation after a breakable space (a line could start with it: « ; avec
--nouvelles ») or glued to its word: French wants a no-break space before « : » and a narrow
one before « ; », « ! », « ? ». (« postgresql://… », « HH:MM » are followed by no space.)"""


def test_every_help_page_is_french() -> None:
    paths = list(command_paths(cli, click.Context(cli)))
    assert ("journal", "verifier") in paths and ("reseau", "bilan") in paths
    for path in paths:
        result = CliRunner().invoke(cli, [*path, "--help"], prog_name="tamis")
        assert result.exit_code == 0, path
        assert result.stdout.startswith(f"Utilisation\u00a0: tamis {' '.join(path)} "), path
        assert ENGLISH.search(result.stdout) is None, (path, ENGLISH.findall(result.stdout))
        assert SPACED.search(result.stdout) is None, (path, SPACED.findall(result.stdout))


@pytest.mark.parametrize("command", [["rejouer"], ["journal", "chercher"], ["journal", "stats"]])
def test_help_never_starts_a_line_with_a_closing_guillemet(command: list[str]) -> None:
    """« sinon » was cut at its inner space, and the next line began with « » (répétable) »."""
    result = CliRunner().invoke(cli, [*command, "--help"], prog_name="tamis", terminal_width=80)
    assert result.exit_code == 0
    assert "«\u00a0sinon\u00a0»" in result.stdout
    for line in result.stdout.splitlines():
        assert not line.lstrip().startswith("»"), line
        assert not line.rstrip().endswith("«"), line


def test_an_option_read_from_the_environment_is_named_in_french_in_errors() -> None:
    """click adds « (env var: 'TAMIS_JOURNAL') » to the option it names in an error, in
    English and outside its catalogue; every command's --journal reads TAMIS_JOURNAL."""
    paths = list(command_paths(cli, click.Context(cli)))
    named = 0
    for path in paths:
        context = click.Context(cli)
        command: click.Command = cli
        for word in path:
            command = command.get_command(context, word)  # type: ignore[attr-defined]
            context = click.Context(command, parent=context)
        for param in command.params:
            if not getattr(param, "show_envvar", False):
                continue
            named += 1
            said = click.BadParameter("x", ctx=context, param=param).format_message()
            assert said == (
                f"Valeur invalide pour « {max(param.opts, key=len)} » (variable"
                f" d'environnement : « {param.envvar} ») : x"
            ), said
            assert (
                ENGLISH.search(click.MissingParameter(ctx=context, param=param).format_message())
                is None
            )
    assert named > 10


def test_every_date_option_gives_the_forms_the_journal_page_gives() -> None:
    """docs/journal.md's filters take « AAAA-MM-JJ ou AAAA-MM-JJTHH:MM, en UTC », and every
    command reads them so; the help of --depuis, --jusqu-a and --avant gave only the first."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "journal.md").read_text("utf-8")
    assert "| `--depuis DATE`, `--jusqu-a DATE` | période, bornes incluses, `AAAA-MM-JJ` ou" in page
    assert "`AAAA-MM-JJTHH:MM`, en UTC |" in page
    dated = []
    for path in command_paths(cli, click.Context(cli)):
        result = CliRunner().invoke(cli, [*path, "--help"], prog_name="tamis", terminal_width=200)
        for line in result.stdout.splitlines():
            if re.match(r"\s+--(depuis|jusqu-a|avant) DATE", line):
                dated.append(path)
                assert "(AAAA-MM-JJ ou AAAA-MM-JJTHH:MM, UTC)" in line, (path, line)
    assert ("journal", "conseils") in dated and ("journal", "purger") in dated
    assert ("rejouer",) in dated and len(dated) >= 15
