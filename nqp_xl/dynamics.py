"""Dynamic evolution of a regional indicator: kernel density by year, σ- and β-convergence,
and Markov transition matrices between quantile classes.

Every function takes one column of ``values`` (through :func:`nqp_xl.table.check_table`) and
beside it aligned columns (one cell per data row; a header cell when ``values`` has one):
``by`` (any key, e.g. the year), ``ids`` (the region) and ``years`` (numbers).  A row whose
value, id or year is blank drops out (listwise).  pandas Series work as well as ranges.

* Kernel density (R ``density`` with the Gaussian kernel, evaluated exactly, not FFT-binned):
  f(x) = (1/(n h)) Σ_i φ((x - x_i)/h) on a common grid of ``points`` values from
  min_g(min x - 3h_g) to max_g(max x + 3h_g) (R's ``cut = 3``).  Bandwidths: "nrd0"
  (R ``bw.nrd0``, Silverman's rule) h = 0.9 min(s, IQR/1.34) n^(-1/5), falling back to s,
  then |x_1|, then 1 when that is 0; "scott" (R ``bw.nrd``, Scott 1992) h = 1.06 min(s,
  IQR/1.34) n^(-1/5); IQR from type-7 quantiles; s the sample standard deviation (n - 1).
* σ-convergence: per year N, mean, s (n - 1) and CV = s/mean.
* absolute β-convergence (Barro & Sala-i-Martin 1992): (ln y_iT - ln y_i0)/T = α + β ln y_i0
  + ε by OLS over the regions observed in the first and last year (T their difference);
  speed λ = -ln(1 + βT)/T and half-life ln 2/λ when β < 0 (and 1 + βT > 0).
* Markov chain (Quah 1993): classes are the k type-7 quantile intervals of all values
  (right-closed, the lowest value in class 1, as R ``cut(x, quantile(x, 0:k/k),
  include.lowest = TRUE)``); P_ab = n_ab / n_a over each region's one-year moves, from year y
  to year y + 1 (years are numbers): a region missing in a year breaks its chain there, and a
  year missing for every region breaks every chain (2016 -> 2018 is not a step).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from .errors import NQPError
from .excel_answer import blank_nan
from .labels import text, texts
from .options import flatten, whole_number
from .columns import key_cells as flat_cells, key_text, one_column_table
from .table import Table, is_error_value

__all__ = [
    "KeyedValues", "keyed_values", "key_cells", "sort_keys", "require_ids", "groups_with_gaps",
    "bandwidth", "kernel_density", "KernelDensity",
    "sigma_convergence", "beta_convergence", "SigmaConvergence", "BetaConvergence",
    "markov", "Markov", "quantile_classes", "one_year_steps", "matrix_rows", "MIN_REGIONS",
]

MIN_REGIONS = 3
"""Cross-sections (one year) with fewer regions are refused: no dispersion, no test."""


# ----------------------------------------------------------------------------- aligned key columns


def key_cells(arg: Any, table: Table, what: str, from_range: bool) -> list:
    """The cells of an aligned argument (one column) for each input data row of ``table``;
    a header cell beside the values' header is skipped."""
    cells = flat_cells(arg, what)
    height = table.n_rows + (1 if table.has_header else 0)
    if from_range and table.has_header and len(cells) == height:
        return cells[1:]
    if len(cells) == table.n_rows:
        return cells
    raise NQPError(f"{what} has {len(cells)} cells but values has {height if from_range else table.n_rows} rows; "
                   "select ranges of the same height, side by side")


def _key(v: Any, numeric_text: bool = True) -> Any:
    """A cell as a key: a float for numbers (and numeric text when ``numeric_text``: years typed
    as text), stripped text, None if blank."""
    if type(v) is float:  # most cells
        return None if v != v else v
    if v is None or isinstance(v, bool) or is_error_value(v):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
        return None if math.isnan(x) else x
    text = str(v).strip()
    if not text or not numeric_text:
        return text or None
    try:
        return float(text)
    except ValueError:
        return text


