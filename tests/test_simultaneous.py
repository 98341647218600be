"""Simultaneous equations (reg3 conventions) against R systemfit (tests/oracles/sem_systemfit.R)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from nqp_xl import cache
from nqp_xl.errors import NQPError
from nqp_xl.simultaneous import parse_equations, three_sls

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "udfs"))
import nqp_udfs  # noqa: E402

FIX = ROOT / "tests/fixtures/sem"
REF = pd.read_csv(FIX / "sem_systemfit_reference.csv", dtype=str, keep_default_na=False)
PANEL = pd.read_csv(FIX / "panel_system.csv")
SYN = pd.read_csv(FIX / "synthetic_system.csv")
EQS = {
    "panel": "ln_patents ~ ln_newprod + ln_rd_personnel + ln_gov_sci_tech; "
             "ln_newprod ~ ln_patents + ln_ind_rd_exp + ln_hitech_ent",
    "synthetic": [["y1 ~ y2 + z1 + z2"], ["y2 ~ y1 + z3 + z4"], ["y3 ~ y1 + z1 + z5"]],
}
TRUE = {("y1", "y2"): 0.5, ("y1", "z1"): 1.0, ("y1", "z2"): -0.5, ("y1", "_cons"): 1.0,
        ("y2", "y1"): -0.3, ("y2", "z3"): 0.8, ("y2", "z4"): 0.4, ("y2", "_cons"): 2.0,
        ("y3", "y1"): 0.7, ("y3", "z1"): 0.2, ("y3", "z5"): 0.6, ("y3", "_cons"): 0.5}


def as_range(frame: pd.DataFrame) -> list[list]:
    """A DataFrame as xlwings hands a range over: header row, floats, None for blanks."""
    body = [[None if (isinstance(v, float) and np.isnan(v)) else (float(v) if not isinstance(v, str) else v)
             for v in row] for row in frame.itertuples(index=False, name=None)]
    return [list(frame.columns)] + body


def data_for(system: str):
    if system == "panel":  # province | year | 6 variables, real gaps (2017 high-tech, ...)
        return as_range(PANEL), 2
    return as_range(SYN), None


@pytest.mark.parametrize("method", ["ols", "2sls", "3sls", "ireg3"])
@pytest.mark.parametrize("system", ["panel", "synthetic"])
def test_matches_systemfit(system, method):
    data, id_cols = data_for(system)
    fit = three_sls(data, EQS[system], method, id_cols=id_cols)
    ref = REF[(REF.system == system) & (REF.method == method)]
    want = {(e, v): r for e, v, r in zip(ref.equation, ref.variable, ref.itertuples())}
    rows = fit.rows()
    assert len(rows) == len(want)
    # ireg3: both sides iterate to their own stopping rule (1e-12), so agree to about 1e-9;
    # 1e-6 is the brief's bound (Stata's own ireg3 tolerance).
    rtol = 1e-6 if method == "ireg3" else 1e-8
    for eq, var, coef, se, stat, p in rows:
        r = want[(eq, var)]
        assert_allclose(coef, float(r.coef), rtol=rtol, atol=0 if var in ("N", "R-squared") else 1e-12)
        if se is None:
            continue
        assert_allclose(se, float(r.se), rtol=rtol)
        assert_allclose(stat, float(r.stat), rtol=rtol)
        assert_allclose(p, float(r.p), rtol=max(rtol, 1e-7), atol=1e-300)
    assert fit.small == (method in ("ols", "2sls"))


def test_panel_listwise_rows():
    data, _ = data_for("panel")
    fit = three_sls(data, EQS["panel"], id_cols=2)
    assert fit.n == len(PANEL.dropna()) == 212


def test_synthetic_recovers_the_true_coefficients():
    fit = three_sls(SYN.set_index("unit"), EQS["synthetic"], "3sls")
    for eq, var, coef, se, *_ in fit.rows():
        if se is not None:
            assert abs(coef - TRUE[(eq, var)]) < 4 * se + 0.02, (eq, var, coef)
    # OLS is biased for y1's equation (y2 is correlated with u1); 3SLS is not
    ols = {(r[0], r[1]): r[2] for r in three_sls(SYN.set_index("unit"), EQS["synthetic"], "ols").rows()}
    assert abs(ols[("y2", "y1")] - TRUE[("y2", "y1")]) > abs(
        {(r[0], r[1]): r[2] for r in fit.rows()}[("y2", "y1")] - TRUE[("y2", "y1")])


def test_3sls_equals_the_textbook_formula():
    d = SYN
    n = len(d)
    z = np.column_stack([d[f"z{j}"] for j in range(1, 6)] + [np.ones(n)])
    p = z @ np.linalg.solve(z.T @ z, z.T)
    xs = [np.column_stack([d.y2, d.z1, d.z2, np.ones(n)]), np.column_stack([d.y1, d.z3, d.z4, np.ones(n)]),
          np.column_stack([d.y1, d.z1, d.z5, np.ones(n)])]
    ys = [d.y1.to_numpy(), d.y2.to_numpy(), d.y3.to_numpy()]
    e = np.column_stack([y - x @ np.linalg.solve((p @ x).T @ x, (p @ x).T @ y) for x, y in zip(xs, ys)])
    si = np.linalg.inv(e.T @ e / n)
    xh = [p @ x for x in xs]
    big = np.block([[si[i, j] * xh[i].T @ xh[j] for j in range(3)] for i in range(3)])
    rhs = np.concatenate([sum(si[i, j] * xh[i].T @ ys[j] for j in range(3)) for i in range(3)])
    beta = np.linalg.solve(big, rhs)
    fit = three_sls(SYN.set_index("unit"), EQS["synthetic"])
    assert_allclose(np.concatenate(fit.params), beta, rtol=1e-10)
    assert_allclose(np.concatenate(fit.std_errors), np.sqrt(np.diag(np.linalg.inv(big))), rtol=1e-10)
    assert_allclose(fit.sigma, e.T @ e / n, rtol=1e-10)


def test_udf_layout():
    data, _ = data_for("synthetic")
    out = nqp_udfs.NQP_3SLS(data, EQS["synthetic"])
    assert out[0] == ["Equation", "Variable", "Coef.", "Std. Err.", "z", "P>|z|"]
    assert [r[1] for r in out[1:7]] == ["y2", "z1", "z2", "_cons", "N", "R-squared"]
    assert out[5][2] == 400.0 and out[5][3:] == [None, None, None]
    assert len(out) == 1 + 3 * 6
    small = nqp_udfs.NQP_3SLS(data, EQS["synthetic"], "2sls", "zh")
    assert small[0] == ["方程", "变量", "系数", "标准误", "t", "P>|t|"]
    assert small[5][1] == "样本量" and small[6][1] == "R²"
    assert nqp_udfs.NQP_3SLS(data, EQS["synthetic"], "IREG3")[0][4] == "z"


def test_equation_forms():
    assert parse_equations("y1 ~ y2 + x1; y2 = y1 + x2\n y3 ~ x1 + 1") == [
        ("y1", ["y2", "x1"]), ("y2", ["y1", "x2"]), ("y3", ["x1"])]
    data, _ = data_for("synthetic")
    a = three_sls(data, "Y1 ~ y2 + Z1 + z2; y2 ~ y1 + z3 + z4")  # names are matched ignoring case
    b = three_sls(data, [["y1 ~ y2 + z1 + z2", "y2 ~ y1 + z3 + z4"]])  # a row of cells
    assert_allclose(np.concatenate(a.params), np.concatenate(b.params), rtol=1e-14)
    assert a.equations[0].dependent == "y1"


def test_ols_needs_no_identification():
    data, _ = data_for("synthetic")
    fit = three_sls(data, "y1 ~ y2 + y3; y2 ~ y1 + y3", "ols")
    assert_allclose(fit.params[0], np.linalg.lstsq(np.column_stack([SYN.y2, SYN.y3, np.ones(400)]),
                                                  SYN.y1, rcond=None)[0], rtol=1e-10)
    e = SYN.y1 - np.column_stack([SYN.y2, SYN.y3, np.ones(400)]) @ fit.params[0]
    assert_allclose(fit.rsquared[0], 1 - (e @ e) / ((SYN.y1 - SYN.y1.mean()) ** 2).sum(), rtol=1e-12)


@pytest.mark.parametrize("equations,method,words", [
    ("y1 ~ y2 + zz1; y2 ~ y1 + z3", "3sls", ['"zz1"', 'did you mean "z1"']),
    ("y1 ~ y2 + y3 + z1; y2 ~ y1 + z1; y3 ~ y1 + z2", "3sls",
     ['"y1"', "order condition", "2 endogenous", "(y2, y3)", "1 excluded", "needs 1 more instrument"]),
    ("y1 ~ y2 + z1; y1 ~ z2 + z3", "3sls", ['"y1"', "two equations"]),
    ("y1 ~ y1 + z1", "3sls", ["both sides"]),
    ("y1 ~ z1 + z1", "3sls", ['"z1" twice']),
    ("y1 ~ y2 + z1 + z2; y2 ~ y1 + z3 + z4", "liml", ['method="liml"', '"3sls"']),
    ("", "3sls", ["equations is empty"]),
    ("y1 + y2 ~ z1", "3sls", ["one dependent variable"]),
    ("y1 ~ z1 - 1", "3sls", ["intercept"]),
])
def test_bad_systems_are_refused(equations, method, words):
    data, _ = data_for("synthetic")
    out = nqp_udfs.NQP_3SLS(data, equations, method)
    assert isinstance(out, str) and out.startswith("#NQP! "), out
    for w in words:
        assert w in out, (w, out)
    assert len(out) <= 255


def test_constant_collinear_and_short_data_are_refused():
    d = SYN.head(50).copy()
    d["k"] = 3.0
    d["z6"] = d.z1 + 2 * d.z2
    out = nqp_udfs.NQP_3SLS(as_range(d), "y1 ~ y2 + z1 + k; y2 ~ y1 + z3")
    assert out.startswith("#NQP! ") and '"k" is constant (all 3)' in out
    out = nqp_udfs.NQP_3SLS(as_range(d), "y1 ~ y2 + z1 + z2; y2 ~ y1 + z6")
    assert '"z6"' in out and "collinear" in out
    out = nqp_udfs.NQP_3SLS(as_range(SYN.head(5)), "y1 ~ y2 + z1 + z2; y2 ~ y1 + z3 + z4")
    assert out.startswith("#NQP! ") and "complete rows" in out and "has 5" in out
    with pytest.raises(NQPError, match="header row"):
        three_sls([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]], "X1 ~ X2")


def test_missing_error_and_cache():
    data, _ = data_for("panel")
    out = nqp_udfs.NQP_3SLS(data, EQS["panel"], "3sls", None, 2, "error")
    assert out.startswith("#NQP! ") and "blank" in out
    cache.clear()
    three_sls(data, EQS["panel"], id_cols=2)
    three_sls(data, EQS["panel"], id_cols=2)
    assert cache.stats["hits"] == 1


def test_rank_condition():
    """Order condition met, rank condition not: y2's fitted value (on z1, z2) is exactly 1 + 2 z1,
    so in y1's equation the instruments cannot separate y2 from z1."""
    rng = np.random.default_rng(5)
    n = 60
    z = np.column_stack([rng.standard_normal((n, 2)), np.ones(n)])
    r = rng.standard_normal(n)
    e = r - z @ np.linalg.lstsq(z, r, rcond=None)[0]
    y2 = 1 + 2 * z[:, 0] + e
    y1 = 0.5 * y2 + z[:, 0] + rng.standard_normal(n)
    frame = pd.DataFrame({"y1": y1, "y2": y2, "z1": z[:, 0], "z2": z[:, 1]})
    out = nqp_udfs.NQP_3SLS(as_range(frame), "y1 ~ y2 + z1; y2 ~ y1 + z2")
    assert out.startswith("#NQP! ") and 'equation for "y1"' in out and "rank condition" in out and "y2" in out


