"""The publication table of a system of equations (the coupling paper's Tables 7–9).

Columns are estimation methods (OLS, 2SLS, 3SLS, ireg3 side by side, Table 7) or, with
``groups``, one column per group (order of first appearance) estimated by the first method
(Table 9: 3SLS by region).  Each column is exactly :func:`nqp_xl.simultaneous.fit_system` on
its rows, so the figures are those of ``NQP_3SLS``.

Cells as economics journals print them: a coefficient ``0.319***`` (3 decimals; * p < 0.1,
** p < 0.05, *** p < 0.01 with p as NQP_3SLS computes it: t with n − k₁ degrees of freedom for
OLS/2SLS, normal for 3SLS/ireg3), under it its standard error ``(0.120)``; ``_cons`` last; per
equation N and R² (3 decimals).  A value that rounds to zero prints ``0.000``, never ``-0.000``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import aligned_keys, key_text
from .equations import system_data
from .errors import NQPError
from .labels import text
from .options import is_blank, is_empty
from .simultaneous import METHODS, SystemFit, fit_system
from .table import parse_text_list

__all__ = ["RegTable", "regression_table", "stars", "fixed3", "METHOD_NAMES", "FOOTNOTE"]

METHOD_NAMES = {"ols": "OLS", "2sls": "2SLS", "3sls": "3SLS", "ireg3": "ireg3"}
FOOTNOTE = "Standard errors in parentheses; * p<0.1, ** p<0.05, *** p<0.01"


def stars(p: float) -> str:
    """*** p < 0.01, ** p < 0.05, * p < 0.1."""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def fixed3(x: float) -> str:
    """x with 3 decimals; -0.000 prints as 0.000."""
    out = f"{x:.3f}"
    return "0.000" if out == "-0.000" else out


@dataclass(frozen=True)
class RegTable:
    """Column headers (method keys or group names) and the fit of each column."""

    columns: list[str]
    by_group: bool
    fits: list[SystemFit]

    def rows(self) -> list[list]:
        """The body: per equation a title row, coefficient and (standard error) rows, _cons
        last, then N and R²; texts in English (the UDF translates the labels)."""
        first = self.fits[0]
        out: list[list] = []
        blank = [None] * len(self.fits)
        for i, eq in enumerate(first.equations):
            out.append([eq.dependent, *blank])
            for j, name in enumerate([*eq.regressors, "_cons"]):
                out.append([name, *(fixed3(f.params[i][j]) + stars(f.pvalues[i][j]) for f in self.fits)])
                out.append([None, *(f"({fixed3(f.std_errors[i][j])})" for f in self.fits)])
            out.append(["N", *(float(f.n) for f in self.fits)])
            out.append(["R²", *(fixed3(f.rsquared[i]) for f in self.fits)])
        return out

    def to_rows(self, lang: str | None = None) -> list[list]:
        """NQP_REGTABLE's answer: a header row of the columns, :meth:`rows` with N and R² in
        ``lang``, then the footnote on the stars."""
        heads = self.columns if self.by_group else [text(METHOD_NAMES[m], lang) for m in self.columns]
        body = self.rows()
        for r in body:
            if r[0] in ("N", "R²"):
                r[0] = text(r[0], lang)
        return [[None, *heads], *body, [text(FOOTNOTE, lang), *([None] * len(heads))]]


def _methods(methods: Any) -> list[str]:
    names = parse_text_list(methods) if not is_blank(methods) else []
    names = [m.strip().lower() for m in names] or ["ols", "2sls", "3sls"]
    for m in names:
        if m not in METHODS:
            raise NQPError(f'methods names "{m}"; use "ols", "2sls", "3sls" or "ireg3", separated by commas')
    if len(set(names)) != len(names):
        raise NQPError("methods names a method twice")
    return names


def regression_table(data: Any, equations: Any, methods: Any = "ols,2sls,3sls", groups: Any = None,
                     id_cols: Any = None, missing: Any = None) -> RegTable:
    """Fit the system once per method, or (with ``groups``) once per group by the first method."""
    how = _methods(methods)
    sd = system_data(data, equations, id_cols=id_cols, missing=missing)
    if is_empty(groups):
        return RegTable(columns=how, by_group=False, fits=[fit_system(sd, m) for m in how])
    keys, _ = aligned_keys(groups, sd.table, "groups", "data", from_range=isinstance(data, (list, tuple)))
    kept = [k for k, keep in zip(keys, sd.table.keep.tolist()) if keep]
    order = list(dict.fromkeys(k for k in kept if k is not None))
    if len(order) < 2:
        only = f' ("{key_text(order[0])}")' if order else ""
        raise NQPError(f"groups holds only one group{only} beside complete rows; give two or more groups, "
                       "or leave groups out for one column per method")
    arr = np.array([order.index(k) if k is not None else -1 for k in kept])
    fits = []
    for a, g in enumerate(order):
        try:
            fits.append(fit_system(sd, how[0], arr == a))
        except NQPError as err:
            raise NQPError(f'group "{key_text(g)}": {err}') from None
    return RegTable(columns=[key_text(g) for g in order], by_group=True, fits=fits)
