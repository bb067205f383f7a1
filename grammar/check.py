"""The checker: AST -> ``CheckedPolicy`` plus every diagnostic, sorted by position.

Flow: policy text -> Lark tree -> AST -> **checked policy** -> compiled rules. Runs each
pass in turn, each reporting into one ``Reporter`` and none stopping at the first problem:

    check_decls   declarations, duplicates, clashes with the vocabulary
    check_names   every name resolved (did-you-mean for unknown ones)
    check_types   operators applied to the right types; regular expressions
    stratify      definition cycles; definitions ordered after what they read
    check_rules   priorities versus résolution; hidden or contradictory rules; sinon
    check_usage   unused definitions and parameters

The ``CheckedPolicy`` is built only when no error was found.
"""

from __future__ import annotations

from tamis.grammar import ast
from tamis.grammar.ast import iter_refs
from tamis.grammar.check_bidi import report_direction_controls
from tamis.grammar.check_codes import Reporter
from tamis.grammar.check_decls import Declarations, gather, parameter_value
from tamis.grammar.check_names import Scope, check_names, conditions
from tamis.grammar.check_rules import check_rules
from tamis.grammar.check_types import TypeChecker
from tamis.grammar.check_usage import check_usage
from tamis.grammar.checked import CheckedPolicy, Kind
from tamis.grammar.diagnostics import Diagnostic
from tamis.grammar.stratify import dependencies, report_cycles, stratify
from tamis.grammar.vocabulary import Value, Vocabulary


def check_policy(
    policy: ast.Policy, vocabulary: Vocabulary, *, source: str, path: str
) -> tuple[CheckedPolicy | None, list[Diagnostic]]:
    """Check a parsed policy; the ``CheckedPolicy`` is None iff there is an error."""
    reporter = Reporter(path, source)
    decls = gather(policy, vocabulary, reporter)
    scope = Scope(decls, vocabulary)
    exprs = list(conditions(decls))
    check_names(scope, exprs, reporter)
    types = TypeChecker(scope, reporter)
    for expr in exprs:
        types.condition(expr)
    graph = dependencies(decls.definitions)
    report_cycles(decls.definitions, graph, reporter)
    check_rules(decls, reporter)
    check_usage(decls, graph, vocabulary, reporter)
    report_direction_controls(reporter)
    if reporter.has_errors:
        return None, reporter.sorted()
    ordered = tuple(stratify(decls.definitions, graph))
    return _checked(policy, decls, scope, ordered, source, path), reporter.sorted()


def _checked(
    policy: ast.Policy,
    decls: Declarations,
    scope: Scope,
    definitions: tuple[ast.Definition, ...],
    source: str,
    path: str,
) -> CheckedPolicy:
    kinds, types = _resolved(decls, scope)
    return CheckedPolicy(
        ast=policy,
        source=source,
        path=path,
        name=decls.name.name if decls.name else None,
        strategy=decls.strategy,
        parameters=effective_parameters(decls, scope.vocabulary),
        definitions=definitions,
        rules=tuple(decls.rules),
        default=decls.default.action if decls.default else ast.Action.EXAMINER,
        default_span=decls.default.span if decls.default else None,
        kinds=kinds,
        types=types,
        base_names=frozenset(n for n, k in kinds.items() if k in (Kind.FAIT, Kind.CHAMP)),
        builtin_parameters=dict(scope.vocabulary.parameters),
    )


def _resolved(decls: Declarations, scope: Scope) -> tuple[dict, dict]:
    """Kind and type of every name read, declared parameter and definition."""
    names = [ref.name for expr in conditions(decls) for ref in iter_refs(expr)]
    names += [*decls.parameters, *decls.definitions]
    kinds, types = {}, {}
    for name in dict.fromkeys(names):
        kind, type_ = scope.lookup(name)
        kinds[name] = kind
        if type_ is not None:
            types[name] = type_
    return kinds, types


def effective_parameters(decls: Declarations, vocabulary: Vocabulary) -> dict[str, Value]:
    """Built-in defaults from the vocabulary, overridden by the policy's ``paramètre`` values."""
    values: dict[str, Value] = {name: spec.default for name, spec in vocabulary.parameters.items()}
    values.update({name: parameter_value(p) for name, p in decls.parameters.items()})
    return values
