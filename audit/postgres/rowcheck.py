"""One row of a PostgreSQL journal, checked from its columns: what ``verifier`` requires of
each row, on the fast pass (``check_rows``) and on the exact one (``read``).

A row is intact when its digest, computed from its columns' own bytes, is its ``empreinte``,
and its copied columns say what its content says:

- **The digest, column by column.** The SHA-256 of ``{"contenu":`` + the bytes of
  ``contenu`` + (format 3) ``,"donnees_personnelles":"<commitment>",`` + the envelope, the
  commitment computed from the bytes of ``donnees_personnelles`` (``layout.commitment_bytes``).
  This is the canonical record the digest covers, so a row tamis wrote passes; a column that
  gained a space, a member, or the personal part moved into ``contenu`` does not, even when the
  line put together from the columns reads the same as the one that was sealed (a line made
  of the two texts glued together cannot tell where one ends).
- **The copies.** ``politique_sha256``, ``id_invitation`` and ``decision`` are copied from the
  content for the indexes (``rows.indexed``), and (schema 3) ``issue``, ``regle``, ``profil``
  and ``expediteur`` for what ``chercher`` shows and ``stats`` counts; a copy changed in the
  table would make their SQL answer wrongly while the chain still verifies. Each row's
  content (and a decision's personal part) is parsed once and every copy computed from it
  as the writers compute them (``expected_copies``, the definition). A decision as tamis
  writes one takes a shorter way to the same copies (``decision_copies``: what the same
  functions give, from the members they read, without rebuilding the merged content or the
  outcome and sender objects, the profile looked up by its facts' JSON): with it, checking
  a row costs about 30 % less CPU; any other shape steps aside to the definition, and
  property tests hold the two equal.

Rows arrive as a binary ``COPY`` sends them: texts as UTF-8 bytes (``COLUMNS``, ``TYPES``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import NamedTuple

import orjson

from tamis.audit import layout
from tamis.audit.chain import content_flaw, decision_flaw, personal_fields
from tamis.audit.personal import KEY
from tamis.audit.postgres import rows
from tamis.audit.stats import fact_profile

COLUMNS = (*rows.COPY_COLUMNS, *rows.COLUMNS[8:])
"""The columns a row is checked from, in ``RowBytes``' order: the copies (``Indexed`` and
``QueryCopies``) after the columns the line is made of."""
TYPES = [*rows.COPY_TYPES, *["bytea"] * len(rows.COLUMNS[8:])]
"""How psycopg loads them from a binary ``COPY``: texts as their bytes."""


class RowBytes(NamedTuple):
    contenu: bytes
    donnees_personnelles: bytes | None
    empreinte: bytes
    evenement: bytes
    horodatage: bytes
    precedente: bytes
    seq: int
    version: int
    politique_sha256: bytes | None
    id_invitation: bytes | None
    decision: bytes | None
    issue: bytes | None
    regle: bytes | None
    profil: bytes | None
    expediteur: bytes | None


class RowsCheck(NamedTuple):
    """What one pass over consecutive rows found: its ends, its count, whether all held."""

    first_seq: int | None  # None: no row
    first_previous: bytes  # the first row's ``precedente``
    last_seq: int
    last_digest: bytes
    count: int
    ok: bool  # every row intact and chained to the one before (the first taken as it is)


def as_bytes(row: tuple) -> tuple:
    """A row read as text (``COLUMNS``) as ``check_rows`` takes it: its texts as UTF-8."""
    return tuple(value.encode() if isinstance(value, str) else value for value in row)


def check_rows(found: Iterable[tuple]) -> RowsCheck:
    """Check rows (``COLUMNS``, in ``seq`` order) on their own: each intact (``intact``) and
    following the one before. Stops at the first that does not (``ok`` False)."""
    first, seq, digest, count = None, 0, b"", 0
    for row in found:
        if first is None:
            first, seq, digest = row, row[6] - 1, row[5]
        if row[6] != seq + 1 or row[5] != digest or not intact(row):
            return RowsCheck(first[6], first[5], seq, digest, count, False)
        seq, digest, count = row[6], row[2], count + 1
    if first is None:
        return RowsCheck(None, b"", 0, b"", 0, True)
    return RowsCheck(first[6], first[5], seq, digest, count, True)


def intact(row: tuple) -> bool:
    """True if the row's digest matches its columns and its copies match its content."""
    return digest_of(row) == row[2] and copies_hold(row)


_PLAIN = re.compile(rb'[^"\\\x00-\x1f]*').fullmatch  # texts JSON writes as they are
_ENVELOPE = b'"evenement":"%b","horodatage":"%b","precedente":"%b","seq":%d,"version":%d}'
_START = hashlib.sha256(b'{"contenu":')  # copied for each row, never updated in place


def digest_of(row: tuple) -> bytes | None:
    """The digest (hex, as bytes) of the record a row's columns hold (``COLUMNS``), from
    their exact bytes; None if its personal part is not laid out as tamis writes one."""
    contenu, personal, _, event, moment, previous, seq, version = row[:8]
    if _PLAIN(event + moment):  # ``previous`` too, or it cannot be the digest before it
        envelope = _ENVELOPE % (event, moment, previous, seq, version)
    else:
        texts = (event.decode(), moment.decode(), previous.decode())
        envelope = layout.canonical(dict(zip(layout.ENVELOPE, (*texts, seq, version), strict=True)))
        envelope = envelope[1:]
    state = _START.copy()
    state.update(contenu)
    if personal is None:
        state.update(b"," + envelope)
    else:
        pledge = layout.commitment_bytes(personal)
        if pledge is None:
            return None
        state.update(b',"donnees_personnelles":"%b",%b' % (pledge, envelope))
    return state.digest().hex().encode()


