"""What every operator means, with *inconnu* (``None``) as a third truth value.

The one definition of tamis semantics, shared by the compiled native engine (which inlines
the simple cases and calls these functions for the others), the durable-rules engine, and the
trace, which re-evaluates conditions node by node. Nothing here knows about policies.

- ``et``, ``ou``, ``non`` follow Kleene's strong logic: ``faux et inconnu`` is faux,
  ``vrai ou inconnu`` is vrai, ``non inconnu`` is inconnu.
- A comparison with an unknown operand is unknown; ``est renseigné`` is never unknown.
- ``=`` and ``dans`` compare exactly; ``contient``, ``commence par`` ignore case (Unicode
  case folding) but not accents; ``correspond à`` is RE2's search (linear time, see
  ``grammar.regex``); ``entre`` is inclusive.
- On a list (``liste``) subject, ``contient`` is membership, and ``commence par``,
  ``correspond à`` and ``dans`` hold when one item does.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable

from tamis.grammar.ast import Op
from tamis.grammar.regex import Pattern, compile_pattern
from tamis.grammar.vocabulary import Value

Truth = bool | None
"""A condition's value: vrai (True), faux (False) or inconnu (None)."""


def truth_word(value: Truth) -> str:
    """The French word for a truth value."""
    return "inconnu" if value is None else ("vrai" if value else "faux")


# --- Kleene logic -------------------------------------------------------------


def not_(value: Truth) -> Truth:
    return None if value is None else not value


def and_(values: Iterable[Truth]) -> Truth:
    """Faux as soon as one operand is faux; else inconnu if one is inconnu; else vrai."""
    result: Truth = True
    for value in values:
        if value is False:
            return False
        if value is None:
            result = None
    return result


def or_(values: Iterable[Truth]) -> Truth:
    """Vrai as soon as one operand is vrai; else inconnu if one is inconnu; else faux."""
    result: Truth = False
    for value in values:
        if value is True:
            return True
        if value is None:
            result = None
    return result


def is_set(value: Value) -> bool:
    """``est renseigné``: the value is known. Never unknown."""
    return value is not None


# --- comparisons (inconnu in, inconnu out) -------------------------------------


LISTS = (tuple, list)
"""Run-time list values are tuples; lists are accepted too."""


def _texts(subject: Value) -> tuple[str, ...]:
    return subject if isinstance(subject, LISTS) else (subject,)  # type: ignore[return-value]


def contains(subject: Value, needle: Value) -> Truth:
    """Text: case-insensitive substring. List: case-insensitive membership."""
    if subject is None or needle is None:
        return None
    folded = needle.casefold()  # type: ignore[union-attr]
    if isinstance(subject, LISTS):
        return any(item.casefold() == folded for item in subject)
    return folded in subject.casefold()  # type: ignore[union-attr]


def starts_with(subject: Value, prefix: Value) -> Truth:
    """Case-insensitive prefix test; on a list, true when one item starts so."""
    if subject is None or prefix is None:
        return None
    folded = prefix.casefold()  # type: ignore[union-attr]
    return any(text.casefold().startswith(folded) for text in _texts(subject))


def compiled(pattern: str) -> Pattern:
    """A pattern compiled once by RE2 (literal patterns are also compiled ahead by the engine)."""
    return compile_pattern(pattern)


def matches(subject: Value, pattern: Value | Pattern) -> Truth:
    """A search anywhere in the text; on a list, true when one item matches."""
    if subject is None or pattern is None:
        return None
    regex = compiled(pattern) if isinstance(pattern, str) else pattern
    return any(regex.search(text) is not None for text in _texts(subject))  # type: ignore[union-attr]


def is_in(subject: Value, items: Value) -> Truth:
    """``dans``: the subject equals one of the items (exactly); a list subject shares one."""
    if subject is None or items is None:
        return None
    if isinstance(subject, LISTS):
        return any(item in items for item in subject)  # type: ignore[operator]
    return subject in items  # type: ignore[operator]


def between(subject: Value, low: Value, high: Value) -> Truth:
    """``entre low et high``, both bounds included."""
    if subject is None or low is None or high is None:
        return None
    return low <= subject <= high  # type: ignore[operator]


def _strict(function: Callable[[Value, Value], bool]) -> Callable[[Value, Value], Truth]:
    def compare(left: Value, right: Value) -> Truth:
        if left is None or right is None:
            return None
        return function(left, right)

    compare.__name__ = function.__name__
    return compare


COMPARATORS: dict[Op, Callable[[Value, Value], Truth]] = {
    Op.EQ: _strict(operator.eq),
    Op.NE: _strict(operator.ne),
    Op.LT: _strict(operator.lt),
    Op.LE: _strict(operator.le),
    Op.GT: _strict(operator.gt),
    Op.GE: _strict(operator.ge),
    Op.CONTAINS: contains,
    Op.STARTS_WITH: starts_with,
    Op.MATCHES: matches,
    Op.IN: is_in,
}
"""Each binary operator as a function of its two operand values."""


def compare(op: Op, left: Value, right: Value) -> Truth:
    return COMPARATORS[op](left, right)
