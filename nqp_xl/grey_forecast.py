"""GM(1,1) grey forecasting (``NQP_GM11``): Deng Julong (1982); the notation and the accuracy
test of Liu Sifeng et al., *灰色系统理论及其应用* (Science Press), chapter "GM(1,1)".

For a positive series x⁽⁰⁾(1..n), n ≥ 4, one value a year without gaps::

    x⁽¹⁾(k) = Σ_{i≤k} x⁽⁰⁾(i)                       accumulated generating operation (AGO)
    z⁽¹⁾(k) = (x⁽¹⁾(k) + x⁽¹⁾(k−1)) / 2,  k = 2..n     background values
    x⁽⁰⁾(k) + a z⁽¹⁾(k) = b                          (a, b) by least squares: B = [−z, 1], Y = x⁽⁰⁾(2..n)
    x̂⁽¹⁾(k+1) = (x⁽⁰⁾(1) − b/a) e^(−ak) + b/a       time response, k = 0, 1, ...
    x̂⁽⁰⁾(1) = x⁽⁰⁾(1),  x̂⁽⁰⁾(k) = x̂⁽¹⁾(k) − x̂⁽¹⁾(k−1)

Residuals ε(k) = x⁽⁰⁾(k) − x̂⁽⁰⁾(k) (ε(1) = 0), relative errors |ε(k)| / x⁽⁰⁾(k) for k ≥ 2.
Posterior-variance test over k = 1..n (Liu Sifeng: both variances divide by n)::

    S1² = Σ (x⁽⁰⁾(k) − x̄)² / n,   S2² = Σ (ε(k) − ε̄)² / n,   C = S2 / S1
    P = share of k with |ε(k) − ε̄| < 0.6745 S1

    grade        good (1)   qualified (2)   barely (3)   unqualified (4)
    C ≤          0.35       0.50            0.65         otherwise
    P ≥          0.95       0.80            0.70         otherwise

The grade is the worse of the grades C and P earn on their own.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import aligned_keys, key_text, one_column_table
from .errors import NQPError
from .labels import resolve_lang, text
from .options import is_empty, whole_number

__all__ = ["GRADES", "GM11", "gm11"]

GRADES = ("Good (grade 1)", "Qualified (grade 2)", "Barely qualified (grade 3)", "Unqualified (grade 4)")
_C_LIMITS = (0.35, 0.50, 0.65)
_P_LIMITS = (0.95, 0.80, 0.70)


@dataclass(frozen=True, eq=False)
class GM11:
    """A fitted GM(1,1): parameters, fitted and forecast values, and the accuracy test."""

    years: np.ndarray
    actual: np.ndarray
    a: float
    b: float
    horizon: int

    def predict(self, k: np.ndarray) -> np.ndarray:
        """x̂⁽⁰⁾ at positions k = 1, 2, ... (1 = the first year)."""
        k = np.asarray(k, dtype=float)
        c = self.actual[0] - self.b / self.a
        x1 = c * np.exp(-self.a * (k - 1)) + self.b / self.a
        x1_prev = c * np.exp(-self.a * (k - 2)) + self.b / self.a
        return np.where(k == 1, self.actual[0], x1 - x1_prev)

    @property
    def fitted(self) -> np.ndarray:
        return self.predict(np.arange(1, self.actual.size + 1))

    @property
    def forecast(self) -> np.ndarray:
        n = self.actual.size
        return self.predict(np.arange(n + 1, n + self.horizon + 1))

    @property
    def residuals(self) -> np.ndarray:
        return self.actual - self.fitted

    @property
    def relative_errors(self) -> np.ndarray:
        """|ε(k)| / x⁽⁰⁾(k); 0 for the first year (fitted by construction)."""
        return np.abs(self.residuals) / self.actual

    @property
    def c_ratio(self) -> float:
        """Posterior variance ratio C = S2 / S1 (population variances)."""
        return float(self.residuals.std() / self.actual.std())

    @property
    def p_small_error(self) -> float:
        """P = share of |ε − ε̄| < 0.6745 S1."""
        e = self.residuals
        return float(np.mean(np.abs(e - e.mean()) < 0.6745 * self.actual.std()))

    @property
    def grade(self) -> int:
        """1 good, 2 qualified, 3 barely qualified, 4 unqualified."""
        gc = next((g for g, lim in enumerate(_C_LIMITS, 1) if self.c_ratio <= lim), 4)
        gp = next((g for g, lim in enumerate(_P_LIMITS, 1) if self.p_small_error >= lim), 4)
        return max(gc, gp)

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Year | Actual | Fitted | Residual | Relative error %, the forecast years after the
        observed ones (Actual blank), a blank row, then a, b, C, P and the grade."""
        lang = resolve_lang(lang)
        head = [text(h, lang) for h in ("Year", "Actual", "Fitted", "Residual", "Relative error %")]
        rows: list[list] = [head]
        for y, x, f, e, r in zip(self.years.tolist(), self.actual.tolist(), self.fitted.tolist(),
                                 self.residuals.tolist(), (100 * self.relative_errors).tolist()):
            rows.append([y, x, f, e, r])
        step = self.years[-1]
        for h, f in enumerate(self.forecast.tolist(), 1):
            rows.append([float(step + h), "", f, "", ""])
        rows.append([""] * 5)
        for key, value in (("Development coefficient a", self.a), ("Grey input b", self.b),
                           ("Variance ratio C", self.c_ratio), ("Small error probability P", self.p_small_error)):
            rows.append([text(key, lang), float(value), "", "", ""])
        rows.append([text("Grade", lang), text(GRADES[self.grade - 1], lang), "", "", ""])
        return rows


