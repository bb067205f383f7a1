"""Where each key of a TOML document is written: the places behind test-file diagnostics.

``tomllib`` returns values without positions, so once it has accepted a document this
scanner walks the same text again and records, for every key path, the span of the key and
of its value. Paths are tuples of keys and array indexes, resolved like TOML does it:
``[[cas]]`` opens element ``("cas", n)``, and a later ``[cas.moi]`` or ``attendu.faits.x``
lands inside that element. The scanner trusts the syntax (``tomllib`` checked it first), so
it stays small: it only needs to skip strings, arrays and inline tables correctly.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass

from tamis.grammar.ast import Span

Path = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SPACE = " \t"


@dataclass(frozen=True)
class Place:
    """The key as written and its value (the whole header for a table)."""

    key: Span
    value: Span


class Places:
    """Every key path of a document with its ``Place``; ``near`` for a path not written."""

    def __init__(self, places: dict[Path, Place]) -> None:
        self._places = places

    def get(self, path: Path) -> Place | None:
        return self._places.get(path)

    def near(self, path: Path) -> Place | None:
        """The place of ``path``, else of its closest written ancestor (None: the file)."""
        for size in range(len(path), 0, -1):
            found = self._places.get(path[:size])
            if found is not None:
                return found
        return None


def locate(text: str) -> Places:
    """The places of every key of ``text``, a document ``tomllib`` accepted."""
    scanner = _Scanner(text)
    scanner.document()
    return Places(scanner.places)


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.places: dict[Path, Place] = {}
        self.tables: dict[Path, int] = {}  # array of tables -> elements seen so far
        self.current: Path = ()
        self._starts = [0] + [m.end() for m in re.finditer(r"\r\n|\n|\r", text)]

    # --- positions ---------------------------------------------------------------

    def span(self, start: int, end: int) -> Span:
        line, column = self._line_column(start)
        end_line, end_column = self._line_column(end)
        return Span(line, column, end_line, end_column, start, end)

    def _line_column(self, offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    # --- document ----------------------------------------------------------------

    def document(self) -> None:
        while self._skip_blank_lines():
            if self.text.startswith("[", self.pos):
                self._header()
            else:
                self._pair(self.current)

    def _skip_blank_lines(self) -> bool:
        """Skips spaces, newlines and comments; False at the end of the text."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif char == "#":
                self._skip_comment()
            else:
                return True
        return False

    def _skip_comment(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end

    def _header(self) -> None:
        start = self.pos
        is_array = self.text.startswith("[[", self.pos)
        self.pos += 2 if is_array else 1
        keys = self._keys()
        self.pos += 2 if is_array else 1
        if is_array:
            table = (*self._resolve(keys[:-1]), keys[-1])
            count = self.tables.get(table, 0)
            self.tables[table] = count + 1
            self.current = (*table, count)
        else:
            self.current = self._resolve(keys)
        header = self.span(start, self.pos)
        self.places.setdefault(self.current, Place(header, header))

    def _resolve(self, keys: list[str]) -> Path:
        """``keys`` with the current element index after each array of tables."""
        path: Path = ()
        for key in keys:
            path = (*path, key)
            if path in self.tables:
                path = (*path, self.tables[path] - 1)
        return path

    def _pair(self, table: Path) -> None:
        key_start = self.pos
        keys = self._keys()
        key_span = self.span(key_start, self._key_end)
        self.pos += 1  # "="
        self._skip(_SPACE)
        path = (*table, *keys)
        value_start = self.pos
        self._value(path)
        for size in range(len(table) + 1, len(path)):  # dotted keys: each level is written
            self.places.setdefault(path[:size], Place(key_span, key_span))
        self.places[path] = Place(key_span, self.span(value_start, self.pos))

    # --- keys ----------------------------------------------------------------------

    def _keys(self) -> list[str]:
        keys = []
        while True:
            self._skip(_SPACE)
            keys.append(self._key())
            self._key_end = self.pos
            self._skip(_SPACE)
            if not self.text.startswith(".", self.pos):
                return keys
            self.pos += 1

    def _key(self) -> str:
        char = self.text[self.pos]
        if char in "\"'":
            start = self.pos
            self._string()
            return tomllib.loads(f"k = {self.text[start : self.pos]}")["k"]
        found = _BARE.match(self.text, self.pos)
        self.pos = found.end() if found else self.pos + 1
        return found[0] if found else ""

    # --- values --------------------------------------------------------------------

    def _value(self, path: Path) -> None:
        char = self.text[self.pos] if self.pos < len(self.text) else ""
        if char in "\"'":
            self._string()
        elif char == "{":
            self._inline_table(path)
        elif char == "[":
            self._array(path)
        else:
            self._scalar()

    def _string(self) -> None:
        quote = self.text[self.pos]
        if self.text.startswith(quote * 3, self.pos):
            self.pos = self._closing(quote * 3, self.pos + 3, escapes=quote == '"')
            while self.text.startswith(quote, self.pos):  # up to two quotes before the end
                self.pos += 1
            return
        self.pos = self._closing(quote, self.pos + 1, escapes=quote == '"')

    def _closing(self, delimiter: str, pos: int, *, escapes: bool) -> int:
        """The offset just after the ``delimiter`` that ends a string starting at ``pos``."""
        while pos < len(self.text):
            if escapes and self.text[pos] == "\\":
                pos += 2
            elif self.text.startswith(delimiter, pos):
                return pos + len(delimiter)
            else:
                pos += 1
        return pos

    def _inline_table(self, path: Path) -> None:
        self.pos += 1
        while True:
            self._skip(_SPACE)
            if self.text.startswith("}", self.pos):
                self.pos += 1
                return
            self._pair(path)
            self._skip(_SPACE)
            if self.text.startswith(",", self.pos):
                self.pos += 1

    def _array(self, path: Path) -> None:
        self.pos += 1
        index = 0
        while self._skip_blank_lines():
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return
            start = self.pos
            self._value((*path, index))
            self.places.setdefault((*path, index), Place(*[self.span(start, self.pos)] * 2))
            index += 1
            self._skip_blank_lines()
            if self.text.startswith(",", self.pos):
                self.pos += 1

    def _scalar(self) -> None:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] not in ",]}#\r\n":
            self.pos += 1
        self.pos = start + len(self.text[start : self.pos].rstrip())

    def _skip(self, characters: str) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in characters:
            self.pos += 1
