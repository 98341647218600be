"""Rank-sum ratio (``NQP_RSR``): Tian Fengtiao (田凤调 1988, 《秩和比法及其应用》); the steps as
孙振球 (ed.) 《医学统计学》 teaches them.

n objects (rows), m indicators.  Integer ranks within each indicator: the worst value gets 1 and
the best n ("+" indicators ascending, "−" descending), ties the average of their places::

    RSR_i = Σ_j R_ij / (m n)

Distribution of RSR: its distinct values in ascending order, each with frequency f and
cumulative frequency cf; its average place R̄ = cf − (f − 1)/2 and p = R̄ / n, the last p
replaced by 1 − 1/(4n); Probit = 5 + Φ⁻¹(p).  Every object takes the probit of its value.

RSR = a + b·Probit by least squares over the distinct values (the grouped table of the
textbook); the fitted RSR of an object is a + b·Probit.

Grades by the probit cut-points of the method's standard table (the share of a normal curve in
each grade)::

    3 grades  4, 6                       4 grades  3.72, 5, 6.28
    5 grades  3.52, 4.48, 5.52, 6.48

Grade 1 is the best (probit above the highest cut-point), as ``NQP_CLUSTER`` numbers grades.
Rank 1 = the largest RSR (ties share the better rank).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtri

from .composite import standardize
from .errors import NQPError
from .labels import resolve_lang, text
from .options import whole_number
from .ranks import rank_desc
from .table import Table

__all__ = ["GRADE_CUTS", "RankSumRatio", "average_ranks", "rank_sum_ratio"]

GRADE_CUTS = {3: (4.0, 6.0), 4: (3.72, 5.0, 6.28), 5: (3.52, 4.48, 5.52, 6.48)}


def average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of a vector, ascending, ties the average of their places."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts).astype(float)
    return ((ends - counts + 1 + ends) / 2)[inverse]


@dataclass(frozen=True, eq=False)
class RankSumRatio:
    """Ranks, RSR, probit, the regression RSR = a + b·Probit and the grades."""

    table: Table
    ranks: np.ndarray
    rsr: np.ndarray
    probit: np.ndarray
    a: float
    b: float
    r_squared: float
    cuts: tuple[float, ...]

    @property
    def fitted(self) -> np.ndarray:
        return self.a + self.b * self.probit

    @property
    def rank(self) -> np.ndarray:
        return rank_desc(self.rsr)

    @property
    def grade(self) -> np.ndarray:
        """1 = the best grade (probit at or above the highest cut-point)."""
        return len(self.cuts) + 1 - np.searchsorted(np.asarray(self.cuts), self.probit, side="right")

    def to_rows(self, lang: str | None = None) -> list[list]:
        """RSR | Probit | Fitted RSR | Rank | Grade aligned with the input rows, then a blank row
        and the regression's a, b and R²."""
        lang = resolve_lang(lang)
        head = [text(h, lang) for h in ("RSR", "Probit", "Fitted RSR", "Rank", "Grade")]
        block = np.column_stack([self.rsr, self.probit, self.fitted, self.rank, self.grade]).astype(float)
        rows = self.table.aligned(block, head)
        rows.append([""] * 5)
        for key, value in (("Intercept a", self.a), ("Slope b", self.b), ("R²", self.r_squared)):
            rows.append([text(key, lang), float(value), "", "", ""])
        return rows


def rank_sum_ratio(data: Any, directions: Any = None, grades: Any = 3, *, id_cols: Any = None,
                   missing: Any = None) -> RankSumRatio:
    """Tian Fengtiao's rank-sum ratio with probit grades (module docstring)."""
    k = whole_number(grades, "grades", low=3, high=5, default=3)
    # standardize validates the table (rows, constant indicators) and parses directions;
    # x' by direction orders every indicator as "+" with the same ties as the raw values
    std = standardize(data, "minmax", directions, id_cols=id_cols, missing=missing)
    t = std.table
    n, m = t.values.shape
    if n < 3:
        raise NQPError(f"the rank-sum ratio needs at least 3 complete rows; the range has {n}")
    ranks = np.column_stack([average_ranks(t.values[:, j] * std.directions[j]) for j in range(m)])
    rsr = ranks.sum(axis=1) / (m * n)
    values, inverse, f = np.unique(rsr, return_inverse=True, return_counts=True)
    if values.size < 3:
        raise NQPError(f"the rank-sum ratio takes only {values.size} different values over {n} rows; "
                       "the probit regression needs at least 3")
    cf = np.cumsum(f)
    p = (cf - (f - 1) / 2) / n
    p[-1] = 1 - 1 / (4 * n)
    probit_g = 5 + ndtri(p)
    design = np.column_stack([np.ones(values.size), probit_g])
    (a, b), *_ = np.linalg.lstsq(design, values, rcond=None)
    resid = values - design @ np.array([a, b])
    r2 = 1 - float(resid @ resid) / float(((values - values.mean()) ** 2).sum())
    return RankSumRatio(table=t, ranks=ranks, rsr=rsr, probit=probit_g[inverse], a=float(a), b=float(b),
                        r_squared=r2, cuts=GRADE_CUTS[k])
