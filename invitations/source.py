"""An input of invitations as bounded pieces of text: the reader never holds more than one
invitation's worth of it, whatever the size of the file or the stream.

Sits under ``reader``: a file (opened here) or a byte stream such as stdin is decoded as
UTF-8 with ``surrogateescape``, so a byte that is not UTF-8 costs only the invitation it is
in (``limits.decode`` names it); a text stream (tests, ``io.StringIO``) is read as it comes.
``piece`` hands out at most ``CHUNK`` characters, ending at a newline when there is one;
``line`` one whole line, or ``TOO_LONG`` past the invitation limit (the rest of that line is
skipped, so ``/dev/zero`` costs one bounded line). A read failure (an I/O error, a strict
text stream that stops being UTF-8) ends the input and is kept in ``problem``.
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Callable
from typing import BinaryIO, TextIO

from tamis.grammar.numbers import group
from tamis.invitations.french import os_error
from tamis.invitations.limits import MAX_CHARS

CHUNK = 65_536
MAX_SKIPPED = 64 * MAX_CHARS
ENDLESS = f"ligne sans fin : plus de {group(MAX_SKIPPED)} caractères ; lecture arrêtée"
NOT_UTF8 = "l'entrée n'est pas en UTF-8 ; réenregistrez-la en UTF-8"


class TooLong(str):
    """The marker ``Source.line`` returns for a line over the limit (its text is dropped)."""


TOO_LONG = TooLong("<ligne trop longue>")  # compare with « is »


class Source:
    """Pieces and lines of one input; ``problem`` says why reading stopped early (French)."""

    def __init__(self, stream: TextIO | BinaryIO) -> None:
        self.problem: str | None = None
        self._pending: deque[str] = deque()
        self._first = True
        if isinstance(stream, io.TextIOBase):
            self._read = _text_reader(stream)
        else:
            text = io.TextIOWrapper(
                stream, encoding="utf-8", errors="surrogateescape", newline="\n"
            )
            text._CHUNK_SIZE = CHUNK  # fewer reads: each lets the journal's threads in
            self._read = text.readline

    def give_back(self, texts: list[str]) -> None:
        """Make ``texts`` the next pieces again (the reader looked ahead for the format)."""
        self._pending.extendleft(reversed([text for text in texts if text]))

    def piece(self) -> str:
        """At most ``CHUNK`` characters, a line's end when there is one; "" at the end."""
        if self._pending:
            return self._pending.popleft()
        try:
            text = self._read(CHUNK)
        except UnicodeDecodeError:
            self.problem = NOT_UTF8
            return ""
        except (OSError, ValueError) as error:
            self.problem = os_error(error)
            return ""
        if self._first:
            self._first, text = False, text.removeprefix("\ufeff")
        return text

    def line(self) -> str:
        """The next whole line (with its newline), ``TOO_LONG``, or "" at the end."""
        text = self.piece()
        if not text or text.endswith("\n"):
            return text
        parts, size = [text], len(text)
        while not text.endswith("\n"):
            text = self.piece()
            if not text:
                break
            size += len(text)
            if size > MAX_CHARS + 2:  # room for "\r\n"
                if not text.endswith("\n"):  # else this piece ended it: the next is not its
                    self._skip_line(size)
                return TOO_LONG
            parts.append(text)
        return "".join(parts)

    def _skip_line(self, size: int) -> None:
        """Read to the end of an overlong line; an endless one (``/dev/zero``) ends the input."""
        text = "-"
        while text and not text.endswith("\n"):
            if size > MAX_SKIPPED:
                self.problem = ENDLESS
                self._read = lambda _size: ""
                return
            text = self.piece()
            size += len(text)


def _text_reader(stream: TextIO) -> Callable[[int], str]:
    """``readline(size)`` where the stream has it, else its lines one by one."""
    if isinstance(stream, io.TextIOWrapper | io.StringIO):
        return stream.readline
    lines = iter(stream)
    return lambda _size: next(lines, "")
