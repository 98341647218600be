"""Maximum likelihood for spatial lag (SAR, SDM) and spatial error (SEM) models, on one
cross-section or a balanced panel with fixed effects, and the LeSage–Pace impacts.

The data arrive as arrays (T years, N regions, ...) with a dense N × N weights matrix W
(row-standardised for panels).  Fixed effects use the transformation approach of Lee & Yu
(2010, J. Econometrics 154: 165–185), which is their bias correction of the direct ML estimator:

* region effects: each region's series demeaned over time (T* = T - 1 effective periods);
* time effects: each year's cross-section demeaned over regions (N - 1 effective regions; the
  Jacobian loses the eigenvalue 1 of the row-standardised W: ln|I - ρW| - ln(1 - ρ));
* two-way: both, (N - 1)(T - 1) effective observations.

Concentrated log-likelihood of the lag model y = ρWy + Zb + e (Anselin 1988; Elhorst 2014):
ℓ(ρ) = -n*/2 (ln 2π + ln σ²(ρ) + 1) + T* [Σ ln(1 - ρλ_i) - c ln(1 - ρ)], σ²(ρ) = e(ρ)'e(ρ)/n*,
e(ρ) = e0 - ρ e_d (residuals of y and Wy on Z), λ the eigenvalues of W, c = 1 with time effects.
ρ maximises ℓ on (1/λ_min, 1/λ_max): bounded Brent, then the root of the score.  Standard
errors: the inverse of the analytic information matrix of (b, ρ, σ²) (Anselin 1988, eq. 6.5;
spatialreg ``lagsarlm`` method "eigen"), with G = P W (I - ρW)^-1 P (P the region demeaning when
time effects, else I): I_bb = Z'Z/σ², I_bρ = Z'GZb/σ², I_ρρ = T*(tr G² + tr G'G) + |GZb|²/σ²,
I_ρσ² = T* tr G/σ², I_σ²σ² = n*/(2σ⁴).

Impacts (LeSage & Pace 2009): S_k = (I - ρW)^-1 (β_k I + θ_k W); direct = tr S_k / N, total =
ι'S_k ι / N, indirect = total - direct, by the eigenvalues: tr (I - ρW)^-1 = Σ 1/(1 - ρλ),
tr (I - ρW)^-1 W = Σ λ/(1 - ρλ).  Simulated standard errors: the standard deviation of the
impacts over draws of (ρ, β, θ) from N(estimate, covariance), draws with ρ outside the interval
left out (as spatialreg ``impacts(..., R = draws)``), from ``numpy.random.default_rng(seed)``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .errors import NQPError

__all__ = ["Design", "LagFit", "fit_lag", "fit_error", "impacts", "simulated_impacts"]


@dataclass(frozen=True, eq=False)
class Design:
    """W (N × N), its eigenvalues, the fixed effects ("none", "individual", "time", "twoways") and T."""

    W: np.ndarray
    eig: np.ndarray
    effects: str
    T: int

    @property
    def N(self) -> int:
        return self.W.shape[0]

    @property
    def region_fe(self) -> bool:
        return self.effects in ("individual", "twoways")

    @property
    def time_fe(self) -> bool:
        return self.effects in ("time", "twoways")

    @property
    def t_star(self) -> int:
        return self.T - 1 if self.region_fe else self.T

    @property
    def n_star(self) -> int:
        return self.t_star * (self.N - 1 if self.time_fe else self.N)

    @property
    def interval(self) -> tuple[float, float]:
        lam = self.eig.real
        return 1.0 / lam.min(), 1.0 / lam.max()

    def transform(self, a: np.ndarray) -> np.ndarray:
        """Demean an array (T, N, ...) as the fixed effects require."""
        out = a
        if self.region_fe:
            out = out - out.mean(axis=0, keepdims=True)
        if self.time_fe:
            out = out - out.mean(axis=1, keepdims=True)
        return out

    def lag(self, a: np.ndarray) -> np.ndarray:
        """W applied to each year's cross-section of an array (T, N, ...)."""
        return np.einsum("ij,tj...->ti...", self.W, a)

    def logdet(self, rho: float) -> float:
        """T* (ln|I - ρW| - c ln(1 - ρ))."""
        val = np.log(1.0 - rho * self.eig).sum()
        val = float(val.real) if np.iscomplexobj(val) else float(val)
        if self.time_fe:
            val -= math.log(1.0 - rho)
        return self.t_star * val

    def trace_g(self, rho: float) -> float:
        """T* tr G (the derivative of -logdet)."""
        val = (self.eig / (1.0 - rho * self.eig)).sum()
        val = float(val.real) if np.iscomplexobj(val) else float(val)
        if self.time_fe:
            val -= 1.0 / (1.0 - rho)
        return self.t_star * val


