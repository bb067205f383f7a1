"""What the analysis knows of the names a policy may read: types, relations, integrality.

The analysis works over any ``Vocabulary`` (the tests use small made-up ones, where every
fact is free); ``invitation_domain`` is the real one, with the relations declared in
``tamis.invitations.relations`` parsed and checked as tamis conditions. A ``Domain`` makes
``Universe`` objects that add a name's relations when its variables are first created.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from tamis.analysis import tri
from tamis.analysis.encode import Conditions
from tamis.analysis.universe import Base, Universe
from tamis.grammar import ast
from tamis.grammar.checked import CheckedPolicy
from tamis.grammar.load import load_policy
from tamis.grammar.vocabulary import Value, Vocabulary


@dataclass(frozen=True)
class Relation:
    """A name's declared relations, parsed and checked (``relations.Relations``)."""

    exact: ast.Expr | None
    always: tuple[ast.Expr, ...]
    scope: CheckedPolicy  # kinds and types of the names they read


@dataclass(frozen=True)
class Domain:
    vocabulary: Vocabulary
    relations: Mapping[str, Relation] = field(default_factory=dict)
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # fact -> parameters
    integers: frozenset[str] = frozenset()

    def universe(self) -> Universe:
        types = {name: spec.type for name, spec in self.vocabulary.names.items()}
        universe = Universe(types, self.integers)
        universe.on_new_base = lambda base, values: self._relate(universe, base, values)
        return universe

    def _relate(self, universe: Universe, base: Base, values: Mapping[str, Value]) -> None:
        relation = self.relations.get(base.name)
        if relation is None:
            return
        defaults = {name: spec.default for name, spec in self.vocabulary.parameters.items()}
        scope = relation.scope
        conditions = Conditions(
            universe, scope.kinds, scope.types, {**defaults, **values}, reads=self.reads
        )
        if relation.exact is not None:
            itself = conditions.tri(ast.Ref(base.name))
            universe.constraints.append(tri.same_value(itself, conditions.tri(relation.exact)))
        universe.constraints.extend(conditions.tri(c).true for c in relation.always)


def parse_relation(text: str, vocabulary: Vocabulary) -> CheckedPolicy:
    """A condition checked against ``vocabulary``; ``ValueError`` when it is not valid."""
    checked, diagnostics = load_policy(f"refuser si {text}\n", "<relation>", vocabulary)
    if checked is None:
        raise ValueError(f"relation invalide « {text} » : {diagnostics[0].message}")
    return checked


def relation(
    name: str, exact: str | None, always: tuple[str, ...], vocabulary: Vocabulary
) -> Relation:
    """``name``'s relations, parsed; ``exact`` is checked together with ``name`` itself."""
    texts = (*always, *((exact, name) if exact else ()))
    parsed = [parse_relation(text, vocabulary) for text in texts]
    conditions = tuple(p.rules[0].condition for p in parsed)
    if exact:
        return Relation(conditions[-2], conditions[:-2], _merged_scope(parsed))
    return Relation(None, conditions, _merged_scope(parsed))


def _merged_scope(parsed: list[CheckedPolicy]) -> CheckedPolicy:
    first = parsed[0]
    kinds = {k: v for p in parsed for k, v in p.kinds.items()}
    types = {k: v for p in parsed for k, v in p.types.items()}
    return CheckedPolicy(**{**first.__dict__, "kinds": kinds, "types": types})


@cache
def invitation_domain() -> Domain:
    """The real vocabulary of invitations, with every declared relation."""
    from tamis.invitations import relations
    from tamis.invitations.vocabulary import vocabulary

    words = vocabulary()
    declared = {**relations.FIELDS, **relations.FACTS}
    parsed = {
        name: relation(name, spec.exact, spec.always, words)
        for name, spec in declared.items()
        if name in words.names and (spec.exact or spec.always)
    }
    reads = {name: spec.parameters for name, spec in relations.FACTS.items()}
    return Domain(words, parsed, reads, relations.INTEGERS)


def free_domain(vocabulary: Vocabulary) -> Domain:
    """A vocabulary with no relations: every fact and field is free."""
    return Domain(vocabulary)
