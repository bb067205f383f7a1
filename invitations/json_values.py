"""JSON values read one at a time from a ``Source``: the elements of a JSON array, or JSON
texts one after another (a pretty-printed invitation, several of them).

Sits under ``reader``: memory holds the value being read and what is left of the current
piece, never the whole array. ``json``'s scanner finds where each value ends (it is retried
with more text when the value was cut at the end of what was read: an unterminated string,
or an error within the last few characters); the value's text is then handed to
``limits.decode``, so an element obeys exactly the rules of a JSON Lines line. A value that
grows past the invitation limit, or nests deeper than ``json``'s scanner can follow, ends
the reading with a ``ReadError`` at its line: after it, nothing tells where the next one starts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tamis.invitations.french import json_reason
from tamis.invitations.limits import LONG_INVITATION, MAX_CHARS, ReadError
from tamis.invitations.source import CHUNK, Source

_SPACE = " \t\n\r"
_DECODER = json.JSONDecoder()
_CUT_NEAR_END = 8  # a literal or a number cut by the end of a piece fails this close to it
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')  # texts, or brackets outside them
_DEPTH_CHANGE = {"[": 1, "{": 1, "]": -1, "}": -1}
EMPTY_ELEMENT = "virgule en trop : élément vide"
LAST_COMMA = "virgule en trop avant « ] »"


@dataclass(frozen=True)
class Text:
    """The text of one value, where it starts (line from 1) and, for an array, its rank."""

    text: str
    line: int
    column: int
    element: int | None = None


class Values:
    """Reads values from ``source`` from its current position, line numbers included."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.text, self.pos, self.eof = "", 0, False
        self._line, self._counted = 1, 0  # line number at index ``_counted``
        self._dropped = 0  # characters of the line at index 0 dropped before it
        self._dropped_before = 0  # characters of the input dropped before index 0

    def array(self) -> Iterator[Text | ReadError]:
        """The elements of the array that starts here (« [ » next); stops past its « ] ».

        A comma with no value before it (« [, », « ,, ») or after it (« ,] ») is not JSON:
        it comes as a ``ReadError`` at its place, once per run of commas, and the elements
        around it are read all the same (nothing is lost of where the next one starts)."""
        self.next_char()
        self.pos += 1
        char, element = self.next_char(), 0
        while char != "]":
            if char == ",":
                yield self._at(EMPTY_ELEMENT, self.pos)
                char = self.next_char(skipping=",")
                continue
            if char == "":
                raise self._error("Expecting value", self.pos)
            element += 1
            yield self._value(element)
            char = self.next_char()
            if char == ",":
                comma = self._dropped_before + self.pos
                self.pos += 1
                char = self.next_char()
                if char == "]":  # at the comma, or at « ] » if the comma's line was dropped
                    kept = comma - self._dropped_before
                    yield self._at(LAST_COMMA, kept if kept >= 0 else self.pos)
                elif char == ",":
                    yield self._at(EMPTY_ELEMENT, self.pos)
                    char = self.next_char(skipping=",")
            elif char != "]":
                raise self._error("Expecting ',' delimiter", self.pos)
        self.pos += 1

    def sequence(self) -> Iterator[Text]:
        """JSON texts one after another, until the end of the input."""
        while self.next_char():
            yield self._value(None)

    def next_char(self, skipping: str = "") -> str:
        """The next character that is not blank (nor in ``skipping``); "" at the end."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _SPACE + skipping:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._more():
                return ""

    def rest(self) -> Text:
        """What is left of the text read, from the value being read (to word an error)."""
        line, column = self._place(self.pos)
        return Text(self.text[self.pos :], line, column)

    def _value(self, element: int | None) -> Text:
        """The value at ``pos`` (``pos`` stays at its start until it is read: reading more
        may drop the text before it, and ``pos`` follows)."""
        while True:
            start = self.pos
            try:
                _, end = _DECODER.raw_decode(self.text, start)
            except json.JSONDecodeError as error:
                if self._cut(error) and self._grow(start):
                    continue
                raise self._error(error.msg, error.pos) from None
            except RecursionError:
                end = self._nested_end()
                start = self.pos
            if end == len(self.text) and self._grow(start):
                continue
            line, column = self._place(start)
            self.pos = end
            return Text(self.text[start:end], line, column, element)

    def _nested_end(self) -> int:
        """Where the value at ``pos``, too deeply nested for ``json``'s scanner, ends:
        brackets counted outside texts, without recursion (``limits.decode`` then refuses
        it alone). Raises at the limit or at the end of the input."""
        while True:
            depth, start = 0, self.pos
            for token in _TOKENS.finditer(self.text, start):
                depth += _DEPTH_CHANGE.get(token[0], 0)
                if depth == 0:
                    return token.end()
            if not self._grow(start):
                raise self._error("Expecting ',' delimiter", len(self.text))

    def _cut(self, error: json.JSONDecodeError) -> bool:
        """Whether more text could mend ``error`` (the value ran into the end of the text)."""
        near_end = len(self.text) - error.pos <= _CUT_NEAR_END
        return not self.eof and (near_end or error.msg.startswith("Unterminated string"))

    def _grow(self, start: int) -> bool:
        """Read more for the value at ``start``; False at the end. Raises past the limit."""
        if len(self.text) - start > MAX_CHARS:
            line, _ = self._place(start)
            raise ReadError(LONG_INVITATION, line)
        return self._more()

    def _more(self) -> bool:
        """Append at least ``CHUNK`` characters (fewer at the end), dropping what was read."""
        if self.eof:
            return False
        cut = self.text.rfind("\n", 0, self.pos) + 1  # keep the line: columns stay right
        if cut > CHUNK:
            self._line, _ = self._place(cut)
            self._drop(cut)
            self._dropped = 0
        elif self.pos > 4 * CHUNK:  # a long line read past (blanks): drop it all the same
            self._line, column = self._place(self.pos)
            self._drop(self.pos)
            self._dropped = column - 1
        added = 0
        while added < CHUNK:
            piece = self.source.piece()
            if not piece:
                self.eof = True
                break
            self.text += piece
            added += len(piece)
        return added > 0

    def _drop(self, cut: int) -> None:
        self.text, self.pos, self._counted = self.text[cut:], self.pos - cut, 0
        self._dropped_before += cut

    def _place(self, index: int) -> tuple[int, int]:
        """(line, column), both from 1, of ``index``; counts forward from the last index."""
        if index >= self._counted:
            self._line += self.text.count("\n", self._counted, index)
            self._counted = index
            line = self._line
        else:
            line = self._line - self.text.count("\n", index, self._counted)
        newline = self.text.rfind("\n", 0, index)
        return line, index - newline + (self._dropped if newline < 0 else 0)

    def _error(self, message: str, index: int) -> ReadError:
        """The error ``json`` words as ``message``, at ``index``."""
        return self._at(json_reason(message), index)

    def _at(self, reason: str, index: int) -> ReadError:
        line, column = self._place(index)
        return ReadError(reason, line, column)
