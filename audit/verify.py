"""``verifier``: the whole hash chain and sequence, streamed, or the first broken record.

Sits on the reader's lines. For each line: its digest must match (``modifie``), its ``seq``
must follow the previous one (else ``supprime`` when the missing number never comes back,
``deplace`` when it appears elsewhere: a reordering or a duplicate), and its ``precedente``
must be the previous digest (``chainage``: the record before it was rewritten). A line that
does not parse is ``illisible``; a torn last line is ``dechire`` (what a crash leaves; the
records before it are intact and the next write sets it aside). Well-laid-out lines are
checked from their bytes (``layout``), others by parsing and re-rendering.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import orjson

from tamis.audit import layout
from tamis.audit.chain import is_record
from tamis.audit.reader import PathLike, iter_lines


@dataclass(frozen=True)
class Problem:
    kind: str  # modifie | supprime | deplace | chainage | illisible | dechire
    line: int
    message: str  # French, names the line and the record


@dataclass(frozen=True)
class Verification:
    count: int  # complete records whose chain checked out
    last_seq: int
    last_digest: str
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class _Link:
    seq: int
    precedente: str
    empreinte: str


def verify_journal(path: PathLike) -> Verification:
    torn: list[tuple[int, int]] = []
    seq, digest, count = 0, layout.GENESIS, 0
    for number, line in iter_lines(path, on_torn=lambda *where: torn.append(where)):
        link = _link(line)
        problem = _check(path, number, line, link, seq, digest)
        if problem is not None:
            return Verification(count, seq, digest, problem)
        seq, digest, count = link.seq, link.empreinte, count + 1  # type: ignore[union-attr]
    if torn:
        line, size = torn[0]
        message = (
            f"ligne {line} : dernière ligne incomplète ({size} octets) — écriture interrompue ; "
            f"les {count} enregistrements précédents sont intacts et la prochaine écriture "
            "mettra ces octets de côté."
        )
        return Verification(count, seq, digest, Problem("dechire", line, message))
    return Verification(count, seq, digest, None)


def _link(line: bytes) -> _Link | None:
    """The chain fields of a line whose digest matches; None if it was altered or unreadable."""
    tail = layout.read_tail(line)
    if tail is not None and layout.line_digest(line, tail) == tail.empreinte:
        return _Link(tail.seq, tail.precedente, tail.empreinte)
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if is_record(record) and layout.record_digest(record) == record["empreinte"]:
        return _Link(record["seq"], str(record.get("precedente")), record["empreinte"])
    return None


def _check(
    path: PathLike, number: int, line: bytes, link: _Link | None, seq: int, digest: str
) -> Problem | None:
    if link is None:
        return _unsealed(number, line)
    if link.seq != seq + 1:
        return _out_of_sequence(path, number, link.seq, seq + 1)
    if link.precedente != digest:
        return Problem(
            "chainage",
            number,
            f"ligne {number} : l'enregistrement n° {link.seq} ne suit pas l'empreinte de "
            f"l'enregistrement précédent — la ligne {number - 1} a été réécrite ou remplacée.",
        )
    return None


def _unsealed(number: int, line: bytes) -> Problem:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        record = None
    if not is_record(record):
        message = f"ligne {number} : ligne illisible (pas un enregistrement de journal)."
        return Problem("illisible", number, message)
    return Problem(
        "modifie",
        number,
        f"ligne {number} : l'enregistrement n° {record['seq']} a été modifié — son empreinte ne "
        "correspond plus à son contenu.",
    )


def _out_of_sequence(path: PathLike, number: int, found: int, expected: int) -> Problem:
    if found < expected:
        return Problem(
            "deplace",
            number,
            f"ligne {number} : l'enregistrement n° {found} arrive après le n° {expected - 1} — "
            "ordre modifié ou enregistrement dupliqué.",
        )
    elsewhere = _line_of_seq(path, expected, after=number)
    if elsewhere is not None:
        return Problem(
            "deplace",
            number,
            f"ligne {number} : l'enregistrement n° {found} est à la place du n° {expected}, qui se "
            f"trouve à la ligne {elsewhere} — ordre modifié.",
        )
    missing = f"n° {expected}" if found == expected + 1 else f"n° {expected} à {found - 1}"
    return Problem(
        "supprime",
        number,
        f"ligne {number} : enregistrement(s) supprimé(s) avant cette ligne ({missing} manquant).",
    )


def _line_of_seq(path: PathLike, seq: int, *, after: int) -> int | None:
    for number, line in _later_lines(path, after):
        tail = layout.read_tail(line)
        found = tail.seq if tail is not None else _parsed_seq(line)
        if found == seq:
            return number
    return None


def _later_lines(path: PathLike, after: int) -> Iterator[tuple[int, bytes]]:
    for number, line in iter_lines(path, on_torn=lambda *_: None):
        if number > after:
            yield number, line


def _parsed_seq(line: bytes) -> int | None:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return record.get("seq") if isinstance(record, dict) else None
