"""Simultaneous equations: OLS, 2SLS, 3SLS and iterated 3SLS with Stata ``reg3`` conventions.

``three_sls(data, equations, method)`` fits a system written over the table's header names,
``"y1 ~ y2 + x1 + x2; y2 ~ y1 + x3 + x4"``.  As in Stata's ``reg3`` by default:

* every dependent variable is endogenous; every other variable named in the system is
  exogenous, and the full exogenous list plus the constant instruments every equation;
* every equation has an intercept (``_cons``), listed after the regressors in the order written.

Methods (Zellner & Theil 1962; Stata manual [R] reg3, "Options" and "Methods and formulas"):

``"3sls"`` (default)
    beta = [X'(S^-1 (x) P_Z)X]^-1 X'(S^-1 (x) P_Z)y, with S = E'E/n from the 2SLS residuals
    (no small-sample correction), V = [Xhat'(S^-1 (x) I)Xhat]^-1, z statistics, normal p-values.
``"ireg3"``
    S is re-estimated from the 3SLS residuals (divided by n) and the estimate repeated until
    the coefficients stop changing (RMS change below 1e-12 x max(1, |beta_3sls|)); V as above
    with the S of the last step.  Stata stops at a relative change of 1e-6 by default; we
    iterate to the fixed point, so figures agree with Stata to about that tolerance.
``"2sls"``
    ``reg3, 2sls``: equation-by-equation 2SLS on all exogenous variables, which implies
    ``dfk small corr(independent)``: V_i = s_ii (Xhat_i'Xhat_i)^-1 with s_ii = e_i'e_i/(n - k_i),
    t statistics.
``"ols"``
    ``reg3, ols``: equation-by-equation OLS (``allexog dfk small corr(independent)``):
    V_i = s_ii (X_i'X_i)^-1, s_ii = e_i'e_i/(n - k_i), t statistics.

With ``small`` Stata computes each equation's standard errors with that equation's degrees of
freedom but takes the degrees of freedom of every t test from the first equation
(e(df_r) = n - k_1); the p-values here do the same.  R-squared is reg3's
1 - RSS/TSS (TSS about the mean) from the structural residuals y - X beta, so it can be
negative for 2SLS/3SLS.

Numerics: our own numpy code, not linearmodels' ``IV3SLS`` (the library the house rules
prefer), for import time only: ``import linearmodels`` pulls in scipy.stats, scipy.optimize
and formulaic, 0.41 s of the 1 s budget for refreshing the demo workbook, to compute a few
matrix products.  The formulas are the textbook ones (Zellner & Theil 1962, Econometrica
30(1), 54-78; Stata [R] reg3, "Methods and formulas"; Greene, Econometric Analysis, 7th ed.,
ch. 10): Xhat_i = P_Z X_i by the QR basis of Z; each least-squares problem is solved by
Householder QR (never the normal equations, whose condition number is squared); 3SLS whitens
the stacked system with S = LL' (Cholesky), so beta is the QR solution of
(L^-1 (x) I)Xhat b = (L^-1 (x) I)y, and V = R^-1 R^-T from the same R.  Against a 60-digit
computation of the panel fixture's 2SLS and 3SLS this is within 1e-14 (relative; the tests
hold it to 1e-13); linearmodels (which solves the normal equations) was 1.2e-11 off.
tests/test_simultaneous_linearmodels.py keeps linearmodels as a second opinion (``IV3SLS``
with every equation instrumented by the full exogenous list, ``fit(method="gls",
cov_type="unadjusted", debiased=False)`` for 3SLS and ireg3, ``fit(method="ols",
cov_type="unadjusted", debiased=True)`` for 2SLS and OLS; agreement 1e-10).
R's systemfit reproduces the same figures with ``methodResidCov="noDfCor"`` (3SLS, ireg3)
and the default ``"geomean"`` (OLS, 2SLS); see tests/oracles/sem_systemfit.R.  ``sigma`` is
the residual covariance the estimator weighted with: 3SLS, the 2SLS residuals' E'E/n; ireg3,
the last iteration's; OLS/2SLS, e_i'e_j / sqrt((n - k_i)(n - k_j)) (systemfit's "geomean",
whose diagonal is s_ii).  ``iterations`` is 0 for OLS/2SLS, 1 for 3SLS and the number of
GLS steps for ireg3 (the first being the 3SLS step); 2000 without converging is refused.

Equations may be written ``y ~ x1 + x2``, ``y = x1 + x2`` or Stata's ``(y x1 x2) (x1 y x3)`` and
use ``ln(col)`` / ``log(col)`` (:mod:`nqp_xl.equations`).  A row drops out only when a column
the equations use is blank or an error there (listwise over those columns), so the whole
Data table can be passed.  Refused: an unknown variable (close names are
suggested), a duplicate dependent variable, a dependent variable on its own right-hand side,
an equation that fails the order condition (it says how many instruments are missing) or the
rank condition, fewer complete rows than instruments or parameters, a constant or
collinear variable, and (3SLS, ireg3) an equation whose residuals are a linear combination of
those of the equations before it (S singular).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from .cache import cached
from .errors import NQPError
from .labels import text, texts
from .equations import CONS, SystemData, parse_system, system_data
from .options import choice

__all__ = ["three_sls", "fit_system", "SystemFit", "Equation", "parse_equations", "METHODS"]

METHODS = ("3sls", "2sls", "ols", "ireg3")


@dataclass(frozen=True)
class Equation:
    dependent: str
    regressors: tuple[str, ...]


def parse_equations(equations: Any) -> list[tuple[str, list[str]]]:
    """Equations as (dependent, [regressor names]) from text or a range of cells
    (any form of :func:`nqp_xl.equations.parse_system`; logs named ``ln(col)``)."""
    return [(d.name, [r.name for r in regs]) for d, regs in parse_system(equations)]


@dataclass(frozen=True, eq=False)
class SystemFit:
    """A fitted system; every field is computed on first use."""

    method: str
    equations: tuple[Equation, ...]
    exogenous: tuple[str, ...]
    y: tuple[np.ndarray, ...]            # dependent variables
    x: tuple[np.ndarray, ...]            # regressors in written order, then the constant
    z: np.ndarray                        # all exogenous variables, then the constant

    @property
    def small(self) -> bool:
        """t statistics and dof-corrected standard errors (reg3, ols / reg3, 2sls)."""
        return self.method in ("ols", "2sls")

    @property
    def n(self) -> int:
        return int(self.z.shape[0])

    @cached_property
    def _fit(self) -> dict[str, Any]:
        """params, se, sigma and iterations by the formulas of the module docstring."""
        small = self.small
        xhat = self.x if self.method == "ols" else _instrumented(self.x, self.z, self.equations,
                                                                  self.exogenous)
        n, k = self.n, [x.shape[1] for x in self.x]
        # equation by equation (OLS on x, or 2SLS on xhat): reg3's ols/2sls, and 3SLS's first step
        params, rinvs = zip(*(_least_squares(xh, y) for xh, y in zip(xhat, self.y)))
        eps = _residuals(self.y, self.x, params)
        if small:
            dof = np.sqrt(n - np.array(k, dtype=float))
            sigma = eps.T @ eps / np.outer(dof, dof)
            ses = [np.sqrt(sigma[i, i] * (r * r).sum(axis=1)) for i, r in enumerate(rinvs)]
            return {"params": list(params), "se": ses, "iterations": 0, "sigma": sigma}
        cuts = np.cumsum(k)[:-1]
        previous, iterations, tol = np.concatenate(params), 0, 0.0
        while True:  # 3SLS is the first step; ireg3 repeats it with S from its residuals
            sigma = eps.T @ eps / n
            _check_weights(sigma, self.equations)
            beta, rinv = _gls(xhat, self.y, sigma)
            iterations += 1
            if self.method == "3sls":
                break
            if iterations == 1:
                tol = 1e-12 * max(1.0, float(np.abs(beta).max()))
            eps = _residuals(self.y, self.x, np.split(beta, cuts))
            if float(np.sqrt(np.mean((beta - previous) ** 2))) < tol or iterations >= 2000:
                break
            previous = beta
        if iterations >= 2000:
            raise NQPError("iterated 3SLS (ireg3) did not converge in 2000 iterations; "
                           'use method "3sls"')
        se = np.sqrt((rinv * rinv).sum(axis=1))
        return {"params": np.split(beta, cuts), "se": np.split(se, cuts), "iterations": iterations,
                "sigma": sigma}

    @cached_property
    def params(self) -> list[np.ndarray]:
        """Coefficients of each equation: regressors as written, then _cons."""
        return self._fit["params"]

    @cached_property
    def std_errors(self) -> list[np.ndarray]:
        return self._fit["se"]

    @cached_property
    def stats(self) -> list[np.ndarray]:
        """z (3sls, ireg3) or t (ols, 2sls) statistics."""
        return [b / s for b, s in zip(self.params, self.std_errors)]

    @cached_property
    def df_resid(self) -> int:
        """reg3's e(df_r) with ``small``: n - k_1 (the first equation's), used for every t test."""
        return self.n - self.x[0].shape[1]

    @cached_property
    def pvalues(self) -> list[np.ndarray]:
        """Two-sided p-values: 2 t.sf(|t|, df_resid) or 2 norm.sf(|z|), by scipy.special's
        ``stdtr``/``ndtr`` (what scipy.stats calls, without its 0.2 s import)."""
        from scipy.special import ndtr, stdtr  # 0.3 s of start-up (-X importtime), paid only here

        if self.small:
            return [2.0 * stdtr(self.df_resid, -np.abs(t)) for t in self.stats]
        return [2.0 * ndtr(-np.abs(z)) for z in self.stats]

    @cached_property
    def residuals(self) -> np.ndarray:
        """Structural residuals y_i - X_i b_i, n × equations."""
        return np.column_stack([y - x @ b for y, x, b in zip(self.y, self.x, self.params)])

    @cached_property
    def rsquared(self) -> np.ndarray:
        """1 - RSS/TSS per equation (TSS about the mean)."""
        out = []
        for i, y in enumerate(self.y):
            e = self.residuals[:, i]
            out.append(1.0 - float(e @ e) / float(((y - y.mean()) ** 2).sum()))
        return np.array(out)

    @property
    def iterations(self) -> int:
        return self._fit["iterations"]

    @cached_property
    def sigma(self) -> np.ndarray:
        """The residual covariance the estimator used (3SLS: 2SLS residuals / n)."""
        return self._fit["sigma"]

    def rows(self) -> list[list]:
        """Equation, Variable, Coef., Std. Err., z|t, P>|z| rows, then N and R-squared rows."""
        out: list[list] = []
        for i, eq in enumerate(self.equations):
            names = list(eq.regressors) + [CONS]
            for j, v in enumerate(names):
                out.append([eq.dependent, v, float(self.params[i][j]), float(self.std_errors[i][j]),
                            float(self.stats[i][j]), float(self.pvalues[i][j])])
            out.append([eq.dependent, "N", float(self.n), None, None, None])
            out.append([eq.dependent, "R-squared", float(self.rsquared[i]), None, None, None])
        return out

    def to_rows(self, lang: str | None = None) -> list[list]:
        """NQP_3SLS's answer: a header row (z and P>|z|, or t and P>|t| for ols/2sls), then :meth:`rows`
        with the N and R-squared labels in ``lang``."""
        stat = "t" if self.small else "z"
        rows = self.rows()
        for r in rows:
            if r[3] is None:  # the N and R-squared rows carry no standard error
                r[1] = text(r[1], lang)
        return [texts(("Equation", "Variable", "Coef.", "Std. Err.", stat, f"P>|{stat}|"), lang)] + rows


def _least_squares(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """argmin ||a x - b|| by Householder QR (a = QR, R x = Q'b), and R^-1 for the covariance:
    (a'a)^-1 = R^-1 R^-T, the inverse of the symmetric a'a from its triangular factor, without
    forming a'a (whose condition number is cond(a)^2)."""
    q, r = np.linalg.qr(a)
    return np.linalg.solve(r, q.T @ b), np.linalg.solve(r, np.eye(r.shape[0]))


def _instrumented(x: Sequence[np.ndarray], z: np.ndarray, equations: Sequence[Equation],
                  exogenous: Sequence[str]) -> list[np.ndarray]:
    """Xhat_i = P_Z X_i: the endogenous columns projected on all exogenous variables (by the QR
    basis of Z); the exogenous ones and _cons are in Z already and are kept as they are."""
    q, _ = np.linalg.qr(z)
    exog = set(exogenous)
    out = []
    for eq, xi in zip(equations, x):
        endog = [j for j, v in enumerate(eq.regressors) if v not in exog]
        xh = xi.copy()
        if endog:
            xh[:, endog] = q @ (q.T @ xi[:, endog])
        out.append(xh)
    return out


def _residuals(y: Sequence[np.ndarray], x: Sequence[np.ndarray],
               params: Sequence[np.ndarray]) -> np.ndarray:
    """Structural residuals y_i - X_i b_i as columns (n × equations)."""
    return np.column_stack([yi - xi @ b for yi, xi, b in zip(y, x, params)])


def _check_weights(sigma: np.ndarray, equations: Sequence[Equation]) -> None:
    """Refuse an S that 3SLS cannot invert: an equation's residuals (almost) a linear combination
    of those of the equations before it, i.e. 1 - R^2 of them on those (L_ii^2 / S_ii from the
    Cholesky factor L of the leading block of S) below 1e-12."""
    for i in range(len(equations)):
        try:
            share = np.linalg.cholesky(sigma[:i + 1, :i + 1])[i, i] ** 2 / sigma[i, i]
        except np.linalg.LinAlgError:
            share = 0.0
        if not share >= 1e-12:
            raise NQPError(f'the residuals of the equation for "{equations[i].dependent}" are a linear '
                           "combination of those of the equations before it (their covariance is "
                           'singular), so 3SLS cannot weight the equations; use method "2sls"')


def _gls(xhat: Sequence[np.ndarray], y: Sequence[np.ndarray],
         sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """beta = [Xhat'(S^-1 (x) I)Xhat]^-1 Xhat'(S^-1 (x) I)y and R^-1 with V = R^-1 R^-T.

    With S = LL' (Cholesky), S^-1 = C'C for C = L^-1, so beta is the least-squares solution of
    the stacked system (C (x) I) Xhat b = (C (x) I) y, solved by QR (Xhat'(S^-1 (x) I)y equals
    Xhat'(S^-1 (x) P_Z)y since Xhat = P_Z X)."""
    m, n = len(xhat), xhat[0].shape[0]
    c = np.linalg.solve(np.linalg.cholesky(sigma), np.eye(m))  # L^-1, lower triangular
    cols = np.cumsum([0] + [xh.shape[1] for xh in xhat])
    wx = np.zeros((m * n, int(cols[-1])))
    for i in range(m):
        for j in range(i + 1):
            wx[i * n:(i + 1) * n, cols[j]:cols[j + 1]] = c[i, j] * xhat[j]
    wy = (np.column_stack(y) @ c.T).T.reshape(-1)
    return _least_squares(wx, wy)


def _check_constant(mat: np.ndarray, names: Sequence[str]) -> None:
    const = np.flatnonzero(np.ptp(mat, axis=0) == 0)
    if const.size:
        j = int(const[0])
        raise NQPError(f'variable "{names[j]}" is constant (all {mat[0, j]:.10g}); '
                       "it cannot be estimated beside the intercept (_cons)")


def _check_columns(mat: np.ndarray, names: Sequence[str], what: str) -> None:
    """Refuse a column that is a linear combination of the intercept and earlier ones."""
    cols = [np.ones(mat.shape[0])]
    for j in range(mat.shape[1]):
        cur = np.column_stack(cols + [mat[:, j]])
        scaled = cur / np.maximum(np.abs(cur).max(axis=0), 1e-300)
        if np.linalg.matrix_rank(scaled, tol=1e-10 * max(scaled.shape)) < cur.shape[1]:
            raise NQPError(f'variable "{names[j]}" is a linear combination of the other variables '
                           f"(perfectly collinear) in {what}")
        cols.append(mat[:, j])


def three_sls(data: Any, equations: Any, method: Any = "3sls", id_cols: Any = None,
              missing: Any = None) -> SystemFit:
    """Fit a system of simultaneous equations (see the module docstring for the formulas)."""
    method = choice(method, "method", METHODS, "3sls")
    return fit_system(system_data(data, equations, id_cols=id_cols, missing=missing), method)


def fit_system(data: SystemData, method: str = "3sls", rows: np.ndarray | None = None) -> SystemFit:
    """Fit the system of ``data`` by ``method`` on all its complete rows, or on those where the
    boolean mask ``rows`` (over the complete rows) is true (e.g. one region group)."""
    table = data.table
    parsed = [(d, list(regs)) for d, regs in data.equations]
    deps = [d for d, _ in parsed]
    seen: set[str] = set()
    for d in deps:
        if d in seen:
            raise NQPError(f'"{d}" is the dependent variable of two equations; each variable can be '
                           "explained by one equation only")
        seen.add(d)
    for d, regs in parsed:
        if d in regs:
            raise NQPError(f'equation for "{d}" has "{d}" on both sides')
    # de-duplicate after resolving names ("X1" and "x1")
    for d, regs in parsed:
        if len(set(regs)) != len(regs):
            dup = next(r for r in regs if regs.count(r) > 1)
            raise NQPError(f'equation for "{d}" names "{dup}" twice')
    exog: list[str] = []
    for _, regs in parsed:
        for r in regs:
            if r not in seen and r not in exog:
                exog.append(r)
    eqs = tuple(Equation(d, tuple(regs)) for d, regs in parsed)
    if method != "ols":
        for eq in eqs:
            endog = [r for r in eq.regressors if r in seen]
            excluded = [v for v in exog if v not in eq.regressors]
            if len(excluded) < len(endog):
                short = len(endog) - len(excluded)
                raise NQPError(
                    f'equation for "{eq.dependent}" is not identified (order condition): it has '
                    f"{len(endog)} endogenous regressor{'s' if len(endog) > 1 else ''} "
                    f"({', '.join(endog)}) but {len(excluded)} excluded exogenous variable"
                    f"{'' if len(excluded) == 1 else 's'}"
                    f"{' (' + ', '.join(excluded) + ')' if excluded else ''}; it needs {short} more "
                    f"instrument{'' if short == 1 else 's'}: an exogenous variable of the system left out of it")
    used = list(dict.fromkeys(deps + exog))
    block = np.column_stack([data.values[v] for v in used])
    if rows is not None:
        block = block[rows]
    n = block.shape[0]
    n_inst = len(exog) + 1 if method != "ols" else 0  # OLS uses no instruments
    k_max = max(len(eq.regressors) + 1 for eq in eqs)
    need = max(n_inst, k_max) + 1
    if n < need:
        dropped = table.n_rows - table.values.shape[0] if rows is None else 0
        extra = f" ({dropped} rows with blank or error cells were left out)" if dropped else ""
        raise NQPError(f"the system needs more complete rows than its {max(n_inst, k_max)} "
                       f"{'instruments' if n_inst >= k_max else 'parameters'}; the data has {n}{extra}")
    _check_constant(block, used)
    vals = {v: block[:, j] for j, v in enumerate(used)}
    if method != "ols":
        _check_columns(np.column_stack([vals[v] for v in exog]), exog, "the instruments (all exogenous variables)")
    for eq in eqs:
        _check_columns(np.column_stack([vals[r] for r in eq.regressors]), eq.regressors,
                       f'the equation for "{eq.dependent}"')
    z = np.column_stack([vals[v] for v in exog] + [np.ones(n)])
    ys = tuple(vals[eq.dependent] for eq in eqs)
    xs = tuple(np.column_stack([vals[r] for r in eq.regressors] + [np.ones(n)]) for eq in eqs)
    if method != "ols":
        q, _ = np.linalg.qr(z)
        for eq, x in zip(eqs, xs):
            xhat = q @ (q.T @ x)
            scaled = xhat / np.maximum(np.abs(xhat).max(axis=0), 1e-300)
            if np.linalg.matrix_rank(scaled, tol=1e-9 * max(scaled.shape)) < x.shape[1]:
                endog = [r for r in eq.regressors if r in seen]
                raise NQPError(f'equation for "{eq.dependent}" is not identified (rank condition): the '
                               f"excluded exogenous variables do not move {', '.join(endog)} independently")
    mask = b"" if rows is None else np.packbits(rows).tobytes()
    key = ("three_sls", table.key, method, tuple(eqs), mask)
    return cached(key, lambda: SystemFit(method, eqs, tuple(exog), ys, xs, z))
