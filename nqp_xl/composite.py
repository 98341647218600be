"""Composite indices: standardisation, objective weights, weighted index, TOPSIS, obstacle degree.

The methods of regional "new quality productive forces" evaluation as the Chinese literature
writes them (SPEC.md, "Composite indices").  Notation: m complete rows (regions, or
region-years of a panel), p indicators, x_ij the data, s_j = +1 / −1 the indicator's direction.

Min-max by direction (the x' every method below works on)::

    x'_ij = (x_ij − min_j) / (max_j − min_j)      for "+" (more is better)
    x'_ij = (max_j − x_ij) / (max_j − min_j)      for "−" (less is better)

so x' ∈ [0, 1] and 1 is always the best value.  A constant indicator has max_j = min_j and is
refused with an :class:`~nqp_xl.errors.NQPError` naming it.

Entropy weights (e.g. 王军等 2021; SPSSAU "熵值法")::

    p_ij = x''_ij / Σ_i x''_ij,   x'' = x' + shift (shift = 0 unless asked, e.g. 0.0001 or 0.01)
    e_j  = −(1 / ln m) Σ_i p_ij ln p_ij,  with 0·ln 0 = 0
    d_j  = 1 − e_j,   w_j = d_j / Σ_k d_k

``shift`` only enters the entropy (it exists to avoid ln 0); the index, TOPSIS and obstacle
degree always use the unshifted x', so the index stays in [0, 1].

CRITIC (Diakoulaki et al. 1995) on x': C_j = σ_j Σ_k (1 − r_jk), w_j = C_j / Σ C_k, with σ the
sample standard deviation (n − 1; the choice cancels in w) and r Pearson's correlation.

Coefficient of variation ("变异系数法") on the *raw* data: v_j = σ_j / x̄_j, w_j = v_j / Σ v_k.
The raw data is used because v is dimensionless already and does not depend on direction
(the literature's and SPSSAU's convention); min-max data would make v depend on where the
minimum falls.  An indicator whose mean is not positive is refused (v is meaningless).

Equal weights: w_j = 1/p.

Composite index: I_i = Σ_j w_j x'_ij ∈ [0, 1].

TOPSIS on the weighted v_ij = w_j x'_ij: ideal v⁺_j = max_i v_ij, anti-ideal v⁻_j = min_i v_ij,
D⁺_i = ‖v_i − v⁺‖₂, D⁻_i = ‖v_i − v⁻‖₂, C_i = D⁻_i / (D⁺_i + D⁻_i); Rank 1 = highest C
(ties share the better rank, as Excel's RANK does).

Obstacle degree (障碍度): O_ij = w_j (1 − x'_ij) / Σ_k w_k (1 − x'_ik) × 100 (percent).  A row
that is best on every weighted indicator has no obstacle at all: its O_ij are all 0 (the
formula's 0/0), which is documented rather than refused.

Panels: with ``id_cols=2`` (Region | Year) all region-years are pooled into one table, so one
min-max and one entropy cover every year and the indices compare across years.

Weights given as numbers (``weights=[...]`` or a range): one per indicator, non-negative, not all
zero; they are *normalised* to sum to 1 (w / Σw).  So 0.333, 0.333, 0.333 and 30, 30, 40
(percent) are both accepted, and the index stays in [0, 1].  A range copied from NQP_WEIGHTS
(Indicator | Weight | ...) is matched to the indicators by name.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from .cache import cached
from .errors import NQPError
from .excel_answer import cells, per_indicator
from .labels import texts
from .options import choice, directions as parse_directions, flatten, is_blank, nonnegative, unwrap
from .ranks import rank_desc
from .table import Table, check_table

STANDARDIZE_METHODS = ("zscore", "minmax")
WEIGHT_METHODS = ("entropy", "critic", "cv", "equal")

__all__ = [
    "STANDARDIZE_METHODS", "WEIGHT_METHODS", "Standardized", "Weights", "CompositeIndex",
    "Topsis", "Obstacle", "standardize", "minmax", "minmax_subsets", "entropy_weights", "critic_weights",
    "cv_weights", "equal_weights", "weights", "given_weights", "composite_index", "topsis", "obstacle_degree",
]


# ----------------------------------------------------------------------------- helpers


def _frozen(a: np.ndarray) -> np.ndarray:
    """Results live in the shared cache: make them read-only."""
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def _table(data: Any, id_cols: Any, missing: Any, what: str) -> Table:
    t = check_table(data, id_cols=id_cols, missing=missing)
    t.require(min_rows=2, min_cols=1, what=what)
    t.require_variation(what)
    return t


def _dirs(directions: Any, table: Table) -> np.ndarray:
    if isinstance(directions, np.ndarray) and directions.dtype.kind in "fi":
        if directions.shape == (len(table.names),) and np.isin(directions, (1.0, -1.0)).all():
            return directions.astype(float)  # already parsed (e.g. a Weights' directions)
        directions = directions.tolist()
    return parse_directions(directions, table.names)


def _shift(shift: Any) -> float:
    return nonnegative(shift, "shift", "0.0001 or 0.01")


def _minmax_array(values: np.ndarray, dirs: np.ndarray, lo: np.ndarray | None = None,
                  hi: np.ndarray | None = None) -> np.ndarray:
    lo = values.min(axis=0) if lo is None else lo
    hi = values.max(axis=0) if hi is None else hi
    span = hi - lo
    x = values - lo
    x /= span  # in place: one 800,000-number array instead of two
    neg = dirs < 0
    if neg.any():
        x[:, neg] = (hi[neg] - values[:, neg]) / span[neg]
    return x


def _normalized(table: Table, dirs: np.ndarray) -> np.ndarray:
    """x' of the table (cached: every method of this module starts from it)."""
    key = ("composite.minmax", table.key, dirs.tobytes())
    return cached(key, lambda: _frozen(_minmax_array(table.values, dirs, table.column_min, table.column_max)))


