"""Exact optimal 1-D k-means by dynamic programming (the default of ``NQP_CLUSTER`` for one column).

The partition of the values into k groups with the least within-cluster sum of squares,
found over the sorted distinct values (Wang & Song 2011, *The R Journal* 3(2),
"Ckmeans.1d.dp"; Grønlund et al. 2017, arXiv:1701.07204): deterministic, no seeds, the
global optimum.  Split from :mod:`nqp_xl.cluster`, which grades with it.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import NQPError

__all__ = ["kmeans_1d_optimal", "optimal_on_distinct"]


def _segment_argmin(v: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and position of its first occurrence in each segment of a flat array."""
    segmin = np.minimum.reduceat(v, starts)
    hit = np.flatnonzero(v == np.repeat(segmin, lengths))
    return segmin, hit[np.searchsorted(hit, starts)]


def _layer_start(prev: np.ndarray, S2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Empty D and B of a layer, and A[i] = prev[i-1] − S2[i], the part of a candidate's
    cost that depends on its start i alone (A[0] = inf: no cluster may start before 0)."""
    m = S2.shape[0] - 1
    A = np.empty(m + 1)
    A[0] = np.inf
    A[1:] = prev - S2[1:]
    return np.full(m, np.inf), np.zeros(m, dtype=np.int64), A


_DENSE_MAX = 400  # up to this many distinct values one dense pass beats the recursion


def _dp_layer_dense(prev: np.ndarray, W: np.ndarray, S1: np.ndarray, S2: np.ndarray,
                    first: int, jlo0: int, jhi0: int) -> tuple[np.ndarray, np.ndarray]:
    """The same layer as :func:`_dp_layer` for few values: every candidate i ≤ j at once
    (an m × m array), which for a province table is a few microseconds instead of a
    recursion of numpy calls.  Same arithmetic, same leftmost argmin."""
    D, B, A = _layer_start(prev, S2)
    i = np.arange(first, jhi0 + 1)[:, None]
    j1 = np.arange(jlo0, jhi0 + 1)[None, :] + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        d = S1[j1] - S1[i]
        d *= d
        d /= W[j1] - W[i]
        v = A[i] - d
    v[i >= j1] = np.inf
    pos = np.argmin(v, axis=0)
    D[jlo0:jhi0 + 1] = v[pos, np.arange(v.shape[1])] + S2[j1[0]]
    B[jlo0:jhi0 + 1] = pos + first
    return D, B


def _dp_layer(prev: np.ndarray, W: np.ndarray, S1: np.ndarray, S2: np.ndarray,
              first: int, jlo0: int, jhi0: int, unit: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """One layer of the dynamic programme, for every end point j in [jlo0, jhi0]:

        D[j] = min_{first <= i <= j}  prev[i-1] + SSE(i..j),   B[j] = the leftmost argmin i,

    where SSE(i..j) = S2 - S1²/W over the (weighted) sorted values i..j.  The argmin is
    non-decreasing in j (the cost is a Monge array), so divide and conquer applies: solve
    the middle j of every open interval at once, which bounds the candidates of the halves
    on either side.  Each level of the recursion is a handful of numpy passes over about
    m candidates; there are about log2(m) levels.  ``unit``: every weight is 1 (no value
    repeats), so the weight of i..j is j - i + 1 without looking it up.
    """
    D, B, A = _layer_start(prev, S2)
    jlo = np.array([jlo0])
    jhi = np.array([jhi0])
    ilo = np.array([first])
    ihi = np.array([jhi0])
    while jlo.size:
        mid = (jlo + jhi) >> 1
        lengths = np.minimum(ihi, mid) - ilo + 1
        ends = np.cumsum(lengths)
        starts = ends - lengths
        i = np.arange(int(ends[-1]))
        i -= np.repeat(starts - ilo, lengths)
        j1 = mid + 1
        d = np.repeat(S1[j1], lengths)
        d -= S1.take(i)  # take: the same numbers as S1[i], without fancy indexing's set-up
        d *= d
        if unit:  # every count 1: W[j] = j exactly, so W[j1] - W[i] = j1 - i
            w = np.repeat(j1, lengths)
            w -= i
        else:
            w = np.repeat(W[j1], lengths)
            w -= W.take(i)
        d /= w
        v = A.take(i)
        v -= d
        segmin, pos = _segment_argmin(v, starts, lengths)
        best = i[pos]
        D[mid] = segmin + S2[j1]
        B[mid] = best
        left = mid > jlo
        right = mid < jhi
        jlo, jhi, ilo, ihi = (
            np.concatenate([jlo[left], j1[right]]),
            np.concatenate([mid[left] - 1, jhi[right]]),
            np.concatenate([ilo[left], best[right]]),
            np.concatenate([best[left], ihi[right]]),
        )
    return D, B


def kmeans_1d_optimal(x: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact optimal 1-D k-means: ``labels`` (0..k-1, ascending centres) and ``centers``.

    Minimises the within-cluster sum of squares Σ_c Σ_{i∈c} (x_i − mean_c)² over all
    partitions into k non-empty clusters.  Optimal clusters are intervals of the sorted
    values, so with prefix sums W, S1, S2 over the distinct values (weighted by their
    counts, which keeps equal values together) the cost of a cluster is S2 − S1²/W and

        D_q(j) = min_i D_{q−1}(i−1) + SSE(i..j)        (Ckmeans.1d.dp, Wang & Song 2011)

    is solved layer by layer with the monotone-argmin divide and conquer (Grønlund et al.
    2017), vectorised over each recursion level.  The last layer is needed only at the
    last value (one pass).  Ties between equally good partitions go to the leftmost split.
    Values are shifted by their median first so that the prefix sums stay small.
    """
    x = np.asarray(x, dtype=float).ravel()
    if x.size == 0 or not np.isfinite(x).all():
        raise NQPError("clustering needs finite values")
    return optimal_on_distinct(*np.unique(x, return_inverse=True, return_counts=True), k)


def optimal_on_distinct(u: np.ndarray, inverse: np.ndarray, counts: np.ndarray,
                         k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`kmeans_1d_optimal` from the sorted distinct values ``u``, each value's place
    among them and their counts (``np.unique``'s answer, which grading has at hand)."""
    m = u.size
    if k < 1 or k > m:
        raise NQPError(f"k={k} clusters need at least {k} different values; there are {m}")
    w = counts.astype(float)
    # np.median(u) of the sorted u: its middle value, or the mean of the two middle ones
    c = u - (u[m // 2] if m % 2 else (u[m // 2 - 1] + u[m // 2]) / 2)
    W = np.concatenate([[0.0], np.cumsum(w)])
    S1 = np.concatenate([[0.0], np.cumsum(w * c)])
    S2 = np.concatenate([[0.0], np.cumsum(w * c * c)])
    starts = [0]
    if k > 1:
        D = S2[1:] - S1[1:] ** 2 / W[1:]  # one cluster over values 0..j
        layers = []
        unit = m == inverse.size  # no value repeats: every count is 1
        for q in range(2, k):  # q clusters over values 0..j, j in [q-1, m-1-(k-q)]
            if m <= _DENSE_MAX:
                D, B = _dp_layer_dense(D, W, S1, S2, q - 1, q - 1, m - 1 - (k - q))
            else:
                D, B = _dp_layer(D, W, S1, S2, q - 1, q - 1, m - 1 - (k - q), unit)
            layers.append(B)
        i = np.arange(k - 1, m)  # the last cluster is i..m-1
        s1 = S1[m] - S1[i]
        cost = D[i - 1] - S2[i] - s1 * s1 / (W[m] - W[i])
        start = int(i[int(np.argmin(cost))])
        starts = [start]
        for B in reversed(layers):
            start = int(B[start - 1])
            starts.append(start)
        starts.append(0)
        starts.sort()
    bounds = np.asarray(starts[1:], dtype=np.int64)
    label_u = np.searchsorted(bounds, np.arange(m), side="right")
    centers = np.bincount(label_u, weights=w * u, minlength=k) / np.bincount(label_u, weights=w, minlength=k)
    return label_u[inverse], centers
