"""``tamis analyser POLITIQUE…``: prove what each policy can and cannot decide.

A thin command over ``tamis.analysis.analyse`` with the real vocabulary and the invitation
oracle (every example is an invitation the real engine decided). A policy with errors is
not analysed: its diagnostics are printed as ``tamis valider`` prints them. Exit status: 0,
1 when a finding is an erreur (or an avertissement with ``--strict``) or a policy is
invalid, 2 on usage errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import click

from tamis.analysis.analyse import MAX_OVERLAPS, analyse_policy
from tamis.analysis.domain import invitation_domain
from tamis.analysis.findings import Finding, render_finding
from tamis.analysis.invitation_oracle import InvitationOracle
from tamis.cli import options, report_options
from tamis.cli.policy_input import load_named, stdin_once
from tamis.engine.parameters import ParameterError, effective_parameters
from tamis.grammar.diagnostics import Diagnostic, Severity, render
from tamis.invitations.vocabulary import vocabulary


@dataclass(frozen=True)
class Report:
    path: str
    source: str
    invalid: list[Diagnostic]  # the checker's errors: the policy was not analysed
    findings: list[Finding]
    checked: list[Diagnostic] = field(default_factory=list)  # the checker's warnings

    def count(self, severity: Severity) -> int:
        """The findings of ``severity``, and the checker's diagnostics shown with them: the
        errors that kept the policy from being analysed, or its warnings (``tamis valider``'s,
        which ``analyser`` must not contradict by saying « rien à signaler »)."""
        found = sum(f.diagnostic.severity is severity for f in self.findings)
        return found + sum(d.severity is severity for d in [*self.invalid, *self.checked])

    def failed(self, strict: bool) -> bool:
        warned = strict and self.count(Severity.AVERTISSEMENT)
        return bool(self.invalid or self.count(Severity.ERREUR) or warned)


def analyse_file(path: Path, max_overlaps: int, overrides: tuple[str, ...] = ()) -> Report:
    domain = invitation_domain()
    policy, diagnostics, source, shown = load_named(path, vocabulary())
    if policy is None:
        return Report(shown, source, [d for d in diagnostics if d.is_error], [])
    try:
        values = effective_parameters(policy, {}, list(overrides))
    except ParameterError as error:
        raise click.UsageError(f"{shown} : {error}") from None
    oracle = InvitationOracle(domain)
    findings = analyse_policy(policy, domain, oracle, values, max_overlaps=max_overlaps)
    return Report(shown, source, [], findings, diagnostics)


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def text_report(report: Report) -> str:
    if report.invalid:
        rendered = [render(d, report.source) for d in report.invalid]
        return "\n\n".join(
            [f"{report.path}: analyse impossible, la politique a des erreurs", *rendered]
        )
    if not report.findings and not report.checked:
        return f"{report.path}: rien à signaler"
    shown = [
        render(item, report.source)
        if isinstance(item, Diagnostic)
        else render_finding(item, report.source)
        for item in in_order(report)
    ]
    return "\n\n".join(shown)


def in_order(report: Report) -> list[Diagnostic | Finding]:
    """The checker's diagnostics and the findings, sorted by position as ``tamis valider``
    sorts its own: the text and the JSON list them in this one order."""
    if report.invalid:
        return list(report.invalid)
    items: list[Diagnostic | Finding] = [*report.checked, *report.findings]
    return sorted(
        items, key=lambda i: (i if isinstance(i, Diagnostic) else i.diagnostic).sort_key()
    )


def summary(reports: list[Report], strict: bool) -> str:
    counts = [sum(r.count(s) for r in reports) for s in Severity]
    words = ", ".join(
        plural(n, w) for n, w in zip(counts, ("erreur", "avertissement", "note"), strict=True)
    )
    failed = sum(r.failed(strict) for r in reports)
    head = plural(len(reports), "politique") + (" analysées" if len(reports) > 1 else " analysée")
    return f"{head} : {words} ; {f'{failed} en échec' if failed else 'aucune en échec'}"


@click.command("analyser", short_help="Prouve ce qu'une politique peut ou ne peut pas décider.")
@click.argument(
    "politiques", nargs=-1, required=True, type=click.Path(path_type=Path, allow_dash=True)
)
@report_options.strict
@report_options.texte_ou_json("(liste de constats) pour les outils")
@click.option(
    "--max-chevauchements",
    type=click.IntRange(min=0),
    metavar="N",
    default=MAX_OVERLAPS,
    show_default=True,
    help="Nombre maximal de règles qui s'appliquent ensemble (A003) montrées par politique.",
)
@options.parametre
@click.pass_context
def analyser(
    ctx: click.Context,
    politiques: tuple[Path, ...],
    strict: bool,
    output_format: str,
    max_chevauchements: int,
    parametres: tuple[str, ...],
):
    """Prouve ce qu'une politique peut ou ne peut pas décider.

    Pour chaque fichier de POLITIQUES : règles qui ne décident jamais, conditions jamais vraies,
    règles d'actions différentes
    qui s'appliquent ensemble, définitions jamais vraies ou jamais fausses, conditions
    vraies seulement quand un fait est inconnu, invitations que « sinon » décide ; et les
    avertissements de « tamis valider ». Chaque exemple est une invitation décidée par le
    vrai moteur. « - » lit une politique sur
    l'entrée standard.

    Code de sortie : 0, 1 s'il y a une erreur (ou un avertissement avec --strict) ou une
    politique invalide, 2 si la commande est mal employée.
    """
    stdin_once(politiques)
    reports = [analyse_file(path, max_chevauchements, parametres) for path in politiques]
    if output_format == "json":
        everything = [item.to_json() for r in reports for item in in_order(r)]
        click.echo(json.dumps(everything, ensure_ascii=False, indent=2))
    else:
        click.echo("\n\n".join(text_report(r) for r in reports))
        click.echo("\n" + summary(reports, strict))
    ctx.exit(1 if any(r.failed(strict) for r in reports) else 0)
