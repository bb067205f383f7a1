"""Diagnostics: a stable code, a severity, a French message, a span and an optional hint.

Every stage that finds a problem in a policy (parser, checker) returns ``Diagnostic``
values; nothing raises past ``grammar/``. ``render`` prints them the way compilers do::

    politique.tamis:12:9: erreur[E011]: fait inconnu « sans_phot »
       12 | refuser si sans_phot
          |            ^^^^^^^^^
      aide : vouliez-vous dire « sans_photo » ?
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tamis.grammar.ast import Span


class Severity(Enum):
    ERREUR = "erreur"
    AVERTISSEMENT = "avertissement"


@dataclass(frozen=True)
class Diagnostic:
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


def render(diagnostic: Diagnostic, source: str) -> str:
    """Header line, the source line with a caret under the span, then ``aide : …``."""
    span = diagnostic.span
    lines = [
        f"{diagnostic.path}:{span.line}:{span.column}: "
        f"{diagnostic.severity.value}[{diagnostic.code}]: {diagnostic.message}"
    ]
    source_lines = source.splitlines()
    if 1 <= span.line <= len(source_lines):
        text = source_lines[span.line - 1]
        gutter = str(span.line)
        width = (
            span.end_column - span.column
            if span.end_line == span.line and span.end_column > span.column
            else max(1, len(text) - span.column + 1)
        )
        lines.append(f" {gutter} | {text}")
        lines.append(f" {' ' * len(gutter)} | {' ' * (span.column - 1)}{'^' * max(1, width)}")
    if diagnostic.help:
        lines.append(f"  aide : {diagnostic.help}")
    return "\n".join(lines)
