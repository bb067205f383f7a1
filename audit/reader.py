"""Streaming reads of a journal: lines, then records; memory stays flat in the file's size.

Sits at the start of every query (``verify``, ``queries``, ``why``, ``tamis rejouer``). Lines
are read in large blocks (``blocks``) and handed out one at a time. A last line without
``\\n`` is a torn write: it is reported in French (``warn``) and not yielded. The first
line must be a journal record, so pointing ``--journal`` at another file says so at once; a
later line that does not parse is a ``JournalError`` naming its line (``tamis journal
verifier`` explains it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import BinaryIO

from tamis.audit.blocks import blocks, lines_holding, raw_blocks
from tamis.audit.chain import parse_record
from tamis.audit.errors import (
    DamagedLine,
    JournalError,
    JournalMissing,
    os_error_message,
    warn_on_stderr,
)
from tamis.audit.torn import torn_message

Warn = Callable[[str], None]
PathLike = str | os.PathLike[str]
_BUFFER = 1 << 20


def open_journal_file(path: PathLike) -> BinaryIO:
    """The journal opened for reading, or a French ``JournalError``."""
    try:
        return open(path, "rb", buffering=_BUFFER)
    except FileNotFoundError:
        raise JournalMissing(path) from None
    except OSError as error:
        raise JournalError(os_error_message(path, error, "lire")) from None


def iter_lines(
    path: PathLike, warn: Warn = warn_on_stderr, on_torn: Callable[[int, int], None] | None = None
) -> Iterator[tuple[int, bytes]]:
    """``(line number, line without \\n)`` for each complete line; the first is checked.

    A torn last line goes to ``on_torn(line number, size)`` if given, else to ``warn``."""
    number = 0
    for lines, torn in iter_blocks(path):
        if torn:
            if on_torn is not None:
                on_torn(number + 1, len(torn))
            else:
                warn(torn_message(path, number + 1, len(torn), None))
            return
        if number == 0 and lines:
            parse_line(path, 1, lines[0])
        for line in lines:
            number += 1
            yield number, line


def iter_blocks(path: PathLike) -> Iterator[tuple[list[bytes], bytes]]:
    """The journal's lines, block by block (``blocks.blocks``), with French errors."""
    with open_journal_file(path) as stream:
        fd = stream.fileno()
        try:
            yield from blocks(fd, 0, os.fstat(fd).st_size)
        except OSError as error:
            raise JournalError(os_error_message(path, error, "lire")) from None


def lines_mentioning(path: PathLike, needle: bytes) -> Iterator[tuple[int, bytes]]:
    """``(line number, line)`` of the complete lines that hold ``needle``: one ``find`` per
    block jumps from one to the next (``lines_holding``), so a journal where it is rare costs
    one read (the listing of advice). A torn last line is left out, unreported."""
    with open_journal_file(path) as stream:
        fd, lines = stream.fileno(), 0
        for data, stop in raw_blocks(fd, 0, os.fstat(fd).st_size):
            before, start = 0, 0
            for before, start, end in lines_holding(data, stop, needle):
                yield lines + before + 1, data[start:end]
            lines += before + data.count(b"\n", start, stop)


def check_first_line(path: PathLike) -> None:
    """A ``JournalError`` unless the first complete line is a journal record (parallel readers
    call it first; ``iter_lines`` checks it as it goes)."""
    with open_journal_file(path) as stream:
        try:
            first = stream.readline()
        except OSError as error:
            raise JournalError(os_error_message(path, error, "lire")) from None
    if first.endswith(b"\n"):
        parse_line(path, 1, first[:-1])


def parse_line(path: object, number: int, line: bytes) -> dict:
    """The record on one line, or a ``JournalError`` naming the line."""
    record = parse_record(line)
    if record is not None:
        return record
    if number == 1:
        raise JournalError(f"{path} n'est pas un journal tamis (ligne 1 illisible).")
    raise DamagedLine(path, number)


def iter_records(path: PathLike, warn: Warn = warn_on_stderr) -> Iterator[dict]:
    """Every complete record of the journal, in file order, as dicts (see ``record.Record``)."""
    for number, line in iter_lines(path, warn):
        yield parse_line(path, number, line)
