"""Negation normal form of tamis conditions under Kleene's strong three-valued logic.

Sits between the checked policy and the durable-rules translation (``durable_translate``): a
Rete engine only *matches* facts, it cannot test that something is absent without giving up
monotonicity. So each condition is asked two positive questions, "is it vrai?" and "is it
faux?", and each answer is a tree of ``AllOf`` / ``AnyOf`` over leaves that are themselves
positive and exact under Kleene logic. "Inconnu" is what is left when neither answer holds.

    condition(non (a et x > 5), True)   ->  AnyOf(Truth(a, False), Truth(x <= 5, True))
    condition(x entre 1 et 3, False)    ->  AllOf(Known(x), AnyOf(Truth(x < 1), Truth(x > 3)))

- ``non e`` is vrai exactly when ``e`` is faux, so negations vanish: ``non (a et b)`` becomes
  "a is faux or b is faux". An ordering or equality comparison is faux exactly when its operands
  are known and the opposite comparison holds (``non (x > 5)`` -> ``x <= 5``).
- Comparisons whose operands are booleans (``suspect = faux``, ``(a ou b) != c``, ``d dans
  [vrai]``) are expanded into truth tests of their operands, so derived facts and
  sub-conditions only ever appear as ``Truth`` leaves.
- ``est renseigné`` is never inconnu: it becomes ``Known`` or ``Unknown``. ``Unknown`` of a
  name is a positive test (the engine asserts unknown base values as facts without a value);
  ``Unknown`` of a derived fact or a sub-condition is the only non-monotonic leaf, and the
  translation handles it by stratification.
- Comparisons between literals only are folded to constants with :mod:`tamis.engine.semantics`.

Leaves: ``Truth(expr, value)`` (a boolean name or a comparison of values evaluates to exactly
``value``), ``Known(ref)``, ``Unknown(expr)``, ``Const``. Nodes are frozen and compare by
structure (spans excluded), so equal sub-trees can be shared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from tamis.engine import semantics
from tamis.grammar import ast
from tamis.grammar.vocabulary import Type, type_of


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class Truth:
    """``expr`` (a boolean ``Ref`` or a ``Compare`` of values) evaluates to exactly ``value``."""

    expr: ast.Expr
    value: bool


@dataclass(frozen=True)
class Known:
    """The name's value is known (``est renseigné``)."""

    ref: ast.Ref


@dataclass(frozen=True)
class Unknown:
    """``expr`` (a ``Ref`` or a boolean sub-condition) is inconnu."""

    expr: ast.Expr


@dataclass(frozen=True)
class AllOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


Leaf = Const | Truth | Known | Unknown
Node = Leaf | AllOf | AnyOf

NEGATED: dict[ast.Op, ast.Op] = {
    ast.Op.EQ: ast.Op.NE,
    ast.Op.NE: ast.Op.EQ,
    ast.Op.LT: ast.Op.GE,
    ast.Op.GE: ast.Op.LT,
    ast.Op.GT: ast.Op.LE,
    ast.Op.LE: ast.Op.GT,
}
"""The comparison that holds exactly when the key is faux (both operands known)."""

TypeOf = Callable[[str], Type | None]


def all_of(items: Iterable[Node]) -> Node:
    """Conjunction, flattened, without ``vrai`` items or duplicates; ``faux`` absorbs."""
    return _junction(AllOf, items, unit=True)


def any_of(items: Iterable[Node]) -> Node:
    """Disjunction, flattened, without ``faux`` items or duplicates; ``vrai`` absorbs."""
    return _junction(AnyOf, items, unit=False)


def _junction(kind: type[AllOf] | type[AnyOf], items: Iterable[Node], unit: bool) -> Node:
    kept: dict[Node, None] = {}
    for item in items:
        if isinstance(item, Const):
            if item.value is not unit:
                return item
            continue
        for part in item.items if isinstance(item, kind) else (item,):
            kept[part] = None
    if not kept:
        return Const(unit)
    return next(iter(kept)) if len(kept) == 1 else kind(tuple(kept))


