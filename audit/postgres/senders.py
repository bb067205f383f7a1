"""The sender's test (``--expediteur``, ``pourquoi`` by sender) on a PostgreSQL journal's
rows: where ``query``'s copies-only reading of ``chercher`` asks who sent a decision.

The ``expediteur`` copy shows the name (else the profile URL), but the test searches both, so
each row's personal part is read beside the copies (its content for a record without one:
format 2) and parsed as readers parse records (``personal.merged``, ``filters.Sender``):
never the content of a format 3 record. Most rows do not match, and parsing their personal
part was most of the cost: the server first keeps only the rows whose part's bytes may name
the wanted text (``where``, one regular expression in the SQL), so the others are neither
sent nor parsed; ``kept`` then applies the same test in tamis (``may_name``, the last word on
what the server sent), and parses only the parts that pass it.
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
COMPOSES_TO_ASCII = "\u037e\u1fef\u0307\u0308\u030a\u030c\u0331\u0344"
"""The other characters beyond ASCII that may leave ASCII in a text once it is composed
(``composed``: NFC, as ``Filter.sender_ok`` composes it) and case folded: the Greek question
mark and varia, whose NFC is ``;`` and a backtick, and the combining marks that can complete
a character of ``FOLDS_TO_ASCII`` after another mark (« ȟ » then U+0331 composes into « ẖ »,
which folds to « h »)."""
GIVES_ASCII = FOLDS_TO_ASCII + COMPOSES_TO_ASCII
"""A part holding one of these is always parsed: its bytes cannot tell what it names."""
_FOLDING = re.compile(b"|".join(re.escape(c.encode()) for c in GIVES_ASCII)).search
_ASCII = bytes(range(0x80))  # deleted first: the search then runs over a few bytes, not 1 KB
_PLAIN = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*").fullmatch  # ASCII JSON writes as is

PART = "coalesce(donnees_personnelles, contenu)"
"""The JSON text a row's person is read from, in SQL: its personal part, else (format 2) its
content (``kept``'s ``part``)."""

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
    or control character), a name or URL holding it once composed and case folded holds
    ASCII characters that lowercase to it, written as they are in the JSON (canonical, as
    tamis writes every part: ``rows.row_of``), unless it holds one of ``GIVES_ASCII``: every
    other character beyond ASCII composes and folds to non-ASCII only. So the part's bytes,
    lowercased (ASCII only), hold it too, or the part has one of ``GIVES_ASCII`` (then it is
    parsed). Any other wanted text: every part is parsed. ``where`` is this test in SQL."""
    needle = _needle(flt)
    if needle is None:
        return lambda part: True
    wanted = needle.encode()
    return lambda part: wanted in part.lower() or _FOLDING(part.translate(None, _ASCII)) is not None


def where(flt: Filter, part: str = PART) -> tuple[str, list] | None:
    """``may_name`` as an SQL condition on the JSON text ``part`` (an SQL expression), and
    its parameters; None when ``may_name`` keeps every part.

    One regular expression, case left aside (``~*``) in the ``"C"`` collation: there, case
    is ASCII's alone (PostgreSQL 13 to 18: ``pg_wc_toupper``, ``pg_wc_tolower``), as
    ``bytes.lower`` has it, and the wanted text is ASCII; the alternative is a bracket
    expression of ``GIVES_ASCII``. One pass over the part: a second test of the same column
    (``strpos`` of ``lower(…)``, then ``~`` for the bracket) decompresses it again."""
    needle = _needle(flt)
    if needle is None:
        return None
    literal = "".join(c if c.isalnum() else "\\" + c for c in needle)  # ARE: \c is c
    return f'({part}) COLLATE "C" ~* %s', [f"{literal}|[{GIVES_ASCII}]"]


def _needle(flt: Filter) -> str | None:
    """The wanted text case folded if the byte test can use it (see ``may_name``)."""
    wanted = (flt.sender or "").casefold()
    return wanted if wanted and _PLAIN(wanted) else None


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