def minmax_subsets(table: Table, directions: Any, groups: Sequence[Sequence[int]],
                   entropy: bool = False, shift: Any = 0) -> list[Table]:
    """``table.subset(cols)`` for each group of columns, each subset's x' (by its part of
    ``directions``) taken from the table's x' rather than computed again: min-max is column
    by column, so the numbers are the same, and one normalisation serves every subset
    (e.g. the subsystems of :func:`nqp_xl.panel.subindices`).  Columns side by side give a
    view of the table's x', no copy.

    With ``entropy`` (and the entropy ``shift``, blank or 0 for none) the subsets' entropy
    weights are taken from the table's too: e_j and d_j are column by column, so one pass of logarithms
    over the table serves every subset, and each subset's weights are its d_j / Σ d_j.
    If the table cannot be normalised (a constant indicator, unreadable directions) the
    subsets are answered as they are, and the method run on each names the problem."""
    subsets = [table.subset(cols) for cols in groups]
    try:
        t = _table(table, None, None, "the composite index")
        full = _dirs(directions, t)
        x = _normalized(t, full)
    except NQPError:
        return subsets
    whole = None
    if entropy:
        try:
            whole = entropy_weights(t, full, shift)
        except NQPError:  # e.g. an unreadable shift: named when each subset is weighted
            pass
    for sub, cols in zip(subsets, groups):
        cols = [int(j) for j in cols]
        if not cols:
            continue
        a, b = cols[0], cols[-1] + 1
        part = x[:, a:b] if cols == list(range(a, b)) else _frozen(x[:, cols])
        key = ("composite.minmax", sub.key, full[cols].tobytes())
        cached(key, lambda part=part: part)
        if whole is not None and len(cols) > 1:  # one column's sum is pairwise in numpy, not row by row
            e, d = whole.entropy[cols], whole.redundancy[cols]
            fields = dict(weights=_frozen(d / d.sum()), entropy=_frozen(e), redundancy=_frozen(d))
            cached(("composite.entropy", sub.key, full[cols].tobytes(), whole.shift), lambda f=fields: f)
    return subsets


# ----------------------------------------------------------------------------- standardise


@dataclass(frozen=True, eq=False)
class Standardized:
    """Standardised data: ``values`` (m × p) for the table's complete rows."""

    table: Table
    method: str
    directions: np.ndarray
    values: np.ndarray

    @property
    def names(self) -> tuple[str, ...]:
        return self.table.names

    def to_rows(self, lang: str | None = None) -> list[list]:
        """The standardised indicators beside the table, aligned with the input (names as header)."""
        return cells(self.table, self.values, list(self.names))


