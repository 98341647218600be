"""Varimax rotation with Kaiser normalization, iterated to the true optimum.

Kaiser (1958), "The varimax criterion for analytic rotation in factor analysis",
Psychometrika 23: 187-200; SPSS Statistics Algorithms, FACTOR "Varimax".  Rows of A are
normalised by their communalities, the criterion
``Q = Σ_j [ Σ_i a_ij⁴ - (Σ_i a_ij²)² / p ]`` is maximised by Kaiser's pairwise plane rotations
until no sweep moves it, then Newton steps polish T to a fixed point (SPSS stops after 25
sweeps; we go to convergence, as the SPEC asks).
"""
from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .errors import NQPError

def positive_signs(a: np.ndarray) -> np.ndarray:
    """+1/-1 per column making its sum positive (a zero sum: its largest element positive)."""
    sums = a.sum(axis=0)
    scale = np.abs(a).sum(axis=0)
    tie = np.abs(sums) <= 1e-12 * np.maximum(scale, 1e-300)
    if tie.any():
        big = a[np.abs(a).argmax(axis=0), np.arange(a.shape[1])]
        sums = np.where(tie, big, sums)
    return np.where(sums < 0, -1.0, 1.0)


def varimax_criterion(a: Any, normalize: bool = True) -> float:
    """Kaiser's varimax criterion ``Σ_j [p Σ_i b_ij⁴ - (Σ_i b_ij²)²] / p²`` of loadings a,
    on the Kaiser-normalised rows ``b_i = a_i / h_i`` when ``normalize``."""
    b = np.asarray(a, dtype=float)
    if normalize:
        b = b / _row_norms(b)[:, None]
    p = b.shape[0]
    b2 = b * b
    return float((p * (b2 * b2).sum(axis=0) - b2.sum(axis=0) ** 2).sum() / p**2)


def _row_norms(a: np.ndarray) -> np.ndarray:
    h = np.sqrt(np.einsum("ij,ij->i", a, a))
    return np.where(h > 0, h, 1.0)


@functools.lru_cache(maxsize=16)
def _pair_hessian(k: int) -> "_PairHessian":
    return _PairHessian(k)


class _PairHessian:
    """Index tables for the Hessian of the varimax criterion in the k(k-1)/2 plane rotations.

    With ``T -> T (I + S + ...)`` for skew S = Σ s_ab E_ab, the second derivative couples two
    plane rotations only through the columns they share; these tables gather it from the
    per-column matrices K_j (sum of squares part) and M (curvature of the rotation itself).
    """

    def __init__(self, k: int):
        ia, ib = np.triu_indices(k, 1)
        a, b, c, d = ia[:, None], ib[:, None], ia[None, :], ib[None, :]
        shape = (ia.size, ia.size)
        bd, bc, ac, ad = (b == d), (b == c), (a == c), (a == d)
        self.ia, self.ib = ia, ib
        self.k_idx = np.stack([np.broadcast_to(i, shape) for i in (
            (b * k + a) * k + c, (b * k + a) * k + d, (a * k + b) * k + d, (a * k + b) * k + c)])
        self.k_sign = np.stack([bd, -1.0 * bc, 1.0 * ac, -1.0 * ad]).astype(float)
        self.m_idx = np.stack([np.broadcast_to(i, shape) for i in (d * k + a, c * k + a, d * k + b, c * k + b)])
        self.m_sign = np.stack([bc, -1.0 * bd, -1.0 * ac, ad]).astype(float)


def _criterion_parts(x: np.ndarray, t: np.ndarray):
    p = x.shape[0]
    lam = x @ t
    lam2 = lam * lam
    col = lam2.sum(axis=0)
    return lam, lam2, col, float((lam2 * lam2).sum() - (col @ col) / p)


