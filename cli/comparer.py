"""``tamis comparer ANCIENNE NOUVELLE``: could the two policies ever decide differently?

A thin command over ``tamis.analysis.compare``: it loads both policies, prints "équivalentes"
(a proof over every possible invitation) or each kind of difference with old → new, the
values that are enough for it and an invitation the real engine decided with both; with
``--exemples DOSSIER`` it writes each invitation (and its context) as files that ``tamis
decider`` reads. Exit status: 0 equivalent, 1 different, 2 usage error or invalid policy.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import click
import orjson

from tamis.analysis.compare import MAX_KINDS, Comparison, Difference, compare_policies
from tamis.analysis.domain import invitation_domain
from tamis.analysis.findings import decision_words, example_json, rule_words
from tamis.analysis.invitation_oracle import InvitationOracle
from tamis.audit.errors import os_reason
from tamis.cli import options, report_options
from tamis.cli.policy_input import load_named, stdin_once
from tamis.engine.decision import RuleRef
from tamis.engine.parameters import ParameterError, effective_parameters
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.diagnostics import render
from tamis.invitations.vocabulary import vocabulary


def in_force(policy: CheckedPolicy, overrides: tuple[str, ...]) -> CheckedPolicy:
    """The policy with the ``--parametre`` values as its own (what the analysis reads)."""
    try:
        values = effective_parameters(policy, {}, list(overrides))
    except ParameterError as error:
        raise click.UsageError(f"{policy.path} : {error}") from None
    return dataclasses.replace(policy, parameters=values)


def load(path: Path) -> CheckedPolicy:
    policy, diagnostics, source, name = load_named(path, vocabulary())
    if policy is None:
        shown = "\n\n".join(render(d, source) for d in diagnostics if d.is_error)
        raise click.UsageError(
            f"{name} : la politique a des erreurs, comparaison impossible\n\n{shown}"
        )
    return policy


def side(decision_rule: RuleRef | None, action: str) -> str:
    return f"{action} ({'sinon' if decision_rule is None else rule_words(decision_rule)})"


def headline(difference: Difference, old: CheckedPolicy, new: CheckedPolicy) -> str:
    if difference.old is not None and difference.new is not None:
        return f"{decision_words(difference.old)} → {decision_words(difference.new)}"
    old_action = (difference.old_rule.action if difference.old_rule else old.default).value
    new_action = (difference.new_rule.action if difference.new_rule else new.default).value
    return f"{side(difference.old_rule, old_action)} → {side(difference.new_rule, new_action)}"


def text_output(comparison: Comparison, old: CheckedPolicy, new: CheckedPolicy) -> str:
    names = f"{old.path} → {new.path}"
    if comparison.equivalent:
        return (
            f"{names} : équivalentes — aucune invitation possible n'est décidée autrement (prouvé)"
        )
    count = len(comparison.differences)
    lines = [
        f"{names} : {count} sorte{'s' if count > 1 else ''} de différence"
        + (" (et peut-être d'autres : --max)" if comparison.more else "")
    ]
    for number, difference in enumerate(comparison.differences, 1):
        lines += ["", f"{number}. {headline(difference, old, new)}"]
        if difference.condition:
            lines.append("   quand : " + " et ".join(difference.condition))
        lines += example_lines(difference)
    return "\n".join(lines)


def example_lines(difference: Difference) -> list[str]:
    witness = difference.witness
    if witness.case is None:
        values = ", ".join(f"{k} = {v}" for k, v in witness.assignment.shown().items())
        return [
            "   exemple : aucune invitation n'a pu être construite ; non confirmé par le moteur",
            f"     {values}",
        ]
    lines = [
        "   exemple (confirmé par le moteur) : " + orjson.dumps(witness.case.invitation).decode()
    ]
    if witness.case.context:
        lines.append("   contexte : " + witness.case.context.strip().replace("\n", " ; "))
    for name, content in witness.case.files.items():
        lines.append(f"   {name} : " + content.strip().replace("\n", " ; "))
    return lines


def json_output(comparison: Comparison, old: CheckedPolicy, new: CheckedPolicy) -> dict[str, Any]:
    return {
        "ancienne": old.path,
        "nouvelle": new.path,
        "equivalentes": comparison.equivalent,
        "autres_possibles": comparison.more,
        "differences": [
            {
                "decision": headline(d, old, new),
                "condition": list(d.condition),
                "exemple": example_json(d.witness),
            }
            for d in comparison.differences
        ],
    }


def write_examples(
    folder: Path, comparison: Comparison, new: CheckedPolicy, overrides: dict[str, object]
) -> list[Path]:
    """``difference-N.json`` (and ``difference-N.toml`` when a context is needed), and
    ``differences.cas.toml``: each example as a ``tamis tester`` case of the new policy."""
    folder.mkdir(parents=True, exist_ok=True)
    written, cases = [], []
    for number, difference in enumerate(comparison.differences, 1):
        case = difference.witness.case
        if case is None or case.invitation is None or difference.new is None:
            continue
        path = folder / f"difference-{number}.json"
        path.write_bytes(orjson.dumps(case.invitation, option=orjson.OPT_INDENT_2) + b"\n")
        written.append(path)
        context = _write_context(folder, number, case.context or "", case.files)
        cases.append(_case(number, difference, context))
    if cases:
        head = [f"politique = {_toml(os.path.relpath(new.path, folder))}"]
        if overrides:
            head.append(f"parametres = {_inline(overrides)}")
        text = "\n".join([*head, *cases]) + "\n"
        (folder / "differences.cas.toml").write_text(text, encoding="utf-8")
    return written


def _write_context(folder: Path, number: int, context: str, files: dict) -> str | None:
    """The context beside the example, its export files renamed after it; its file name."""
    for name, content in files.items():
        own = f"difference-{number}-{name}"
        (folder / own).write_text(content, encoding="utf-8")
        context = context.replace(f'"{name}"', f'"{own}"')
    if not context:
        return None
    (folder / f"difference-{number}.toml").write_text(context, encoding="utf-8")
    return f"difference-{number}.toml"


def _case(number: int, difference: Difference, context: str | None) -> str:
    decision = difference.new
    name = f"différence {number} : {decision_words(difference.old)} → {decision_words(decision)}"
    return "\n".join([
        "",
        "[[cas]]",
        f"nom = {_toml(name)}",
        f'invitation = "difference-{number}.json"',
        f"contexte = {_toml(context) if context else 'false'}",
        f'attendu.decision = "{decision.action.value}"',
        f"attendu.regle = {_toml(decision.label)}",
    ])  # fmt: skip


def _toml(text: str) -> str:
    return orjson.dumps(text).decode()  # a JSON string is a TOML basic string


def _inline(values: dict[str, object]) -> str:
    items = (
        f"{k} = {orjson.dumps(list(v) if isinstance(v, tuple) else v).decode()}"
        for k, v in values.items()
    )
    return "{ " + ", ".join(items) + " }"


@click.command("comparer", short_help="Prouve que deux politiques décident pareil, ou montre où.")
@click.argument("ancienne", type=click.Path(path_type=Path, allow_dash=True))
@click.argument("nouvelle", type=click.Path(path_type=Path, allow_dash=True))
@click.option(
    "--regle", is_flag=True, help="Compare aussi la règle qui décide, pas seulement l'action."
)
@click.option(
    "--max",
    "max_kinds",
    type=click.IntRange(min=1),
    metavar="N",
    default=MAX_KINDS,
    show_default=True,
    help="Nombre maximal de sortes de différences montrées.",
)
@click.option(
    "--exemples",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    metavar="DOSSIER",
    help="Écrit dans DOSSIER l'invitation de chaque différence (difference-N.json), son "
    "contexte s'il lui en faut un (difference-N.toml) et differences.cas.toml, les cas de "
    "tamis tester qui attendent les décisions de NOUVELLE.",
)
@report_options.texte_ou_json("pour les outils")
@options.parametre
@click.pass_context
def comparer(
    ctx: click.Context,
    ancienne: Path,
    nouvelle: Path,
    regle: bool,
    max_kinds: int,
    exemples: Path | None,
    output_format: str,
    parametres: tuple[str, ...],
):
    """Prouve que deux politiques décident pareil, ou montre où.

    Dit si ANCIENNE et NOUVELLE décident pareil toutes les invitations possibles.
    Sinon, montre chaque sorte de différence (ancienne → nouvelle décision), les valeurs
    qui suffisent à la produire et une invitation décidée par le vrai moteur. L'une des deux
    peut être « - » : la politique lue sur l'entrée standard.

    Code de sortie : 0 équivalentes, 1 différentes, 2 commande mal employée, politique
    invalide ou DOSSIER de --exemples où l'on ne peut pas écrire.
    """
    stdin_once((ancienne, nouvelle))
    old, new = (in_force(load(path), parametres) for path in (ancienne, nouvelle))
    domain = invitation_domain()
    comparison = compare_policies(
        old, new, domain, InvitationOracle(domain), by_rule=regle, max_kinds=max_kinds
    )
    if output_format == "json":
        click.echo(json.dumps(json_output(comparison, old, new), ensure_ascii=False, indent=2))
    else:
        click.echo(text_output(comparison, old, new))
    if exemples is not None:
        names = [text.partition("=")[0].strip() for text in parametres]
        overrides = {n: new.parameters[n] for n in names if n in new.parameters}
        try:
            written = write_examples(exemples, comparison, new, overrides)
        except OSError as error:
            where = error.filename or exemples
            problem = click.ClickException(
                f"--exemples {exemples} : impossible d'écrire {where} : {os_reason(error)}."
            )
            problem.exit_code = 2  # 1 says « différentes »: the comparison itself is shown
            raise problem from None
        if output_format == "texte" and written:
            s = "s" if len(written) > 1 else ""
            click.echo(
                f"\n{len(written)} exemple{s} écrit{s} dans {exemples}, et les cas de test"
                f" correspondants pour la nouvelle politique : {exemples / 'differences.cas.toml'}"
            )
    ctx.exit(0 if comparison.equivalent else 1)
