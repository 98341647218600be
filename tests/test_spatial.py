"""nqp_xl.spatial against R spdep (tests/oracles/dynamics_reference.R): moran.test under
randomisation and normality, localmoran's Ii and Z.Ii at 1e-8, and the LISA pseudo p-values
against 99,999 conditional permutations (by their sampling error, not 1e-8)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import nqp_udfs
from nqp_xl import spatial
from nqp_xl.errors import NQPError
from nqp_xl.provinces import PROVINCES, bundled_weights, region_key
from test_dynamics import FIX, TOL, as_range, dataset, is_nqp_error, reference


def weights_of(name: str):
    if name == "contiguity":
        return bundled_weights("contiguity")
    if name == "distance":
        return bundled_weights("distance")
    return pd.read_csv(FIX / "synthetic_weights.csv", index_col=0)


CASES = [("real", "contiguity", "W"), ("real", "distance", "W"), ("real", "distance", "B"),
         ("synthetic", "synthetic", "W"), ("synthetic", "synthetic", "B")]


@pytest.mark.parametrize("name,weights,style", CASES)
@pytest.mark.parametrize("assumption", ["randomization", "normality"])
def test_moran_matches_spdep(name, weights, style, assumption):
    df = dataset(name)
    ref = reference("moran.csv")
    ref = ref[(ref.dataset == name) & (ref.weights == weights) & (ref["style"] == style)
              & (ref.assumption == assumption)]
    out = nqp_udfs.NQP_MORAN(as_range(df, "y"), as_range(df, "id"), weights_of(weights),
                             as_range(df, "year"), assumption, style)
    assert out[0] == ["year", "I", "E[I]", "Var[I]", "z", "P"]
    got = np.array(out[1:], dtype=float)
    np.testing.assert_allclose(got, ref[["year", "I", "EI", "VI", "z", "p"]].to_numpy(dtype=float), **TOL)


@pytest.mark.parametrize("name,weights,style,year", [("real", "contiguity", "W", 2023),
                                                     ("real", "distance", "B", 2016),
                                                     ("synthetic", "synthetic", "W", 2019)])
def test_lisa_matches_spdep_localmoran(name, weights, style, year):
    df = dataset(name)
    one = df[df.year == year].reset_index(drop=True)
    ref = reference("lisa.csv")
    ref = ref[(ref.dataset == name) & (ref.weights == weights) & (ref.year == year)]
    assert ref.id.tolist() == one.dropna().id.tolist()
    res = spatial.local_moran(one["y"].dropna(), one.dropna()["id"], weights_of(weights), style=style)
    np.testing.assert_allclose(res.Ii, ref.Ii, **TOL)
    np.testing.assert_allclose(res.expected, ref.EIi, **TOL)
    np.testing.assert_allclose(res.variance, ref.VarIi, **TOL)
    np.testing.assert_allclose(res.z, ref.Z, **TOL)
    assert res.quadrant_names() == ref.quadrant.tolist()
    # pseudo p: ours from 999 permutations, R's from 99,999; both estimate the same probability,
    # so they differ by sampling error: allow 4 standard errors of the 999-draw estimate + 1/1000
    p_ref = ref.p_perm.to_numpy()
    se = np.sqrt(p_ref * (1 - p_ref) / 999)
    assert np.all(np.abs(res.p - p_ref) <= 4 * se + 1e-3), np.c_[res.p, p_ref]


def test_lisa_udf_is_aligned_and_seeded():
    df = dataset("synthetic")
    one = df[df.year == 2014].reset_index(drop=True)  # the oracle blanked row 7 (R07 in 2014)
    assert one.y.isna().sum() == 1
    w = weights_of("synthetic")
    out = nqp_udfs.NQP_LISA(as_range(one, "y"), as_range(one, "id"), w)
    assert out[0] == ["Ii", "z", "Pseudo P", "Quadrant"] and len(out) == len(one) + 1
    blank = int(np.flatnonzero(one.y.isna())[0])
    assert out[blank + 1] == [None] * 4 and all(r[0] is not None for i, r in enumerate(out[1:]) if i != blank)
    again = nqp_udfs.NQP_LISA(as_range(one, "y"), as_range(one, "id"), w)
    other = nqp_udfs.NQP_LISA(as_range(one, "y"), as_range(one, "id"), w, 999, 2)
    assert again == out and [r[2] for r in other] != [r[2] for r in out]
    zh = nqp_udfs.NQP_LISA(as_range(one, "y"), as_range(one, "id"), w, lang="zh")
    assert zh[0] == ["局部莫兰指数 Ii", "z", "伪 P 值", "象限"]


def test_permutation_p_is_exact_in_a_case_with_few_arrangements():
    # a ring of 5 regions, each with 2 neighbours: C(4,2) = 6 equally likely neighbour pairs,
    # so each region's exact folded p is a multiple of 1/6; 20,000 draws estimate it closely
    names = list("abcde")
    W = np.zeros((5, 5))
    for i in range(5):
        W[i, (i + 1) % 5] = W[i, (i - 1) % 5] = 1
    y = np.array([1.0, 4, 2, 8, 5])
    res = spatial.local_moran(pd.Series(y), pd.Series(names), (names, W), permutations=20000)
    z = y - y.mean()
    m2 = (z @ z) / 5
    from itertools import combinations
    for i in range(5):
        others = np.delete(z, i)
        sims = np.array([z[i] / m2 * others[list(c)].mean() for c in combinations(range(4), 2)])
        larger = (sims >= res.Ii[i] - 1e-12).mean()
        exact = min(larger, 1 - larger)
        assert res.p[i] == pytest.approx(exact, abs=0.015), i


# ----------------------------------------------------------------------------- names


def test_region_names_match_in_every_form():
    df = dataset("real")
    full = {forms[0]: forms[1] for forms in PROVINCES}
    english = {forms[0]: forms[2] for forms in PROVINCES}
    w = weights_of("contiguity")
    base = nqp_udfs.NQP_MORAN(as_range(df, "y"), as_range(df, "id"), w, as_range(df, "year"))
    for mapping in (full, english):
        ids = [["id"]] + [[mapping[v]] for v in df["id"]]
        assert nqp_udfs.NQP_MORAN(as_range(df, "y"), ids, w, as_range(df, "year")) == base
    english_w = bundled_weights("contiguity", lang="en")
    assert nqp_udfs.NQP_MORAN(as_range(df, "y"), as_range(df, "id"), english_w, as_range(df, "year")) == base
    assert region_key("北京市") == region_key("Beijing") == region_key(" beijing ") == "北京"
    assert region_key("内蒙古自治区") == region_key("Inner Mongolia") == region_key("Nei Mongol") == "内蒙古"
    assert region_key("Guangxi Zhuang Autonomous Region") == region_key("广西壮族自治区") == "广西"
    assert region_key("Shaanxi") != region_key("Shanxi")
    assert region_key("某某县") == "某某县"


def test_weights_columns_may_be_in_another_order():
    df = dataset("real")
    w = weights_of("contiguity")
    perm = [0] + list(range(31, 0, -1))
    shuffled = [[row[j] for j in perm] for row in w]
    args = (as_range(df, "y"), as_range(df, "id"))
    assert nqp_udfs.NQP_MORAN(*args, shuffled, as_range(df, "year")) == nqp_udfs.NQP_MORAN(*args, w, as_range(df, "year"))


def test_bundled_contiguity_is_symmetric_and_links_hainan_to_guangdong():
    rows = bundled_weights("contiguity")
    names = rows[0][1:]
    W = np.array([r[1:] for r in rows[1:]])
    assert names == [r[0] for r in rows[1:]] and len(names) == 31
    assert (W == W.T).all() and set(np.unique(W)) == {0.0, 1.0} and W.trace() == 0
    hainan = names.index("海南")
    assert [names[j] for j in np.flatnonzero(W[hainan])] == ["广东"]
    assert W.sum(axis=1).min() >= 1
    D = np.array([r[1:] for r in bundled_weights("distance")[1:]])
    assert (D == D.T).all() and D.trace() == 0
    beijing, tianjin = names.index("北京"), names.index("天津")
    assert 1 / D[beijing, tianjin] == pytest.approx(110, rel=0.1)  # Beijing-Tianjin ~110 km


# ----------------------------------------------------------------------------- bad input: one line each


def _year(df, year):
    one = df[df.year == year]
    return as_range(one, "y"), as_range(one, "id")


def test_weights_not_square():
    v, ids = _year(dataset("real"), 2023)
    w = bundled_weights()
    answer = nqp_udfs.NQP_MORAN(v, ids, [r[:-1] for r in w])
    assert is_nqp_error(answer) and "square" in answer and "32 rows by 31 columns" in answer, answer
    assert "square" in nqp_udfs.NQP_LISA(v, ids, w[:-1])


def test_names_not_matching_ids():
    v, ids = _year(dataset("real"), 2023)
    ids[3] = ["Atlantis"]
    answer = nqp_udfs.NQP_MORAN(v, ids, bundled_weights())
    assert is_nqp_error(answer) and '"Atlantis"' in answer and "not in the weights" in answer, answer
    w = [list(r) for r in bundled_weights()]
    w[0][5] = "Lemuria"
    answer = nqp_udfs.NQP_MORAN(v, _year(dataset("real"), 2023)[1], w)
    assert is_nqp_error(answer) and "Lemuria" in answer and "first row" in answer, answer


def test_region_without_neighbours_says_so():
    v, ids = _year(dataset("real"), 2023)
    w = [list(r) for r in bundled_weights()]
    hainan = w[0].index("海南")
    guangdong = w[0].index("广东")
    w[hainan][guangdong] = w[guangdong][hainan] = 0.0
    for answer in (nqp_udfs.NQP_MORAN(v, ids, w), nqp_udfs.NQP_LISA(v, ids, w)):
        assert is_nqp_error(answer) and '"海南" has no neighbours' in answer and 'style "W"' in answer, answer
    assert "no neighbours" in nqp_udfs.NQP_MORAN(v, ids, w, None, None, "B")


def test_other_weights_refusals():
    v, ids = _year(dataset("real"), 2023)
    w = [list(r) for r in bundled_weights()]
    w[2][3] = "near"
    assert "holds \"near\"" in nqp_udfs.NQP_MORAN(v, ids, w)
    w = [list(r) for r in bundled_weights()]
    w[2][3] = -1.0
    assert "0 or more" in nqp_udfs.NQP_MORAN(v, ids, w)
    w = [list(r) for r in bundled_weights()]
    w[2][2] = 1.0
    assert "diagonal" in nqp_udfs.NQP_MORAN(v, ids, w)
    assert 'style="Q"' in nqp_udfs.NQP_MORAN(v, ids, bundled_weights(), None, None, "Q")
    assert "assumption" in nqp_udfs.NQP_MORAN(v, ids, bundled_weights(), None, "bootstrap")
    df = dataset("real")
    assert "appears twice" in nqp_udfs.NQP_MORAN(as_range(df, "y"), as_range(df, "id"), bundled_weights())
    assert "appears twice" in nqp_udfs.NQP_LISA(as_range(df, "y"), as_range(df, "id"), bundled_weights())
    small = df[df.id.isin(["北京", "天津", "河北"]) & (df.year == 2023)]
    answer = nqp_udfs.NQP_MORAN(as_range(small, "y"), as_range(small, "id"), bundled_weights())
    assert is_nqp_error(answer) and "at least 4 regions" in answer, answer
    assert "permutations=5" in nqp_udfs.NQP_LISA(v, ids, bundled_weights(), 5)


def test_moran_with_sparse_weights_for_thousands_of_regions():
    rng = np.random.default_rng(3)
    n, years = 2800, 10
    xy = rng.random((n, 2))
    order = np.argsort(xy[:, 0] * 53 + xy[:, 1])  # neighbours along a space-filling-ish order
    W = sparse.lil_matrix((n, n))
    for a, b in zip(order[:-1], order[1:]):
        W[a, b] = W[b, a] = 1
    names = [f"county{i:04d}" for i in range(n)]
    ids = pd.Series(names * years)
    yrs = pd.Series(np.repeat(np.arange(2010, 2010 + years), n).astype(float))
    vals = pd.Series(np.tile(xy[:, 0], years) + rng.normal(0, 0.1, n * years))
    res = spatial.moran(vals, ids, spatial.SpatialWeights(names, W.tocsr()), yrs)  # timed in benchmarks/
    assert len(res.groups) == years and (res.z > 5).all()
    dense = spatial.moran(vals[:n], ids[:n], spatial.SpatialWeights(names, W.toarray()))
    assert dense.I[0] == pytest.approx(res.I[0], rel=1e-12)


def test_spatial_weights_objects_are_checked():
    with pytest.raises(NQPError, match="square"):
        spatial.SpatialWeights(["a", "b"], np.zeros((2, 3)))


# ----------------------------------------------------------------------------- PySAL, a second opinion
# tests/oracles/dynamics_pysal.py (esda 2.8.2): Moran's I under both assumptions; local Moran with
# esda's scaling Is = (n-1)/n Ii, its quadrants, and its p_sim (9,999 draws of its own) by sampling error.


@pytest.mark.parametrize("name,weights,style", [("real", "contiguity", "W"), ("real", "distance", "B"),
                                                ("synthetic", "synthetic", "W")])
def test_moran_agrees_with_esda(name, weights, style):
    df = dataset(name)
    ref = reference("pysal_moran.csv")
    ref = ref[(ref.dataset == name) & (ref.weights == weights)]
    for assumption, suffix in (("randomization", "rand"), ("normality", "norm")):
        res = spatial.moran(df["y"], df["id"], weights_of(weights), df["year"], assumption, style)
        np.testing.assert_allclose(res.I, ref.I, **TOL)
        np.testing.assert_allclose(res.expected, ref.EI, **TOL)
        np.testing.assert_allclose(res.variance, ref[f"VI_{suffix}"], **TOL)
        np.testing.assert_allclose(res.z, ref[f"z_{suffix}"], **TOL)
        np.testing.assert_allclose(res.p, ref[f"p_{suffix}"], **TOL)


@pytest.mark.parametrize("name,weights,style", [("real", "contiguity", "W"), ("real", "distance", "B"),
                                                ("synthetic", "synthetic", "W")])
def test_lisa_agrees_with_esda(name, weights, style):
    ref = reference("pysal_lisa.csv")
    ref = ref[(ref.dataset == name) & (ref.weights == weights)]
    df = dataset(name).dropna()
    one = df[df.year == ref.year.iloc[0]]
    res = spatial.local_moran(one["y"], one["id"], weights_of(weights), style=style)
    n = len(one)
    np.testing.assert_allclose(res.Ii * (n - 1) / n, ref.Is, **TOL)
    assert res.quadrant_names() == ref.quadrant.tolist()
    p_ref = ref.p_sim.to_numpy()
    se = np.sqrt(p_ref * (1 - p_ref) / 999)
    assert np.all(np.abs(res.p - p_ref) <= 4 * se + 2e-3), np.c_[res.p, p_ref]


def test_blank_rows_and_columns_around_the_matrix_are_ignored():
    df = dataset("real")
    args = (as_range(df, "y"), as_range(df, "id"))
    w = bundled_weights()
    roomy = [r + [None] * 5 for r in w] + [[None] * 37 for _ in range(6)]
    assert nqp_udfs.NQP_MORAN(*args, roomy, as_range(df, "year")) == nqp_udfs.NQP_MORAN(*args, w, as_range(df, "year"))


def test_ids_default_to_the_label_column_of_values():
    df = dataset("real")
    one = df[df.year == 2023]
    labelled = [["province", "y"]] + [[i, float(v)] for i, v in zip(one.id, one.y)]
    w = bundled_weights()
    assert nqp_udfs.NQP_LISA(labelled, None, w) == nqp_udfs.NQP_LISA(as_range(one, "y"), as_range(one, "id"), w)
    assert nqp_udfs.NQP_MORAN(labelled, None, w) == nqp_udfs.NQP_MORAN(as_range(one, "y"), as_range(one, "id"), w)
    answer = nqp_udfs.NQP_MORAN(as_range(one, "y"), None, w)
    assert is_nqp_error(answer) and "needs the ids column" in answer, answer


@pytest.mark.parametrize("call", [
    lambda v, i, y, w: nqp_udfs.NQP_KDENSITY(v, y, lang="fr"),
    lambda v, i, y, w: nqp_udfs.NQP_CONVERGENCE(v, i, y, lang="fr"),
    lambda v, i, y, w: nqp_udfs.NQP_CONVERGENCE(v, i, y, "beta", lang="fr"),
    lambda v, i, y, w: nqp_udfs.NQP_MARKOV(v, i, y, lang="fr"),
    lambda v, i, y, w: nqp_udfs.NQP_MORAN(v, i, w, y, lang="fr"),
])
def test_unknown_lang_is_refused(call):
    df = dataset("real")
    answer = call(as_range(df, "y"), as_range(df, "id"), as_range(df, "year"), bundled_weights())
    assert is_nqp_error(answer) and 'lang "fr"' in answer, answer
