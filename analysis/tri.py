"""Kleene's strong three-valued logic in z3, as two rails: "is vrai" and "is faux".

The bottom of the analysis: every condition becomes a ``Tri`` whose ``true`` holds exactly
when the engine would evaluate it to vrai and ``false`` exactly when to faux; inconnu is
neither. The connectives mirror :mod:`tamis.engine.semantics` (``faux et inconnu`` is faux,
``vrai ou inconnu`` is vrai, ``non inconnu`` is inconnu), so the encoding is exact, not an
approximation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import z3


@dataclass(frozen=True)
class Tri:
    true: z3.BoolRef
    false: z3.BoolRef

    @property
    def known(self) -> z3.BoolRef:
        return z3.Or(self.true, self.false)

    @property
    def unknown(self) -> z3.BoolRef:
        return z3.And(z3.Not(self.true), z3.Not(self.false))

    def holds(self, value: bool | None) -> z3.BoolRef:
        """The formula "this evaluates to ``value``" (None: inconnu)."""
        if value is None:
            return self.unknown
        return self.true if value else self.false


def constant(value: bool | None, ctx: z3.Context) -> Tri:
    true, false = z3.BoolVal(True, ctx), z3.BoolVal(False, ctx)
    if value is None:
        return Tri(false, false)
    return Tri(true, false) if value else Tri(false, true)


def guarded(known: z3.BoolRef, value: z3.BoolRef) -> Tri:
    """A value that is inconnu unless ``known``, and then vrai exactly when ``value``."""
    return Tri(_and(known, value), _and(known, z3.Not(value)))


def not_(operand: Tri) -> Tri:
    return Tri(operand.false, operand.true)


def and_(operands: Iterable[Tri]) -> Tri:
    items = list(operands)
    return Tri(z3.And([o.true for o in items]), z3.Or([o.false for o in items]))


def or_(operands: Iterable[Tri]) -> Tri:
    items = list(operands)
    return Tri(z3.Or([o.true for o in items]), z3.And([o.false for o in items]))


def equal(left: Tri, right: Tri) -> Tri:
    """``left = right`` on truth values: inconnu when either is, else whether they agree."""
    same = z3.Or(z3.And(left.true, right.true), z3.And(left.false, right.false))
    different = z3.Or(z3.And(left.true, right.false), z3.And(left.false, right.true))
    return Tri(same, different)


def same_value(left: Tri, right: Tri) -> z3.BoolRef:
    """The two have the same value among vrai, faux, inconnu (a constraint, not a Tri)."""
    return z3.And(left.true == right.true, left.false == right.false)


def _and(known: z3.BoolRef, value: z3.BoolRef) -> z3.BoolRef:
    if z3.is_true(known):
        return value
    return z3.And(known, value)
