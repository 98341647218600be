"""nqp_xl.spatial_durbin (NQP_SDM) against tests/oracles/sdm_reference.R (fixtures in
tests/fixtures/sdm/): R spatialreg lagsarlm(Durbin = TRUE, method = "eigen"), errorsarlm,
LR.Sarlm and impacts() for the cross-section; a brute-force Lee–Yu (2010) transformation-approach
ML on explicitly transformed data for the panels (region, time, two-way fixed effects).
Data: the bundled panel, ln(invention patent applications) on ln(R&D personnel),
ln(government S&T spending) and R&D intensity, with the bundled contiguity and distance weights."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqp_udfs
from nqp_xl.spatial_durbin import spatial_durbin
from panel_data import PANEL, RANGE, as_range

FIX = Path(__file__).parent / "fixtures" / "sdm"
EQ = "ln(invention_patent_applications) ~ ln(rd_personnel_fte) + ln(gov_sci_tech_spending) + rd_intensity"
TOL = dict(rtol=1e-8, atol=1e-12)
COEF = pd.read_csv(FIX / "coefficients.csv")
STATS = pd.read_csv(FIX / "statistics.csv")
IMPACTS = pd.read_csv(FIX / "impacts.csv")
CASES = list(STATS.case)
CROSS_SECTION = as_range(PANEL[PANEL.year == 2022])


def synthetic() -> tuple[list[list], list[list]]:
    """The oracle's 120-region cross-section and its (asymmetric) 5-nearest-neighbour weights."""
    data = as_range(pd.read_csv(FIX / "synthetic_cross.csv"))
    w = pd.read_csv(FIX / "synthetic_weights.csv", index_col=0)
    return data, [[""] + list(w.columns)] + [[i] + row for i, row in zip(w.index, w.to_numpy(float).tolist())]


def fit(case: str, draws: int = 1000):
    parts = case.split("_")
    if case == "cross_synthetic":
        data, w = synthetic()
        return spatial_durbin(data, "y ~ x1 + x2", "id", w, draws=draws)
    if parts[0] == "cross":
        return spatial_durbin(CROSS_SECTION, EQ, "province", parts[1], draws=draws)
    return spatial_durbin(RANGE, EQ, "province", parts[1], "year", parts[2], draws=draws)


def by_name(res) -> tuple[dict, dict]:
    coef = dict(zip(res.names, res.beta)) | {f"W*{n}": v for n, v in zip(res.names, res.theta)} | {"rho": res.rho}
    se = dict(zip(res.names, res.se_beta)) | {f"W*{n}": v for n, v in zip(res.names, res.se_theta)} | {"rho": res.se_rho}
    if res.intercept is not None:
        coef["_cons"], se["_cons"] = res.intercept, res.se_intercept
    return coef, se


def is_nqp_error(answer) -> bool:
    return isinstance(answer, str) and answer.startswith("#NQP! ") and len(answer) <= 255 and "\n" not in answer


@pytest.mark.parametrize("case", CASES)
def test_estimates_match_the_oracle(case):
    res = fit(case)
    ref = COEF[COEF.case == case]
    coef, se = by_name(res)
    # coef_root: rho as the root of the concentrated score (for the cross-section, started from
    # lagsarlm's rho: optimize() resolves the flat maximum only to ~1e-7), b by OLS at that rho
    np.testing.assert_allclose([coef[v] for v in ref.variable], ref.coef_root, **TOL)
    # lagsarlm's own rho (tol.opt = 1e-13) and its asymptotic SE at that rho: 3e-7 and 3e-8 apart
    cross = case.startswith("cross")
    np.testing.assert_allclose([coef[v] for v in ref.variable], ref.coef, rtol=1e-6 if cross else 1e-8, atol=1e-12)
    np.testing.assert_allclose([se[v] for v in ref.variable], ref.se, rtol=1e-7 if cross else 1e-8)
    s = STATS[STATS.case == case].iloc[0]
    np.testing.assert_allclose([res.loglik, res.aic, res.lr_sar, res.lr_p[0]],
                               [s.loglik, s.aic, s.lr_sar, s.lr_sar_p], **TOL)
    # with time effects and the dense distance weights the SEM's lambda runs to its bound 1: its
    # log-likelihood is taken 1e-9 inside the bound on each side (ours relative to the interval's
    # width), which moves the LR by 8e-9.  P values also absolutely to 1e-12 (the synthetic SEM's
    # P = 4e-10 moves by 1e-7 of itself when the LR moves by 5e-9)
    sem_tol = 1e-6 if case == "panel_distance_time" else 1e-8
    np.testing.assert_allclose([res.lr_sem, res.lr_p[1]], [s.lr_sem, s.lr_sem_p], rtol=sem_tol, atol=1e-12)
    np.testing.assert_allclose(res.sigma2, s.sigma2, rtol=1e-8)
    assert res.n_obs == s.n and s.lr_sar_df == s.lr_sem_df == res.k
    imp = IMPACTS[IMPACTS.case == case]
    np.testing.assert_allclose(res.impacts.T, imp[["direct", "indirect", "total"]].to_numpy(),
                               rtol=1e-6 if cross else 1e-8, atol=1e-12)


