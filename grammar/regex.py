"""The regular-expression engine of ``correspond à``: RE2, whose matching time is linear.

Python's ``re`` backtracks: ``(a+)+$`` took 40 s on a 29-character message. RE2 (the
``google-re2`` binding) never backtracks, so a match costs time proportional to the text,
whatever the pattern; in exchange it refuses back-references, look-around and a few other
constructs, which the checker reports (``check_regex``). Both engines, the checker and
``engine.semantics`` compile patterns here, so a pattern that validates is one that runs.
"""

from __future__ import annotations

from functools import cache, lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import re2


class Pattern(Protocol):
    """What tamis needs of a compiled pattern (RE2's ``_Regexp`` provides it)."""

    def search(self, text: str) -> object | None: ...


class RegexError(Exception):
    """RE2 refused a pattern; ``arg`` is the part it points at (may be the whole pattern)."""

    def __init__(self, code: str, arg: str) -> None:
        super().__init__(f"{code}: {arg}")
        self.code, self.arg = code, arg


@cache
def _re2() -> tuple[ModuleType, re2.Options]:
    """RE2 and its options, imported the first time a pattern is compiled (most policies
    have none: their runs need not load the library)."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print each refused pattern on stderr
    return re2, options


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Pattern:
    """``pattern`` compiled by RE2 (once); raises ``RegexError`` when RE2 refuses it."""
    re2, options = _re2()
    try:
        return re2.compile(pattern, options)
    except re2.error as error:
        message = error.args[0]
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
        code, _, arg = text.partition(": ")
        raise RegexError(code, arg) from None
