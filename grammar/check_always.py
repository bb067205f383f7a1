"""Detect conditions that are decided before any invitation is read (always true or false).

Used by the rule pass for the "rule that can never decide" and "never true" warnings. Only
what is certain under three-valued logic counts: ``vrai``/``faux``, comparisons between
literals, presence tests (never unknown) and their combinations. ``a ou non a`` is *not*
always true: it is unknown when ``a`` is.
"""

from __future__ import annotations

import operator

from tamis.grammar import ast
from tamis.grammar.vocabulary import Type, type_of

_COMPARE = {
    ast.Op.EQ: operator.eq,
    ast.Op.NE: operator.ne,
    ast.Op.LT: operator.lt,
    ast.Op.LE: operator.le,
    ast.Op.GT: operator.gt,
    ast.Op.GE: operator.ge,
}


def constant(expr: ast.Expr) -> bool | None:
    """True or False when ``expr`` has that value for every invitation, else None."""
    match expr:
        case ast.Literal(value=bool() as value):
            return value
        case ast.Not(operand=operand):
            inner = constant(operand)
            return None if inner is None else not inner
        case ast.And(operands=operands):
            return _combine(operands, absorbing=False)
        case ast.Or(operands=operands):
            return _combine(operands, absorbing=True)
        case ast.IsSet(subject=ast.Literal() | ast.ListLiteral(), negated=negated):
            return not negated
        case ast.Compare(left=ast.Literal() as left, right=ast.Literal() as right):
            return _literal_compare(expr.op, left.value, right.value)
    return None


def _combine(operands: tuple[ast.Expr, ...], *, absorbing: bool) -> bool | None:
    """``ou`` (absorbing=True) / ``et`` (absorbing=False) over constant operands."""
    values = [constant(o) for o in operands]
    if absorbing in values or _opposite_presence(operands):
        return absorbing
    if all(v is (not absorbing) for v in values):
        return not absorbing
    return None


def _opposite_presence(operands: tuple[ast.Expr, ...]) -> bool:
    """``x est renseigné`` next to ``x n'est pas renseigné`` in the same et/ou."""
    tests = {(o.subject, o.negated) for o in operands if isinstance(o, ast.IsSet)}
    return any((subject, not negated) in tests for subject, negated in tests)


def _literal_compare(op: ast.Op, left: object, right: object) -> bool | None:
    compare = _COMPARE.get(op)
    kinds = {type_of(left), type_of(right)}
    if compare is None or len(kinds) != 1:
        return None
    if op not in (ast.Op.EQ, ast.Op.NE) and kinds != {Type.NOMBRE}:
        return None
    return bool(compare(left, right))
