"""Validate the regular expressions of ``correspond à`` and say what is wrong in French.

Called by the type pass on every pattern known at validation time (a text literal or a text
parameter), and by ``engine.parameters`` for a pattern given at run time. The pattern must
compile with RE2 (``tamis.grammar.regex``). When RE2 refuses it, Python's ``re`` is asked
too: if it also refuses, the pattern is malformed and its precise message (translated) and
position are used (E021); if it accepts, the pattern uses a construct that only a
backtracking engine offers (look-around, back-references…), reported as unsupported (E037)
at the place RE2 points to.
"""

from __future__ import annotations

import re
import warnings
from typing import NamedTuple

from tamis.grammar.regex import RegexError, compile_pattern


class RegexProblem(NamedTuple):
    """Why a pattern cannot be used, in French; where (0-based, in the pattern) if known."""

    reason: str
    position: int | None
    unsupported: bool = False  # valid for Python's re, refused by RE2 (E037)


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

# RE2's refusals of patterns that Python's re accepts, by the start of RE2's argument.
_UNSUPPORTED_OPERATORS: tuple[tuple[str, str], ...] = (
    ("(?=", "assertion avant « {} »"),
    ("(?!", "assertion avant « {} »"),
    ("(?<=", "assertion arrière « {} »"),
    ("(?<!", "assertion arrière « {} »"),
    ("(?P=", "référence arrière « {} »"),
    ("(?P>", "appel de groupe « {} »"),
    ("(?(", "condition « {} »"),
    ("(?>", "groupe atomique « {} »"),
    ("(?#", "commentaire « {} … ) »"),
)


def french(message: str) -> str:
    """A French rendering of one of ``re``'s messages (never the English text)."""
    for prefix, text in _FRENCH:
        if message.startswith(prefix):
            return text
    return "construction non reconnue"


def regex_problem(pattern: str) -> RegexProblem | None:
    """Why ``pattern`` cannot serve ``correspond à``, or None when RE2 compiles it."""
    try:
        compile_pattern(pattern)
    except RegexError as refused:
        return _python_problem(pattern) or _unsupported(pattern, refused)
    return None


def _python_problem(pattern: str) -> RegexProblem | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except re.error as error:
        return RegexProblem(french(error.msg), error.pos)
    except (RecursionError, OverflowError, ValueError):
        return RegexProblem("expression trop complexe", None)
    return None


def _unsupported(pattern: str, refused: RegexError) -> RegexProblem:
    if refused.arg == "(?P":  # RE2 names only "(?P" for a named back-reference "(?P=nom)"
        refused = RegexError(refused.code, "(?P=" if "(?P=" in pattern else "(?P>")
    position = pattern.find(refused.arg) if refused.arg else -1
    where = position if position >= 0 else None
    return RegexProblem(_unsupported_reason(refused), where, unsupported=True)


def _unsupported_reason(refused: RegexError) -> str:
    code, arg = refused.code, refused.arg
    if code == "invalid perl operator":
        return _operator_reason(arg)
    if code == "invalid escape sequence":
        return _escape_reason(arg)
    if code == "bad repetition operator":
        return f"quantificateur possessif ou doublé « {arg} »"
    if code == "invalid repetition size":
        return f"répétition « {arg} » au-delà de 1000"
    if code.startswith("pattern too large"):
        return "expression trop grande une fois compilée ; simplifiez-la ou découpez-la"
    return f"construction « {arg or code} »"


def _operator_reason(arg: str) -> str:
    for prefix, text in _UNSUPPORTED_OPERATORS:
        if arg.startswith(prefix):
            return text.format(prefix)
    if arg[2:3].isalpha():
        return f"drapeau « {arg} » (seuls i, m, s et U existent)"
    return f"construction « {arg} »"


def _escape_reason(arg: str) -> str:
    if arg[1:2].isdigit():
        return f"référence arrière « {arg} »"
    if arg in ("\\u", "\\U", "\\N"):
        return f"« {arg} » (écrivez « \\x{{E9}} » pour le caractère U+00E9)"
    if arg == "\\Z":
        return "« \\Z » (écrivez « \\z » pour la fin du texte)"
    return f"séquence « {arg} »"


def ascii_word_escape(pattern: str) -> tuple[str, int] | None:
    """The first ``\\w``/``\\W``, or ``\\b``/``\\B`` touching a non-ASCII letter, and its place.

    RE2's Perl classes are ASCII: ``\\w`` does not match « é », and ``\\b`` sees no word
    boundary between a space and « é ». French text makes both silent traps.
    """
    index = 0
    while index < len(pattern) - 1:
        if pattern[index] != "\\":
            index += 1
            continue
        escape = pattern[index + 1]
        if escape in "wW" or (escape in "bB" and _beside_accented(pattern, index)):
            return f"\\{escape}", index
        index += 2
    return None


def _beside_accented(pattern: str, index: int) -> bool:
    around = pattern[index - 1 : index] + pattern[index + 2 : index + 3]
    return any(c.isalpha() and not c.isascii() for c in around)