def sort_keys(keys: Sequence[Any]) -> list:
    """Numbers ascending, then texts ascending."""
    nums = sorted(k for k in keys if isinstance(k, float))
    texts = sorted(k for k in keys if isinstance(k, str))
    return nums + texts



@dataclass(frozen=True, eq=False)
class KeyedValues:
    """One column of values with its aligned keys, complete rows only.

    ``rows`` are the input data rows (0-based) kept; ``keys[name]`` the keys of those rows.
    """

    y: np.ndarray
    rows: np.ndarray
    keys: dict
    table: Table
    headers: dict = field(default_factory=dict)
    every_key: dict = field(default_factory=dict)  # name -> distinct keys of every row, blank values too

    def aligned(self, rows: list, header: Sequence[str]) -> list[list]:
        """Rows placed beside the input: a header row when the values had one, then one row per
        input data row, blank (``None``) where the row was left out."""
        width = len(header)
        out = [list(header)] if self.table.has_header else []
        body = [[None] * width for _ in range(self.table.n_rows)]
        for r, row in zip(self.rows.tolist(), rows):
            body[r] = row
        return out + body


def keyed_values(values: Any, id_cols: Any = None, missing: Any = None, *, what: str,
                 **aligned: Any) -> KeyedValues:
    """Validate ``values`` (one numeric column) and line each aligned argument up with it.

    ``aligned`` maps a name ("by", "ids", "years") to its argument (``None``: absent).
    "years" must hold numbers."""
    table = one_column_table(values, id_cols, missing, f"select the one indicator for {what}")
    from_range = isinstance(values, (list, tuple))
    strict = missing is not None and str(missing).strip().lower() == "error"
    keep = table.keep.copy()
    keys_all: dict[str, list] = {}
    headers: dict[str, str] = {}
    for name, arg in aligned.items():
        given = arg is not None
        if not given and name == "ids" and table.labels:
            cells = [lab[0] for lab in table.labels]  # no ids given: the values' first label column
        elif not given:
            continue
        else:
            cells = key_cells(arg, table, name, from_range)
        keys = [_key(c, numeric_text=name != "ids") for c in cells]
        if name == "years":
            bad = next((i for i, k in enumerate(keys) if isinstance(k, str)), None)
            if bad is not None:
                raise NQPError(f'years must be numbers; "{keys[bad]}" (row {table.first_row + bad + 1} '
                               "of the years range) is text")
        if strict:
            blank = next((i for i, k in enumerate(keys) if k is None), None)
            if blank is not None:
                raise NQPError(f"{name} is blank for {table.row_names[blank]} (row {table.first_row + blank + 1} "
                               f'of the {name} range); fill it in, or leave missing="listwise" to skip the row')
        keep &= np.fromiter((k is not None for k in keys), dtype=bool, count=len(keys))
        keys_all[name] = keys
        if given and from_range and isinstance(arg, (list, tuple)) and table.has_header:
            head = _key(key_cells_header(arg))
            headers[name] = key_text(head) if head is not None else ""
        elif getattr(arg, "name", None) is not None:
            headers[name] = str(arg.name)
    rows = np.flatnonzero(keep)
    y = table.values[np.searchsorted(np.flatnonzero(table.keep), rows), 0]
    kept = {name: [keys[i] for i in rows] for name, keys in keys_all.items()}
    every = {name: sort_keys({k for k in keys if k is not None}) for name, keys in keys_all.items()}
    return KeyedValues(y=np.ascontiguousarray(y, dtype=float), rows=rows, keys=kept, table=table, headers=headers,
                       every_key=every)


def groups_with_gaps(kv: KeyedValues, name: str) -> tuple[list, np.ndarray]:
    """Like :func:`groups_of` for ``kv.keys[name]``, but the groups are every key of the column,
    also those whose rows all lack a value (a year with blank data): such a group has no rows, so
    a table by year keeps its row (blank) and a chart over the years leaves a gap there."""
    order = kv.every_key.get(name) or sort_keys(set(kv.keys[name]))
    pos = {k: g for g, k in enumerate(order)}
    return order, np.fromiter((pos[k] for k in kv.keys[name]), dtype=np.intp, count=len(kv.keys[name]))


