"""``verifier``'s look at a format 3 journal's erasures: every one is what it says it is.

Rides on the chain check (``verify``): the chain proves each tombstone kept the commitment
its record was sealed with, but not that the data was not put back, nor that a tombstone's
date and motif are those of the erasure that made it. So each ``effacement`` record must find,
before it, a tombstone naming it (same ``seq``, ``le`` = its ``horodatage``, same ``motif``)
on every decision or advice it lists, and every tombstone must belong to an ``effacement``
record that lists it. Only the lines that mention ``effacement`` are parsed (``mentions``):
the chain check finds them in each block it has checked, on whichever core checked it, and
hands them over in journal order (``Erasures``), so the file is read once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from tamis.audit import advice, personal
from tamis.audit.blocks import lines_holding
from tamis.audit.chain import parse_record

_NEEDLE = b'"effacement"'
"""The bytes every line the check reads holds (a tombstone, an ``effacement`` record)."""


@dataclass(frozen=True)
class ErasureCheck:
    """What the erasure check found: how many erasures, and the first one in question."""

    erased: int  # decisions and advice whose personal data is erased
    line: int | None = None  # the first line in question, if any
    message: str | None = None  # French, names the line and the record
    advice: int = 0  # how many of ``erased`` are advice (``conseil``)


class Mention(NamedTuple):
    """What the check needs of one line that mentions ``effacement`` (``mention``): small,
    so that a worker process hands its range's back to the parent cheaply."""

    line: int  # its line number (a row's ``seq``), or its rank in a range (``shifted``)
    seq: int
    stone: dict | None = None  # an erased decision's or advice's tombstone (``personal.erased``)
    on_advice: bool = False  # that record is advice (``conseil``)
    expected: dict | None = None  # an ``effacement`` record: the tombstone it made…
    listed: Any = ()  # …on each of the records it lists (``effaces``)

    def shifted(self, lines: int) -> Mention:
        """The same, ``lines`` further down the journal (a range's after those before it)."""
        return self._replace(line=self.line + lines)


def mention(number: int, line: bytes | memoryview) -> Mention | None:
    """The line's part in the check: a tombstone, an ``effacement`` record, or None (not a
    record: the chain check names unreadable lines; or neither)."""
    record = parse_record(line)
    if record is None:
        return None
    event = record["evenement"]
    stone = personal.erased(record) if event in personal.ERASABLE else None
    if stone is not None:
        return Mention(number, record["seq"], stone, event == advice.EVENT)
    if event != "effacement":
        return None
    content = record["contenu"]
    expected = {"le": record["horodatage"], "motif": content.get("motif"), "seq": record["seq"]}
    return Mention(number, record["seq"], expected=expected, listed=content.get("effaces", []))


def mentions(data: bytes, stop: int, lines: int) -> Iterator[Mention]:
    """The ``Mention`` of each line of ``data[:stop]`` (complete lines, the first one being
    line ``lines + 1``) that holds ``_NEEDLE``: one ``find`` over the block when none does."""
    for before, start, end in lines_holding(data, stop, _NEEDLE):
        found = mention(lines + before + 1, data[start:end])
        if found is not None:
            yield found


def check_lines(mentioning: Iterable[tuple[int, bytes]]) -> ErasureCheck:
    """The check over ``(line number, line)`` of every line that mentions ``effacement``,
    in journal order (a PostgreSQL journal's rows give theirs: number = ``seq``)."""
    erasures = Erasures()
    for number, line in mentioning:
        found = mention(number, line)
        if found is not None:
            erasures.add(found)
    return erasures.result()


class Erasures:
    """The check, fed the ``Mention`` of each line in journal order (``add``), then asked
    for its verdict (``result``): what it keeps is one entry per tombstone, never a line."""

    def __init__(self) -> None:
        self.tombs: dict[Any, tuple[int, dict]] = {}  # record seq -> (line, tombstone)
        self.claimed: set[Any] = set()  # the records ``effacement`` records list
        self.advice = 0
        self.problem: ErasureCheck | None = None  # the first, once found: the rest is moot

    def add(self, found: Mention) -> None:
        if self.problem is not None:
            return
        if found.stone is not None:
            self.tombs[found.seq] = (found.line, found.stone)
            self.advice += found.on_advice
            return
        self.problem = _listed(found, self.tombs)
        if self.problem is None:
            self.claimed.update(found.listed)

    def result(self) -> ErasureCheck:
        if self.problem is not None:
            return self.problem
        tombs = self.tombs
        for seq, (number, stone) in sorted(tombs.items(), key=lambda item: item[1][0]):
            if seq not in self.claimed:
                return ErasureCheck(
                    len(tombs),
                    number,
                    f"ligne {number} : les données personnelles du n° {seq} ont été effacées "
                    f"sans enregistrement « effacement » qui le liste (pierre tombale du n° "
                    f"{stone.get('seq')} introuvable) — effacement hors de tamis, ou pierre "
                    "tombale modifiée.",
                )
        return ErasureCheck(len(tombs), advice=self.advice)


def _listed(erasure: Mention, tombs: dict[Any, tuple[int, dict]]) -> ErasureCheck | None:
    """The first record an ``effacement`` record lists whose tombstone is missing (its data
    back) or is not the one it made (date, motif); None if every one is."""
    number, seq_of = erasure.line, erasure.seq
    for seq in erasure.listed:
        found = tombs.get(seq)
        if found is None:
            return ErasureCheck(
                len(tombs),
                number,
                f"ligne {number} : l'effacement n° {seq_of} liste le n° {seq}, dont les "
                "données personnelles sont de nouveau présentes — données restaurées après "
                "effacement.",
            )
        if found[1] != erasure.expected:
            return ErasureCheck(
                len(tombs),
                found[0],
                f"ligne {found[0]} : la pierre tombale du n° {seq} ne correspond pas à "
                f"l'effacement n° {seq_of} (date ou motif modifiés).",
            )
    return None
