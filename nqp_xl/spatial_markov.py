"""Spatial Markov chain (Rey 2001): Markov transition matrices conditioned on the class of the
neighbours' spatial lag, and the test that they are homogeneous.

Conventions of PySAL giddy's ``Spatial_Markov(y, w, k, m=k, fixed=True)`` (its defaults):

* classes of the values: the k type-7 quantile intervals of all values pooled over regions and
  years, as ``NQP_MARKOV`` (right-closed, the lowest value in class 1; mapclassify ``Quantiles``);
* spatial lag L_it = Σ_j w_ij y_jt with the weights row-standardised (giddy ``transform = "r"``);
  lag classes: the k type-7 quantile intervals of all lags pooled (giddy ``fixed=True``; with
  ``fixed=False`` giddy would take quantiles year by year, which nqp-xl does not offer);
* T[l] counts the one-year moves (year y to y + 1 of a region, as ``NQP_MARKOV``) whose lag was
  in class l in the starting year; P[l] = T[l] / row sums.  giddy pairs consecutive columns of a
  balanced n × t array; nqp-xl pairs years that differ by one, so a year missing for every region
  breaks the chain, and a region missing in a year drops out of that year's lags: the weights
  are cut to the regions with a value and re-standardised (spdep ``subset.listw``, as
  ``NQP_MORAN``).  On a balanced panel without gaps both agree.
* homogeneity test (Bickenbach & Bode 2003; giddy ``Q``, ``LR``, ``dof_hom``, printed by
  ``Spatial_Markov.summary``): with T = Σ_l T[l], p_ij = T_ij / T_i., p_ijl = T[l]_ij / T[l]_i.,
  Q = Σ_l Σ_i T[l]_i. Σ_j (p_ijl - p_ij)² / p_ij (terms with p_ij = 0 left out),
  LR = 2 Σ_l Σ_ij T[l]_ij ln(p_ijl / p_ij) (cells with T[l]_ij > 0);
  both χ² with df = Σ_i (b_i - 1)(A_i - 1), b_i the lag classes with moves out of class i and
  A_i the classes i moves to in T.  (giddy's separate ``x2``, the sum of per-class χ² against T
  with df k(k-1)², is not reported.)
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .dynamics import (MIN_REGIONS, groups_of, key_text, keyed_values, matrix_rows, one_year_steps,
                       quantile_classes, require_ids, unique_pairs)
from .errors import NQPError
from .labels import text
from .options import whole_number
from .spatial import match_regions, spatial_weights, subset_weights

__all__ = ["spatial_markov", "SpatialMarkov", "homogeneity_test", "Homogeneity"]

WHAT = "the spatial Markov chain"


@dataclass(frozen=True, eq=False)
class Homogeneity:
    """Bickenbach–Bode χ² statistics ``Q`` and ``LR`` with ``df`` and their P (None when df = 0)."""

    Q: float
    LR: float
    df: int

    @property
    def Q_p(self) -> float | None:
        return _chi2_sf(self.Q, self.df)

    @property
    def LR_p(self) -> float | None:
        return _chi2_sf(self.LR, self.df)


def _chi2_sf(x: float, df: int) -> float | None:
    from scipy.special import chdtrc  # chi2.sf without importing scipy.stats

    return float(chdtrc(df, x)) if df > 0 else None


def homogeneity_test(counts: np.ndarray) -> Homogeneity:
    """Q and LR of Bickenbach & Bode (2003) for transition counts (m, k, k) of m regimes."""
    M = np.asarray(counts, dtype=float)
    T = M.sum(axis=0)
    n_i = T.sum(axis=1)
    p = T / np.where(n_i > 0, n_i, 1.0)[:, None]
    n_im = M.sum(axis=2)                                   # (m, k): moves out of class i in regime l
    p_m = M / np.where(n_im > 0, n_im, 1.0)[:, :, None]
    den = np.where(p > 0, p, 1.0)
    Q = float((n_im[:, :, None] * (p_m - p) ** 2 / den).sum())
    used = M > 0
    LR = 2.0 * float((M[used] * np.log(p_m[used] / np.broadcast_to(p, M.shape)[used])).sum())
    b = (n_im > 0).sum(axis=0)
    A = (T > 0).sum(axis=1)
    df = int(((b - 1) * (A - 1)).clip(min=0).sum())
    return Homogeneity(Q=Q, LR=LR, df=df)


@dataclass(frozen=True, eq=False)
class SpatialMarkov:
    """``counts`` (k lag classes, k, k), class ``bounds`` and ``lag_bounds`` (k + 1 each)."""

    counts: np.ndarray
    bounds: np.ndarray
    lag_bounds: np.ndarray

    @property
    def k(self) -> int:
        return self.counts.shape[1]

    @property
    def n(self) -> np.ndarray:
        """Moves out of each class, per lag class (k, k)."""
        return self.counts.sum(axis=2)

    @cached_property
    def probabilities(self) -> np.ndarray:
        n = self.n[:, :, None].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, self.counts / np.where(n > 0, n, 1.0), np.nan)

    @cached_property
    def test(self) -> Homogeneity:
        return homogeneity_test(self.counts)

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Header (Lag class, Class, 1..k, N); k rows per lag class as ``NQP_MARKOV``; the class
        and lag-class bounds; then the homogeneity test (Statistic, Value, df, P) for Q and LR."""
        k = self.k
        classes = [float(c) for c in range(1, k + 1)]
        rows = [[text("Lag class", lang), text("Class", lang)] + classes + [text("N", lang)]]
        for lag in range(k):
            rows += [[classes[lag]] + r for r in matrix_rows(self.probabilities[lag], self.n[lag], classes)]
        for key, b in (("Lower bound", self.bounds[:-1]), ("Upper bound", self.bounds[1:]),
                       ("Lag lower bound", self.lag_bounds[:-1]), ("Lag upper bound", self.lag_bounds[1:])):
            rows.append([text(key, lang), None] + b.tolist() + [None])
        pad = [None] * (k - 2)
        t = self.test
        rows.append([text("Homogeneity test", lang), None, text("Value", lang), text("df", lang), text("P", lang)] + pad)
        rows.append(["Q", None, t.Q, float(t.df), t.Q_p] + pad)
        rows.append(["LR", None, t.LR, float(t.df), t.LR_p] + pad)
        return rows


