"""NQP_MEDIATION: the three Baron–Kenny steps are NQP_PANELREG fits, Sobel's z from its formula,
and the seeded region bootstrap reproduced by hand."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from nqp_xl.errors import NQPError
from nqp_xl.mediation import mediation
from nqp_xl.panelreg import PanelFit, panel_regression


def planted(seed=5, regions=25, years=8):
    rng = np.random.default_rng(seed)
    rows = [["region", "year", "y", "x", "m", "z"]]
    for i in range(regions):
        mu, nu = rng.normal(), rng.normal()
        for t in range(years):
            x, z = rng.normal(), rng.normal()
            m = nu + 0.8 * x + 0.3 * z + rng.normal(scale=0.5)
            y = mu + 0.2 * x + 0.5 * m - 0.4 * z + rng.normal(scale=0.5)
            rows.append([f"r{i}", float(2000 + t), y, x, m, z])
    return rows


@pytest.fixture(scope="module")
def res():
    return mediation(planted(), "x", "m", "y", "z", "region", "year", "fe", 199, 4)


def test_steps_are_panelreg_fits_and_sobel_is_its_formula(res):
    data = planted()
    for fit, eq in zip(res.steps, ["y ~ x + z", "m ~ x + z", "y ~ x + m + z"]):
        ref = panel_regression(data, eq, "region", "year", "fe", "individual", "cluster")
        np.testing.assert_allclose(fit.params, ref.params, rtol=1e-12)
        np.testing.assert_allclose(fit.std_errors, ref.std_errors, rtol=1e-12)
    a, sa = res.steps[1].params[0], res.steps[1].std_errors[0]
    b, sb = res.steps[2].params[1], res.steps[2].std_errors[1]
    z = a * b / np.sqrt(b**2 * sa**2 + a**2 * sb**2)
    assert res.indirect == pytest.approx(a * b, rel=1e-14) and res.sobel_z == pytest.approx(z, rel=1e-14)
    assert res.sobel_p == pytest.approx(2 * norm.sf(abs(z)), rel=1e-10)
    assert res.indirect == pytest.approx(0.4, abs=0.15) and res.sobel_p < 1e-6  # 0.8 × 0.5 planted


def test_bootstrap_reproduced_by_hand(res):
    again = mediation(planted(), "x", "m", "y", "z", "region", "year", "fe", 199, 4)
    np.testing.assert_array_equal(again.boot, res.boot)
    draws = np.random.default_rng(4).integers(0, 25, size=(199, 25))
    data = planted()
    first = draws[0]
    rows = [data[0]]
    for j, g in enumerate(first):  # region g drawn as region "d{j}"
        rows += [[f"d{j}"] + r[1:] for r in data[1:] if r[0] == f"r{g}"]
    a = panel_regression(rows, "m ~ x + z", "region", "year", "fe", "individual", "conventional").params[0]
    b = panel_regression(rows, "y ~ x + m + z", "region", "year", "fe", "individual", "conventional").params[1]
    assert res.boot[0] == pytest.approx(a * b, rel=1e-10)
    assert res.ci == (np.quantile(res.boot, 0.025), np.quantile(res.boot, 0.975))
    assert res.ci[0] < res.indirect < res.ci[1] and res.replications == 199


def test_layout_and_models():
    out = mediation(planted(), "x", "m", "y", "z", "region", "year", "twfe", 20, 1).to_rows("en")
    assert out[0] == [None, "(1) y", "(2) m", "(3) y"]
    labels = [r[0] for r in out]
    assert labels[1:3] == ["x", None] and "m" in labels and "Region FE" in labels and "Year FE" in labels
    assert out[labels.index("m")][1] is None and out[labels.index("m")][2] is None
    assert "Indirect effect a·b" in labels and "Sobel P" in labels and labels[-1].startswith("Standard errors")
    assert all(len(r) == 4 for r in out)
    zh = mediation(planted(), "x", "m", "y", None, "region", "year", "re", 10, 1).to_rows("zh")
    assert "间接效应 a·b" in [r[0] for r in zh]


def test_bad_input():
    for args, word in [(("x", "x", "y"), "three different"), (("x", "nope", "y"), '"nope" is not a column'),
                       (("x", None, "y"), "m must name one column")]:
        with pytest.raises(NQPError, match=word):
            mediation(planted(), *args, None, "region", "year", "fe", 0)
    with pytest.raises(NQPError, match='model="gmm"'):
        mediation(planted(), "x", "m", "y", None, "region", "year", "gmm", 0)


def test_udf():
    import nqp_udfs

    out = nqp_udfs.NQP_MEDIATION(planted(), "x", "m", "y", "z", "region", "year", "fe", 30, 2)
    assert out[0] == [None, "(1) y", "(2) m", "(3) y"]
    assert nqp_udfs.NQP_MEDIATION(planted(), "x", "m", "y", "z", "region", "year", "fe", 30, 2) == out


def test_no_bootstrap_leaves_the_interval_blank():
    import nqp_udfs

    out = nqp_udfs.NQP_MEDIATION(planted(), "x", "m", "y", None, "region", "year", "fe", 0)
    rows = {r[0]: r[1] for r in out}
    assert rows["Bootstrap 95% CI low"] is None and rows["Bootstrap replications"] == 0.0
    th = nqp_udfs.NQP_THRESHOLD(planted(), "y ~ z", "m", "x", "region", "year", 1, 0)
    assert th[1][0] == "γ1" and th[1][5] is None
