"""Geographical detector (``NQP_GEODETECTOR``): the factor and interaction detectors of
Wang et al. (2010, *Int. J. Geogr. Inf. Sci.* 24(1)), Wang, Zhang & Fu (2016, *Ecological
Indicators* 67) and Wang & Xu (2017, 《地理学报》 72(1), "地理探测器：原理与展望").

y has N rows; a factor X splits them into L strata h with N_h rows and variance σ_h²::

    q = 1 − Σ_h N_h σ_h² / (N σ²) = 1 − SSW / SST        (population variances)
    F = (N − L)/(L − 1) · q/(1 − q)  ~  non-central F(L − 1, N − L; λ)
    λ = [Σ_h Ȳ_h² − (Σ_h √N_h Ȳ_h)² / N] / σ²          P = 1 − F_cdf(F)

A stratum of one row adds nothing to SSW (its variance is 0), as the formula reads; the
PyPI ``geodetector`` package instead drops such strata, so the two agree when every stratum
has two or more rows (tests/oracles/geodetector_reference.py).  With N = L there is no P
(blank).

Strata: a factor column holding text is its own classes.  A number column with at most
max(k, min(20, ⌊√N⌋)) distinct values is taken as coded classes (the PyPI ``geodetector``
package's rule ``should_discretize``, widened to k, so strata coded 1..9 as GeoDetector's Excel
tool expects stay as they are); any other number column is cut into k classes by the exact
optimal 1-D k-means (:mod:`nqp_xl.kmeans_1d`: the least within-class sum of squares, which is
what Jenks' natural breaks, the usual choice in these papers, aims at), k = 5 by default.

Interaction detector: the strata of X1 ∩ X2 are the pairs of strata that occur; with q1, q2
and q12 = q(X1 ∩ X2) (Wang & Xu 2017, table 1)::

    q12 < min(q1, q2)              nonlinear-weaken
    min ≤ q12 ≤ max(q1, q2)        uni-weaken
    max < q12 < q1 + q2            bi-enhance
    q12 = q1 + q2                  independent        (within 1e-10)
    q12 > q1 + q2                  nonlinear-enhance

Rows: those with a number in y and a value in every factor (listwise), so every q and every
pair is computed on the same rows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy.stats import ncf

from .columns import key_of, key_text, one_column_table, range_rows
from .errors import NQPError
from .kmeans_1d import kmeans_1d_optimal
from .labels import resolve_lang, text
from .options import whole_number
from .table import is_error_value

__all__ = ["INTERACTION_TYPES", "GeoDetector", "geodetector", "q_statistic", "q_p_value", "interaction_type"]

INTERACTION_TYPES = ("Nonlinear-weaken", "Uni-weaken", "Bi-enhance", "Independent", "Nonlinear-enhance")
_TIE = 1e-10


def q_statistic(y: np.ndarray, strata: np.ndarray) -> float:
    """q = 1 − SSW/SST for integer stratum codes 0..L−1."""
    n_h = np.bincount(strata).astype(float)
    mean_h = np.bincount(strata, weights=y) / np.where(n_h > 0, n_h, 1)
    ssw = float(((y - mean_h[strata]) ** 2).sum())
    sst = float(((y - y.mean()) ** 2).sum())
    return 1.0 - ssw / sst


def q_p_value(y: np.ndarray, strata: np.ndarray, q: float) -> float | None:
    """P of q from the non-central F (Wang, Zhang & Fu 2016); None when N = L."""
    counts = np.bincount(strata)
    used = counts > 0
    n_h = counts[used].astype(float)
    mean_h = np.bincount(strata, weights=y)[used] / n_h
    N, L = y.size, n_h.size
    if N <= L:
        return None
    lam = (float((mean_h ** 2).sum()) - float((np.sqrt(n_h) * mean_h).sum()) ** 2 / N) / float(y.var())
    if q >= 1.0:
        return 0.0
    f = (N - L) / (L - 1) * q / (1 - q)
    return float(ncf.sf(f, L - 1, N - L, max(lam, 0.0)))


def interaction_type(q1: float, q2: float, q12: float) -> str:
    """The interaction type of Wang & Xu (2017) (module docstring)."""
    if q12 < min(q1, q2) - _TIE:
        return INTERACTION_TYPES[0]
    if q12 <= max(q1, q2) + _TIE:
        return INTERACTION_TYPES[1]
    if abs(q12 - (q1 + q2)) <= _TIE:
        return INTERACTION_TYPES[3]
    return INTERACTION_TYPES[2] if q12 < q1 + q2 else INTERACTION_TYPES[4]


@dataclass(frozen=True, eq=False)
class GeoDetector:
    """q, P and strata per factor; q and type per pair of factors."""

    names: tuple[str, ...]
    strata: tuple[np.ndarray, ...]
    q: np.ndarray
    p: tuple[float | None, ...]
    pairs: tuple[tuple[int, int, float, str], ...]
    n: int

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Factor | q | P | Strata per factor; a blank row; Factor 1 | Factor 2 | q(X1∩X2) | Type."""
        lang = resolve_lang(lang)
        rows: list[list] = [[text(h, lang) for h in ("Factor", "q", "P", "Strata")]]
        for name, q, p, s in zip(self.names, self.q.tolist(), self.p, self.strata):
            rows.append([name, q, "" if p is None else p, float(s.max() + 1)])
        if self.pairs:
            rows.append([""] * 4)
            rows.append([text(h, lang) for h in ("Factor 1", "Factor 2", "q(X1∩X2)", "Interaction")])
            for i, j, q12, kind in self.pairs:
                rows.append([self.names[i], self.names[j], q12, text(kind, lang)])
        return rows


