"""Cache keys equal for equal table content, without hashing every number.

The result cache (:mod:`nqp_xl.cache`) keys a table by its content, so that a recalculation
with changed numbers never sees a stale answer.  A SHA-256 of 800,000 numbers costs about
3.5 ms, as much as an entropy weighting of them; a :class:`ContentKey` instead hashes only
what is cheap to hash (shape, names, layout, which rows are complete and a sample of at
most 64 rows of numbers) and, when two keys with the same hash meet in a lookup, compares
everything exactly: every number bit for bit, the names and every region label.  So equal
content means equal keys (the same answers), and a table that differs anywhere, even in a
cell the sample skipped, is never taken for another.  Keys of the same table meet by
identity and cost nothing to compare; keys of two separately converted, equal tables
cost one comparison of their numbers (about 0.6 ms for 800,000).

A key holds the table's arrays and labels, not the table itself, so a table and its key
form no reference cycle.
"""
from __future__ import annotations

from typing import Any

import numpy as np

_SAMPLE_ROWS = 64


class ContentKey:
    """A hashable stand-in for a table's content (see the module docstring)."""

    __slots__ = ("values", "keep", "layout", "labels", "_hash")

    def __init__(self, values: np.ndarray, keep: np.ndarray, layout: tuple, labels: tuple):
        self.values = values
        self.keep = keep
        self.layout = layout  # (names, has_header, label_names): small, compared and hashed
        self.labels = labels
        m = values.shape[0]
        step = max(1, m // _SAMPLE_ROWS)
        sample = np.ascontiguousarray(values[::step][:_SAMPLE_ROWS + 1])
        last = np.ascontiguousarray(values[-1:])
        self._hash = hash((values.shape, layout, len(labels), np.packbits(keep).tobytes(),
                           sample.tobytes(), last.tobytes()))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: Any) -> bool:
        if self is other:
            return True
        if not isinstance(other, ContentKey) or self._hash != other._hash:
            return False
        a, b = self.values, other.values
        if a.shape != b.shape or a.dtype != b.dtype or self.layout != other.layout:
            return False
        if not np.array_equal(self.keep, other.keep):
            return False
        if a is not b:
            # bit for bit, as a digest of the bytes would compare them (so 0.0 and -0.0 differ)
            if a.dtype.itemsize == 8:
                if not np.array_equal(a.view(np.uint64), b.view(np.uint64)):
                    return False
            elif a.tobytes() != b.tobytes():
                return False
        return self.labels == other.labels

    def __repr__(self) -> str:
        return f"ContentKey(shape={self.values.shape}, hash={self._hash:#x})"