def copies_hold(row: tuple) -> bool:
    """True if the row's copied columns are what its content says (``expected_copies``), the
    sender's copy being also allowed to be empty: erasure empties it, and a name restored
    into the personal part afterwards is the erasure check's to name."""
    expected = decision_copies(row) or expected_copies(row)
    if expected is None:
        return False
    return row[8:] == expected or (row[14] is None and row[8:14] == expected[:6])


def decision_copies(row: tuple) -> tuple[bytes | None, ...] | None:
    """``expected_copies`` of a decision row as tamis writes one, in fewer steps: what
    ``Outcome``, ``Sender``, ``fact_profile`` and the canonical JSON give, read from the
    members they read (the outcome's four as a list, the sender by ``_shown``), without
    ``personal.merged``'s copy of the whole content; texts compared as bytes. None for any
    other row or shape, for which the caller asks ``expected_copies``, the definition:
    another event, a content or a personal part that does not parse, a policy digest, id
    or decision that is not a text, a personal part that is neither data without quoted
    facts nor a tombstone, a content that is not of the record format (``decision_flaw``)."""
    if row[3] != b"decision":
        return None
    try:
        content, extra = orjson.loads(row[0]), _personal(row[1])
        if type(content) is not dict or extra is None or decision_flaw(content, extra) is not None:
            return None
        policy, ident, decision = content["politique"], content["id"], content["decision"]
        if type(policy.get("sha256")) is not str or type(ident) is not str:
            return None
        rule = content["regle"]
        shown = _shown(extra.get("invitation", content.get("invitation")))
        return (
            policy["sha256"].encode(),
            ident.encode(),
            decision.encode(),
            layout.canonical([decision, rule, content.get("motif"), policy]),
            rule.encode(),
            _profile(content),
            None if shown is None else layout.canonical(shown),
        )
    except (ValueError, TypeError, KeyError, AttributeError):  # not JSON, not of these shapes
        return None


_PROFILES: dict[bytes, bytes] = {}
_PROFILES_MAX = 4096  # distinct sets of facts kept (a few MB at most): memory stays flat


def _profile(content: dict) -> bytes:
    """The ``profil`` copy of a decision's content (``fact_profile``, as canonical JSON),
    looked up by the JSON of its facts and derived facts as parsed: two contents whose facts
    render the same have the same profile (parsed JSON renders back to one text per value,
    ``true`` apart from ``1``, member order kept), and most decisions share a few sets."""
    key = orjson.dumps((content.get("faits", {}), content.get("faits_derives", {})))
    found = _PROFILES.get(key)
    if found is None:
        found = layout.canonical(fact_profile(content))
        if len(_PROFILES) >= _PROFILES_MAX:
            _PROFILES.clear()
        _PROFILES[key] = found
    return found


def _shown(invitation: object) -> object:
    """``Sender.of({"invitation": invitation}).shown``, without building the sender: the
    name, else the profile's URL, of an ``expediteur`` object in an ``invitation`` object."""
    sender = invitation.get("expediteur") if isinstance(invitation, dict) else None
    return sender.get("nom") or sender.get("profil_url") if isinstance(sender, dict) else None


def _personal(part: bytes | None) -> dict | None:
    """The personal fields over a decision's content (``chain.personal_fields``), when the
    copies read nothing else that ``personal.merged`` changes; None for data that puts facts
    or trace details back, or a part of neither shape (the definition's way)."""
    found = None if part is None else orjson.loads(part)
    data = found.get("donnees") if type(found) is dict else None
    if type(data) is dict and ("faits" in data or "details" in data):
        return None
    return personal_fields(found)


def expected_copies(row: tuple) -> tuple[bytes | None, ...] | None:
    """What each copied column of a row must hold, as bytes, in ``COLUMNS``' order: the
    indexes' three (``rows.indexed``), then what ``chercher`` shows and ``stats`` counts
    (``rows.query_copies_of``, a decision's only), computed from its content and personal
    part as every writer computes them. None if its content or personal part is not JSON,
    or not of the record format (``chain.content_flaw``): no copy can match it, and the
    verifier reads the row again to say what is wrong with it."""
    try:
        record = {"contenu": orjson.loads(row[0]), "evenement": row[3].decode()}
        if row[1] is not None:
            record[KEY] = orjson.loads(row[1])
    except (orjson.JSONDecodeError, UnicodeDecodeError):
        return None
    if content_flaw(record) is not None:
        return None
    indexed = rows.indexed(record)
    query = rows.query_copies_of(record) if record["evenement"] == "decision" else None
    return (*_as_bytes(indexed), *_as_bytes(query or rows.QueryCopies()))


def _as_bytes(values: tuple) -> tuple[bytes | None, ...]:
    return tuple(None if value is None else str(value).encode() for value in values)
