"""Reading a PostgreSQL journal: its lines in ``seq`` order through a server-side cursor
(memory stays flat however long the journal), its records, and the chain's verification.

The verifier checks what ``verify`` checks of a file, on the lines the rows make
(``rows.line_of``): each line's digest against its bytes (``verify.sealed``: the personal
part by its commitment), each ``seq`` following the one before, each ``precedente`` the digest
before it, and an ``ouverture`` first. A problem names the record's number; the result is a
``verify.Verification``, so ``tamis journal verifier`` reports both backends the same way.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg

from tamis.audit.chain import parse_record
from tamis.audit.errors import JournalError
from tamis.audit.layout import GENESIS
from tamis.audit.postgres import rows, schema
from tamis.audit.postgres import url as urls
from tamis.audit.verify import Problem, Verification, sealed

_SELECT = f"SELECT {', '.join(rows.LINE_COLUMNS)} FROM {schema.TABLE} ORDER BY seq"
_FETCH = 2000  # rows per round trip


def iter_lines(url: str) -> Iterator[bytes]:
    """Every record's line (without ``\\n``), in ``seq`` order."""
    with urls.connect(url) as connection:
        schema.check(url, connection)
        try:
            with connection.cursor(name="tamis_lignes") as cursor:
                cursor.itersize = _FETCH
                cursor.execute(_SELECT)
                for row in cursor:
                    yield rows.line_of(*row)
        except psycopg.Error as error:
            raise urls.failed(url, error, "de lire") from None


def iter_records(url: str) -> Iterator[dict]:
    """Every record, as ``reader.iter_records`` gives a file's (format 3 merged)."""
    for line in iter_lines(url):
        record = parse_record(line)
        if record is None:
            raise JournalError(f"{urls.shown(url)} : enregistrement illisible, n° {_seq(line)}.")
        yield record


def verify(url: str) -> Verification:
    """The whole chain, or its first broken record (``Problem.line`` is its rank)."""
    seq, digest, count = 0, GENESIS, 0
    for line in iter_lines(url):
        record = parse_record(line)
        problem = _problem(count + 1, line, record, seq, digest)
        if problem is not None:
            return Verification(count, seq, digest, problem)
        seq, digest, count = record["seq"], record["empreinte"], count + 1  # type: ignore[index]
    if count == 0:
        empty = "journal vide — tout journal commence par un enregistrement « ouverture »."
        return Verification(0, 0, GENESIS, Problem("ouverture", 1, empty))
    return Verification(count, seq, digest, None)


def _problem(rank: int, line: bytes, record: dict | None, seq: int, digest: str) -> Problem | None:
    if record is None:
        return Problem("illisible", rank, f"enregistrement n° {_seq(line)} illisible.")
    found = record["seq"]
    if rank == 1 and record["evenement"] != "ouverture":
        return Problem(
            "ouverture",
            rank,
            f"le premier enregistrement (n° {found}) est « {record['evenement']} » et non "
            "« ouverture » — le début du journal a été supprimé ou remplacé.",
        )
    if not sealed(line):
        return Problem(
            "modifie",
            rank,
            f"l'enregistrement n° {found} a été modifié — son empreinte ne correspond plus à "
            "son contenu.",
        )
    if found != seq + 1:
        missing = f"n° {seq + 1}" if found == seq + 2 else f"n° {seq + 1} à {found - 1}"
        return Problem("supprime", rank, f"enregistrement(s) supprimé(s) ({missing} manquant).")
    if record.get("precedente") != digest:
        return Problem(
            "chainage",
            rank,
            f"l'enregistrement n° {found} ne suit pas l'empreinte de l'enregistrement n° {seq} "
            "— celui-ci a été réécrit ou remplacé.",
        )
    return None


def _seq(line: bytes) -> str:
    """The number a line claims, for a message about a line that does not parse."""
    start = line.rfind(b'"seq":')
    return line[start + 6 :].split(b",")[0].decode(errors="replace") if start >= 0 else "?"
