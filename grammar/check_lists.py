"""The one ambiguity of French numbers: a decimal comma inside a list.

Outside a list ``0,5`` is one number; inside ``[ … ]`` the comma separates items, so
``[0,5]`` holds 0 and 5 (see docs/langage.md). Called by the type pass for the lists of
conditions and by the declaration pass for list parameters: two numbers joined by a comma
with no space around it are most likely a decimal written the French way (W011).
"""

from __future__ import annotations

from itertools import pairwise

from tamis.grammar import ast
from tamis.grammar.check_codes import Reporter
from tamis.grammar.format import format_value


def report_glued_numbers(items: tuple[ast.Literal, ...], reporter: Reporter) -> None:
    """W011 for each pair of numbers written ``1,5`` (comma, no space) in a list."""
    for left, right in pairwise(items):
        if not _both_numbers(left, right) or not left.span.end:
            continue
        if reporter.source[left.span.end : right.span.start] != ",":
            continue
        written = reporter.source[left.span.start : right.span.end]
        span = ast.Span(
            left.span.line,
            left.span.column,
            right.span.end_line,
            right.span.end_column,
            left.span.start,
            right.span.end,
        )
        decimal = f"{format_value(left.value)}.{reporter.source[right.span.start : right.span.end]}"
        reporter.report(
            "W011",
            f"dans une liste, « {written} » se lit comme deux nombres, "
            f"{format_value(left.value)} et {format_value(right.value)}",
            span,
            f"dans une liste, la virgule sépare les éléments : écrivez « {decimal} » pour un"
            f" nombre décimal, ou « {format_value(left.value)}, {format_value(right.value)} »"
            " pour deux",
        )


def _both_numbers(left: ast.Literal, right: ast.Literal) -> bool:
    """An integer then a positive integer: what a decimal with a comma would lex as."""
    return all(
        isinstance(item.value, int) and not isinstance(item.value, bool) and item.value >= 0
        for item in (left, right)
    )
