"""The units a streamed file has already shown, in a few bytes each: duplicates found whatever its length.

A streamed file keeps, per unit, its identity's hash, the row it first appeared on and the hash of
that row's content (`RowPipeline` tells a repeat from a conflict by the latter). A dict of Python ints
costs ~125 bytes per unit; here they sit in flat arrays (an open-addressing hash table, linear
probing, at most 70% full): 21 bytes per slot, 30–60 bytes per unit, no object per unit. `get`,
`setdefault` and `__setitem__` behave exactly as the dict they replace.
"""

from __future__ import annotations

from array import array
from itertools import compress

_MASK64 = (1 << 64) - 1
_HALF = 1 << 63
_FIRST_CAPACITY = 1 << 12
_MAX_LOAD = 0.7


def _signed(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


class Seen:
    """identity hash → (first row << 64) | content digest, like ``dict[int, int]`` (`get`, `[]=`, `len`)."""

    def __init__(self, capacity: int = _FIRST_CAPACITY) -> None:
        #: The table's size once a unit comes: allocated then, not before (a file whose rows another
        #: process reads, `records.ahead`, never fills this one).
        self.wanted = max(8, 1 << (capacity - 1).bit_length())
        self._alloc(8)
        self.n = 0

    @classmethod
    def for_units(cls, expected: int) -> Seen:
        """A table sized for ``expected`` units (a CSV's line count: never fewer than its rows), so
        that it need not grow while they come; at least the usual first size."""
        return cls(max(_FIRST_CAPACITY, int(expected / _MAX_LOAD) + 1))

    def _alloc(self, capacity: int) -> None:
        self.mask = capacity - 1
        self.used = bytearray(capacity)
        self.keys = array("q", bytes(8 * capacity))
        self.rows = array("q", bytes(8 * capacity))
        self.digests = array("Q", bytes(8 * capacity))

    def __len__(self) -> int:
        return self.n

    def _slot(self, key: int) -> int:
        """The slot holding ``key``, or the empty slot where it would go."""
        used, keys, mask = self.used, self.keys, self.mask
        i = key & mask
        while used[i] and keys[i] != key:
            i = (i + 1) & mask
        return i

    def get(self, key: int) -> int | None:
        key = _signed(key)
        i = self._slot(key)
        if not self.used[i]:
            return None
        return (self.rows[i] << 64) | self.digests[i]

    def __setitem__(self, key: int, packed: int) -> None:
        if not self.n and self.mask < self.wanted - 1:
            self._alloc(self.wanted)
        key = _signed(key)
        i = self._slot(key)
        if not self.used[i]:
            self.used[i] = 1
            self.keys[i] = key
            self.n += 1
        self.rows[i] = packed >> 64
        self.digests[i] = packed & _MASK64
        if self.n > _MAX_LOAD * (self.mask + 1):
            self._grow()

    def setdefault(self, key: int, packed: int) -> int:
        """The value of ``key``, after setting it to ``packed`` when it had none (one probe)."""
        if not self.n and self.mask < self.wanted - 1:
            self._alloc(self.wanted)
        key = _signed(key)
        used, keys, mask = self.used, self.keys, self.mask
        i = key & mask
        while used[i]:
            if keys[i] == key:
                return (self.rows[i] << 64) | self.digests[i]
            i = (i + 1) & mask
        used[i] = 1
        keys[i] = key
        self.rows[i] = packed >> 64
        self.digests[i] = packed & _MASK64
        self.n += 1
        if self.n > _MAX_LOAD * (mask + 1):
            self._grow()
        return packed

    def setdefault_many(
        self, keys: list[int], rows: list[int], digests: list[int]
    ) -> list[tuple[int, int, int]]:
        """`setdefault` of each key in turn, its value given as its row and digest (not packed):
        the keys already there (earlier, or before in ``keys``), each as (its position in
        ``keys``, the row and digest it was first set to). One loop for a round of keys."""
        if not self.n and self.mask < self.wanted - 1:
            self._alloc(self.wanted)
        hits: list[tuple[int, int, int]] = []
        n, limit = self.n, _MAX_LOAD * (self.mask + 1)
        used, table, first_rows, first_digests, mask = (
            self.used,
            self.keys,
            self.rows,
            self.digests,
            self.mask,
        )
        for pos, (key, row, digest) in enumerate(zip(keys, rows, digests, strict=True)):
            if not -_HALF <= key < _HALF:
                key = _signed(key)
            i = key & mask
            while used[i]:
                if table[i] == key:
                    hits.append((pos, first_rows[i], first_digests[i]))
                    break
                i = (i + 1) & mask
            else:
                used[i] = 1
                table[i], first_rows[i], first_digests[i] = key, row, digest
                n += 1
                if n > limit:
                    self.n = n
                    self._grow()
                    limit = _MAX_LOAD * (self.mask + 1)
                    used, table, first_rows, first_digests = self.used, self.keys, self.rows, self.digests
                    mask = self.mask
        self.n = n
        return hits

    def _grow(self) -> None:
        old = self.used, self.keys, self.rows, self.digests
        self._alloc(2 * (self.mask + 1))
        used, keys, rows, digests, mask = self.used, self.keys, self.rows, self.digests, self.mask
        taken = old[0]
        entries = zip(*(compress(column, taken) for column in old[1:]), strict=True)
        for key, row, digest in entries:
            i = key & mask
            while used[i]:
                i = (i + 1) & mask
            used[i] = 1
            keys[i], rows[i], digests[i] = key, row, digest


__all__ = ["Seen"]