@pytest.mark.parametrize("method", ["3sls", "ireg3"])
def test_singular_residual_covariance_is_refused(method):
    """y2 a copy of y1 with the same regressors: the two residual columns are equal, S is
    singular and 3SLS cannot weight by S^-1 (2SLS, which does not, still answers)."""
    d = SYN.copy()
    d["y4"] = d.y1
    eqs = "y1 ~ y2 + z1 + z2; y4 ~ y2 + z1 + z2; y2 ~ y1 + z3 + z4"
    out = nqp_udfs.NQP_3SLS(as_range(d), eqs, method)
    assert out.startswith("#NQP! ") and '"y4"' in out and "singular" in out and '"2sls"' in out, out
    assert len(out) <= 255
    assert isinstance(nqp_udfs.NQP_3SLS(as_range(d), eqs, "2sls"), list)


def _decimal_3sls(fit, method: str) -> tuple[np.ndarray, np.ndarray]:
    """2SLS or 3SLS of ``fit``'s arrays by the textbook normal equations in 60-digit Decimal
    arithmetic (Gauss-Jordan with partial pivoting): a reference free of float rounding."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 60

        def mat(a):
            return [[Decimal(float(v)) for v in row] for row in np.atleast_2d(a)]

        def tr(a):
            return [list(r) for r in zip(*a)]

        def mul(a, b):
            bt = tr(b)
            return [[sum((x * y for x, y in zip(r, c)), Decimal(0)) for c in bt] for r in a]

        def solve(a, b):
            k = len(a)
            m = [list(a[i]) + list(b[i]) for i in range(k)]
            for j in range(k):
                p = max(range(j, k), key=lambda i: abs(m[i][j]))
                m[j], m[p] = m[p], m[j]
                for i in range(k):
                    if i != j:
                        f = m[i][j] / m[j][j]
                        m[i] = [x - f * y for x, y in zip(m[i], m[j])]
            return [[x / m[i][i] for x in m[i][k:]] for i in range(k)]

        def eye(k):
            return [[Decimal(int(i == j)) for j in range(k)] for i in range(k)]

        z, xs, ys = mat(fit.z), [mat(x) for x in fit.x], [mat(y[:, None]) for y in fit.y]
        n, m = len(z), len(xs)
        pz = mul(solve(mul(tr(z), z), eye(len(z[0]))), tr(z))
        xh = [mul(z, mul(pz, x)) for x in xs]
        b2 = [solve(mul(tr(h), h), mul(tr(h), y)) for h, y in zip(xh, ys)]
        eps = [[yy[0] - ff[0] for yy, ff in zip(y, mul(x, b))] for x, y, b in zip(xs, ys, b2)]
        if method == "2sls":
            beta, var = [], []
            for i, h in enumerate(xh):
                s_ii = sum((e * e for e in eps[i]), Decimal(0)) / (n - len(h[0]))
                beta += [r[0] for r in b2[i]]
                inv = solve(mul(tr(h), h), eye(len(h[0])))
                var += [s_ii * inv[j][j] for j in range(len(h[0]))]
        else:
            si = solve([[sum((a * b for a, b in zip(eps[i], eps[j])), Decimal(0)) / n for j in range(m)]
                        for i in range(m)], eye(m))
            big, rhs = [], []
            for i in range(m):
                blocks = [mul(tr(xh[i]), xh[j]) for j in range(m)]
                big += [sum(([si[i][j] * v for v in blocks[j][r]] for j in range(m)), [])
                        for r in range(len(xh[i][0]))]
                cross = [mul(tr(xh[i]), ys[j]) for j in range(m)]
                rhs += [[sum((si[i][j] * cross[j][r][0] for j in range(m)), Decimal(0))]
                        for r in range(len(xh[i][0]))]
            beta = [r[0] for r in solve(big, rhs)]
            inv = solve(big, eye(len(big)))
            var = [inv[j][j] for j in range(len(big))]
        return np.array([float(b) for b in beta]), np.array([float(v.sqrt()) for v in var])


@pytest.mark.parametrize("method", ["2sls", "3sls"])
def test_float_rounding_is_small_beside_a_60_digit_computation(method):
    """QR on the data and on the whitened stacked system (never the normal equations) keeps the
    estimates within 1e-13 of exact arithmetic; linearmodels, which solved the normal equations,
    was 1.2e-11 off on this panel."""
    data, id_cols = data_for("panel")
    fit = three_sls(data, EQS["panel"], method, id_cols=id_cols)
    beta, se = _decimal_3sls(fit, method)
    assert_allclose(np.concatenate(fit.params), beta, rtol=1e-13, atol=0)
    assert_allclose(np.concatenate(fit.std_errors), se, rtol=1e-13, atol=0)