def _years(years: Any, table, n: int) -> np.ndarray:
    if is_empty(years):
        return np.arange(1.0, n + 1.0)
    keys, _ = aligned_keys(years, table, "years")
    kept = [k for k, keep in zip(keys, table.keep.tolist()) if keep]
    if any(not isinstance(k, float) for k in kept):
        bad = next(k for k in kept if not isinstance(k, float))
        raise NQPError(f'years holds "{bad}", not a year number')
    y = np.asarray(kept, dtype=float)
    steps = np.diff(y)
    if steps.size and not np.all(steps == 1):
        i = int(np.flatnonzero(steps != 1)[0])
        raise NQPError(f"GM(1,1) needs one value a year without gaps, in order; {key_text(float(y[i]))} "
                       f"is followed by {key_text(float(y[i + 1]))}")
    return y


def gm11(values: Any, years: Any = None, horizon: Any = 3, *, id_cols: Any = None,
         missing: Any = None) -> GM11:
    """Fit GM(1,1) to one column of positive values (module docstring)."""
    h = whole_number(horizon, "horizon", low=0, high=100)
    h = 3 if h is None else h
    t = one_column_table(values, id_cols, missing, "select the one series to forecast")
    name = t.names[0]
    if t.n_kept != t.n_rows:
        i = int(t.left_out[0])
        raise NQPError(f'the series "{name}" has a blank or error cell at {t.who(i)}; GM(1,1) needs an '
                       "unbroken series")
    x = t.values[:, 0].astype(float)
    n = x.size
    if n < 4:
        raise NQPError(f'GM(1,1) needs at least 4 values; "{name}" has {n}')
    if (x <= 0).any():
        i = int(np.flatnonzero(x <= 0)[0])
        raise NQPError(f'GM(1,1) needs positive values; "{name}" is {x[i]:g} at {t.who(i)}')
    y = _years(years, t, n)
    x1 = np.cumsum(x)
    z = 0.5 * (x1[1:] + x1[:-1])
    design = np.column_stack([-z, np.ones(n - 1)])
    (a, b), *_ = np.linalg.lstsq(design, x[1:], rcond=None)
    if not math.isfinite(a) or abs(a) < 1e-12:
        raise NQPError(f'GM(1,1) cannot fit "{name}": its development coefficient a is 0 (a constant series); '
                       "no forecast is needed")
    return GM11(years=y, actual=x, a=float(a), b=float(b), horizon=h)
