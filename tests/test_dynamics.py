"""nqp_xl.dynamics against R (tests/oracles/dynamics_reference.R; fixtures in tests/fixtures/dynamics/):
bw.nrd0 / bw.nrd with exact Gaussian kernel sums, sd and lm for convergence, quantile/cut/table for
Markov chains, on the bundled panel (real data) and a seeded synthetic panel with blanks."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqp_udfs
from nqp_xl import dynamics
from nqp_xl.datasets import load_panel
from nqp_xl.errors import NQPError

FIX = Path(__file__).parent / "fixtures" / "dynamics"
TOL = dict(rtol=1e-8, atol=1e-10)


def reference(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / name, encoding="utf-8")


def dataset(name: str) -> pd.DataFrame:
    """Columns id, year, y (y blank where the oracle blanked it)."""
    if name == "real":
        p = load_panel()
        return pd.DataFrame({"id": p["province"], "year": p["year"], "y": p["rd_intensity"]})
    if name == "composite_gap":  # R's entropy index of the bundled panel: no 2017 (hitech blanks)
        g = pd.read_csv(FIX.parent / "composite" / "panel_index.csv")
        return pd.DataFrame({"id": g["province_en"], "year": g["year"], "y": g["entropy"]})
    return pd.read_csv(FIX / "synthetic_panel.csv")


def as_range(df: pd.DataFrame, col: str) -> list[list]:
    """A column as Excel hands it over: header cell, then floats/texts, None for blanks."""
    cells = [None if (isinstance(v, float) and math.isnan(v)) else (float(v) if not isinstance(v, str) else v)
             for v in df[col].tolist()]
    return [[col]] + [[c] for c in cells]


def is_nqp_error(answer) -> bool:
    return isinstance(answer, str) and answer.startswith("#NQP! ") and len(answer) <= 255 and "\n" not in answer


# ----------------------------------------------------------------------------- kernel density


@pytest.mark.parametrize("name", ["real", "synthetic"])
@pytest.mark.parametrize("rule", ["nrd0", "scott", "0.25"])
def test_kernel_density_matches_r(name, rule):
    df = dataset(name)
    ref = reference("kdensity.csv")
    ref = ref[(ref.dataset == name) & (ref.rule.astype(str) == rule)]
    bw = float(rule) if rule[0].isdigit() else rule
    res = dynamics.kernel_density(as_range(df, "y"), as_range(df, "year"), points=64, bw=bw)
    years = sorted(ref.year.unique())
    assert res.groups == [float(y) for y in years]
    np.testing.assert_allclose(res.grid, ref[ref.year == years[0]].x.to_numpy(), **TOL)
    for g, yr in enumerate(years):
        part = ref[ref.year == yr]
        np.testing.assert_allclose(res.density[:, g], part.density.to_numpy(), **TOL)
        assert res.bandwidths[g] == pytest.approx(part.bw.iloc[0], rel=1e-12)


def test_bandwidth_falls_back_as_r_does():
    # IQR 0 and sd > 0: nrd0 uses sd (R: lo <- hi); all equal: |x1|; all zero: 1
    x = np.array([1.0, 1, 1, 1, 5])
    assert dynamics.bandwidth(x) == pytest.approx(0.9 * np.std(x, ddof=1) * 5 ** -0.2)
    assert dynamics.bandwidth(np.full(4, -2.0)) == pytest.approx(0.9 * 2 * 4 ** -0.2)
    assert dynamics.bandwidth(np.zeros(4)) == pytest.approx(0.9 * 4 ** -0.2)
    with pytest.raises(NQPError, match="scott"):
        dynamics.bandwidth(x, "scott")


def test_kdensity_udf_layout_and_density_integrates_to_one():
    df = dataset("real")
    out = nqp_udfs.NQP_KDENSITY(as_range(df, "y"), as_range(df, "year"), 200)
    assert out[0][0] == "x" and out[0][1:] == [float(y) for y in range(2016, 2024)]
    assert len(out) == 201
    grid = np.array([r[0] for r in out[1:]])
    dens = np.array([r[1:] for r in out[1:]])
    areas = np.trapezoid(dens, grid, axis=0)
    np.testing.assert_allclose(areas, 1.0, atol=2e-3)  # ±3 bandwidths hold all but ~0.3% of the mass
    single = nqp_udfs.NQP_KDENSITY(as_range(df, "y"), lang="zh")
    assert single[0] == ["x", "核密度"] and len(single) == 101


def test_kdensity_accepts_pandas():
    df = dataset("real")
    res = dynamics.kernel_density(df["y"], df["year"], points=64)
    ref = reference("kdensity.csv")
    ref = ref[(ref.dataset == "real") & (ref.rule == "nrd0") & (ref.year == 2016)]
    np.testing.assert_allclose(res.density[:, 0], ref.density.to_numpy(), **TOL)


# ----------------------------------------------------------------------------- convergence


@pytest.mark.parametrize("name", ["real", "synthetic"])
def test_sigma_convergence_matches_r(name):
    df = dataset(name)
    ref = reference("sigma.csv")
    ref = ref[ref.dataset == name]
    out = nqp_udfs.NQP_CONVERGENCE(as_range(df, "y"), as_range(df, "id"), as_range(df, "year"))
    assert out[0] == ["Year", "N", "Mean", "Std. Dev.", "CV"]
    got = np.array(out[1:], dtype=float)
    np.testing.assert_allclose(got, ref[["year", "n", "mean", "sd", "cv"]].to_numpy(dtype=float), **TOL)


@pytest.mark.parametrize("name", ["real", "synthetic"])
def test_beta_convergence_matches_r_lm(name):
    df = dataset(name)
    ref = reference("beta.csv").set_index("dataset").loc[name]
    out = nqp_udfs.NQP_CONVERGENCE(as_range(df, "y"), as_range(df, "id"), as_range(df, "year"), "beta")
    assert [r[0] for r in out] == ["Statistic", "β", "Std. Err.", "t", "P>|t|", "R-squared", "N", "Speed λ", "Half-life"]
    got = dict((r[0], r[1]) for r in out[1:])
    expected = {"β": ref.beta, "Std. Err.": ref.se, "t": ref.t, "P>|t|": ref.p, "R-squared": ref.r2, "N": ref.n}
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-8, abs=1e-12), key
    if math.isnan(ref.speed):
        assert got["Speed λ"] is None and got["Half-life"] is None
    else:
        assert got["Speed λ"] == pytest.approx(ref.speed, rel=1e-8)
        assert got["Half-life"] == pytest.approx(ref.half_life, rel=1e-8)


def test_beta_speed_blank_when_diverging():
    ids = [f"r{i}" for i in range(5)] * 2
    years = [2000.0] * 5 + [2010.0] * 5
    y0 = [1.0, 2, 3, 4, 5]
    values = y0 + [v ** 1.5 for v in y0]  # richer regions grow faster: β > 0
    res = dynamics.beta_convergence(values=pd.Series(values), ids=pd.Series(ids), years=pd.Series(years))
    assert res.beta > 0 and res.speed is None and res.half_life is None


# ----------------------------------------------------------------------------- Markov


@pytest.mark.parametrize("name", ["real", "synthetic", "composite_gap"])
@pytest.mark.parametrize("k", [3, 4, 5])
def test_markov_matches_r(name, k):
    df = dataset(name)
    ref = reference("markov.csv")
    ref = ref[(ref.dataset == name) & (ref.k == k)]
    bounds = reference("markov_bounds.csv")
    bounds = bounds[(bounds.dataset == name) & (bounds.k == k)].bound.to_numpy()
    out = nqp_udfs.NQP_MARKOV(as_range(df, "y"), as_range(df, "id"), as_range(df, "year"), k)
    assert out[0] == ["Class", *[float(c) for c in range(1, k + 1)], "N"]
    counts = ref.pivot(index="from", columns="to", values="count").to_numpy()
    probs = ref.pivot(index="from", columns="to", values="prob").to_numpy()
    body = out[1:k + 1]
    assert [r[0] for r in body] == [float(c) for c in range(1, k + 1)]
    np.testing.assert_allclose(np.array([r[1:k + 1] for r in body], dtype=float), probs, **TOL)
    assert [r[-1] for r in body] == counts.sum(axis=1).astype(float).tolist()
    assert out[k + 1][0] == "Lower bound" and out[k + 2][0] == "Upper bound"
    np.testing.assert_allclose(out[k + 1][1:k + 1], bounds[:-1], **TOL)
    np.testing.assert_allclose(out[k + 2][1:k + 1], bounds[1:], **TOL)


def one_year_moves(ids, years) -> int:
    """Independent count: (region, year) pairs whose region is also there the year after."""
    seen = set(zip(ids, years))
    return sum((r, y + 1) in seen for r, y in seen)


def test_markov_counts_one_year_steps_across_the_2017_gap():
    # The bundled panel's hitech columns are blank in 2017, so the composite index of all 20
    # indicators has no 2017: 2016 -> 2018 is two years and is no transition (SPEC Part 3).
    from nqp_xl.composite import composite_index
    from panel_data import RANGE

    res = composite_index(RANGE, id_cols=4)
    rows = np.flatnonzero(res.table.keep)
    ids = [RANGE[1 + r][0] for r in rows]
    years = [RANGE[1 + r][3] for r in rows]
    assert 2017.0 not in years and {2016.0, 2018.0} <= set(years)
    observed = sorted(set(years))
    consecutive_observed = sum((r, observed[observed.index(y) + 1]) in set(zip(ids, years))
                               for r, y in zip(ids, years) if y != observed[-1])
    assert consecutive_observed == 174  # what pairing consecutive observed years counted
    m = dynamics.markov(pd.Series(res.index), pd.Series(ids), pd.Series(years), 4)
    assert int(m.n.sum()) == one_year_moves(ids, years) == 145


def test_markov_year_missing_for_every_region_breaks_every_chain():
    ids = ["a", "b", "c", "d"] * 3
    years = [1.0] * 4 + [2.0] * 4 + [4.0] * 4  # year 3 missing for all: only 1 -> 2 counts
    values = [1.0, 2, 3, 4, 4, 3, 2, 1, 1, 2, 3, 4]
    res = dynamics.markov(pd.Series(values), pd.Series(ids), pd.Series(years), k=2)
    assert res.counts.tolist() == [[0, 2], [2, 0]]
    answer = nqp_udfs.NQP_MARKOV([[1.0], [2], [3], [4]], [["a"], ["b"], ["a"], ["b"]], [[1.0], [1], [3], [3]], 2)
    assert is_nqp_error(answer) and "consecutive years" in answer, answer


def test_markov_rows_in_chinese():
    df = dataset("real")
    rows = dynamics.markov(df["y"], df["id"], df["year"], 3).to_rows("zh")
    assert rows[0] == ["类型", 1.0, 2.0, 3.0, "样本量"] and rows[4][0] == "下限" and rows[5][0] == "上限"
    assert len(rows) == 6 and all(len(r) == 5 for r in rows)


def test_markov_chain_breaks_at_a_missing_year():
    ids = ["a", "b", "c", "d"] * 3
    years = [1.0] * 4 + [2.0] * 4 + [3.0] * 4
    values = [1.0, 2, 3, 4, None, 2, 3, 4, 1, 2, 3, 4]  # "a" missing in year 2: no a-moves at all
    res = dynamics.markov([[v] for v in values], [[i] for i in ids], [[y] for y in years], k=2)
    assert res.counts.sum() == 6  # b, c, d twice each


# ----------------------------------------------------------------------------- bad input: one line each


def _small(values, ids=None, years=None):
    return [[v] for v in values], [[i] for i in (ids or [])] or None, [[y] for y in (years or [])] or None


def test_fewer_than_three_regions_in_a_year():
    v, ids, yrs = _small([1.0, 2, 3, 4, 5], ["a", "b", "c", "a", "b"], [1.0, 1, 1, 2, 2])
    for answer in (nqp_udfs.NQP_KDENSITY(v, yrs), nqp_udfs.NQP_CONVERGENCE(v, ids, yrs)):
        assert is_nqp_error(answer) and "at least 3 regions in 2 " in answer, answer


def test_beta_refuses_non_positive_values():
    v, ids, yrs = _small([1.0, 0, 3, 4, 5, 6], ["a", "b", "c"] * 2, [1.0, 1, 1, 2, 2, 2])
    answer = nqp_udfs.NQP_CONVERGENCE(v, ids, yrs, "beta")
    assert is_nqp_error(answer) and 'region "b" has 0 in 1' in answer and "positive" in answer, answer


def test_markov_k_larger_than_distinct_values():
    v, ids, yrs = _small([1.0, 2, 1, 2, 1, 2], ["a", "b", "c"] * 2, [1.0, 1, 1, 2, 2, 2])
    answer = nqp_udfs.NQP_MARKOV(v, ids, yrs, 4)
    assert is_nqp_error(answer) and "k=4" in answer and "there are 2" in answer, answer


def test_markov_tied_quantiles_are_refused():
    v, ids, yrs = _small([1.0, 1, 1, 1, 1, 2, 3, 4], ["a", "b", "c", "d"] * 2, [1.0] * 4 + [2.0] * 4)
    answer = nqp_udfs.NQP_MARKOV(v, ids, yrs, 4)
    assert is_nqp_error(answer) and "not distinct" in answer, answer


def test_region_twice_in_a_year_and_other_refusals():
    v, ids, yrs = _small([1.0, 2, 3, 4], ["a", "a", "b", "c"], [1.0] * 4)
    assert "appears twice in 1" in nqp_udfs.NQP_CONVERGENCE(v, ids, yrs)
    v, ids, yrs = _small([1.0, 2, 3], ["a", "b", "c"], [1.0, 1, 1])
    assert is_nqp_error(nqp_udfs.NQP_CONVERGENCE(v, ids, yrs, "gamma"))
    assert "two or more years" in nqp_udfs.NQP_CONVERGENCE(v, ids, yrs, "beta")
    assert "years must be numbers" in nqp_udfs.NQP_CONVERGENCE(v, ids, [["x"], ["y"], ["z"]])
    assert "same height" in nqp_udfs.NQP_CONVERGENCE(v, ids, [[1.0], [1.0]])
    assert 'bandwidth="wide"' in nqp_udfs.NQP_KDENSITY(v, None, 10, "wide")
    assert "points=1" in nqp_udfs.NQP_KDENSITY(v, None, 1)
    assert "one column" in nqp_udfs.NQP_KDENSITY([[1.0, 2], [3, 4], [5, 6]])


def test_blank_keys_drop_rows_listwise():
    df = dataset("real")
    vals, ids, yrs = as_range(df, "y"), as_range(df, "id"), as_range(df, "year")
    yrs[5] = [None]  # one row loses its year: it drops out of 2016
    out = nqp_udfs.NQP_CONVERGENCE(vals, ids, yrs)
    assert out[1][1] == 30.0 and out[2][1] == 31.0


@pytest.mark.parametrize("k", [3, 4, 5])
def test_markov_agrees_with_giddy(k):
    # tests/oracles/dynamics_pysal.py: giddy.markov.Markov on mapclassify.Quantiles classes
    ref = reference("pysal_markov.csv")
    ref = ref[ref.k == k]
    df = dataset("real")
    res = dynamics.markov(df["y"], df["id"], df["year"], k)
    np.testing.assert_array_equal(res.counts, ref.pivot(index="source", columns="target", values="count").to_numpy())
    np.testing.assert_allclose(res.probabilities, ref.pivot(index="source", columns="target", values="prob").to_numpy(), **TOL)
    np.testing.assert_allclose(res.bounds[1:], ref.groupby("source").bound.first().to_numpy(), **TOL)