def standardize(data: Any, method: Any = "zscore", directions: Any = None, *,
                id_cols: Any = None, missing: Any = None) -> Standardized:
    """Standardise each indicator.

    ``method="zscore"``: z_ij = s_j (x_ij − x̄_j) / σ_j with the sample σ (n − 1, as SPSS
    DESCRIPTIVES /SAVE); a "−" indicator changes sign so that larger is always better.
    ``method="minmax"``: x' by direction (module docstring), in [0, 1].
    A constant indicator is refused (both divide by its spread).
    """
    how = choice(method, "method", STANDARDIZE_METHODS, "zscore")
    t = _table(data, id_cols, missing, "standardisation")
    dirs = _dirs(directions, t)
    if how == "minmax":
        values = _normalized(t, dirs)
    else:
        def compute() -> np.ndarray:
            v = t.values
            z = (v - v.mean(axis=0)) / v.std(axis=0, ddof=1)
            return _frozen(z * dirs)
        values = cached(("composite.zscore", t.key, dirs.tobytes()), compute)
    return Standardized(table=t, method=how, directions=dirs, values=values)


def minmax(data: Any, directions: Any = None, *, id_cols: Any = None, missing: Any = None) -> np.ndarray:
    """x' (m × p) by direction; see the module docstring."""
    return standardize(data, "minmax", directions, id_cols=id_cols, missing=missing).values


# ----------------------------------------------------------------------------- weights


@dataclass(frozen=True, eq=False)
class Weights:
    """Indicator weights and the method's intermediate figures.

    ``weights`` sums to 1.  Entropy fills ``entropy`` (e_j) and ``redundancy`` (d_j); CRITIC
    ``sigma``, ``conflict`` (Σ_k(1 − r_jk)) and ``information`` (C_j); CV ``mean``, ``sigma``
    and ``cv``.  Fields a method does not use are None.
    """

    table: Table
    method: str
    directions: np.ndarray
    weights: np.ndarray
    shift: float = 0.0
    entropy: np.ndarray | None = None
    redundancy: np.ndarray | None = None
    sigma: np.ndarray | None = None
    conflict: np.ndarray | None = None
    information: np.ndarray | None = None
    mean: np.ndarray | None = None
    cv: np.ndarray | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return self.table.names

    @cached_property
    def normalized(self) -> np.ndarray:
        """x' (unshifted) of the table, by this result's directions."""
        return _normalized(self.table, self.directions)

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.names, self.weights.tolist()))

    def to_rows(self, lang: str | None = None) -> list[list]:
        """One row per indicator: Indicator, Weight (entropy: also e_j and d_j); a header row
        when the input had one."""
        entropy = self.method == "entropy"
        cols = [self.weights] + ([self.entropy, self.redundancy] if entropy else [])
        header = ["Indicator", "Weight"] + (["Entropy e", "Redundancy d"] if entropy else [])
        return per_indicator(self.names, np.column_stack(cols), texts(header, lang) if self.table.has_header else None)


_SMALLEST = float(np.finfo(float).smallest_subnormal)


