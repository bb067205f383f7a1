"""Rule pass: priorities versus the resolution strategy, and rules that cannot decide.

Reads ``Declarations`` after the name and type passes. Errors: ``priorité`` without
``résolution priorité`` and the reverse. Warnings: a rule hidden by an earlier one under
``première_applicable``, two rules with the same condition and different actions, a
condition that is never true, no ``sinon``, no rule at all.
"""

from __future__ import annotations

from tamis.grammar import ast
from tamis.grammar.check_always import constant
from tamis.grammar.check_codes import Reporter
from tamis.grammar.check_decls import Declarations
from tamis.grammar.check_words import quote, rule_ref, rule_ref_at

FIRST = ast.Strategy.PREMIERE_APPLICABLE


def check_rules(decls: Declarations, reporter: Reporter) -> None:
    for rule in decls.rules:
        check_priority(rule, decls.strategy, reporter)
        if constant(rule.condition) is False:
            reporter.report(
                "W007",
                f"la condition de {rule_ref(rule)} n'est jamais vraie",
                rule.condition.span,
                "cette règle ne s'appliquera à aucune invitation ; corrigez ou supprimez-la",
            )
    check_shadowing(decls.rules, decls.strategy, reporter)
    check_default(decls, reporter)


def check_priority(rule: ast.Rule, strategy: ast.Strategy, reporter: Reporter) -> None:
    if rule.priority is not None and strategy is not ast.Strategy.PRIORITE:
        reporter.report(
            "E028",
            f"{rule_ref(rule)} a une priorité, mais la politique utilise "
            f"« résolution {strategy.value} »",
            rule.span,
            "ajoutez « résolution priorité » en tête de politique, ou retirez "
            f"« priorité {rule.priority} »",
        )
    elif rule.priority is None and strategy is ast.Strategy.PRIORITE:
        reporter.report(
            "E029",
            f"{rule_ref(rule)} n'a pas de priorité, alors que la politique utilise "
            "« résolution priorité »",
            rule.span,
            f'écrivez-la « règle "{rule.name or "nom"}" priorité 10 : {rule.action.value} si … »',
        )


def check_shadowing(rules: list[ast.Rule], strategy: ast.Strategy, reporter: Reporter) -> None:
    """At most one warning per rule, about the first earlier rule that hides or contradicts it.

    Linear: earlier rules are indexed by condition (hashing the AST, spans left out), keeping
    the first rule of each action, and the first always-true rule is remembered, so each
    rule looks up its candidates instead of comparing itself with every earlier rule.
    """
    first = strategy is FIRST
    by_condition: dict[ast.Expr, dict[ast.Action, int]] = {}  # first index of each action
    always: int | None = None  # index of the first always-true rule
    for index, rule in enumerate(rules):
        same = by_condition.setdefault(rule.condition, {})
        hiding = [i for action, i in same.items() if first or action is not rule.action]
        earliest = min([*hiding, *([] if always is None else [always])], default=None)
        if earliest is not None:
            _report_hidden(rules[earliest], rule, first, reporter)
        same.setdefault(rule.action, index)
        if first and always is None and constant(rule.condition) is True:
            always = index


def _report_hidden(earlier: ast.Rule, rule: ast.Rule, first: bool, reporter: Reporter) -> None:
    if earlier.condition == rule.condition and earlier.action is not rule.action:
        reporter.report(
            "W005",
            f"{rule_ref(rule)} a la même condition que {rule_ref_at(earlier)} "
            f"mais une autre action ({rule.action.value} au lieu de {earlier.action.value})",
            rule.span,
            "précisez les conditions ou supprimez l'une des deux"
            + (" ; telle quelle, seule la première décidera" if first else ""),
        )
    elif earlier.condition == rule.condition:
        _never_decides(rule, earlier, "a la même condition et passe avant elle", reporter)
    else:
        _never_decides(rule, earlier, "s'applique toujours et passe avant elle", reporter)


def _never_decides(rule: ast.Rule, earlier: ast.Rule, why: str, reporter: Reporter) -> None:
    reporter.report(
        "W004",
        f"{rule_ref(rule)} ne décidera jamais : {rule_ref_at(earlier)} {why}",
        rule.span,
        "avec « résolution première_applicable », la première règle vraie décide ; déplacez "
        "ou supprimez l'une des deux",
    )


def check_default(decls: Declarations, reporter: Reporter) -> None:
    if not decls.rules:
        action = decls.default.action.value if decls.default else "examiner"
        reporter.report(
            "W009",
            "la politique ne contient aucune règle de décision",
            _end_span(decls),
            f"toutes les invitations recevront la décision {quote(action)} ; ajoutez une règle, "
            "par exemple « refuser si sans_photo »",
        )
    elif decls.default is None:
        reporter.report(
            "W003",
            "la politique n'a pas de « sinon » : quand aucune règle ne s'applique, "
            "la décision sera « examiner »",
            _end_span(decls),
            "ajoutez « sinon examiner » (ou une autre action) à la fin de la politique "
            "pour rendre ce choix explicite",
        )


def _end_span(decls: Declarations) -> ast.Span:
    """Just after the last rule (where a ``sinon`` would go); the ``sinon`` or 1:1 without rules."""
    if not decls.rules:
        return decls.default.span if decls.default else ast.Span(1, 1, 1, 1)
    if not decls.rules[-1].span.line:
        return ast.Span(1, 1, 1, 1)
    end = decls.rules[-1].span
    return ast.Span(end.end_line, end.end_column, end.end_line, end.end_column, end.end, end.end)
