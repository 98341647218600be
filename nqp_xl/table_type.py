"""The validated numeric table that :func:`nqp_xl.table.check_table` answers.

Split from :mod:`nqp_xl.table` (the input boundary, which converts and validates ranges,
DataFrames and arrays); every module takes ``Table`` from there.  A Table holds the
complete rows' numbers and the bookkeeping to answer in the user's layout (names, region
labels, which input rows were left out), and the figures computed once per table (its
content key for the result cache, column extremes, row names).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from .content_key import ContentKey
from .errors import NQPError

__all__ = ["Table"]


@dataclass(frozen=True, eq=False)
class Table:
    """A validated numeric table and the bookkeeping to answer in the user's layout.

    ``values`` holds the complete rows only (shape m × p, float64); ``keep`` marks, for each
    of the input's ``n_rows`` data rows, whether it is among them.
    """

    values: np.ndarray
    names: tuple[str, ...]
    keep: np.ndarray
    has_header: bool = False
    labels: tuple[tuple[str, ...], ...] = ()
    label_names: tuple[str, ...] = ()
    first_col: int = 0
    first_row: int = 0

    @property
    def n_rows(self) -> int:
        """Data rows in the input, complete or not."""
        return int(self.keep.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape  # type: ignore[return-value]

    @cached_property
    def row_names(self) -> list[str]:
        """A name for each input data row: its labels joined, else ``row N``."""
        names = []
        for i in range(self.n_rows):
            parts = self.labels[i] if self.labels else ()
            text = " ".join(p for p in parts if p)
            names.append(text or f"row {self.first_row + i + 1}")
        return names

    def who(self, i: int) -> str:
        """Input data row i in a message: ``region "Beijing 2016"``, or ``row 5`` without labels."""
        return f'region "{self.row_names[i]}"' if self.labels else self.row_names[i]

    @cached_property
    def kept_names(self) -> list[str]:
        """Row names of the complete rows, in order."""
        return [n for n, k in zip(self.row_names, self.keep) if k]

    @cached_property
    def key(self) -> ContentKey | tuple:
        """The cache key of this table's content: equal exactly for equal numbers, names,
        region labels and layout, without hashing every number (:mod:`nqp_xl.content_key`);
        the one key the result cache (:mod:`nqp_xl.cache`) knows a table by."""
        return ContentKey(self.values, self.keep, (self.names, self.has_header, self.label_names), self.labels)

    def column(self, j: int) -> np.ndarray:
        return self.values[:, j]

    def subset(self, columns: Sequence[int]) -> "Table":
        """The same rows with only some indicators.

        Its key is derived from this table's and the columns taken (no second
        look at the numbers), and its column extremes are this table's, so a subset costs one copy, and
        columns side by side none: their values are a read-only view of this table's.
        """
        cols = [int(j) for j in columns]
        if cols and cols == list(range(cols[0], cols[-1] + 1)):
            values = self.values[:, cols[0]:cols[-1] + 1]
            values.setflags(write=False)
        else:
            values = np.ascontiguousarray(self.values[:, cols])
        sub = Table(
            values=values, names=tuple(self.names[j] for j in cols),
            keep=self.keep, has_header=self.has_header, labels=self.labels,
            label_names=self.label_names, first_col=self.first_col, first_row=self.first_row,
        )
        known = sub.__dict__  # cached_property values, set before anyone reads them
        known["key"] = ("columns", self.key, tuple(cols))
        for name in ("column_min", "column_max"):
            if name in self.__dict__:
                known[name] = self.__dict__[name][cols]
        return sub

    def aligned(self, block: Any, header: Sequence[str] | None = None) -> list[list]:
        """Rows aligned with the input: a header row when the input had one, then one row
        per input data row; rows left out of the analysis are blank (``None``).

        A numeric block becomes rows with one ``tolist()``; the blank rows are then put in
        at the left-out rows' places, so the Python work grows with the number of
        left-out rows, not with the size of the answer.
        """
        if isinstance(block, np.ndarray):
            rows_in = (block.reshape(-1, 1) if block.ndim == 1 else block).tolist()
        elif isinstance(block, list) and set(map(type, block)) <= {list}:
            rows_in = block
        else:
            rows_in = [list(r) if isinstance(r, (list, tuple)) else [r] for r in block]
        width = len(rows_in[0]) if rows_in else (len(header) if header else 1)
        kept = self.n_kept
        if len(rows_in) != kept:
            raise ValueError(f"aligned() got {len(rows_in)} rows for {kept} complete rows")
        out: list[list] = []
        if self.has_header:
            out.append(list(header) if header is not None else [""] * width)
        if kept == self.n_rows:
            out += rows_in
            return out
        done = 0  # complete rows placed so far
        for gap, i in enumerate(self.left_out.tolist()):
            upto = i - gap  # complete rows above input row i
            out += rows_in[done:upto]
            done = upto
            out.append([None] * width)
        out += rows_in[done:]
        return out

    @cached_property
    def n_kept(self) -> int:
        """Complete rows (those in ``values``)."""
        return int(self.values.shape[0])

    @cached_property
    def left_out(self) -> np.ndarray:
        """Positions among the input data rows of the rows left out (blank or error cells)."""
        return np.flatnonzero(~self.keep)

    def require(self, min_rows: int = 2, min_cols: int = 1, what: str = "this method") -> None:
        """Refuse too few complete rows or indicators, saying how many there are."""
        m, p = self.values.shape
        if p < min_cols:
            raise NQPError(f"{what} needs at least {min_cols} indicator columns; the range has {p}")
        if m < min_rows:
            dropped = self.n_rows - m
            extra = f" ({dropped} rows have blank or error cells and were left out)" if dropped else ""
            raise NQPError(f"{what} needs at least {min_rows} complete rows; the range has {m}{extra}")

    @cached_property
    def column_min(self) -> np.ndarray:
        """Each indicator's smallest value over the complete rows (computed once per table)."""
        return _column_extreme(self.values, np.minimum)

    @cached_property
    def column_max(self) -> np.ndarray:
        """Each indicator's largest value over the complete rows (computed once per table)."""
        return _column_extreme(self.values, np.maximum)

    @cached_property
    def constant_columns(self) -> np.ndarray:
        """Positions of indicators with one value throughout (checked once per table)."""
        if self.values.shape[0] == 0:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.column_max == self.column_min)

    def require_variation(self, what: str = "this method") -> None:
        """Refuse a constant indicator, naming it and its value."""
        v = self.values
        const = self.constant_columns
        if const.size:
            j = int(const[0])
            raise NQPError(
                f'indicator "{self.names[j]}" is constant (all {_fmt(v[0, j])}); {what} needs variation'
            )


_FOLD = 8  # rows folded side by side in _column_extreme


def _column_extreme(values: np.ndarray, extreme: np.ufunc) -> np.ndarray:
    """Column minima (``np.minimum``) or maxima (``np.maximum``) of a table's values.

    A reduction down the rows of a narrow array steps 40 numbers at a time; seen as
    8 rows side by side (a free reshape) it steps 320, about 3x faster, and then folds
    the 8 partial answers.  The extreme of numbers is the same in any order, except
    which of 0.0 and -0.0 it answers, so a column whose extreme is zero is answered
    the plain way.
    """
    m, p = values.shape
    if m < 64 * _FOLD or not values.flags.c_contiguous:
        return extreme.reduce(values, axis=0)
    rows = m - m % _FOLD
    part = extreme.reduce(values[:rows].reshape(rows // _FOLD, p * _FOLD), axis=0).reshape(_FOLD, p)
    out = extreme.reduce(np.concatenate([part, values[rows:]]), axis=0)
    if not out.all():  # a zero extreme: its sign follows the order
        return extreme.reduce(values, axis=0)
    return out


def _fmt(x: float) -> str:
    return f"{x:.10g}"
