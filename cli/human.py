"""What a person reads on a terminal: safe text, times in the local zone, numbers the French way.

Sits at the very end of the flow (records, rows, counts -> **lines a person reads**), used by
the commands' human formats only: JSON and CSV stay exact, byte for byte what the journal
holds. Three habits, each in one function:

- ``safe`` (``tamis.grammar.terminal``'s): invitation data is written by strangers. Control
  characters (C0, DEL, C1) and the bidirectional overrides that reorder a line are shown as
  escapes (``\\x1b``, ``\\u202e``), so that nothing read from an invitation can move the
  cursor, recolour the terminal, set its title or disguise what is printed. Text handed to
  rich goes in ``Text`` objects, never as markup, so a name like ``[/x]`` is printed as it
  is, not interpreted.
- ``when`` and ``zone`` (``tamis.triage.moments``', shared with the web pages): the journal
  is in UTC; a person reads the local time (the process's time zone, ``TZ``), unless the
  command is given ``--utc``.
- ``number`` and ``percent``: 1 234 567 with a narrow no-break space, 12,5 with a comma.
"""

from __future__ import annotations

from tamis.grammar.numbers import NARROW_NBSP as NARROW_NBSP  # re-exported for the commands
from tamis.grammar.numbers import french
from tamis.grammar.terminal import safe as safe  # re-exported: the commands' habit
from tamis.triage.moments import day as day  # re-exported: the web pages share them
from tamis.triage.moments import moment as moment
from tamis.triage.moments import when as when
from tamis.triage.moments import zone as zone


def safe_lines(text: str) -> str:
    """Each line of ``text`` made safe for a terminal, its line breaks kept."""
    return "\n".join(safe(line) for line in text.split("\n"))


def number(value: int | float, decimals: int | None = None) -> str:
    """``1 234 567``, ``0,5``: thousands with a narrow no-break space, a decimal comma;
    ``decimals`` fixes the digits after the comma (:func:`tamis.grammar.numbers.french`)."""
    if isinstance(value, bool):
        return str(value)
    return french(value, decimals)


def value(data: object) -> str:
    """A recorded value as a person reads it: vrai, faux, inconnu, a number the French way,
    a text, a list in brackets."""
    if data is None or isinstance(data, bool):
        return {None: "inconnu", True: "vrai", False: "faux"}[data]
    if isinstance(data, int | float):
        return number(data)
    if isinstance(data, list | tuple):
        return "[" + ", ".join(_item(item) for item in data) + "]"
    return safe(data)


def _item(data: object) -> str:
    """A list item: a decimal keeps its point, the comma separating the items."""
    if isinstance(data, int | float) and not isinstance(data, bool):
        return french(data, in_list=True)
    return value(data)


def percent(count: int, total: int) -> str:
    """``12,5``: a share of ``total`` in percent, one decimal."""
    return number(100 * count / total, 1) if total else number(0.0, 1)
