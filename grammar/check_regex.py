"""Validate the regular expressions of ``correspond à`` and say what is wrong in French.

Called by the type pass on every pattern known at validation time (a text literal or a text
parameter). Python's ``re`` reports problems in English; ``regex_problem`` translates the
common ones and keeps the position inside the pattern.
"""

from __future__ import annotations

import re

_FRENCH: tuple[tuple[str, str], ...] = (
    ("missing ), unterminated subpattern", "parenthèse ouverte jamais fermée"),
    ("missing ), unterminated comment", "commentaire « (?# » jamais fermé"),
    ("unbalanced parenthesis", "parenthèse fermante sans parenthèse ouvrante"),
    ("nothing to repeat", "rien à répéter avant ce quantificateur"),
    ("multiple repeat", "quantificateur répété"),
    ("unterminated character set", "ensemble de caractères « [ » jamais fermé"),
    ("bad escape", "séquence d'échappement inconnue"),
    ("incomplete escape", "séquence d'échappement incomplète"),
    ("bad character range", "intervalle de caractères à l'envers"),
    ("min repeat greater than max repeat", "minimum de répétitions plus grand que le maximum"),
    ("unknown extension", "construction « (? » inconnue"),
    ("missing -, : or )", "drapeaux « (? » mal formés"),
    ("global flags not at the start", "drapeaux globaux comme « (?i) » ailleurs qu'au début"),
    ("look-behind requires fixed-width", "un « (?<= » doit avoir une longueur fixe"),
    ("unknown group name", "nom de groupe inconnu"),
    ("bad character in group name", "caractère invalide dans un nom de groupe"),
    ("invalid group reference", "référence à un groupe inexistant"),
    ("undefined character name", "nom de caractère Unicode inconnu"),
    ("unexpected end of pattern", "fin inattendue de l'expression"),
    ("cannot refer to an open group", "référence à un groupe encore ouvert"),
    ("redefinition of group name", "nom de groupe utilisé deux fois"),
    ("bad inline flags", "drapeaux « (? » incompatibles ou impossibles ici"),
    ("missing", "élément manquant"),
)


def french(message: str) -> str:
    """A French rendering of one of ``re``'s messages (never the English text)."""
    for prefix, text in _FRENCH:
        if message.startswith(prefix):
            return text
    return "construction non reconnue"


def regex_problem(pattern: str) -> tuple[str, int | None] | None:
    """``(French reason, position in the pattern or None)`` when ``pattern`` is invalid."""
    try:
        re.compile(pattern)
    except re.error as error:
        return french(error.msg), error.pos
    except (RecursionError, OverflowError, ValueError):
        return "expression trop complexe", None
    return None
