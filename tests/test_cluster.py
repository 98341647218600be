"""Grades (nqp_xl.cluster, NQP_CLUSTER): exact 1-D k-means, k-means++, SPSS QUICK CLUSTER."""
from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nqp_xl import cache
from nqp_xl.cluster import (
    grade,
    grade_names,
    kmeans_1d_optimal,
    kmeans_multi,
    quick_cluster_initial,
    quick_cluster_spss,
    within_ss,
)
from nqp_xl.errors import NQPError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DATA = FIXTURES / "data"
PSPP = FIXTURES / "cluster"


def province() -> pd.DataFrame:
    return pd.read_csv(DATA / "province_2022.csv")


def synthetic() -> pd.DataFrame:
    return pd.read_csv(DATA / "synthetic_2500.csv")


def brute_force_sse(x: np.ndarray, k: int) -> float:
    """Least within-cluster SS over every split of the sorted values into k runs."""
    xs = np.sort(x)
    n = xs.size
    best = np.inf
    for cuts in itertools.combinations(range(1, n), k - 1):
        b = (0, *cuts, n)
        best = min(best, sum(float(((xs[a:c] - xs[a:c].mean()) ** 2).sum()) for a, c in zip(b[:-1], b[1:])))
    return best


def brute_force_any(x: np.ndarray, k: int) -> float:
    """Least within-cluster SS over every assignment of the points to k labels (tiny n)."""
    best = np.inf
    for lab in itertools.product(range(k), repeat=x.size):
        lab = np.asarray(lab)
        if np.unique(lab).size == k:
            best = min(best, within_ss(x, lab, k))
    return best


def check_partition(x: np.ndarray, labels: np.ndarray, centers: np.ndarray, k: int) -> None:
    assert labels.shape == x.shape and set(np.unique(labels)) == set(range(k))
    assert np.all(np.diff(centers) > 0)  # ascending, distinct
    for g in range(k):
        assert centers[g] == pytest.approx(x[labels == g].mean(), rel=1e-12, abs=1e-12)
    for v in np.unique(x):  # equal values share a cluster
        assert np.unique(labels[x == v]).size == 1
    order = np.argsort(x, kind="stable")  # clusters are runs of the sorted values
    assert np.all(np.diff(labels[order]) >= 0)


# ----------------------------------------------------------------------------- exact 1-D k-means


@pytest.mark.parametrize("seed", range(6))
def test_optimal_matches_brute_force_on_small_random_inputs(seed):
    rng = np.random.default_rng(seed)
    checked = 0
    for case in range(60):
        n = int(rng.integers(2, 13))
        k = int(rng.integers(2, 6))
        kind = case % 3
        if kind == 0:
            x = rng.standard_normal(n) * rng.choice([1e-3, 1.0, 1e4]) + rng.choice([0.0, 1e6])
        elif kind == 1:
            x = rng.integers(0, 5, n).astype(float)  # many ties
        else:
            x = np.round(rng.exponential(3.0, n), 1)  # skewed, some ties
        if np.unique(x).size < k:
            continue
        labels, centers = kmeans_1d_optimal(x, k)
        check_partition(x, labels, centers, k)
        assert within_ss(x, labels, k) == pytest.approx(brute_force_sse(x, k), rel=1e-9, abs=1e-9 * max(1.0, float(np.var(x))))
        checked += 1
    assert checked > 30


def test_optimal_matches_every_assignment_on_tiny_inputs():
    rng = np.random.default_rng(11)
    for case in range(40):
        n = int(rng.integers(2, 8))
        k = int(rng.integers(2, 4))
        x = rng.integers(0, 4, n).astype(float) if case % 2 else rng.standard_normal(n)
        if np.unique(x).size < k:
            continue
        labels, _ = kmeans_1d_optimal(x, k)
        assert within_ss(x, labels, k) == pytest.approx(brute_force_any(x, k), rel=1e-12, abs=1e-12)