@dataclass(frozen=True, eq=False)
class LagFit:
    """ρ, coefficients b, σ², log-likelihood and the covariance of (b, ρ) (None for SEM fits)."""

    rho: float
    b: np.ndarray
    sigma2: float
    loglik: float
    cov: np.ndarray | None = None


def _ols_resid(Z: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    coef, *_ = np.linalg.lstsq(Z, v, rcond=None)
    return coef, v - Z @ coef


def _maximise(loglik: Callable[[float], float], lo: float, hi: float,
              score: Callable[[float], float] | None = None) -> float:
    """The maximiser of a one-parameter log-likelihood on (lo, hi): bounded Brent, then the
    root of the score near it (the maximum is flat: Brent alone resolves ρ to ~1e-8)."""
    from scipy.optimize import brentq, minimize_scalar  # 0.5 s of start-up (-X importtime), paid only here

    eps = 1e-9 * (hi - lo)
    res = minimize_scalar(lambda r: -loglik(r), bounds=(lo + eps, hi - eps), method="bounded",
                          options={"xatol": 1e-12})
    rho = float(res.x)
    if score is not None:
        for width in (1e-6, 1e-4, 1e-2):
            a, b = max(lo + eps, rho - width), min(hi - eps, rho + width)
            fa, fb = score(a), score(b)
            if fa > 0 > fb:
                return float(brentq(score, a, b, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=200))
    return rho


def _full_loglik(n_star: int, ssr: float, logdet: float) -> float:
    return -0.5 * n_star * (math.log(2 * math.pi) + math.log(ssr / n_star) + 1.0) + logdet


def fit_lag(d: Design, y: np.ndarray, Z: np.ndarray, with_cov: bool = True) -> LagFit:
    """The lag model y = ρWy + Zb + e on transformed data: y (T·N,), Z (T·N, p)."""
    wy = _wy(d, y)
    b0, e0 = _ols_resid(Z, y)
    bd, ed = _ols_resid(Z, wy)
    s00, s0d, sdd = float(e0 @ e0), float(e0 @ ed), float(ed @ ed)
    n = d.n_star

    def ssr(r: float) -> float:
        return s00 - 2 * r * s0d + r * r * sdd

    def loglik(r: float) -> float:
        return _full_loglik(n, ssr(r), d.logdet(r))

    def score(r: float) -> float:
        return n * (s0d - r * sdd) / ssr(r) - d.trace_g(r)

    lo, hi = d.interval
    rho = _maximise(loglik, lo, hi, score)
    b = b0 - rho * bd
    s2 = ssr(rho) / n
    cov = _lag_covariance(d, Z, b, rho, s2) if with_cov else None
    return LagFit(rho=rho, b=b, sigma2=s2, loglik=loglik(rho), cov=cov)


def _wy(d: Design, y: np.ndarray) -> np.ndarray:
    """W y per year of transformed y, transformed again (demeaning over time commutes with W;
    over regions it does not: P W P y, P the region demeaning)."""
    return d.transform(d.lag(y.reshape(d.T, d.N))).ravel()


def _lag_covariance(d: Design, Z: np.ndarray, b: np.ndarray, rho: float, s2: float) -> np.ndarray:
    """The inverse information matrix of (b, ρ) (σ² profiled in the full matrix, then dropped)."""
    N = d.N
    A = np.linalg.solve(np.eye(N) - rho * d.W, np.eye(N))
    G = d.W @ A
    if d.time_fe:
        J = np.eye(N) - 1.0 / N
        G = J @ G @ J
    v = np.einsum("ij,tj->ti", G, (Z @ b).reshape(d.T, N)).ravel()
    p = Z.shape[1]
    info = np.zeros((p + 2, p + 2))
    info[:p, :p] = Z.T @ Z / s2
    info[:p, p] = info[p, :p] = Z.T @ v / s2
    info[p, p] = d.t_star * (np.trace(G @ G) + np.sum(G * G)) + float(v @ v) / s2
    info[p, p + 1] = info[p + 1, p] = d.t_star * np.trace(G) / s2
    info[p + 1, p + 1] = d.n_star / (2 * s2 * s2)
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise NQPError("the information matrix of the spatial model is singular (collinear regressors?); "
                       "drop a regressor") from None
    return cov[:p + 1, :p + 1]


def fit_error(d: Design, y: np.ndarray, Z: np.ndarray) -> LagFit:
    """The error model y = Zb + u, u = λWu + e (its log-likelihood for the LR test)."""
    Y = y.reshape(d.T, d.N)
    Zs = Z.reshape(d.T, d.N, -1)
    wY, wZ = d.transform(d.lag(Y)), d.transform(d.lag(Zs))
    n = d.n_star

    def fit(lam: float) -> tuple[np.ndarray, float]:
        coef, e = _ols_resid((Zs - lam * wZ).reshape(-1, Z.shape[1]), (Y - lam * wY).ravel())
        return coef, float(e @ e)

    def loglik(lam: float) -> float:
        return _full_loglik(n, fit(lam)[1], d.logdet(lam))

    lo, hi = d.interval
    lam = _maximise(loglik, lo, hi)
    coef, s = fit(lam)
    return LagFit(rho=lam, b=coef, sigma2=s / n, loglik=loglik(lam))


def impacts(eig: np.ndarray, N: int, rho: np.ndarray, beta: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Direct, indirect and total impacts (3, draws, k) for draws of ρ (draws,), β and θ (draws, k)
    on row-standardised weights with eigenvalues ``eig``."""
    r = np.asarray(rho, dtype=float)[:, None]
    tr_a = (1.0 / (1.0 - r * eig[None, :])).sum(axis=1)
    tr_aw = (eig[None, :] / (1.0 - r * eig[None, :])).sum(axis=1)
    if np.iscomplexobj(tr_a):
        tr_a, tr_aw = tr_a.real, tr_aw.real
    direct = (beta * tr_a[:, None] + theta * tr_aw[:, None]) / N
    total = (beta + theta) / (1.0 - r)
    return np.stack([direct, total - direct, total])


def simulated_impacts(eig: np.ndarray, N: int, mean: np.ndarray, cov: np.ndarray, k: int,
                      interval: tuple[float, float], draws: int, seed: int) -> np.ndarray:
    """Standard deviations (3, k) of the impacts over ``draws`` draws of (ρ, β_1..k, θ_1..k)."""
    rng = np.random.default_rng(seed)
    sims = rng.multivariate_normal(mean, cov, size=draws, method="eigh")
    inside = (sims[:, 0] > interval[0]) & (sims[:, 0] < interval[1])
    sims = sims[inside]
    if sims.shape[0] < 2:
        raise NQPError("the simulated impacts left no draw with ρ inside its interval; ρ is too close to its bound")
    eff = impacts(eig, N, sims[:, 0], sims[:, 1:k + 1], sims[:, k + 1:2 * k + 1])
    return eff.std(axis=1, ddof=1)
