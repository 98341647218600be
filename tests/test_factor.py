"""nqp_xl.factor: properties of the SPSS-style factor-analysis chain (the oracle figures from R and
PSPP are in test_factor_oracles.py)."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import linalg, stats

from nqp_xl import cache
from nqp_xl import factor as fa
from nqp_xl.describe import describe
from nqp_xl.errors import NQPError

DATA = Path(__file__).resolve().parent / "fixtures" / "data"


@pytest.fixture(scope="module")
def province() -> pd.DataFrame:
    return pd.read_csv(DATA / "province_2022.csv")


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return pd.read_csv(DATA / "synthetic_2500.csv")


@pytest.fixture(scope="module", params=[None, 1, 3, 4, 6])
def fitted(request, province) -> fa.FactorResult:
    return fa.factor_analysis(province, n_factors=request.param)


def slow_varimax(a: np.ndarray, tol: float = 1e-14, max_iter: int = 200_000) -> np.ndarray:
    """An independent reference: R's stats::varimax SVD iteration, run to a fixed point."""
    h = np.sqrt((a**2).sum(axis=1))
    x = a / h[:, None]
    p, k = x.shape
    t = np.eye(k)
    for _ in range(max_iter):
        z = x @ t
        u, _, vt = np.linalg.svd(x.T @ (z**3 - z @ np.diag((z**2).sum(axis=0)) / p))
        t_new = u @ vt
        if np.abs(t_new - t).max() < tol:
            t = t_new
            break
        t = t_new
    return (x @ t) * h[:, None]


def canonical(a: np.ndarray) -> np.ndarray:
    """Columns reflected to a positive sum and sorted by sum of squares."""
    a = a * np.where(a.sum(axis=0) < 0, -1.0, 1.0)
    return a[:, np.argsort(-(a**2).sum(axis=0), kind="stable")]


# ----------------------------------------------------------------------------- building blocks


def test_correlation_is_pearson(province):
    x = province.iloc[:, 1:].to_numpy()
    r = fa.correlation(x)
    np.testing.assert_allclose(r, np.corrcoef(x.T), atol=1e-13)
    assert np.array_equal(r, r.T) and np.all(np.diag(r) == 1.0)
    np.testing.assert_allclose(fa.correlation(fa.zscores(x)), r, atol=1e-14)


def test_zscores_use_n_minus_1(province):
    z = fa.zscores(province.iloc[:, 1:].to_numpy())
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-14)
    np.testing.assert_allclose(z.std(axis=0, ddof=1), 1, atol=1e-14)


def test_kmo_matches_the_paper_formula(province):
    r = fa.correlation(province.iloc[:, 1:].to_numpy())
    inv = np.linalg.inv(r)
    a = -inv / np.sqrt(np.outer(np.diag(inv), np.diag(inv)))
    off = ~np.eye(len(r), dtype=bool)
    r2, a2 = (r**2) * off, (a**2) * off
    overall, msa = fa.kmo(r)
    assert overall == pytest.approx(r2.sum() / (r2.sum() + a2.sum()), abs=1e-14)
    np.testing.assert_allclose(msa, r2.sum(0) / (r2.sum(0) + a2.sum(0)), atol=1e-14)
    assert 0 < overall < 1 and np.all((msa > 0) & (msa < 1))


def test_bartlett_formula(province):
    x = province.iloc[:, 1:].to_numpy()
    n, p = x.shape
    r = fa.correlation(x)
    chi2, df, sig = fa.bartlett_sphericity(r, n)
    assert chi2 == pytest.approx(-(n - 1 - (2 * p + 5) / 6) * np.log(np.linalg.det(r)), rel=1e-10)
    assert df == p * (p - 1) // 2 == 105
    assert sig == pytest.approx(stats.chi2.sf(chi2, df), rel=1e-12)
    # an identity correlation matrix is perfectly spherical
    assert fa.bartlett_sphericity(np.eye(4), 50) == (pytest.approx(0.0, abs=1e-12), 6, pytest.approx(1.0))


def test_principal_components_decompose_r(province):
    r = fa.correlation(province.iloc[:, 1:].to_numpy())
    lam, v = fa.principal_components(r)
    assert np.all(np.diff(lam) <= 0)
    np.testing.assert_allclose((v * lam) @ v.T, r, atol=1e-13)
    np.testing.assert_allclose(v.T @ v, np.eye(len(r)), atol=1e-13)
    assert lam.sum() == pytest.approx(len(r))


