"""Hansen's (1999) fixed-effects panel threshold regression.

y_it = μ_i + β₁ x_it·1{q_it ≤ γ} + β₂ x_it·1{q_it > γ} + θ'z_it + e_it on a balanced panel
(Hansen, B. E. 1999, "Threshold effects in non-dynamic panels: Estimation, testing, and
inference", Journal of Econometrics 93, 345–368; Stata's ``xthreg`` by Wang 2015 follows it):

* everything is within-transformed by region; for a threshold γ the sum of squared residuals
  S(γ) is that of the within regression of y on z and the regime-split x.  Adding a threshold
  γ to a model with thresholds Γ only adds the column (x·1{q ≤ γ})¨ to its span, so with e_Γ and
  M_Γ the residuals and annihilator of the model with Γ, S(Γ ∪ {γ}) = S(Γ) − (w'e_Γ)²/(w'M_Γ w),
  w = (x·1{q ≤ γ})¨, evaluated for every candidate at once;
* candidates: the distinct values of q between its trimmed order statistics q_(⌊trim·N⌋+1) and
  q_(N−⌊trim·N⌋) (at most 400: beyond that, 400 of them at evenly spaced quantiles);
* one threshold: γ̂₁ = argmin S(γ); two (sequential, with Hansen's refinement): γ̂₂ = argmin
  S(γ̂₁, γ), then γ̂₁ʳ = argmin S(γ, γ̂₂);
* F_j = (S_{j−1} − S_j)/σ̂²_j, σ̂²_j = S_j/(n(T − 1)); bootstrap P (Hansen sec. 3.2): the regressors
  and q held fixed, y* = the fitted model with j − 1 thresholds + residual vectors of the model
  with j thresholds drawn by region with replacement (seeded numpy ``default_rng(seed)``), the
  thresholds re-estimated in each sample (without the refinement step); P = share of F* ≥ F;
* the 95% interval of a threshold: the candidates with LR(γ) = (S(γ) − S(γ̂))/σ̂² ≤ c(α),
  c(α) = −2 ln(1 − √(1 − α)) (7.35 for α = 0.05), the other threshold held at its estimate;
* the regime coefficients: the fixed-effects regression with the estimated thresholds
  (:func:`nqp_xl.panelreg.fit_panel`, standard errors clustered by region).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .equations import data_header, parse_system, resolve_column
from .errors import NQPError
from .labels import text
from .options import fraction, whole_number
from .panel_design import PanelData, demean, panel_data
from .panelreg import PanelFit, fit_panel

__all__ = ["threshold_regression", "ThresholdFit", "critical_value", "candidates", "ssr_path"]

MAX_CANDIDATES = 400


def critical_value(alpha: float = 0.05) -> float:
    """Hansen's c(α) = −2 ln(1 − √(1 − α)) for the LR interval of level 1 − α."""
    return float(-2.0 * np.log(1.0 - np.sqrt(1.0 - alpha)))


def candidates(q: np.ndarray, trim: float) -> np.ndarray:
    """Distinct values of q between its trimmed order statistics (at most 400)."""
    s = np.sort(q)
    cut = int(np.floor(trim * s.size))
    inner = np.unique(s[cut:s.size - cut])
    if inner.size > MAX_CANDIDATES:
        inner = np.unique(inner[np.floor(np.linspace(0, inner.size - 1, MAX_CANDIDATES)).astype(int)])
    return inner


def _annihilate(base: np.ndarray, v: np.ndarray) -> np.ndarray:
    """M v for M = I − P_base (by QR of base)."""
    if base.shape[1] == 0:
        return v
    q, _ = np.linalg.qr(base)
    return v - q @ (q.T @ v)


