"""``verifier``'s second look at a format 3 journal: every erasure is what it says it is.

Sits after the chain check (``verify``): the chain proves each tombstone kept the commitment
its record was sealed with, but not that the data was not put back, nor that a tombstone's
date and motif are those of the erasure that made it. So each ``effacement`` record must find,
before it, a tombstone naming it (same ``seq``, ``le`` = its ``horodatage``, same ``motif``)
on every decision or advice it lists, and every tombstone must belong to an ``effacement``
record that lists it. Only the lines that mention ``effacement`` are parsed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tamis.audit import advice, personal
from tamis.audit.chain import parse_record
from tamis.audit.reader import PathLike, lines_mentioning

_NEEDLE = b'"effacement"'


@dataclass(frozen=True)
class ErasureCheck:
    erased: int  # decisions and advice whose personal data is erased
    line: int | None = None  # the first line in question, if any
    message: str | None = None  # French, names the line and the record
    advice: int = 0  # how many of ``erased`` are advice (``conseil``)


def check_erasures(path: PathLike) -> ErasureCheck:
    return check_lines(lines_mentioning(path, _NEEDLE))


def check_lines(mentions: Iterable[tuple[int, bytes]]) -> ErasureCheck:
    """The check over ``(line number, line)`` of every line that mentions ``effacement``,
    in journal order (a PostgreSQL journal's rows give theirs: number = ``seq``)."""
    tombs: dict[int, tuple[int, dict]] = {}  # decision seq -> (line, its tombstone)
    claimed: set[int] = set()
    advice_erased = 0
    for number, line in mentions:
        record = parse_record(line)
        if record is None:
            continue  # the chain check names unreadable lines
        stone = personal.erased(record) if record["evenement"] in personal.ERASABLE else None
        if stone is not None:
            tombs[record["seq"]] = (number, stone)
            advice_erased += record["evenement"] == advice.EVENT
        elif record["evenement"] == "effacement":
            problem = _listed(number, record, tombs)
            if problem is not None:
                return problem
            claimed.update(record["contenu"].get("effaces", []))
    for seq, (number, stone) in sorted(tombs.items(), key=lambda item: item[1][0]):
        if seq not in claimed:
            return ErasureCheck(
                len(tombs),
                number,
                f"ligne {number} : les données personnelles du n° {seq} ont été effacées sans "
                f"enregistrement « effacement » qui le liste (pierre tombale du n° "
                f"{stone.get('seq')} introuvable) — effacement hors de tamis, ou pierre "
                "tombale modifiée.",
            )
    return ErasureCheck(len(tombs), advice=advice_erased)


def _listed(number: int, record: dict, tombs: dict[int, tuple[int, dict]]) -> ErasureCheck | None:
    content = record["contenu"]
    expected = {"le": record["horodatage"], "motif": content.get("motif"), "seq": record["seq"]}
    for seq in content.get("effaces", []):
        found = tombs.get(seq)
        if found is None:
            return ErasureCheck(
                len(tombs),
                number,
                f"ligne {number} : l'effacement n° {record['seq']} liste le n° {seq}, dont les "
                "données personnelles sont de nouveau présentes — données restaurées après "
                "effacement.",
            )
        if found[1] != expected:
            return ErasureCheck(
                len(tombs),
                found[0],
                f"ligne {found[0]} : la pierre tombale du n° {seq} ne correspond pas à "
                f"l'effacement n° {record['seq']} (date ou motif modifiés).",
            )
    return None