# ----------------------------------------------------------------------------- varimax


def test_varimax_is_a_maximum_against_perturbations(province):
    res = fa.factor_analysis(province, n_factors=4)
    best = fa.varimax_criterion(res.rotated_loadings)
    rng = np.random.default_rng(7)
    for eps in (1e-2, 1e-3, 1e-4):
        for _ in range(25):
            s = rng.standard_normal((4, 4))
            q = linalg.expm(eps * (s - s.T))
            assert fa.varimax_criterion(res.rotated_loadings @ q) <= best + 1e-15
    # and the unrotated solution is worse
    assert fa.varimax_criterion(res.loadings) < best - 1e-3


@pytest.mark.parametrize("name,k", [("province_2022", 2), ("province_2022", 4), ("province_2022_missing", 5),
                                    ("synthetic_2500", 3), ("synthetic_2500", 6)])
def test_varimax_converges_to_the_fixed_point(name, k):
    res = fa.factor_analysis(pd.read_csv(DATA / f"{name}.csv"), n_factors=k)
    ref = canonical(slow_varimax(res.loadings))
    np.testing.assert_allclose(res.rotated_loadings, ref, atol=1e-10)


def test_kaiser_varimax_returns_an_orthogonal_rotation(fitted):
    k = fitted.n_factors
    t = fitted.rotation
    np.testing.assert_allclose(t.T @ t, np.eye(k), atol=1e-13)
    np.testing.assert_allclose(fitted.loadings @ t, fitted.rotated_loadings, atol=1e-13)
    # the raw rotation too, before reflection and sorting
    ar, t_raw = fa.kaiser_varimax(fitted.loadings)
    np.testing.assert_allclose(fitted.loadings @ t_raw, ar, atol=1e-13)
    np.testing.assert_allclose(t_raw @ t_raw.T, np.eye(k), atol=1e-13)


def test_kaiser_varimax_two_factors_is_a_single_plane(province):
    a = fa.factor_analysis(province, n_factors=2).loadings
    ar, t = fa.kaiser_varimax(a)
    np.testing.assert_allclose(canonical(ar), canonical(slow_varimax(a)), atol=1e-11)


def test_kaiser_normalization_matters(province):
    """With Kaiser normalization the criterion is maximised on rows scaled to unit length."""
    res = fa.factor_analysis(province, n_factors=3)
    h = np.sqrt(res.communalities)
    q = fa.varimax_criterion(res.rotated_loadings)
    assert q == pytest.approx(fa.varimax_criterion(res.rotated_loadings / h[:, None], normalize=False))


def test_rotation_keeps_communalities_and_total_variance(fitted):
    np.testing.assert_allclose((fitted.rotated_loadings**2).sum(axis=1), fitted.communalities, atol=1e-13)
    assert fitted.rotated_ss.sum() == pytest.approx(fitted.eigenvalues[: fitted.n_factors].sum(), rel=1e-13)


# ----------------------------------------------------------------------------- presentation rules


def test_columns_reflected_positive_and_sorted(fitted):
    assert np.all(fitted.loadings.sum(axis=0) > 0)
    assert np.all(fitted.rotated_loadings.sum(axis=0) > 0)
    assert np.all(np.diff(fitted.rotated_ss) <= 0)
    np.testing.assert_allclose((fitted.rotated_loadings**2).sum(axis=0), fitted.rotated_ss, atol=1e-13)


def test_unrotated_loadings_are_v_sqrt_lambda(fitted):
    k = fitted.n_factors
    a = fitted.eigenvectors[:, :k] * np.sqrt(fitted.eigenvalues[:k])
    np.testing.assert_allclose(np.abs(fitted.loadings), np.abs(a), atol=1e-13)
    np.testing.assert_allclose((fitted.loadings**2).sum(axis=0), fitted.eigenvalues[:k], rtol=1e-12)


def test_one_factor_is_not_rotated(province):
    res = fa.factor_analysis(province, n_factors=1)
    assert np.array_equal(res.rotated_loadings, res.loadings)
    assert res.rotation.tolist() == [[1.0]]
    assert res.weights.tolist() == [1.0]
    np.testing.assert_allclose(res.composite, res.scores[:, 0])
    assert "Only one component was extracted" in res.summary()