def _splits(p: PanelData, x: np.ndarray, q: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """(x·1{q ≤ γ})¨ for every candidate γ: N × len(grid)."""
    return demean(x[:, None] * (q[:, None] <= grid[None, :]), p.group, p.n_groups)


def _base(p: PanelData, z: np.ndarray, x: np.ndarray, q: np.ndarray, gammas: Sequence[float]) -> np.ndarray:
    """The within regressors of the model with thresholds ``gammas``: z̈, ẍ and (x·1{q ≤ γ})¨."""
    cols = [z, x[:, None]] + [(x * (q <= g))[:, None] for g in sorted(gammas)]
    return demean(np.column_stack(cols), p.group, p.n_groups)


def ssr_path(p: PanelData, y: np.ndarray, z: np.ndarray, x: np.ndarray, q: np.ndarray,
             fixed: Sequence[float], grid: np.ndarray) -> np.ndarray:
    """S(fixed ∪ {γ}) for every γ of ``grid`` (columns of y for several dependent variables);
    a γ equal to a fixed threshold gives S(fixed)."""
    base = _base(p, z, x, q, fixed)
    yy = demean(y if y.ndim == 2 else y[:, None], p.group, p.n_groups)
    e = _annihilate(base, yy)
    w = _annihilate(base, _splits(p, x, q, grid))
    d = (w * w).sum(axis=0)
    c = w.T @ e                                    # grid × columns of y
    gain = np.where(d[:, None] > 1e-12 * max(float(d.max(initial=0.0)), 1e-300), c * c / np.maximum(d, 1e-300)[:, None], 0.0)
    out = (e * e).sum(axis=0)[None, :] - gain
    return out if y.ndim == 2 else out[:, 0]


@dataclass(frozen=True)
class Threshold:
    estimate: float
    low: float
    high: float
    f: float
    p: float
    ssr: float


@dataclass(frozen=True, eq=False)
class ThresholdFit:
    thresholds: list[Threshold]
    regression: PanelFit
    grid: np.ndarray
    lr: list[np.ndarray]          # LR(γ) over the grid for each threshold
    f_boot: list[np.ndarray]      # bootstrap F* of each test

    def to_rows(self, lang: Any = None) -> list[list]:
        head = ["Threshold", "Estimate", "[95% Conf.", "Interval]", "F", "P", "SSR"]
        rows = [[text(h, lang) for h in head]]
        for i, t in enumerate(self.thresholds, 1):
            rows.append([f"γ{i}", t.estimate, t.low, t.high, t.f, None if np.isnan(t.p) else t.p, t.ssr])
        return rows + self.regression.to_rows(lang)


def _interval(grid: np.ndarray, lr: np.ndarray, alpha: float = 0.05) -> tuple[float, float]:
    inside = grid[lr <= critical_value(alpha)]
    return float(inside.min()), float(inside.max())


def _draw_y(fitted: np.ndarray, resid: np.ndarray, p: PanelData, draws: np.ndarray) -> np.ndarray:
    """Bootstrap dependent variables: fitted + residual vectors of the drawn regions (balanced,
    rows of each region in year order), one column per replication."""
    order = np.lexsort((p.time, p.group))
    e = resid[order].reshape(p.n_groups, p.n_times)
    out = np.empty((p.n, draws.shape[0]))
    ys = e[draws]                                  # B × regions × T
    out[order] = ys.transpose(1, 2, 0).reshape(p.n, draws.shape[0])
    return fitted[:, None] + out


def _fit_parts(p: PanelData, y: np.ndarray, z: np.ndarray, x: np.ndarray, q: np.ndarray,
               gammas: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Within fitted values and residuals of the model with thresholds ``gammas``."""
    base = _base(p, z, x, q, gammas)
    yy = demean(y, p.group, p.n_groups)
    e = _annihilate(base, yy)
    return yy - e, e


def threshold_regression(data: Any, equation: Any, threshold: Any, regime: Any, ids: Any = None,
                         years: Any = None, n: Any = 1, bootstrap: Any = 300, trim: Any = 0.05,
                         seed: Any = 1, id_cols: Any = None, missing: Any = None) -> ThresholdFit:
    """NQP_THRESHOLD's numbers (module docstring)."""
    count = whole_number(n, "n", low=1, high=2, default=1)
    reps = whole_number(bootstrap, "bootstrap", low=0, high=100_000, default=300)
    cut = fraction(trim, "trim", 0.05)
    if not 0 < cut < 0.25:
        raise NQPError(f"trim={cut} must lie between 0 and 0.25 (the share of threshold values cut at each end)")
    rng_seed = whole_number(seed, "seed", low=0, default=1)
    p, z, x, q, xname, qname = _threshold_data(data, equation, threshold, regime, ids, years, id_cols, missing)
    grid = candidates(q, cut)
    if grid.size < 2:
        raise NQPError(f'the threshold variable "{qname}" has fewer than two distinct values inside the trimmed range')
    nt = p.n_groups * (p.n_times - 1)
    s0 = float((_fit_parts(p, p.y, z, x, q, [])[1] ** 2).sum())
    path1 = ssr_path(p, p.y, z, x, q, [], grid)
    g1 = float(grid[int(np.argmin(path1))])
    rng = np.random.default_rng(rng_seed)
    draws = rng.integers(0, p.n_groups, size=(reps, p.n_groups))
    if count == 1:
        s1 = float(path1.min())
        f1 = (s0 - s1) / (s1 / nt)
        fb = _boot_single(p, z, x, q, grid, draws, [g1])
        lr = (path1 - s1) / (s1 / nt)
        lo, hi = _interval(grid, lr)
        th = [Threshold(g1, lo, hi, f1, float((fb >= f1).mean()) if reps else float("nan"), s1)]
        return ThresholdFit(th, _regime_fit(p, z, x, q, [g1], xname, qname), grid, [lr], [fb])
    path2 = ssr_path(p, p.y, z, x, q, [g1], grid)
    g2 = float(grid[int(np.argmin(path2))])
    path1r = ssr_path(p, p.y, z, x, q, [g2], grid)
    g1r = float(grid[int(np.argmin(path1r))])
    if g1r == g2:
        raise NQPError(f'the second threshold of "{qname}" coincides with the first; use n = 1')
    s1, s2 = float(path1.min()), float(path1r.min())
    f1 = (s0 - s1) / (s1 / nt)
    f2 = (s1 - s2) / (s2 / nt)
    fb1 = _boot_single(p, z, x, q, grid, draws, [g1])
    fb2 = _boot_double(p, z, x, q, grid, draws, g1, [g1r, g2])
    lr1 = (path1r - s2) / (s2 / nt)
    lr2 = (path2 - path2.min()) / (s2 / nt)
    (lo1, hi1), (lo2, hi2) = _interval(grid, lr1), _interval(grid, lr2)
    pv = (lambda fb, f: float((fb >= f).mean()) if reps else float("nan"))
    lo_g, hi_g = sorted([g1r, g2])
    th = [Threshold(g1r, lo1, hi1, f1, pv(fb1, f1), s1), Threshold(g2, lo2, hi2, f2, pv(fb2, f2), s2)]
    return ThresholdFit(th, _regime_fit(p, z, x, q, [lo_g, hi_g], xname, qname), grid, [lr1, lr2], [fb1, fb2])


def _boot_single(p, z, x, q, grid, draws, gammas) -> np.ndarray:
    """F* of no threshold against one: y* from the linear model + residuals of the one-threshold model."""
    if draws.shape[0] == 0:
        return np.zeros(0)
    fitted0, _ = _fit_parts(p, p.y, z, x, q, [])
    _, resid1 = _fit_parts(p, p.y, z, x, q, gammas)
    ys = _draw_y(fitted0, resid1, p, draws)
    nt = p.n_groups * (p.n_times - 1)
    s0 = (_annihilate(_base(p, z, x, q, []), demean(ys, p.group, p.n_groups)) ** 2).sum(axis=0)
    s1 = ssr_path(p, ys, z, x, q, [], grid).min(axis=0)
    return (s0 - s1) / (s1 / nt)


def _boot_double(p, z, x, q, grid, draws, g1, gammas) -> np.ndarray:
    """F* of one threshold against two: y* from the one-threshold model + residuals of the two-threshold model."""
    if draws.shape[0] == 0:
        return np.zeros(0)
    fitted1, _ = _fit_parts(p, p.y, z, x, q, [g1])
    _, resid2 = _fit_parts(p, p.y, z, x, q, gammas)
    ys = _draw_y(fitted1, resid2, p, draws)
    nt = p.n_groups * (p.n_times - 1)
    path = ssr_path(p, ys, z, x, q, [], grid)
    out = np.empty(ys.shape[1])
    for b in range(ys.shape[1]):
        gb = float(grid[int(np.argmin(path[:, b]))])
        s1 = float(path[:, b].min())
        s2 = float(ssr_path(p, ys[:, b], z, x, q, [gb], grid).min())
        out[b] = (s1 - s2) / (s2 / nt)
    return out


def _regime_fit(p: PanelData, z: np.ndarray, x: np.ndarray, q: np.ndarray, gammas: Sequence[float],
                xname: str, qname: str) -> PanelFit:
    """The fixed-effects regression with x split at ``gammas`` (clustered by region)."""
    g = sorted(gammas)
    bounds = [-np.inf, *g, np.inf]
    cols, names = [], []
    for a, b in zip(bounds[:-1], bounds[1:]):
        cols.append(x * ((q > a) & (q <= b)))
        if a == -np.inf:
            names.append(f"{xname} ({qname}≤{b:.6g})")
        elif b == np.inf:
            names.append(f"{xname} ({qname}>{a:.6g})")
        else:
            names.append(f"{xname} ({a:.6g}<{qname}≤{b:.6g})")
    zn = [r for r in p.regressors if r not in (xname,)]
    design = np.column_stack([*cols, z]) if z.shape[1] else np.column_stack(cols)
    return fit_panel(p.with_columns(p.dependent, p.y, [*names, *zn], design), "fe", "individual", "cluster")


def _threshold_data(data, equation, threshold, regime, ids, years, id_cols, missing):
    """The panel of ``equation`` plus the threshold and regime columns; refuses an unbalanced one."""
    header, _ = data_header(data, id_cols)
    qname = _one_name(threshold, "threshold", header)
    xname = _one_name(regime, "regime", header)
    parsed = parse_system(equation)
    if len(parsed) != 1:
        raise NQPError(f"equation holds {len(parsed)} equations; the threshold model takes one, e.g. \"y ~ z1 + z2\"")
    dep, regs = parsed[0][0].name, [r.name for r in parsed[0][1]]
    extra = [t for t in (xname, qname) if t not in regs]
    eq = f"{dep} ~ {' + '.join([*regs, *extra])}"
    p = panel_data(data, eq, ids, years, id_cols=id_cols, missing=missing)
    if not p.balanced:
        raise NQPError(f"the threshold model needs a balanced panel; {p.n} complete rows for {p.n_groups} regions × "
                       f"{p.n_times} years (a blank in the equation's, threshold or regime column leaves a row out)")
    names = list(p.regressors)
    q = p.x[:, names.index(qname)]
    x = p.x[:, names.index(xname)]
    # controls: the equation's regressors but the regime variable (split by regime); the threshold
    # variable only when the equation names it
    controls = [j for j, r in enumerate(names) if r != xname and (r != qname or qname in regs)]
    z = p.x[:, controls]
    p = p.with_columns(p.dependent, p.y, [names[j] for j in controls], z)
    return p, z, x, q, xname, qname


def _one_name(value: Any, what: str, header: list[str]) -> str:
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, str) or not value.strip():
        raise NQPError(f"{what} must be the header name of one column, e.g. \"rd_intensity\"")
    return resolve_column(value.strip(), header)