@dataclass(frozen=True)
class Normalizer:
    """Builds the NNF of conditions; ``types`` gives the type of each name a policy reads."""

    types: Mapping[str, Type]

    def condition(self, expr: ast.Expr, value: bool) -> Node:
        """The tree that holds exactly when ``expr`` evaluates to ``value`` (vrai/faux)."""
        match expr:
            case ast.Literal(value=literal):
                return Const(literal is value)
            case ast.Ref():
                return Truth(expr, value)
            case ast.Not(operand=operand):
                return self.condition(operand, not value)
            case ast.And(operands=operands):
                parts = (self.condition(o, value) for o in operands)
                return all_of(parts) if value else any_of(parts)
            case ast.Or(operands=operands):
                parts = (self.condition(o, value) for o in operands)
                return any_of(parts) if value else all_of(parts)
            case ast.IsSet(subject=subject, negated=negated):
                return self.known(subject) if value is not negated else self.unknown(subject)
            case ast.Between():
                return self.between(expr, value)
            case ast.Compare():
                return self.compare(expr, value)
        raise TypeError(f"not a condition: {expr!r}")

    def known(self, expr: ast.Expr) -> Node:
        if isinstance(expr, ast.Literal | ast.ListLiteral):
            return Const(True)
        if isinstance(expr, ast.Ref):
            return Known(expr)
        return any_of([self.condition(expr, True), self.condition(expr, False)])

    def unknown(self, expr: ast.Expr) -> Node:
        if isinstance(expr, ast.Literal | ast.ListLiteral):
            return Const(False)
        return Unknown(expr)

    def between(self, expr: ast.Between, value: bool) -> Node:
        subject, low, high = expr.subject, expr.low, expr.high
        if value:
            return all_of([_cmp(ast.Op.GE, subject, low), _cmp(ast.Op.LE, subject, high)])
        outside = any_of([_cmp(ast.Op.LT, subject, low), _cmp(ast.Op.GT, subject, high)])
        return all_of([*(self.known(e) for e in (subject, low, high)), outside])

    def compare(self, expr: ast.Compare, value: bool) -> Node:
        if self.is_boolean(expr.left) or self.is_boolean(expr.right):
            return self.boolean_compare(expr, value)
        if _literal(expr.left) and _literal(expr.right):
            result = semantics.compare(expr.op, _value(expr.left), _value(expr.right))
            return Const(result is value)
        if expr.op in NEGATED:
            return _cmp(expr.op if value else NEGATED[expr.op], expr.left, expr.right)
        return Truth(expr, value)

    def boolean_compare(self, expr: ast.Compare, value: bool) -> Node:
        """``=``, ``!=`` and ``dans`` over truth values, as truth tests of the operands."""
        if expr.op is ast.Op.IN:
            items = expr.right.items if isinstance(expr.right, ast.ListLiteral) else ()
            equal = [self.equal(expr.left, item, value) for item in items]
            return any_of(equal) if value else all_of([self.known(expr.left), *equal])
        return self.equal(expr.left, expr.right, (expr.op is ast.Op.EQ) is value)

    def equal(self, left: ast.Expr, right: ast.Expr, value: bool) -> Node:
        """``left = right`` evaluates to ``value``: both known, and equal (or different)."""
        pairs = ((True, True), (False, False)) if value else ((True, False), (False, True))
        return any_of(all_of([self.condition(left, a), self.condition(right, b)]) for a, b in pairs)

    def is_boolean(self, expr: ast.Expr) -> bool:
        if isinstance(expr, ast.Ref):
            return self.types.get(expr.name) is Type.BOOLEEN
        if isinstance(expr, ast.Literal):
            return type_of(expr.value) is Type.BOOLEEN
        return not isinstance(expr, ast.ListLiteral)


def _cmp(op: ast.Op, left: ast.Expr, right: ast.Expr) -> Node:
    if _literal(left) and _literal(right):
        return Const(semantics.compare(op, _value(left), _value(right)) is True)
    return Truth(ast.Compare(op, left, right), True)


def _literal(expr: ast.Expr) -> bool:
    return isinstance(expr, ast.Literal | ast.ListLiteral)


def _value(expr: ast.Expr) -> object:
    if isinstance(expr, ast.ListLiteral):
        return tuple(item.value for item in expr.items)
    return expr.value  # type: ignore[union-attr]
