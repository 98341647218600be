"""Regional disparity: the Dagum (1997) Gini decomposition and the Theil T index.

Both functions take one column of values (``values``) and, beside it, one column of group
labels (``groups``, e.g. the NBS regions East / Central / West / Northeast).  ``values``
goes through :func:`nqp_xl.table.check_table` like every other input; ``groups`` must be a
range of the same height (a header cell beside the values' header is skipped).  A row whose
value or group is blank drops out of both (listwise); ``missing="error"`` refuses instead.

Dagum Gini (Dagum, C. 1997, "A new approach to the decomposition of the Gini income
inequality ratio", Empirical Economics 22: 515-531).  With k groups, n_j members and mean
mu_j in group j, p_j = n_j / n and s_j = n_j mu_j / (n mu):

* total     G    = sum_j sum_h sum_i sum_r |y_ji - y_hr| / (2 n^2 mu)
* within    G_jj = sum_i sum_r |y_ji - y_jr| / (2 n_j^2 mu_j),   G_w = sum_j G_jj p_j s_j
* between   G_jh = sum_i sum_r |y_ji - y_hr| / (n_j n_h (mu_j + mu_h))
* relative economic affluence D_jh = (d_jh - p_jh) / (d_jh + p_jh), with the pair oriented
  so that mu_j >= mu_h (Dagum orders the groups by their means),
  d_jh = mean over pairs of max(y_ji - y_hr, 0), p_jh = mean of max(y_hr - y_ji, 0)
* net between   G_nb = sum_{pairs} G_jh (p_j s_h + p_h s_j) D_jh
* transvariation G_t = sum_{pairs} G_jh (p_j s_h + p_h s_j) (1 - D_jh)

and G = G_w + G_nb + G_t exactly.  Because d_jh - p_jh = mu_j - mu_h and
d_jh + p_jh = G_jh (mu_j + mu_h), the net between-group term simplifies to
G_nb = sum_{j<h} p_j p_h |mu_j - mu_h| / mu, the Gini of the distribution in which every
member is replaced by its group mean; the tests check both identities.

Every double sum is computed from sorted values and cumulative sums (O(n log n)), never
with an n x n matrix.

Theil T (Theil 1967; Shorrocks 1980 for the decomposition):
T = (1/n) sum_i (y_i/mu) ln(y_i/mu) = sum_j s_j T_j + sum_j s_j ln(mu_j/mu)
(within + between), with T_j the Theil index inside group j and 0 ln 0 = 0.

Decisions: values must be >= 0 with a positive mean (a negative value is refused, naming
its region and cell); a group with a single member is allowed (its within Gini and Theil
are 0); a group whose values are all 0 is refused (its Gini is 0/0); with a single group the
decomposition is refused (give two or more groups, or leave ``groups`` out for the overall
index alone); when every value is equal the index is 0 and the contribution shares are left
blank.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .cache import cached
from .errors import NQPError
from .labels import text
from .columns import key_cells, key_of, key_text, one_column_table
from .table import Table, cell_name

__all__ = ["dagum_gini", "theil", "DagumGini", "Theil", "grouped_values", "share"]


# ----------------------------------------------------------------------------- input


@dataclass(frozen=True, eq=False)
class Grouped:
    """Values with their group labels, complete rows only.

    ``codes[i]`` is the index into ``names`` of row i's group; ``names`` lists the groups in
    the order they first appear in the data.
    """

    y: np.ndarray
    codes: np.ndarray
    names: tuple[str, ...]
    table: Table
    key: tuple  # the content of y, groups and names: the result cache's key (nqp_xl.cache)
    rows: np.ndarray | None = None   # the input data row of each value


def _group_text(v: Any) -> str | None:
    """A groups cell as its group's name (columns.key_of, then key_text), None when blank or an error."""
    k = key_of(v)
    return None if k is None else key_text(k)