def key_cells_header(arg: Any) -> Any:
    """The first cell of a one-column (or one-row) range."""
    first = arg[0]
    return first[0] if isinstance(first, (list, tuple)) else first


def groups_of(keys: Sequence[Any]) -> tuple[list, np.ndarray]:
    """Distinct keys sorted (numbers ascending, then texts) and each row's group number."""
    order = sort_keys(set(keys))
    pos = {k: g for g, k in enumerate(order)}
    return order, np.fromiter((pos[k] for k in keys), dtype=np.intp, count=len(keys))


def require_ids(kv: KeyedValues, what: str, why: str) -> None:
    """Refuse a call without region ids (neither an ids range nor a label column in values)."""
    if "ids" not in kv.keys:
        raise NQPError(f"{what} needs the ids column (the region of each row, beside the values) {why}")


def _require_regions(count: int, group: Any, what: str) -> None:
    if count < MIN_REGIONS:
        where = f"in {key_text(group)} " if group is not None else ""
        raise NQPError(f"{what} needs at least {MIN_REGIONS} regions {where}with a value; there "
                       f"{'is' if count == 1 else 'are'} {count}")


def unique_pairs(kv: KeyedValues) -> None:
    """Refuse a region that appears twice in one year."""
    seen: dict = {}
    for i, pair in enumerate(zip(kv.keys["ids"], kv.keys["years"])):
        if pair in seen:
            raise NQPError(f'region "{key_text(pair[0])}" appears twice in {key_text(pair[1])} '
                           f"(data rows {int(kv.rows[seen[pair]]) + 1} and {int(kv.rows[i]) + 1}); "
                           "each region needs one value per year")
        seen[pair] = i


# ----------------------------------------------------------------------------- kernel density


def _quartiles(x: np.ndarray) -> tuple[float, float]:
    q1, q3 = np.quantile(x, [0.25, 0.75])  # numpy's default "linear" = R type 7
    return float(q1), float(q3)


def bandwidth(x: Any, rule: Any = "nrd0") -> float:
    """The Gaussian kernel bandwidth of R's ``bw.nrd0`` ("nrd0"), ``bw.nrd`` ("scott") or a
    given positive number."""
    x = np.asarray(x, dtype=float)
    if isinstance(rule, (int, float)) and not isinstance(rule, bool):
        h = float(rule)
        if not math.isfinite(h) or h <= 0:
            raise NQPError(f"bandwidth={rule:g} must be a positive number, \"nrd0\" or \"scott\"")
        return h
    n = x.size
    s = float(np.std(x, ddof=1))
    q1, q3 = _quartiles(x)
    lo = min(s, (q3 - q1) / 1.34)
    if rule == "scott":
        h = 1.06 * lo * n ** (-0.2)
        if h <= 0:
            raise NQPError('bandwidth "scott" is 0 (half the values or more are equal); use "nrd0" or a number')
        return h
    if not lo:
        lo = s or abs(float(x[0])) or 1.0
    return 0.9 * lo * n ** (-0.2)


