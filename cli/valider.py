"""``tamis valider FICHIER…``: check policy files and print their diagnostics.

A thin command over ``tamis.grammar.load.load_policy_file`` with the real vocabulary of
``tamis.invitations``. Text output for people (source line and caret under each problem),
``--format json`` for editors and CI; ``-`` reads a policy on standard input. Exit status:
0 without error, 1 on errors (or on warnings with ``--strict``), 2 on usage errors (click).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click

from tamis.cli import report_options
from tamis.cli.policy_input import load_named, stdin_once
from tamis.grammar.diagnostics import Diagnostic, render
from tamis.grammar.vocabulary import Vocabulary
from tamis.invitations.vocabulary import vocabulary


@dataclass(frozen=True)
class FileReport:
    path: str
    source: str
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> int:
        return sum(d.is_error for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors


def validate(paths: list[Path], vocab: Vocabulary, analyse: bool = False) -> list[FileReport]:
    """One report per path, in order; ``-`` is the policy on standard input."""
    stdin_once(paths)
    reports = []
    for path in paths:
        policy, diagnostics, source, shown = load_named(path, vocab)
        if analyse and policy is not None:
            diagnostics = sorted([*diagnostics, *proven(policy)], key=Diagnostic.sort_key)
        reports.append(FileReport(shown, source, diagnostics))
    return reports


def proven(policy) -> list[Diagnostic]:
    """``--analyse``: what ``tamis analyser`` proves cheaply (A001, A002, A004, A005)."""
    from tamis.analysis.analyse import proofs  # z3 loads only when asked for
    from tamis.analysis.domain import invitation_domain

    return [finding.diagnostic for finding in proofs(policy, invitation_domain())]


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def text_report(report: FileReport) -> str:
    """``fichier: OK``, ``fichier: OK (N avertissements)`` + warnings, or the diagnostics."""
    rendered = [render(d, report.source) for d in report.diagnostics]
    if report.errors:
        return "\n\n".join(rendered)
    if report.warnings:
        head = f"{report.path}: OK ({plural(report.warnings, 'avertissement')})"
        return "\n\n".join([head, *rendered])
    return f"{report.path}: OK"


def summary(reports: list[FileReport]) -> str:
    errors = sum(r.errors for r in reports)
    warnings = sum(r.warnings for r in reports)
    failed = sum(1 for r in reports if r.errors)
    checked = plural(len(reports), "fichier") + (" vérifiés" if len(reports) > 1 else " vérifié")
    counts = f"{plural(errors, 'erreur')}, {plural(warnings, 'avertissement')}"
    verdict = f"{failed} en échec" if failed else "aucun en échec"
    return f"{checked} : {counts} ; {verdict}"


@click.command("valider", short_help="Vérifie des politiques et affiche leurs diagnostics.")
@click.argument(
    "fichiers", nargs=-1, required=True, type=click.Path(path_type=Path, allow_dash=True)
)
@report_options.strict
@report_options.texte_ou_json("(liste de diagnostics) pour les éditeurs et la CI")
@click.option(
    "--analyse",
    is_flag=True,
    help="Ajoute les preuves de « tamis analyser » : règles qui ne décident jamais, conditions"
    " et définitions jamais vraies (ou jamais fausses).",
)
@click.pass_context
def valider(
    ctx: click.Context, fichiers: tuple[Path, ...], strict: bool, output_format: str, analyse: bool
):
    """Vérifie les politiques FICHIERS et affiche tous leurs problèmes.

    « - » lit une politique sur l'entrée standard.

    Code de sortie : 0 sans erreur, 1 s'il y a des erreurs (ou des avertissements avec
    --strict), 2 si la commande est mal employée.
    """
    reports = validate(list(fichiers), vocabulary(), analyse)
    if output_format == "json":
        everything = [d.to_json() for r in reports for d in r.diagnostics]
        click.echo(json.dumps(everything, ensure_ascii=False, indent=2))
    else:
        click.echo("\n\n".join(text_report(r) for r in reports))
        if any(r.diagnostics for r in reports):
            click.echo("\n" + summary(reports))
    failed = any(r.errors or (strict and r.warnings) for r in reports)
    ctx.exit(1 if failed else 0)
