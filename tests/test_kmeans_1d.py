"""Exact optimal 1-D k-means (nqp_xl.kmeans_1d); its oracle (Ckmeans.1d.dp) is in test_cluster.py."""
from __future__ import annotations

import numpy as np
import pytest

import nqp_xl.kmeans_1d as k1
from nqp_xl.cluster import within_ss


def test_dense_and_recursive_layers_agree():
    """Small inputs take the dense layer; both layers must give the same partition."""
    rng = np.random.default_rng(11)
    for trial in range(60):
        x = np.round(rng.normal(size=rng.integers(8, 300)) * rng.choice([1, 10, 1000]), rng.integers(0, 4))
        k = int(rng.integers(2, 7))
        if np.unique(x).size < k:
            continue
        dense = k1.kmeans_1d_optimal(x, k)
        saved = k1._DENSE_MAX
        k1._DENSE_MAX = 0
        try:
            recursive = k1.kmeans_1d_optimal(x, k)
        finally:
            k1._DENSE_MAX = saved
        assert within_ss(x, dense[0], k) == pytest.approx(within_ss(x, recursive[0], k), rel=1e-12, abs=1e-12)
        np.testing.assert_array_equal(dense[0], recursive[0])


def test_layers_with_and_without_repeated_values_agree_with_brute_force():
    """The recursive layer with every weight 1 (no repeats) and with counts (repeats)
    finds the least within-cluster sum of squares that trying every split finds."""
    from itertools import combinations

    rng = np.random.default_rng(12)
    saved = k1._DENSE_MAX
    k1._DENSE_MAX = 0
    try:
        for trial in range(40):
            n = int(rng.integers(6, 14))
            x = rng.normal(size=n) if trial % 2 else np.round(rng.normal(size=n) * 2)
            u = np.unique(x)
            k = int(rng.integers(2, min(5, u.size) + 1))
            labels, _ = k1.kmeans_1d_optimal(x, k)
            best = min(within_ss(x, np.searchsorted(np.asarray(cut), np.searchsorted(u, x), side="right"), k)
                       for cut in combinations(range(1, u.size), k - 1))
            assert within_ss(x, labels, k) == pytest.approx(best, rel=1e-12, abs=1e-12)
    finally:
        k1._DENSE_MAX = saved