def _entropy(x: np.ndarray, shift: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = x.shape[0]
    xs = x + shift if shift else x
    total = xs.sum(axis=0)
    # Σ p ln p = Σ (x/S) ln(x/S) = (Σ x ln x)/S − ln S, S = Σ x: no m × p division, and
    # numpy's vectorised log.  0·ln 0 = 0: x' ≥ 0, and raising it to at least the smallest
    # subnormal changes only the zeros (every positive double is at least that), whose
    # ln is then finite (−744.4) and times x = 0 gives 0; one array, no mask
    xlnx = np.maximum(xs, _SMALLEST)
    np.log(xlnx, out=xlnx)
    xlnx *= xs
    e = -(xlnx.sum(axis=0) / total - np.log(total)) / math.log(m)
    d = 1.0 - e
    return e, d, d / d.sum()


def entropy_weights(data: Any, directions: Any = None, shift: Any = 0, *,
                    id_cols: Any = None, missing: Any = None) -> Weights:
    """Entropy weights: e_j, d_j = 1 − e_j, w_j = d_j/Σd on x' (+ ``shift``); module docstring."""
    t = _table(data, id_cols, missing, "the entropy method")
    dirs = _dirs(directions, t)
    s = _shift(shift)

    def compute() -> dict:
        e, d, w = _entropy(_normalized(t, dirs), s)
        return dict(weights=_frozen(w), entropy=_frozen(e), redundancy=_frozen(d))
    fields = cached(("composite.entropy", t.key, dirs.tobytes(), s), compute)
    return Weights(table=t, method="entropy", directions=dirs, shift=s, **fields)


def critic_weights(data: Any, directions: Any = None, *, id_cols: Any = None,
                   missing: Any = None) -> Weights:
    """CRITIC weights: C_j = σ_j Σ_k (1 − r_jk) on x', w_j = C_j / ΣC."""
    t = _table(data, id_cols, missing, "the CRITIC method")
    dirs = _dirs(directions, t)

    def compute() -> dict:
        x = _normalized(t, dirs)
        sigma = x.std(axis=0, ddof=1)
        if x.shape[1] == 1:
            r = np.ones((1, 1))
        else:
            r = np.corrcoef(x, rowvar=False)
        conflict = (1.0 - r).sum(axis=0)
        info = sigma * conflict
        total = info.sum()
        if not total > 0:
            # one indicator, or all indicators perfectly correlated: no conflict anywhere
            raise NQPError("CRITIC weights are undefined: the indicators are perfectly correlated "
                           "(no conflict between them); use another weighting method")
        return dict(weights=_frozen(info / total), sigma=_frozen(sigma), conflict=_frozen(conflict),
                    information=_frozen(info))
    fields = cached(("composite.critic", t.key, dirs.tobytes()), compute)
    return Weights(table=t, method="critic", directions=dirs, **fields)


def cv_weights(data: Any, directions: Any = None, *, id_cols: Any = None,
               missing: Any = None) -> Weights:
    """Coefficient-of-variation weights v_j = σ_j / x̄_j on the raw data, w_j = v_j / Σv.

    ``directions`` does not change the weights (v is direction-free); it is kept for the
    index built on them.  An indicator with a mean ≤ 0 is refused, naming it.
    """
    t = _table(data, id_cols, missing, "the coefficient of variation method")
    dirs = _dirs(directions, t)

    def compute() -> dict:
        v = t.values
        mean = v.mean(axis=0)
        bad = np.flatnonzero(mean <= 0)
        if bad.size:
            j = int(bad[0])
            raise NQPError(f'indicator "{t.names[j]}" has mean {mean[j]:.6g}; coefficient of variation '
                           "weights need indicators with a positive mean")
        sigma = v.std(axis=0, ddof=1)
        cv = sigma / mean
        return dict(weights=_frozen(cv / cv.sum()), sigma=_frozen(sigma), mean=_frozen(mean), cv=_frozen(cv))
    fields = cached(("composite.cv", t.key, dirs.tobytes()), compute)
    return Weights(table=t, method="cv", directions=dirs, **fields)


def equal_weights(data: Any, directions: Any = None, *, id_cols: Any = None,
                  missing: Any = None) -> Weights:
    """w_j = 1/p."""
    t = _table(data, id_cols, missing, "the composite index")
    dirs = _dirs(directions, t)
    p = t.values.shape[1]
    return Weights(table=t, method="equal", directions=dirs, weights=_frozen(np.full(p, 1.0 / p)))


def weights(data: Any, method: Any = "entropy", directions: Any = None, *, shift: Any = 0,
            id_cols: Any = None, missing: Any = None) -> Weights:
    """Weights by method name: "entropy" (default), "critic", "cv" or "equal"."""
    how = choice(method, "method", WEIGHT_METHODS, "entropy")
    if how == "entropy":
        return entropy_weights(data, directions, shift, id_cols=id_cols, missing=missing)
    if _shift(shift):
        raise NQPError(f'shift only applies to the entropy method, not to method="{how}"')
    fn = {"critic": critic_weights, "cv": cv_weights, "equal": equal_weights}[how]
    return fn(data, directions, id_cols=id_cols, missing=missing)


def given_weights(spec: Any, table: Table, dirs: np.ndarray) -> Weights:
    """Weights typed by the user: numbers (list, array, a row or column of cells), or a block
    that names the indicators (Indicator | Weight columns as NQP_WEIGHTS answers, or a row of
    indicator names above a row of weights), matched by name."""
    names = table.names
    p = len(names)
    if isinstance(spec, np.ndarray):
        spec = spec.tolist()
    if not isinstance(spec, (list, tuple)) or not spec:
        rows = [[spec]]
    elif not any(isinstance(c, (list, tuple)) for c in spec):
        rows = [list(spec)]  # a flat list is one row
    else:
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in spec]
    known = set(names)

    def is_name(c: Any) -> bool:
        return isinstance(c, str) and c.strip() in known

    pairs: list[tuple[Any, Any]] | None = None
    in_column = sum(map(is_name, (r[0] for r in rows))) if len(rows[0]) >= 2 else 0
    in_row = sum(map(is_name, rows[0])) if len(rows) >= 2 else 0
    if in_column and in_column >= in_row:
        pairs = [(r[0], r[1]) for r in rows]
    elif in_row:
        pairs = list(zip(rows[0], rows[1]))
    if pairs is not None:
        found = {c.strip(): v for c, v in pairs if is_name(c)}
        absent = [n for n in names if n not in found]
        if absent:
            raise NQPError(f'the weights range has no weight for indicator "{absent[0]}"'
                           f" ({len(found)} of {p} indicators found by name)")
        cells = [found[n] for n in names]
    else:
        cells = [c for c in flatten(rows) if not is_blank(c)]
        # a header cell above a column of weights is allowed
        cells = [c for c in cells if not (isinstance(c, str) and c.strip() in ("Weight", "权重", "weight"))]
    if len(cells) != p:
        raise NQPError(f"weights has {len(cells)} numbers but there are {p} indicators; "
                       'give one weight per indicator, or a method name such as "entropy"')
    w = np.empty(p)
    for j, c in enumerate(cells):
        if isinstance(c, bool) or not isinstance(c, (int, float, np.integer, np.floating)):
            raise NQPError(f'the weight of indicator "{names[j]}" is "{c}", not a number')
        w[j] = float(c)
        if not math.isfinite(w[j]) or w[j] < 0:
            raise NQPError(f'the weight of indicator "{names[j]}" is {c}; weights must be non-negative numbers')
    total = w.sum()
    if not total > 0:
        raise NQPError("the weights are all zero; give at least one positive weight")
    return Weights(table=table, method="given", directions=dirs, weights=_frozen(w / total))


