"""Descriptive statistics per indicator, as SPSS FACTOR's /PRINT UNIVARIATE and DESCRIPTIVES show,
and the correlation matrix (FACTOR /PRINT CORRELATION).

N is the listwise count (SPSS FACTOR's "Analysis N": rows complete on every indicator);
the standard deviation uses n-1.  The correlation matrix is R = Z'Z/(n-1) with Z the n-1
z-scores (:func:`nqp_xl.factor.correlation`, the matrix factor analysis starts from); unlike
factor analysis it is answered for a singular R too (more indicators than rows).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .cache import cached
from .excel_answer import indicator_rows
from .factor import correlation
from .labels import texts
from .table import Table, check_table


@dataclass(frozen=True, eq=False)
class Describe:
    """Per-indicator N, mean, standard deviation (n-1), minimum and maximum."""

    table: Table

    @property
    def names(self) -> tuple[str, ...]:
        return self.table.names

    @property
    def n(self) -> int:
        return int(self.table.values.shape[0])

    @cached_property
    def mean(self) -> np.ndarray:
        return self.table.values.mean(axis=0)

    @cached_property
    def std(self) -> np.ndarray:
        """Sample standard deviation ``sqrt(Σ(x - mean)² / (n-1))``."""
        centred = self.table.values - self.mean
        return np.sqrt(np.einsum("ij,ij->j", centred, centred) / (self.n - 1))

    @cached_property
    def min(self) -> np.ndarray:
        return self.table.values.min(axis=0)

    @cached_property
    def max(self) -> np.ndarray:
        return self.table.values.max(axis=0)

    @cached_property
    def block(self) -> np.ndarray:
        """p × 5: N, Mean, Std. Dev., Min, Max."""
        return np.column_stack([np.full(len(self.names), float(self.n)), self.mean, self.std, self.min, self.max])

    def to_rows(self, lang: str | None = None) -> list[list]:
        """One row per indicator: Indicator, N, Mean, Std. Dev., Min, Max."""
        return indicator_rows(self.table, self.block, texts(("N", "Mean", "Std. Dev.", "Min", "Max"), lang), lang)


def describe(data: Any, id_cols: Any = None, missing: Any = None) -> Describe:
    """Descriptives of every indicator over the complete rows (listwise)."""
    table = check_table(data, id_cols=id_cols, missing=missing)
    table.require(min_rows=2, min_cols=1, what="descriptive statistics")
    return Describe(table)


@dataclass(frozen=True, eq=False)
class Correlations:
    """The Pearson correlation matrix ``r`` (p × p) of the table's indicators over its complete rows."""

    table: Table
    r: np.ndarray

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Indicator, then one column per indicator."""
        return indicator_rows(self.table, self.r, list(self.table.names), lang)


def correlations(data: Any, id_cols: Any = None, missing: Any = None) -> Correlations:
    """The Pearson correlation matrix of the table's indicators over the complete rows."""
    table = check_table(data, id_cols=id_cols, missing=missing)
    what = "the correlation matrix"
    table.require(min_rows=3, min_cols=2, what=what)
    table.require_variation(what)
    return Correlations(table, cached(("correlation", table.key), lambda: correlation(table)))
