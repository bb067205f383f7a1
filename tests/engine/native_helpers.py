"""Helpers for the native engine tests: a ``CheckedPolicy`` from an AST or from text.

The engine is tested on its own contract (``CheckedPolicy``), independently of the checker:
``build`` resolves names the way the checker does (définir > paramètre > base fact or field),
types them from a small vocabulary, and puts definitions in stratified order.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from tamis.grammar import ast
from tamis.grammar.checked import CheckedPolicy, Kind
from tamis.grammar.load import load_policy
from tamis.grammar.vocabulary import Type, Value, type_of
from tamis.invitations.vocabulary import vocabulary

TYPES: dict[str, Type] = {
    "sans_photo": Type.BOOLEEN,
    "connu": Type.BOOLEEN,
    "pertinent": Type.BOOLEEN,
    "sans_recommandations": Type.BOOLEEN,
    "message_par_defaut": Type.BOOLEEN,
    "expediteur.photo": Type.BOOLEEN,
    "expediteur.connexions": Type.NOMBRE,
    "expediteur.relations_communes": Type.NOMBRE,
    "expediteur.titre": Type.TEXTE,
    "expediteur.secteur": Type.TEXTE,
    "message": Type.TEXTE,
    "expediteur.competences": Type.LISTE,
}
"""Base facts and fields the hand-built policies may read."""

DEFAULTS: dict[str, Value] = {"connexions_min": 50, "vedette_min": 10000}
"""Built-in parameter defaults, as a vocabulary would give them."""


def refs(expr: ast.Expr) -> Iterator[str]:
    """Every name an expression reads, in order."""
    if isinstance(expr, ast.Ref):
        yield expr.name
    for child in ast.children(expr):
        yield from refs(child)


def build(
    *statements: ast.Statement,
    types: Mapping[str, Type] = TYPES,
    defaults: Mapping[str, Value] = DEFAULTS,
    source: str = "",
) -> CheckedPolicy:
    """A checked policy from statements (no diagnostics: the statements must be valid)."""
    of = {kind: [s for s in statements if isinstance(s, kind)] for kind in _STATEMENT_KINDS}
    parameters = {**defaults, **{p.name: _literal(p.value) for p in of[ast.Parameter]}}
    definitions = _stratify(of[ast.Definition])
    kinds, name_types = _resolve(statements, parameters, {d.name for d in definitions}, types)
    strategy = of[ast.Resolution][-1].strategy if of[ast.Resolution] else None
    default = of[ast.Default][-1] if of[ast.Default] else None
    return CheckedPolicy(
        ast=ast.Policy(tuple(statements)),
        source=source,
        path="<test>",
        name=of[ast.PolicyName][0].name if of[ast.PolicyName] else None,
        strategy=strategy or ast.Strategy.PREMIERE_APPLICABLE,
        parameters=parameters,
        definitions=definitions,
        rules=tuple(of[ast.Rule]),
        default=default.action if default else ast.Action.EXAMINER,
        default_span=default.span if default else None,
        kinds=kinds,
        types=name_types,
        base_names=frozenset(n for n, k in kinds.items() if k in (Kind.FAIT, Kind.CHAMP)),
    )


_STATEMENT_KINDS = (ast.PolicyName, ast.Resolution, ast.Parameter, ast.Definition, ast.Rule)
_STATEMENT_KINDS += (ast.Default,)


def _literal(value: ast.Literal | ast.ListLiteral) -> Value:
    if isinstance(value, ast.ListLiteral):
        return tuple(item.value for item in value.items)  # type: ignore[misc]
    return value.value


def _resolve(statements, parameters, defined, types):
    kinds: dict[str, Kind] = {}
    name_types: dict[str, Type] = {}
    conditions = [s.condition for s in statements if isinstance(s, ast.Definition | ast.Rule)]
    for name in (n for c in conditions for n in refs(c)):
        if name in defined:
            kinds[name], name_types[name] = Kind.DEFINI, Type.BOOLEEN
        elif name in parameters:
            kinds[name], name_types[name] = Kind.PARAMETRE, type_of(parameters[name])
        else:
            kinds[name] = Kind.CHAMP if "." in name else Kind.FAIT
            name_types[name] = types[name]
    return kinds, name_types


def _stratify(definitions: list[ast.Definition]) -> tuple[ast.Definition, ...]:
    by_name = {d.name: d for d in definitions}
    ordered: list[ast.Definition] = []

    def visit(definition: ast.Definition) -> None:
        if definition in ordered:
            return
        for name in refs(definition.condition):
            if name in by_name and name != definition.name:
                visit(by_name[name])
        ordered.append(definition)

    for definition in definitions:
        visit(definition)
    return tuple(ordered)


def load(source: str) -> CheckedPolicy:
    """A checked policy from text, through the real parser, checker and vocabulary."""
    policy, diagnostics = load_policy(source, "politique.tamis", vocabulary())
    assert policy is not None, [d.message for d in diagnostics]
    return policy