def stable_draws(case: str) -> bool:
    """Simulated SE are comparable only where the draws of rho stay away from 1: the total
    effect carries 1/(1 - rho), whose variance is infinite under a normal rho (R's own SE of the
    cross-section's total effects range from 0.13 to 0.49 between seeds and draw counts)."""
    c = COEF[(COEF.case == case) & (COEF.variable == "rho")].iloc[0]
    return c.coef + 4 * c.se < 1


@pytest.mark.parametrize("case", [c for c in CASES if stable_draws(c)])
def test_simulated_standard_errors_agree_with_the_oracle_statistically(case):
    # 10,000 seeded draws on each side (numpy default_rng vs R MASS::mvrnorm): the SD of an SD
    # estimate from 10,000 normal draws is 0.7 %; seen 1.6–2.6 %; allowed 6 %.
    res = fit(case, draws=10_000)
    imp = IMPACTS[IMPACTS.case == case]
    np.testing.assert_allclose(res.impacts_se.T, imp[["se_direct", "se_indirect", "se_total"]].to_numpy(), rtol=0.06)


def test_the_comparison_covers_panels_of_every_kind_and_a_cross_section():
    assert {c.split("_")[-1] for c in CASES if stable_draws(c)} == {"individual", "time", "twoways", "synthetic"}


def test_asymmetric_weights_take_complex_eigenvalues():
    from nqp_xl.spatial_durbin import _eigenvalues

    _, w = synthetic()
    C = np.array([r[1:] for r in w[1:]], dtype=float)
    eig = _eigenvalues(C, C / C.sum(axis=1, keepdims=True))
    assert np.iscomplexobj(eig) and np.abs(eig.imag).max() > 0.1


def test_draws_are_seeded():
    a, b = fit("panel_contiguity_individual"), fit("panel_contiguity_individual")
    np.testing.assert_array_equal(a.impacts_se, b.impacts_se)
    c = spatial_durbin(RANGE, EQ, "province", "contiguity", "year", "individual", seed=2)
    assert not np.array_equal(a.impacts_se, c.impacts_se)
    np.testing.assert_array_equal(a.impacts, c.impacts)


def test_udf_rows():
    out = nqp_udfs.NQP_SDM(RANGE, EQ, "province", None, "year", "twoways")
    res = fit("panel_contiguity_twoways")
    assert out[0] == ["Variable", "Coef.", "Std. Err.", "z", "P>|z|"]
    names = [r[0] for r in out[1:8]]
    assert names == [*res.names, *(f"W*{n}" for n in res.names), "rho (spatial lag)"]
    for r in out[1:8]:
        assert r[3] == pytest.approx(r[1] / r[2]) and r[4] == pytest.approx(math.erfc(abs(r[3]) / math.sqrt(2)))
    assert [out[8][0], out[12][0], out[16][0]] == ["Direct effect", "Indirect effect", "Total effect"]
    assert [r[1] for r in out[17:20]] == pytest.approx(res.impacts[2].tolist(), rel=1e-12)
    labels = [r[0] for r in out[20:]]
    assert labels[:8] == ["N", "Regions", "Years", "Fixed effects", "sigma²", "Log-likelihood", "AIC", "Simulation draws"]
    assert out[23][1] == "twoways" and labels[8] == "LR test SDM vs SAR (df 3)" and labels[9] == "LR test SDM vs SEM (df 3)"
    assert all(len(r) == 5 for r in out)
    cross = nqp_udfs.NQP_SDM(CROSS_SECTION, EQ, "province", "distance", None, None, "zh")
    assert cross[0][0] == "变量" and cross[7][0] == "_cons" and cross[8][0].startswith("ρ")
    assert cross[9][0] == "直接效应"


