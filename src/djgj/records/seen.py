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
from typing import Any

_MASK64 = (1 << 64) - 1
_FIRST_CAPACITY = 1 << 12
_MAX_LOAD = 0.7
#: Keys a round must bring before they are set together (`Seen.add_new`, numpy): below it, one by one.
BATCH_MIN = 512
#: ... and units the table is sized for (`for_units`): loading numpy (~0.1 s) pays off only for a
#: file of some tens of thousands of units (~2 µs saved per unit).
BATCH_TABLE = 1 << 16


def _signed(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


class Seen:
    """identity hash → (first row << 64) | content digest, like ``dict[int, int]`` (`get`, `[]=`, `len`)."""

    def __init__(self, capacity: int = _FIRST_CAPACITY) -> None:
        #: The table's size once a unit comes: allocated then, not before (a file whose rows another
        #: process reads, `records.ahead`, never fills this one).
        self.wanted = max(8, 1 << (capacity - 1).bit_length())
        #: Rounds are set together (`add_new`) in a table sized for many units.
        self.batch = self.wanted >= BATCH_TABLE
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

    def add_new(self, keys: list[int], rows: list[int], digests: list[int]) -> bool:
        """Set every key of a round at once, when none is set yet and no two are equal (every row
        the first of its unit: the usual round); otherwise set nothing and return False, and the
        caller takes the round one row at a time. Afterwards the table answers as if `setdefault`
        had set them one after another (numpy probes the slots for all of them at once)."""
        if len(keys) < BATCH_MIN or not self.batch:
            return False
        import numpy as np

        try:
            k = np.array(keys, dtype=np.int64)  # (hash() values: signed 64-bit)
        except OverflowError:
            return False
        if len(np.unique(k)) != len(k):
            return False
        if not self.n and self.mask < self.wanted - 1:
            self._alloc(self.wanted)
        while self.n + len(keys) > _MAX_LOAD * (self.mask + 1):
            if self.n:
                self._grow()
            else:
                self._alloc(2 * (self.mask + 1))
        slots = self._free_slots(np, k)
        if slots is None:
            return False
        used = np.frombuffer(self.used, dtype=np.uint8)
        used[slots] = 1
        np.frombuffer(self.keys, dtype=np.int64)[slots] = k
        np.frombuffer(self.rows, dtype=np.int64)[slots] = np.array(rows, dtype=np.int64)
        np.frombuffer(self.digests, dtype=np.uint64)[slots] = np.array(digests, dtype=np.uint64)
        self.n += len(keys)
        return True

    def _free_slots(self, np: Any, k: Any) -> Any:
        """A free slot for each of the keys ``k`` (distinct), probing on from its home slot as
        `setdefault` does; None when one of them is set already. Keys reaching one free slot
        together leave it to the earliest and probe on: each key still lies past only taken slots
        from its home, so `get` and `setdefault` find it (which free slot it took is not seen)."""
        used = np.frombuffer(self.used, dtype=np.uint8).astype(bool)
        table = np.frombuffer(self.keys, dtype=np.int64)
        mask = self.mask
        pos = k & mask
        slots = np.full(len(k), -1, dtype=np.int64)
        pending = np.arange(len(k))
        while pending.size:
            p = pos[pending]
            taken = used[p]
            if (taken & (table[p] == k[pending])).any():
                return None
            free = pending[~taken]
            # of the keys reaching one free slot, the earliest takes it
            first = np.unique(pos[free], return_index=True)[1]
            won = free[first]
            slots[won] = pos[won]
            used[pos[won]] = True
            pending = np.setdiff1d(pending, won, assume_unique=True)
            pos[pending] = (pos[pending] + 1) & mask
        return slots

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


__all__ = ["BATCH_MIN", "BATCH_TABLE", "Seen"]
