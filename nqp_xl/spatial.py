"""Spatial autocorrelation: global Moran's I by year and local Moran (LISA) on a weights matrix.

Weights arrive as a square range with the region names in its first row and first column
(blank cells are 0), a pandas DataFrame with names as index and columns, or
``SpatialWeights(names, matrix)`` with a scipy.sparse matrix (thousands of counties).  Regions
are matched to ``ids`` by name: a province in any of its forms (北京/北京市/Beijing, see
:func:`nqp_xl.provinces.region_key`), other names without case and surrounding spaces.  For each
year the matrix is cut to the regions with a value (spdep's ``subset.listw``), then style "W"
divides each row by its sum; "B" uses the numbers as given.

Global Moran's I (Moran 1950; Cliff & Ord 1981), as R spdep ``moran.test``:
I = (n/S0) z'Wz / z'z, z = y - ȳ, E[I] = -1/(n-1),
S0 = Σw_ij, S1 = ½Σ(w_ij + w_ji)², S2 = Σ(w_i. + w_.i)²;
normality: Var = (n²S1 - nS2 + 3S0²)/(S0²(n²-1)) - E²;
randomisation: Var = [n((n²-3n+3)S1 - nS2 + 3S0²) - K((n²-n)S1 - 2nS2 + 6S0²)] /
((n-1)(n-2)(n-3)S0²) - E², K = nΣz⁴/(Σz²)²; z = (I - E)/√Var, P two-sided.

Local Moran (Anselin 1995), as spdep ``localmoran`` (its defaults conditional = TRUE,
mlvar = TRUE): m2 = Σz²/n, I_i = (z_i/m2) Σ_j w_ij z_j, E_i = -z_i² W_i/((n-1) m2),
Var_i = (z_i/m2)² n/(n-2) (W_i2 - W_i²/(n-1)) (m2 - z_i²/(n-1)) with W_i = Σ_j w_ij and
W_i2 = Σ_j w_ij²; z_i = (I_i - E_i)/√Var_i.  Pseudo P by conditional permutation: z_i held,
the other n - 1 values drawn without replacement into i's neighbours' places, ``permutations``
times; P = (min(#{I_perm ≥ I_i}, R - #{I_perm ≥ I_i}) + 1)/(R + 1) (PySAL esda's folded
``p_sim``, spdep's "Pr(folded) Sim").  The same seeded draws serve every region (as esda).
Quadrant: H when z_i > 0 (else L), then H when the spatial lag Σ w_ij z_j > 0: HH, LH, LL, HL.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from scipy import sparse

from .dynamics import MIN_REGIONS, KeyedValues, groups_with_gaps, key_text, keyed_values, require_ids
from .errors import NQPError
from .excel_answer import blank_nan
from .labels import text, texts
from .options import choice, whole_number
from .provinces import region_key
from .table import cell_name, is_error_value

__all__ = ["SpatialWeights", "spatial_weights", "match_regions", "subset_weights", "moran", "MoranResult",
           "local_moran", "LocalMoran", "QUADRANTS"]

QUADRANTS = ("HH", "LH", "LL", "HL")


@dataclass(frozen=True, eq=False)
class SpatialWeights:
    """Region ``names`` and an n × n sparse ``matrix`` (row i = region i's neighbours)."""

    names: tuple
    matrix: Any

    def __post_init__(self):
        m = sparse.csr_matrix(self.matrix, dtype=float)
        if m.shape[0] != m.shape[1] or m.shape[0] != len(self.names):
            raise NQPError(f"weights must be square with one name per row: {m.shape[0]} × {m.shape[1]} "
                           f"numbers for {len(self.names)} names")
        object.__setattr__(self, "matrix", m)
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))


def _name(v: Any) -> str | None:
    if v is None or isinstance(v, bool) or is_error_value(v):
        return None
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return key_text(v)
    text = str(v).strip()
    return text or None


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and math.isnan(v))


def _trimmed(rows: list) -> list:
    """The range without blank rows below it and blank columns right of it (a generous
    selection, or a defined name with room for a larger matrix)."""
    while rows and all(_blank(v) for v in rows[-1]):
        rows = rows[:-1]
    width = max((len(r) for r in rows), default=0)
    while width > 1 and all(len(r) < width or _blank(r[width - 1]) for r in rows):
        width -= 1
    return [r[:width] for r in rows]


