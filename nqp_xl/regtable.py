"""The publication table of a system of equations (the coupling paper's Tables 7–9, seed 003's
Table 8).

Columns are estimation methods (OLS, 2SLS, 3SLS, ireg3 side by side, Table 7; the panel models
FE, TWFE, RE, Pooled beside them), or, with ``groups``, one column per group (order of first
appearance) estimated by the first method (Table 9: 3SLS by region), or, when ``equations``
holds several models separated by a line holding only ``|``, one column per model headed (1),
(2), … estimated by the one method given (Table 8: the system again with one control dropped
in each column).  A system-method column is exactly :func:`nqp_xl.simultaneous.fit_system` on
its rows, so its figures are those of ``NQP_3SLS``; a panel column fits each equation on its own
by :func:`nqp_xl.panelreg.fit_panel` with standard errors clustered by region, so its figures
are those of ``NQP_PANELREG`` ("fe": region effects, "twfe": region and year effects, "re":
Swamy–Arora random effects, "pooled": pooled OLS; R² is the within R² for fe/twfe and the
overall R² otherwise).  Panel columns need the region and year columns (``ids``/``years``
header names; by default the first label column and the column headed year/年份).

Cells as economics journals print them: a coefficient ``0.319***`` (3 decimals; * p < 0.1,
** p < 0.05, *** p < 0.01 with p as the column's estimator computes it), under it its standard
error ``(0.120)``; ``_cons`` last; per equation N and R² (3 decimals), and when a panel column
is present "Region FE" and "Year FE" rows (Yes/No).  A regressor a column's model does not have
is a blank cell.  A value that rounds to zero prints ``0.000``, never ``-0.000``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import aligned_keys, key_text
from .equations import CONS, system_data
from .errors import NQPError
from .labels import text
from .options import flatten, is_blank, is_empty
from .panelreg import panel_regression
from .simultaneous import METHODS, fit_system
from .table import parse_text_list

__all__ = ["RegTable", "Column", "regression_table", "stars", "fixed3", "split_models", "METHOD_NAMES",
           "PANEL_METHODS", "FOOTNOTE"]

METHOD_NAMES = {"ols": "OLS", "2sls": "2SLS", "3sls": "3SLS", "ireg3": "ireg3", "fe": "FE", "twfe": "TWFE",
                "re": "RE", "pooled": "Pooled"}
PANEL_METHODS = {"fe": ("fe", "individual"), "twfe": ("fe", "twoways"), "re": ("re", "individual"),
                 "pooled": ("pooled", "individual")}
FOOTNOTE = "Standard errors in parentheses; * p<0.1, ** p<0.05, *** p<0.01"


def stars(p: float) -> str:
    """*** p < 0.01, ** p < 0.05, * p < 0.1."""
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.1 else ""


def fixed3(x: float) -> str:
    """x with 3 decimals; -0.000 prints as 0.000."""
    out = f"{x:.3f}"
    return "0.000" if out == "-0.000" else out


@dataclass(frozen=True)
class Estimate:
    """One equation in one column: coefficients by name (_cons last), N, R² and its effects."""

    names: tuple[str, ...]
    params: np.ndarray
    std_errors: np.ndarray
    pvalues: np.ndarray
    n: int
    r2: float
    effects: tuple[bool, bool] | None  # (region FE, year FE) for panel columns


@dataclass(frozen=True)
class Column:
    header: str                         # method key, group name or "(1)"
    estimates: dict[str, Estimate]      # dependent variable → its estimate


@dataclass(frozen=True)
class RegTable:
    """The columns and the equations (dependent, variables in order of first appearance)."""

    columns: list[Column]
    equations: list[tuple[str, list[str]]]
    kind: str  # "methods", "groups" or "models"

    @property
    def panel(self) -> bool:
        return any(e.effects is not None for c in self.columns for e in c.estimates.values())

    def rows(self) -> list[list]:
        """The body: per equation a title row, coefficient and (standard error) rows, _cons last,
        then N, R² (and Region FE / Year FE with a panel column); texts in English."""
        out: list[list] = []
        blank = [None] * len(self.columns)
        for dep, names in self.equations:
            out.append([dep, *blank])
            cells = [c.estimates.get(dep) for c in self.columns]
            for name in [*names, CONS]:
                coef, se = [name], [None]
                for e in cells:
                    j = e.names.index(name) if e is not None and name in e.names else None
                    coef.append(None if j is None else fixed3(e.params[j]) + stars(e.pvalues[j]))
                    se.append(None if j is None else f"({fixed3(e.std_errors[j])})")
                out += [coef, se]
            out.append(["N", *(None if e is None else float(e.n) for e in cells)])
            out.append(["R²", *(None if e is None else fixed3(e.r2) for e in cells)])
            if self.panel:
                for label, k in (("Region FE", 0), ("Year FE", 1)):
                    out.append([label, *(None if e is None else "Yes" if e.effects and e.effects[k] else "No"
                                         for e in cells)])
        return out

    def number_rows(self, lang: Any = None) -> list[list]:
        """The same table with numbers as numbers, for a sheet whose formats show the stars and
        parentheses (SPEC Part 3, "Numbers stay numbers"): a coefficient row holds the
        coefficients, then, right of the columns, their p-values (headed "P: <column>") for the
        conditional formats that choose ``0.000"***"``; each equation opens with a title row
        ("Equation 1: y", set apart from the regressors); a standard-error row holds the standard
        errors (its first cell blank); N and R² are numbers; the footnote is the last row."""
        width = len(self.columns)
        heads = self.headers(lang)
        out: list[list] = [[None, *heads, *(f"P: {h}" for h in heads)]]
        for i, (dep, names) in enumerate(self.equations, start=1):
            title = f"方程 {i}：{dep}" if text("Equation", lang) == "方程" else f"{text('Equation', lang)} {i}: {dep}"
            out.append([title, *([None] * (2 * width))])
            cells = [c.estimates.get(dep) for c in self.columns]
            for name in [*names, CONS]:
                at = [e.names.index(name) if e is not None and name in e.names else None for e in cells]
                out.append([name, *(None if j is None else float(e.params[j]) for e, j in zip(cells, at)),
                            *(None if j is None else float(e.pvalues[j]) for e, j in zip(cells, at))])
                out.append([None, *(None if j is None else float(e.std_errors[j]) for e, j in zip(cells, at)),
                            *([None] * width)])
            out.append([text("N", lang), *(None if e is None else float(e.n) for e in cells), *([None] * width)])
            out.append([text("R²", lang), *(None if e is None else float(e.r2) for e in cells), *([None] * width)])
            if self.panel:
                for label, k in (("Region FE", 0), ("Year FE", 1)):
                    out.append([text(label, lang), *(None if e is None else text("Yes" if e.effects and e.effects[k]
                                                                                 else "No", lang) for e in cells),
                                *([None] * width)])
        out.append([text(FOOTNOTE, lang), *([None] * (2 * width))])
        return out

    def headers(self, lang: Any = None) -> list[str]:
        if self.kind == "methods":
            return [text(METHOD_NAMES[c.header], lang) for c in self.columns]
        return [c.header for c in self.columns]

    def to_rows(self, lang: Any = None) -> list[list]:
        """Header row, the body with its labels in ``lang``, the footnote last."""
        body = self.rows()
        for r in body:
            if r[0] in ("N", "R²", "Region FE", "Year FE"):
                r[0] = text(r[0], lang)
                r[1:] = [text(v, lang) if v in ("Yes", "No") else v for v in r[1:]]
        width = len(self.columns)
        return [[None, *self.headers(lang)], *body, [text(FOOTNOTE, lang), *([None] * width)]]


def _methods(methods: Any) -> list[str]:
    names = parse_text_list(methods) if not is_blank(methods) else []
    names = [m.strip().lower() for m in names] or ["ols", "2sls", "3sls"]
    for m in names:
        if m not in METHODS and m not in PANEL_METHODS:
            raise NQPError(f'methods names "{m}"; use "ols", "2sls", "3sls", "ireg3", "fe", "twfe", "re" or '
                           '"pooled", separated by commas')
    if len(set(names)) != len(names):
        raise NQPError("methods names a method twice")
    return names


def split_models(equations: Any) -> list[str]:
    """The models of ``equations``: the texts between lines (or cells) holding only "|"."""
    if isinstance(equations, str):
        texts = [equations]
    else:
        texts = [c for c in flatten(equations) if c is not None and not (isinstance(c, float) and c != c)]
    pieces: list[str] = []
    for t in texts:
        pieces.extend(re.split(r"[;\r\n]+", t) if isinstance(t, str) else [t])
    models: list[list] = [[]]
    for p in pieces:
        if isinstance(p, str) and p.strip() == "|":
            models.append([])
        elif not (isinstance(p, str) and not p.strip()):
            models[-1].append(p)
    if len(models) > 1 and any(not m for m in models):
        raise NQPError('equations has a "|" with no model on one side; put one system between each pair of "|" lines')
    return ["\n".join(str(p) for p in m) if all(isinstance(p, str) for p in m) else m for m in models]


def _system_column(sd, method: str, rows: np.ndarray | None = None) -> dict[str, Estimate]:
    fit = fit_system(sd, method, rows)
    return {eq.dependent: Estimate((*eq.regressors, CONS), fit.params[i], fit.std_errors[i], fit.pvalues[i],
                                   fit.n, float(fit.rsquared[i]), None)
            for i, eq in enumerate(fit.equations)}


def _panel_column(data: Any, equations: list[tuple[str, list[str]]], method: str, ids: Any, years: Any,
                  id_cols: Any, missing: Any) -> dict[str, Estimate]:
    model, effects = PANEL_METHODS[method]
    out = {}
    for dep, regs in equations:
        try:
            fit = panel_regression(data, f"{dep} ~ {' + '.join(regs)}", ids, years, model, effects, "cluster",
                                   id_cols=id_cols, missing=missing)
        except NQPError as err:
            raise NQPError(f'{METHOD_NAMES[method]}, equation for "{dep}": {err}') from None
        r2 = fit.rsquared["within" if model == "fe" else "overall"]
        out[dep] = Estimate(tuple(fit.names), fit.params, fit.std_errors, fit.pvalues, fit.data.n, r2,
                            (model == "fe", effects == "twoways"))
    return out


def _column(data: Any, equations: Any, method: str, ids: Any, years: Any, id_cols: Any,
            missing: Any) -> tuple[dict[str, Estimate], list[tuple[str, list[str]]]]:
    sd = system_data(data, equations, id_cols=id_cols, missing=missing)
    if method in PANEL_METHODS:
        return _panel_column(data, sd.equations, method, ids, years, id_cols, missing), sd.equations
    return _system_column(sd, method), sd.equations


def _union(systems: list[list[tuple[str, list[str]]]]) -> list[tuple[str, list[str]]]:
    """Each dependent variable's regressors over all columns: a name a column adds goes right
    after the name before it in that column (so a dropped control keeps its place)."""
    order: dict[str, list[str]] = {}
    for eqs in systems:
        for dep, regs in eqs:
            names = order.setdefault(dep, [])
            for i, r in enumerate(regs):
                if r not in names:
                    before = next((regs[j] for j in range(i - 1, -1, -1) if regs[j] in names), None)
                    names.insert(0 if before is None else names.index(before) + 1, r)
    return list(order.items())


def regression_table(data: Any, equations: Any, methods: Any = "ols,2sls,3sls", groups: Any = None,
                     id_cols: Any = None, missing: Any = None, ids: Any = None, years: Any = None) -> RegTable:
    """Fit the system once per method, or (with ``groups``) once per group by the first method,
    or (several models separated by "|") once per model by the one method."""
    how = _methods(methods)
    models = split_models(equations)
    if len(models) > 1:
        if not is_empty(groups):
            raise NQPError('give either several models (separated by "|") or groups, not both')
        if len(how) > 1:
            raise NQPError(f'with several models (separated by "|") give one method, not {len(how)}')
        cols, systems = [], []
        for i, m in enumerate(models, 1):
            try:
                est, eqs = _column(data, m, how[0], ids, years, id_cols, missing)
            except NQPError as err:
                raise NQPError(f"model ({i}): {err}") from None
            cols.append(Column(f"({i})", est))
            systems.append(eqs)
        return RegTable(cols, _union(systems), "models")
    if is_empty(groups):
        cols, systems = [], []
        for m in how:
            est, eqs = _column(data, equations, m, ids, years, id_cols, missing)
            cols.append(Column(m, est))
            systems.append(eqs)
        return RegTable(cols, _union(systems), "methods")
    if how[0] in PANEL_METHODS:
        raise NQPError("groups split the rows for the system methods (ols, 2sls, 3sls, ireg3); a panel method "
                       "cannot be estimated by group here")
    sd = system_data(data, equations, id_cols=id_cols, missing=missing)
    keys, _ = aligned_keys(groups, sd.table, "groups", "data", from_range=isinstance(data, (list, tuple)))
    kept = [k for k, keep in zip(keys, sd.table.keep.tolist()) if keep]
    order = list(dict.fromkeys(k for k in kept if k is not None))
    if len(order) < 2:
        only = f' ("{key_text(order[0])}")' if order else ""
        raise NQPError(f"groups holds only one group{only} beside complete rows; give two or more groups, "
                       "or leave groups out for one column per method")
    arr = np.array([order.index(k) if k is not None else -1 for k in kept])
    cols = []
    for a, g in enumerate(order):
        try:
            cols.append(Column(key_text(g), _system_column(sd, how[0], arr == a)))
        except NQPError as err:
            raise NQPError(f'group "{key_text(g)}": {err}') from None
    return RegTable(cols, list(map(tuple, sd.equations)), "groups")

