"""Diagnostics: a stable code, a severity, a French message, a span and an optional hint.

Every stage that finds a problem in a policy (parser, checker) returns ``Diagnostic``
values; nothing raises past ``grammar/``. ``render`` prints them the way compilers do::

    politique.tamis:12:9: erreur[E011]: fait inconnu « sans_phot »
       12 | refuser si sans_phot
          |            ^^^^^^^^^
      aide : vouliez-vous dire « sans_photo » ?
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import Enum

from tamis.grammar.ast import Span
from tamis.grammar.terminal import UNSAFE, escaped, safe


class Severity(Enum):
    ERREUR = "erreur"
    AVERTISSEMENT = "avertissement"
    NOTE = "note"  # information that fails nothing (``tamis analyser``)


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in a policy: code, severity, French message, place and help."""

    code: str  # "E011", "W003": stable, documented in README
    severity: Severity
    message: str
    span: Span
    help: str | None = None
    path: str = "<entrée>"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERREUR

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.code)

    def to_json(self) -> dict:
        """The shape ``tamis valider --format json`` prints, for editors and CI."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "file": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end": {"line": self.span.end_line, "column": self.span.end_column},
            "message": self.message,
            "suggestion": self.help,
        }


MAX_LINES = 4  # source lines shown under a multi-line span


def render(diagnostic: Diagnostic, source: str) -> str:
    """Header line, the source line(s) with carets under the span, then ``aide : …``."""
    lines = [_header(diagnostic)]
    lines += _excerpt(diagnostic.span, _lines(source))
    if diagnostic.help:
        lines.append(f"  aide : {safe(diagnostic.help)}")
    return "\n".join(lines)


def _lines(source: str) -> list[str]:
    """The source's lines as the parser counts them: split at LF only. ``str.splitlines``
    also splits at a form feed, U+0085, U+2028 and others that a comment or a string may hold,
    and the excerpt then showed a line some lines above the one diagnosed. A CR ending a line
    (a file saved on Windows: a case file, a context) is the line break, not shown as ``\\r``."""
    lines = [line.removesuffix("\r") for line in source.split("\n")]
    if lines[-1] == "":
        lines.pop()
    return lines


def _header(diagnostic: Diagnostic) -> str:
    span = diagnostic.span
    where = f"{diagnostic.path}:{span.line}:{span.column}" if span.line else diagnostic.path
    return safe(f"{where}: {diagnostic.severity.value}[{diagnostic.code}]: {diagnostic.message}")


def _excerpt(span: Span, source_lines: list[str]) -> list[str]:
    """Each spanned line (at most ``MAX_LINES``) with carets under the spanned part."""
    if not 1 <= span.line <= len(source_lines):
        return []
    last = min(max(span.end_line, span.line), len(source_lines), span.line + MAX_LINES - 1)
    width = len(str(last))
    out = []
    for number in range(span.line, last + 1):
        text = source_lines[number - 1]
        start, end = _columns(span, number, text)
        shown, start, end = _window(text, start, end)
        out.append(f" {number:>{width}} | {_expand(shown)}".rstrip())
        pad, marks = _display_width(shown[: start - 1]), _display_width(shown[start - 1 : end - 1])
        out.append(f" {' ' * width} | {' ' * pad}{'^' * max(1, marks)}")
    if last < span.end_line:
        out.append(f" {' ' * width} | …")
    return out


WINDOW = 100
"""Most characters of a source line shown under a diagnostic: a longer line (a policy written
on one line, a list of thousands of items) is cut around the span, « … » marking each cut,
so that each of its diagnostics does not repeat the whole line."""
BEFORE = 40  # characters kept before the span when a line is cut


def _window(text: str, start: int, end: int) -> tuple[str, int, int]:
    """``text`` cut to ``WINDOW`` characters around columns [start, end), and the span's
    columns in what is shown."""
    if len(text) <= WINDOW:
        return text, start, end
    low = max(0, min(start - 1 - BEFORE, len(text) - WINDOW))
    high = min(len(text), low + WINDOW)
    head = "…" if low else ""
    shown = head + text[low:high] + ("…" if high < len(text) else "")
    shift = len(head) - low
    return shown, start + shift, min(end, high + 1) + shift


def _columns(span: Span, number: int, text: str) -> tuple[int, int]:
    """1-based [start, end) columns of the span on line ``number``."""
    start = span.column if number == span.line else len(text) - len(text.lstrip()) + 1
    end = span.end_column if number == span.end_line else len(text) + 1
    if end <= start:  # an empty span, or a span that runs to the end of a line
        end = start + 1 if number == span.end_line else len(text) + 1
    return max(1, start), max(end, start + 1)


TAB = 4


def _expand(text: str) -> str:
    """The line as shown: tabs as spaces, control characters and direction overrides escaped
    (``terminal.safe``): a policy is a file people share, and its strings and comments could
    hold a terminal's escape sequences or reorder the line printed (W012)."""
    text = text.replace("\t", " " * TAB)
    return safe(text)


def _display_width(text: str) -> int:
    """Terminal columns taken by ``text``: wide characters count 2, combining marks 0."""
    return sum(_char_width(c) for c in text)


_INVISIBLE = frozenset({"Mn", "Me", "Cf"})
"""Categories a terminal gives no column: marks (accents, an emoji's variation selector) and
format characters (zero-width space and joiner, direction marks)."""


def _char_width(char: str) -> int:
    if char == "\t":
        return TAB
    if UNSAFE.match(char):
        return len(escaped(char))
    if unicodedata.combining(char):
        return 0
    if unicodedata.category(char) in _INVISIBLE and char != "\xad":  # a soft hyphen shows
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