def test_all_factors_can_be_kept(province):
    res = fa.factor_analysis(province.iloc[:, :7], n_factors=6)
    assert res.rotated_loadings.shape == (6, 6)
    np.testing.assert_allclose(res.communalities, 1.0, atol=1e-12)
    np.testing.assert_allclose(res.z, res.scores @ res.rotated_loadings.T, atol=1e-10)


# ----------------------------------------------------------------------------- scores


def test_score_coefficients_solve_r(fitted):
    b = fitted.score_coefficients
    np.testing.assert_allclose(fitted.correlation @ b, fitted.rotated_loadings, atol=1e-10)
    np.testing.assert_allclose(b, np.linalg.solve(fitted.correlation, fitted.rotated_loadings), atol=1e-9)


def test_scores_are_standardised_and_uncorrelated(fitted):
    s = fitted.scores
    np.testing.assert_allclose(s, fitted.z @ fitted.score_coefficients)
    np.testing.assert_allclose(s.mean(axis=0), 0, atol=1e-13)
    np.testing.assert_allclose(np.cov(s.T, ddof=1).reshape(fitted.n_factors, -1), np.eye(fitted.n_factors), atol=1e-12)


def test_composite_and_weights(fitted):
    w = fitted.weights
    assert w.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(w, fitted.rotated_ss / fitted.rotated_ss.sum())
    np.testing.assert_allclose(fitted.composite, fitted.scores @ w, atol=1e-14)


def test_paper_equation_7_weights():
    """Table 2 of the Guangdong paper: rotated variance 47.295, 20.389, 11.628, 8.327 %
    gives eq. 7.  (The paper prints 0.132 for F3; 11.628 / 87.640 = 0.13268, so 0.133.)"""
    w = fa.composite_weights([47.295, 20.389, 11.628, 8.327])
    assert np.round(w, 3).tolist() == [0.540, 0.233, 0.133, 0.095]
    assert w.sum() == pytest.approx(1.0)
    # the same weights from sums of squares (% of variance × p / 100, p = 17 indicators)
    np.testing.assert_allclose(fa.composite_weights(np.array([47.295, 20.389, 11.628, 8.327]) * 0.17), w)


def test_rank_one_is_highest_and_ties_share(fitted):
    order = np.argsort(-fitted.composite)
    assert fitted.rank[order[0]] == 1
    assert fitted.rank[order[-1]] == fitted.n
    assert sorted(fitted.rank.tolist()) == list(range(1, fitted.n + 1))
    assert fa.rank_desc([3.0, 5.0, 5.0, 1.0, 5.0]).tolist() == [4, 1, 1, 5, 1]
    assert fa.rank_desc([0.1 + 0.2, 0.3, -1.0]).tolist() == [1, 1, 3]  # equal to 12 digits


def test_duplicate_rows_tie(province):
    df = pd.concat([province, province.iloc[[4]]], ignore_index=True)
    res = fa.factor_analysis(df)
    assert res.rank[4] == res.rank[-1]
    assert res.composite[4] == pytest.approx(res.composite[-1], abs=1e-13)


# ----------------------------------------------------------------------------- the variance table


def test_variance_table(fitted):
    vt = fitted.variance_table
    p, k = fitted.p, fitted.n_factors
    assert vt.shape == (p, 10)
    assert vt[:, 0].tolist() == list(range(1, p + 1))
    np.testing.assert_allclose(vt[:, 1], fitted.eigenvalues)
    np.testing.assert_allclose(vt[:, 2], fitted.eigenvalues / p * 100)
    assert vt[-1, 3] == pytest.approx(100.0)
    np.testing.assert_allclose(vt[:k, 4:7], vt[:k, 1:4])
    np.testing.assert_allclose(vt[:k, 7], fitted.rotated_ss)
    assert vt[k - 1, 9] == pytest.approx(vt[k - 1, 6], rel=1e-12)
    assert np.isnan(vt[k:, 4:]).all() and not np.isnan(vt[:k]).any()


# ----------------------------------------------------------------------------- number of factors


