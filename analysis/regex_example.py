"""A short text that a regular expression finds, for building counterexamples.

``correspond à`` is an atom for the solver; when the answer needs it vrai, a concrete
invitation needs a text that the pattern matches. This walks the parsed pattern (Python's own
``re`` parser) and writes the shortest obvious match; ``None`` when a construct is beyond it
(look-arounds, back-references). The caller always checks the result with ``re.search``.
"""

from __future__ import annotations

import re
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

_CATEGORY = {
    c.CATEGORY_DIGIT: "0",
    c.CATEGORY_NOT_DIGIT: "a",
    c.CATEGORY_SPACE: " ",
    c.CATEGORY_NOT_SPACE: "a",
    c.CATEGORY_WORD: "a",
    c.CATEGORY_NOT_WORD: " ",
}


class _Unsupported(Exception):
    pass


def example(pattern: str) -> str | None:
    """A text ``pattern`` matches, or None."""
    try:
        text = _walk(_parser.parse(pattern))
    except (_Unsupported, re.error, RecursionError):
        return None
    return text if re.search(pattern, text) else None


def _walk(items) -> str:
    return "".join(_item(op, argument) for op, argument in items)


def _item(op, argument) -> str:
    if op is c.LITERAL:
        return chr(argument)
    if op is c.NOT_LITERAL:
        return "a" if chr(argument) != "a" else "b"
    if op is c.ANY:
        return "a"
    if op is c.IN:
        return _in(argument)
    if op is c.BRANCH:
        return _walk(argument[1][0])
    if op is c.SUBPATTERN:
        return _walk(argument[-1])
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        low, _, body = argument
        return _walk(body) * max(low, 0)
    if op is c.ATOMIC_GROUP:
        return _walk(argument)
    if op is c.AT:
        return ""
    raise _Unsupported(op)


def _in(items) -> str:
    if items and items[0][0] is c.NEGATE:
        excluded = "".join(_in([item]) for item in items[1:] if item[0] is not c.NEGATE)
        return next(ch for ch in "aZ0 _-" if ch not in excluded)
    op, argument = items[0]
    if op is c.LITERAL:
        return chr(argument)
    if op is c.RANGE:
        return chr(argument[0])
    if op is c.CATEGORY:
        return _CATEGORY.get(argument, "a")
    raise _Unsupported(op)