def _from_rows(rows: list) -> SpatialWeights:
    rows = _trimmed([list(r) if isinstance(r, (list, tuple)) else [r] for r in rows])
    if not rows:
        raise NQPError("weights is empty: select the weights matrix (region names in its first row and column)")
    height, width = len(rows), max(len(r) for r in rows)
    if height != width or any(len(r) != width for r in rows):
        raise NQPError(f"weights must be a square range (region names across the first row and down the "
                       f"first column, a number for each pair); it is {height} rows by {width} columns")
    if height < 1 + MIN_REGIONS:
        raise NQPError(f"weights needs names and numbers for at least {MIN_REGIONS} regions; it is {height} × {width}")
    across = [_name(v) for v in rows[0][1:]]
    down = [_name(r[0]) for r in rows[1:]]
    for label, names, where in (("first row", across, lambda j: (0, j + 1)), ("first column", down, lambda i: (i + 1, 0))):
        blank = next((i for i, n in enumerate(names) if n is None), None)
        if blank is not None:
            raise NQPError(f"weights: the name in the {label} at {cell_name(*where(blank))} is blank; "
                           "the first row and column must hold the region names")
    key_down = [region_key(n) for n in down]
    key_across = [region_key(n) for n in across]
    dup = _first_duplicate(key_down)
    if dup is not None:
        raise NQPError(f'weights: region "{down[dup]}" appears twice down the first column')
    pos = {k: i for i, k in enumerate(key_down)}
    only = [across[j] for j, k in enumerate(key_across) if k not in pos]
    if only or len(set(key_across)) != len(key_across):
        missing = [down[i] for i, k in enumerate(key_down) if k not in set(key_across)]
        what = (f'"{only[0]}" is in the first row only' if only else f'"{missing[0]}" is in the first column only'
                if missing else "a name appears twice in the first row")
        raise NQPError(f"weights: the names across the first row and down the first column differ ({what}); "
                       "both must list the same regions")
    order = np.array([pos[k] for k in key_across])
    body = [r[1:] for r in rows[1:]]
    kinds = set()
    for r in body:
        kinds.update(map(type, r))
    if kinds <= {float, type(None)}:  # as Excel sends numbers and blanks: convert in one go
        values = np.array(body, dtype=float)
        values[np.isnan(values)] = 0.0
    else:
        values = np.zeros((height - 1, width - 1))
        for i, r in enumerate(body):
            for j, v in enumerate(r):
                if v is None or (isinstance(v, str) and not v.strip()):
                    continue
                if isinstance(v, bool) or not isinstance(v, (int, float)) or is_error_value(v):
                    raise NQPError(f'weights: the cell for "{down[i]}" and "{across[j]}" ({cell_name(i + 1, j + 1)}) '
                                   f'holds "{v}"; give a number (blank = 0)')
                values[i, j] = float(v)
    values = values[:, np.argsort(order)]
    return SpatialWeights(tuple(down), sparse.csr_matrix(values))


def _first_duplicate(keys: Sequence) -> int | None:
    seen = set()
    for i, k in enumerate(keys):
        if k in seen:
            return i
        seen.add(k)
    return None


def spatial_weights(weights: Any) -> SpatialWeights:
    """Weights from a range (names in the first row and column), a DataFrame or a SpatialWeights,
    checked: finite, not negative, nothing on the diagonal."""
    if weights is None:
        raise NQPError("weights is empty: select the weights matrix (region names in its first row and column)")
    if isinstance(weights, SpatialWeights):
        w = weights
    else:
        try:
            import pandas as pd  # 0.3 s of start-up (-X importtime), paid only here
        except ImportError:  # pragma: no cover
            pd = None
        if pd is not None and isinstance(weights, pd.DataFrame):
            rows = [[""] + [str(c) for c in weights.columns]]
            rows += [[str(i)] + row for i, row in zip(weights.index, weights.to_numpy(dtype=float).tolist())]
            w = _from_rows(rows)
        elif isinstance(weights, (list, tuple)) and len(weights) == 2 and (
                sparse.issparse(weights[1]) or isinstance(weights[1], np.ndarray)):
            w = SpatialWeights(tuple(weights[0]), weights[1])
        elif isinstance(weights, (list, tuple, np.ndarray)):
            w = _from_rows(list(weights))
        else:
            raise NQPError("weights must be a square range with the region names in its first row and column")
    data = w.matrix.data
    if data.size and not np.isfinite(data).all():
        raise NQPError("weights holds a value that is not a finite number")
    if data.size and data.min() < 0:
        coo = w.matrix.tocoo()
        k = int(np.argmin(coo.data))
        raise NQPError(f'weights: the weight of "{w.names[coo.row[k]]}" on "{w.names[coo.col[k]]}" is '
                       f"{coo.data[k]:.10g}; weights must be 0 or more")
    diag = w.matrix.diagonal()
    if diag.any():
        i = int(np.flatnonzero(diag)[0])
        raise NQPError(f'weights: "{w.names[i]}" has weight {diag[i]:.10g} on itself; the diagonal must be 0 or blank')
    return w