@dataclass(frozen=True, eq=False)
class KernelDensity:
    """Density curves of each group on one grid: ``grid`` (points,), ``density`` (points, groups)."""

    groups: list
    grid: np.ndarray
    density: np.ndarray
    bandwidths: np.ndarray
    counts: np.ndarray
    by_header: str = ""

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Header x, then each group (or Density without groups); one row per grid point."""
        heads = [text("Density", lang)] if self.groups == [None] else list(self.groups)
        return [[text("x", lang), *heads]] + np.column_stack([self.grid, self.density]).tolist()


def _bandwidth_rule(value: Any) -> Any:
    cells = flatten(value)
    value = cells[0] if len(cells) == 1 else value
    if value is None or (isinstance(value, str) and not value.strip()):
        return "nrd0"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip().lower()
    try:
        return float(text)
    except ValueError:
        pass
    if text in ("nrd", "scott"):
        return "scott"
    if text in ("nrd0", "silverman"):
        return "nrd0"
    raise NQPError(f'bandwidth="{value}" is not known; use "nrd0", "scott" or a positive number')


def kernel_density(values: Any, by: Any = None, points: Any = 100, bw: Any = "nrd0",
                   id_cols: Any = None, missing: Any = None) -> KernelDensity:
    """Gaussian kernel density of ``values`` for each ``by`` group, on one common grid."""
    n_points = whole_number(points, "points", low=2, high=10_000, default=100)
    rule = _bandwidth_rule(bw)
    kv = keyed_values(values, id_cols, missing, what="the kernel density", by=by)
    keys = kv.keys.get("by", [None] * kv.y.size)
    if by is not None:
        groups, codes = groups_of(keys)
    else:
        groups, codes = [None], np.zeros(kv.y.size, dtype=np.intp)
    samples = [kv.y[codes == g] for g in range(len(groups))]
    if not samples or kv.y.size == 0:
        raise NQPError("the kernel density needs values; every row is blank")
    for g, x in zip(groups, samples):
        _require_regions(x.size, g, "the kernel density")
    h = np.array([bandwidth(x, rule) for x in samples])
    lo = min(float(x.min()) - 3 * hg for x, hg in zip(samples, h))
    hi = max(float(x.max()) + 3 * hg for x, hg in zip(samples, h))
    grid = np.linspace(lo, hi, n_points)
    dens = np.empty((n_points, len(groups)))
    for g, (x, hg) in enumerate(zip(samples, h)):
        u = (grid[:, None] - x[None, :]) / hg
        dens[:, g] = np.exp(-0.5 * u * u).sum(axis=1) / (x.size * hg * math.sqrt(2 * math.pi))
    return KernelDensity(groups=groups, grid=grid, density=dens, bandwidths=h,
                         counts=np.array([x.size for x in samples]), by_header=kv.headers.get("by", ""))


# ----------------------------------------------------------------------------- convergence


@dataclass(frozen=True, eq=False)
class SigmaConvergence:
    """Per year: ``years``, ``n``, ``mean``, ``sd`` (n - 1) and ``cv`` = sd/mean (NaN if mean 0)."""

    years: list
    n: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    cv: np.ndarray

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Header Year, N, Mean, Std. Dev., CV; one row per year (CV blank when the mean is 0)."""
        # a year without any value (a gap) has N = 0 and blank figures
        block = zip(self.years, self.n.tolist(), blank_nan(self.mean), blank_nan(self.sd), blank_nan(self.cv))
        return [texts(("Year", "N", "Mean", "Std. Dev.", "CV"), lang)] + [[y, float(n), m, s, c]
                                                                          for y, n, m, s, c in block]


def _panel(values, ids, years, id_cols, missing, what: str) -> KeyedValues:
    if years is None:
        raise NQPError(f"{what} needs the years column (one year per row, beside the values)")
    kv = keyed_values(values, id_cols, missing, what=what, ids=ids, years=years)
    if kv.y.size == 0:
        raise NQPError(f"{what} needs values; no row has a value, a region and a year")
    if "ids" in kv.keys:
        unique_pairs(kv)
    return kv


def sigma_convergence(values: Any, ids: Any = None, years: Any = None,
                      id_cols: Any = None, missing: Any = None) -> SigmaConvergence:
    """σ-convergence: the dispersion of ``values`` across regions in each year."""
    kv = _panel(values, ids, years, id_cols, missing, "σ-convergence")
    order, codes = groups_with_gaps(kv, "years")
    n = np.bincount(codes, minlength=len(order))
    for yr, c in zip(order, n):
        if c:  # a year without any value stays as a blank row (a gap, not a join, in the chart)
            _require_regions(int(c), yr, "σ-convergence")
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(codes, weights=kv.y, minlength=len(order)) / n
        dev = kv.y - mean[codes]
        sd = np.sqrt(np.bincount(codes, weights=dev * dev, minlength=len(order)) / (n - 1))
    sd[n == 0] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(mean != 0, sd / np.where(mean != 0, mean, 1.0), np.nan)
    return SigmaConvergence(years=order, n=n, mean=mean, sd=sd, cv=cv)