def test_choose_n_factors_rules():
    lam = np.array([4.0, 2.5, 1.0, 0.3, 0.2])  # shares 0.5, 0.8125, 0.9375, ...
    assert fa.choose_n_factors(lam) == 2  # eigenvalue > 1 (not >= 1)
    assert fa.choose_n_factors(lam, min_cumvar=0.8) == 2
    assert fa.choose_n_factors(lam, min_cumvar=0.8125) == 2  # reaching it exactly is enough
    assert fa.choose_n_factors(lam, min_cumvar=0.85) == 3
    assert fa.choose_n_factors(lam, min_cumvar=1.0) == 5
    assert fa.choose_n_factors(lam, n_factors=4.0, min_cumvar=0.5) == 4  # n_factors wins
    assert fa.choose_n_factors(np.ones(4)) == 1  # nothing above 1: keep one


def test_cumvar_rule_on_the_province_table(province):
    res = fa.factor_analysis(province, min_cumvar=0.96)
    cum = np.cumsum(res.eigenvalues) / res.p
    assert cum[res.n_factors - 1] >= 0.96 > cum[res.n_factors - 2]


def test_eigenvalue_rule_default(province):
    res = fa.factor_analysis(province)
    assert res.n_factors == int((res.eigenvalues > 1).sum()) == 2


# ----------------------------------------------------------------------------- inputs and cache


def range_rows(df: pd.DataFrame) -> list[list]:
    return [list(df.columns)] + [[r[0], *map(float, r[1:])] for r in df.itertuples(index=False)]


def test_same_answer_from_range_frame_and_array(province):
    a = fa.factor_analysis(province, n_factors=3)
    b = fa.factor_analysis(range_rows(province), n_factors=3.0)
    c = fa.factor_analysis(province.iloc[:, 1:].to_numpy(), n_factors=3)
    for other in (b, c):
        np.testing.assert_allclose(other.rotated_loadings, a.rotated_loadings, atol=1e-14)
        np.testing.assert_allclose(other.scores, a.scores, atol=1e-13)
    assert b.table.names == a.table.names


def test_invariant_to_units_and_row_order(province):
    a = fa.factor_analysis(province, n_factors=3)
    scaled = province.copy()
    scaled[scaled.columns[1:]] = scaled.iloc[:, 1:].to_numpy(dtype=float) * np.arange(1, 16) * 1000.0 + 7.0
    b = fa.factor_analysis(scaled, n_factors=3)
    np.testing.assert_allclose(b.scores, a.scores, atol=1e-10)
    perm = np.random.default_rng(3).permutation(len(province))
    c = fa.factor_analysis(province.iloc[perm], n_factors=3)
    np.testing.assert_allclose(c.scores, a.scores[perm], atol=1e-10)
    assert c.rank.tolist() == a.rank[perm].tolist()


def test_missing_rows_are_left_out():
    df = pd.read_csv(DATA / "province_2022_missing.csv")
    res = fa.factor_analysis(df)
    complete = df.dropna()
    assert res.n == len(complete) == 29
    assert res.table.keep.tolist() == df.iloc[:, 1:].notna().all(axis=1).tolist()
    np.testing.assert_allclose(res.correlation, np.corrcoef(complete.iloc[:, 1:].to_numpy().T), atol=1e-13)


def test_cached_call_returns_the_same_object(province):
    cache.clear()
    a = fa.factor_analysis(province, n_factors=3)
    assert fa.factor_analysis(range_rows(province), n_factors=3.0) is a  # same content, same key
    assert fa.factor_analysis(province.iloc[:, 1:].to_numpy(), n_factors=3) is not a  # no header, other names
    assert fa.factor_analysis(province, n_factors=3.0) is a
    assert fa.factor_analysis(province, n_factors=2) is not a
    assert fa.factor_analysis(province, min_cumvar=0.9) is fa.factor_analysis(province, min_cumvar=0.9)
    changed = province.astype({province.columns[1]: float})
    changed.iloc[0, 1] += 1
    assert fa.factor_analysis(changed, n_factors=3) is not a


def test_describe_listwise():
    df = pd.read_csv(DATA / "province_2022_missing.csv")
    d = describe(df)
    complete = df.dropna().iloc[:, 1:]
    assert d.n == 29
    np.testing.assert_allclose(d.std, complete.std(ddof=1).to_numpy(), rtol=1e-13)
    np.testing.assert_allclose(d.block[:, 1], complete.mean().to_numpy(), rtol=1e-13)
    np.testing.assert_allclose(d.block[:, 3:], complete.agg(["min", "max"]).T.to_numpy())


