"""The advice a journal holds: its ``conseil`` records, read apart from the decisions.

Sits beside ``queries`` (which read decisions only, ``evenement == "decision"``): ``tamis
journal conseils`` lists advice through ``select``, from a file (each line that mentions
``conseil`` is parsed; a record edited after it was written is shown with the same warning as
a decision, ``errors.Altered``) or from PostgreSQL (the rows whose ``evenement`` is
``conseil``, in ``seq`` order, through a server-side cursor). ``AdviceFilter`` chooses: the
journal's period and ``--expediteur`` test read on the advice (``advice.matches``: the
recipient), and verdicts. ``summary`` is one row per advice, as the commands show it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tamis.audit import advice
from tamis.audit.errors import Altered
from tamis.audit.filters import Filter, Json
from tamis.audit.personal import erased
from tamis.audit.postgres.url import is_url
from tamis.audit.reader import PathLike, Warn, check_first_line, lines_mentioning, parse_line
from tamis.audit.verify import sealed

_NEEDLE = advice.EVENT.encode()
CSV_COLUMNS = (
    "seq",
    "horodatage",
    "id",
    "destinataire",
    "verdict",
    "constats",
    "origine",
    "donnees_effacees",
)


@dataclass(frozen=True)
class AdviceFilter:
    """Which advice to show: ``period`` (a journal ``Filter`` with at most a period and a
    person, read as the recipient) and verdicts (empty: any)."""

    period: Filter = field(default_factory=Filter)
    verdicts: frozenset[str] = frozenset()

    def matches(self, record: dict) -> bool:
        return advice.matches(self.period, record) and (
            not self.verdicts or record["contenu"].get("verdict") in self.verdicts
        )


def select(journal: str | PathLike, flt: AdviceFilter, warn: Warn) -> Iterator[dict]:
    """The advice records ``flt`` keeps, in journal order (personal data put back)."""
    if is_url(str(journal)):
        from tamis.audit.postgres.advice import records  # psycopg only for a URL

        found = records(str(journal), flt.period, warn)
    else:
        found = _from_file(journal, warn)
    return (record for record in found if flt.matches(record))


def _from_file(path: PathLike, warn: Warn) -> Iterator[dict]:
    """The advice records of a file: only the lines that mention ``conseil`` are parsed."""
    check_first_line(path)
    for number, line in lines_mentioning(path, _NEEDLE):
        record = parse_line(path, number, line)
        if record["evenement"] != advice.EVENT:
            continue
        if not sealed(line):
            warn(Altered(path, number, record["seq"]))
        yield record


def summary(record: dict) -> dict[str, Json]:
    """One row per advice: number, time, id, recipient (name, else URL; absent once erased),
    verdict, the findings' codes, who asked, and the erasure if any."""
    content = record["contenu"]
    name, url = advice.recipient(content)
    row: dict[str, Json] = {
        "seq": record["seq"],
        "horodatage": record["horodatage"],
        "id": content.get("id"),
        "destinataire": name or url,
        "verdict": content.get("verdict"),
        "constats": advice.codes(content),
        "origine": content.get("origine"),
    }
    stone = erased(record)
    if stone is not None:
        row["effacement"] = stone
    return row


def csv_row(row: dict[str, Json]) -> dict[str, Json]:
    """A ``summary`` row for a spreadsheet: the codes in one cell, the erasure's date."""
    stone = row.get("effacement")
    codes = row.get("constats")
    return {
        **row,
        "constats": " ".join(codes) if isinstance(codes, list) else "",
        "donnees_effacees": stone.get("le") if isinstance(stone, dict) else None,
    }


def require_readable(journal: str) -> None:
    """A ``JournalError`` now if ``journal`` cannot be read (before any output is written)."""
    if is_url(journal):
        from tamis.audit.postgres.query import check

        check(journal)
        return
    check_first_line(journal)
