"""Before appending: would ``verifier`` still accept this journal? Checked once per opening.

Sits beside the writer (``journal.open_journal`` calls ``damage`` once the journal is open):
appending to a journal whose chain is already broken (a line edited, deleted, or a blank line
inserted by hand) would bury the damage under new records, so the writer is told, in French,
and still appends (refusing would lose the decisions being made; ``verifier`` names the
problem). Checking the whole journal at every opening would cost seconds on a large one, so a
checkpoint beside it, ``<journal>.verification`` (JSON, mode 0600), remembers how far it was
found intact: the offset, the last record's number and digest, and the SHA-256 of that last
line's bytes. At the next opening, if that line is still there, byte for byte, only what was
appended since is checked (``verify.verify_after``); otherwise (the journal replaced,
truncated, or edited before that point so that the line moved) the whole journal is
(``verify.verify_journal``, on every core). A torn last line is not damage here: the writer
sets it aside. An edit before the checkpoint that keeps every byte offset (the same length)
is not seen until the next full check: ``verifier`` is the proof, this is an early warning.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import orjson

from tamis.audit import layout
from tamis.audit.errors import JournalError
from tamis.audit.reader import PathLike

SUFFIX = ".verification"


class Checkpoint(NamedTuple):
    offset: int  # the journal's first ``offset`` bytes were found intact, ending with a line
    seq: int  # the number of that prefix's last record (also its line number)
    digest: str  # that record's ``empreinte``
    line: str  # SHA-256 of that last line's bytes (without its ``\\n``)


class Damage(str):
    """The French warning that the journal being appended to would fail ``verifier``; it
    carries the ``path`` and the problem's ``line`` and ``kind``."""

    path: PathLike
    line: int
    kind: str

    def __new__(cls, path: PathLike, line: int, kind: str, message: str) -> Damage:
        text = (
            f"{path}:{message} Ce journal ne passe plus la vérification ; les nouvelles "
            "décisions y sont tout de même ajoutées, à la suite."
        )
        notice = super().__new__(cls, text)
        notice.path, notice.line, notice.kind = path, line, kind
        return notice


def warn_if_damaged(path: PathLike, warn: Callable[[str], None]) -> None:
    """``warn`` of ``damage``, if any; a journal that cannot be read for this check is left
    to the reads and writes that follow (they say what is wrong)."""
    try:
        found = damage(path)
    except (JournalError, OSError):
        return
    if found is not None:
        warn(found)


def checkpoint_path(journal: PathLike) -> Path:
    return Path(os.fspath(journal) + SUFFIX)


def damage(path: PathLike) -> Damage | None:
    """The first problem ``verifier`` would report (a torn last line aside), or None; moves
    the checkpoint forward when the journal is intact."""
    from tamis.audit import verify  # only writers opening a journal need it

    with open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        known = _still_there(stream.fileno(), load(path), size)
    if known is None:
        result = verify.verify_journal(path)
    else:
        result = verify.verify_after(path, known.offset, known.seq, known.digest)
    problem = result.problem
    if problem is not None and problem.kind != "dechire":
        return Damage(path, problem.line, problem.kind, problem.message)
    if problem is None or result.count:
        _save_at_end(path, size)
    return None


def load(path: PathLike) -> Checkpoint | None:
    """The checkpoint beside the journal, or None (missing, unreadable, of another shape)."""
    try:
        data = orjson.loads(checkpoint_path(path).read_bytes())
        return Checkpoint(*(data[key] for key in ("position", "seq", "empreinte", "ligne")))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return None


def _still_there(fd: int, known: Checkpoint | None, size: int) -> Checkpoint | None:
    """``known`` if the journal still ends its intact prefix with the same line there."""
    if known is None or not isinstance(known.offset, int) or not 0 < known.offset <= size:
        return None
    start = _line_start(fd, known.offset)
    line = os.pread(fd, known.offset - start, start)
    if not line.endswith(b"\n") or hashlib.sha256(line[:-1]).hexdigest() != known.line:
        return None
    return known


def _line_start(fd: int, end: int) -> int:
    """The offset of the line that ends (``\\n`` included) at ``end``."""
    pos = end - 1
    while pos > 0:
        chunk = os.pread(fd, min(1 << 16, pos), max(pos - (1 << 16), 0))
        found = chunk.rfind(b"\n")
        if found >= 0:
            return pos - len(chunk) + found + 1
        pos -= len(chunk)
    return 0


def _save_at_end(path: PathLike, size: int) -> None:
    """A checkpoint at the last complete line within the first ``size`` bytes (found intact);
    written beside the journal atomically, or not at all (it only saves time)."""
    with contextlib.suppress(OSError), open(path, "rb") as stream:
        fd = stream.fileno()
        tail = os.pread(fd, min(size, 1 << 20), max(size - (1 << 20), 0))
        end = size - (len(tail) - tail.rfind(b"\n") - 1) if b"\n" in tail else 0
        start = _line_start(fd, end) if end else 0
        line = os.pread(fd, end - start - 1, start) if end else b""
        found = layout.read_tail(line)
        record = None if found is not None else _parsed(line)
        if found is None and record is None:
            return
        seq, digest = (found.seq, found.empreinte) if found else record  # type: ignore[misc]
        data = {
            "position": end,
            "seq": seq,
            "empreinte": digest,
            "ligne": hashlib.sha256(line).hexdigest(),
        }
        _write(checkpoint_path(path), orjson.dumps(data))


def _parsed(line: bytes) -> tuple[int, str] | None:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if isinstance(record, dict) and isinstance(record.get("seq"), int):
        return record["seq"], str(record.get("empreinte"))
    return None


def _write(where: Path, data: bytes) -> None:
    temporary = where.with_name(f".{where.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    try:
        os.replace(temporary, where)
    except OSError:
        os.unlink(temporary)
        raise