def test_user_weights_matched_by_name():
    from nqp_xl.provinces import bundled_weights

    a = spatial_durbin(CROSS_SECTION, EQ, "province_en", bundled_weights("contiguity", lang="zh"))
    b = fit("cross_contiguity")
    assert a.rho == pytest.approx(b.rho, rel=1e-12) and a.loglik == pytest.approx(b.loglik, rel=1e-12)


def test_bad_input_is_one_line():
    few = as_range(PANEL[(PANEL.year == 2022) & PANEL.province.isin(["北京", "天津", "河北", "山西"])])
    answer = nqp_udfs.NQP_SDM(few, EQ, "province")
    assert is_nqp_error(answer) and "at least 5 regions" in answer, answer
    rows = [r[:] for r in CROSS_SECTION]
    rows[3][0] = "Atlantis"
    answer = nqp_udfs.NQP_SDM(rows, EQ, "province")
    assert is_nqp_error(answer) and '"Atlantis"' in answer and "weights" in answer, answer
    gap = as_range(PANEL.drop(PANEL[(PANEL.province == "江苏") & (PANEL.year == 2019)].index))
    answer = nqp_udfs.NQP_SDM(gap, EQ, "province", None, "year")
    assert is_nqp_error(answer) and "balanced" in answer and "江苏" in answer and "2019" in answer, answer
    one_year = as_range(PANEL[PANEL.year == 2022])
    answer = nqp_udfs.NQP_SDM(one_year, EQ, "province", None, "year", "individual")
    assert is_nqp_error(answer) and "two or more years" in answer, answer
    answer = nqp_udfs.NQP_SDM(RANGE, EQ, "province", None, "year", "random")
    assert is_nqp_error(answer) and 'effects="random"' in answer, answer
    answer = nqp_udfs.NQP_SDM(RANGE, EQ, "province", None, "yr")
    assert is_nqp_error(answer) and 'years="yr"' in answer, answer
    answer = nqp_udfs.NQP_SDM(CROSS_SECTION, EQ, "province", "rook")
    assert is_nqp_error(answer) and 'weights="rook"' in answer, answer
    answer = nqp_udfs.NQP_SDM(CROSS_SECTION, EQ + "; rd_intensity ~ rd_expenditure", "province")
    assert is_nqp_error(answer) and "one equation" in answer, answer
    panel = PANEL.assign(const_x=PANEL.province.map(lambda p: float(len(p))))
    answer = nqp_udfs.NQP_SDM(as_range(panel), "rd_intensity ~ const_x + rd_expenditure", "province", None, "year")
    assert is_nqp_error(answer) and "const_x does not vary over time" in answer, answer


@pytest.mark.parametrize("kind", ["contiguity", "distance"])
def test_region_effects_agree_with_spreg(kind):
    # tests/oracles/sdm_spreg.py: spreg Panel_FE_Lag (direct ML) with WX appended.  Its bounded
    # Brent search stops on the flat maximum (3e-7 from the score's root even at epsilon=1e-12):
    # compared at 1e-6.  Its σ² = SSR/(NT); the Lee–Yu σ² is SSR/(N(T - 1)), T/(T - 1) larger.
    ref = pd.read_csv(FIX / "spreg_panel_fe.csv")
    ref = ref[ref.weights == kind]
    res = fit(f"panel_{kind}_individual")
    coef, _ = by_name(res)
    est = ref[ref.variable != "sig2"]
    np.testing.assert_allclose([coef[v] for v in est.variable], est.coef, rtol=1e-6)
    sig2 = ref[ref.variable == "sig2"].coef.iloc[0]
    assert res.sigma2 == pytest.approx(sig2 * res.n_years / (res.n_years - 1), rel=1e-8)