@dataclass(frozen=True, eq=False)
class BetaConvergence:
    """Absolute β-convergence between ``first`` and ``last`` year (T = last - first)."""

    beta: float
    alpha: float
    se: float
    t: float
    p: float
    r2: float
    n: int
    first: float
    last: float

    @property
    def span(self) -> float:
        return self.last - self.first

    @cached_property
    def speed(self) -> float | None:
        """λ = -ln(1 + βT)/T, None unless β < 0 and 1 + βT > 0."""
        arg = 1 + self.beta * self.span
        return -math.log(arg) / self.span if self.beta < 0 and arg > 0 else None

    @property
    def half_life(self) -> float | None:
        return math.log(2) / self.speed if self.speed else None

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Statistic, Value: β, its Std. Err., t, P, R², N, speed and half-life (blank unless β < 0)."""
        stats = (("β", self.beta), ("Std. Err.", self.se), ("t", self.t), ("P>|t|", self.p),
                 ("R-squared", None if np.isnan(self.r2) else self.r2), ("N", float(self.n)),
                 ("Speed λ", self.speed), ("Half-life", self.half_life))
        return [texts(("Statistic", "Value"), lang)] + [[text(k, lang), v] for k, v in stats]


def beta_convergence(values: Any, ids: Any, years: Any,
                     id_cols: Any = None, missing: Any = None) -> BetaConvergence:
    """Absolute β-convergence by OLS of the mean log growth on the initial log level."""
    from scipy.special import stdtr  # t.sf(x, df) is stdtr(df, -x) in scipy.stats, without its import time

    kv = _panel(values, ids, years, id_cols, missing, "β-convergence")
    require_ids(kv, "β-convergence", "to pair first and last years")
    yrs = np.array(kv.keys["years"], dtype=float)
    first, last = float(yrs.min()), float(yrs.max())
    if first == last:
        raise NQPError(f"β-convergence needs two or more years; every row is {key_text(first)}")
    ids_k = kv.keys["ids"]
    start = {ids_k[i]: i for i in np.flatnonzero(yrs == first)}
    end = {ids_k[i]: i for i in np.flatnonzero(yrs == last)}
    both = [r for r in start if r in end]
    _require_regions(len(both), None, f"β-convergence (regions observed in both {key_text(first)} and {key_text(last)})")
    i0 = np.array([start[r] for r in both])
    i1 = np.array([end[r] for r in both])
    for idx in (i0, i1):
        bad = np.flatnonzero(kv.y[idx] <= 0)
        if bad.size:
            i = int(idx[bad[0]])
            raise NQPError(f'β-convergence takes logarithms: region "{key_text(ids_k[i])}" has '
                           f"{kv.y[i]:.10g} in {key_text(kv.keys['years'][i])}; every value must be positive")
    x = np.log(kv.y[i0])
    g = (np.log(kv.y[i1]) - x) / (last - first)
    n = x.size
    xc = x - x.mean()
    sxx = float(xc @ xc)
    if sxx == 0:
        raise NQPError(f"β-convergence needs different initial levels; every region has {kv.y[i0[0]]:.10g} "
                       f"in {key_text(first)}")
    beta = float(xc @ (g - g.mean())) / sxx
    alpha = float(g.mean() - beta * x.mean())
    resid = g - alpha - beta * x
    rss = float(resid @ resid)
    tss = float(((g - g.mean()) ** 2).sum())
    se = math.sqrt(rss / (n - 2) / sxx)
    t = beta / se
    p = float(2 * stdtr(n - 2, -abs(t)))
    r2 = 1 - rss / tss if tss > 0 else float("nan")
    return BetaConvergence(beta=beta, alpha=alpha, se=se, t=t, p=p, r2=r2, n=n, first=first, last=last)


# ----------------------------------------------------------------------------- Markov chain


@dataclass(frozen=True, eq=False)
class Markov:
    """Transition ``counts`` (k × k), ``probabilities`` (NaN for a class never left) and the
    class ``bounds`` (k + 1 type-7 quantiles of all values)."""

    counts: np.ndarray
    bounds: np.ndarray

    @property
    def k(self) -> int:
        return self.counts.shape[0]

    @property
    def n(self) -> np.ndarray:
        return self.counts.sum(axis=1)

    @cached_property
    def probabilities(self) -> np.ndarray:
        n = self.n[:, None].astype(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, self.counts / np.where(n > 0, n, 1.0), np.nan)

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Header (Class, 1..k, N), one row per class (probabilities to classes 1..k, blank for
        a class never left, and N), then the lower and upper class bounds."""
        classes = [float(c) for c in range(1, self.k + 1)]
        rows = [[text("Class", lang)] + classes + [text("N", lang)]]
        rows += matrix_rows(self.probabilities, self.n, classes)
        rows.append([text("Lower bound", lang)] + self.bounds[:-1].tolist() + [None])
        rows.append([text("Upper bound", lang)] + self.bounds[1:].tolist() + [None])
        return rows


