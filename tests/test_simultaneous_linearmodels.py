"""nqp_xl.simultaneous (own numpy code) against linearmodels' IV3SLS, a second opinion kept in the
tests after the runtime dropped linearmodels for its import time (see the module docstring).

Every system is fitted both ways on the same arrays (the fit's own y, X and Z, so only the
estimators are compared): the fixture systems with endogenous regressors, a system without
any (3SLS is then SUR-like GLS), a mixed one, and the bundled panel's subsystem equations of
tests/fixtures/panel/equation_data.csv, each by OLS, 2SLS, 3SLS and ireg3.

Tolerance 1e-10 (relative, element by element): linearmodels solves the normal equations
X'(S^-1 (x) I)X b = ... with ``np.linalg.solve``, whose condition number is cond(Xhat)^2; on
these data its 3SLS coefficients are up to 1.2e-11 away from a 60-digit Decimal computation of
the same estimator, while ours (QR, no normal equations) are within 1e-14 (held to 1e-13 by
tests/test_simultaneous.py).  The largest
differences seen here are 1.2e-11 (a coefficient), 2.0e-12 (a standard error) and 3.6e-11 (an
off-diagonal of sigma, a covariance small beside the variances, whose relative error the
residuals' rounding inflates): linearmodels' rounding, which 1e-10 clears by a factor of 3 to 8.
ireg3: both stop at an RMS change below 1e-12 x max(1, |beta_3sls|), so the stopping iteration
may differ by one where linearmodels' rounding (~1e-11) exceeds that tolerance (the panel:
18 steps here, 19 there); the estimates at both stopping points agree inside 1e-10.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from linearmodels.system import IV3SLS  # the test extra (pyproject.toml), not a runtime dependency
from numpy.testing import assert_allclose

from nqp_xl.equations import CONS
from nqp_xl.simultaneous import SystemFit, three_sls
from test_simultaneous import EQS, PANEL, SYN, as_range

EQUATION_DATA = pd.read_csv(Path(__file__).resolve().parent / "fixtures" / "panel" / "equation_data.csv")
SYSTEMS = {
    "panel": (as_range(PANEL), EQS["panel"], 2),
    "synthetic": (as_range(SYN), EQS["synthetic"], None),
    "no endogenous regressor": (as_range(SYN), "y1 ~ z1 + z2; y2 ~ z3 + z4 + z1", None),
    "mixed": (as_range(SYN), "y1 ~ y2 + z1 + z2; y2 ~ z3 + z4 + z1; y3 ~ y1 + z5", None),
    "bundled panel subsystems": (
        as_range(EQUATION_DATA),
        "NQP ~ ln(gov_education_spending) + ln(rd_expenditure) + ln(valid_invention_patents) + Manufacturing; "
        "Manufacturing ~ ln(invention_patent_applications) + ln(tech_market_outflow) + hitech_profit_margin + NQP",
        None),
}


def by_linearmodels(fit: SystemFit) -> dict:
    """The system of ``fit`` by IV3SLS: every equation instrumented by the full exogenous list."""
    eqs = {}
    exog_set = set(fit.exogenous)
    for i, eq in enumerate(fit.equations):
        names = list(eq.regressors) + [CONS]
        xi = pd.DataFrame(fit.x[i], columns=names)
        dep = pd.DataFrame(fit.y[i], columns=[eq.dependent])
        if fit.method == "ols":
            eqs[f"eq{i}"] = {"dependent": dep, "exog": xi}
            continue
        ex = [v for v in names if v in exog_set or v == CONS]
        en = [v for v in names if v not in ex]
        spec = {"dependent": dep, "exog": xi[ex]}
        if en:
            excluded = [j for j, v in enumerate(fit.exogenous) if v not in eq.regressors]
            spec["endog"] = xi[en]
            spec["instruments"] = pd.DataFrame(fit.z[:, excluded], columns=[fit.exogenous[j] for j in excluded])
        eqs[f"eq{i}"] = spec
    model = IV3SLS(eqs)
    if fit.method in ("ols", "2sls"):
        res = model.fit(method="ols", cov_type="unadjusted", debiased=True)
    elif fit.method == "3sls":
        res = model.fit(method="gls", cov_type="unadjusted", debiased=False)
    else:
        first = model.fit(method="gls", cov_type="unadjusted", debiased=False)
        scale = max(1.0, float(np.abs(first.params).max()))
        res = model.fit(method="gls", cov_type="unadjusted", debiased=False, iterate=True,
                        iter_limit=2000, tol=1e-12 * scale)
    se = np.sqrt(np.diag(res.cov.to_numpy()))
    pos = {name: j for j, name in enumerate(res.params.index)}
    order = [pos[f"eq{i}_{v}"] for i, eq in enumerate(fit.equations) for v in list(eq.regressors) + [CONS]]
    return {"params": res.params.to_numpy()[order], "se": se[order], "sigma": np.asarray(res.sigma),
            "iterations": int(getattr(res, "iterations", 0) or 0)}


@pytest.mark.parametrize("method", ["ols", "2sls", "3sls", "ireg3"])
@pytest.mark.parametrize("system", list(SYSTEMS))
def test_same_fit_as_linearmodels(system, method):
    data, equations, id_cols = SYSTEMS[system]
    fit = three_sls(data, equations, method, id_cols=id_cols)
    lm = by_linearmodels(fit)
    assert_allclose(np.concatenate(fit.params), lm["params"], rtol=1e-10, atol=0)
    assert_allclose(np.concatenate(fit.std_errors), lm["se"], rtol=1e-10, atol=0)
    assert_allclose(fit.sigma, lm["sigma"], rtol=1e-10, atol=0)
    if method == "ireg3":
        assert fit.iterations > 1 and abs(fit.iterations - lm["iterations"]) <= 1
    else:
        assert fit.iterations == lm["iterations"] == {"ols": 0, "2sls": 0, "3sls": 1}[method]


@pytest.mark.parametrize("method", ["ols", "3sls"])
def test_pvalues_are_scipy_stats(method):
    """p from scipy.special's stdtr/ndtr equals scipy.stats' t.sf/norm.sf (which call them)."""
    from scipy import stats

    data, equations, id_cols = SYSTEMS["panel"]
    fit = three_sls(data, equations, method, id_cols=id_cols)
    st = np.concatenate(fit.stats)
    want = 2 * (stats.t.sf(np.abs(st), fit.df_resid) if fit.small else stats.norm.sf(np.abs(st)))
    assert_allclose(np.concatenate(fit.pvalues), want, rtol=1e-14, atol=0)
