"""Name pass: resolve every ``Ref`` to a parameter, definition, built-in fact or field.

Reads ``Declarations`` and the ``Vocabulary``; reports unknown names with a did-you-mean
hint. The resulting ``Scope`` gives each name its ``Kind`` and ``Type`` for the type pass
and for the ``CheckedPolicy``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tamis.grammar import ast
from tamis.grammar.check_codes import Reporter
from tamis.grammar.check_decls import Declarations, parameter_type
from tamis.grammar.check_words import quote
from tamis.grammar.checked import Kind
from tamis.grammar.suggest import hint_for
from tamis.grammar.vocabulary import Type, Vocabulary


@dataclass(frozen=True)
class Scope:
    """What each name means in one policy: the policy's own names shadow the vocabulary's."""

    decls: Declarations
    vocabulary: Vocabulary

    def lookup(self, name: str) -> tuple[Kind, Type | None] | None:
        if name in self.decls.definitions:
            return Kind.DEFINI, Type.BOOLEEN
        if name in self.vocabulary.parameters:  # a wrong-typed override is reported once (E027)
            return Kind.PARAMETRE, self.vocabulary.parameters[name].type
        if name in self.decls.parameters and name not in self.vocabulary.names:
            return Kind.PARAMETRE, parameter_type(self.decls.parameters[name])
        spec = self.vocabulary.names.get(name)
        if spec is not None:
            return (Kind.CHAMP if spec.is_field else Kind.FAIT), spec.type
        return None

    def type_of(self, name: str) -> Type | None:
        found = self.lookup(name)
        return found[1] if found else None

    def candidates(self) -> list[str]:
        return [*self.vocabulary.known(), *self.decls.parameters, *self.decls.definitions]


def conditions(decls: Declarations) -> Iterator[ast.Expr]:
    """Every condition of the policy: definitions first, then rules, in file order."""
    for definition in decls.all_definitions:
        yield definition.condition
    for rule in decls.rules:
        yield rule.condition


def check_names(scope: Scope, exprs: Iterable[ast.Expr], reporter: Reporter) -> None:
    """Report every reference to a name the policy and the vocabulary do not know."""
    for expr in exprs:
        for ref in ast.iter_refs(expr):
            if scope.lookup(ref.name) is None:
                _unknown(scope, ref, reporter)


def _unknown(scope: Scope, ref: ast.Ref, reporter: Reporter) -> None:
    hint = hint_for(ref.name, scope.candidates())
    if "." in ref.name:
        reporter.report("E012", f"champ inconnu {quote(ref.name)}", ref.span, hint)
    else:
        reporter.report("E011", f"fait ou paramètre inconnu {quote(ref.name)}", ref.span, hint)
