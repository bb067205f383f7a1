"""The documented limits of one invitation, and the checks that enforce them while reading.

Sits inside the reader (``reader``, ``json_values``): a hostile or broken input costs only
the invitation it is in, never a crash or the whole batch. Each limit is in docs/faits.md
(« Limites ») and tested at the limit and one past it:

- an invitation (one JSON Lines line, one element of an array, one CSV line) holds at most
  ``MAX_CHARS`` characters;
- objects and lists nest at most ``MAX_DEPTH`` levels (an invitation needs four);
- a number must be finite (orjson refuses NaN and Infinity; ``_syntax`` names them); the
  counts' 18 digits at most are the model's (``models.MAX_DIGITS``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from tamis.grammar.numbers import group
from tamis.invitations.french import json_reason, not_utf8_at
from tamis.invitations.validation import record_name

MAX_CHARS = 1_048_576
MAX_DEPTH = 64

_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8 (surrogateescape)


class ReadError(Exception):
    """One invitation's text cannot be read: why (French), and for a JSON syntax error the
    line and column (from 1) within the text read."""

    def __init__(
        self, reason: str, line: int = 1, column: int | None = None, *, byte: int | None = None
    ) -> None:
        super().__init__(reason)
        self.reason, self.line, self.column, self.byte = reason, line, column, byte

    @property
    def problem(self) -> str:
        """The French message, the column included (the location names the line)."""
        if self.byte is not None:
            where = f"octet 0x{self.byte:02x} à la ligne {self.line}, colonne {self.column}"
            return f"le fichier {not_utf8_at(where)}"
        if self.column is None:
            return self.reason
        return f"JSON invalide, colonne {self.column} ({self.reason})"

    def shifted(self, line: int, column: int) -> ReadError:
        """The same error for a text that starts at ``line``, ``column`` of the input."""
        if self.column is None:
            return ReadError(self.reason, line)
        moved = self.column + column - 1 if self.line == 1 else self.column
        return ReadError(self.reason, line + self.line - 1, moved, byte=self.byte)


LONG_INVITATION = f"invitation trop longue : plus de {group(MAX_CHARS)} caractères"


TOO_DEEP = f"imbrication trop profonde : plus de {MAX_DEPTH} niveaux d'objets et de listes"


def decode(text: str) -> Any:
    """The JSON value of one invitation's ``text``, within the limits; raises ``ReadError``."""
    value = parse(text)
    check_depth(value, text)
    return value


def parse(text: str) -> Any:
    """The JSON value of ``text``, within the length limit but not yet the nesting one
    (``check_depth``); raises ``ReadError``. The reader checks the nesting only of values
    that are not plainly an invitation: one whose every key is a field has a few levels."""
    if len(text) > MAX_CHARS:
        raise ReadError(LONG_INVITATION)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise _syntax(error, text) from None


def check_depth(value: Any, text: str) -> None:
    """Raise ``ReadError`` naming the first field nested past ``MAX_DEPTH`` in ``value``
    (read from ``text``: fewer brackets than the limit need no walk)."""
    if text.count("{") + text.count("[") > MAX_DEPTH:
        deep = _first_path(value, lambda _item, level: level > MAX_DEPTH)
        if deep is not None:
            raise ReadError(_in_field(value, deep, TOO_DEEP))


def escaped_byte(text: str) -> tuple[int, int] | None:
    """``(index, byte)`` of the first byte of ``text`` that was not UTF-8 (read with
    ``surrogateescape``), or None."""
    escaped = _ESCAPED_BYTE.search(text)
    return None if escaped is None else (escaped.start(), ord(escaped[0]) - 0xDC00)


def _syntax(error: orjson.JSONDecodeError, text: str) -> ReadError:
    escaped = escaped_byte(text)
    if escaped is not None:
        start, byte = escaped
        line, column = text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
        return ReadError("UTF-8", line, column, byte=byte)
    if error.msg.startswith("depth limit"):
        return ReadError(TOO_DEEP)
    if _NOT_A_NUMBER.match(text, error.pos):
        return ReadError(_NAN, error.lineno, error.colno)
    return ReadError(json_reason(error.msg), error.lineno, error.colno)


_NOT_A_NUMBER = re.compile(r"-?(NaN|Infinity)")
_NAN = "NaN et Infinity ne sont pas des nombres JSON"


def _first_path(value: Any, found: Callable[[Any, int], bool]) -> str | None:
    """The path (« expediteur.x[2] ») of the first item, depth first, for which
    ``found(item, level)`` holds (the value itself is at level 1); without recursion."""
    stack: list[tuple[Any, int, str]] = [(value, 1, "")]
    while stack:
        item, level, path = stack.pop()
        if found(item, level):
            return path or "(racine)"
        if isinstance(item, dict):
            children = [(v, f"{path}.{k}" if path else str(k)) for k, v in item.items()]
        elif isinstance(item, list):
            children = [(v, f"{path}[{i}]") for i, v in enumerate(item)]
        else:
            continue
        stack.extend((child, level + 1, where) for child, where in reversed(children))
    return None


def _in_field(value: Any, path: str, problem: str) -> str:
    """« invitation « a », champ « x.y » : … », as validation words a field's problem; a
    long path is cut (the nesting itself can be the problem)."""
    shown = path if len(path) <= 40 else path[:39] + "…"
    name = record_name(value) if isinstance(value, dict) else "invitation"
    return f"{name}, champ « {shown} » : {problem}"
