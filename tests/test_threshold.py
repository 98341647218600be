"""NQP_THRESHOLD (Hansen 1999): the grid search against a brute-force one (each candidate's
fixed-effects regression fitted on its own), the LR interval against Hansen's c(α), the seeded
bootstrap, and a planted threshold recovered."""
from __future__ import annotations

import numpy as np
import pytest

from nqp_xl.errors import NQPError
from nqp_xl.panel_design import panel_data
from nqp_xl.panelreg import fit_panel
from nqp_xl.threshold import candidates, critical_value, ssr_path, threshold_regression
from panel_data import RANGE

EQ = "ln(ind_new_product_dev_spending) ~ ln(gov_sci_tech_spending)"
Q, X = "rd_intensity", "rd_expenditure"


def brute_ssr(gammas):
    """SSR of the fe regression with rd_expenditure split at ``gammas``, fitted from scratch."""
    p = panel_data(RANGE, EQ + f" + {X} + {Q}", "province", "year")
    x, q, z = p.x[:, 1], p.x[:, 2], p.x[:, :1]
    bounds = [-np.inf, *sorted(gammas), np.inf]
    cols = [x * ((q > a) & (q <= b)) for a, b in zip(bounds[:-1], bounds[1:])]
    sub = p.with_columns(p.dependent, p.y, [f"x{i}" for i in range(len(cols))] + ["z"], np.column_stack([*cols, z]))
    return fit_panel(sub, "fe", "individual", "conventional")


@pytest.fixture(scope="module")
def one():
    return threshold_regression(RANGE, EQ, Q, X, "province", "year", 1, 99, 0.05, 7)


@pytest.fixture(scope="module")
def two():
    return threshold_regression(RANGE, EQ, Q, X, "province", "year", 2, 49, 0.05, 7)


def test_c_alpha_is_hansens_formula():
    assert critical_value(0.05) == pytest.approx(-2 * np.log(1 - np.sqrt(0.95)), rel=1e-15)
    assert critical_value(0.05) == pytest.approx(7.352, abs=5e-4)  # Hansen (1999), Table 1: 7.35
    assert critical_value(0.10) == pytest.approx(5.94, abs=5e-3) and critical_value(0.01) == pytest.approx(10.59, abs=5e-3)


def test_single_threshold_grid_equals_brute_force(one):
    grid = one.grid
    brute = np.array([brute_ssr([g]).ssr for g in grid])
    p = panel_data(RANGE, EQ + f" + {X} + {Q}", "province", "year")
    fast = ssr_path(p, p.y, p.x[:, :1], p.x[:, 1], p.x[:, 2], [], grid)
    np.testing.assert_allclose(fast, brute, rtol=1e-9)
    best = int(np.argmin(brute))
    t = one.thresholds[0]
    assert t.estimate == grid[best] and t.ssr == pytest.approx(brute[best], rel=1e-9)
    s0 = fit_panel(panel_data(RANGE, EQ + f" + {X}", "province", "year"), "fe", "individual", "conventional").ssr
    nt = 31 * 7
    assert t.f == pytest.approx((s0 - brute[best]) / (brute[best] / nt), rel=1e-9)
    lr = (brute - brute[best]) / (brute[best] / nt)
    inside = grid[lr <= -2 * np.log(1 - np.sqrt(0.95))]
    assert (t.low, t.high) == (inside.min(), inside.max())
    # the regime coefficients are the brute-force fit at the estimate, clustered by region
    ref = fit_panel(brute_ssr([t.estimate]).data, "fe", "individual", "cluster")
    np.testing.assert_allclose(one.regression.params, ref.params, rtol=1e-9)
    np.testing.assert_allclose(one.regression.std_errors, ref.std_errors, rtol=1e-9)
    assert one.regression.names[0] == f"{X} ({Q}≤{t.estimate:.6g})"


