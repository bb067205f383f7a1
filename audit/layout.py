"""The bytes of one journal line: how a record is sealed, and how a line is checked fast.

Sits between the processors (which render and seal records) and every reader (verification,
queries): both sides agree on this layout. A line is the record as canonical JSON (orjson,
keys sorted) followed by ``\\n``. The record is an envelope whose keys sort as::

    contenu, empreinte, evenement, horodatage, precedente, seq, version

so the payload (``contenu``, an object) always comes first and every other key is a scalar of
fixed shape. The tail of each line therefore reads, exactly::

    …},"empreinte":"<64 hex>","evenement":"decision","horodatage":"2026-…Z",
       "precedente":"<64 hex>","seq":42,"version":2}

``empreinte`` is the SHA-256 of the canonical JSON of the record without ``empreinte``, i.e.
of the line with ``"empreinte":"…",`` cut out. Readers find the tail with one ``rfind`` and a
regular expression (``read_tail``), check the digest and the chain without parsing the
payload (``check_lines``, ``verifier``'s fast path), peek at the event and the time
(``peek``, the scan's pre-filter) and look for a member's exact bytes (``member``); a line
that does not have this exact layout (re-serialised by hand) falls back to parsing and
re-rendering. This module is the only one that knows where anything sits in a line.

Because ``contenu`` comes first, a writer can render it and feed it to SHA-256 before it knows
the record's number, time and predecessor (``prepare``, outside the file lock); sealing then
only renders the fixed-shape tail (``envelope_tail``) and hashes those ~200 bytes from a copy
of that SHA-256 state (``seal_prepared``, or ``seal_end`` which leaves the rendered content where
it is and returns only the line's end). The bytes are the same as ``seal(canonical(…))``.
"""

# No ``from __future__ import annotations``: typing builds NamedTuple and TypedDict classes
# from their annotations and compiles each one written as a string (≈ 0.07M instructions a
# field, 10 here, every start).
import hashlib
import re
from binascii import unhexlify
from typing import Any, NamedTuple

import orjson

GENESIS = "0" * 64
"""The ``precedente`` of the first record."""

SORTED = orjson.OPT_SORT_KEYS
ENVELOPE = ("evenement", "horodatage", "precedente", "seq", "version")
"""The envelope's scalar keys besides ``contenu`` and ``empreinte``, in canonical order."""
_PREFIX = b',"empreinte":"'
_CUT = len(b'"empreinte":"",') + 64  # bytes removed to get the canonical form back
# Offsets in a tail laid out as written, counted from the start of ``_PREFIX``:
_DIGEST = len(_PREFIX)  # the 64 hex digits of ``empreinte``
_AFTER_DIGEST = _DIGEST + 64  # the ``",`` that closes it
_EVENT_KEY = b'","evenement":"'
_EVENT = _AFTER_DIGEST + len(_EVENT_KEY)  # the event's name
_TIME_KEY = b'","horodatage":"'  # right after the event's name
_VERSION_KEY = b',"version":'
_TAIL = re.compile(
    rb',"empreinte":"([0-9a-f]{64})","evenement":"([a-z]{1,20})","horodatage":"([0-9TZ:.+-]{1,40})"'
    rb',"precedente":"([0-9a-f]{64})","seq":([0-9]{1,19}),"version":([0-9]{1,6})\}'
)


class Tail(NamedTuple):
    """The envelope of a line, read from its bytes without parsing the payload."""

    start: int  # offset of ``,"empreinte"``
    empreinte: str
    evenement: str
    horodatage: str
    precedente: str
    seq: int
    version: int


class Prepared(NamedTuple):
    """A record's ``contenu``, rendered and hashed ahead of its envelope (``prepare``)."""

    fields: dict[str, Any]  # the content itself, as the caller gets it back
    head: bytes  # b'{"contenu":' + canonical JSON of ``fields``
    state: Any  # hashlib SHA-256 state after ``head``; copied, never updated in place


def canonical(fields: Any) -> bytes:
    """Canonical JSON: orjson with sorted keys (tuples become lists, enums their value)."""
    return orjson.dumps(fields, option=SORTED, default=str)


def member(key: bytes, value: str, following: bytes) -> bytes:
    """The bytes of a text member of a canonical object, followed by the next key: what a
    line holds when ``key`` is ``value`` at the level where ``following`` sorts next."""
    return b'"' + key + b'":' + orjson.dumps(value) + b',"' + following + b'":'


def text_start(key: bytes, start: str) -> bytes:
    """The bytes of a text member ``key`` of a canonical object whose value starts with
    ``start`` (its closing quote left out)."""
    return b'"' + key + b'":' + orjson.dumps(start)[:-1]


def key(name: str) -> bytes:
    """The bytes of a canonical object's key ``name``, colon included."""
    return orjson.dumps(name) + b":"


