"""Text a terminal prints as it is: control characters and direction overrides escaped.

Sits under every layer that prints what strangers or shared files wrote: invitation data
(``tamis.cli.human``) and the source lines a diagnostic quotes (``diagnostics``). Control
characters (C0, DEL, C1) and the bidirectional marks and overrides that reorder a line are
shown as escapes (``\\x1b``, ``\\u202e``), so that nothing read can move the cursor, recolour
the terminal, set its title or disguise what is printed.
"""

from __future__ import annotations

import re

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
DIRECTION = re.compile("[\u202a-\u202e\u2066-\u2069]")
"""The embeddings, overrides and isolates that reorder the text after them (W012's)."""
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def safe(value: object) -> str:
    """``value`` as text a terminal prints as it is: every control character escaped."""
    text = value if isinstance(value, str) else str(value)
    return UNSAFE.sub(_escape, text) if UNSAFE.search(text) else text


def direction_shown(text: str) -> str:
    """``text`` with its direction controls escaped (``\\u202e``), every other character
    kept: what a web page shows of a stranger's text, whose line breaks and tabs are layout
    there, not commands."""
    return DIRECTION.sub(_escape, text) if DIRECTION.search(text) else text


def escaped(char: str) -> str:
    """The escape a terminal shows for ``char``, one of ``UNSAFE``'s."""
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def _escape(match: re.Match[str]) -> str:
    return escaped(match.group())
