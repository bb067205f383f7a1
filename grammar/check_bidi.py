"""Text that is not shown in the order it is read: a direction control in a string or comment.

A right-to-left override (U+202E) or isolate (U+2066-U+2069) reorders what an editor, a
terminal or a code review shows, so that ``"vente" # ‮ …`` can display as another condition
than the one tamis reads (the « Trojan Source » attack, CVE-2021-42574). Outside strings and
comments the lexer refuses these characters already (E003); inside, the checker warns (W012),
once per line, at the first one. Arabic or Hebrew letters need none: they show right to left
by themselves.
"""

from __future__ import annotations

import re
import unicodedata

from tamis.grammar.ast import Span
from tamis.grammar.check_codes import Reporter

_DIRECTION = re.compile("[\u202a-\u202e\u2066-\u2069]")


def report_direction_controls(reporter: Reporter) -> None:
    """W012 at the first direction control of each line of the source."""
    source, seen = reporter.source, set()
    for found in _DIRECTION.finditer(source):
        start = found.start()
        line = source.count("\n", 0, start) + 1
        if line in seen:
            continue
        seen.add(line)
        column = start - source.rfind("\n", 0, start)
        char = found.group()
        reporter.report(
            "W012",
            f"caractère de contrôle de direction U+{ord(char):04X} ({unicodedata.name(char)}) :"
            " le texte affiché n'est pas dans l'ordre où tamis le lit",
            Span(line, column, line, column + 1, start, start + 1),
            "retirez-le : un éditeur ou une relecture montrerait une autre condition que celle"
            " qui décide ; l'arabe ou l'hébreu s'affichent de droite à gauche sans lui",
        )
