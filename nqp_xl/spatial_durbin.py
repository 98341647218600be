"""The spatial Durbin model (SDM) by maximum likelihood, with its direct, indirect and total
effects: y = ρWy + Xβ + WXθ + ε (LeSage & Pace 2009; Elhorst 2014).

* Cross-section (no ``years``): one row per region, an intercept, as R spatialreg
  ``lagsarlm(y ~ x, listw, Durbin = TRUE, method = "eigen")`` and ``impacts(fit, R = draws)``.
* Panel (``years``): a balanced panel with region ("individual", the default), "time" or
  "twoways" fixed effects, estimated by the Lee–Yu (2010) transformation approach, their bias
  correction of Elhorst's direct ML (region effects: σ² = SSR/(N(T - 1)), ρ and β as the direct
  approach; time and two-way effects: the ML of the transformed model, see
  :mod:`nqp_xl.spatial_ml`).  No intercept; the fixed effects are not counted in the AIC.

W is the weights among the regions of the data, row-standardised (style "W"); regions are
matched by name as the Moran functions do (北京/北京市/Beijing).  ``weights`` may be a range,
"contiguity" or "distance" (the bundled 31-province matrices; default "contiguity").

Also reported: σ², log-likelihood, AIC = -2ℓ + 2(p + 2) (p coefficients, ρ, σ²), and the LR
tests of the SDM against the SAR (θ = 0) and the SEM (θ = -ρβ, the common factor), each with
k degrees of freedom (k regressors), the SAR and SEM fitted by ML on the same data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import key_of, key_text, range_rows
from .dynamics import MIN_REGIONS
from .equations import system_data
from .errors import NQPError
from .labels import text
from .options import choice, is_blank, unwrap, whole_number
from .provinces import WEIGHTS_KINDS, bundled_weights
from .spatial import match_regions, spatial_weights, subset_weights
from .spatial_ml import Design, fit_error, fit_lag, impacts, simulated_impacts

__all__ = ["spatial_durbin", "SpatialDurbin", "EFFECTS"]

EFFECTS = ("individual", "time", "twoways")
MAX_REGIONS = 3000
"""Dense eigenvalues and inverses of W: N = 3000 takes a few seconds."""


@dataclass(frozen=True, eq=False)
class SpatialDurbin:
    """Estimates (β, θ, intercept, ρ) with standard errors, fit statistics, LR tests and impacts."""

    dependent: str
    names: list
    beta: np.ndarray
    theta: np.ndarray
    se_beta: np.ndarray
    se_theta: np.ndarray
    rho: float
    se_rho: float
    intercept: float | None
    se_intercept: float | None
    sigma2: float
    loglik: float
    aic: float
    n_obs: int
    n_regions: int
    n_years: int
    effects: str
    lr_sar: float
    lr_sem: float
    impacts: np.ndarray      # (3, k): direct, indirect, total
    impacts_se: np.ndarray   # (3, k): their simulated standard deviations
    draws: int

    @property
    def k(self) -> int:
        return len(self.names)

    @property
    def lr_p(self) -> tuple[float, float]:
        from scipy.special import chdtrc  # 0.3 s of start-up (-X importtime), paid only here

        return float(chdtrc(self.k, self.lr_sar)), float(chdtrc(self.k, self.lr_sem))

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Variable, Coef., Std. Err., z, P>|z|: β, θ (W*x), _cons, ρ; the three effects per
        regressor with simulated SE; then N, regions, years, fixed effects, σ², ℓ, AIC, LR tests."""
        rows = [[text(h, lang) for h in ("Variable", "Coef.", "Std. Err.", "z", "P>|z|")]]
        coefs = list(zip(self.names, self.beta, self.se_beta))
        coefs += list(zip([f"W*{n}" for n in self.names], self.theta, self.se_theta))
        if self.intercept is not None:
            coefs.append(("_cons", self.intercept, self.se_intercept))
        coefs.append((text("rho (spatial lag)", lang), self.rho, self.se_rho))
        rows += [_z_row(name, c, s) for name, c, s in coefs]
        for j, key in enumerate(("Direct effect", "Indirect effect", "Total effect")):
            rows.append([text(key, lang), None, None, None, None])
            rows += [_z_row(n, e, s) for n, e, s in zip(self.names, self.impacts[j], self.impacts_se[j])]
        p_sar, p_sem = self.lr_p
        stats = [("N", float(self.n_obs)), ("Regions", float(self.n_regions)), ("Years", float(self.n_years)),
                 ("Fixed effects", text(self.effects, lang)), ("sigma²", self.sigma2),
                 ("Log-likelihood", self.loglik), ("AIC", self.aic), ("Simulation draws", float(self.draws))]
        rows += [[text(key, lang), v, None, None, None] for key, v in stats]
        rows.append([text("LR test SDM vs SAR", lang) + f" (df {self.k})", self.lr_sar, None, None, p_sar])
        rows.append([text("LR test SDM vs SEM", lang) + f" (df {self.k})", self.lr_sem, None, None, p_sem])
        return rows