def test_summary_prints_the_spss_tables(province):
    text = fa.factor_analysis(province, n_factors=3).summary()
    for title in ("KMO and Bartlett's Test", "Communalities", "Total Variance Explained",
                  "Component Matrix", "Rotated Component Matrix", "Component Transformation Matrix",
                  "Component Score Coefficient Matrix", "rd_expenditure"):
        assert title in text
    assert "nan" not in text.lower()


# ----------------------------------------------------------------------------- bad input


def grid(n: int, p: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, p))


def frame(x: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(x, columns=[f"ind_{j}" for j in range(x.shape[1])])


@pytest.mark.parametrize("make,words", [
    (lambda: frame(np.column_stack([grid(10, 3), np.full(10, 12.5)])), ['"ind_3"', "constant", "12.5"]),
    (lambda: frame(grid(15, 20)), ["20 indicators", "only 15 complete regions", "21"]),
    (lambda: frame(grid(20, 20)), ["20 indicators", "only 20 complete regions"]),
    (lambda: frame(np.column_stack([grid(30, 4), 3 * grid(30, 4)[:, 1] + 2])), ['"ind_1"', '"ind_4"', "perfectly correlated"]),
    (lambda: frame(np.column_stack([grid(30, 4), -grid(30, 4)[:, 2]])), ['"ind_2"', '"ind_4"', "negatively"]),
    (lambda: frame(np.column_stack([grid(30, 4), grid(30, 4) @ [1.0, 2.0, 0.0, -1.0]])),
     ['"ind_0"', '"ind_1"', '"ind_3"', '"ind_4"', "linearly dependent"]),
    (lambda: frame(grid(2, 2)), ["at least 3 complete rows", "has 2"]),
    (lambda: frame(grid(20, 1)), ["at least 2 indicator", "has 1"]),
])
def test_bad_data_is_refused_in_words(make, words):
    with pytest.raises(NQPError) as err:
        fa.factor_analysis(make())
    for w in words:
        assert w in str(err.value)


@pytest.mark.parametrize("kwargs,words", [
    ({"n_factors": 99}, ["n_factors=99", "only 15 indicators"]),
    ({"n_factors": 16.0}, ["n_factors=16", "only 15 indicators"]),
    ({"n_factors": 0}, ["n_factors=0"]),
    ({"n_factors": 2.5}, ["n_factors", "whole number"]),
    ({"n_factors": "three"}, ["n_factors", "three"]),
    ({"min_cumvar": 1.7}, ["min_cumvar=1.7", "fraction"]),
    ({"min_cumvar": 85}, ["min_cumvar=85", "0.85"]),
    ({"min_cumvar": 0}, ["min_cumvar=0"]),
    ({"min_cumvar": -0.2}, ["min_cumvar"]),
])
def test_bad_options_are_refused_in_words(province, kwargs, words):
    with pytest.raises(NQPError) as err:
        fa.factor_analysis(province, **kwargs)
    for w in words:
        assert w in str(err.value)


def test_missing_rows_count_in_the_singular_message():
    x = grid(22, 20)
    x[[1, 4, 6, 9], 3] = np.nan
    x[11, 0] = np.nan
    with pytest.raises(NQPError, match=r"20 indicators but only 17 complete regions \(5 left out"):
        fa.factor_analysis(frame(x))


def test_nearly_collinear_but_regular_is_accepted():
    x = grid(40, 3, seed=5)
    x = np.column_stack([x, x[:, 0] + 1e-3 * grid(40, 1, seed=6)[:, 0]])
    res = fa.factor_analysis(frame(x))
    assert np.isfinite(res.scores).all() and np.isfinite(res.kmo)


# ----------------------------------------------------------------------------- speed


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def test_speed_small_and_large(province):
    x = province.iloc[:, 1:].to_numpy()

    def chain(data, k=None):
        cache.clear()
        r = fa.factor_analysis(data, n_factors=k)
        return r.kmo, r.bartlett, r.rank, r.variance_table, r.score_coefficients

    assert best_of(lambda: chain(x)) < 0.02  # typically ~1 ms; generous for loaded CI
    rng = np.random.default_rng(11)
    load = rng.uniform(0.3, 0.9, (40, 5)) * (rng.random((40, 5)) < 0.4)
    big = rng.standard_normal((20_000, 5)) @ load.T + 0.6 * rng.standard_normal((20_000, 40))
    assert best_of(lambda: chain(big), repeat=2) < 1.5  # typically ~50 ms
    assert best_of(lambda: chain(big, 10), repeat=2) < 1.5