def seal(canonical_bytes: bytes) -> tuple[bytes, str]:
    """The line for a canonical record without ``empreinte``, and that digest."""
    digest = hashlib.sha256(canonical_bytes).hexdigest()
    cut = canonical_bytes.rfind(b',"evenement":"') + 1
    if cut <= 0:
        raise ValueError("record without 'evenement'")
    inserted = b'"empreinte":"' + digest.encode() + b'",'
    return canonical_bytes[:cut] + inserted + canonical_bytes[cut:] + b"\n", digest


def prepare(content: dict[str, Any]) -> Prepared:
    """Render ``content`` as the start of a canonical record and hash it (no chain yet)."""
    head = b'{"contenu":' + canonical(content)
    return Prepared(content, head, hashlib.sha256(head))


def envelope_tail(envelope: dict[str, Any]) -> bytes | None:
    """The canonical bytes after ``contenu`` (``,"evenement":…}``), rendered by hand.

    None unless ``envelope`` holds exactly the ``ENVELOPE`` keys, three strings that JSON
    writes verbatim and two integers: then the caller renders the record with ``canonical``."""
    try:
        if len(envelope) != 5:
            return None
        words = (envelope["evenement"], envelope["horodatage"], envelope["precedente"])
        numbers = (envelope["seq"], envelope["version"])
        text = "".join(words)  # TypeError unless three strings
    except (KeyError, TypeError):
        return None
    if type(numbers[0]) is not int or type(numbers[1]) is not int:
        return None
    if not text.isprintable() or '"' in text or "\\" in text:  # JSON would escape them
        return None
    return tail_bytes(*words, *numbers)


def tail_bytes(event: str, moment: str, previous: str, seq: int, version: int) -> bytes:
    """The canonical bytes after ``contenu`` of a plain envelope (``envelope_tail`` checks
    that it is one; a run of records checks its first and renders the others here)."""
    return (
        f',"evenement":"{event}","horodatage":"{moment}","precedente":"{previous}",'
        f'"seq":{seq},"version":{version}}}'
    ).encode()


def seal_prepared(prepared: Prepared, tail: bytes) -> tuple[bytes, str]:
    """The line and digest of ``prepared`` followed by the envelope ``tail``."""
    end, digest = seal_end(prepared, tail)
    return prepared.head + end, digest


def seal_end(prepared: Prepared, tail: bytes) -> tuple[bytes, str]:
    """The end of the line (``,"empreinte":"…"`` + ``tail`` + ``\\n``) and the digest.

    ``prepared.head + end`` is the line ``seal_prepared`` returns; the writer hands both
    pieces to one ``os.writev`` instead of copying the content into a new line."""
    state = prepared.state.copy()
    state.update(tail)
    digest = state.hexdigest()
    return b"".join((_PREFIX, digest.encode(), b'"', tail, b"\n")), digest


def read_tail(line: bytes) -> Tail | None:
    """The envelope of ``line`` (without its ``\\n``), or None if the layout is not exact."""
    start = line.rfind(_PREFIX)
    match = _TAIL.fullmatch(line, start) if start >= 0 else None
    if match is None:
        return None
    empreinte, evenement, horodatage, precedente, seq, version = match.groups()
    return Tail(
        start,
        empreinte.decode(),
        evenement.decode(),
        horodatage.decode(),
        precedente.decode(),
        int(seq),
        int(version),
    )


def peek(data: bytes, start: int, end: int) -> tuple[bytes, bytes | None] | None:
    """The event and the time of the line ``data[start:end]``, read from its tail's bytes
    without parsing (the time None if it is not where tamis writes it); None if the line is
    not laid out as tamis writes it (a parser must read it)."""
    tail = data.rfind(_PREFIX, start, end)
    if tail < 0 or not data.startswith(_EVENT_KEY, tail + _AFTER_DIGEST):
        return None
    event_end = data.find(b'"', tail + _EVENT, end)
    event = data[tail + _EVENT : event_end]
    if not data.startswith(_TIME_KEY, event_end):
        return event, None
    moment = event_end + len(_TIME_KEY)
    return event, data[moment : data.find(b'"', moment, end)]