def match_regions(ids: Sequence[Any], w: SpatialWeights) -> np.ndarray:
    """The weights row of each id, matched by name (any form of a province's name)."""
    exact = {str(n).strip().casefold(): i for i, n in enumerate(w.names)}
    keyed: dict[str, int] = {}
    for i, n in enumerate(w.names):
        keyed.setdefault(region_key(n), i)
    out = np.empty(len(ids), dtype=np.intp)
    memo: dict = {}
    unmatched: list[str] = []
    for r, name in enumerate(ids):
        if name in memo:
            out[r] = memo[name]
            continue
        text = key_text(name)
        pos = exact.get(text.strip().casefold())
        if pos is None:
            pos = keyed.get(region_key(text), -1)
        if pos < 0 and text not in unmatched:
            unmatched.append(text)
        memo[name] = out[r] = pos
    if unmatched:
        shown = ", ".join(f'"{u}"' for u in unmatched[:3]) + (f" and {len(unmatched) - 3} more" if len(unmatched) > 3 else "")
        sample = ", ".join(w.names[:3])
        raise NQPError(f"{len(unmatched)} region(s) are not in the weights matrix: {shown}; its first row and column "
                       f"hold {len(w.names)} names such as {sample}: paste a matrix with every region")
    return out


def subset_weights(w: SpatialWeights, idx: np.ndarray, style: str, where: str) -> sparse.csr_matrix:
    """The weights among the regions ``idx`` (in that order), row-standardised for style W."""
    sub = w.matrix[idx][:, idx].tocsr()
    sums = np.asarray(sub.sum(axis=1)).ravel()
    lonely = np.flatnonzero(sums == 0)
    if lonely.size:
        name = w.names[idx[lonely[0]]]
        extra = f"; {lonely.size - 1} more too" if lonely.size > 1 else ""
        how = 'style "W" cannot row-standardise it' if style == "W" else "its spatial lag is undefined"
        raise NQPError(f'region "{name}" has no neighbours in the weights matrix among the regions{where}'
                       f"{extra}; {how}: give it a neighbour (e.g. link an island to the nearest region) or leave it out")
    if style == "W":
        sub = sparse.diags(1.0 / sums) @ sub
    return sub.tocsr()


def _style(style: Any) -> str:
    return choice(style, "style", ("w", "b"), "w").upper()


# ----------------------------------------------------------------------------- global Moran's I


