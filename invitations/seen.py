"""The ids met in one run, in one compact table: the one structure that grows with the input.

Two readers of an input need to remember every id they met: the reader (``reader``), to warn
about an id met again with the place where it was first met, and the run's memory of what it
decided (``tamis.triage.repeat``), so that an id given twice is decided once, the first time
(« déjà décidée plus haut »). Both use this one table: the reader keeps each id with its
place, and the run marks the same entry with what it decided (a small number, 1 to 6).

Each id is kept as a 57-bit fingerprint (Python's ``hash`` of the text, stable within a
run): its top 12 bits choose one of 4,096 buckets, and the bucket holds one 8-byte record
per id: 40 more bits of the fingerprint, then one byte with its last 5 bits and the mark
(3 bits), then 2 bytes for the place. A bucket is searched by ``bytearray.find`` (in C).

A place is kept as its **gap** from the last place kept in the same bucket: the reader
numbers its records in order, so the places of one bucket only grow, by about 4,096 lines
from one to the next (a bucket gets one id in 4,096), and 16 bits hold 16 times that. A gap
of 65,279 lines or more (a bucket that gets no new id for that long: about once in ten
million ids when every line has one) goes whole into a filler record (mark 7) just before,
whose fingerprint bytes hold it; a filler is never taken for an id, and a place is never
rounded. The place of a record is its bucket's gaps summed up to it, column by column in C
(``_gaps``): a few microseconds, paid only for an id met again. A place that goes back
(before the last one kept in its bucket) or beyond 2²⁹ - 1 (536 million lines) is not kept:
``first`` then says 0, which the reader words « plus haut ».

That is **8 bytes per distinct id** (9 with 60-bit fingerprints and 21-bit gaps), and what
the allocator adds is kept near nothing:

- new records are appended to 4,096 small ``bytearray`` (a few records each, which
  Python's small-object allocator serves without waste);
- every ``_SETTLE`` new ids, they are moved into one large buffer that holds every
  bucket's older records end to end (``_starts`` says where each bucket begins). It grows
  in place (an anonymous mapping the kernel enlarges without copying, whose pages are used
  only as they are written) and the buckets are shifted inside it, last first; no freed
  block is left behind.

Growing 4,096 buckets each by itself left holes in the C library's heap that nothing could
reuse: 14 MiB of memory for 9.5 MiB of records at a million ids. Now a million ids take
**7.7 MiB**, plus 0.3 MiB at start.
Two different ids share a fingerprint with probability about n² / 2⁵⁸ (3.5 in a million for
a million ids; 4 in 10 million with 9-byte records): the second would be taken for the
first (a warning, and not decided again).
"""

from __future__ import annotations

import mmap
from array import array

_BITS = 12  # the top bits of a fingerprint choose its bucket
_BUCKETS = 1 << _BITS
_REST_BITS = 45  # the fingerprint's bits kept in its record
_KEY = 5  # whole bytes of fingerprint a record starts with; the other 5 bits share the mark's
_TAIL = (1 << (_REST_BITS - 8 * _KEY)) - 1  # where they are in that byte (the mark: << 5)
_WIDTH = _KEY + 3  # bytes of a record: fingerprint, fingerprint and mark, then place gap
_SETTLE = 8 * _BUCKETS  # new records kept in the small buckets before they are settled
_RESERVE = 1 << 20  # the large buffer's first size: address space, pages used as written
MAX_PLACE = (1 << 29) - 1
MAX_MARK = 6
_FILLER = 7  # the mark of a record that only carries a gap too long for one record
_NOWHERE = 0xFFFF  # the gap of a record kept without a place
_MAX_GAP = (0xFF << 8) - 1  # longest gap in one record: a top byte 0xFF is _NOWHERE's
_NO_PLACE = _NOWHERE.to_bytes(2, "little")
_FILLERS = bytes(b >> 5 == _FILLER for b in range(256))  # ``translate``: 1 for a filler's