def _pairwise_sweep(lam_t: np.ndarray, t_t: np.ndarray) -> float:
    """One sweep of Kaiser's plane rotations over all column pairs, in place; the largest angle.

    ``lam_t`` and ``t_t`` are the normalised loadings and T transposed (one row per factor).
    For factors a, b with u = x_a² - x_b², v = 2 x_a x_b the best angle solves
    tan 4φ = (D - 2AB/p) / (C - (A² - B²)/p), A = Σu, B = Σv, C = Σ(u² - v²), D = 2Σuv
    (Kaiser 1959; Harman 1976, ch. 14) — the exact optimum within that plane.
    """
    k, p = lam_t.shape
    largest = 0.0
    for a in range(k - 1):
        for b in range(a + 1, k):
            xa, xb = lam_t[a], lam_t[b]
            u = (xa + xb) * (xa - xb)
            v = 2.0 * xa * xb
            sa, sb = float(u.sum()), float(v.sum())
            num = 2.0 * float(u @ v) - 2.0 * sa * sb / p
            den = float(u @ u) - float(v @ v) - (sa * sa - sb * sb) / p
            phi = 0.25 * math.atan2(num, den)
            if phi == 0.0:
                continue
            c, s = math.cos(phi), math.sin(phi)
            lam_t[a], lam_t[b] = c * xa + s * xb, c * xb - s * xa
            ta, tb = t_t[a], t_t[b]
            t_t[a], t_t[b] = c * ta + s * tb, c * tb - s * ta
            largest = max(largest, abs(phi))
    return largest


def kaiser_varimax(a: Any, tol: float = 1e-12, max_iter: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Varimax rotation with Kaiser normalization: rotated loadings ``A T`` and T (k × k).

    Rows are divided by their communality roots ``h_i`` and Kaiser's criterion
    ``Σ_j [p Σ_i b_ij⁴ - (Σ_i b_ij²)²] / p²`` is maximised over orthogonal T, starting from
    T = I: first by sweeps of Kaiser's exact plane rotations (the algorithm of SPSS), then,
    once the criterion is locally concave, by Newton steps in the k(k-1)/2 plane-rotation
    coordinates (Cayley retraction), which converge quadratically; a sweep again whenever a
    Newton step would not be an ascent.  It stops when a step turns no plane by more than
    ``tol`` radians (a Newton step: below √tol/10, leaving an error of order its square) —
    the true optimum, where SPSS stops after 25 iterations.  Columns come
    back as the iteration leaves them (no reflection or sorting; :func:`factor_analysis`
    applies SPSS's presentation rules).
    """
    a = np.asarray(a, dtype=float)
    p, k = a.shape
    if k < 2:
        return a.copy(), np.eye(k)
    x = a / _row_norms(a)[:, None]
    eye = np.eye(k)
    hs: _PairHessian | None = None
    lam_t, t_t = x.T.copy(), np.eye(k)  # transposed: one row per factor
    newton = False
    for _ in range(max_iter):
        if newton:
            hs = hs or _pair_hessian(k)
            t, lam = t_t.T.copy(), lam_t.T.copy()
            lam2 = lam * lam
            col = lam2.sum(axis=0)
            f = float((lam2 * lam2).sum() - (col @ col) / p)
            g = lam * (lam2 - col / p)  # a quarter of the criterion's gradient in the loadings
            n_ = lam.T @ g
            grad = n_[hs.ia, hs.ib] - n_[hs.ib, hs.ia]
            gram = lam.T @ lam
            kk = (3 * np.matmul(lam.T[None] * lam2.T[:, None, :], lam)
                  - (2 / p) * (gram[:, :, None] * gram[:, None, :]) - (col / p)[:, None, None] * gram[None])
            h2 = ((g.T @ lam).ravel()[hs.m_idx] * hs.m_sign).sum(axis=0)
            hess = (kk.ravel()[hs.k_idx] * hs.k_sign).sum(axis=0) + (h2 + h2.T) / 2
            try:
                np.linalg.cholesky(-hess)  # locally concave: Newton goes to the maximum
                s = np.linalg.solve(hess, -grad)
            except np.linalg.LinAlgError:
                s = None
            if s is not None:
                skew = np.zeros((k, k))
                skew[hs.ia, hs.ib], skew[hs.ib, hs.ia] = s, -s
                t_new = t @ np.linalg.solve(eye - skew / 2, eye + skew / 2)
                lam_new, _l2, _c, f_new = _criterion_parts(x, t_new)
                if f_new >= f - 1e-12 * abs(f):
                    t_t, lam_t = t_new.T.copy(), lam_new.T.copy()
                    # quadratic convergence: what remains after a step s is of order s²
                    if np.abs(s).max() < 0.1 * math.sqrt(tol):
                        return a @ t_new, t_new
                    continue
        largest = _pairwise_sweep(lam_t, t_t)
        if largest < tol:
            return a @ t_t.T, t_t.T.copy()
        newton = largest < 0.3  # near enough for Newton (which checks concavity itself)
    raise NQPError(
        f"the varimax rotation did not converge in {max_iter} iterations; try fewer factors (n_factors)"
    )