def test_double_threshold_sequential_with_refinement(two, one):
    grid = two.grid
    g1 = one.thresholds[0].estimate
    path2 = np.array([brute_ssr([g1, g]).ssr if g != g1 else brute_ssr([g1]).ssr for g in grid])
    g2 = grid[int(np.argmin(path2))]
    path1r = np.array([brute_ssr([g, g2]).ssr if g != g2 else brute_ssr([g2]).ssr for g in grid])
    g1r = grid[int(np.argmin(path1r))]
    t1, t2 = two.thresholds
    assert (t1.estimate, t2.estimate) == (g1r, g2)
    assert t2.ssr == pytest.approx(path1r.min(), rel=1e-9)
    s2 = path1r.min()
    nt = 31 * 7
    assert t2.f == pytest.approx((one.thresholds[0].ssr - s2) / (s2 / nt), rel=1e-9)
    lr2 = (path2 - path2.min()) / (s2 / nt)
    inside = grid[lr2 <= critical_value()]
    assert (t2.low, t2.high) == (inside.min(), inside.max())
    assert two.to_rows()[0] == ["Threshold", "Estimate", "[95% Conf.", "Interval]", "F", "P", "SSR"]
    assert [r[0] for r in two.to_rows()[1:3]] == ["γ1", "γ2"]


def test_bootstrap_is_seeded_and_reproducible(one):
    again = threshold_regression(RANGE, EQ, Q, X, "province", "year", 1, 99, 0.05, 7)
    np.testing.assert_array_equal(again.f_boot[0], one.f_boot[0])
    other = threshold_regression(RANGE, EQ, Q, X, "province", "year", 1, 99, 0.05, 8)
    assert not np.array_equal(other.f_boot[0], one.f_boot[0])
    t = one.thresholds[0]
    assert t.p == np.mean(one.f_boot[0] >= t.f) and 0 <= t.p <= 1 and len(one.f_boot[0]) == 99


def test_a_planted_threshold_is_found_and_significant():
    rng = np.random.default_rng(11)
    rows = [["region", "year", "y", "x", "q", "z"]]
    for i in range(30):
        mu = rng.normal()
        for t in range(10):
            x, q, z = rng.normal(), rng.uniform(0, 10), rng.normal()
            y = mu + (1.0 if q <= 4.0 else -1.0) * x + 0.5 * z + rng.normal(scale=0.3)
            rows.append([f"r{i}", float(2000 + t), y, x, q, z])
    res = threshold_regression(rows, "y ~ z", "q", "x", "region", "year", 1, 199, 0.05, 1)
    t = res.thresholds[0]
    assert abs(t.estimate - 4.0) < 0.2 and t.low <= t.estimate <= t.high and t.p < 0.01
    assert res.regression.params[0] == pytest.approx(1.0, abs=0.1) and res.regression.params[1] == pytest.approx(-1.0, abs=0.1)


def test_candidates_trim_and_bad_input():
    q = np.arange(100.0)
    assert candidates(q, 0.05).tolist() == list(np.arange(5.0, 95.0))
    assert candidates(np.arange(5000.0), 0.05).size == 400
    unbal = [list(r) for r in RANGE]
    j = unbal[0].index("rd_expenditure")
    unbal[5][j] = None
    with pytest.raises(NQPError, match="balanced panel"):
        threshold_regression(unbal, EQ, Q, X, "province", "year", 1, 0)
    for kw, word in [({"n": 3}, "n=3"), ({"trim": 0.3}, "trim=0.3"), ({"threshold": "nope"}, '"nope" is not a column')]:
        args = {"n": 1, "bootstrap": 0, "trim": 0.05, "threshold": Q} | kw
        with pytest.raises(NQPError, match=word):
            threshold_regression(RANGE, EQ, args["threshold"], X, "province", "year", args["n"], args["bootstrap"], args["trim"])


def test_udf_answers_rows_or_one_line():
    import nqp_udfs

    out = nqp_udfs.NQP_THRESHOLD(RANGE, EQ, Q, X, "province", "year", 1, 19, 0.05, 3, "zh")
    assert out[0][:2] == ["门槛", "估计值"] and out[1][0] == "γ1" and out[2][1] == "系数"
    assert all(len(r) == 7 for r in out)
    bad = nqp_udfs.NQP_THRESHOLD(RANGE, EQ, "nope", X)
    assert isinstance(bad, str) and bad.startswith("#NQP! ")
