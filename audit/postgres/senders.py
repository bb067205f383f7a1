"""The sender's test (``--expediteur``, ``pourquoi`` by sender) on a PostgreSQL journal's
rows: where ``query``'s copies-only reading of ``chercher`` asks who sent a decision.

The ``expediteur`` copy shows the name (else the profile URL), but the test searches both, so
each row's personal part is read beside the copies (its content for a record without one:
format 2) and parsed as readers parse records (``personal.merged``, ``filters.Sender``):
never the content of a format 3 record. Most rows do not match, and parsing their personal
part is most of the cost: ``kept`` first looks for the wanted text among the part's bytes
(``may_name``), and parses only the parts that may name it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import orjson

from tamis.audit.errors import JournalError
from tamis.audit.filters import Filter, Sender
from tamis.audit.personal import KEY, merged
from tamis.audit.postgres import url as urls

FOLDS_TO_ASCII = "\xdf\u0130\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e\u212a" + "".join(
    map(chr, range(0xFB00, 0xFB07))
)
"""The characters beyond ASCII whose case folding holds ASCII letters (ß → ss, ſ → s, the
Kelvin sign → k, ligatures…): every ``c`` with an ASCII character in ``c.casefold()``."""
_FOLDING = re.compile(b"|".join(re.escape(c.encode()) for c in FOLDS_TO_ASCII)).search
_ASCII = bytes(range(0x80))  # deleted first: the search then runs over a few bytes, not 1 KB
_PLAIN = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*").fullmatch  # ASCII JSON writes as is

RowTest = Callable[[int, bytes | None, bytes | None], bool]


def kept(url: str, flt: Filter) -> RowTest:
    """``test(seq, personal, content)``: True if ``flt.sender_ok`` keeps the row's sender."""
    may = may_name(flt)

    def test(seq: int, personal: bytes | None, content: bytes | None) -> bool:
        part = content if personal is None else personal
        if part is not None and not may(part):
            return False
        return flt.sender_ok(*sender(url, seq, personal, content))

    return test


def may_name(flt: Filter) -> Callable[[bytes], bool]:
    """A test on a part's JSON bytes that is true for every part whose sender ``flt`` keeps.

    When the wanted text, case folded, is ASCII that JSON writes as it is (no ``"``, ``\\``
    or control character), a name or URL holding it holds, among characters whose case
    folding is ASCII only, ASCII characters that lowercase to it (every other character folds
    to non-ASCII only, ``FOLDS_TO_ASCII`` apart), written as they are in the JSON: so the
    part's bytes, lowercased (ASCII only), hold it too, unless the part has one of
    ``FOLDS_TO_ASCII`` (then it is parsed). Any other wanted text: every part is parsed."""
    wanted = (flt.sender or "").casefold()
    if not _PLAIN(wanted):
        return lambda part: True
    needle = wanted.encode()
    return lambda part: needle in part.lower() or _FOLDING(part.translate(None, _ASCII)) is not None


def sender(url: str, seq: int, personal: bytes | None, content: bytes | None) -> Sender:
    """The person a decision's record names (``Sender.person``), from its personal part (none
    once erased), or its content if it has none, put together as readers put them."""
    content_of = _merged_content(url, seq, personal, content)
    return Sender(None, None) if content_of is None else Sender.person(content_of)


def recipient(url: str, seq: int, personal: bytes | None, content: bytes | None) -> Sender | None:
    """``Sender.request`` of a decision's record, read as ``sender`` reads it."""
    content_of = _merged_content(url, seq, personal, content)
    return None if content_of is None else Sender.request(content_of)


def _merged_content(
    url: str, seq: int, personal: bytes | None, content: bytes | None
) -> dict | None:
    """A decision's content with its personal part put back (``personal.merged``)."""
    try:
        record = {"evenement": "decision", "contenu": orjson.loads(content or b"{}")}
        if personal is not None:
            record[KEY] = orjson.loads(personal)
    except orjson.JSONDecodeError:
        raise JournalError(f"{urls.shown(url)} : enregistrement n° {seq} illisible.") from None
    whole = merged(record)
    if whole is None or not isinstance(whole["contenu"], dict):
        return None
    return whole["contenu"]