def grouped_values(values: Any, groups: Any, id_cols: Any = None, missing: Any = None,
                   what: str = "the disparity index") -> Grouped:
    """Validate ``values`` (through check_table) and line ``groups`` up with its rows."""
    table = one_column_table(values, id_cols, missing, "select the one indicator to compare")
    n_rows = table.n_rows
    strict = missing is not None and str(missing).strip().lower() == "error"
    rows_idx = np.flatnonzero(table.keep)
    if groups is None:
        labels = None
    else:
        cells = key_cells(groups, "groups")
        from_range = isinstance(values, (list, tuple))
        height = n_rows + (1 if table.has_header else 0)
        if len(cells) == height and table.has_header:
            cells = cells[1:]
        elif not (len(cells) == n_rows and not from_range):
            raise NQPError(f"groups has {len(cells)} cells but values has {height} rows; "
                           "select two ranges of the same height, side by side")
        memo: dict = {}
        labels = []
        for c in cells:  # few distinct groups: convert each distinct cell once
            try:
                lab = memo[(type(c), c)]
            except KeyError:
                lab = memo[(type(c), c)] = _group_text(c)
            except TypeError:  # unhashable cell
                lab = _group_text(c)
            labels.append(lab)
        if strict:
            for i, lab in enumerate(labels):
                if lab is None:
                    where = f"row {table.first_row + i + 1} of the groups range"
                    raise NQPError(f'the group of "{table.row_names[i]}" ({where}) is blank or an error; '
                                   'fill it in, or leave missing="listwise" to skip the row')
    y = table.values[:, 0]
    if labels is None:
        codes = np.zeros(y.shape[0], dtype=np.intp)
        names: tuple[str, ...] = ("",)
        keep_sub = np.ones(y.shape[0], dtype=bool)
    else:
        kept_labels = [labels[i] for i in rows_idx]
        keep_sub = np.array([lab is not None for lab in kept_labels], dtype=bool)
        order: dict[str, int] = {}
        for lab in dict.fromkeys(kept_labels):
            if lab is not None:
                order[lab] = len(order)
        codes = np.fromiter((order.get(lab, -1) if lab is not None else -1 for lab in kept_labels),
                            dtype=np.intp, count=len(kept_labels))
        names = tuple(order)
        if not keep_sub.all():
            y, codes, rows_idx = y[keep_sub], codes[keep_sub], rows_idx[keep_sub]
        if y.size == 0:
            raise NQPError("no row has both a value and a group")
    neg = np.flatnonzero(y < 0)
    if neg.size:
        i = int(rows_idx[neg[0]])
        where = cell_name(table.first_row + i, table.first_col)
        raise NQPError(f'indicator "{table.names[0]}", {table.who(i)} ({where}) is '
                       f"{y[neg[0]]:.10g}; {what} needs values of 0 or more")
    if y.size < 2:
        raise NQPError(f"{what} needs at least 2 values; there is {y.size}")
    if not y.any():
        raise NQPError(f'indicator "{table.names[0]}" is 0 everywhere; {what} needs a positive mean')
    if labels is not None:
        if len(names) < 2:
            raise NQPError(f'groups holds only one group ("{names[0]}"); the decomposition needs two or more '
                           "groups (leave groups out for the overall index alone)")
        sums = np.bincount(codes, weights=y, minlength=len(names))
        zero = np.flatnonzero(sums == 0)
        if zero.size:
            raise NQPError(f'group "{names[int(zero[0])]}" has only zero values of "{table.names[0]}"; '
                           f"its index is undefined (0/0)")
    y = np.ascontiguousarray(y)
    key = ("grouped", table.key, np.ascontiguousarray(codes).tobytes(), tuple(names), y.tobytes())
    return Grouped(y=y, codes=codes, names=names, table=table, key=key,
                   rows=rows_idx)


# ----------------------------------------------------------------------------- sums of |differences|


def _sum_abs_within(sorted_y: np.ndarray) -> float:
    """sum_i sum_r |y_i - y_r| over ordered pairs of one sorted sample: 2 sum_r y_(r) (2r - n - 1)."""
    n = sorted_y.shape[0]
    ranks = np.arange(1, n + 1, dtype=float)
    return float(2.0 * np.dot(sorted_y, 2.0 * ranks - n - 1.0))


def _sum_pos_between(a: np.ndarray, b_sorted: np.ndarray, b_cum: np.ndarray) -> tuple[float, float]:
    """(sum_i sum_r max(a_i - b_r, 0), sum_i sum_r max(b_r - a_i, 0)) with b sorted.

    For each a_i: c = #{b_r <= a_i}, S_c = sum of those b_r; the first sum is a_i c - S_c and
    the second (S_all - S_c) - a_i (n_b - c).  O((n_a + n_b) log n_b).
    """
    c = np.searchsorted(b_sorted, a, side="right")
    s_c = np.concatenate(([0.0], b_cum))[c]
    total = b_cum[-1]
    up = float(np.sum(a * c - s_c))
    down = float(np.sum((total - s_c) - a * (b_sorted.shape[0] - c)))
    return up, down


# ----------------------------------------------------------------------------- Dagum


@dataclass(frozen=True, eq=False)
class _GroupedIndex:
    """Values y with their group codes (0..k-1) and group names: what both indices share."""

    y: np.ndarray
    codes: np.ndarray
    groups: tuple[str, ...]

    @cached_property
    def n(self) -> int:
        return int(self.y.shape[0])

    @cached_property
    def mu(self) -> float:
        return float(self.y.mean())