def test_optimal_obvious_groups_and_unsorted_input():
    x = np.array([21.0, 1, 12, 2, 22, 3, 10, 20, 11])
    labels, centers = kmeans_1d_optimal(x, 3)
    np.testing.assert_array_equal(labels, [2, 0, 1, 0, 2, 0, 1, 2, 1])
    np.testing.assert_allclose(centers, [2, 11, 21])


def test_optimal_k_equals_distinct_values():
    x = np.array([5.0, 1, 5, 3, 1, 3])
    labels, centers = kmeans_1d_optimal(x, 3)
    np.testing.assert_array_equal(labels, [2, 0, 2, 1, 0, 1])
    np.testing.assert_allclose(centers, [1, 3, 5])
    with pytest.raises(NQPError, match="at least 4 different values"):
        kmeans_1d_optimal(x, 4)


def test_optimal_is_deterministic_and_beats_lloyd_on_20000_values(capsys):
    rng = np.random.default_rng(2024)
    x = np.concatenate([rng.lognormal(0, 1, 15000), rng.normal(8, 1, 5000)])
    rng.shuffle(x)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        labels, centers = kmeans_1d_optimal(x, 4)
        times.append(time.perf_counter() - t0)
    with capsys.disabled():
        print(f"\n[kmeans_1d_optimal] 20,000 values, k=4: best of 5 {min(times) * 1e3:.1f} ms")
    check_partition(x, labels, centers, 4)
    again, _ = kmeans_1d_optimal(x, 4)
    np.testing.assert_array_equal(labels, again)
    sse = within_ss(x, labels, 4)
    # No seeded Lloyd run finds anything better than the global optimum.
    lab_km, _ = kmeans_multi(x, 4, n_init=5, seed=0)
    assert sse <= within_ss(x, lab_km, 4) * (1 + 1e-12)
    # The optimum is a fixed point of Lloyd's step: every value is nearest its own centre.
    nearest = np.argmin(np.abs(x[:, None] - centers[None, :]), axis=1)
    np.testing.assert_array_equal(nearest, labels)


def test_optimal_on_the_composite_score_matches_brute_force():
    factor = pytest.importorskip("nqp_xl.factor")
    f = np.asarray(factor.factor_analysis(province()).composite, dtype=float)
    assert f.shape == (31,)
    labels, centers = kmeans_1d_optimal(f, 4)
    check_partition(f, labels, centers, 4)
    assert within_ss(f, labels, 4) == pytest.approx(brute_force_sse(f, 4), rel=1e-10)


# ----------------------------------------------------------------------------- several columns


def test_kmeans_multi_is_seeded_and_no_worse_than_quick_cluster():
    X = synthetic()[["x1", "x2", "x3"]].to_numpy()
    a, ca = kmeans_multi(X, 4, seed=0)
    b, cb = kmeans_multi(X, 4, seed=0)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(ca, cb)
    for g in range(4):
        np.testing.assert_allclose(ca[g], X[a == g].mean(axis=0), rtol=1e-12)
    spss = quick_cluster_spss(X, 4)
    assert within_ss(X, a, 4) <= within_ss(X, spss.labels, 4) * (1 + 1e-9)


# ----------------------------------------------------------------------------- SPSS QUICK CLUSTER


def _pspp_runs():
    spec = json.loads((PSPP / "pspp_quick_cluster.json").read_text())
    members = {
        "province_2022": pd.read_csv(PSPP / "pspp_province_membership.csv"),
        "synthetic_2500": pd.read_csv(PSPP / "pspp_synthetic_membership.csv"),
    }
    for run in spec["runs"]:
        X = pd.read_csv(DATA / f"{run['dataset']}.csv")[run["variables"]].to_numpy(float)
        membership = members[run["dataset"]][run["membership"]].to_numpy() - 1
        yield run, X, membership


