"""The ids already met in one input, to warn about a duplicate: the one structure of the
reader that grows with the input, so it is kept compact.

Sits in ``reader``. Each id is kept as a 64-bit fingerprint (Python's ``hash`` of the text,
stable within a run) and the place where it was first met (a line, or an array element),
in open-addressing tables of machine integers: 12 bytes a slot, at most 80 % of the slots
full, so about 15 to 22 bytes per distinct id (15 to 22 MB for a million). The table is
split in 64 parts that grow one at a time by half, so growing never holds two copies of it.
Two different ids share a fingerprint with probability about n² / 2⁶⁵ (3 in 100 million
for a million ids): the second would be reported as a duplicate, a warning only.
"""

from __future__ import annotations

from array import array

_PARTS = 64
_SHIFT = 58  # the top 6 bits of a fingerprint choose its part
_START = 64  # slots of a part at first
_MASK = 2**64 - 1
_MAX_WHERE = 2**32 - 1


class SeenIds:
    """Remembers ids and where each was first met."""

    def __init__(self) -> None:
        self._keys = [array("Q", bytes(8 * _START)) for _ in range(_PARTS)]
        self._where = [array("I", bytes(4 * _START)) for _ in range(_PARTS)]
        self._count = [0] * _PARTS

    def __len__(self) -> int:
        return sum(self._count)

    def first(self, ident: str, where: int) -> int | None:
        """Where ``ident`` was met first, or None when it is new (then it is kept, at
        ``where``)."""
        key, part, slot, found = self._slot(ident)
        if found == key:
            return self._where[part][slot]
        self._keys[part][slot], self._where[part][slot] = key, min(where, _MAX_WHERE)
        self._count[part] += 1
        if self._count[part] * 5 > len(self._keys[part]) * 4:
            self._grow(part)
        return None

    def get(self, ident: str) -> int | None:
        """Where ``ident`` was met first, or None when it was never kept (nothing is kept)."""
        key, part, slot, found = self._slot(ident)
        return self._where[part][slot] if found == key else None

    def _slot(self, ident: str) -> tuple[int, int, int, int]:
        """``ident``'s fingerprint, its part, the slot that holds it or where it would go,
        and what that slot holds."""
        key = (hash(ident) & _MASK) or 1  # 0 marks an empty slot
        part = key >> _SHIFT
        keys = self._keys[part]
        slot = key % len(keys)
        found = keys[slot]
        if found and found != key:  # taken by another id: probe on (``_find``)
            slot = _find(keys, key)
            found = keys[slot]
        return key, part, slot, found

    def _grow(self, part: int) -> None:
        old_keys, old_where = self._keys[part], self._where[part]
        size = len(old_keys) * 3 // 2
        keys, where = array("Q", bytes(8 * size)), array("I", bytes(4 * size))
        for key, place in zip(old_keys, old_where, strict=True):
            if key:
                slot = _find(keys, key)
                keys[slot], where[slot] = key, place
        self._keys[part], self._where[part] = keys, where


def _find(keys: array, key: int) -> int:
    """The slot holding ``key``, or the empty slot where it goes (linear probing)."""
    size = len(keys)
    slot = key % size
    while keys[slot] and keys[slot] != key:
        slot = slot + 1 if slot + 1 < size else 0
    return slot