@dataclass(frozen=True, eq=False)
class DagumGini(_GroupedIndex):
    """The Dagum decomposition of the Gini ratio; fields are computed on first use."""

    @cached_property
    def _sorted_groups(self) -> list[np.ndarray]:
        order = np.lexsort((self.y, self.codes))
        ys, cs = self.y[order], self.codes[order]
        bounds = np.searchsorted(cs, np.arange(len(self.groups) + 1))
        return [ys[bounds[j]:bounds[j + 1]] for j in range(len(self.groups))]

    @cached_property
    def sizes(self) -> np.ndarray:
        """n_j."""
        return np.array([g.shape[0] for g in self._sorted_groups], dtype=float)

    @cached_property
    def means(self) -> np.ndarray:
        """mu_j."""
        return np.array([g.mean() for g in self._sorted_groups])

    @cached_property
    def p(self) -> np.ndarray:
        """Population shares p_j = n_j / n."""
        return self.sizes / self.n

    @cached_property
    def s(self) -> np.ndarray:
        """Value shares s_j = n_j mu_j / (n mu)."""
        return self.sizes * self.means / (self.n * self.mu)

    @cached_property
    def total(self) -> float:
        """G."""
        return _sum_abs_within(np.sort(self.y)) / (2.0 * self.n ** 2 * self.mu)

    @cached_property
    def within_gini(self) -> np.ndarray:
        """G_jj for each group (in the order of ``groups``)."""
        return np.array([_sum_abs_within(g) / (2.0 * g.shape[0] ** 2 * g.mean()) for g in self._sorted_groups])

    @cached_property
    def _pairs(self) -> dict[str, np.ndarray]:
        k = len(self.groups)
        gs = self._sorted_groups
        cums = [np.cumsum(g) for g in gs]
        gjh = np.zeros((k, k))
        d = np.zeros((k, k))  # d[j, h] = mean of max(y_j - y_h, 0)
        for j in range(k):
            for h in range(j + 1, k):
                up, down = _sum_pos_between(gs[j], gs[h], cums[h])
                m = gs[j].shape[0] * gs[h].shape[0]
                d[j, h], d[h, j] = up / m, down / m
                gjh[j, h] = gjh[h, j] = (up + down) / (m * (self.means[j] + self.means[h]))
        return {"gjh": gjh, "d": d}

    @cached_property
    def between_gini(self) -> np.ndarray:
        """G_jh, a symmetric k × k matrix (diagonal: G_jj)."""
        out = self._pairs["gjh"].copy()
        np.fill_diagonal(out, self.within_gini)
        return out

    @cached_property
    def affluence(self) -> np.ndarray:
        """D_jh with the richer group first: (d_jh - p_jh)/(d_jh + p_jh) >= 0, symmetric.

        When both groups hold the same single value everywhere (d = p = 0) D is 0."""
        d = self._pairs["d"]
        num = np.abs(d - d.T)
        den = d + d.T
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
        np.fill_diagonal(out, 0.0)
        return out

    @cached_property
    def _weights(self) -> np.ndarray:
        """p_j s_h + p_h s_j."""
        return np.outer(self.p, self.s) + np.outer(self.s, self.p)

    @cached_property
    def within(self) -> float:
        """G_w = sum_j G_jj p_j s_j."""
        return float(np.sum(self.within_gini * self.p * self.s))

    @cached_property
    def between_net(self) -> float:
        """G_nb = sum over pairs of G_jh (p_j s_h + p_h s_j) D_jh."""
        iu = np.triu_indices(len(self.groups), 1)
        return float(np.sum((self._pairs["gjh"] * self._weights * self.affluence)[iu]))

    @cached_property
    def transvariation(self) -> float:
        """G_t = sum over pairs of G_jh (p_j s_h + p_h s_j)(1 - D_jh)."""
        iu = np.triu_indices(len(self.groups), 1)
        return float(np.sum((self._pairs["gjh"] * self._weights * (1.0 - self.affluence))[iu]))

    @cached_property
    def pairs(self) -> list[tuple[int, int]]:
        """Pairs (j, h), j < h, in the order the groups first appear."""
        k = len(self.groups)
        return [(j, h) for j in range(k) for h in range(j + 1, k)]

    @cached_property
    def components(self) -> tuple[float, float, float, float]:
        """(G, G_w, G_nb, G_t)."""
        return (self.total, self.within, self.between_net, self.transvariation)

    def to_rows(self, lang: str | None = None) -> list[list]:
        """NQP_GINI's answer: a header row (Component, Value, Contribution %); Total G, Within Gw,
        Between (net) Gnb, Transvariation Gt; each group's within-group Gini "Within G (East)";
        each pair's between-group Gini "Between G (East–West)".  Groups in order of appearance.
        Without groups, the header and the Total row only."""
        g = self.total
        out: list[list] = [[text("Decomposition", lang), text("Value", lang), text("Contribution %", lang)]]
        names = [f"{text('Total', lang)} G", f"{text('Within', lang)} Gw",
                 f"{text('Between (net)', lang)} Gnb", f"{text('Transvariation', lang)} Gt"]
        grouped = len(self.groups) > 1
        comps = self.components if grouped else (g,)
        for i, (name, value) in enumerate(zip(names, comps)):
            out.append([name, value, (100.0 if g else None) if i == 0 else share(value, g)])
        if grouped:
            for j, name in enumerate(self.groups):
                out.append([f"{text('Within', lang)} G ({name})", float(self.within_gini[j]), None])
            for j, h in self.pairs:
                pair = f"{self.groups[j]}–{self.groups[h]}"
                out.append([f"{text('Between', lang)} G ({pair})", float(self.between_gini[j, h]), None])
        return out


