"""Grades: k-means clustering of regions, clusters ordered best first (``NQP_CLUSTER``).

Three methods (SPEC.md, "Grades"):

``"optimal"`` (default for one column)
    The exact optimum of 1-D k-means: the partition into k groups with the least
    within-cluster sum of squares, found by dynamic programming over the sorted values
    (Wang & Song 2011, *The R Journal* 3(2), "Ckmeans.1d.dp"; Grønlund et al. 2017,
    arXiv:1701.07204).  Deterministic, no seeds, the global optimum.
``"kmeans"`` (default for several columns)
    scikit-learn's ``KMeans`` (Lloyd) from ``n_init`` seeded k-means++ starts, keeping the
    run with the least within-cluster sum of squares.  Deterministic for a given seed.
``"spss"``
    SPSS QUICK CLUSTER with its defaults (``/CRITERIA=CLUSTER(k) MXITER(10) CONVERGE(0)
    /METHOD=KMEANS(NOUPDATE)``): its initial-centre pass, then Lloyd updates, then the
    final classification.  See :func:`quick_cluster_spss`.

Variables are used as given (no standardisation), as SPSS QUICK CLUSTER does; standardise
first when indicators have different units.  Grades are numbered best first: grade 1 is the
cluster whose mean of the *first* column is highest.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from .cache import cached
from .errors import NQPError
from .kmeans_1d import kmeans_1d_optimal, optimal_on_distinct  # noqa: F401 (kmeans_1d_optimal re-exported)
from .excel_answer import Cells
from .labels import resolve_lang, text, texts
from .options import choice, whole_number
from .table import Table, check_table, parse_text_list

METHODS = ("optimal", "kmeans", "spss")

DEFAULT_NAMES_4 = ("Excellent", "Good", "Medium", "Poor")


def within_ss(X: Any, labels: np.ndarray, k: int) -> float:
    """Within-cluster sum of squares of a partition (the k-means criterion)."""
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    total = 0.0
    for g in range(k):
        block = X[labels == g]
        if block.size:  # the mean as np.mean computes it (sum / count), without its wrapper
            total += float(((block - block.sum(axis=0) / block.shape[0]) ** 2).sum())
    return total


# ============================================================================ several columns


def kmeans_multi(X: Any, k: int, n_init: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k-means on several columns: the best (least inertia) of ``n_init`` seeded k-means++ runs.

    scikit-learn's ``KMeans(n_clusters=k, init="k-means++", n_init=n_init,
    random_state=seed)`` (Lloyd's algorithm; Arthur & Vassilvitskii 2007 for the seeding):
    the library is tested and fast, and a fixed seed makes the answer repeatable.
    Answers ``labels`` (0..k-1) and ``centers`` (k × p).
    """
    from sklearn.cluster import KMeans  # 2 s of start-up (-X importtime), paid only here
    from threadpoolctl import threadpool_limits

    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    # One thread: regional tables are small, where OpenMP start-up costs more than it saves
    # (and on a busy machine threads make it 10-20x slower); one thread is also repeatable.
    with threadpool_limits(limits=1):
        model = KMeans(n_clusters=k, init="k-means++", n_init=n_init, random_state=seed).fit(X)
    labels = model.labels_.astype(np.int64)
    return labels, _means(X, labels, k, model.cluster_centers_)


def _means(X: np.ndarray, labels: np.ndarray, k: int, fallback: np.ndarray) -> np.ndarray:
    """Cluster means; an empty cluster keeps ``fallback``'s row."""
    counts = np.bincount(labels, minlength=k).astype(float)
    sums = np.stack([np.bincount(labels, weights=X[:, j], minlength=k) for j in range(X.shape[1])], axis=1)
    out = np.array(fallback, dtype=float, copy=True)
    filled = counts > 0
    out[filled] = sums[filled] / counts[filled, None]
    return out


# ============================================================================ SPSS QUICK CLUSTER