def _resolve_weights(spec: Any, table: Table, dirs: np.ndarray, shift: Any) -> Weights:
    """A method name (computed), or given numbers (normalised to sum 1)."""
    if isinstance(spec, Weights):
        spec = spec.weights
    if isinstance(spec, dict):
        spec = [[str(k), v] for k, v in spec.items()]
    elif hasattr(spec, "items") and hasattr(spec, "index"):  # a pandas Series
        spec = [[str(k), v] for k, v in spec.items()] if any(str(k) in table.names for k in spec.index) \
            else list(spec.to_numpy())
    value = unwrap(spec)
    if is_blank(value) or isinstance(value, str):
        if isinstance(value, str) and value.strip().lower() not in WEIGHT_METHODS:
            raise NQPError(f'weights="{value}" is not known; use "entropy", "critic", "cv", "equal" '
                           "or one weight per indicator")
        return weights(table, value, dirs, shift=shift)
    if _shift(shift):
        raise NQPError("shift only applies to entropy weights, not to weights given as numbers")
    return given_weights(spec, table, dirs)


# ----------------------------------------------------------------------------- index, TOPSIS, obstacle


@dataclass(frozen=True, eq=False)
class CompositeIndex:
    """I_i = Σ_j w_j x'_ij for the complete rows; ``weights`` is the :class:`Weights` used."""

    table: Table
    weights: Weights
    index: np.ndarray

    @property
    def normalized(self) -> np.ndarray:
        return self.weights.normalized

    def to_rows(self, lang: str | None = None) -> list[list]:
        """The index beside the table, aligned with the input ("Index" header)."""
        return cells(self.table, self.index, texts(("Index",), lang))