class SeenIds:
    """Remembers ids, where each was first met, and a mark set on it later."""

    def __init__(self) -> None:
        self._recent = [bytearray() for _ in range(_BUCKETS)]  # the newest records
        self._settled = _mapping(_RESERVE)  # the older records, bucket after bucket
        self._starts = array("Q", bytes(8 * (_BUCKETS + 1)))  # bucket b: _starts[b:b + 2]
        self._ends = array("Q", bytes(8 * _BUCKETS))  # bucket b's last place kept
        self._count = 0
        self._unsettled = 0

    def __len__(self) -> int:
        return self._count

    def first(self, ident: str, where: int, mark: int = 0) -> int | None:
        """Where ``ident`` was met first (0: too far to say), or None when it is new (then it
        is kept, at ``where``: places come in the order the reader numbers them; and marked
        with ``mark`` if given, as ``mark`` would, without looking the id up again)."""
        number, bucket, key, at = self._find(ident)
        if at >= 0:
            return self._place(number, bucket, at)
        if mark:
            if not 0 < mark <= MAX_MARK:
                raise ValueError(f"mark must be 1 to {MAX_MARK}, not {mark}")
            key = key[:_KEY] + bytes((key[_KEY] | mark << 5,))
        self._add(bucket, key + self._gap(number, where).to_bytes(2, "little"))
        return None

    def place(self, ident: str) -> int | None:
        """Where ``ident`` was met first (0: too far to say), or None when it was never kept
        (nothing is kept)."""
        number, bucket, _, at = self._find(ident)
        return self._place(number, bucket, at) if at >= 0 else None

    def mark(self, ident: str, mark: int) -> int:
        """Mark ``ident`` with ``mark`` (1 to ``MAX_MARK``) unless it has a mark already: the
        first one stands, and is returned. An id never met is kept, with no place."""
        if not 0 < mark <= MAX_MARK:
            raise ValueError(f"mark must be 1 to {MAX_MARK}, not {mark}")
        _, bucket, key, at = self._find(ident)
        if at < 0:
            self._add(bucket, key[:_KEY] + bytes((key[_KEY] | mark << 5,)) + _NO_PLACE)
            return mark
        found = bucket[at + _KEY] >> 5
        if found:
            return found
        bucket[at + _KEY] |= mark << 5
        return mark

    def marked(self, ident: str) -> int:
        """``ident``'s mark, 0 when it has none or was never kept."""
        _, bucket, _, at = self._find(ident)
        return bucket[at + _KEY] >> 5 if at >= 0 else 0

    def size(self) -> int:
        """Bytes the records take, reserve included (what ``sys.getsizeof`` does not show)."""
        recent = sum(bucket.__alloc__() for bucket in self._recent)
        settled = self._starts[-1]  # the large buffer's pages beyond it are never touched
        tables = self._starts.itemsize * (len(self._starts) + len(self._ends))
        return recent + settled + tables

    def _find(self, ident: str) -> tuple[int, bytearray | mmap.mmap, bytes, int]:
        """Where ``ident``'s record is: its bucket's number, the buffer holding it (its small
        bucket when it is nowhere: where a new record goes), the fingerprint bytes it starts
        with (unmarked), and its offset in that buffer (-1: nowhere)."""
        fingerprint = hash(ident)
        number = fingerprint >> _REST_BITS & _BUCKETS - 1
        key = (fingerprint & (1 << _REST_BITS) - 1).to_bytes(_KEY + 1, "little")
        start, end = self._starts[number], self._starts[number + 1]
        if start != end:
            at = _search(self._settled, key, start, end)
            if at >= 0:
                return number, self._settled, key, at
        bucket = self._recent[number]
        return number, bucket, key, _search(bucket, key, 0, len(bucket))

    def _gap(self, number: int, where: int) -> int:
        """A new record's place gap for ``where``: its distance from the bucket's last
        place (a longer way than one record holds goes first, whole, into a ``_FILLER``
        record, and the new record's gap is 0), or _NOWHERE for a place that cannot be kept
        (out of range, or before the bucket's last)."""
        gap = where - self._ends[number]
        if not 0 < where <= MAX_PLACE or gap < 0:
            return _NOWHERE
        self._ends[number] = where
        if gap > _MAX_GAP:
            filler = gap.to_bytes(_KEY, "little") + bytes((_FILLER << 5, 0, 0))
            self._add(self._recent[number], filler, ident=False)
            return 0
        return gap

    def _place(self, number: int, buffer: bytearray | mmap.mmap, at: int) -> int:
        """The place of the record at ``at``: its bucket's gaps summed up to it."""
        if buffer[at + _WIDTH - 1] == _NOWHERE >> 8:
            return 0
        start, end = self._starts[number], self._starts[number + 1]
        if buffer is self._settled:
            return _gaps(buffer[start : at + _WIDTH])
        return _gaps(self._settled[start:end]) + _gaps(buffer[: at + _WIDTH])

    def _add(self, bucket: bytearray, record: bytes, *, ident: bool = True) -> None:
        bucket += record
        self._count += ident
        self._unsettled += 1
        if self._unsettled >= _SETTLE:
            self._settle()

    def _settle(self) -> None:
        """Move the small buckets' records to the ends of their buckets in the large buffer:
        each bucket, last first, is shifted right by what the buckets before it (and itself)
        receive, so nothing is read after it is written."""
        recent, starts = self._recent, self._starts
        shift = self._unsettled * _WIDTH
        settled = self._grown(starts[-1] + shift)
        for number in range(_BUCKETS - 1, -1, -1):
            new = recent[number]
            start, end = starts[number], starts[number + 1]
            moved = shift - len(new)
            if moved and start != end:
                settled.move(start + moved, start, end - start)
            settled[end + moved : end + shift] = new
            starts[number + 1] = end + shift
            shift = moved
            new.clear()
        self._unsettled = 0

    def _grown(self, size: int) -> mmap.mmap:
        """The large buffer, enlarged to hold ``size`` bytes when it is too small: doubled in
        place (the kernel moves the mapping, nothing is copied), or copied to a new mapping
        where a system cannot enlarge an anonymous one."""
        settled = self._settled
        if size <= len(settled):
            return settled
        capacity = max(size, 2 * len(settled))
        try:
            settled.resize(capacity)
        except (OSError, SystemError):
            larger = _mapping(capacity)
            larger[: self._starts[-1]] = settled[: self._starts[-1]]
            settled.close()
            self._settled = settled = larger
        return settled


