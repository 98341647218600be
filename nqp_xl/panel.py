"""Panel helpers: one year of a panel, cross tables, ranks within years, levels, subsystem indices.

SPEC Part 2, "Panel functions".  A panel is a table of region × year rows; these functions
take it apart the way the coupling paper's tables do:

* ``select_rows`` — the header and the rows whose column equals a value (one year), so the
  cross-section methods work on one year in any Excel version;
* ``pivot`` — a cross table of a statistic of values by row keys (and column keys): mean D by
  year (paper Table 5) and by region × year (Table 6);
* ``rank_within`` — rank 1 = highest within each ``by`` group, ties sharing the lowest rank
  (:func:`nqp_xl.ranks.rank_desc`), and the change of each id's rank since the previous ``by``
  value (previous rank − rank now; positive = moved up);
* ``levels`` — the coupling-coordination level and grade of D values, exactly
  :func:`nqp_xl.coupling.level`;
* ``subindices`` — one composite index per subsystem of indicators
  (:func:`nqp_xl.composite.composite_index` on each subsystem's columns of one table).

Keys (``by``, ``rows``, ``columns``, ``ids``) follow :mod:`nqp_xl.columns`: numbers ascending,
texts in order of first appearance, 2022 = "2022".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import (aligned_keys, column_position, one_column_table, is_text_cell, key_cells, key_of, key_text,
                      label_count, order_keys, plain_cell, range_rows, take_columns)
from .composite import WEIGHT_METHODS, composite_index, minmax_subsets
from .coupling import grade, level
from .errors import NQPError
from .excel_answer import Cells, cells
from .labels import resolve_lang, text, texts
from .options import choice, flatten, is_blank, is_empty, one_cell
from .ranks import rank_desc
from .table import Table, check_table, is_error_value

__all__ = ["select_rows", "PIVOT_STATS", "TEXT_STATS", "STAT_NAMES", "pivot", "Pivot", "rank_within", "Ranked", "levels",
           "Levels", "subindices", "Subindices"]


# ----------------------------------------------------------------------------- select


def select_rows(data: Any, column: Any, value: Any = None) -> list[list]:
    """The header row and the rows of ``data`` whose ``column`` equals ``value``.

    ``column``: a header name or a 1-based column number; ``value``: compared as a key
    (2022 = "2022"); blank → every row.  A first row of text cells only is the header.
    No matching row is refused, saying which values the column holds.
    """
    rows = range_rows(data)
    width = len(rows[0])
    has_header = len(rows) > 1 and all(is_text_cell(v) or is_blank(v) for v in rows[0]) and any(
        is_text_cell(v) for v in rows[0])
    head = rows[0] if has_header else []
    body = rows[1:] if has_header else rows
    j = column_position(head, column, width, has_header)
    target = key_of(one_cell(value))
    if target is None:
        chosen = body
    else:
        chosen = [r for r in body if key_of(r[j]) == target]
        if not chosen:
            held = order_keys([key_of(r[j]) for r in body])
            shown = ", ".join(key_text(k) for k in held[:8]) + (", ..." if len(held) > 8 else "")
            what = f'"{head[j]}"' if has_header else f"column {j + 1}"
            raise NQPError(f"no row of data has {what} = {key_text(target)}; it holds {shown}")
    out = [list(map(plain_cell, r)) for r in chosen]
    return ([list(map(plain_cell, head))] if has_header else []) + out


# ----------------------------------------------------------------------------- pivot

PIVOT_STATS = ("mean", "median", "sum", "count", "min", "max", "sd", "list", "first")
TEXT_STATS = ("count", "list", "first")  # the stats that take text values too
STAT_NAMES = {"mean": "Mean", "median": "Median", "sum": "Sum", "count": "Count", "min": "Min",
               "max": "Max", "sd": "Std. Dev.", "list": "List", "first": "First"}


def _stat(values: list, how: str, sep: str) -> Any:
    n = len(values)
    if how == "count":
        return float(n)
    if how == "list":
        return sep.join(key_text(v) if isinstance(v, float) else str(v) for v in values) if n else None
    if how == "first":  # the first value of the key, as it is (e.g. the grade name of a cluster)
        return values[0] if n else None
    if n == 0 or (how == "sd" and n < 2):
        return None
    x = np.asarray(values, dtype=float)
    return float({"mean": np.mean, "median": np.median, "sum": np.sum, "min": np.min,
                  "max": np.max}[how](x)) if how != "sd" else float(np.std(x, ddof=1))


@dataclass(frozen=True)
class Pivot:
    """A cross table: ``row_keys`` × ``column_keys`` (None without columns), cells None when
    empty; ``value_header`` the values' header cell (None without one)."""

    stat: str
    row_header: str | None
    row_keys: list
    column_keys: list | None
    cells: list[list]
    value_header: str | None = None

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Header (the rows header, then each column key; without columns the stat's name, or
        for "list" the values' header), then one row per row key."""
        if self.column_keys is not None:
            heads = list(self.column_keys)
        elif self.stat in ("list", "first") and self.value_header:
            heads = [self.value_header]
        else:
            heads = [text(STAT_NAMES[self.stat], lang)]
        return [[self.row_header or "", *heads]] + [[k, *row] for k, row in zip(self.row_keys, self.cells)]


def _headed(cells: list) -> bool:
    """A column whose first cell is text and whose later cells hold a number and no text."""
    rest = [c for c in cells[1:] if not is_blank(c)]
    return (is_text_cell(cells[0]) and any(isinstance(key_of(c), float) and not isinstance(c, str) for c in rest)
            and not any(is_text_cell(c) for c in rest))


def _text_inputs(values: Any, rows: Any, columns: Any) -> tuple[list, list, list | None, Any, Any]:
    """Values that may be text, with their row (and column) keys: one cell per row of each.
    The first row is a header when one of the columns is headed (text above numbers)."""
    vals = key_cells(values, "values")
    rk = key_cells(rows, "rows")
    ck = None if is_empty(columns) else key_cells(columns, "columns")
    for what, other in (("rows", rk), ("columns", ck)):
        if other is not None and len(other) != len(vals):
            raise NQPError(f"{what} has {len(other)} cells but values has {len(vals)} rows; "
                           "select two ranges of the same height, side by side")
    head = len(vals) > 1 and any(_headed(c) for c in (vals, rk, ck) if c is not None)
    start = 1 if head else 0
    cells = [None if is_blank(v) or is_error_value(v) else (v.strip() if isinstance(v, str) else key_of(v))
             for v in vals[start:]]
    rhead = key_text(key_of(rk[0])) if head and key_of(rk[0]) is not None else None
    vhead = key_text(key_of(vals[0])) if head and key_of(vals[0]) is not None else None
    return cells, [key_of(c) for c in rk[start:]], None if ck is None else [key_of(c) for c in ck[start:]], rhead, vhead


def _number_inputs(values: Any, rows: Any, columns: Any) -> tuple[list, list, list | None, Any, Any]:
    """A column of numbers (check_table's header rule) and its aligned keys."""
    t = one_column_table(values, None, None, "select the one column to summarise")
    rkeys, rhead = aligned_keys(rows, t, "rows")
    ckeys = aligned_keys(columns, t, "columns")[0] if not is_empty(columns) else None
    y = np.full(t.n_rows, np.nan)
    y[t.keep] = t.values[:, 0]
    cells = [None if math.isnan(v) else v for v in y.tolist()]
    return cells, rkeys, ckeys, rhead, t.names[0] if t.has_header else None


def pivot(values: Any, rows: Any, columns: Any = None, stat: Any = "mean", *, lang: Any = None) -> Pivot:
    """``stat`` of ``values`` by the keys of ``rows`` (and ``columns``); blank values skipped.

    stat: mean, median, sum, count, min, max, sd (n − 1), or list: the values joined by ", "
    (``lang`` "zh": "、") in order of appearance.  count and list take text values too: a
    column holding text has a header row when one of values, rows, columns has text above
    numbers (e.g. cluster numbers as keys).  Keys: numbers ascending, texts in order of first
    appearance.  A row whose key is blank drops out.
    """
    how = choice(stat, "stat", PIVOT_STATS, "mean")
    sep = "、" if resolve_lang(lang) == "zh" else ", "
    try:
        cells, rkeys, ckeys, rhead, vhead = _number_inputs(values, rows, columns)
    except NQPError:
        if how not in TEXT_STATS:
            raise
        cells, rkeys, ckeys, rhead, vhead = _text_inputs(values, rows, columns)
    n = len(cells)
    use = [i for i in range(n) if rkeys[i] is not None and (ckeys is None or ckeys[i] is not None)]
    r_order = order_keys([rkeys[i] for i in use])
    if not r_order:
        raise NQPError("rows holds no key beside a value; select the column of keys (e.g. the years)")
    c_order = order_keys([ckeys[i] for i in use]) if ckeys is not None else None
    r_pos = {k: a for a, k in enumerate(r_order)}
    c_pos = {k: b for b, k in enumerate(c_order)} if c_order is not None else None
    width = len(c_order) if c_order is not None else 1
    bins: list[list[list]] = [[[] for _ in range(width)] for _ in r_order]
    for i in use:
        if cells[i] is None:
            continue
        b = c_pos[ckeys[i]] if c_pos is not None else 0
        bins[r_pos[rkeys[i]]][b].append(cells[i])
    table = [[_stat(c, how, sep) for c in row] for row in bins]
    return Pivot(stat=how, row_header=rhead, row_keys=r_order, column_keys=c_order, cells=table,
                 value_header=vhead)


# ----------------------------------------------------------------------------- ranks


@dataclass(frozen=True)
class Ranked:
    """Rank within ``by`` and (with ids) Change, for each complete row of ``table``."""

    table: Table
    rank: np.ndarray
    change: list | None

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Rank (and Change) beside the values, aligned with the input."""
        if self.change is None:
            return cells(self.table, self.rank[:, None], [text("Rank", lang)])
        rows = [[float(r), c] for r, c in zip(self.rank.tolist(), self.change)]
        return Cells(self.table.aligned(rows, texts(("Rank", "Change"), lang)))


def rank_within(values: Any, by: Any = None, ids: Any = None) -> Ranked:
    """Rank 1 = highest within each ``by`` group; with ``ids``, Change = the id's rank at the
    previous ``by`` value minus its rank now (blank for the first ``by`` value, or when the id's
    value was blank then).  An id with no row at the previous ``by`` value is refused (the panel
    must hold every region in every year); so is an id twice within one ``by`` value."""
    t = one_column_table(values, None, None, "select the one column to rank")
    n = t.n_rows
    has_by = not is_empty(by)
    bkeys = aligned_keys(by, t, "by")[0] if has_by else [0.0] * n
    y = np.full(n, np.nan)
    y[t.keep] = t.values[:, 0]
    rank = np.full(n, np.nan)
    groups: dict = {}
    for i in range(n):
        if t.keep[i] and bkeys[i] is not None:
            groups.setdefault(bkeys[i], []).append(i)
    for members in groups.values():
        idx = np.asarray(members)
        rank[idx] = rank_desc(y[idx])
    change = None
    if not is_empty(ids):
        if not has_by:
            raise NQPError("Change needs by (e.g. the year column) beside ids; give by, or leave ids out")
        ikeys = aligned_keys(ids, t, "ids")[0]
        where: dict = {}
        for i in range(n):
            if ikeys[i] is None or bkeys[i] is None:
                continue
            cell = (ikeys[i], bkeys[i])
            if cell in where:
                raise NQPError(f'id "{key_text(ikeys[i])}" has two rows for {key_text(bkeys[i])}; '
                               "each id needs one row per by value")
            where[cell] = i
        order = order_keys(bkeys)
        previous = {k: (order[a - 1] if a else None) for a, k in enumerate(order)}
        change = [None] * n
        for i in range(n):
            if ikeys[i] is None or bkeys[i] is None:
                continue
            before = previous[bkeys[i]]
            if before is None:
                continue
            j = where.get((ikeys[i], before))
            if j is None:
                raise NQPError(f'id "{key_text(ikeys[i])}" has no row for {key_text(before)} (the by value '
                               f"before {key_text(bkeys[i])}); Change needs every id in every by value")
            if not math.isnan(rank[i]) and not math.isnan(rank[j]):
                change[i] = float(rank[j] - rank[i])
    rank = rank[t.keep]
    kept_change = [c for c, k in zip(change, t.keep) if k] if change is not None else None
    return Ranked(table=t, rank=rank, change=kept_change)


# ----------------------------------------------------------------------------- levels


@dataclass(frozen=True)
class Levels:
    """The coupling-coordination Level (1–10) of each complete row's D."""

    table: Table
    level: np.ndarray

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Level and Grade beside the values, aligned with the input."""
        return cells(self.table, self.level[:, None], texts(("Level", "Grade"), lang), [grade(self.level, lang)])


def levels(values: Any) -> Levels:
    """The coupling-coordination Level (1–10) of D values in [0, 1], as NQP_COUPLING classes them."""
    t = one_column_table(values, None, None, "select the one column of coupling coordination degrees D")
    d = t.values[:, 0]
    bad = np.flatnonzero((d < -1e-9) | (d > 1 + 1e-9))
    if bad.size:
        i = int(np.flatnonzero(t.keep)[bad[0]])
        raise NQPError(f"{t.who(i)} has D = {d[bad[0]]:.10g}; coupling coordination degrees lie in [0, 1]")
    return Levels(t, level(np.clip(d, 0.0, 1.0)))


# ----------------------------------------------------------------------------- subsystem indices


@dataclass(frozen=True)
class Subindices:
    """One composite index per subsystem over the rows complete on every subsystem indicator."""

    table: Table
    names: list[str]
    columns: list[list[int]]          # positions in ``table.names`` of each subsystem
    results: list                     # CompositeIndex of each subsystem

    @property
    def index(self) -> np.ndarray:
        return np.column_stack([r.index for r in self.results])

    def to_rows(self, lang: str | None = None) -> list[list]:
        """One index per subsystem beside the table, aligned with the input (subsystem names as header)."""
        return cells(self.table, self.index, list(self.names))


def _per_column(arg: Any, n_cols: int, positions: list[int], what: str, n_ind: int, n_sub: int) -> list | None:
    """A row of cells given per column of data, or beside the subsystems row (``n_sub`` cells,
    covering the last columns), or per chosen indicator; answered for the chosen columns."""
    cells = flatten(arg)
    if all(is_blank(c) for c in cells):
        return None
    if len(cells) == n_sub < n_cols:
        cells = [None] * (n_cols - n_sub) + cells
    if len(cells) == n_cols:
        return [cells[c] for c in positions]
    if len(cells) == n_ind:
        return cells
    raise NQPError(f"{what} has {len(cells)} cells; give one per column of data ({n_cols}) like subsystems, "
                   f"or one per indicator of the subsystems ({n_ind})")


def subindices(data: Any, subsystems: Any, weights: Any = "entropy", directions: Any = None, *,
               shift: Any = 0, id_cols: Any = None, missing: Any = None) -> Subindices:
    """Each subsystem's composite index Σ_j w_j x'_ij (weights within the subsystem).

    ``subsystems``: one row of names, one per column of ``data`` (a shorter row covers the
    last columns); blank cells and label columns belong to no subsystem.  Subsystems are in
    order of first appearance.  The range is converted once, with only the label columns and
    the subsystems' indicators, so a row drops out only when one of those is blank.
    ``weights``: a method name, or one weight per column of data / per subsystem indicator;
    ``directions`` likewise.
    """
    frame = hasattr(data, "iloc") and hasattr(data, "columns")  # a DataFrame: rows only if needed
    plain = type(data) in (list, tuple) and bool(data) and type(data[0]) in (list, tuple)  # a range (COM: tuples)
    rows = None if frame or plain else range_rows(data)
    width = data.shape[1] if frame else len(data[0]) if plain else len(rows[0])
    names_row = flatten(subsystems)
    if len(names_row) > width:
        raise NQPError(f"subsystems has {len(names_row)} cells but data has {width} columns; "
                       "give one subsystem name per column of data")
    names_row = [None] * (width - len(names_row)) + list(names_row)
    named: dict = {}  # a subsystem row repeats a few names: each is keyed once
    for c in names_row:
        if not is_blank(c) and (type(c), c) not in named:
            named[type(c), c] = key_of(c)
    keys = [None if is_blank(c) else named[type(c), c] for c in names_row]
    labels = [None if k is None else key_text(k) for k in keys]
    order = list(dict.fromkeys(s for s in labels if s is not None))
    if len(order) < 1:
        raise NQPError("subsystems names no subsystem; write a subsystem name above each indicator")
    table = _whole_range(data if rows is None else rows, labels, id_cols, missing)
    if table is not None:
        chosen = list(range(table.first_col, width))
    else:
        rows = range_rows(data) if rows is None else rows
        n_lab = label_count(rows, id_cols)
        named_labels = [c for c in range(n_lab) if labels[c] is not None]
        if named_labels:
            raise NQPError(f'column {named_labels[0] + 1} of data is a label column but subsystems names it '
                           f'"{labels[named_labels[0]]}"; leave label columns blank in subsystems')
        chosen = [c for c in range(n_lab, width) if labels[c] is not None]
        table = check_table(take_columns(rows, chosen, n_lab), id_cols=n_lab, missing=missing)
    groups = [[a for a, c in enumerate(chosen) if labels[c] == s] for s in order]
    n_sub = len(flatten(subsystems))
    dirs = _per_column(directions, width, chosen, "directions", len(chosen), n_sub)
    w = _scalar_or_cells(weights)
    w_cells = None if isinstance(w, str) or w is None else _per_column(weights, width, chosen, "weights", len(chosen), n_sub)
    if isinstance(w, str) and w.strip().lower() not in WEIGHT_METHODS:
        raise NQPError(f'weights="{w}" is not known; use "entropy", "critic", "cv", "equal" or one weight per indicator')
    entropy = w_cells is None and (w is None or w.strip().lower() == "entropy")
    subsets = minmax_subsets(table, dirs, groups, entropy=entropy, shift=shift)
    results = []
    for s, cols, sub in zip(order, groups, subsets):
        sub_dirs = None if dirs is None else [dirs[a] for a in cols]
        sub_w = w if w_cells is None else [w_cells[a] for a in cols]
        try:
            results.append(composite_index(sub, sub_w, sub_dirs, shift=shift))
        except NQPError as err:
            raise NQPError(f'subsystem "{s}": {err}') from None
    return Subindices(table=table, names=order, columns=groups, results=results)


def _whole_range(data: Any, labels: list, id_cols: Any, missing: Any) -> Table | None:
    """The whole range, converted as every other function converts it (so once per range:
    :func:`~nqp_xl.table.check_table` remembers recent ranges by content), when every column
    after the leading label columns belongs to a subsystem; else None, and only the label
    columns and the subsystems' indicators are taken out and converted."""
    lead = next((c for c, s in enumerate(labels) if s is not None), len(labels))
    if lead == len(labels) or any(s is None for s in labels[lead:]):
        return None
    try:
        table = check_table(data, id_cols=id_cols, missing=missing)
    except NQPError:
        return None  # the column-by-column path names what is wrong
    return table if table.first_col == lead else None


def _scalar_or_cells(weights: Any) -> Any:
    cells = flatten(weights)
    real = [c for c in cells if not is_blank(c)]
    if not real:
        return None
    if len(real) == 1 and isinstance(real[0], str):
        return real[0]
    return weights
