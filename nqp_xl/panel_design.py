"""The data of one panel regression: an equation over a Data table with region and year columns.

:func:`panel_data` parses the equation (``y ~ x1 + ln(x2) + treat*post``, :mod:`nqp_xl.equations`),
converts only the columns it uses (so a row drops out only when one of those, or its region or
year, is blank: listwise deletion on the equation's variables), and codes the regions (order of
first appearance) and years (ascending).  It refuses what no panel estimator can use, in the
user's words: one region, one year, a region-year given twice.

The within transformations (:func:`demean`, :func:`within`) are the textbook ones (Baltagi,
Econometric Analysis of Panel Data, 6th ed., ch. 2-3): one-way effects subtract the region's (or
year's) mean; two-way effects on an unbalanced panel are the residuals of the dummy regression,
computed by Frisch–Waugh–Lovell: region-demean, then partial out the region-demeaned year
dummies by QR (exact for balanced and unbalanced panels; on a balanced one it is
x - x̄_i - x̄_t + x̄).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from .columns import is_year_header, key_of, key_text
from .equations import data_header, parse_system, resolve_column, system_data
from .errors import NQPError

__all__ = ["PanelData", "panel_data", "demean", "group_means", "within", "EFFECTS"]

EFFECTS = ("individual", "time", "twoways")


@dataclass(frozen=True, eq=False)
class PanelData:
    """One equation's complete rows: y, X (regressors as written), region and year codes."""

    dependent: str
    regressors: tuple[str, ...]
    y: np.ndarray
    x: np.ndarray                 # n × k
    group: np.ndarray             # region code of each row, 0..G-1 in order of first appearance
    time: np.ndarray              # year code of each row, 0..T-1 ascending
    group_names: tuple[str, ...]
    time_names: tuple[str, ...]
    dropped: int                  # rows left out (a blank in the equation's columns, region or year)
    key: tuple                    # identifies the content for the cache

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    @property
    def k(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_groups(self) -> int:
        return len(self.group_names)

    @property
    def n_times(self) -> int:
        return len(self.time_names)

    @cached_property
    def group_sizes(self) -> np.ndarray:
        return np.bincount(self.group, minlength=self.n_groups)

    @cached_property
    def time_sizes(self) -> np.ndarray:
        return np.bincount(self.time, minlength=self.n_times)

    @property
    def balanced(self) -> bool:
        return self.n == self.n_groups * self.n_times

    def codes(self, effect: str) -> tuple[np.ndarray, int]:
        """The codes and count of the groups of ``effect`` ("individual" or "time")."""
        return (self.group, self.n_groups) if effect == "individual" else (self.time, self.n_times)

    def subset(self, rows: np.ndarray) -> "PanelData":
        """The panel on the rows where the boolean mask ``rows`` holds (codes renumbered)."""
        g_used, group = np.unique(self.group[rows], return_inverse=True)
        t_used, time = np.unique(self.time[rows], return_inverse=True)
        return PanelData(self.dependent, self.regressors, self.y[rows], self.x[rows], group, time,
                         tuple(self.group_names[i] for i in g_used), tuple(self.time_names[i] for i in t_used),
                         self.dropped, (*self.key, np.packbits(rows).tobytes()))

    def with_columns(self, dependent: str, y: np.ndarray, regressors: Sequence[str], x: np.ndarray) -> "PanelData":
        """The same panel with another dependent variable and regressors (mediation's steps)."""
        content = (np.ascontiguousarray(y).tobytes(), np.ascontiguousarray(x).tobytes())  # compared exactly
        return PanelData(dependent, tuple(regressors), y, x, self.group, self.time, self.group_names,
                         self.time_names, self.dropped, (*self.key, dependent, tuple(regressors), content))


def group_means(v: np.ndarray, codes: np.ndarray, count: int) -> np.ndarray:
    """Means of the rows of ``v`` (n or n × m) by group code: count (× m)."""
    sizes = np.bincount(codes, minlength=count).astype(float)
    if v.ndim == 1:
        return np.bincount(codes, weights=v, minlength=count) / sizes
    return np.column_stack([np.bincount(codes, weights=v[:, j], minlength=count) for j in range(v.shape[1])]
                           ) / sizes[:, None] if v.shape[1] else np.zeros((count, 0))


def demean(v: np.ndarray, codes: np.ndarray, count: int) -> np.ndarray:
    """v minus its group's mean (the one-way within transformation)."""
    return v - group_means(v, codes, count)[codes]


def within(p: PanelData, v: np.ndarray, effects: str) -> np.ndarray:
    """The within transformation of ``v`` (n or n × m) for ``effects``."""
    if effects in ("individual", "time"):
        return demean(v, *p.codes(effects))
    out = demean(v, p.group, p.n_groups)
    dummies = np.zeros((p.n, p.n_times - 1))
    dummies[np.arange(p.n), p.time - 1] = 1.0
    dummies[p.time == 0] = 0.0
    d = demean(dummies, p.group, p.n_groups)
    q, r = np.linalg.qr(d)
    keep = np.abs(np.diag(r)) > 1e-12 * max(1.0, float(np.abs(np.diag(r)).max(initial=0.0)))
    q = q[:, keep]
    return out - q @ (q.T @ out)


def _default_columns(header: list[str], n_lab: int, ids: Any, years: Any) -> tuple[str, str]:
    """``ids``/``years`` as header names; by default the first label column and the column
    headed like a year (year, 年份, ...), else the second label column."""
    def given(v: Any) -> str | None:
        while isinstance(v, (list, tuple)) and len(v) == 1:
            v = v[0]
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        if not isinstance(v, str):
            raise NQPError(f"ids and years are header names of the region and year columns, not {v!r}")
        return v.strip()

    region, year = given(ids), given(years)
    if region is None:
        if n_lab < 1:
            raise NQPError('name the region column: ids = its header, e.g. "province"')
        region = header[0]
    if year is None:
        year = next((h for h in header if is_year_header(h)), None)
        if year is None:
            if n_lab < 2:
                raise NQPError('name the year column: years = its header, e.g. "year"')
            year = header[1]
    region, year = resolve_column(region, header), resolve_column(year, header)
    if region == year:
        raise NQPError(f'ids and years both name the column "{region}"; give the region and the year columns')
    return region, year


def panel_data(data: Any, equation: Any, ids: Any = None, years: Any = None, id_cols: Any = None,
               missing: Any = None) -> PanelData:
    """The complete rows of one equation over ``data`` with their region and year codes."""
    parsed = parse_system(equation)
    if len(parsed) != 1:
        raise NQPError(f"equation holds {len(parsed)} equations; a panel regression takes one, e.g. "
                       '"y ~ x1 + ln(x2)"')
    header, n_lab = data_header(data, id_cols)
    region, year = _default_columns(header, n_lab, ids, years)
    sd = system_data(data, equation, id_cols=id_cols, missing=missing, keys=(region, year))
    (dep, regs), = sd.equations
    if dep in regs:
        raise NQPError(f'equation for "{dep}" has "{dep}" on both sides')
    if len(set(regs)) != len(regs):
        dup = next(r for r in regs if regs.count(r) > 1)
        raise NQPError(f'equation for "{dep}" names "{dup}" twice')
    gk = [key_of(c) for c in sd.keys[region]]
    tk = [key_of(c) for c in sd.keys[year]]
    for c, k in zip(sd.keys[year], tk):
        if k is not None and not isinstance(k, float):
            raise NQPError(f'the year column "{year}" holds "{c}", not a year (a number)')
    ok = np.array([a is not None and b is not None for a, b in zip(gk, tk)], dtype=bool)
    order_g = list(dict.fromkeys(k for k, o in zip(gk, ok) if o))
    order_t = sorted({k for k, o in zip(tk, ok) if o})
    gi = {k: i for i, k in enumerate(order_g)}
    ti = {k: i for i, k in enumerate(order_t)}
    group = np.array([gi[k] for k, o in zip(gk, ok) if o], dtype=np.intp)
    time = np.array([ti[k] for k, o in zip(tk, ok) if o], dtype=np.intp)
    pair = group * max(len(order_t), 1) + time
    uniq, first, counts = np.unique(pair, return_index=True, return_counts=True)
    if (counts > 1).any():
        j = int(uniq[counts > 1][0])
        raise NQPError(f'region "{key_text(order_g[j // len(order_t)])}" has two rows for {year} '
                       f"{key_text(order_t[j % len(order_t)])}; a panel has one row per region and year")
    y = sd.values[dep][ok]
    x = np.column_stack([sd.values[r][ok] for r in regs]) if regs else np.zeros((int(ok.sum()), 0))
    dropped = sd.table.n_rows - int(ok.sum())
    extra = f" ({dropped} rows with a blank in the equation's columns were left out)" if dropped else ""
    if len(order_g) < 2:
        who = f' ("{key_text(order_g[0])}")' if order_g else ""
        raise NQPError(f'the panel holds one region{who} in "{region}"{extra}; a panel regression needs two or more')
    if len(order_t) < 2:
        who = f" ({key_text(order_t[0])})" if order_t else ""
        raise NQPError(f'the panel holds one year{who} in "{year}"{extra}; a panel regression needs two or more '
                       "(for one year use NQP_3SLS with method \"ols\")")
    key = ("panel_data", sd.table.key, dep, tuple(regs), region, year, ok.tobytes(), tuple(gk), tuple(tk))
    return PanelData(dep, tuple(regs), y, x, group, time, tuple(key_text(k) for k in order_g),
                     tuple(key_text(k) for k in order_t), dropped, key)
