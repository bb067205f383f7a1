"""Numbers the French way: ``25 000``, ``0,98``, written for a person and read back by the parser.

The one owner of French number notation. The language reads numbers grouped by thousands with
a space and a decimal comma (:mod:`tamis.grammar.to_ast`); everything that words a number for
a person writes it here: the trace's values and the explanations built from them
(:mod:`tamis.engine.trace`), the domain's evidence notes (``tamis.invitations.facts``), the
commands' counts and tables (``tamis.cli.human``). The formatter keeps its own canonical
form (``0.5``, ``10000``: :func:`tamis.grammar.format.format_value`).

Thousands are grouped by three with a narrow no-break space (U+202F), from 1 000 up; the
decimal separator is a comma, except inside a list, where the comma separates the items: there
a decimal keeps its point (``[0.5, 10 000]``), as the language itself requires, so that a list
is never ambiguous and still reads back as the same list.
"""

from __future__ import annotations

import math
from decimal import Decimal

NARROW_NBSP = "\u202f"

MAX_DIGITS = 18
"""Most digits in a number tamis reads: in a policy, a context file's ``[parametres]``, a
``--parametre`` and an invitation's counts alike. Every integer of 18 digits fits the 64 bits
of a journal record's JSON integer; a policy needs a few (a threshold, a bound)."""


def digits_problem(value: int | float) -> str | None:
    """``doit avoir au plus 18 chiffres (reçu : 23 chiffres)`` for an integer past
    ``MAX_DIGITS`` (worded like the bounds' problems, after a name), else None
    (a float's size is the finiteness check's business: ``vocabulary.finite_problem``)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    digits = len(str(abs(value)))
    if digits <= MAX_DIGITS:
        return None
    return f"doit avoir au plus {MAX_DIGITS} chiffres (reçu : {digits} chiffres)"


def french(value: int | float, decimals: int | None = None, *, in_list: bool = False) -> str:
    """``1 234 567``, ``0,5``, ``-12 500,25``: thousands grouped with a narrow no-break space,
    a decimal comma (a point ``in_list``), never an exponent; ``decimals`` fixes the digits
    after the separator (else every digit Python keeps: ``0.1`` is ``0,1``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = f"{value:.{decimals}f}" if decimals is not None else _plain(value)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, point, fraction = digits.partition(".")
    separator = "." if in_list else ","
    return sign + group(int(whole)) + (separator + fraction if point else "")


def group(number: int) -> str:
    """``1 048 576``: a non-negative integer's digits grouped by three, from 1 000 up."""
    return f"{number:,}".replace(",", NARROW_NBSP)


def _plain(value: int | float) -> str:
    """Plain decimal notation, no exponent: ``1e+20`` is ``100000000000000000000.0``."""
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    if "e" not in text:  # already plain (« 0.5 »): Decimal would give it back as it is
        return text
    text = format(Decimal(text), "f")
    return text if "." in text else text + ".0"