def check_lines(
    data: bytes, pos: int, stop: int, seq: int, digest: bytes
) -> tuple[int, int, bytes]:
    """Check the lines of ``data[pos:stop]`` from their bytes while they hold, starting after
    the record ``seq`` whose ``empreinte`` is ``digest``; ``(offset of the first line that does
    not pass this fast check, or stop; last seq checked; its digest)``.

    A line passes when it ends with ``,"precedente":"<previous digest>","seq":<next>,
    "version":<n>}`` and the SHA-256 of its bytes without ``"empreinte":"…",`` is that
    ``empreinte``: no copy of the line, no parsing. A line that does not is left to a parser
    (rewritten by another program, altered, out of sequence)."""
    find, rfind, startswith, view = data.find, data.rfind, data.startswith, memoryview(data)
    sha256, skip = hashlib.sha256, len(_VERSION_KEY)
    while pos < stop:
        end = find(b"\n", pos, stop)
        version = rfind(_VERSION_KEY, pos, end)
        if version < 0 or data[end - 1] != 125 or not data[version + skip : end - 1].isdigit():
            break
        chained = b',"precedente":"%s","seq":%d' % (digest, seq + 1)
        after = version - len(chained)  # nothing from here on can hold ``_PREFIX``
        if after < pos or not startswith(chained, after):
            break
        start = rfind(_PREFIX, pos, after)
        if start < 0:
            break
        empreinte = data[start + _DIGEST : start + _AFTER_DIGEST]
        personal = find(PERSONAL_MARK, pos, start)  # format 3: the commitment stands for it
        if personal >= 0:
            check = personal_digest(data, pos, end, start, personal, view)
            if check is None:
                break
        else:
            check = sha256(view[pos : start + 1])
            check.update(view[start + 1 + _CUT : end])
        if (
            check.hexdigest().encode() != empreinte
            or data[start + _AFTER_DIGEST : start + _AFTER_DIGEST + 2] != b'",'
        ):
            break
        seq, digest, pos = seq + 1, empreinte, end + 1
    return pos, seq, digest


PERSONAL_MARK = b',"donnees_personnelles":{'
"""Where a format 3 decision's personal part starts (``personal``), as tamis writes it."""
DATA_START, SALT_MARK = b'{"donnees":', b',"sel":"'
TOMBSTONE_START, PLEDGE_MARK = b'{"effacement":', b',"engagement":"'
"""How a personal part as tamis writes it begins, and what stands before its salt (data) or
its pledge (a tombstone): ``commitment_bytes`` reads them, ``postgres.digests`` in SQL."""


def personal_digest(
    data: bytes, pos: int, end: int, start: int, cut: int | None = None, view: Any = None
) -> Any | None:
    """The SHA-256 state of the format 3 line ``data[pos:end]`` (``empreinte`` at ``start``)
    as its digest covers it: the personal part replaced by its commitment, computed from the
    bytes of ``donnees`` and the salt as written, or read from a tombstone. None if the line
    has no personal part laid out as tamis writes it (the caller parses the record).
    ``cut``: where ``PERSONAL_MARK`` is, if the caller found it; ``view``: ``data``'s."""
    cut = data.find(PERSONAL_MARK, pos, start) if cut is None else cut
    if cut < 0:
        return None
    view = memoryview(data) if view is None else view
    pledge = commitment_at(data, cut + len(PERSONAL_MARK) - 1, start, view)
    if pledge is None:
        return None
    digest = hashlib.sha256(view[pos:cut])
    digest.update(b',"donnees_personnelles":"%b",' % pledge)
    digest.update(view[start + _AFTER_DIGEST + 2 : end])
    return digest


def commitment_bytes(raw: bytes) -> bytes | None:
    """The commitment (64 hex digits) of a personal part's bytes as tamis writes them:
    SHA-256 of the salt's bytes and the bytes of ``donnees`` (canonical as written), or the
    one a tombstone keeps; None for any other layout."""
    return commitment_at(raw, 0, len(raw), memoryview(raw))


_HEX = b"0123456789abcdef"


def commitment_at(data: bytes, begin: int, end: int, view: memoryview) -> bytes | None:
    """``commitment_bytes(data[begin:end])``, read where the part stands, without copying
    it (``view``: ``data``'s)."""
    if end - begin < 42 or data[end - 2 : end] != b'"}':
        return None
    if data.startswith(DATA_START, begin) and data[end - 42 : end - 34] == SALT_MARK:
        salt = data[end - 34 : end - 2]
        if salt.strip(_HEX):
            return None
        pledge = hashlib.sha256(unhexlify(salt))
        pledge.update(view[begin + 11 : end - 42])
        return pledge.hexdigest().encode()
    if end - begin >= 81 and data.startswith(TOMBSTONE_START, begin):
        pledge = data[end - 66 : end - 2]
        if data[end - 81 : end - 66] != PLEDGE_MARK or pledge.strip(_HEX):
            return None
        return pledge
    return None


def line_digest(line: bytes, tail: Tail) -> str:
    """SHA-256 of the canonical record a well-laid-out line holds (``empreinte`` cut out)."""
    return digest_at(line, tail.start).hexdigest()


def digest_at(line: bytes, start: int) -> Any:
    """The SHA-256 state of ``line`` with the ``empreinte`` at ``start`` cut out."""
    view = memoryview(line)
    digest = hashlib.sha256(view[: start + 1])
    digest.update(view[start + 1 + _CUT :])
    return digest


def record_digest(record: dict) -> str:
    """SHA-256 of the canonical JSON of a parsed record without its ``empreinte`` (format 3:
    with its personal part replaced by that part's commitment, ``personal.hashed_fields``;
    ``ValueError`` if that part has neither of its shapes)."""
    from tamis.audit.personal import hashed_fields  # personal renders lines with this module

    return hashlib.sha256(canonical(hashed_fields(record))).hexdigest()