def _z_row(name: str, coef: float, se: float) -> list:
    from scipy.special import ndtr  # 0.3 s of start-up (-X importtime), paid only here

    z = coef / se if se > 0 else float("nan")
    if not math.isfinite(z):
        return [name, float(coef), float(se), None, None]
    return [name, float(coef), float(se), z, float(2 * ndtr(-abs(z)))]


# ----------------------------------------------------------------------------- the data


def _column_cells(rows: list[list], name: Any, what: str, default: int | None) -> list | None:
    """The cells under the header ``name`` (case-insensitive), or column ``default`` when blank."""
    name = unwrap(name)
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    if is_blank(name):
        if default is None:
            return None
        j = default
    else:
        want = key_text(key_of(name)) if key_of(name) is not None else str(name)
        found = [j for j, h in enumerate(header) if h.casefold() == want.strip().casefold()]
        if not found:
            raise NQPError(f'{what}="{name}" is not a column header of the data; give the header of the '
                           f"{'region' if what == 'ids' else 'year'} column, e.g. \"{header[0]}\"")
        j = found[0]
    return [key_of(r[j]) for r in rows[1:]]


def _weights(weights: Any):
    value = unwrap(weights)
    if is_blank(value):
        value = "contiguity"
    if isinstance(value, str):
        kind = value.strip().lower()
        if kind not in WEIGHTS_KINDS:
            raise NQPError(f'weights="{value}" is not known; give a square weights range or "contiguity" or "distance"')
        return spatial_weights(bundled_weights(kind))
    return spatial_weights(weights)


