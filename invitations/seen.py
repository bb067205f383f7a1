"""The ids met in one run, in one compact table: the one structure that grows with the input.

Two readers of an input need to remember every id they met: the reader (``reader``), to warn
about an id met again with the place where it was first met, and the run's memory of what it
decided (``tamis.triage.repeat``), so that an id given twice is decided once, the first time
(« déjà décidée plus haut »). Both use this one table: the reader keeps each id with its
place, and the run marks the same entry with what it decided (a small number, 1 to 7).

Each id is kept as a 60-bit fingerprint (Python's ``hash`` of the text, stable within a
run): its top 12 bits choose one of 4,096 buckets, and the bucket, a ``bytearray``, holds one
10-byte record per id: 48 more bits of the fingerprint, then 4 bytes for the place (29
bits) and the mark (3 bits). A bucket is searched by ``bytearray.find`` (in C), and grows by
appending: no empty slot, nothing copied twice. That is **10 bytes per distinct id**, about
11 with what the buckets keep in reserve: **11 MB for a million ids**, plus 0.3 MB at start.
Two different ids share a fingerprint with probability about n² / 2⁶¹ (4 in 10 million for
a million ids): the second would be taken for the first (a warning, and not decided again).
A place beyond 2²⁹ - 1 (536 million lines) is not kept: ``first`` then says 0.
"""

from __future__ import annotations

_BITS = 12  # the top bits of a fingerprint choose its bucket
_BUCKETS = 1 << _BITS
_SHIFT = 64 - _BITS
_REST = (1 << 48) - 1  # the fingerprint's bits kept in its record
_KEY = 6  # bytes of a record's fingerprint
_WIDTH = _KEY + 4  # bytes of a record: fingerprint, then place and mark
_MASK = (1 << 64) - 1
MAX_PLACE = (1 << 29) - 1
MAX_MARK = 7


class SeenIds:
    """Remembers ids, where each was first met, and a mark set on it later."""

    def __init__(self) -> None:
        self._buckets = [bytearray() for _ in range(_BUCKETS)]
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def first(self, ident: str, where: int) -> int | None:
        """Where ``ident`` was met first (0: too far to say), or None when it is new (then it
        is kept, at ``where``)."""
        bucket, key, at = self._find(ident)
        if at >= 0:
            return _value(bucket, at) >> 3
        place = where if 0 < where <= MAX_PLACE else 0
        bucket += key + (place << 3).to_bytes(4, "little")
        self._count += 1
        return None

    def place(self, ident: str) -> int | None:
        """Where ``ident`` was met first (0: too far to say), or None when it was never kept
        (nothing is kept)."""
        bucket, _, at = self._find(ident)
        return _value(bucket, at) >> 3 if at >= 0 else None

    def mark(self, ident: str, mark: int) -> int:
        """Mark ``ident`` with ``mark`` (1 to ``MAX_MARK``) unless it has a mark already: the
        first one stands, and is returned. An id never met is kept, with no place."""
        if not 0 < mark <= MAX_MARK:
            raise ValueError(f"mark must be 1 to {MAX_MARK}, not {mark}")
        bucket, key, at = self._find(ident)
        if at < 0:
            bucket += key + mark.to_bytes(4, "little")
            self._count += 1
            return mark
        value = _value(bucket, at)
        if value & MAX_MARK:
            return value & MAX_MARK
        bucket[at + _KEY : at + _WIDTH] = (value | mark).to_bytes(4, "little")
        return mark

    def marked(self, ident: str) -> int:
        """``ident``'s mark, 0 when it has none or was never kept."""
        bucket, _, at = self._find(ident)
        return _value(bucket, at) & MAX_MARK if at >= 0 else 0

    def size(self) -> int:
        """Bytes the records take, reserve included (what ``sys.getsizeof`` does not show)."""
        return sum(bucket.__alloc__() for bucket in self._buckets)

    def _find(self, ident: str) -> tuple[bytearray, bytes, int]:
        """``ident``'s bucket, the fingerprint bytes its record starts with, and where that
        record is in the bucket (-1: nowhere)."""
        fingerprint = hash(ident) & _MASK
        bucket = self._buckets[fingerprint >> _SHIFT]
        key = (fingerprint & _REST).to_bytes(_KEY, "little")
        at = bucket.find(key)
        while at % _WIDTH and at >= 0:  # found across two records: search on
            at = bucket.find(key, at + 1)
        return bucket, key, at


def _value(bucket: bytearray, at: int) -> int:
    return int.from_bytes(bucket[at + _KEY : at + _WIDTH], "little")