class QuickCluster(NamedTuple):
    """A QUICK CLUSTER run: ``labels`` (0..k-1 in the order of the initial centres),
    final ``centers``, the ``initial_centers`` of the selection pass and ``n_iter``."""

    labels: np.ndarray
    centers: np.ndarray
    initial_centers: np.ndarray
    n_iter: int


def _sq_dist(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances (rows of X × rows of C), summed variable by variable in
    order, as SPSS and PSPP do (so that ties fall the same way)."""
    d = (C[None, :, 0] - X[:, 0, None]) ** 2
    for j in range(1, X.shape[1]):
        d += (C[None, :, j] - X[:, j, None]) ** 2
    return d


def _centre_gaps(C: np.ndarray) -> np.ndarray:
    """Squared distances between centres, +inf on the diagonal."""
    g = _sq_dist(C, C)
    np.fill_diagonal(g, np.inf)
    return g


def quick_cluster_initial(X: Any, k: int, chunk: int = 512) -> np.ndarray:
    """SPSS QUICK CLUSTER's initial cluster centres (the selection pass over the cases).

    The first k cases are the centres; then, for each later case x in file order, with
    d_mn the smallest distance between two centres M_m, M_n, M_q the centre nearest x and
    M_p the second nearest:

    (a) if d(x, M_q) > d_mn, x replaces whichever of M_m, M_n is nearer to x;
    (b) otherwise, if d(x, M_p) > min_i d(M_q, M_i), x replaces M_q.

    (SPSS Statistics Algorithms, "QUICK CLUSTER", step 1; PSPP's ``kmeans_initial_centers``.)
    Duplicate cases among the first k are replaced by the next case unlike every centre,
    so this equals starting from the first k *distinct* cases.  Cases are screened in
    vectorised chunks: a chunk is scanned up to its first replacing case.
    """
    X = np.ascontiguousarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    C = X[:k].copy()
    n = X.shape[0]
    pos = k
    while pos < n:
        block = X[pos:pos + chunk]
        gaps = _centre_gaps(C)
        upper = np.where(np.triu(np.ones((k, k), dtype=bool), 1), gaps, np.inf)
        mn, mm = divmod(int(np.argmin(upper)), k)  # the first closest pair (i < j)
        dmn = gaps[mn, mm]
        nearest_gap = gaps.min(axis=1)
        d = _sq_dist(block, C)
        order = np.argsort(d, axis=1, kind="stable")
        q = order[:, 0]
        p_ = order[:, 1]
        rows = np.arange(block.shape[0])
        dq = d[rows, q]
        dp = d[rows, p_]
        trigger = (dq > dmn) | (dp > nearest_gap[q])
        hits = np.flatnonzero(trigger)
        if not hits.size:
            pos += block.shape[0]
            continue
        r = int(hits[0])
        if dq[r] > dmn:
            which = mm if d[r, mn] > d[r, mm] else mn
        else:
            which = int(q[r])
        C[which] = block[r]
        pos += r + 1
    return C


def quick_cluster_spss(X: Any, k: int, max_iter: int = 10, converge: float = 0.0,
                       variant: str = "spss") -> QuickCluster:
    """SPSS QUICK CLUSTER (k-means with SPSS's initial centres), defaults MXITER(10) CONVERGE(0).

    ``variant="spss"`` (the SPSS Statistics documentation, METHOD=KMEANS(NOUPDATE)):
    from the initial centres (:func:`quick_cluster_initial`), each iteration assigns every
    case to its nearest centre (ties to the lower cluster number) and then moves every
    centre to the mean of its cases; iteration stops when no centre moves by more than
    ``converge`` × the smallest distance between initial centres (0: until nothing moves)
    or after ``max_iter`` iterations.  Cases are finally assigned to the nearest final
    centre and the final centres are their means.

    ``variant="pspp"`` reproduces GNU PSPP 1.6's QUICK CLUSTER exactly (for the oracle
    tests), which iterates differently: in each iteration the centres first become
    (previous centre + sum of the cases nearest to it) / (count + 1), then the cases are
    reassigned and their means compared with those centres (convergence when the largest
    squared change < DBL_EPSILON × the smallest squared initial distance); the answer is
    the first kind of centre and the cases nearest to it.
    """
    X = np.ascontiguousarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    initial = quick_cluster_initial(X, k)
    C = initial.copy()
    n_iter = 0
    if variant == "pspp":
        conv = np.finfo(float).eps * float(_centre_gaps(initial).min())
        updated = C.copy()
        for n_iter in range(1, max_iter + 1):
            labels = np.argmin(_sq_dist(X, C), axis=1)
            counts = np.bincount(labels, minlength=k)
            for j in range(X.shape[1]):
                updated[:, j] += np.bincount(labels, weights=X[:, j], minlength=k)
            C = updated / (counts + 1)[:, None]
            labels = np.argmin(_sq_dist(X, C), axis=1)
            counts = np.bincount(labels, minlength=k)
            with np.errstate(invalid="ignore", divide="ignore"):
                updated = np.stack([np.bincount(labels, weights=X[:, j], minlength=k)
                                    for j in range(X.shape[1])], axis=1) / counts[:, None]
            change = np.nanmax(((updated - C) ** 2).sum(axis=1)) if counts.all() else np.inf
            if change < conv:
                break
        labels = np.argmin(_sq_dist(X, C), axis=1)
        return QuickCluster(labels.astype(np.int64), C, initial, n_iter)
    if variant != "spss":
        raise ValueError(f"unknown variant {variant!r}")
    limit = converge * float(np.sqrt(_centre_gaps(initial).min()))
    for n_iter in range(1, max_iter + 1):
        labels = np.argmin(_sq_dist(X, C), axis=1)
        new = _means(X, labels, k, C)
        move = float(np.sqrt(((new - C) ** 2).sum(axis=1)).max())
        C = new
        if move <= limit:
            break
    labels = np.argmin(_sq_dist(X, C), axis=1).astype(np.int64)
    return QuickCluster(labels, _means(X, labels, k, C), initial, n_iter)


# ============================================================================ grades


def parse_k(k: Any) -> int:
    """The number of grades: a whole number, at least 2 (default 4)."""
    value = whole_number(k, "k", default=4)
    if value < 2:
        raise NQPError(f"k={value} grades: grading needs at least 2 grades (k=2, 3, 4, ...)")
    return value


def grade_names(names: Any, k: int, lang: str | None = None) -> tuple[str, ...]:
    """The k grade names, best first: ``names`` (a comma list or a range) or the defaults
    (k=4: "Excellent,Good,Medium,Poor" / "优,良,中,差"; else "Grade 1".."Grade k" / "第1级"...)."""
    texts = parse_text_list(names)
    if not texts:
        lang = resolve_lang(lang)
        if k == 4:
            return tuple(text(n, lang) for n in DEFAULT_NAMES_4)
        return tuple(text("Grade {n}", lang).format(n=i + 1) for i in range(k))
    if len(texts) != k:
        shown = ",".join(texts)
        if len(shown) > 60:
            shown = shown[:59] + "…"
        raise NQPError(f'names gives {len(texts)} grade names ({shown}) but k={k}; '
                       f"give {k} names, best first, or change k")
    return tuple(texts)


@dataclass(frozen=True)
class _Fit:
    labels: np.ndarray  # 0..k-1 per complete row, 0 = best
    centers: np.ndarray  # k × p, best first
    inertia: float
    initial_centers: np.ndarray | None = None
    n_iter: int = 0


def _fit(table: Table, k: int, method: str) -> _Fit:
    X = table.values
    m, p = X.shape
    if p == 1:
        unique = np.unique(X[:, 0], return_inverse=True, return_counts=True)
        distinct = unique[0].size
    else:
        distinct = np.unique(X, axis=0).shape[0]
    if k > distinct:
        what = f'indicator "{table.names[0]}"' if p == 1 else "the rows"
        raise NQPError(f"k={k} grades need at least {k} different values, but {what} has only "
                       f"{distinct} distinct value{'s' if distinct != 1 else ''} among {m} complete rows; "
                       "choose a smaller k")
    initial = None
    n_iter = 0
    if method == "optimal":
        if p != 1:
            raise NQPError(f'method="optimal" grades one column, but the range has {p} indicators; '
                           'use method="kmeans" or "spss", or give one column such as the composite score')
        labels, centers = optimal_on_distinct(*unique, k)
        centers = centers[:, None]
    elif method == "kmeans":
        labels, centers = kmeans_multi(X, k)
    else:
        run = quick_cluster_spss(X, k)
        labels, centers, initial, n_iter = run.labels, run.centers, run.initial_centers, run.n_iter
    # Best first: descending mean of the first column (stable for equal means).
    order = np.argsort(-centers[:, 0], kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    labels = rank[labels]
    centers = centers[order]
    if initial is not None:
        initial = initial[order]
    return _Fit(labels, centers, within_ss(X, labels, k), initial, n_iter)


@dataclass(frozen=True, eq=False)
class ClusterResult:
    """Grades of the complete rows of ``table``, best first.

    ``labels``: cluster number 1..k per complete row (1 = highest mean of the first column);
    ``centers``: the k × p cluster means, best first; ``names``: the k grade names.
    """

    table: Table
    k: int
    method: str
    names: tuple[str, ...]
    fit: _Fit

    @cached_property
    def labels(self) -> np.ndarray:
        return self.fit.labels + 1

    @property
    def centers(self) -> np.ndarray:
        return self.fit.centers

    @cached_property
    def means(self) -> np.ndarray:
        """Mean of the first column per cluster, best first."""
        return self.fit.centers[:, 0]

    @cached_property
    def sizes(self) -> np.ndarray:
        return np.bincount(self.fit.labels, minlength=self.k)

    @property
    def inertia(self) -> float:
        """Within-cluster sum of squares."""
        return self.fit.inertia

    @cached_property
    def grades(self) -> list[str]:
        """The grade name of each complete row."""
        return np.array(self.names, dtype=object)[self.fit.labels].tolist()

    def block(self) -> list[list]:
        """Rows [grade name, cluster number] for the complete rows (one ``tolist()``)."""
        labels = self.fit.labels
        out = np.empty((labels.shape[0], 2), dtype=object)
        out[:, 0] = np.array(self.names, dtype=object)[labels]
        out[:, 1] = (labels + 1).astype(float)  # Python floats in an object array: Excel numbers
        return out.tolist()

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Grade and Cluster beside the values, aligned with the input (texts and whole numbers)."""
        return Cells(self.table.aligned(self.block(), texts(("Grade", "Cluster"), lang)))


def grade(values: Any, k: Any = 4, names: Any = None, method: Any = None, lang: str | None = None,
          id_cols: Any = None, missing: Any = None) -> ClusterResult:
    """Grades by k-means, best first (``NQP_CLUSTER``).

    ``method``: "optimal" (exact 1-D k-means, default for one column), "kmeans" (best of
    10 seeded k-means++ runs, default for several columns) or "spss" (QUICK CLUSTER).
    The clustering is cached by (table digest, k, method); names are applied afterwards.
    """
    table = check_table(values, id_cols=id_cols, missing=missing)
    k = parse_k(k)
    p = table.values.shape[1]
    method = choice(method, "method", METHODS, "optimal" if p == 1 else "kmeans")
    labels_ = grade_names(names, k, lang)
    m = table.values.shape[0]
    if m < k:
        dropped = table.n_rows - m
        extra = f" ({dropped} rows have blank or error cells and were left out)" if dropped else ""
        raise NQPError(f"k={k} grades need at least {k} complete rows; the range has {m}{extra}")
    fit = cached(("cluster", table.key, k, method), lambda: _fit(table, k, method))
    return ClusterResult(table, k, method, labels_, fit)