def _prepare(data: Any, weights_spec: Any, directions: Any, shift: Any, id_cols: Any, missing: Any,
             what: str) -> tuple[Table, Weights]:
    t = _table(data, id_cols, missing, what)
    dirs = _dirs(directions, t)
    return t, _resolve_weights(weights_spec, t, dirs, shift)


def composite_index(data: Any, weights: Any = "entropy", directions: Any = None, *, shift: Any = 0,
                    id_cols: Any = None, missing: Any = None) -> CompositeIndex:
    """The weighted composite index Σ_j w_j x'_ij ∈ [0, 1].

    ``weights``: a method name ("entropy", "critic", "cv", "equal") or one number per
    indicator (normalised to sum 1; see the module docstring).
    """
    t, w = _prepare(data, weights, directions, shift, id_cols, missing, "the composite index")
    return CompositeIndex(table=t, weights=w, index=_frozen(w.normalized @ w.weights))


@dataclass(frozen=True, eq=False)
class Topsis:
    """TOPSIS distances and closeness for the complete rows."""

    table: Table
    weights: Weights
    d_plus: np.ndarray
    d_minus: np.ndarray
    closeness: np.ndarray

    @cached_property
    def rank(self) -> np.ndarray:
        """1 = highest closeness; ties share the better rank."""
        return rank_desc(self.closeness)

    def to_rows(self, lang: str | None = None) -> list[list]:
        """D+, D-, C and Rank beside the table, aligned with the input."""
        block = np.column_stack([self.d_plus, self.d_minus, self.closeness, self.rank])
        return cells(self.table, block, texts(("D+", "D-", "C", "Rank"), lang))


def topsis(data: Any, weights: Any = "entropy", directions: Any = None, *, shift: Any = 0,
           id_cols: Any = None, missing: Any = None) -> Topsis:
    """Entropy-weighted (by default) TOPSIS: D⁺, D⁻, C = D⁻/(D⁺ + D⁻), Rank."""
    t, w = _prepare(data, weights, directions, shift, id_cols, missing, "TOPSIS")
    # x' has column maximum exactly 1 and minimum exactly 0 (fl(hi − lo)/span = 1,
    # fl(lo − lo) = 0, and rounding is monotone, so no x' exceeds them); w ≥ 0 and
    # rounding keeps order, so v⁺_j = max_i fl(w_j x'_ij) = w_j and v⁻_j = 0 exactly:
    # no column reductions, and v itself is the one work array
    v = w.normalized * w.weights
    d_minus = np.sqrt(np.einsum("ij,ij->i", v, v))
    v -= w.weights
    d_plus = np.sqrt(np.einsum("ij,ij->i", v, v))
    total = d_plus + d_minus
    if not (total > 0).all():  # only when every weighted indicator is constant
        raise NQPError("TOPSIS is undefined: every indicator with a positive weight is constant")
    return Topsis(table=t, weights=w, d_plus=_frozen(d_plus), d_minus=_frozen(d_minus),
                  closeness=_frozen(d_minus / total))


@dataclass(frozen=True, eq=False)
class Obstacle:
    """Obstacle degree in percent (m × p); each row sums to 100 (or is all 0, see module)."""

    table: Table
    weights: Weights
    degree: np.ndarray

    def to_rows(self, lang: str | None = None) -> list[list]:
        """The obstacle degree of each indicator beside the table (indicator names as header)."""
        return cells(self.table, self.degree, list(self.table.names))


def obstacle_degree(data: Any, weights: Any = "entropy", directions: Any = None, *, shift: Any = 0,
                    id_cols: Any = None, missing: Any = None) -> Obstacle:
    """O_ij = w_j (1 − x'_ij) / Σ_k w_k (1 − x'_ik) × 100."""
    t, w = _prepare(data, weights, directions, shift, id_cols, missing, "the obstacle degree")
    gap = (1.0 - w.normalized) * w.weights
    total = gap.sum(axis=1, keepdims=True)
    safe = np.where(total > 0, total, 1.0)
    degree = np.where(total > 0, gap / safe * 100.0, 0.0)
    return Obstacle(table=t, weights=w, degree=_frozen(degree))