def _eigenvalues(C: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Eigenvalues of the row-standardised W = D^-1 C: real ones from the symmetric
    D^-1/2 C D^-1/2 when C is symmetric (contiguity, distance), else complex ones."""
    if np.allclose(C, C.T, rtol=0, atol=1e-12 * np.abs(C).max()):
        d = 1.0 / np.sqrt(C.sum(axis=1))
        return np.linalg.eigvalsh(d[:, None] * C * d[None, :])
    eig = np.linalg.eigvals(W)
    return eig.real if np.abs(eig.imag).max() < 1e-12 else eig


def _row_keys(rows: list[list], ids: Any, years: Any, kept: np.ndarray) -> tuple[list, list, list]:
    """Of the complete rows ``kept``: those with a region (and a year), their region names and years."""
    region_cells = _column_cells(rows, ids, "ids", 0)
    year_cells = _column_cells(rows, years, "years", None) if years is not None else None
    use, regions, yrs = [], [], []
    for i, r in enumerate(kept.tolist()):
        region = region_cells[r]
        year = year_cells[r] if year_cells is not None else 0.0
        if isinstance(year, str):
            raise NQPError(f'years must be numbers; the year column holds "{year}" (data row {r + 1})')
        if region is None or year is None:
            continue  # listwise: a row without its region or year drops out
        use.append(i)
        regions.append(key_text(region))
        yrs.append(year)
    return use, regions, yrs


def _layout(regions: list, years: list, pos: np.ndarray, panel: bool) -> tuple[np.ndarray, np.ndarray, list]:
    """Each row's (year index, region index) in balanced (T, N) arrays, and the regions' weights rows."""
    order = list(dict.fromkeys(pos.tolist()))
    r_index = {p: i for i, p in enumerate(order)}
    ri = np.array([r_index[p] for p in pos.tolist()], dtype=np.intp)
    if not panel:
        seen: dict[int, int] = {}
        for i, r in enumerate(ri.tolist()):
            if r in seen:
                raise NQPError(f'region "{regions[i]}" appears twice; a cross-section takes one row per region '
                               '(give years="…" with the year column for a panel)')
            seen[r] = i
        return np.zeros(ri.size, dtype=np.intp), ri, order
    yr_order = sorted(set(years))
    y_index = {y: i for i, y in enumerate(yr_order)}
    ti = np.array([y_index[y] for y in years], dtype=np.intp)
    filled = np.full((len(yr_order), len(order)), -1)
    for i, (t, r) in enumerate(zip(ti.tolist(), ri.tolist())):
        if filled[t, r] >= 0:
            raise NQPError(f'region "{regions[i]}" appears twice in {key_text(yr_order[t])}; '
                           "each region needs one row per year")
        filled[t, r] = i
    gap = np.argwhere(filled < 0)
    if gap.size:
        t, r = gap[0]
        name = regions[int(np.flatnonzero(ri == r)[0])]
        raise NQPError(f'the spatial panel must be balanced: region "{name}" has no complete row in '
                       f"{key_text(yr_order[t])} ({gap.shape[0]} region-years missing); fill the blanks or "
                       "leave the region out")
    return ti, ri, order


def spatial_durbin(data: Any, equation: Any, ids: Any = None, weights: Any = None, years: Any = None,
                   effects: Any = None, draws: Any = 1000, seed: Any = 1,
                   id_cols: Any = None, missing: Any = None) -> SpatialDurbin:
    """Fit the spatial Durbin model of ``equation`` (one "y ~ x1 + x2") by maximum likelihood."""
    R = whole_number(draws, "draws", low=100, high=100_000, default=1000)
    s = whole_number(seed, "seed", low=0, default=1)
    w = _weights(weights)
    sd = system_data(data, equation, id_cols=id_cols, missing=missing)
    if len(sd.equations) != 1:
        raise NQPError(f"the spatial Durbin model takes one equation; there are {len(sd.equations)}")
    dep, regs = sd.equations[0]
    if not regs:
        raise NQPError(f"the equation of {dep} needs at least one regressor")
    panel = not is_blank(unwrap(years))
    eff = choice(effects, "effects", EFFECTS, "individual") if panel else "none"
    use, regions, yrs = _row_keys(range_rows(data), ids, years if panel else None, np.flatnonzero(sd.table.keep))
    pos = match_regions(regions, w)
    ti, ri, order = _layout(regions, yrs, pos, panel)
    N, T = len(order), int(ti.max()) + 1 if ti.size else 0
    _check_sizes(N, T, len(regs), panel, eff)
    idx = np.array(order, dtype=np.intp)
    W = subset_weights(w, idx, "W", " of the data").toarray()
    eig = _eigenvalues(w.matrix[idx][:, idx].toarray(), W)
    d = Design(W=W, eig=eig, effects=eff, T=T)
    Y = np.zeros((T, N))
    X = np.zeros((T, N, len(regs)))
    Y[ti, ri] = sd.values[dep][use]
    for j, name in enumerate(regs):
        X[ti, ri, j] = sd.values[name][use]
    return _estimate(d, Y, X, dep, regs, R, s)


def _check_sizes(N: int, T: int, k: int, panel: bool, eff: str) -> None:
    if N < MIN_REGIONS + 2:
        raise NQPError(f"the spatial Durbin model needs at least {MIN_REGIONS + 2} regions; there are {N}")
    if N > MAX_REGIONS:
        raise NQPError(f"the spatial Durbin model works on at most {MAX_REGIONS} regions (dense matrices); there are {N}")
    if panel and eff in ("individual", "twoways") and T < 2:
        raise NQPError(f"region fixed effects need two or more years; there {'is' if T == 1 else 'are'} {T}")
    p = 2 * k + (0 if panel else 1)
    n_eff = (N - (1 if eff in ("time", "twoways") else 0)) * (T - (1 if eff in ("individual", "twoways") else 0))
    if n_eff <= p + 2:
        raise NQPError(f"the spatial Durbin model has {p} coefficients, ρ and σ² but only {n_eff} "
                       "observations (after the fixed effects); give more regions or years, or fewer regressors")


def _estimate(d: Design, Y: np.ndarray, X: np.ndarray, dep: str, names: list, R: int, seed: int) -> SpatialDurbin:
    k = len(names)
    WX = d.lag(X)
    y = d.transform(Y).ravel()
    Zx = d.transform(X).reshape(-1, k)
    Zw = d.transform(WX).reshape(-1, k)
    cols = [Zx, Zw]
    if d.effects == "none":
        cols.insert(0, np.ones((y.size, 1)))
    Z = np.hstack(cols)
    _check_rank(Z, names, d)
    sdm = fit_lag(d, y, Z)
    base = Z[:, :-k]
    sar = fit_lag(d, y, base, with_cov=False)
    sem = fit_error(d, y, base)
    off = 1 if d.effects == "none" else 0
    se = np.sqrt(np.diag(sdm.cov))
    p = Z.shape[1]
    take = [p] + list(range(off, off + 2 * k))  # ρ, β, θ
    mean = np.array([sdm.rho, *sdm.b[off:off + 2 * k]])
    cov = sdm.cov[np.ix_(take, take)]
    beta, theta = sdm.b[off:off + k], sdm.b[off + k:off + 2 * k]
    point = impacts(d.eig, d.N, np.array([sdm.rho]), beta[None, :], theta[None, :])[:, 0, :]
    sims = simulated_impacts(d.eig, d.N, mean, cov, k, d.interval, R, seed)
    return SpatialDurbin(
        dependent=dep, names=list(names), beta=beta, theta=theta, se_beta=se[off:off + k],
        se_theta=se[off + k:off + 2 * k], rho=sdm.rho, se_rho=float(se[p]),
        intercept=float(sdm.b[0]) if off else None, se_intercept=float(se[0]) if off else None,
        sigma2=sdm.sigma2, loglik=sdm.loglik, aic=-2 * sdm.loglik + 2 * (p + 2),
        n_obs=d.T * d.N, n_regions=d.N, n_years=d.T, effects=d.effects,
        lr_sar=2 * (sdm.loglik - sar.loglik), lr_sem=2 * (sdm.loglik - sem.loglik),
        impacts=point, impacts_se=sims, draws=R)


def _check_rank(Z: np.ndarray, names: list, d: Design) -> None:
    k = len(names)
    labels = (["_cons"] if d.effects == "none" else []) + list(names) + [f"W*{n}" for n in names]
    scale = np.abs(Z).max(axis=0)
    flat = np.flatnonzero(scale <= 1e-12 * max(1.0, float(np.abs(Z).max())))
    if flat.size:
        why = {"individual": "does not vary over time within a region (region fixed effects absorb it)",
               "time": "does not vary across regions within a year (time fixed effects absorb it)",
               "twoways": "is absorbed by the fixed effects", "none": "is constant"}[d.effects]
        raise NQPError(f"{labels[flat[0]]} {why}; drop it from the equation")
    if np.linalg.matrix_rank(Z / np.where(scale > 0, scale, 1.0)) < Z.shape[1]:
        raise NQPError(f"the regressors and their spatial lags (W*x) are collinear ({k} regressors, {2 * k} "
                       "columns with the lags); drop a regressor")