def _pspp_order(centers: np.ndarray, labels: np.ndarray):
    """PSPP numbers clusters by ascending final centre of the first variable."""
    order = np.argsort(centers[:, 0], kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return order, rank[labels]


PSPP_RUNS = list(_pspp_runs())
IDS = [run["membership"] for run, _, _ in PSPP_RUNS]
# Printed with 12 decimals: half a unit in the last place, plus float noise.
PRINTED = 5.1e-13


@pytest.mark.parametrize("run, X, membership", PSPP_RUNS, ids=IDS)
def test_initial_centres_match_pspp(run, X, membership):
    initial = quick_cluster_initial(X, run["k"])
    result = quick_cluster_spss(X, run["k"], variant="pspp")
    order, _ = _pspp_order(result.centers, result.labels)
    expected = np.array(run["initial_centers"]).T  # PSPP prints variables × clusters
    np.testing.assert_allclose(initial[order], expected, rtol=0, atol=PRINTED * np.abs(expected).max())


@pytest.mark.parametrize("run, X, membership", PSPP_RUNS, ids=IDS)
def test_pspp_variant_reproduces_pspp_exactly(run, X, membership):
    result = quick_cluster_spss(X, run["k"], variant="pspp")
    order, labels = _pspp_order(result.centers, result.labels)
    np.testing.assert_array_equal(labels, membership)
    expected = np.array(run["final_centers"]).T
    np.testing.assert_allclose(result.centers[order], expected, rtol=0, atol=PRINTED * np.abs(expected).max())
    np.testing.assert_array_equal(np.bincount(labels, minlength=run["k"]), run["counts"])


# s2 (synthetic x1..x3, k=4) has not converged after MXITER(10) in either program, and PSPP
# updates centres differently from SPSS's documented KMEANS(NOUPDATE) (see quick_cluster_spss):
# 2 of 2,500 cases end in another cluster.  Every other run converges to the same partition.
SPSS_AGREES = {"p1", "p2", "p3", "s1", "s3"}


@pytest.mark.parametrize("run, X, membership", PSPP_RUNS, ids=IDS)
def test_spss_method_against_pspp(run, X, membership):
    k = run["k"]
    result = quick_cluster_spss(X, k)
    order, labels = _pspp_order(result.centers, result.labels)
    expected_initial = np.array(run["initial_centers"]).T
    if run["membership"] not in SPSS_AGREES:
        assert (labels == membership).mean() > 0.998
        return
    np.testing.assert_array_equal(labels, membership)
    np.testing.assert_allclose(result.centers[order], np.array(run["final_centers"]).T, rtol=0,
                               atol=PRINTED * np.abs(expected_initial).max())
    np.testing.assert_allclose(result.initial_centers[order], expected_initial, rtol=0,
                               atol=PRINTED * np.abs(expected_initial).max())


def test_quick_cluster_initial_rules_by_hand():
    # Start 0, 1 (gap 1).  10: its nearest centre (1) is farther than the gap, so rule (a)
    # replaces the nearer of the closest pair: 1 → centres 0, 10.  5: nearest 0 at 5, not
    # beyond the gap 10; second nearest 10 at 5, not beyond 0's gap 10 → no change.
    # 20: nearest 10 at 10, not beyond the gap; second nearest 0 at 20 > 10's gap 10, so
    # rule (b) replaces the nearest centre: 10 → centres 0, 20.
    X = np.array([[0.0], [1.0], [10.0], [5.0], [20.0]])
    np.testing.assert_allclose(quick_cluster_initial(X, 2)[:, 0], [0.0, 20.0])
    # Duplicates among the first k cases are replaced by the next different case.
    X = np.array([[3.0], [3.0], [3.0], [7.0], [4.0]])
    np.testing.assert_allclose(np.sort(quick_cluster_initial(X, 2)[:, 0]), [3.0, 7.0])


def test_quick_cluster_chunking_does_not_change_the_answer():
    X = synthetic()[["x1", "x2"]].to_numpy()
    np.testing.assert_array_equal(quick_cluster_initial(X, 5, chunk=1), quick_cluster_initial(X, 5, chunk=4096))


# ----------------------------------------------------------------------------- grade()


def range_rows(frame: pd.DataFrame) -> list[list]:
    rows = [list(frame.columns)]
    for rec in frame.itertuples(index=False):
        rows.append([v if isinstance(v, str) else float(v) for v in rec])
    return rows


def test_grade_orders_clusters_best_first():
    rows = range_rows(province()[["region_name", "rd_intensity"]])
    res = grade(rows)
    assert res.method == "optimal" and res.k == 4
    assert np.all(np.diff(res.means) < 0)
    x = res.table.values[:, 0]
    assert x[res.labels == 1].min() > x[res.labels == 2].max()
    beijing = res.table.kept_names.index("Beijing")  # highest R&D intensity
    assert res.labels[beijing] == 1 and res.grades[beijing] == "Excellent"
    assert res.sizes.sum() == 31
    assert res.inertia == pytest.approx(brute_force_sse(x, 4), rel=1e-10)


@pytest.mark.parametrize("method", ["kmeans", "spss"])
def test_grade_several_columns_orders_by_first_column(method):
    frame = province()[["region_name", "rd_intensity", "rd_expenditure", "gov_sci_tech_spending"]]
    res = grade(range_rows(frame), 3, method=method)
    assert res.centers.shape == (3, 3)
    assert np.all(np.diff(res.centers[:, 0]) < 0)
    X = res.table.values
    for g in range(3):
        np.testing.assert_allclose(res.centers[g], X[res.labels == g + 1].mean(axis=0), rtol=1e-12)


def test_grade_default_method_for_several_columns_is_kmeans():
    frame = province()[["region_name", "rd_intensity", "rd_expenditure"]]
    assert grade(range_rows(frame)).method == "kmeans"


def test_grade_names_and_languages(monkeypatch):
    monkeypatch.delenv("NQP_XL_LANG", raising=False)
    assert grade_names(None, 4) == ("Excellent", "Good", "Medium", "Poor")
    assert grade_names(None, 4, "zh") == ("优", "良", "中", "差")
    assert grade_names(None, 3) == ("Grade 1", "Grade 2", "Grade 3")
    assert grade_names(None, 3, "zh") == ("第1级", "第2级", "第3级")
    assert grade_names("优,良,中,差", 4) == ("优", "良", "中", "差")
    assert grade_names([["高，中，低"]], 3) == ("高", "中", "低")  # full-width commas, 1×1 range
    assert grade_names([["A"], ["B"], [None], ["C"]], 3) == ("A", "B", "C")
    assert grade_names([[1.0, 2.0]], 2) == ("1", "2")
    monkeypatch.setenv("NQP_XL_LANG", "zh")
    assert grade_names(None, 4) == ("优", "良", "中", "差")


def test_wrong_number_of_names_is_refused():
    with pytest.raises(NQPError, match=r"names gives 3 grade names \(A,B,C\) but k=4"):
        grade_names("A,B,C", 4)
    rows = range_rows(province()[["region_name", "rd_intensity"]])
    with pytest.raises(NQPError, match="but k=3"):
        grade(rows, 3, names="优,良,中,差")


@pytest.mark.parametrize("k, message", [
    (0, "at least 2 grades"),
    (1, "at least 2 grades"),
    (-3, "at least 2 grades"),
    (2.5, "whole number"),
    ("four", "whole number"),
    (32, "at least 32 complete rows"),
])
def test_bad_k_is_refused(k, message):
    rows = range_rows(province()[["region_name", "rd_intensity"]])
    with pytest.raises(NQPError, match=message):
        grade(rows, k)


def test_k_above_distinct_values_is_refused():
    rows = [["region", "score"]] + [[f"r{i}", float(i % 3)] for i in range(12)]
    with pytest.raises(NQPError, match=r'k=4 grades need at least 4 different values, but indicator "score" has only 3'):
        grade(rows, 4)
    assert grade(rows, 3).sizes.tolist() == [4, 4, 4]
    rows2 = [["region", "a", "b"]] + [[f"r{i}", float(i % 2), 1.0] for i in range(12)]
    with pytest.raises(NQPError, match="the rows has only 2 distinct"):
        grade(rows2, 3, method="spss")


def test_optimal_needs_one_column_and_methods_are_checked():
    frame = province()[["region_name", "rd_intensity", "rd_expenditure"]]
    with pytest.raises(NQPError, match='method="optimal" grades one column'):
        grade(range_rows(frame), 3, method="optimal")
    with pytest.raises(NQPError, match='method="ward" is not known'):
        grade(range_rows(frame), 3, method="ward")


def test_incomplete_rows_answer_blank_aligned_rows():
    import nqp_udfs

    rows = range_rows(province()[["region_name", "rd_intensity"]].head(10))
    rows[3][1] = None  # third region blank
    rows[7][1] = -2146826246  # #N/A
    out = nqp_udfs.NQP_CLUSTER(rows, 3)
    assert out[0] == ["Grade", "Cluster"]
    assert len(out) == len(rows)
    assert out[3] == [None, None] and out[7] == [None, None]
    filled = [r for i, r in enumerate(out[1:], 1) if i not in (3, 7)]
    assert all(isinstance(r[0], str) and r[1] in (1.0, 2.0, 3.0) for r in filled)
    assert {r[0] for r in filled} == {"Grade 1", "Grade 2", "Grade 3"}


def test_udf_layout_without_header_and_in_chinese():
    import nqp_udfs

    out = nqp_udfs.NQP_CLUSTER([[1.0], [2.0], [10.0], [11.0], [20.0]], 3, "高,中,低", None, "zh")
    assert out == [["低", 3.0], ["低", 3.0], ["中", 2.0], ["中", 2.0], ["高", 1.0]]
    out = nqp_udfs.NQP_CLUSTER([["score"], [1.0], [2.0], [10.0], [11.0]], 2, None, None, "zh")
    assert out[0] == ["等级", "类别"] and out[1] == ["第2级", 2.0]


def test_udf_errors_are_cell_texts():
    import nqp_udfs

    data = [["score"], [1.0], [2.0], [10.0]]
    assert nqp_udfs.NQP_CLUSTER(data, 0).startswith("#NQP! k=0")
    assert nqp_udfs.NQP_CLUSTER(data, 2, "A,B,C").startswith("#NQP! names gives 3")
    assert nqp_udfs.NQP_CLUSTER(data, 2, None, "nope").startswith('#NQP! method="nope"')


def test_fit_is_cached_by_table_k_and_method():
    rows = range_rows(province()[["region_name", "rd_intensity"]])
    cache.clear()
    first = grade(rows, 4)
    misses = cache.stats["misses"]
    second = grade(rows, 4, names="A,B,C,D", lang="zh")
    assert cache.stats["misses"] == misses and cache.stats["hits"] >= 1
    assert second.fit is first.fit and second.grades[0] in "ABCD"
    grade(rows, 4, method="spss")
    assert cache.stats["misses"] == misses + 1


def _ckmeans_cases():
    spec = json.loads((PSPP / "ckmeans_reference.json").read_text())
    return [pytest.param(c, id=f"{c['column']}-k{c['k']}") for c in spec["cases"]]


@pytest.mark.parametrize("case", _ckmeans_cases())
def test_optimal_matches_ckmeans_1d_dp(case):
    x = pd.read_csv(DATA / f"{case['dataset']}.csv")[case["column"]].to_numpy(float)
    labels, centers = kmeans_1d_optimal(x, case["k"])
    np.testing.assert_array_equal(labels, case["labels"])
    np.testing.assert_allclose(centers, case["centers"], rtol=1e-12)
    assert within_ss(x, labels, case["k"]) == pytest.approx(case["withinss"], rel=1e-9)
