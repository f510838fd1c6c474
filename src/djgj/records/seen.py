"""The units a streamed file has already shown, in a few bytes each: duplicates found whatever its length.

A streamed file keeps, per unit, its identity's hash, the row it first appeared on and the hash of
that row's content (`RowPipeline` tells a repeat from a conflict by the latter). A dict of Python ints
costs ~125 bytes per unit; here recent units wait in a small dict and are then merged, sorted, into
numpy arrays (24 bytes per unit), and a fixed bitmap answers "never seen" for most new units without
searching (numpy is imported only once a file has that many units). `get` and `__setitem__`
behave exactly as the dict they replace.
"""

from __future__ import annotations

from typing import Any

#: Units waiting in the dict before they are merged into the sorted arrays.
PENDING_MAX = 8192
_BITS = 1 << 24  # 2 MB of bits: a false "maybe" for ~1% of new units at 200,000 units
_MASK64 = (1 << 64) - 1


def _signed(value: int) -> int:
    value &= _MASK64
    return value - (1 << 64) if value >= 1 << 63 else value


class Seen:
    """identity hash → (first row << 64) | content digest, like ``dict[int, int]`` (`get`, `[]=`, `len`)."""

    def __init__(self, pending_max: int = PENDING_MAX) -> None:
        self.pending_max = pending_max
        self.pending: dict[int, int] = {}
        self.bits = bytearray(_BITS // 8)
        # Sorted arrays (numpy, imported at the first merge: a small file never needs it).
        self.keys: Any = ()
        self.values: Any = ()  # content digest (64 bits)
        self.rows: Any = ()

    def __len__(self) -> int:
        return len(self.pending) + len(self.keys)

    def get(self, key: int) -> int | None:
        key = _signed(key)
        bit = key & (_BITS - 1)
        if not self.bits[bit >> 3] & (1 << (bit & 7)):
            return None
        hit = self.pending.get(key)
        if hit is not None or not len(self.keys):
            return hit
        i = int(self.keys.searchsorted(key))
        if i < len(self.keys) and int(self.keys[i]) == key:
            return (int(self.rows[i]) << 64) | int(self.values[i])
        return None

    def __setitem__(self, key: int, packed: int) -> None:
        key = _signed(key)
        bit = key & (_BITS - 1)
        self.bits[bit >> 3] |= 1 << (bit & 7)
        self.pending[key] = packed
        if len(self.pending) >= self.pending_max:
            self._merge()

    def _merge(self) -> None:
        """The waiting units into the sorted arrays (a key set again replaces its earlier value)."""
        import numpy as np

        if not len(self.keys):
            self.keys = np.empty(0, dtype=np.int64)
            self.values = np.empty(0, dtype=np.uint64)
            self.rows = np.empty(0, dtype=np.int64)
        n = len(self.pending)
        keys = np.fromiter(self.pending.keys(), dtype=np.int64, count=n)
        packed = list(self.pending.values())
        rows = np.fromiter((p >> 64 for p in packed), dtype=np.int64, count=n)
        values = np.fromiter((p & _MASK64 for p in packed), dtype=np.uint64, count=n)
        self.pending = {}
        order = np.argsort(keys, kind="stable")
        keys, rows, values = keys[order], rows[order], values[order]
        at = self.keys.searchsorted(keys)
        known = at < len(self.keys)
        known[known] = self.keys[at[known]] == keys[known]
        if known.any():  # replaced in place, as a dict would
            self.rows[at[known]] = rows[known]
            self.values[at[known]] = values[known]
            fresh = ~known
            keys, rows, values, at = keys[fresh], rows[fresh], values[fresh], at[fresh]
        self.keys = np.insert(self.keys, at, keys)
        self.rows = np.insert(self.rows, at, rows)
        self.values = np.insert(self.values, at, values)


__all__ = ["PENDING_MAX", "Seen"]