def dagum_gini(values: Any, groups: Any = None, id_cols: Any = None, missing: Any = None) -> DagumGini:
    """Dagum's decomposition of the Gini ratio of ``values`` over ``groups`` (see module doc).

    ``values``: one column (range rows, Series, DataFrame or array); ``groups``: group labels of
    the same height, or None for the overall Gini alone (a single group)."""
    g = values if isinstance(values, Grouped) else grouped_values(values, groups, id_cols, missing, "the Gini ratio")
    return cached(("dagum_gini", g.key), lambda: DagumGini(g.y, g.codes, g.names))


# ----------------------------------------------------------------------------- Theil


def _theil_of(y: np.ndarray) -> float:
    from scipy.special import xlogy  # 0.3 s of start-up (-X importtime), paid only here

    mu = y.mean()
    r = y / mu
    return float(np.mean(xlogy(r, r)))


@dataclass(frozen=True, eq=False)
class Theil(_GroupedIndex):
    """Theil T index with its within/between decomposition."""

    @cached_property
    def sizes(self) -> np.ndarray:
        return np.bincount(self.codes, minlength=len(self.groups)).astype(float)

    @cached_property
    def means(self) -> np.ndarray:
        return np.bincount(self.codes, weights=self.y, minlength=len(self.groups)) / self.sizes

    @cached_property
    def s(self) -> np.ndarray:
        """Value shares s_j = n_j mu_j / (n mu)."""
        return self.sizes * self.means / (self.n * self.mu)

    @cached_property
    def total(self) -> float:
        return _theil_of(self.y)

    @cached_property
    def group_theil(self) -> np.ndarray:
        """T_j inside each group."""
        from scipy.special import xlogy  # 0.3 s of start-up (-X importtime), paid only here

        r = self.y / self.means[self.codes]
        return np.bincount(self.codes, weights=xlogy(r, r), minlength=len(self.groups)) / self.sizes

    @cached_property
    def within(self) -> float:
        """T_w = sum_j s_j T_j."""
        return float(np.sum(self.s * self.group_theil))

    @cached_property
    def between(self) -> float:
        """T_b = sum_j s_j ln(mu_j / mu)."""
        return float(np.sum(self.s * np.log(self.means / self.mu)))

    def to_rows(self, lang: str | None = None) -> list[list]:
        """NQP_THEIL's answer: a header row; Total T, Within Tw, Between Tb with Value and
        Contribution %; then each group's Theil "T (East)".  Without groups, Total only."""
        t = self.total
        out: list[list] = [[text("Decomposition", lang), text("Value", lang), text("Contribution %", lang)]]
        out.append([f"{text('Total', lang)} T", t, 100.0 if t else None])
        if len(self.groups) > 1:
            out.append([f"{text('Within', lang)} Tw", self.within, share(self.within, t)])
            out.append([f"{text('Between', lang)} Tb", self.between, share(self.between, t)])
            for j, name in enumerate(self.groups):
                out.append([f"T ({name})", float(self.group_theil[j]), None])
        return out


def theil(values: Any, groups: Any = None, id_cols: Any = None, missing: Any = None) -> Theil:
    """Theil T of ``values`` and its decomposition over ``groups`` (see module doc)."""
    g = values if isinstance(values, Grouped) else grouped_values(values, groups, id_cols, missing, "the Theil index")
    return cached(("theil", g.key), lambda: Theil(g.y, g.codes, g.names))


def share(part: float, total: float) -> float | None:
    """part / total × 100, or None (a blank cell) when the total is 0."""
    return None if total == 0 else 100.0 * part / total