def _lags(y: np.ndarray, years: list, pos: np.ndarray, w) -> np.ndarray:
    """Each row's spatial lag among the regions with a value in its year (row-standardised)."""
    order, codes = groups_of(years)
    lag = np.empty_like(y)
    for g, yr in enumerate(order):
        rows = np.flatnonzero(codes == g)
        if rows.size < MIN_REGIONS + 1:
            raise NQPError(f"{WHAT} needs at least {MIN_REGIONS + 1} regions with a value in each year; "
                           f"{key_text(yr)} has {rows.size}")
        W = subset_weights(w, pos[rows], "W", f" with a value in {key_text(yr)}")
        lag[rows] = W @ y[rows]
    return lag


def spatial_markov(values: Any, ids: Any, years: Any, weights: Any, k: Any = 4,
                   id_cols: Any = None, missing: Any = None) -> SpatialMarkov:
    """Transition counts between k quantile classes per class of the spatial lag, over one-year steps."""
    kk = whole_number(k, "k", low=2, high=20, default=4)
    w = spatial_weights(weights)
    if years is None:
        raise NQPError(f"{WHAT} needs the years column (one year per row, beside the values)")
    kv = keyed_values(values, id_cols, missing, what=WHAT, ids=ids, years=years)
    require_ids(kv, WHAT, "to find it in the weights matrix")
    if kv.y.size == 0:
        raise NQPError(f"{WHAT} needs values; no row has a value, a region and a year")
    unique_pairs(kv)
    pos = match_regions(kv.keys["ids"], w)
    src, dst = one_year_steps(kv, WHAT)
    lag = _lags(kv.y, kv.keys["years"], pos, w)
    cls, bounds = quantile_classes(kv.y, kk)
    try:
        lag_cls, lag_bounds = quantile_classes(lag, kk)
    except NQPError as e:
        raise NQPError(f"the spatial lags: {e}") from None
    counts = np.zeros((kk, kk, kk), dtype=np.int64)
    np.add.at(counts, (lag_cls[src], cls[src], cls[dst]), 1)
    return SpatialMarkov(counts=counts, bounds=bounds, lag_bounds=lag_bounds)
