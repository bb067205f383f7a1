"""``verifier``'s fast pass on PostgreSQL: the server computes each row's digest and checks the
links, and sends back one row per range.

Why in the server: a decision's row is ≈ 3.2 kB. Sending a million of them to tamis to hash
them cost more than the hashing: the server read, decompressed and sent them (≈ 10 s of its
processor), tamis received them (≈ 4 µs a row in psycopg). Here each range of rows comes
back as one row: its ends (first ``seq`` and ``precedente``, last ``seq`` and ``empreinte``),
its count, and whether every row's digest is its ``empreinte`` and follows the row before.
The parent checks the seams, as for ``rowcheck.check_rows``' ranges (``read.verify``).

**The same digest as ``rowcheck.digest_of``**, from the columns' exact bytes:
``{"contenu":`` + ``contenu`` + (a personal part) ``,"donnees_personnelles":"`` + its
commitment + ``",`` + the envelope. The commitment is ``layout.commitment_bytes``'s: the
SHA-256 of the salt's bytes and of the bytes of ``donnees`` for data, the pledge kept for a
tombstone. The texts' bytes are ``textsend``'s in a session whose client encoding is UTF-8:
their UTF-8 bytes, without validating again what the server validated when it stored them
(≈ 10 % of its work here). Only rows whose envelope (``evenement``, ``horodatage``) JSON
writes as it is and whose personal part has one of the two layouts tamis writes are taken
as intact; any other row is in doubt, and ``read``'s exact pass reads it again in tamis,
which decides. Being stricter than ``digest_of`` costs time on odd rows, never a wrong
verdict; a property test holds the two equal on rows of every shape.

**What it trusts:** the server's SHA-256 (``pg_catalog.sha256``), as every pass trusts the
server to send the bytes it holds; ``pg_catalog`` is searched first, so that no function or
operator of another schema stands in for one of its own. ``verifier --contenu`` computes
every digest in tamis instead, from the bytes received, with every copy (``rowcheck``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg

from tamis.audit import layout
from tamis.audit.postgres import schema, sessions
from tamis.audit.postgres import url as urls
from tamis.audit.postgres.rowcheck import RowsCheck

if TYPE_CHECKING:
    from tamis.audit.postgres.read import SeqRange


def _bytes(text: bytes) -> str:
    """A bytea literal of ``text``."""
    return f"'\\x{text.hex()}'::bytea"


def _hex(place: str, length: int) -> str:
    """True if the ``length`` bytes at ``place`` are lowercase hexadecimal digits: ``ltrim``
    of bytes (a text's ``ltrim`` or a regular expression weighs each character's encoding,
    and cost ≈ 10 % of the whole check)."""
    return f"ltrim(substr(p, {place}, {length}), {_bytes(b'0123456789abcdef')}) = ''::bytea"


_END = _bytes(b'"}')
_N = "octet_length(p)"
_PLEDGE = f"""
CASE
  WHEN p IS NULL THEN NULL
  WHEN {_N} >= {len(layout.DATA_START) + 42}
    AND substr(p, 1, {len(layout.DATA_START)}) = {_bytes(layout.DATA_START)}
    AND substr(p, {_N} - 41, 8) = {_bytes(layout.SALT_MARK)}
    AND substr(p, {_N} - 1, 2) = {_END} AND {_hex(f"{_N} - 33", 32)}
  THEN encode(sha256(decode(encode(substr(p, {_N} - 33, 32), 'escape'), 'hex')
    || substr(p, {len(layout.DATA_START) + 1}, {_N} - {len(layout.DATA_START) + 42})), 'hex')
  WHEN {_N} >= {len(layout.TOMBSTONE_START) + 81}
    AND substr(p, 1, {len(layout.TOMBSTONE_START)}) = {_bytes(layout.TOMBSTONE_START)}
    AND substr(p, {_N} - 80, 15) = {_bytes(layout.PLEDGE_MARK)}
    AND substr(p, {_N} - 1, 2) = {_END} AND {_hex(f"{_N} - 65", 64)}
  THEN encode(substr(p, {_N} - 65, 64), 'escape')
