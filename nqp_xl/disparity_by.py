"""Regional disparity by year: the Dagum Gini and Theil decompositions of
:mod:`nqp_xl.disparity` computed separately for each value of a ``by`` column (SPEC Part 2,
``NQP_GINI`` / ``NQP_THEIL`` with ``by``).

Rows: one per by value, ascending (numbers ascending, texts in order of first appearance).
Groups are the groups of the whole table in order of first appearance; a group absent in
some by value leaves its cells blank there.  Each by value's figures are exactly those of the
decomposition of its rows alone (Dagum 1997; Theil 1967, Shorrocks 1980).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import aligned_keys, key_text, order_keys
from .disparity import DagumGini, Theil, grouped_values, share
from .errors import NQPError
from .labels import text

__all__ = ["ByDisparity", "disparity_by"]



@dataclass(frozen=True, eq=False)
class ByDisparity:
    """One index per ``by`` value (ascending): ``results[i]`` is the DagumGini or Theil of the
    rows whose by key is ``keys[i]``, over the groups present then; ``present[i]`` maps those
    groups to positions in ``groups`` (all groups, in order of first appearance)."""

    by_header: str | None
    keys: list
    groups: tuple[str, ...]
    present: list[list[int]]
    results: list
    kind: str = "gini"

    def to_rows(self, lang: str | None = None) -> list[list]:
        """One row per by value: NQP_GINI's or NQP_THEIL's columns (see :func:`_gini_rows`, :func:`_theil_rows`)."""
        first = self.by_header if self.by_header else text("By", lang)
        return (_gini_rows if self.kind == "gini" else _theil_rows)(self, first)


def disparity_by(values: Any, groups: Any, by: Any, kind: str = "gini", id_cols: Any = None,
                 missing: Any = None) -> ByDisparity:
    """The Dagum Gini (``kind="gini"``) or Theil (``"theil"``) decomposition of ``values`` over
    ``groups`` separately for each ``by`` value (e.g. each year).  A row whose by cell is blank
    drops out; a by value with fewer than 2 values, or (with groups) fewer than 2 groups, or a
    group whose values are all 0 is refused, naming it."""
    what = "the Gini ratio" if kind == "gini" else "the Theil index"
    g = grouped_values(values, groups, id_cols, missing, what)
    keys_all, header = aligned_keys(by, g.table, "by", from_range=isinstance(values, (list, tuple)))
    keys = [keys_all[i] for i in g.rows.tolist()]
    # every by value of the column, also one whose rows all lack a value (a year of blank data):
    # its row stays, blank, so a chart over the years leaves a gap there instead of a join
    order = order_keys([k for k in keys_all if k is not None])
    if not order:
        raise NQPError("by holds no value beside the values; select the column of years (or other keys)")
    grouped = groups is not None
    make = DagumGini if kind == "gini" else Theil
    results, present = [], []
    key_arr = np.array([order.index(k) if k is not None else -1 for k in keys]) if keys else np.array([])
    for a, key in enumerate(order):
        mask = key_arr == a
        y, codes = g.y[mask], g.codes[mask]
        where = f"{key_text(key)}"
        if y.size == 0:
            results.append(None)
            present.append([])
            continue
        if y.size < 2:
            raise NQPError(f"{what} of {where} needs at least 2 values; there is {y.size}")
        if not y.any():
            raise NQPError(f"the values of {where} are 0 everywhere; {what} needs a positive mean")
        used = sorted(set(codes.tolist()))
        if grouped and len(used) < 2:
            raise NQPError(f'{where} has values of one group only ("{g.names[used[0]]}"); the decomposition '
                           "needs two or more groups in every by value")
        local = np.searchsorted(np.asarray(used), codes)
        sums = np.bincount(local, weights=y, minlength=len(used))
        if (sums == 0).any():
            j = used[int(np.flatnonzero(sums == 0)[0])]
            raise NQPError(f'group "{g.names[j]}" has only zero values in {where}; its index is undefined (0/0)')
        results.append(make(np.ascontiguousarray(y), local, tuple(g.names[j] for j in used)))
        present.append(used)
    return ByDisparity(by_header=header, keys=order, groups=g.names if grouped else (), present=present,
                       results=results, kind=kind)


def _gini_rows(res: ByDisparity, first: str) -> list[list]:
    """NQP_GINI with by: By, G, Gw, Gnb, Gt, Gw %, Gnb %, Gt %, G (group)…, G (pair)… per by value."""
    k = len(res.groups)
    pairs = [(j, h) for j in range(k) for h in range(j + 1, k)]
    header = [first, "G"]
    if k:
        header += ["Gw", "Gnb", "Gt", "Gw %", "Gnb %", "Gt %"]
        header += [f"G ({name})" for name in res.groups]
        header += [f"G ({res.groups[j]}–{res.groups[h]})" for j, h in pairs]
    out = [header]
    for key, used, r in zip(res.keys, res.present, res.results):
        if r is None:  # a by value without values: a blank row
            out.append([key] + [None] * (len(header) - 1))
            continue
        row: list = [key, r.total]
        if k:
            gw, gnb, gt = r.within, r.between_net, r.transvariation
            row += [gw, gnb, gt, share(gw, r.total), share(gnb, r.total), share(gt, r.total)]
            pos = {j: a for a, j in enumerate(used)}
            row += [float(r.within_gini[pos[j]]) if j in pos else None for j in range(k)]
            row += [float(r.between_gini[pos[j], pos[h]]) if j in pos and h in pos else None for j, h in pairs]
        out.append(row)
    return out


def _theil_rows(res: ByDisparity, first: str) -> list[list]:
    """NQP_THEIL with by: By, T, Tw, Tb, Tw %, Tb %, T (group)… per by value."""
    k = len(res.groups)
    header = [first, "T"]
    if k:
        header += ["Tw", "Tb", "Tw %", "Tb %"] + [f"T ({name})" for name in res.groups]
    out = [header]
    for key, used, r in zip(res.keys, res.present, res.results):
        if r is None:  # a by value without values: a blank row
            out.append([key] + [None] * (len(header) - 1))
            continue
        row: list = [key, r.total]
        if k:
            row += [r.within, r.between, share(r.within, r.total), share(r.between, r.total)]
            pos = {j: a for a, j in enumerate(used)}
            row += [float(r.group_theil[pos[j]]) if j in pos else None for j in range(k)]
        out.append(row)
    return out
