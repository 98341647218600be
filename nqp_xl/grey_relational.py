"""Grey relational analysis (``NQP_GREY``): Deng Julong (1982, 1989), "灰色关联分析".

Every series is first made dimensionless by min-max by direction (:func:`nqp_xl.composite.minmax`,
x' ∈ [0, 1], 1 the best value).  Two uses:

* **Evaluation** (no ``reference``): each row i (a region) is compared with the ideal row, the
  best value of every indicator, which after min-max is x'₀ⱼ = 1:  Δᵢⱼ = |1 − x'ᵢⱼ|.
* **Factors** (``reference`` given, a column name of ``data`` or a column beside it): each
  indicator j is compared with the reference series over the rows k (e.g. years), the
  reference min-maxed as "+":  Δⱼ(k) = |x'₀(k) − x'ⱼ(k)|.  ``directions`` then lists the
  compared indicators only (a reference named as a column of ``data`` is not one of them).

Then, over all Δ of the comparison (the two-level minimum and maximum)::

    ξ = (Δmin + ρ Δmax) / (Δ + ρ Δmax),   ρ ∈ (0, 1] the distinguishing coefficient (default 0.5)
    r = the mean of ξ over the indicators (evaluation) or over the rows (factors)

Rank 1 = the largest degree (ties share the better rank).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import aligned_keys
from .composite import minmax
from .errors import NQPError
from .labels import resolve_lang, text
from .options import fraction, is_empty, unwrap
from .ranks import rank_desc
from .table import Table, check_table

__all__ = ["GreyRelational", "grey_relational", "relational_coefficients"]


def relational_coefficients(delta: np.ndarray, rho: float) -> np.ndarray:
    """ξ = (Δmin + ρΔmax) / (Δ + ρΔmax) over the whole array of absolute differences."""
    lo, hi = float(delta.min()), float(delta.max())
    if hi <= 0:
        raise NQPError("every series equals its reference: the grey relational degree is 1 throughout "
                       "and says nothing")
    return (lo + rho * hi) / (delta + rho * hi)


@dataclass(frozen=True, eq=False)
class GreyRelational:
    """Coefficients ξ and degrees r; ``by_row`` for the evaluation use, else one per indicator."""

    table: Table
    names: tuple[str, ...]
    coefficients: np.ndarray
    degree: np.ndarray
    by_row: bool
    reference: str | None = None

    @property
    def rank(self) -> np.ndarray:
        return rank_desc(self.degree)

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Evaluation: Degree | Rank aligned with the input rows.  Factors: Indicator | Degree |
        Rank, one row per indicator, under a header row."""
        lang = resolve_lang(lang)
        if self.by_row:
            block = np.column_stack([self.degree, self.rank.astype(float)])
            return self.table.aligned(block, [text("Grey relational degree", lang), text("Rank", lang)])
        head = [text("Indicator", lang), text("Grey relational degree", lang), text("Rank", lang)]
        return [head] + [[n, float(d), float(r)] for n, d, r in
                         zip(self.names, self.degree.tolist(), self.rank.tolist())]


def _reference_column(reference: Any, t: Table) -> int | None:
    value = unwrap(reference)
    if isinstance(value, str) and value.strip() in t.names:
        return t.names.index(value.strip())
    if isinstance(value, str):
        shown = ", ".join(f'"{n}"' for n in t.names[:6])
        raise NQPError(f'reference "{value}" is not a column name of data ({shown}); give a column name or '
                       "a column of numbers beside data")
    return None


def _reference_range(reference: Any, t: Table) -> np.ndarray:
    keys, _ = aligned_keys(reference, t, "reference", "data", from_range=isinstance(reference, (list, tuple)))
    kept = [(k, i) for i, (k, keep) in enumerate(zip(keys, t.keep.tolist())) if keep]
    for k, i in kept:
        if not isinstance(k, float):
            what = "blank" if k is None else f'"{k}"'
            raise NQPError(f"the reference series is {what} at {t.who(i)}; give a number for every row "
                           "(or a column name of data)")
    return np.array([k for k, _ in kept], dtype=float)


def grey_relational(data: Any, reference: Any = None, rho: Any = 0.5, directions: Any = None, *,
                    id_cols: Any = None, missing: Any = None) -> GreyRelational:
    """Grey relational degrees (module docstring): of each row against the ideal, or of each
    indicator against ``reference``."""
    r = fraction(rho, "rho", 0.5)
    t = check_table(data, id_cols=id_cols, missing=missing)
    if is_empty(reference):
        t.require(min_rows=2, min_cols=1, what="grey relational analysis")
        delta = 1.0 - minmax(t, directions)
        xi = relational_coefficients(delta, r)
        return GreyRelational(table=t, names=t.names, coefficients=xi, degree=xi.mean(axis=1), by_row=True)
    j = _reference_column(reference, t)
    if j is not None:
        ref, ref_name = t.values[:, j], t.names[j]
        t_ind = t.subset([c for c in range(len(t.names)) if c != j])
    else:
        ref, ref_name = _reference_range(reference, t), "reference"
        t_ind = t
    t_ind.require(min_rows=3, min_cols=1, what="grey relational analysis against a reference")
    if ref.max() == ref.min():
        raise NQPError(f'the reference series "{ref_name}" is constant ({ref[0]:g}); it needs variation')
    x0 = (ref - ref.min()) / (ref.max() - ref.min())
    delta = np.abs(minmax(t_ind, directions) - x0[:, None])
    xi = relational_coefficients(delta, r)
    return GreyRelational(table=t_ind, names=t_ind.names, coefficients=xi, degree=xi.mean(axis=0),
                          by_row=False, reference=ref_name)