def _factor_columns(factors: Any, y_table, height: int) -> tuple[list[str], list[list]]:
    rows = range_rows(factors)
    if len(rows) != height:
        raise NQPError(f"factors has {len(rows)} rows but y has {height}; select two ranges of the same height")
    if y_table.has_header:
        names = [key_text(key_of(c)) if key_of(c) is not None else f"X{j + 1}" for j, c in enumerate(rows[0])]
        rows = rows[1:]
    else:
        names = [f"X{j + 1}" for j in range(len(rows[0]))]
    return names, [[r[j] for r in rows] for j in range(len(names))]


def _strata(cells: list, k: int, name: str) -> np.ndarray:
    """Integer codes 0..L−1 of one factor's cells (all non-blank)."""
    if any(isinstance(c, str) for c in cells):
        keys = [key_text(key_of(c)) for c in cells]  # a text column: every cell a class name
        order = {k: i for i, k in enumerate(dict.fromkeys(keys))}
        return np.array([order[c] for c in keys])
    x = np.array([float(c) for c in cells])
    distinct, codes = np.unique(x, return_inverse=True)
    if distinct.size < 2:
        raise NQPError(f'factor "{name}" has one class ({distinct[0]:g}) on the rows used; it explains nothing')
    if distinct.size <= max(k, min(20, math.isqrt(x.size))):
        return codes
    labels, _ = kmeans_1d_optimal(x, k)
    return np.unique(labels, return_inverse=True)[1]


def geodetector(y: Any, factors: Any, k: Any = 5, *, id_cols: Any = None, missing: Any = None) -> GeoDetector:
    """Factor and interaction detectors of y on the factor columns (module docstring)."""
    n_classes = whole_number(k, "k", low=2, high=50, default=5)
    t = one_column_table(y, id_cols, missing, "select the one variable the factors should explain")
    names, columns = _factor_columns(factors, t, t.n_rows + (1 if t.has_header else 0))
    keep = t.keep.copy()
    for col in columns:
        keep &= np.array([key_of(c) is not None and not is_error_value(c) for c in col])
    n = int(keep.sum())
    if n < 3:
        raise NQPError(f"the geographical detector needs at least 3 rows with y and every factor; there are {n}")
    yv = t.values[keep[t.keep], 0]  # t.values holds the rows t keeps; keep is a subset of them
    if yv.max() == yv.min():
        raise NQPError(f'y "{t.names[0]}" is constant ({yv[0]:g}) on the rows used; there is nothing to explain')
    rows_used = np.flatnonzero(keep).tolist()
    strata = []
    for name, col in zip(names, columns):
        codes = _strata([col[i] for i in rows_used], n_classes, name)
        if codes.max() == 0:
            raise NQPError(f'factor "{name}" has one class on the rows used; it explains nothing')
        strata.append(codes)
    q = np.array([q_statistic(yv, s) for s in strata])
    p = tuple(q_p_value(yv, s, qi) for s, qi in zip(strata, q.tolist()))
    pairs = []
    for i, j in combinations(range(len(names)), 2):
        both = np.unique(strata[i] * (strata[j].max() + 1) + strata[j], return_inverse=True)[1]
        q12 = q_statistic(yv, both)
        pairs.append((i, j, q12, interaction_type(q[i], q[j], q12)))
    return GeoDetector(names=tuple(names), strata=tuple(strata), q=q, p=p, pairs=tuple(pairs), n=n)
