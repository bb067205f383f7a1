"""``tamis tester``: run policy test cases (``.cas.toml``), report failures and coverage.

A thin command over ``tamis.cases``: it turns options into ``run.Options``, prints the
report (text or JSON), writes JUnit XML when asked, and sets the exit code: 0 when every
case passed (and coverage reached ``--couverture-min``), 1 on any failure, broken test
file, unavailable engine or coverage below the minimum, 2 on a usage error.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click
import orjson

from tamis.audit.errors import write_reason
from tamis.cases.discover import Found, discover
from tamis.cases.junit import write_junit
from tamis.cases.load import SUFFIX
from tamis.cases.report import session_json, summary, text_report
from tamis.cases.run import EngineChoice, Options, Session, run
from tamis.cli import options
from tamis.cli.human import safe, safe_lines
from tamis.cli.paths import same_file


@click.command("tester", short_help="Vérifie des politiques par leurs cas de test (.cas.toml).")
@click.argument("chemins", nargs=-1, type=click.Path(exists=True), metavar="[CHEMIN]...")
@click.option(
    "--moteur",
    type=click.Choice([choice.value for choice in EngineChoice]),
    default="natif",
    show_default=True,
    help="Moteur qui décide les cas : natif, durable, ou tous (les deux, qui doivent décider "
    "pareil).",
)
@click.option(
    "-k",
    "mots",
    multiple=True,
    metavar="MOT",
    help="Ne lance que les cas dont le nom contient MOT, sans tenir compte des majuscules "
    "(répétable : l'un ou l'autre).",
)
@options.format_(("texte", "json"), "texte")
@click.option(
    "--junit",
    metavar="FICHIER",
    type=click.Path(dir_okay=False),
    callback=lambda ctx, param, value: _a_file(_EMPTY_JUNIT(ctx, param, value)),
    help="Écrit aussi le résultat en JUnit XML dans FICHIER (pour la CI).",
)
@click.option(
    "--couverture", is_flag=True, help="Affiche la couverture de chaque politique par ses cas."
)
@click.option(
    "--couverture-min",
    "minimum",
    type=click.FloatRange(0, 100),
    callback=lambda _ctx, _param, value: _a_number(value),
    metavar="POURCENT",
    help="Échoue si une politique a moins de POURCENT % de règles déclenchées "
    "(implique --couverture).",
)
def tester(
    chemins: tuple[str, ...],
    moteur: str,
    mots: tuple[str, ...],
    format_: str,
    junit: str | None,
    couverture: bool,
    minimum: float | None,
) -> None:
    """Lance les cas de test des politiques : CHEMIN est une politique (NOM.tamis, avec ses
    cas dans NOM.cas.toml), un fichier de cas, ou un dossier fouillé récursivement (par
    défaut : le dossier courant). Affiche chaque cas échoué, puis le bilan."""
    found = discover(chemins or (".",))
    if junit:
        _refuse_an_input(Path(junit), found)
    if not found.case_files and not found.missing:
        where = ", ".join(chemins) or "le dossier courant"
        raise click.ClickException(f"aucun fichier de cas (.cas.toml) dans {where}.")
    session = run(found, Options(EngineChoice(moteur), mots))
    coverage = couverture or minimum is not None
    below = _below(session, minimum)
    if format_ == "json":
        click.echo(orjson.dumps(session_json(session, coverage=coverage)).decode())
    else:
        _print_text(session, coverage, below)
    for problem in session.engine_errors:
        click.echo(f"Erreur : {problem}", err=True)
    if junit:
        _write_junit(session, Path(junit))
    if mots and not session.selected and not session.errors:
        raise click.ClickException(f"aucun cas ne correspond à -k {' ou '.join(mots)}.")
    if not session.ok or below:
        sys.exit(1)


_EMPTY_JUNIT = options.given_path("un fichier (p. ex. --junit rapport.xml)")
"""An empty ``--junit`` is refused as every empty output path is, rather than taken as no
report at all."""


def _a_file(value: str | None) -> str | None:
    """``--junit``'s file; « - » is refused rather than taken as a file of that name (the
    standard output already holds the report a person reads)."""
    if value == "-":
        raise click.BadParameter(
            "« - » : le rapport JUnit s'écrit dans un fichier (p. ex. --junit rapport.xml) ; "
            "la sortie standard garde le bilan."
        )
    return value


def _refuse_an_input(report: Path, found: Found) -> None:
    """``--junit`` naming a policy or a case file the run reads would replace it with the
    XML report (« tamis tester p.tamis --junit p.tamis »): refused before anything runs."""
    for path in found.inputs():
        if same_file(report, path):
            what, it = _kind(path)
            raise click.UsageError(
                f"--junit {report} est {what} que tamis tester lit : le rapport JUnit {it} "
                "remplacerait ; écrivez-le ailleurs (p. ex. --junit rapport.xml)."
            )


def _kind(path: Path) -> tuple[str, str]:
    """What ``path``, read by the run, is, in French, and its pronoun."""
    if path.name.endswith(".tamis"):
        return "une politique", "la"
    if path.name.endswith(SUFFIX):
        return "un fichier de cas", "le"
    if path.suffix == ".toml":
        return "un fichier de contexte", "le"
    return "un fichier d'invitation", "le"


def _a_number(value: float | None) -> float | None:
    """``--couverture-min``'s value, refused if it is NaN: ``FloatRange`` lets it through (it
    is neither below 0 nor above 100), and no coverage is ever below it, so the gate would
    never fail."""
    if value is not None and math.isnan(value):
        raise click.BadParameter("nan n'est pas un nombre ; un pourcentage de 0 à 100 est attendu.")
    return value


def _print_text(session: Session, coverage: bool, below: list[str]) -> None:
    """The report, each control character escaped (``cli.human.safe``): a case name, a path
    and an explanation quoting the invitation (a sender's title, a message that ``figer``
    took from the journal) may hold a terminal's escape sequences."""
    for block in text_report(session, coverage=coverage):
        click.echo(safe_lines(block) + "\n")
    for line in below:
        click.echo(safe(line))
    click.echo(summary(session))


def _below(session: Session, minimum: float | None) -> list[str]:
    """One French line per policy whose rule coverage is under ``minimum``."""
    if minimum is None:
        return []
    shown = f"{minimum:g}".replace(".", ",")
    out = [
        f"couverture insuffisante : {path} : {cov.fired_rules} règle(s) sur {len(cov.rules)}"
        f" déclenchée(s), moins que {shown} %"
        for path, cov in session.coverage.items()
        if cov.percent is not None and cov.percent < minimum  # None: nothing to cover
    ]
    out += [f"couverture insuffisante : {path} : aucun cas" for path in session.untested]
    return out


def _write_junit(session: Session, path: Path) -> None:
    try:
        write_junit(session, path)
    except OSError as error:
        reason = write_reason(error)
        raise click.ClickException(f"{path} : écriture impossible ({reason}).") from None