def matrix_rows(probabilities: np.ndarray, n: np.ndarray, classes: list) -> list[list]:
    """One row per class: the class, its transition probabilities (None for NaN) and its N."""
    return [[c] + [None if math.isnan(p) else p for p in probs] + [float(m)]
            for c, probs, m in zip(classes, probabilities.tolist(), n.tolist())]


def quantile_classes(y: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 1..k of each value by the k type-7 quantile intervals (right-closed, lowest in 1)."""
    distinct = np.unique(y).size
    if k > distinct:
        raise NQPError(f"k={k} classes need at least {k} distinct values; there "
                       f"{'is' if distinct == 1 else 'are'} {distinct}; use a smaller k")
    bounds = np.quantile(y, np.arange(k + 1) / k)
    same = np.flatnonzero(np.diff(bounds) <= 0)
    if same.size:
        j = int(same[0])
        raise NQPError(f"k={k} quantile classes are not distinct: bounds {j} and {j + 1} are both "
                       f"{bounds[j]:.10g} (many equal values); use a smaller k")
    cls = np.searchsorted(bounds[1:-1], y, side="left")  # number of inner bounds below y
    return cls, bounds


def one_year_steps(kv: KeyedValues, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers (into ``kv``) of each region's one-year moves: (from year y, to year y + 1)."""
    yrs = kv.keys["years"]
    if len(set(yrs)) < 2:
        raise NQPError(f"{what} needs two or more years; every row is {key_text(yrs[0])}")
    at = {(r, y): i for i, (r, y) in enumerate(zip(kv.keys["ids"], yrs))}
    pairs = [(i, j) for (r, y), i in at.items() if (j := at.get((r, y + 1))) is not None]
    if not pairs:
        raise NQPError(f"{what} found no region with values in two consecutive years (y and y + 1); "
                       "a transition is a one-year step")
    src, dst = np.array(pairs, dtype=np.intp).T
    return src, dst


def markov(values: Any, ids: Any, years: Any, k: Any = 4,
           id_cols: Any = None, missing: Any = None) -> Markov:
    """The transition matrix between quantile classes over one-year steps of each region."""
    kk = whole_number(k, "k", low=2, high=100, default=4)
    kv = _panel(values, ids, years, id_cols, missing, "the Markov chain")
    require_ids(kv, "the Markov chain", "to follow each region over the years")
    cls, bounds = quantile_classes(kv.y, kk)
    src, dst = one_year_steps(kv, "the Markov chain")
    counts = np.zeros((kk, kk), dtype=np.int64)
    np.add.at(counts, (cls[src], cls[dst]), 1)
    return Markov(counts=counts, bounds=bounds)