def _mapping(size: int) -> mmap.mmap:
    """Private anonymous memory of ``size`` bytes: the kernel gives a page only once it is
    written, and takes it back whole, so no heap holes are left around it."""
    return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)


def _search(buffer: bytearray | mmap.mmap, key: bytes, start: int, end: int) -> int:
    """The offset of the record starting with ``key`` (its fingerprint's bytes, then the byte
    of its last bits, whatever its mark) in ``buffer[start:end]`` (-1: none); records start
    at multiples of ``_WIDTH``, and a match across two records, or a ``_FILLER``'s, is
    skipped."""
    prefix, tail = key[:_KEY], key[_KEY]
    at = buffer.find(prefix, start, end)
    while at >= 0 and (
        at % _WIDTH or (byte := buffer[at + _KEY]) & _TAIL != tail or byte >> 5 == _FILLER
    ):
        at = buffer.find(prefix, at + 1, end)
    return at


def _gaps(records: bytes) -> int:
    """The gaps of ``records`` (whole records, of one bucket) summed: each record's two last
    bytes hold its gap, summed column by column in C; records kept without a place (gap
    ``_NOWHERE``, the only ones whose last byte is 0xFF) count for nothing, and a filler's
    long way is in its fingerprint bytes."""
    low, high = records[_KEY + 1 :: _WIDTH], records[_KEY + 2 :: _WIDTH]
    total = sum(low) + (sum(high) << 8) - high.count(_NOWHERE >> 8) * _NOWHERE
    fillers = records[_KEY::_WIDTH].translate(_FILLERS)
    found = fillers.find(1)
    while found >= 0:
        at = found * _WIDTH
        total += int.from_bytes(records[at : at + _KEY], "little")
        found = fillers.find(1, found + 1)
    return total