END"""
"""``layout.commitment_bytes`` of the personal part's bytes ``p`` (``_N`` long), positions
counted from 1 as SQL does: for data, ``{"donnees":`` … ``,"sel":"<32 hex>"}`` (the SHA-256
of the salt's 16 bytes and of what stands between); for a tombstone, ``{"effacement":`` …
``,"engagement":"<64 hex>"}`` (the pledge itself); NULL for anything else."""

_DIGEST = """
encode(sha256(textsend(concat('{"contenu":', contenu,
  CASE WHEN p IS NULL THEN ',' ELSE ',"donnees_personnelles":"' || pledge || '",' END,
  '"evenement":"', evenement, '","horodatage":"', horodatage, '","precedente":"', precedente,
  '","seq":', seq, ',"version":', version, '}'))), 'hex')"""
"""The record's digest as ``rowcheck.digest_of`` computes it for a plain envelope."""

_PLAIN = (
    "octet_length(to_json(evenement || horodatage)::text)"
    " = octet_length(evenement) + octet_length(horodatage) + 2"
)
"""Envelope texts JSON writes as they are: ``to_json`` escapes exactly what ``digest_of``
escapes (``"``, ``\\`` and the characters below U+0020), and every escape is longer than the
character it stands for. (``ltrim`` or a regular expression cost ≈ 20 % of the whole check;
this, nothing measurable.)"""

RANGE = f"""
SELECT count(*), min(seq), max(seq),
  count(*) = coalesce(max(seq) - min(seq) + 1, 0)
    AND coalesce(bool_and(coalesce(intact, false)
      AND (digest_before IS NULL OR precedente = digest_before)), true),
  min(precedente) FILTER (WHERE digest_before IS NULL),
  min(empreinte) FILTER (WHERE seq = (
    SELECT max(seq) FROM {schema.TABLE} WHERE seq BETWEEN %s AND %s))
FROM (
  SELECT seq, precedente, empreinte, intact, lag(empreinte) OVER (ORDER BY seq) AS digest_before
  FROM (
    SELECT seq, precedente, empreinte,
      (p IS NULL OR pledge IS NOT NULL) AND {_PLAIN} AND {_DIGEST} = empreinte AS intact
    FROM (
      SELECT *, {_PLEDGE} AS pledge
      FROM (
        SELECT seq, horodatage, evenement, precedente, empreinte, version, contenu,
          textsend(donnees_personnelles) AS p
        FROM {schema.TABLE}
        WHERE seq BETWEEN %s AND %s
        ORDER BY seq
        OFFSET 0
      ) AS bytes
      ORDER BY seq
      OFFSET 0
    ) AS personal
    ORDER BY seq
    OFFSET 0
  ) AS rows
) AS checked
"""
"""One range's check, in one row, each level computed once per row. The rows are contiguous
when their count is the span of their numbers (``seq`` is the primary key); then, in ``seq``
order, each row's predecessor is the row before it, and one window function (``lag``) gives
its digest: the first row is the one without. The last row's digest is found by its number,
taken once by the index (``lead`` and ``lag(seq)`` in the window cost ≈ 5 % of the check).
``OFFSET 0`` keeps a level from being merged into the one above: without it, the planner
would put ``textsend`` (and the reading of the personal part) back in every place ``p`` is
used, and the pledge in both places it is. ``ORDER BY seq`` at each level lets the window
read the index's order (no sort), and only four small columns reach it (it keeps its rows)."""

_CATALOG_FIRST = (
    "SELECT pg_catalog.set_config('search_path', "
    "'pg_catalog, ' || pg_catalog.current_setting('search_path'), false)"
)


def _prepared(connection: psycopg.Connection) -> None:
    """The session ``RANGE`` runs in: texts sent as UTF-8, ``pg_catalog`` searched first."""
    connection.execute("SET client_encoding TO 'UTF8'")
    connection.execute(_CATALOG_FIRST)


def check_range(url: str, part: SeqRange) -> tuple[SeqRange, RowsCheck]:
    """``read.check_range``'s answer for the rows ``part.first <= seq <= part.last``, found
    by the server: ``(part, RowsCheck)``, ``ok`` False if any row is in doubt (``read``'s
    exact pass then names it)."""
    try:
        with sessions.kept(url, _prepared) as connection:
            count, first, last, ok, previous, digest = connection.execute(
                RANGE, (part.first, part.last) * 2
            ).fetchone()
    except psycopg.Error as error:
        raise urls.failed(url, error, "de lire") from None
    if first is None:
        return part, RowsCheck(None, b"", 0, b"", 0, True)
    return part, RowsCheck(first, previous.encode(), last, digest.encode(), count, ok)
