"""First checking pass: gather the policy's declarations and report clashes between them.

AST -> ``Declarations`` (header, strategy, parameters, definitions, rules, ``sinon``).
Reports statements written twice, duplicate names, a parameter and a definition sharing a
name, names that collide with the vocabulary, and built-in parameters given a value of the
wrong type. Later passes (names, types, definitions, rules) read ``Declarations``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tamis.grammar import ast
from tamis.grammar.check_codes import Reporter, span_of
from tamis.grammar.check_lists import report_glued_numbers
from tamis.grammar.check_words import at_line, quote
from tamis.grammar.vocabulary import Type, Value, Vocabulary, type_of


@dataclass
class Declarations:
    name: ast.PolicyName | None = None
    resolution: ast.Resolution | None = None
    default: ast.Default | None = None
    parameters: dict[str, ast.Parameter] = field(default_factory=dict)
    definitions: dict[str, ast.Definition] = field(default_factory=dict)  # first of each name
    all_definitions: list[ast.Definition] = field(default_factory=list)  # duplicates too
    rules: list[ast.Rule] = field(default_factory=list)
    rule_names: dict[str, ast.Rule] = field(default_factory=dict)  # first rule of each name

    @property
    def strategy(self) -> ast.Strategy:
        return self.resolution.strategy if self.resolution else ast.Strategy.PREMIERE_APPLICABLE


def parameter_value(parameter: ast.Parameter) -> Value:
    """The run-time value of a ``paramètre`` (a list becomes a tuple)."""
    if isinstance(parameter.value, ast.ListLiteral):
        return tuple(item.value for item in parameter.value.items)
    return parameter.value.value


def parameter_type(parameter: ast.Parameter) -> Type | None:
    if isinstance(parameter.value, ast.ListLiteral):
        return Type.LISTE
    return type_of(parameter.value.value)


def gather(policy: ast.Policy, vocabulary: Vocabulary, reporter: Reporter) -> Declarations:
    """Walk the statements once, in file order, and report every clash."""
    decls = Declarations()
    handlers = {
        ast.PolicyName: _policy_name,
        ast.Resolution: _resolution,
        ast.Default: _default,
        ast.Parameter: _parameter,
        ast.Definition: _definition,
        ast.Rule: _rule,
    }
    for statement in policy.statements:
        handlers[type(statement)](statement, decls, vocabulary, reporter)
    return decls


def _twice(reporter: Reporter, code: str, keyword: str, first: ast.Node, again: ast.Node) -> None:
    reporter.report(
        code,
        f"l'instruction {quote(keyword)} apparaît plus d'une fois",
        again.span,
        f"elle est déjà écrite {at_line(first)} ; gardez-en une seule",
    )


def _policy_name(statement, decls, vocabulary, reporter) -> None:
    if decls.name is not None:
        _twice(reporter, "E010", "politique", decls.name, statement)
    else:
        decls.name = statement


def _resolution(statement, decls, vocabulary, reporter) -> None:
    if decls.resolution is not None:
        _twice(reporter, "E030", "résolution", decls.resolution, statement)
    else:
        decls.resolution = statement


def _default(statement, decls, vocabulary, reporter) -> None:
    if decls.default is not None:
        _twice(reporter, "E031", "sinon", decls.default, statement)
    else:
        decls.default = statement


def _rule(rule: ast.Rule, decls: Declarations, vocabulary, reporter: Reporter) -> None:
    if rule.name is not None:
        first = decls.rule_names.setdefault(rule.name, rule)
        if first is not rule:
            reporter.report(
                "E023",
                f"une autre règle s'appelle déjà {quote(rule.name)}",
                rule.span,
                f"la première est {at_line(first)} ; donnez un nom différent à chaque règle",
            )
    decls.rules.append(rule)


def _parameter(parameter: ast.Parameter, decls: Declarations, vocabulary, reporter) -> None:
    span = span_of(parameter, parameter.name_span)
    name = parameter.name
    if name in decls.parameters:
        first = decls.parameters[name]
        reporter.report(
            "E025",
            f"le paramètre {quote(name)} est déjà déclaré",
            span,
            f"première déclaration {at_line(first)} ; gardez-en une seule",
        )
        return
    if name in decls.definitions:
        _same_name(reporter, span, name, decls.definitions[name])
    if name in vocabulary.names:
        _parameter_shadows_name(reporter, span, name, vocabulary)
    _check_parameter_value(parameter, vocabulary, reporter)
    decls.parameters[name] = parameter


def _same_name(reporter: Reporter, span, name: str, other: ast.Node) -> None:
    reporter.report(
        "E026",
        f"{quote(name)} est à la fois un paramètre et une définition",
        span,
        f"l'autre déclaration est {at_line(other)} ; renommez l'une des deux",
    )


def _parameter_shadows_name(reporter: Reporter, span, name: str, vocabulary: Vocabulary) -> None:
    spec = vocabulary.names[name]
    what = "champ" if spec.is_field else "fait intégré"
    reporter.report(
        "E034",
        f"le paramètre {quote(name)} porte le nom d'un {what}",
        span,
        f"{quote(name)} désigne déjà : {spec.description} ; choisissez un autre nom",
    )


def _check_parameter_value(parameter: ast.Parameter, vocabulary: Vocabulary, reporter) -> None:
    if isinstance(parameter.value, ast.ListLiteral):
        report_glued_numbers(parameter.value.items, reporter)
        for item in parameter.value.items:
            if not isinstance(item.value, str):
                reporter.report(
                    "E036",
                    f"la liste du paramètre {quote(parameter.name)} ne doit contenir que du texte",
                    item.span,
                    'écrivez chaque élément entre guillemets, par exemple « "vente" »',
                )
    spec = vocabulary.parameters.get(parameter.name)
    actual = parameter_type(parameter)
    if spec is not None and actual is not None and actual is not spec.type:
        reporter.report(
            "E027",
            f"le paramètre intégré {quote(parameter.name)} attend une valeur de type "
            f"{spec.type.value}, pas de type {actual.value}",
            parameter.value.span,
            f"par défaut, {quote(parameter.name)} vaut {spec.default!r} ({spec.description})",
        )
    elif spec is not None and (problem := spec.bounds_problem(parameter_value(parameter))):
        reporter.report(
            "E038",
            f"le paramètre intégré {quote(parameter.name)} {problem}",
            parameter.value.span,
            f"par défaut, {quote(parameter.name)} vaut {spec.default!r} ({spec.description})",
        )


def _definition(definition: ast.Definition, decls: Declarations, vocabulary, reporter) -> None:
    span = span_of(definition, definition.name_span)
    name = definition.name
    decls.all_definitions.append(definition)
    if name in decls.definitions:
        first = decls.definitions[name]
        reporter.report(
            "E024",
            f"{quote(name)} est déjà défini",
            span,
            f"première définition {at_line(first)} ; gardez-en une seule ou renommez-la",
        )
        return
    if name in decls.parameters:
        _same_name(reporter, span, name, decls.parameters[name])
    if name in vocabulary.parameters:
        reporter.report(
            "E035",
            f"la définition {quote(name)} porte le nom d'un paramètre intégré",
            span,
            f"choisissez un autre nom, ou écrivez « paramètre {name} = … » pour changer sa valeur",
        )
    elif name in vocabulary.names:
        _replaces_builtin(reporter, span, name, vocabulary)
    decls.definitions[name] = definition


def _replaces_builtin(reporter: Reporter, span, name: str, vocabulary: Vocabulary) -> None:
    spec = vocabulary.names[name]
    what = "le champ" if spec.is_field else "le fait intégré"
    reporter.report(
        "W006",
        f"la définition {quote(name)} remplace {what} du même nom",
        span,
        f"{what} {quote(name)} — {spec.description} — ne sera plus utilisé ; renommez la "
        "définition pour garder les deux",
    )