@dataclass(frozen=True, eq=False)
class MoranResult:
    """Per group (year): Moran's ``I``, ``expected``, ``variance``, ``z`` and two-sided ``p``."""

    groups: list
    n: np.ndarray
    I: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    z: np.ndarray
    p: np.ndarray
    assumption: str
    by_header: str = ""

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Header By (or the by column's header), I, E[I], Var[I], z, P; one row per group."""
        header = [self.by_header or text("By", lang), *texts(("I", "E[I]", "Var[I]", "z", "P"), lang)]
        block = np.column_stack([self.I, self.expected, self.variance, self.z, self.p])
        # a by value without any value (a gap) is a blank row
        return [header] + [[g, *blank_nan(row)] for g, row in zip(self.groups, block)]


def moran_statistics(y: np.ndarray, W: sparse.csr_matrix, randomisation: bool) -> tuple[float, float, float]:
    """Moran's I, E[I] and Var[I] as spdep ``moran.test`` for values y on weights W."""
    n = y.size
    z = y - y.mean()
    zz = float(z @ z)
    if zz == 0:
        raise NQPError(f"Moran's I needs variation; every value is {y[0]:.10g}")
    S0 = float(W.sum())
    I = n / S0 * float(z @ (W @ z)) / zz
    sym = W + W.T
    S1 = 0.5 * float(sym.multiply(sym).sum())
    S2 = float(((np.asarray(W.sum(axis=1)).ravel() + np.asarray(W.sum(axis=0)).ravel()) ** 2).sum())
    E = -1.0 / (n - 1)
    S02 = S0 * S0
    if randomisation:
        K = n * float((z ** 4).sum()) / zz ** 2
        V = n * (S1 * (n * n - 3 * n + 3) - n * S2 + 3 * S02) - K * (S1 * (n * n - n) - 2 * n * S2 + 6 * S02)
        V = V / ((n - 1) * (n - 2) * (n - 3) * S02) - E * E
    else:
        V = (n * n * S1 - n * S2 + 3 * S02) / (S02 * (n * n - 1)) - E * E
    return I, E, V


def moran(values: Any, ids: Any, weights: Any, by: Any = None, assumption: Any = "randomization",
          style: Any = "W", id_cols: Any = None, missing: Any = None) -> MoranResult:
    """Global Moran's I of ``values`` for each ``by`` group (e.g. year)."""
    from scipy.special import ndtr  # norm.sf(x) is ndtr(-x) in scipy.stats, without its import time

    how = choice(assumption, "assumption", ("randomization", "randomisation", "normality", "normal"), "randomization")
    randomisation = how.startswith("random")
    st = _style(style)
    w = spatial_weights(weights)
    kv = keyed_values(values, id_cols, missing, what="Moran's I", ids=ids, by=by)
    require_ids(kv, "Moran's I", "to find it in the weights matrix")
    if kv.y.size == 0:
        raise NQPError("Moran's I needs values; no row has both a value and a region")
    pos = match_regions(kv.keys["ids"], w)
    if by is not None:
        groups, codes = groups_with_gaps(kv, "by")
    else:
        groups, codes = [None], np.zeros(kv.y.size, dtype=np.intp)
    out = np.full((len(groups), 5), np.nan)  # a by value without any value: a blank row (a gap)
    counts = np.zeros(len(groups), dtype=np.intp)
    for g, key in enumerate(groups):
        rows = np.flatnonzero(codes == g)
        if rows.size == 0 and by is not None:
            continue
        where = f" in {key_text(key)}" if key is not None else ""
        if rows.size < MIN_REGIONS + 1:
            raise NQPError(f"Moran's I needs at least {MIN_REGIONS + 1} regions with a value{where}; "
                           f"there {'is' if rows.size == 1 else 'are'} {rows.size}")
        idx = pos[rows]
        dup = _first_duplicate(idx.tolist())
        if dup is not None:
            raise NQPError(f'region "{w.names[idx[dup]]}" appears twice{where}; '
                           "give one value per region (and a by column for several years)")
        W = subset_weights(w, idx, st, f" with a value{where}")
        I, E, V = moran_statistics(kv.y[rows], W, randomisation)
        if not V > 0:
            raise NQPError(f"Moran's I{where}: the variance under {how} is {V:.4g} (the values are too "
                           "concentrated for this test); try assumption=\"normality\"")
        zval = (I - E) / math.sqrt(V)
        out[g] = (I, E, V, zval, 2 * float(ndtr(-abs(zval))))
        counts[g] = rows.size
    return MoranResult(groups=groups, n=counts, I=out[:, 0], expected=out[:, 1], variance=out[:, 2],
                       z=out[:, 3], p=out[:, 4], assumption="randomisation" if randomisation else "normality",
                       by_header=kv.headers.get("by", ""))


# ----------------------------------------------------------------------------- local Moran (LISA)


@dataclass(frozen=True, eq=False)
class LocalMoran:
    """Per kept row (``keyed.rows``): ``Ii``, ``z`` (NaN where Var_i = 0), pseudo ``p``,
    ``quadrant`` (0..3 into QUADRANTS) and the ``lag`` Σ w_ij z_j."""

    keyed: KeyedValues
    Ii: np.ndarray
    expected: np.ndarray
    variance: np.ndarray
    z: np.ndarray
    p: np.ndarray
    quadrant: np.ndarray
    lag: np.ndarray

    def quadrant_names(self) -> list[str]:
        return [QUADRANTS[q] for q in self.quadrant]

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Ii, z (blank where Var_i = 0), Pseudo P and Quadrant beside the values, aligned with the input."""
        rows = [list(r) for r in zip(self.Ii.tolist(), blank_nan(self.z), self.p.tolist(), self.quadrant_names())]
        return self.keyed.aligned(rows, texts(("Ii", "z", "Pseudo P", "Quadrant"), lang))


def local_moran(values: Any, ids: Any, weights: Any, permutations: Any = 999, seed: Any = 1,
                style: Any = "W", id_cols: Any = None, missing: Any = None) -> LocalMoran:
    """Local Moran's I_i of one cross-section with conditional-permutation pseudo p-values."""
    R = whole_number(permutations, "permutations", low=9, high=99_999, default=999)
    s = whole_number(seed, "seed", low=0, default=1)
    st = _style(style)
    w = spatial_weights(weights)
    kv = keyed_values(values, id_cols, missing, what="LISA", ids=ids)
    require_ids(kv, "LISA", "to find it in the weights matrix")
    n = kv.y.size
    if n < MIN_REGIONS + 1:
        raise NQPError(f"LISA needs at least {MIN_REGIONS + 1} regions with a value; there {'is' if n == 1 else 'are'} {n}")
    idx = match_regions(kv.keys["ids"], w)
    dup = _first_duplicate(idx.tolist())
    if dup is not None:
        raise NQPError(f'region "{w.names[idx[dup]]}" appears twice; LISA takes one year: '
                       "select it first (e.g. NQP_SELECT(data, \"year\", 2023))")
    W = subset_weights(w, idx, st, " with a value")
    y = kv.y
    z = y - y.mean()
    m2 = float(z @ z) / n
    if m2 == 0:
        raise NQPError(f"LISA needs variation; every value is {y[0]:.10g}")
    lag = W @ z
    Ii = z / m2 * lag
    Wi = np.asarray(W.sum(axis=1)).ravel()
    Wi2 = np.asarray(W.multiply(W).sum(axis=1)).ravel()
    E = -(z * z * Wi) / ((n - 1) * m2)
    V = (z / m2) ** 2 * (n / (n - 2)) * (Wi2 - Wi * Wi / (n - 1)) * (m2 - z * z / (n - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        zi = np.where(V > 0, (Ii - E) / np.sqrt(np.where(V > 0, V, 1.0)), np.nan)
    p = _permutation_p(z, W, Ii, m2, R, s)
    quadrant = np.where(z > 0, np.where(lag > 0, 0, 3), np.where(lag > 0, 1, 2))
    return LocalMoran(keyed=kv, Ii=Ii, expected=E, variance=V, z=zi, p=p, quadrant=quadrant, lag=lag)


def _permutation_p(z: np.ndarray, W: sparse.csr_matrix, Ii: np.ndarray, m2: float, R: int, seed: int) -> np.ndarray:
    """Folded pseudo p-values of I_i under conditional permutation (draws shared by all i),
    drawn in chunks of permutations so that memory stays bounded (~8 MB of keys a chunk)."""
    n = z.size
    kmax = int(np.diff(W.indptr).max())
    rng = np.random.default_rng(seed)
    larger = np.zeros(n, dtype=np.int64)
    chunk = max(1, min(R, 1_000_000 // (n - 1)))
    done = 0
    while done < R:
        size = min(chunk, R - done)
        keys = rng.random((size, n - 1))
        if kmax < n - 1:
            pick = np.argpartition(keys, kmax - 1, axis=1)[:, :kmax]
        else:
            pick = np.broadcast_to(np.arange(n - 1), (size, n - 1))
        # a uniformly random order among the picked values (weights may differ within a row)
        order = np.argsort(np.take_along_axis(keys, pick, axis=1), axis=1)
        pick = np.take_along_axis(pick, order, axis=1)
        for i in range(n):
            lo, hi = W.indptr[i], W.indptr[i + 1]
            cand = pick[:, : hi - lo]
            others = cand + (cand >= i)  # skip i itself: draws come from the other n - 1 values
            sims = z[i] / m2 * (z[others] @ W.data[lo:hi])
            larger[i] += int((sims >= Ii[i]).sum())
        done += size
    return (np.minimum(larger, R - larger) + 1) / (R + 1)
